"""A case meeting live: the meeting started, the attendance (arrival, the confidentiality
statement, leaving and coming back, absent for one case), and the agenda items started one
after another. The minutes typed meanwhile are ``app.services.minutes``; the agenda and the
invitations ``app.services.meetings``; what the room's screen shows ``app.services.meeting_room``.

Rules: starting the meeting checks the invitations once more (a party that withdrew since
the agenda was made is refused before anyone is shown a case: ``app.sharing.policy``);
starting an item moves its case to ``in_progress`` through ``app.domain.lifecycle``.
Attendance needs ``MEETING_LOGISTICS`` (the information centre may keep the attendance
list); starting the meeting and its items ``CASE_WORK``. Every write is one transaction with
an audit row (ids only, never a name).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection

from app.domain import lifecycle
from app.domain.lifecycle import CaseState
from app.domain.meetings import Attendee, MeetingState, check_attendee
from app.domain.protocols import Protocol
from app.domain.roles import Permission
from app.errors import NotFound, TransitionRefused, ValidationError
from app.i18n import _
from app.services import cases as case_service
from app.services import parties as party_service
from app.services.meetings import (check_editable, item_row, load_meeting, meeting_row, now,
                                   write_invitations)
from app.sharing.policy import may_be_invited
from app.store import cases as case_rows
from app.store import meetings as meeting_rows
from app.store import parties as party_rows
from app.vault.vault import OpenVault
from app.vault.access import entry_point


@entry_point
def list_attendees(vault: OpenVault, meeting_id: int) -> list[Attendee]:
    vault.require(Permission.VIEW_CASES, "meeting", meeting_id)
    with vault.read() as conn:
        found = load_attendees(conn, meeting_id)
    vault.log_now("meeting.attendees", "meeting", meeting_id, detail={"count": len(found)})
    return found


def load_attendees(conn: Connection, meeting_id: int) -> list[Attendee]:
    absent: dict[int, set[int]] = {}
    for attendee_id, item_id in meeting_rows.absences(conn, meeting_id):
        absent.setdefault(attendee_id, set()).add(item_id)
    return [Attendee(r["id"], r["meeting_id"], r["name"], r["party_id"], r["function"],
                     r["confidentiality_accepted_at"], r["left_at"],
                     frozenset(absent.get(r["id"], ())))
            for r in meeting_rows.attendee_rows(conn, meeting_id)]


# -- live mode -------------------------------------------------------------------------------

@entry_point
def start_meeting(vault: OpenVault, meeting_id: int) -> None:
    """Open the meeting (planned -> in session). Invitations are checked once more: a party
    that withdrew since the agenda was made is refused here, before anyone is shown a case."""
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    with vault.begin() as conn:
        row = meeting_row(conn, meeting_id)
        if row["state"] == MeetingState.IN_PROGRESS.value:
            return
        check_editable(row)
        meeting = load_meeting(conn, meeting_id)
        today = date.today()
        for item in meeting.items:
            protocol = Protocol(case_rows.protocol_of(conn, item.case_id))
            standings = party_service.standings(conn)
            still = {i.party_id: i.contribution for i in item.invitations
                     if may_be_invited(standings.get(i.party_id), protocol, today)}
            if len(still) != len(item.invitations):
                write_invitations(conn, item.id, still, now())
        meeting_rows.set_meeting_fields(conn, meeting_id, {
            "state": MeetingState.IN_PROGRESS.value, "started_at": now()},
            by=vault.actor.account)
        vault.log(conn, "meeting.start", "meeting", meeting_id)


def check_live(row: Mapping[str, Any]) -> None:
    if row["state"] != MeetingState.IN_PROGRESS.value:
        raise TransitionRefused(_("Start the meeting first."))


@entry_point
def add_attendee(vault: OpenVault, meeting_id: int, name: str, party_id: int | None,
                 function: str, *, accepted_at: datetime | None = None) -> int:
    """Someone present: name, party, function (and, when given, the time they accepted the
    confidentiality statement).

    Every person in the room is recorded, whatever their party's standing: the meeting-room
    screen is decided for everyone present and fails closed for a party that may not see
    the case (``app.services.meeting_room``). A person without a party, or with a party id
    that is not in the register, is refused (``ValidationError`` on ``party_id``), nothing is
    written and the refusal is audited (the field only, never the name)."""
    vault.require(Permission.MEETING_LOGISTICS, "meeting", meeting_id)
    try:
        name, party, function = check_attendee(name, party_id, function)
        with vault.begin() as conn:
            check_editable(meeting_row(conn, meeting_id))
            if not party_rows.exists(conn, party):
                raise ValidationError(_("this party is not in the register; choose the party "
                                        "this person represents"), field="party_id")
            attendee_id = meeting_rows.add_attendee(conn, {
                "meeting_id": meeting_id, "name": name, "party_id": party,
                "function": function, "arrived_at": now(),
                "confidentiality_accepted_at": accepted_at})
            vault.log(conn, "meeting.attendee_add", "meeting", meeting_id,
                      detail={"attendee": attendee_id, "party": party})
    except ValidationError as refused:
        vault.log_now("meeting.attendee_add", "meeting", meeting_id, result="denied",
                      detail={"field": refused.field})
        raise
    return attendee_id


def _attendee_row(conn: Connection, attendee_id: int) -> Mapping[str, Any]:
    row = meeting_rows.attendee_row(conn, attendee_id)
    if row is None:
        raise NotFound(_("This person is no longer on the attendance list."))
    return cast(Mapping[str, Any], row)


@entry_point
def accept_confidentiality(vault: OpenVault, attendee_id: int,
                           at: datetime | None = None) -> datetime:
    """Record that the person accepted the confidentiality statement, and when."""
    vault.require(Permission.MEETING_LOGISTICS, "attendee", attendee_id)
    when = (at or now()).replace(microsecond=0)
    with vault.begin() as conn:
        row = _attendee_row(conn, attendee_id)
        meeting_rows.set_attendee_fields(conn, attendee_id,
                                         {"confidentiality_accepted_at": when})
        vault.log(conn, "meeting.confidentiality", "meeting", row["meeting_id"],
                  detail={"attendee": attendee_id})
    return when


@entry_point
def attendee_left(vault: OpenVault, attendee_id: int, returned: bool = False) -> None:
    """The person left the meeting (or, ``returned``, came back)."""
    vault.require(Permission.MEETING_LOGISTICS, "attendee", attendee_id)
    with vault.begin() as conn:
        row = _attendee_row(conn, attendee_id)
        meeting_rows.set_attendee_fields(conn, attendee_id,
                                         {"left_at": None if returned else now()})
        vault.log(conn, "meeting.attendee_return" if returned else "meeting.attendee_leave",
                  "meeting", row["meeting_id"], detail={"attendee": attendee_id})


@entry_point
def remove_attendee(vault: OpenVault, attendee_id: int) -> None:
    """Take a mistyped person off the attendance list (they were never there: not "has
    left"). Only while the meeting has not ended; audited with the attendee's id and
    party, never the name."""
    vault.require(Permission.MEETING_LOGISTICS, "attendee", attendee_id)
    with vault.begin() as conn:
        row = _attendee_row(conn, attendee_id)
        check_editable(meeting_row(conn, row["meeting_id"]))
        meeting_rows.remove_attendee(conn, attendee_id)
        vault.log(conn, "meeting.attendee_remove", "meeting", row["meeting_id"],
                  detail={"attendee": attendee_id, "party": row["party_id"]})


@entry_point
def set_absent_for_item(vault: OpenVault, attendee_id: int, item_id: int, absent: bool) -> None:
    """Mark a person absent (or present again) for one agenda item: the process director's
    decision (it takes that person's party out of the room's decision for the case; the
    matrix row is ``case_work``)."""
    vault.require(Permission.CASE_WORK, "attendee", attendee_id)
    with vault.begin() as conn:
        row = _attendee_row(conn, attendee_id)
        # an item of this person's meeting, while that meeting can still change (the
        # attendance of an ended meeting is what it was)
        if item_row(conn, item_id)["meeting_id"] != row["meeting_id"]:
            raise ValidationError(_("this agenda item is not on the meeting this person "
                                    "attends"), field="item_id")
        check_editable(meeting_row(conn, row["meeting_id"]))
        meeting_rows.set_absent(conn, attendee_id, item_id, absent)
        vault.log(conn, "meeting.attendee_absent" if absent else "meeting.attendee_present",
                  "meeting", row["meeting_id"], detail={"attendee": attendee_id,
                                                        "item": item_id})


@entry_point
def start_item(vault: OpenVault, item_id: int) -> None:
    """Begin discussing one case: its timer starts and the case becomes ``in_progress``."""
    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    with vault.begin() as conn:
        item = item_row(conn, item_id)
        check_live(meeting_row(conn, item["meeting_id"]))
        if item["started_at"] is not None:
            return
        at = now()
        meeting_rows.set_item_fields(conn, item_id, {"started_at": at})
        state = CaseState(item["state"])
        if state is not CaseState.IN_PROGRESS:
            target = lifecycle.transition(state, CaseState.IN_PROGRESS)
            case_service.set_state(conn, item["case_id"], target, at)
        vault.log(conn, "meeting.item_start", "meeting", item["meeting_id"],
                  detail={"case": item["number"]})
