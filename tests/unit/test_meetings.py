"""Case meetings: planning the agenda, editing it afterwards, invitations checked by the
sharing policy, live mode (attendance with confidentiality, items, minutes) and the minutes
and agreements landing on the case. Bad input is refused with the field it concerns."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.lifecycle import CaseState
from app.domain.meetings import (AbsenceReason, AgendaDraft, DecisionType, DraftItem,
                                 EntryInput, EntryKind, ItemKind, MeetingState, WizardStep,
                                 absence, check_step, confidentiality_statement, initials,
                                 item_timer, present_parties)
from app.domain.parties import EndReason
from app.errors import NotFound, TransitionRefused, ValidationError
from app.services import cases as case_service
from app.services import meetings as svc
from app.services import meeting_live as live_svc
from app.services import minutes as minutes_svc
from app.services import parties as party_service
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import audit_reader
from tests.unit.meeting_fixtures import (GGZ, MUNICIPALITY, OM, POLICE, TOMORROW_10, YOUTH,
                                         as_process_director, draft_for, party_ids,
                                         routed_case)


@pytest.fixture
def pd(admin_vault: OpenVault) -> OpenVault:
    return as_process_director(admin_vault)


@pytest.fixture
def ids(pd: OpenVault) -> dict[str, int]:
    return party_ids(pd)


def three_cases(pd: OpenVault, ids: dict[str, int]) -> list[tuple[int, str]]:
    invitees = [ids[POLICE], ids[GGZ], ids[MUNICIPALITY]]
    return [routed_case(pd, "Jan Pieter", "de Vries", invitees=invitees),
            routed_case(pd, "Fatma", "Yıldız", invitees=invitees),
            routed_case(pd, "Kees", "Bakker", invitees=invitees)]


def state_of(vault: OpenVault, case_id: int) -> CaseState:
    with vault.read() as conn:
        return case_service.current_state(conn, case_id)[0]


# -- planning ------------------------------------------------------------------------------

def test_candidates_carry_triage_routing_and_skip_cases_not_routed(
        pd: OpenVault, ids: dict[str, int]) -> None:
    routed = routed_case(pd, "Jan", "Jansen", invitees=[ids[POLICE], ids[GGZ]],
                         themes=("wonen", "zorg"))
    elsewhere = routed_case(pd, "Piet", "Pietersen", invitees=[], route="none")
    found = {c.case_id: c for c in svc.candidate_cases(pd)}
    assert routed[0] in found and elsewhere[0] not in found
    candidate = found[routed[0]]
    assert candidate.kind is ItemKind.FIRST
    assert candidate.subject_initials == "J. J."
    assert candidate.routing.themes == ("wonen", "zorg")
    assert candidate.routing.invitees == tuple(sorted([ids[POLICE], ids[GGZ]]))
    assert candidate.routing.decision_types == (DecisionType.IMAGE_FORMING,
                                                DecisionType.DECIDING)


def test_plan_meeting_with_three_cases_schedules_them_in_order(
        pd: OpenVault, ids: dict[str, int]) -> None:
    cases = three_cases(pd, ids)
    meeting_id = svc.plan_meeting(pd, draft_for(cases, [ids[POLICE], ids[GGZ]]))
    meeting = svc.get_meeting(pd, meeting_id)
    assert meeting.state is MeetingState.PLANNED
    assert [i.case_number for i in meeting.items] == [n for _i, n in cases]
    assert meeting.items[0].subject_initials == "J.P. de V."
    assert meeting.item_starts()[1] == TOMORROW_10 + timedelta(minutes=20)
    for case_id, _number in cases:
        assert state_of(pd, case_id) is CaseState.SCHEDULED
    # Not candidates any more: they are on an agenda.
    assert not {c.case_id for c in svc.candidate_cases(pd)} & {c for c, _n in cases}
    with audit_reader(pd) as conn:
        rows = [r.detail for r in conn.execute(select(audit_log)
                                               .where(audit_log.c.action == "meeting.plan"))]
    assert rows and "Vries" not in rows[0] and cases[0][1] in rows[0]


def test_two_meetings_at_the_same_time_and_place_are_refused(
        pd: OpenVault, ids: dict[str, int]) -> None:
    first = routed_case(pd, "A", "Eerste", invitees=[ids[POLICE]])
    second = routed_case(pd, "B", "Tweede", invitees=[ids[POLICE]])
    svc.plan_meeting(pd, draft_for([first], [ids[POLICE]], place="Zaal 3"))
    with pytest.raises(ValidationError) as refused:
        svc.plan_meeting(pd, draft_for([second], [ids[POLICE]], place="  zaal   3 "))
    assert refused.value.field == "starts_at"
    # Another room at the same time is fine.
    svc.plan_meeting(pd, draft_for([second], [ids[POLICE]], place="Zaal 4"))


def test_a_case_not_routed_to_a_meeting_is_refused(pd: OpenVault, ids: dict[str, int]) -> None:
    routed = routed_case(pd, "B", "Besproken", invitees=[ids[POLICE]])
    undecided = routed_case(pd, "C", "Triage", invitees=[], route="none")
    elsewhere = routed_case(pd, "D", "Elders", invitees=[], route="elsewhere")
    for case in (undecided, elsewhere):
        with pytest.raises(ValidationError) as refused:
            svc.plan_meeting(pd, draft_for([routed, case], [ids[POLICE]]))
        assert refused.value.field == "case_id"
    assert state_of(pd, undecided[0]) is CaseState.TRIAGE
    assert state_of(pd, elsewhere[0]) is CaseState.ROUTED_ELSEWHERE
    assert svc.list_meetings(pd) == []          # the whole plan is one transaction


def test_inviting_a_withdrawn_party_or_one_outside_the_protocol_is_refused(
        pd: OpenVault, ids: dict[str, int]) -> None:
    from app.domain.protocols import Protocol
    from app.domain.roles import Role
    from tests.conftest import unlock_as

    case = routed_case(pd, "D", "Derksen", invitees=[ids[POLICE]])
    party_service.end_participation(unlock_as(pd, Role.ADMIN), ids[YOUTH],
                                    date.today() - timedelta(days=1), EndReason.WITHDRAWAL)
    with pytest.raises(ValidationError) as refused:
        svc.plan_meeting(pd, draft_for([case], [ids[POLICE], ids[YOUTH]]))
    assert refused.value.field == "invited"
    radical = routed_case(pd, "E", "Evers", invitees=[], protocol=Protocol.RADICALISERING,
                          route="forced")
    with pytest.raises(ValidationError) as refused:
        svc.plan_meeting(pd, draft_for([radical], [ids[POLICE]]))
    assert refused.value.field == "invited"
    meeting_id = svc.plan_meeting(pd, draft_for([case], [ids[POLICE]]))
    item_id = svc.get_meeting(pd, meeting_id).items[0].id
    with pytest.raises(ValidationError):
        svc.set_invitations(pd, item_id, {ids[YOUTH]: ""})
    svc.set_invitations(pd, item_id, {ids[POLICE]: "", ids[OM]: "Strafrechtelijk beeld"})
    assert svc.get_meeting(pd, meeting_id).items[0].invited == {ids[POLICE], ids[OM]}


def test_reorder_move_and_follow_up(pd: OpenVault, ids: dict[str, int]) -> None:
    cases = three_cases(pd, ids)
    first = svc.plan_meeting(pd, draft_for(cases, [ids[POLICE]]))
    later = routed_case(pd, "F", "Later", invitees=[ids[POLICE]])
    second = svc.plan_meeting(pd, draft_for([later], [ids[POLICE]],
                                            starts_at=TOMORROW_10 + timedelta(days=7)))
    items = svc.get_meeting(pd, first).items
    svc.reorder(pd, first, [items[2].id, items[0].id, items[1].id])
    assert [i.case_number for i in svc.get_meeting(pd, first).items] == [
        cases[2][1], cases[0][1], cases[1][1]]
    with pytest.raises(ValidationError) as refused:
        svc.reorder(pd, first, [items[0].id, items[1].id])
    assert refused.value.field == "order"
    svc.move_item(pd, items[0].id, second)
    moved = svc.get_meeting(pd, second).items
    assert [i.case_number for i in moved] == [later[1], cases[0][1]]
    assert [i.position for i in svc.get_meeting(pd, first).items] == [0, 1]
    # A case already on an agenda cannot be put on another one twice.
    with pytest.raises(ValidationError) as refused:
        svc.add_item(pd, first, cases[0][0], duration=20, goal="x", themes=["wonen"],
                     decision_types=[DecisionType.JUDGING], invited={ids[POLICE]: ""})
    assert refused.value.field == "case_id"


# -- live mode -----------------------------------------------------------------------------

def test_attendee_with_no_party_and_bad_agreements_are_refused(
        pd: OpenVault, ids: dict[str, int]) -> None:
    case = routed_case(pd, "G", "Gerritsen", invitees=[ids[POLICE]])
    meeting_id = svc.plan_meeting(pd, draft_for([case], [ids[POLICE], ids[GGZ]]))
    live_svc.start_meeting(pd, meeting_id)
    with pytest.raises(ValidationError) as refused:
        live_svc.add_attendee(pd, meeting_id, "Mw. Jansen", None, "wijkagent")
    assert refused.value.field == "party_id"
    with pytest.raises(ValidationError) as refused:
        live_svc.add_attendee(pd, meeting_id, "  ", ids[POLICE], "wijkagent")
    assert refused.value.field == "name"
    item_id = svc.get_meeting(pd, meeting_id).items[0].id
    live_svc.start_item(pd, item_id)
    today = date.today()
    with pytest.raises(ValidationError) as refused:
        minutes_svc.add_entry(pd, item_id, EntryInput(EntryKind.ACTION, "Huisbezoek", None, "Piet",
                                              today + timedelta(days=7)))
    assert refused.value.field == "party_id"
    with pytest.raises(ValidationError) as refused:
        minutes_svc.add_entry(pd, item_id, EntryInput(EntryKind.ACTION, "Huisbezoek", ids[POLICE],
                                              "Piet", today - timedelta(days=1)))
    assert refused.value.field == "due"
    with pytest.raises(ValidationError) as refused:
        minutes_svc.add_entry(pd, item_id, EntryInput(EntryKind.ACTION, "Huisbezoek", ids[OM],
                                              "Piet", today + timedelta(days=1)))
    assert refused.value.field == "party_id"       # OM is not invited to this case
    assert minutes_svc.entries(pd, item_id) == []


def test_live_meeting_moves_cases_stores_minutes_and_hands_agreements_to_the_plan(
        pd: OpenVault, ids: dict[str, int]) -> None:
    cases = three_cases(pd, ids)
    meeting_id = svc.plan_meeting(pd, draft_for(cases, [ids[POLICE], ids[GGZ]]))
    with pytest.raises(TransitionRefused):
        live_svc.start_item(pd, svc.get_meeting(pd, meeting_id).items[0].id)
    live_svc.start_meeting(pd, meeting_id)
    agent = live_svc.add_attendee(pd, meeting_id, "Mw. K. Jansen", ids[POLICE], "Wijkagent")
    nurse = live_svc.add_attendee(pd, meeting_id, "Dhr. P. Smit", ids[GGZ], "SPV")
    at = live_svc.accept_confidentiality(pd, agent)
    live_svc.accept_confidentiality(pd, nurse)
    attendance = live_svc.list_attendees(pd, meeting_id)
    assert attendance[0].confidentiality_accepted_at == at
    first, second, third = svc.get_meeting(pd, meeting_id).items
    live_svc.start_item(pd, first.id)
    assert state_of(pd, first.case_id) is CaseState.IN_PROGRESS
    due = date.today() + timedelta(days=14)
    minutes_svc.add_entry(pd, first.id, EntryInput(EntryKind.ACTION, "Huisbezoek afleggen",
                                           ids[POLICE], "K. Jansen", due))
    minutes_svc.add_entry(pd, first.id, EntryInput(EntryKind.DECISION, "Casus blijft in het ZVH"))
    minutes_svc.add_entry(pd, first.id, EntryInput(EntryKind.COORDINATOR, "", ids[GGZ], "P. Smit"))
    minutes_svc.add_entry(pd, first.id, EntryInput(EntryKind.CLOSURE_CRITERIA,
                                           "Stabiele woonsituatie gedurende drie maanden"))
    minutes_svc.finish_item(pd, first.id)
    # The party leaves before the second case; its minutes record who was present.
    live_svc.attendee_left(pd, agent)
    live_svc.start_item(pd, second.id)
    minutes_svc.add_entry(pd, second.id, EntryInput(EntryKind.NOTE, "Geen nieuwe informatie"))
    minutes_svc.end_meeting(pd, meeting_id)

    meeting = svc.get_meeting(pd, meeting_id)
    assert meeting.state is MeetingState.FINISHED
    assert state_of(pd, third.case_id) is CaseState.SCHEDULED     # not reached
    stored = minutes_svc.case_minutes(pd, first.case_number)
    assert len(stored) == 1
    body = stored[0].body
    assert [e["kind"] for e in body["entries"]] == ["action", "decision", "coordinator",
                                                    "closure_criteria"]
    assert {p["name"] for p in body["present"]} == {"Mw. K. Jansen", "Dhr. P. Smit"}
    second_body = minutes_svc.case_minutes(pd, second.case_number)[0].body
    assert {p["name"] for p in second_body["present"]} == {"Dhr. P. Smit"}
    plan_service = minutes_svc._plan_service()
    if plan_service is not None:
        plan = plan_service.get_plan(pd, first.case_number)
        assert [(a.description, a.party_id, a.owner, a.due) for a in plan.actions] == [
            ("Huisbezoek afleggen", ids[POLICE], "K. Jansen", due)]
        assert plan.coordinator is not None and plan.coordinator.person == "P. Smit"
        assert plan.closure_criteria.startswith("Stabiele woonsituatie")
        # Handing over again adds nothing twice.
        minutes_svc.hand_over_to_plan(pd, first.id)
        assert len(plan_service.get_plan(pd, first.case_number).actions) == 1
    with pytest.raises(TransitionRefused):
        minutes_svc.add_entry(pd, first.id, EntryInput(EntryKind.NOTE, "te laat"))


def test_follow_up_of_a_case_in_progress(pd: OpenVault, ids: dict[str, int]) -> None:
    case = routed_case(pd, "H", "Hendriks", invitees=[ids[POLICE]])
    meeting_id = svc.plan_meeting(pd, draft_for([case], [ids[POLICE]]))
    live_svc.start_meeting(pd, meeting_id)
    live_svc.start_item(pd, svc.get_meeting(pd, meeting_id).items[0].id)
    minutes_svc.end_meeting(pd, meeting_id)
    assert state_of(pd, case[0]) is CaseState.IN_PROGRESS
    follow = {c.case_id: c for c in svc.candidate_cases(pd)}[case[0]]
    assert follow.kind is ItemKind.FOLLOW_UP and follow.routing.goal == "Beeld vormen"
    later = svc.plan_meeting(pd, AgendaDraft(
        TOMORROW_10 + timedelta(days=14), "Zaal 3", "A. de Regisseur",
        [DraftItem(case[0], case[1], "", ItemKind.FOLLOW_UP, 15, "Voortgang bespreken",
                   ["wonen"], [DecisionType.JUDGING], {ids[POLICE]: ""})]))
    assert svc.get_meeting(pd, later).items[0].kind is ItemKind.FOLLOW_UP
    assert state_of(pd, case[0]) is CaseState.SCHEDULED


def test_live_draft_survives_and_is_dropped_at_the_end(pd: OpenVault,
                                                        ids: dict[str, int]) -> None:
    case = routed_case(pd, "I", "Israëls", invitees=[ids[POLICE]])
    meeting_id = svc.plan_meeting(pd, draft_for([case], [ids[POLICE]]))
    live_svc.start_meeting(pd, meeting_id)
    minutes_svc.save_live_draft(pd, meeting_id, {"text": "Afspraak half getypt", "item": 1})
    assert minutes_svc.load_live_draft(pd, meeting_id) == {"text": "Afspraak half getypt",
                                                          "item": 1}
    minutes_svc.end_meeting(pd, meeting_id)
    assert minutes_svc.load_live_draft(pd, meeting_id) is None


def test_unknown_meeting_is_not_found(pd: OpenVault) -> None:
    with pytest.raises(NotFound):
        svc.get_meeting(pd, 999)


# -- the domain rules on their own ---------------------------------------------------------

def test_initials_show_no_name() -> None:
    assert initials("Jan Pieter", "de Vries") == "J.P. de V."
    assert initials("Şükrü", "Yılmaz") == "Ş. Y."
    assert initials("", "van 't Hof") == "van 't H."


def test_wizard_steps_refuse_with_the_field() -> None:
    draft = AgendaDraft()
    with pytest.raises(ValidationError) as refused:
        check_step(WizardStep.MEETING, draft)
    assert refused.value.field == "starts_at"
    draft.starts_at, draft.place, draft.chair = TOMORROW_10, "Zaal", ""
    with pytest.raises(ValidationError) as refused:
        check_step(WizardStep.MEETING, draft)
    assert refused.value.field == "chair"
    with pytest.raises(ValidationError) as refused:
        check_step(WizardStep.CASES, draft)
    assert refused.value.field == "items"
    draft.items.append(DraftItem(1, "ZVH-2026-0001", "", ItemKind.FIRST, 2))
    with pytest.raises(ValidationError) as refused:
        check_step(WizardStep.ORDER, draft)
    assert refused.value.field == "duration"
    assert AgendaDraft.from_json(json.loads(json.dumps(draft.to_json()))) == draft


def test_presence_and_timer() -> None:
    from app.domain.meetings import AgendaItem, Attendee, Invitation

    item = AgendaItem(5, 1, 1, "ZVH-2026-0001", "J. J.", 0, ItemKind.FIRST, 10, "doel",
                      ("wonen",), (DecisionType.JUDGING,), (Invitation(1), Invitation(2)),
                      started_at=datetime(2026, 1, 1, 10, 0))
    people = [Attendee(1, 1, "a", 1, "f", datetime(2026, 1, 1)),
              Attendee(2, 1, "b", 2, "f", None, left_at=datetime(2026, 1, 1, 10)),
              Attendee(3, 1, "c", 3, "f", datetime(2026, 1, 1)),
              Attendee(4, 1, "d", 2, "f", datetime(2026, 1, 1), absent_items=frozenset({5}))]
    # Party 3 is not invited, but its person sits in the room: they count as present (the
    # meeting-room screen then fails closed); only leaving or being marked absent does not.
    assert present_parties(people, item) == {1, 3}
    assert [absence(p, item) for p in people] == [
        None, AbsenceReason.LEFT, None, AbsenceReason.MARKED_ABSENT]
    timer = item_timer(item, datetime(2026, 1, 1, 10, 12, 5))
    assert timer.overrun and timer.text() == "12:05 / 10:00 (+02:05)"


def test_confidentiality_statement_quotes_the_covenant_in_dutch() -> None:
    text = confidentiality_statement()
    assert "niet openbaar" in text and "geheimhouding" in text
    assert "9.2" in text and "17" in text
