"""The manager sees aggregate figures only (covenant art. 11): every service that shows or
changes personal data refuses the manager's account (and logs the refusal), and so do the
commands built on them; the figures and the annual report are allowed."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.cli import main as cli_main
from app.domain.cases import Subject, SubjectRole
from app.domain.intake import Referral
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.errors import PermissionDenied
from app.services import (
    accounts,
    case_view,
    cases,
    closure,
    disclosures,
    figures,
    followup,
    handouts,
    intake,
    meeting_room,
    meetings,
    plan,
    referral_import,
    subject_access,
    triage,
)
from app.store.tables import audit_log
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.pg_engine import audit_reader, vault_arg
from tests.unit.retention_fixtures import make_case

MANAGER = "manager"
PASSPHRASE = "alleen cijfers, nooit namen"


@pytest.fixture
def manager(admin_vault: OpenVault, vault_dir: Path) -> Iterator[tuple[OpenVault, str]]:
    """A vault with one case in progress, unlocked by a manager."""
    accounts.add_account(admin_vault, MANAGER, Role.MANAGER, PASSPHRASE, kdf=KdfParams())
    accounts.add_account(admin_vault, "regisseur", Role.PROCESS_DIRECTOR, PASSPHRASE,
                         kdf=KdfParams())
    admin_vault.lock()
    director = Vault(vault_dir).unlock("regisseur", PASSPHRASE)
    number = make_case(director).number
    director.lock()
    opened = Vault(vault_dir).unlock(MANAGER, PASSPHRASE)
    yield opened, number
    opened.lock(audit_it=False)


def personal_calls(number: str, tmp: Path) -> dict[str, Callable[[OpenVault], Any]]:
    referral = Referral(Protocol.INTEGRALE_VEILIGHEID, 1, date(2026, 1, 5), "Zorgen", "Vraag",
                        (Subject("Piet", "Jansen", date(1980, 1, 1),
                                 SubjectRole.MAIN_SUBJECT),))
    return {
        "cases table": lambda v: cases.list_cases(v),
        "case": lambda v: cases.get_case(v, number),
        "case screen": lambda v: case_view.open_case(v, number),
        "already known": lambda v: intake.already_known(v, bsn="111222333"),
        "register referral": lambda v: intake.register_referral(v, referral),
        "import referrals": lambda v: referral_import.import_referrals(
            v, {"format": referral_import.FORMAT, "referrals": []}),
        "triage": lambda v: triage.triage_context(v, number),
        "meetings": lambda v: meetings.list_meetings(v),
        "meeting room": lambda v: meeting_room.load_room(v, 1),
        "plan": lambda v: plan.get_plan(v, number),
        "plan history": lambda v: plan.history(v, number),
        "open actions": lambda v: followup.open_actions(v),
        "handout": lambda v: handouts.export_handout(v, number, 1, tmp / "h.pdf"),
        "closure": lambda v: closure.closure_context(v, number),
        "disclosures": lambda v: disclosures.case_disclosures(v, number),
        "subject access search": lambda v: subject_access.find_subject(v, bsn="111222333"),
        "subject access export": lambda v: subject_access.export_subject_access(
            v, tmp / "s.pdf", None),
    }


def test_every_personal_service_refuses_the_manager(manager: tuple[OpenVault, str],
                                                     tmp_path: Path) -> None:
    vault, number = manager
    out = tmp_path / "out"
    out.mkdir()
    calls = personal_calls(number, out)
    allowed = []
    for name, call in calls.items():
        try:
            call(vault)
        except PermissionDenied:
            continue
        allowed.append(name)
    assert allowed == []
    assert not list(out.iterdir())             # no file was written
    with audit_reader(vault) as conn:  # on the server the manager reads no audit row
        refusals = conn.execute(select(audit_log.c.detail).where(
            audit_log.c.actor == MANAGER, audit_log.c.result == "denied")).scalars().all()
    assert len(refusals) == len(calls)
    # each refused by the service's own role check, none left to the house server's grants
    assert all('"server"' not in (detail or "") for detail in refusals)


def test_the_manager_may_see_the_figures_and_print_the_report(
        manager: tuple[OpenVault, str], tmp_path: Path) -> None:
    vault, _number = manager
    assert figures.compute(vault, 2025).referrals_total == 1
    digest = figures.export_annual_report(vault, 2025, tmp_path / "jaar.pdf",
                                          csv_dir=tmp_path / "csv")
    assert (tmp_path / "jaar.pdf").read_bytes().startswith(b"%PDF")
    assert len(digest) == 64
    assert len(list((tmp_path / "csv").glob("2025-*.csv"))) == 7


@pytest.mark.parametrize("argv", [
    ["export", "plan", "--case", "{number}", "--out", "{tmp}/plan.pdf"],
    ["export", "handout", "--case", "{number}", "--party", "Politie", "--out",
     "{tmp}/h.pdf"],
])
def test_personal_commands_refuse_the_manager(manager: tuple[OpenVault, str], tmp_path: Path,
                                              argv: list[str],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    vault, number = manager
    vault.lock(audit_it=False)
    out = tmp_path / "out"
    out.mkdir()
    args = [a.format(number=number, tmp=out) for a in argv]
    os.environ["CASUSKAMER_PASSPHRASE"] = PASSPHRASE
    try:
        code = cli_main(args + ["--vault", vault_arg(vault), "--account", MANAGER])
    finally:
        del os.environ["CASUSKAMER_PASSPHRASE"]
    assert code == 2
    assert "manager" in capsys.readouterr().err.lower()    # "your role (Manager) may not"
    assert not list(out.iterdir())


def test_report_command_for_the_manager(manager: tuple[OpenVault, str], tmp_path: Path
                                        ) -> None:
    vault, _number = manager
    vault.lock(audit_it=False)
    os.environ["CASUSKAMER_PASSPHRASE"] = PASSPHRASE
    try:
        code = cli_main(["report", "--vault", vault_arg(vault), "--account", MANAGER,
                         "--year", "2025", "--out", str(tmp_path / "j.pdf"), "--csv",
                         str(tmp_path / "csv")])
        bad = cli_main(["report", "--vault", vault_arg(vault), "--account", MANAGER,
                        "--year", "1999", "--out", str(tmp_path / "k.pdf")])
    finally:
        del os.environ["CASUSKAMER_PASSPHRASE"]
    assert code == 0 and (tmp_path / "j.pdf").exists()
    assert min(p.name for p in (tmp_path / "csv").iterdir()) == "2025-actions.csv"
    assert bad == 2 and not (tmp_path / "k.pdf").exists()
