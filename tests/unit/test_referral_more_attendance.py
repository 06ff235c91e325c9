"""Absent for one case is the process director's decision (known defect, issue 24 brief):
marking a person absent for an agenda item takes that person's party out of the room's
decision for that case, so the meeting-room screen may show the case's items that party's
presence kept off (``app.services.meeting_room``: "only a person who left, or whom the
director marked absent for the item"; covenant 12.2 f and h: the process director judges
what may be seen and watches the work process during the meeting). On HEAD 4caafe6 the
information centre could do it (the matrix row was ``meeting_logistics``). Registering who
is present stays the centre's logistics."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.domain.roles import Role, allowed
from app.errors import PermissionDenied, TransitionRefused, ValidationError
from app.services import meeting_live as live_svc
from app.services import meetings as svc
from app.services import minutes as minutes_svc
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import audit_reader
from tests.unit.meeting_fixtures import (GGZ, POLICE, as_process_director, draft_for, item,
                                         party_ids, routed_case)
from tests.unit.service_world import as_centre


@pytest.fixture
def live(admin_vault: OpenVault) -> tuple[OpenVault, dict[str, int], int, int]:
    pd = as_process_director(admin_vault)
    ids = party_ids(pd)
    p, g = ids[POLICE], ids[GGZ]
    case = routed_case(pd, "Jan", "de Vries", invitees=[p, g], items=[
        item(p, "Melding", [g]), item(g, "Behandeling", [p])])
    meeting_id = svc.plan_meeting(pd, draft_for([case], [p, g]))
    live_svc.start_meeting(pd, meeting_id)
    item_id = svc.get_meeting(pd, meeting_id).items[0].id
    live_svc.start_item(pd, item_id)
    return pd, ids, meeting_id, item_id


def _absent_rows(vault: OpenVault) -> list[tuple[str, str, str]]:
    with audit_reader(vault) as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.result, audit_log.c.detail)
                            .where(audit_log.c.action.in_(["meeting.attendee_absent",
                                                           "denied"]))).all()
    return [(str(r[0]), str(r[1]), str(json.loads(r[2] or "{}").get("action", "")))
            for r in rows]


def test_the_centre_may_not_mark_a_person_absent_for_a_case(
        live: tuple[OpenVault, dict[str, int], int, int]) -> None:
    director, ids, meeting_id, item_id = live
    centre = as_centre(director)
    # the centre registers who is present (logistics) ...
    person = live_svc.add_attendee(centre, meeting_id, "K. Jansen", ids[POLICE], "Wijkagent")
    live_svc.accept_confidentiality(centre, person)
    # ... but does not take a person's party out of the room's decision for one case
    with pytest.raises(PermissionDenied):
        live_svc.set_absent_for_item(centre, person, item_id, True)
    [attendee] = live_svc.list_attendees(director, meeting_id)
    assert item_id not in attendee.absent_items
    # the director does
    live_svc.set_absent_for_item(director, person, item_id, True)
    [attendee] = live_svc.list_attendees(director, meeting_id)
    assert item_id in attendee.absent_items
    assert [r for r in _absent_rows(director) if r[0] == "meeting.attendee_absent"] == [
        ("meeting.attendee_absent", "ok", "")]


def test_the_matrix_says_who_marks_absent() -> None:
    assert [r for r in Role if allowed(r, "meeting_live.set_absent_for_item")] == [
        Role.PROCESS_DIRECTOR]
    # registering arrivals and the statement stay the centre's logistics
    for action in ("meeting_live.add_attendee", "meeting_live.accept_confidentiality"):
        assert allowed(Role.INFORMATION_CENTRE, action), action


def test_absent_only_for_an_item_of_the_persons_own_meeting_while_it_runs(
        live: tuple[OpenVault, dict[str, int], int, int]) -> None:
    director, ids, meeting_id, item_id = live
    p, g = ids[POLICE], ids[GGZ]
    other_case = routed_case(director, "Piet", "Jansen", invitees=[p, g],
                             items=[item(p, "Andere melding", [g])])
    other = svc.plan_meeting(director, draft_for([other_case], [p, g],
                                                 place="Zaal 9, elders"))
    other_item = svc.get_meeting(director, other).items[0].id
    person = live_svc.add_attendee(director, meeting_id, "K. Jansen", p, "Wijkagent")
    with pytest.raises(ValidationError) as refused:
        live_svc.set_absent_for_item(director, person, other_item, True)
    assert refused.value.field == "item_id"
    [attendee] = live_svc.list_attendees(director, meeting_id)
    assert other_item not in attendee.absent_items
    # once the meeting has ended, its attendance is what it was
    minutes_svc.end_meeting(director, meeting_id)
    with pytest.raises(TransitionRefused):
        live_svc.set_absent_for_item(director, person, item_id, True)
    [attendee] = live_svc.list_attendees(director, meeting_id)
    assert item_id not in attendee.absent_items
