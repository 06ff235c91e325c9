"""The meeting-room screen fails closed (issue 16, point 3).

Covenant 12.2e: only parties lawfully entitled to attend take part in a case meeting;
9.2: information goes only to those entitled to it; 17: everyone present keeps secrecy
and accepts the confidentiality statement. A person sitting in the room is a fact: the
program never counts them absent on its own. While anyone counted present belongs to a
party that may not see the case (not invited, withdrawn, not in the protocol, the case
ended) the room screen shows nothing of the case, not even its summary; while anyone has
not accepted the statement it shows nothing either. Only a person who left, or whom the
process director explicitly marked absent for the item, does not count.

The expected answers are written from those rules, not by asking the policy.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.lifecycle import CaseState
from app.domain.meetings import absence
from app.domain.parties import EndReason
from app.domain.roles import Role
from app.errors import ValidationError
from app.i18n import _
from app.services import cases as case_service
from app.services import meeting_room as room_service
from app.services import meetings as svc
from app.services import meeting_live as live_svc
from app.services import parties as party_service
from app.sharing.policy import Reason
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import audit_reader
from tests.conftest import unlock_as
from tests.unit.meeting_fixtures import (GGZ, MUNICIPALITY, POLICE, TOMORROW_10,
                                         as_process_director, draft_for, item, party_ids,
                                         routed_case)

SHOWN = {"Melding huiselijk geweld", "Behandeling gestart"}
GOAL = "Beeld vormen"


class Live:
    """A meeting in session on one case; the police and the GGZ are invited, and one
    person of each sits in the room having accepted the statement."""

    def __init__(self, vault: OpenVault) -> None:
        self.director = self.vault = vault
        self.ids = party_ids(vault)
        p, g, m = self.ids[POLICE], self.ids[GGZ], self.ids[MUNICIPALITY]
        self.case_id, self.number = routed_case(vault, "Jan", "de Vries", invitees=[p, g],
                                                items=[
            item(p, "Melding huiselijk geweld", [g]),
            item(g, "Behandeling gestart", [p]),
            item(m, "Schuldhulp aangevraagd", [p])])   # not shared with the GGZ
        self.meeting_id = svc.plan_meeting(vault, draft_for([(self.case_id, self.number)],
                                                            [p, g]))
        live_svc.start_meeting(vault, self.meeting_id)
        for name, party in (("K. Jansen", p), ("P. Smit", g)):
            live_svc.accept_confidentiality(vault, live_svc.add_attendee(
                vault, self.meeting_id, name, party, "functie"))
        self.room = room_service.load_room(vault, self.meeting_id)
        self.item_id = self.room.meeting.items[0].id

    def refresh(self) -> room_service.Room:
        self.room = room_service.refresh(self.vault, self.room)
        return self.room

    def texts(self) -> set[str]:
        return {i.text for i in room_service.room_view(self.room, self.item_id).items}

    def as_admin(self) -> None:
        self.vault = unlock_as(self.director, Role.ADMIN)

    def as_director(self) -> None:
        self.vault = self.director


@pytest.fixture
def live(admin_vault: OpenVault) -> Live:
    return Live(as_process_director(admin_vault))


NOT_ENTITLED = "present_not_entitled"          # Blank.PRESENT_NOT_ENTITLED
AWAITING = "awaiting_confidentiality"          # Blank.AWAITING_CONFIDENTIALITY


def assert_room_shows_nothing(live: Live, blank: str) -> None:
    """Nothing of the case on the room screen: no item, no summary (no case number, no
    initials, no goal); the director's table agrees item by item and never says an item is
    on the screen."""
    view = room_service.room_view(live.room, live.item_id)
    assert view.items == () and view.summary is None
    assert view.blank == blank
    director = room_service.director_view(live.room, live.item_id)
    assert director.room_blank == blank
    assert not any(i.on_room_screen for i in director.items)
    on_screen = _("On the meeting-room screen")
    assert not any(i.room_text == on_screen for i in director.items)


def assert_room_shows_the_case(live: Live) -> None:
    view = room_service.room_view(live.room, live.item_id)
    assert view.blank is None and view.summary is not None
    assert view.summary.case_number == live.number and view.summary.goal == GOAL
    assert {i.text for i in view.items} == SHOWN


def test_baseline_both_invited_parties_see_what_they_share(live: Live) -> None:
    assert_room_shows_the_case(live)


# -- 12.2e: a party that is not entitled to the case --------------------------------------

def test_12_2e_person_of_a_party_not_invited_counts_present_and_empties_the_screen(
        live: Live) -> None:
    """Not invited: the municipality is active and in the protocol but not invited to this
    item; its person sits in the room and has accepted. They count as present, and the
    screen shows nothing of the case until the director records that they left."""
    municipality = live.ids[MUNICIPALITY]
    guest = live_svc.add_attendee(live.vault, live.meeting_id, "R. Bos", municipality, "Beleid")
    live_svc.accept_confidentiality(live.vault, guest)
    room = live.refresh()
    person = next(a for a in room.attendees if a.id == guest)
    assert absence(person, room.item(live.item_id)) is None     # never absent on its own
    assert municipality in room_service.room_view(room, live.item_id).present
    assert_room_shows_nothing(live, NOT_ENTITLED)
    # The director's screen says who blocks, their party and why.
    director = room_service.director_view(room, live.item_id)
    [blocker] = director.blockers
    assert (blocker.attendee_id, blocker.party_id) == (guest, municipality)
    assert blocker.entitlement is Reason.NOT_INVITED and blocker.accepted
    assert "R. Bos" in blocker.text and MUNICIPALITY in blocker.text
    assert Reason.NOT_INVITED.label in blocker.text
    line = next(p for p in director.presence if p.attendee_id == guest)
    assert line.absent is None and line.blocks == Reason.NOT_INVITED.label
    # The one action: the person has left; the screen comes back at once.
    live_svc.attendee_left(live.vault, guest)
    live.refresh()
    assert_room_shows_the_case(live)
    assert room_service.director_view(live.room, live.item_id).blockers == ()


@pytest.mark.parametrize("when", ["before the meeting", "during the meeting"])
def test_12_2e_person_of_a_party_that_withdrew_empties_the_screen(live: Live,
                                                                   when: str) -> None:
    """Withdrawn (covenant 21.3): from the day of withdrawal the party sees nothing; a
    person of it in the room keeps the screen empty, whether the party withdrew before the
    meeting (its invitation is dropped when the meeting starts) or during it."""
    ggz = live.ids[GGZ]
    if when == "before the meeting":
        # A second meeting on a fresh case: the GGZ withdraws before it starts.
        case = routed_case(live.vault, "Kees", "Bakker", invitees=[live.ids[POLICE], ggz],
                           items=[item(live.ids[POLICE], "Aangifte bedreiging", [ggz])])
        meeting_id = svc.plan_meeting(live.vault, draft_for(
            [case], [live.ids[POLICE], ggz], starts_at=TOMORROW_10 + timedelta(days=2)))
    live.as_admin()
    party_service.end_participation(live.vault, ggz, date.today(), EndReason.WITHDRAWAL)
    live.as_director()
    if when == "before the meeting":
        live_svc.start_meeting(live.vault, meeting_id)
        assert ggz not in svc.get_meeting(live.vault, meeting_id).items[0].invited
        for name, party in (("K. Jansen", live.ids[POLICE]), ("P. Smit", ggz)):
            live_svc.accept_confidentiality(live.vault, live_svc.add_attendee(
                live.vault, meeting_id, name, party, "functie"))
        live.room = room_service.load_room(live.vault, meeting_id)
        live.item_id = live.room.meeting.items[0].id
    else:
        live.refresh()
    assert_room_shows_nothing(live, NOT_ENTITLED)
    [blocker] = room_service.director_view(live.room, live.item_id).blockers
    assert blocker.party_id == ggz and blocker.entitlement is Reason.WITHDRAWN


def test_12_2e_person_of_a_party_not_in_the_case_protocol_empties_the_screen(
        live: Live) -> None:
    """Not in the protocol (covenant 20): the GGZ's membership of the case's protocol ends
    during the meeting; its invitation is still there, but it may see nothing of the case,
    so the room sees nothing of it either (not even the case number and initials)."""
    ggz = live.ids[GGZ]
    live.as_admin()
    party_service.set_memberships(live.vault, ggz, [])
    live.as_director()
    live.refresh()
    assert ggz in live.room.item(live.item_id).invited
    assert_room_shows_nothing(live, NOT_ENTITLED)
    [blocker] = room_service.director_view(live.room, live.item_id).blockers
    assert blocker.party_id == ggz and blocker.entitlement is Reason.NOT_IN_PROTOCOL


def test_9_2_nobody_sees_anything_of_a_case_that_ended(live: Live) -> None:
    """A case declined, routed elsewhere, closed or destroyed: no party receives anything
    of it (9.2), so with anyone present the room screen shows nothing of it."""
    with live.vault.begin() as conn:
        case_service.set_state(conn, live.case_id, CaseState.CLOSED, datetime.now())
    live.refresh()
    assert_room_shows_nothing(live, NOT_ENTITLED)
    blockers = room_service.director_view(live.room, live.item_id).blockers
    assert {b.entitlement for b in blockers} == {Reason.CASE_ENDED}
    assert {b.party_id for b in blockers} == {live.ids[POLICE], live.ids[GGZ]}


# -- 17: the confidentiality statement -------------------------------------------------------

def test_17_person_not_invited_who_has_not_accepted_counts_and_empties_the_screen(
        live: Live) -> None:
    """A person of a party that is not invited, who has not accepted the statement, is not
    quietly counted absent: the screen stays empty and the director is told both reasons."""
    guest = live_svc.add_attendee(live.vault, live.meeting_id, "R. Bos", live.ids[MUNICIPALITY],
                             "Beleid")
    live.refresh()
    assert_room_shows_nothing(live, NOT_ENTITLED)
    [blocker] = room_service.director_view(live.room, live.item_id).blockers
    assert blocker.attendee_id == guest and not blocker.accepted
    assert blocker.reasons == (Reason.NOT_INVITED.label,
                               _("Has not accepted the confidentiality statement"))
    # Accepting the statement does not make the party entitled.
    live_svc.accept_confidentiality(live.vault, guest)
    live.refresh()
    assert_room_shows_nothing(live, NOT_ENTITLED)


def test_17_invited_person_who_has_not_accepted_empties_the_screen_and_is_named(
        live: Live) -> None:
    """An invited person who has not accepted keeps the whole screen blank; the director's
    table does not claim any item is on the screen meanwhile."""
    late = live_svc.add_attendee(live.vault, live.meeting_id, "L. de Laat", live.ids[POLICE], "r")
    live.refresh()
    assert_room_shows_nothing(live, AWAITING)
    [blocker] = room_service.director_view(live.room, live.item_id).blockers
    assert blocker.attendee_id == late and blocker.entitlement is None
    live_svc.accept_confidentiality(live.vault, late)
    live.refresh()
    assert_room_shows_the_case(live)


def test_17_only_the_director_marks_someone_absent_for_an_item(live: Live) -> None:
    """The director may record explicitly that a person is absent for this item (they
    stepped out for this case): then, and only then, they do not count."""
    guest = live_svc.add_attendee(live.vault, live.meeting_id, "R. Bos", live.ids[MUNICIPALITY],
                             "Beleid", accepted_at=datetime.now())
    live.refresh()
    assert_room_shows_nothing(live, NOT_ENTITLED)
    live_svc.set_absent_for_item(live.vault, guest, live.item_id, True)
    live.refresh()
    assert_room_shows_the_case(live)
    live_svc.set_absent_for_item(live.vault, guest, live.item_id, False)
    live.refresh()
    assert_room_shows_nothing(live, NOT_ENTITLED)


# -- the two screens agree ---------------------------------------------------------------

def test_9_2_director_table_says_on_screen_exactly_for_what_the_room_shows(
        live: Live) -> None:
    """Whatever the attendance, the director's "On the meeting-room screen" marks exactly
    the items the room window shows, also while the screen is blanked by hand."""
    on_screen = _("On the meeting-room screen")

    def check() -> None:
        for blanked in (False, True):
            room = room_service.room_view(live.room, live.item_id, blanked=blanked)
            director = room_service.director_view(live.room, live.item_id, blanked=blanked)
            shown = {i.item_id for i in room.items}
            assert {i.item_id for i in director.items if i.on_room_screen} == shown
            assert {i.item_id for i in director.items if i.room_text == on_screen} == shown
            assert all(i.room_text for i in director.items)

    check()
    late = live_svc.add_attendee(live.vault, live.meeting_id, "L. de Laat", live.ids[POLICE], "r")
    live.refresh()
    check()
    live_svc.accept_confidentiality(live.vault, late)
    live_svc.add_attendee(live.vault, live.meeting_id, "R. Bos", live.ids[MUNICIPALITY], "b",
                     accepted_at=datetime.now())
    live.refresh()
    check()


# -- bad input: an attendee without a party --------------------------------------------------

def test_attendee_without_a_party_is_refused_written_nowhere_and_audited(live: Live) -> None:
    """A person without a party, or with a party id not in the register, is refused with
    one line naming the field; nothing is written; the refusal is audited without a name."""
    before = live_svc.list_attendees(live.vault, live.meeting_id)
    for party in (None, 987654, "geen"):
        with pytest.raises(ValidationError) as refused:
            live_svc.add_attendee(live.vault, live.meeting_id, "Onbekende Gast", party,  # type: ignore[arg-type]
                             "gast")
        assert refused.value.field == "party_id"
        assert "\n" not in str(refused.value) and str(refused.value)
    assert live_svc.list_attendees(live.vault, live.meeting_id) == before
    with audit_reader(live.vault) as conn:
        rows = list(conn.execute(select(audit_log.c.result, audit_log.c.detail)
                                 .where(audit_log.c.action == "meeting.attendee_add")
                                 .where(audit_log.c.result == "denied")))
    assert len(rows) == 3
    for _result, detail in rows:
        text = detail if isinstance(detail, str) else json.dumps(detail)
        assert "Onbekende" not in text and "Gast" not in text and "party_id" in text
