"""The facts the sharing policy is asked with, read from the vault in one place.

Every output a party receives (a handout, its agenda, the meeting-room screen) and every
screen that marks who may see what builds its :class:`~app.sharing.policy.CaseContext`
here, so that all of them agree on the case's state, its *current* meeting (the latest
meeting the case is on), who is invited to it and whether it has started.

A meeting has started once its live mode began (``meetings.started_at``) or, failing that,
once its planned start has passed: a meeting that was never opened in the program still
took place at its time, and from then on its participants may have what ``shared_with``
allows (covenant 12.2f).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.services import cases as case_service
from app.sharing.policy import CaseContext
from app.store import cases as case_rows
from app.store import meetings as meeting_rows
from app.store import subjects as subject_rows


@dataclass(frozen=True)
class CurrentMeeting:
    """The latest meeting a case is on, with the case's agenda item and its invitees."""

    meeting_id: int
    agenda_item_id: int
    starts_at: datetime
    place: str
    started: bool
    invited: frozenset[int]


def meeting_has_started(starts_at: datetime, started_at: datetime | None,
                        now: datetime) -> bool:
    """Live mode begun, or else the planned start passed."""
    return started_at is not None or starts_at <= now


def current_meeting(conn: Connection, case_id: int,
                    now: datetime | None = None) -> CurrentMeeting | None:
    """The case's current meeting (the latest by planned start), or None when the case is
    on no meeting's agenda."""
    row = meeting_rows.latest_meeting_of_case(conn, case_id)
    if row is None:
        return None
    item_id, meeting_id, starts_at, place, started_at = row
    invited = frozenset(meeting_rows.invited_parties(conn, item_id))
    moment = now or datetime.now()
    return CurrentMeeting(meeting_id, item_id, starts_at, place,
                          meeting_has_started(starts_at, started_at, moment), invited)


def case_context(conn: Connection, case_id: int, on: date | None = None,
                 now: datetime | None = None, *, subjects: bool = True) -> CaseContext:
    """The policy's view of the case now: protocol, state, subjects, the current meeting's
    invitees and whether it has started. ``subjects`` False: without the subjects' ids, for
    the questions about a party's entitlement to the case as a whole
    (``policy.party_entitlement`` and what asks it), which the register answers (the
    information centre's role on the house server reads no subject)."""
    row = case_rows.protocol_and_state(conn, case_id)
    if row is None:
        case_service.current_state(conn, case_id)  # raises NotFound with the usual words
        raise AssertionError("unreachable")
    subject_ids = subject_rows.ids_of_case(conn, case_id) if subjects else frozenset()
    meeting = current_meeting(conn, case_id, now)
    moment = now or datetime.now()
    return CaseContext(
        case_id=case_id, protocol=Protocol(row[0]), on=on or moment.date(),
        state=CaseState(row[1]),
        invited=meeting.invited if meeting is not None else None,
        subject_ids=subject_ids,
        meeting_started=meeting.started if meeting is not None else False)
