"""Roles on case substance (issue 16, point 5): the information centre sees the case register
and the meetings' logistics, never what is said about the people.

Covenant 1.14 and 14.1: the information centre supports the work processes; 12.2c-e: the
meeting's goal, themes and the contribution asked of each party are the process director's
preparation; 16.2 and 17.1: information is used only as its supplier allows and kept secret.
So the information centre may see: case numbers, states, protocol, dates, the referring
party, the main subject's initials; meetings' dates, places, chair, the cases on them by
number and initials, their order and duration, the invited parties and the attendance. It
may not see: subjects' names, BSN, birth dates or addresses, the referral's texts, items,
triage's routing, agenda goals, themes and contributions, minutes, plan texts, progress
notes, the closure record.

The finding (on commit 7ca920e): "The information centre can read the stored minutes and the
plan's texts, which quote items." The tests below plant a canary text in every such field of
one case, then call every public service function of ``app.services`` (found by
introspection, so a new one is covered without editing this file) as the information
centre: the substance readers must refuse (and the refusal be audited), and nothing any
other reader returns may hold a canary.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.domain.cases import Subject, SubjectRole
from app.domain.intake import Referral
from app.domain.protocols import Protocol
from app.domain.roles import GRANTS, Permission, Role, may
from app.errors import CasuskamerError, PermissionDenied
from app.services import cases as case_service
from app.services import intake, meetings, triage
from app.services import meeting_live
from app.services import minutes as meeting_minutes
from app.services import plan as plan_service
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import audit_reader
from tests.conftest import unlock_as
from tests.unit.meeting_fixtures import GGZ, MUNICIPALITY, POLICE, party_ids
from tests.unit.service_world import (CANARIES, CANARY_BIRTH_DATE, CANARY_BSN, TODAY, World,
                                      arguments, as_centre, as_director, build_world, call,
                                      denied_rows, director_made, service_functions)


# -- looking for canaries in whatever a service returns ----------------------------------------

def leaks(value: Any) -> set[str]:
    """The canaries found anywhere in ``value`` (dataclasses, named tuples, mappings,
    sequences, objects' attributes, texts, dates and files followed)."""
    found: set[str] = set()
    seen: set[int] = set()
    lowered = {k: v.casefold() for k, v in CANARIES.items()}

    def text(s: str) -> None:
        folded = s.casefold()
        found.update(k for k, v in lowered.items() if v in folded)
        if CANARY_BSN in s.replace(" ", "").replace(".", ""):
            found.add("bsn")
        if CANARY_BIRTH_DATE.isoformat() in s:
            found.add("birth_date")

    def walk(v: Any) -> None:
        if v is None or isinstance(v, (bool, int, float)):
            return
        if isinstance(v, str):
            text(v)
            return
        if isinstance(v, bytes):
            text(v.decode("utf-8", "replace"))
            return
        if isinstance(v, enum.Enum):
            return
        if isinstance(v, (date, datetime)):
            if v == CANARY_BIRTH_DATE or (isinstance(v, datetime)
                                         and v.date() == CANARY_BIRTH_DATE):
                found.add("birth_date")
            return
        if isinstance(v, Path):
            text(str(v))
            if v.is_file() and v.suffix != ".pdf":
                text(v.read_text("utf-8", "replace"))
            return
        if id(v) in seen:
            return
        seen.add(id(v))
        if isinstance(v, dict):
            for key, item in v.items():
                walk(key)
                walk(item)
        elif isinstance(v, (list, tuple, set, frozenset)):
            for item in v:
                walk(item)
        elif dataclasses.is_dataclass(v):
            for f in dataclasses.fields(v):
                walk(getattr(v, f.name))
        elif hasattr(v, "__dict__"):
            for item in vars(v).values():
                walk(item)
        else:
            text(repr(v))

    walk(value)
    return found


#: What is said about the people: refused to the information centre, whatever it is called
#: with (covenant 12.2c-e, 16.2, 17.1). The issue's finding is the first group.
SUBSTANCE = {
    # the finding: minutes and the plan's texts, which quote items
    "minutes.case_minutes", "minutes.entries", "plan.get_plan", "plan.history",
    "plan.plan_version",
    # the case itself: subjects, the referral's texts, items, routing
    "cases.get_case", "case_view.open_case", "case_view.copy_subject_field",
    "intake.draft_for_case", "triage.routing_decision", "triage.triage_context",
    "triage.load_draft",
    # the agenda's goals, themes and contributions; the plan's actions; the closure record
    "meetings.candidate_cases", "agenda.party_agenda", "minutes.load_live_draft",
    "meetings.load_agenda_draft", "followup.open_actions", "plan.load_plan_draft",
    "closure.closure_of", "closure.closure_context", "closure.preview",
    "closure.load_closure_draft", "meeting_room.load_room", "meeting_room.refresh",
    "subject_access.find_subject", "subject_access.subject_access_report",
    # files that carry the substance
    "handouts.export_handout", "handouts.export_handouts",
    "handouts.export_handouts_for_invited", "handouts.export_plan",
    "subject_access.export_subject_access",
}

#: The finding's readers: refused for want of CASE_SUBSTANCE itself (not some other right).
FINDING = {"minutes.case_minutes", "minutes.entries", "plan.get_plan", "plan.history",
           "plan.plan_version"}

#: Functions that change the vault (or make demo data, or maintain the file): not called in
#: the leak walk. Everything else is called; a new reader is covered without a change here.
WRITES = {
    "accounts.add_account", "accounts.change_passphrase", "accounts.revoke_account",
    "closure.close_case", "closure.discard_closure_draft", "closure.save_closure_draft",
    "demo_activity.fill", "drafts.drop", "drafts.put", "followup.record_progress",
    "intake.decide_intake", "intake.discard_draft", "intake.register_referral",
    "intake.save_draft", "intake.start_intake", "intake.submit_intake",
    "meeting_live.accept_confidentiality", "meeting_live.add_attendee", "minutes.add_entry",
    "meetings.add_item", "meeting_live.attendee_left", "meetings.discard_agenda_draft",
    "minutes.discard_live_draft", "minutes.end_meeting", "minutes.finish_item",
    "minutes.hand_over_to_plan", "meetings.move_item", "meetings.plan_meeting",
    "minutes.remove_entry", "meetings.remove_item", "meetings.reorder",
    "meetings.save_agenda_draft", "minutes.save_live_draft", "meeting_live.set_absent_for_item",
    "meetings.set_invitations", "meeting_live.start_item", "meeting_live.start_meeting",
    "meetings.update_item", "meetings.update_meeting", "parties.add_party",
    "parties.end_participation", "parties.export_bijlage1", "parties.record_accession",
    "parties.record_signature", "parties.record_steering_group_agreement",
    "parties.remove_contact", "parties.save_contact", "parties.seed_parties",
    "parties.set_memberships", "parties.update_details", "plan.add_progress_note",
    "plan.discard_plan_draft", "plan.record_agreement", "plan.save_plan",
    "plan.save_plan_draft", "plan.set_action_status", "referral_import.import_referrals",
    "retention.compact", "retention.purge_due", "retention.set_retention_period",
    "seeding.seed_new_vault", "session.after_unlock", "synthetic.bulk_insert_cases",
    "synthetic.fill_demo",
    "triage.add_item", "triage.answer_widening", "triage.decide_routing",
    "triage.discard_draft", "triage.record_answer", "triage.record_query",
    "triage.request_widening", "triage.save_draft", "triage.withdraw_query",
}



@pytest.fixture
def world(admin_vault: OpenVault, tmp_path: Path) -> Iterator[World]:
    made = build_world(admin_vault, tmp_path)
    yield made


# -- the tests -------------------------------------------------------------------------------

def test_the_canaries_are_there_for_the_process_director(world: World) -> None:
    """Not vacuous: the director reads every canary back through the services the centre
    is refused (so a refusal below hides something real)."""
    vault = as_director(world.vault)
    seen = set()
    seen |= leaks(case_service.get_case(vault, world.number))
    seen |= leaks(case_service.list_cases(vault))
    seen |= leaks(meeting_minutes.case_minutes(vault, world.number))
    seen |= leaks(meetings.get_meeting(vault, world.planned_meeting_id))
    seen |= leaks(meetings.get_meeting(vault, world.held_meeting_id))
    seen |= leaks(plan_service.get_plan(vault, world.number))
    seen |= leaks(triage.routing_decision(vault, world.case_id))
    with vault.read() as conn:
        seen |= leaks(case_service.information_items(conn, world.case_id))
    assert seen >= set(CANARIES) | {"bsn", "birth_date"}


def test_the_centre_may_not_read_minutes_or_the_plans_texts(world: World) -> None:
    """The issue's finding (covenant 12.2c-e, 16.2, 17.1): the stored minutes, the live
    minutes of an agenda item, the plan, its versions and its history are refused to the
    information centre at the service, each refusal audited with the missing permission."""
    vault = as_centre(world.vault)
    reads: list[Callable[[], Any]] = [
        lambda: meeting_minutes.case_minutes(vault, world.number),
        lambda: meeting_minutes.entries(vault, world.held_item_id),
        lambda: plan_service.get_plan(vault, world.number),
        lambda: plan_service.history(vault, world.number),
        lambda: plan_service.plan_version(vault, world.number, 1),
    ]
    for read in reads:
        before = len(denied_rows(vault))
        with pytest.raises(PermissionDenied):
            read()
        rows = denied_rows(vault)
        assert len(rows) == before + 1
        role, action, detail = rows[-1]
        assert (role, action, detail["permission"]) == ("information_centre", "denied",
                                                        "case_substance")


def test_only_the_process_director_holds_case_substance() -> None:
    """The matrix: case substance is the process director's alone; the centre keeps the
    register, the meetings' logistics and the registration of referrals; the manager sees
    figures only, never a name."""
    holders = {role for role, grants in GRANTS.items() if Permission.CASE_SUBSTANCE in grants}
    assert holders == {Role.PROCESS_DIRECTOR}
    for permission in (Permission.REGISTER_REFERRAL, Permission.MEETING_LOGISTICS,
                       Permission.VIEW_CASES):
        assert may(Role.INFORMATION_CENTRE, permission)
    assert GRANTS[Role.MANAGER] == frozenset({Permission.VIEW_FIGURES})


def test_every_service_function_is_classified() -> None:
    """The substance list names real functions (a renamed reader must be listed again);
    a function is never both a substance reader and a writer. A new public service function
    needs no entry: it is called by the leak test below unless it is named a writer."""
    names = set(service_functions())
    assert names >= SUBSTANCE, sorted(SUBSTANCE - names)
    assert not SUBSTANCE & WRITES


def test_no_service_gives_the_centre_a_canary(world: World) -> None:
    """Every public reader of ``app.services`` (by introspection), called as the information
    centre on the canary case: the substance readers refuse (``PermissionDenied``, audited);
    whatever the others return holds no name, BSN, birth date, address, referral text, item,
    goal, theme, contribution, minutes or plan text (covenant 12.2c-e, 16.2, 17.1)."""
    functions = service_functions()
    values = {"vault": world.vault, **arguments(world, director_made(world))}
    vault = as_centre(world.vault)
    values["vault"] = vault          # every call as the centre's own session
    refused: set[str] = set()
    answered: dict[str, set[str]] = {}
    for name in sorted(functions, key=lambda n: (n not in SUBSTANCE, n)):
        if name in WRITES:
            continue
        before = len(denied_rows(vault))
        try:
            result = call(functions[name], values)
        except PermissionDenied:
            refused.add(name)
            rows = denied_rows(vault)
            assert len(rows) == before + 1, f"{name}: refusal not audited"
            # the service's own refusal, not one left to the house server's grants
            assert "permission" in rows[-1][2], f"{name}: refused by the server, not itself"
            continue
        except CasuskamerError as exc:
            # bad input for this role's call (not found, not valid): nothing returned
            assert name not in SUBSTANCE, f"{name} answered {exc!r} instead of refusing"
            continue
        answered[name] = leaks(result)
    assert refused >= SUBSTANCE, sorted(SUBSTANCE - refused)
    leaking = {name: found for name, found in answered.items() if found}
    assert leaking == {}
    # the centre's own readers did answer (the walk is not empty)
    assert {"cases.list_cases", "meetings.get_meeting", "meetings.list_meetings",
            "meeting_live.list_attendees"} <= set(answered)


def test_the_centre_gets_the_register_and_the_logistics(world: World) -> None:
    """What the centre keeps: the Cases table with the case number, state, dates and the
    main subject's initials (searchable by number and initials, not by name or BSN), and the
    meeting with its place, chair, the case by number and initials, the invited parties and
    the attendance; no goal, themes, decision types or contributions."""
    vault = as_centre(world.vault)
    row = next(r for r in case_service.list_cases(vault) if r.number == world.number)
    assert row.main_subject == "X. K."
    assert row.received == TODAY - timedelta(days=20)
    assert row.next_meeting == TODAY + timedelta(days=1 + 14)
    folded = case_service.fold_query
    assert case_service.row_matches(row, folded(world.number))
    assert case_service.row_matches(row, folded("X. K."))
    for term in (CANARIES["surname"], CANARIES["given_names"], CANARY_BSN):
        assert not case_service.row_matches(row, folded(term))
    meeting = meetings.get_meeting(vault, world.planned_meeting_id)
    assert (meeting.place, meeting.chair) == ("Zaal 2", "A. de Voorzitter")
    (item,) = meeting.items
    assert (item.case_number, item.subject_initials, item.duration_minutes) == (
        world.number, "X. K.", 20)
    assert item.invited == frozenset(party_ids(vault)[p] for p in (POLICE, GGZ))
    assert (item.goal, item.themes, item.decision_types) == ("", (), ())
    assert {i.contribution for i in item.invitations} == {""}
    attendance = meeting_live.list_attendees(vault, world.held_meeting_id)
    assert [(a.name, a.party_id) for a in attendance] == [("Mw. K. Jansen", world.party_id)]


def test_the_centre_still_registers_its_own_referrals(world: World) -> None:
    """Registering a referral (typing it in) stays the centre's work; once registered, the
    case's contents are the process director's: the centre sees the new row in the
    register, not the names it typed."""
    vault = as_centre(world.vault)
    ids = party_ids(vault)
    number = intake.register_referral(vault, Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=ids[MUNICIPALITY],
        received=TODAY, reason="Zorgen", question="Aanpak",
        subjects=(Subject("Jan Pieter", "de Vries", date(1980, 5, 1),
                          SubjectRole.MAIN_SUBJECT),)))
    row = next(r for r in case_service.list_cases(vault) if r.number == number)
    assert row.main_subject == "J.P. de V." and "vries" not in row.search_key
    with pytest.raises(PermissionDenied):
        intake.draft_for_case(vault, number)


def test_the_manager_still_sees_figures_only(world: World) -> None:
    """Unchanged: the manager reads figures, and every case reader refuses it."""
    manager = unlock_as(world.vault, Role.MANAGER)
    for read in (lambda: case_service.list_cases(manager),
                 lambda: meetings.get_meeting(manager, world.planned_meeting_id),
                 lambda: meeting_minutes.case_minutes(manager, world.number),
                 lambda: plan_service.get_plan(manager, world.number)):
        with pytest.raises(PermissionDenied):
            read()
    with audit_reader(manager) as conn:
        denied = conn.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.result == "denied", audit_log.c.role == "manager")).scalar_one()
    assert denied == 4
