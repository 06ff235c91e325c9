"""Issue 20, point 3: the vault opens, locks, verifies and backs up; what the house does at
the start of a session (a new vault's seed data, the retention purge at unlock) is the
services' session step, which every way of opening the vault for work runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main as cli_main
from app.domain.roles import Role
from app.services import accounts as account_service
from app.services import session
from app.store.case_tables import cases
from app.store.party_tables import parties
from app.store.tables import audit_log
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE, unlock_as
from tests.unit.retention_fixtures import DIRECTOR, DIRECTOR_PASSPHRASE, make_case
from tests.unit.test_retention import close


def _parties(vault: OpenVault) -> int:
    with vault.read() as conn:
        return int(conn.execute(select(func.count()).select_from(parties)).scalar_one())


def _case_left(vault: OpenVault, number: str) -> bool:
    with vault.read() as conn:
        return conn.execute(select(cases.c.state).where(cases.c.number == number)
                            ).scalar_one() != "destroyed"


def test_the_vault_alone_neither_seeds_nor_purges(tmp_path: Path) -> None:
    """Vault.create makes an empty vault and Vault.unlock destroys nothing: both are the
    session step's, above the vault (the old vault did both itself)."""
    folder = tmp_path / "kluis"
    created = Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    try:
        assert _parties(created) == 0
        session.after_unlock(created, created=True)
        assert _parties(created) > 0     # the covenant's signatories
        account_service.add_account(created, DIRECTOR, Role.PROCESS_DIRECTOR,
                                    DIRECTOR_PASSPHRASE, kdf=KdfParams())
    finally:
        created.lock()
    director = Vault(folder).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    made = make_case(director)
    close(director, made.number, date(2020, 1, 6))   # due for destruction since 2022
    director.lock()

    plain = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        assert plain.purged_at_unlock == []
        assert _case_left(plain, made.number)
    finally:
        plain.lock()
    stepped = session.after_unlock(Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE))
    try:
        assert stepped.purged_at_unlock == [made.number]
        assert not _case_left(stepped, made.number)
        with stepped.read() as conn:
            purges = conn.execute(select(func.count()).select_from(audit_log).where(
                audit_log.c.action == "retention.purge")).scalar_one()
        assert purges == 1
    finally:
        stepped.lock()


def test_a_failing_session_step_locks_the_vault(admin_vault: OpenVault,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing half-open: a step that fails leaves the vault locked, as a failed unlock."""
    from app.services import retention

    def broken(vault: OpenVault, today: date | None = None) -> list[str]:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(retention, "purge_due", broken)
    # a process director's session: on the house server only those purge at their step
    director = unlock_as(admin_vault, Role.PROCESS_DIRECTOR)
    with pytest.raises(RuntimeError):
        session.after_unlock(director)
    assert not director.is_open


def test_the_command_line_runs_the_session_step(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``casuskamer init`` seeds the new vault; a command that holds the vault purges."""
    folder = tmp_path / "kluis"
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    monkeypatch.setenv("CASUSKAMER_KDF_SECONDS", "0")
    assert cli_main(["init", "--vault", str(folder), "--account", ADMIN]) == 0
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        assert _parties(opened) > 0
    finally:
        opened.lock()
    calls: list[int] = []
    original = session.after_unlock

    def counted(vault: OpenVault, **kwargs: object) -> OpenVault:
        calls.append(1)
        return original(vault, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(session, "after_unlock", counted)
    assert cli_main(["purge", "--due", "--vault", str(folder)]) == 0
    assert calls == [1]
