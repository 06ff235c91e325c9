"""The two screens of a live meeting, checked item by item against the sharing policy: the
meeting-room screen shows exactly what ``decide`` allows for the parties present, and
changes the moment someone leaves; the director's screen shows everything, marked."""

from __future__ import annotations

import time

import pytest

from app.services import meeting_room as room_service
from app.services import meetings as svc
from app.services import meeting_live as live_svc
from app.sharing.policy import MeetingRoom, Setting, decide
from app.vault.vault import OpenVault
from tests.unit.meeting_fixtures import (GGZ, MUNICIPALITY, POLICE, as_process_director,
                                         draft_for, item, party_ids, routed_case)


@pytest.fixture
def live(admin_vault: OpenVault) -> tuple[OpenVault, dict[str, int], int]:
    pd = as_process_director(admin_vault)
    ids = party_ids(pd)
    p, g, m = ids[POLICE], ids[GGZ], ids[MUNICIPALITY]
    items = [item(p, "Melding huiselijk geweld", [g, m]),
             item(p, "Lopend onderzoek", [], screen=True),
             item(g, "Behandeling gestart", [p], restriction="Niet delen met school"),
             item(m, "Schuldhulp aangevraagd", [p, g]),
             item(m, "Niet voor het scherm", [p, g], screen=False),
             item(g, "Zorgmijding", [m])]
    case = routed_case(pd, "Jan", "de Vries", invitees=[p, g, m], items=items)
    other = routed_case(pd, "Fatma", "Yıldız", invitees=[p, g, m],
                        items=[item(g, "Opname geweest", [m])])
    meeting_id = svc.plan_meeting(pd, draft_for([case, other], [p, g, m]))
    live_svc.start_meeting(pd, meeting_id)
    return pd, ids, meeting_id


def policy_allowed(room: room_service.Room, item_id: int) -> set[int]:
    agenda_item = room.item(item_id)
    present = room_service.present_parties(room.attendees, agenda_item)
    case = room.context(agenda_item)
    return {i.id for i in room.cases[agenda_item.case_id].items
            if decide(i, MeetingRoom(present), Setting.MEETING_SCREEN, case, room.standings)}


def test_room_screen_follows_the_policy_and_attendance(
        live: tuple[OpenVault, dict[str, int], int]) -> None:
    pd, ids, meeting_id = live
    room = room_service.load_room(pd, meeting_id)
    first, second = room.meeting.items
    assert room_service.room_view(room, first.id).blank is room_service.Blank.NOBODY_PRESENT
    agent = live_svc.add_attendee(pd, meeting_id, "K. Jansen", ids[POLICE], "Wijkagent")
    nurse = live_svc.add_attendee(pd, meeting_id, "P. Smit", ids[GGZ], "SPV")
    officer = live_svc.add_attendee(pd, meeting_id, "R. Bos", ids[MUNICIPALITY], "Beleid")
    room = room_service.refresh(pd, room)
    # Nobody has accepted confidentiality: the screen shows nothing of the case.
    view = room_service.room_view(room, first.id)
    assert view.blank is room_service.Blank.AWAITING_CONFIDENTIALITY and not view.items
    for person in (agent, nurse, officer):
        live_svc.accept_confidentiality(pd, person)
    room = room_service.refresh(pd, room)
    view = room_service.room_view(room, first.id)
    shown = {i.item_id for i in view.items}
    assert shown == policy_allowed(room, first.id)
    texts = {i.text for i in view.items}
    assert texts == {"Melding huiselijk geweld", "Schuldhulp aangevraagd"}
    # The police leave before the second case: recomputed at once, item by item.
    live_svc.attendee_left(pd, agent)
    room = room_service.refresh(pd, room)
    for agenda_item in (first, second):
        view = room_service.room_view(room, agenda_item.id)
        assert {i.item_id for i in view.items} == policy_allowed(room, agenda_item.id)
        assert ids[POLICE] not in view.present
    assert {i.text for i in room_service.room_view(room, first.id).items} == {
        "Melding huiselijk geweld", "Schuldhulp aangevraagd", "Zorgmijding"}
    assert {i.text for i in room_service.room_view(room, second.id).items} == {
        "Opname geweest"}
    # The blank-screen key hides everything.
    blanked = room_service.room_view(room, first.id, blanked=True)
    assert blanked.blank is room_service.Blank.BLANKED and not blanked.items
    assert blanked.summary is None


def test_director_screen_shows_everything_marked(
        live: tuple[OpenVault, dict[str, int], int]) -> None:
    pd, ids, meeting_id = live
    for name, party in (("K. Jansen", POLICE), ("P. Smit", GGZ)):
        live_svc.accept_confidentiality(
            pd, live_svc.add_attendee(pd, meeting_id, name, ids[party], "f"))
    room = room_service.load_room(pd, meeting_id)
    first = room.meeting.items[0]
    view = room_service.director_view(room, first.id)
    assert len(view.items) == 6
    on_screen = {i.text for i in view.items if i.on_room_screen}
    assert on_screen == {"Melding huiselijk geweld", "Schuldhulp aangevraagd",
                         "Behandeling gestart"}
    off = {i.text: i for i in view.items if not i.on_room_screen}
    assert off["Lopend onderzoek"].blocking_party == GGZ   # police shared it with nobody
    assert "Niet voor het scherm" in off
    assert off["Zorgmijding"].blocking_party == POLICE
    assert all(i.mark_text for i in view.items)
    assert view.summary.case_number == first.case_number
    assert view.summary.subject_initials == "J. de V."
    assert [p.absent for p in view.presence] == [None, None]


def test_switching_items_is_fast_for_a_case_with_fifty_items(
        admin_vault: OpenVault) -> None:
    pd = as_process_director(admin_vault)
    ids = party_ids(pd)
    p, g, m = ids[POLICE], ids[GGZ], ids[MUNICIPALITY]
    many = [item([p, g, m][i % 3], f"Informatie {i}", [p, g, m][: i % 4])
            for i in range(50)]
    case = routed_case(pd, "Veel", "Informatie", invitees=[p, g, m], items=many)
    meeting_id = svc.plan_meeting(pd, draft_for([case], [p, g, m]))
    live_svc.start_meeting(pd, meeting_id)
    for name, party in (("a", p), ("b", g), ("c", m)):
        live_svc.accept_confidentiality(pd, live_svc.add_attendee(pd, meeting_id, name, party, "f"))
    room = room_service.load_room(pd, meeting_id)
    item_id = room.meeting.items[0].id
    started = time.perf_counter()
    for _round in range(10):
        room_service.room_view(room, item_id)
        room_service.director_view(room, item_id)
    per_switch = (time.perf_counter() - started) / 10
    assert per_switch < 0.05, per_switch
