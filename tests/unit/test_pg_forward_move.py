"""A vault that forwards its audit log, moved to the house server (issue 22, points 1 and 5,
with the forwarding of issue 17, point 6).

The rules: the move copies everything, so the rows still queued for the central log are
sent from the server afterwards, in order, numbered on without a gap; and nothing readable
on the server: the client certificate's private key, kept inside the vault file, is sealed
under the data key on its way (the server's administrator reads every table). Fails on
45f1d89: the key arrived in ``meta`` in the clear.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.cli import main as cli_main
from app.domain.roles import Role
from app.services import session
from app.store.profile import ServerProfile, write_profile
from app.vault import forwarding
from app.vault.keyslots import KdfParams
from app.vault.server import FirstAccount, ServerVault, create_house
from app.vault.vault import Vault
from tests.unit.audit_forwarding_receiver import Authority, Receiver

ADMIN = "beheerder"
PASSPHRASE = "een lange wachtzin voor het verhuizen van de kluis"


pytestmark = pytest.mark.usefixtures("forwarding_batches")


@pytest.fixture(autouse=True)
def _at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.cli import move_command

    monkeypatch.setattr(move_command, "output_is_terminal", lambda: True)


@pytest.fixture
def house(pg_server: Any, tmp_path: Path) -> Iterator[tuple[ServerProfile, Path]]:
    profile = ServerProfile(host=pg_server.host, port=pg_server.port,
                            database=pg_server.new_database("fwd"), ca_file=pg_server.ca_file)
    create_house(profile, pg_server.superuser, pg_server.superuser_password,
                 [FirstAccount(ADMIN, Role.ADMIN, PASSPHRASE)],
                 prefix=f"ck{secrets.token_hex(3)}")
    path = tmp_path / "huis.json"
    write_profile(path, profile)
    yield profile, path


def _meta(pg_server: Any, profile: ServerProfile) -> dict[str, str]:
    engine = sa.create_engine(pg_server.sqlalchemy_url(
        pg_server.superuser, pg_server.superuser_password, profile.database))
    try:
        with engine.connect() as conn:
            return {str(k): str(v) for k, v in conn.execute(
                sa.text("SELECT key, value FROM meta"))}
    finally:
        engine.dispose()


def test_a_forwarding_vault_moves_with_its_queue_and_its_key_sealed(
        pg_server: Any, house: tuple[ServerProfile, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    profile, path = house
    authority = Authority(tmp_path / "ca")
    strict = Receiver(authority, require_client=True).start()
    cert, key = authority.client_pair()
    folder = tmp_path / "kluis"
    opened = Vault.create(folder, ADMIN, PASSPHRASE, kdf=KdfParams())
    try:
        session.after_unlock(opened, created=True)
        assert forwarding.configure(opened, strict.address, authority.ca_pem, cert, key) is None
        assert forwarding.send_pending(opened).problem is None
        sent_before = [int(m.params["seq"]) for m in strict.unique()]
        strict.stop()  # the collector away: the next rows wait in the vault's queue
        for n in range(3):
            opened.log_now("case.open", "case", f"2026-{n:04d}")
        assert forwarding.send_pending(opened).problem is not None
        waiting = forwarding.queued_count(opened)
        assert waiting >= 3
    finally:
        opened.lock(audit_it=False)

    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", pg_server.superuser_password)
    assert cli_main(["migrate", "--from-vault", str(folder), "--to", str(path),
                     "--owner", pg_server.superuser]) == 0

    stored = _meta(pg_server, profile)
    assert not any("PRIVATE KEY" in v or key.splitlines()[1] in v for v in stored.values())
    assert stored[forwarding.CLIENT_KEY_KEY].startswith("sealed:")

    strict.start()
    try:
        on_server = ServerVault.from_file(path).unlock(ADMIN, PASSPHRASE, exclusive=False)
        try:
            report = forwarding.send_pending(on_server)
            assert report.problem is None and report.queued == 0
        finally:
            on_server.lock(audit_it=False)
        seqs = [int(m.params["seq"]) for m in strict.unique()]
        assert seqs == list(range(1, len(seqs) + 1))  # numbered on, no gap, none twice
        assert len(seqs) >= len(sent_before) + waiting
        actions = [m.params["action"] for m in strict.unique()]
        assert actions.count("case.open") == 3
    finally:
        strict.stop()
