"""Audit completeness (NEN 7513, BIO logging): every service that reads, searches, changes,
prints or exports personal data writes a row with action, object (case number or subject id,
never a name), result, origin, actor, role and time; failed unlocks and locks too. No row
holds a passphrase, the data key or a subject's name (the subjects here carry canary names).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.roles import Role
from app.errors import WrongPassphrase
from app.services import (
    accounts,
    case_view,
    closure,
    disclosures,
    followup,
    handouts,
    intake,
    subject_access,
)
from app.services import cases as case_service
from app.services import meetings as meeting_service
from app.services import meeting_live as live_service
from app.services import minutes as minutes_service
from app.services import agenda as agenda_service
from app.services import plan as plan_service
from app.store.tables import audit_log
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.pg_engine import audit_reader
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.reliability.case_write_points import GGZ, _live_item, _with_plan, acting, ids

FIELDS = ("at", "actor", "role", "action", "object_type", "object_id", "result", "origin")
BIRTH = date(1980, 5, 1)
DIRECTOR_PASSPHRASE = "regie wachtzin voor de audit proef"


def _rows(vault: OpenVault, after: int = 0) -> list[dict[str, str]]:
    with audit_reader(vault) as conn:
        return [dict(r) for r in conn.execute(
            select(audit_log).where(audit_log.c.id > after).order_by(audit_log.c.id)).mappings()]


def _last_id(vault: OpenVault) -> int:
    rows = _rows(vault)
    return int(rows[-1]["id"]) if rows else 0


@pytest.fixture
def world(admin_vault: OpenVault, vault_dir: Path, tmp_path: Path
          ) -> tuple[OpenVault, str, str, list[str]]:
    """A case in progress with a plan; its subjects are called Piet and Kees Crash1."""
    accounts.add_account(admin_vault, "regie", Role.PROCESS_DIRECTOR, DIRECTOR_PASSPHRASE,
                         kdf=KdfParams())
    with acting(admin_vault, passphrase=DIRECTOR_PASSPHRASE) as director:
        _case_id, number = _with_plan(director, 1, random.Random(1))
    admin_vault.lock()
    vault = Vault(vault_dir).unlock("regie", DIRECTOR_PASSPHRASE)
    canaries = ["Crash1", "Piet", "Kees", "Spui 70", ADMIN_PASSPHRASE, DIRECTOR_PASSPHRASE,
                vault.data_key.hex()]
    return vault, number, str(tmp_path), canaries


def test_every_personal_data_service_writes_a_complete_row(
        world: tuple[OpenVault, str, str, list[str]]) -> None:
    vault, number, out, canaries = world
    ggz = ids(vault)[GGZ]
    calls: list[tuple[str, str, Callable[[], object]]] = [
        ("list the cases", "case.list", lambda: case_service.list_cases(vault)),
        ("open a case", "case.open", lambda: case_service.get_case(vault, number)),
        ("case screen", "case.view", lambda: case_view.open_case(vault, number)),
        ("already known search", "case.search",
         lambda: intake.already_known(vault, surname="Crash1", birth_date=BIRTH)),
        ("subject search", "subject.search",
         lambda: subject_access.find_subject(vault, surname="Crash1", birth_date=BIRTH)),
        ("read the plan", "plan.read", lambda: plan_service.get_plan(vault, number)),
        ("plan history", "plan.history", lambda: plan_service.history(vault, number)),
        ("minutes of the case", "meeting.minutes_read",
         lambda: minutes_service.case_minutes(vault, number)),
        ("closure wizard", "case.closure_open",
         lambda: closure.closure_context(vault, number)),
        ("follow-up list", "followup.list", lambda: followup.open_actions(vault, case=number)),
        ("disclosure report", "disclosure.report",
         lambda: disclosures.case_disclosures(vault, number)),
        ("print a handout", "export.handout",
         lambda: handouts.export_handout(vault, number, ggz, Path(out) / "h.pdf")),
        ("print the plan", "export.plan",
         lambda: handouts.export_plan(vault, number, Path(out) / "p.pdf")),
        ("subject access export", "export.subject_access",
         lambda: _subject_access_export(vault, Path(out) / "i.pdf")),
        ("change the plan", "plan.save",
         lambda: plan_service.record_agreement(vault, number, party_id=ggz,
                                               description="Huisbezoek")),
    ]
    _assert_each_call_logs(vault, calls)
    _assert_no_canary(vault, canaries)
    vault.lock()


def test_meeting_subject_and_closure_reads_write_a_row_too(
        world: tuple[OpenVault, str, str, list[str]]) -> None:
    """The reads behind the meeting screens, the agenda PDF, the subject-access report and
    the closure record: each is logged against its meeting, case or subject."""
    vault, number, _out, canaries = world
    item_id, item_case = _live_item(vault, 2, random.Random(2))
    meeting_id = next(m.id for m in meeting_service.list_meetings(vault)
                      if any(i.id == item_id
                             for i in meeting_service.get_meeting(vault, m.id).items))
    ggz = ids(vault)[GGZ]
    match = subject_access.find_subject(vault, surname="Crash1", birth_date=BIRTH)
    calls: list[tuple[str, str, Callable[[], object]]] = [
        ("meetings screen", "meeting.list", lambda: meeting_service.list_meetings(vault)),
        ("attendance list", "meeting.attendees",
         lambda: live_service.list_attendees(vault, meeting_id)),
        ("minutes of the item under discussion", "meeting.minutes_read",
         lambda: minutes_service.entries(vault, item_id)),
        ("a party's agenda", "meeting.party_agenda",
         lambda: agenda_service.party_agenda(vault, meeting_id, ggz)),
        ("subject access report", "subject.report",
         lambda: subject_access.subject_access_report(vault, match)),
        ("closure record", "case.closure_read", lambda: closure.closure_of(vault, number)),
    ]
    _assert_each_call_logs(vault, calls)
    minutes = [r for r in _rows(vault) if r["action"] == "meeting.minutes_read"]
    assert minutes[-1]["object_type"] == "case" and minutes[-1]["object_id"] == item_case
    _assert_no_canary(vault, canaries)
    vault.lock()


def _subject_access_export(vault: OpenVault, out: Path) -> object:
    """The export from a draft reviewed item by item (every item included)."""
    match = subject_access.find_subject(vault, surname="Crash1", birth_date=BIRTH)
    draft = subject_access.draft_subject_access(vault, match)
    for item in draft.items:
        draft = draft.decide(item.item_id,
                             subject_access.ItemDecision(subject_access.Choice.INCLUDE))
    return subject_access.export_subject_access(vault, out, draft, match=match)


def _assert_each_call_logs(vault: OpenVault,
                           calls: list[tuple[str, str, Callable[[], object]]]) -> None:
    missing = []
    for label, action, call in calls:
        before = _last_id(vault)
        call()
        new = [r for r in _rows(vault, before) if r["action"] == action]
        if not new:
            missing.append(f"{label}: no {action} row")
            continue
        row = new[-1]
        empty = [f for f in FIELDS if not str(row[f]).strip()]
        assert not empty, (label, empty)
        assert row["actor"] == "regie" and row["role"] == Role.PROCESS_DIRECTOR.value
        assert row["result"] == "ok"
    assert not missing, missing


def test_failed_unlocks_and_locks_are_logged(
        world: tuple[OpenVault, str, str, list[str]]) -> None:
    vault, _number, _out, canaries = world
    vault.lock()
    second = vault.vault  # the house's own vault: its folder, or the server's profile
    with pytest.raises(WrongPassphrase):
        second.unlock("regie", "verkeerde wachtzin voor de proef")
    with pytest.raises(WrongPassphrase):
        second.unlock("onbekend", "verkeerde wachtzin voor de proef")
    opened = second.unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        rows = _rows(opened)
        failed = [r for r in rows if r["action"] == "unlock" and r["result"] == "failed"]
        assert {r["object_id"] for r in failed} == {"regie", "onbekend"}
        assert all(str(r[f]).strip() for r in failed for f in FIELDS)
        locks = [r for r in rows if r["action"] == "lock"]
        assert any(r["actor"] == "regie" for r in locks), "the director's lock is logged"
        assert rows[-1]["action"] == "unlock" and rows[-1]["actor"] == ADMIN
        _assert_no_canary(opened, canaries)
    finally:
        opened.lock()


def _assert_no_canary(vault: OpenVault, canaries: list[str]) -> None:
    """No row holds a name, an address, a passphrase or the key, in any field."""
    for row in _rows(vault):
        text = json.dumps({k: str(v) for k, v in row.items()}, ensure_ascii=False)
        found = [c for c in canaries if c.casefold() in text.casefold()]
        assert not found, (row["action"], found)
