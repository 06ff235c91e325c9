"""What the two screens of a live meeting show for an agenda item, given who is present.

* The process director's screen (setting DIRECTOR) shows every information item of the case,
  each marked with who may see it (``who_may_see``) and whether it is on the meeting-room
  screen right now (and if not, which party present keeps it off).
* The meeting-room screen (setting MEETING_SCREEN) shows the case summary and only the items
  the policy allows for every party present at that item (``meeting_screen_items``).

Every visibility answer comes from ``app.sharing.policy``; this module only gathers the
inputs once per meeting (:func:`load_room`, one read and one audit row) and recomputes the
views in memory, so switching items or changing the attendance is instant (well under 50 ms
for a case with 50 items; see ``benchmarks/bench_meeting_room.py``).

Attendance rules (``app.domain.meetings``): a person who left, whose party is not invited
to the item, or who was marked absent for it does not count as present. While someone who
counts as present has not accepted the confidentiality statement, the meeting-room screen
shows nothing of the case (covenant 9.2, 17).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from collections.abc import Mapping, Sequence

from app.domain.information import InformationItem
from app.domain.lifecycle import CaseState
from app.domain.meetings import (AbsenceReason, AgendaItem, Attendee, Meeting, absence,
                                 awaiting_confidentiality, present_parties)
from app.domain.protocols import Protocol
from app.domain.roles import Permission
from app.domain.standing import PartyStanding
from app.i18n import N_, _
from app.services import cases as case_service
from app.services import meetings as meeting_service
from app.services import parties as party_service
from app.sharing.policy import (PROCESS_DIRECTOR, CaseContext, Decision, MeetingRoom,
                                Setting, SharingMark, decide, describe_mark,
                                meeting_screen_items, who_may_see)
from app.vault.vault import OpenVault


@dataclass(frozen=True)
class CaseFacts:
    """What the screens need of one case on the agenda (loaded once)."""

    case_id: int
    number: str
    protocol: Protocol
    subject_ids: frozenset[int]
    items: tuple[InformationItem, ...]
    state: CaseState = CaseState.IN_PROGRESS


@dataclass
class Room:
    """Everything the two screens are computed from, held in memory during the meeting.

    ``clear()`` drops it (on lock and when live mode closes)."""

    meeting: Meeting
    attendees: list[Attendee]
    cases: dict[int, CaseFacts]                # by case id
    standings: dict[int, PartyStanding]
    party_names: dict[int, str]
    on: date
    #: who-may-see marks per (agenda item, invitees, information item): they do not depend
    #: on who is present, so switching items or attendance reuses them
    marks: dict[tuple[int, frozenset[int], int], tuple[SharingMark, str]] = field(
        default_factory=dict)

    def item(self, item_id: int) -> AgendaItem:
        found = self.meeting.item(item_id)
        if found is None:
            raise KeyError(item_id)
        return found

    def context(self, item: AgendaItem) -> CaseContext:
        facts = self.cases[item.case_id]
        return CaseContext(case_id=facts.case_id, protocol=facts.protocol, on=self.on,
                           state=facts.state, invited=item.invited,
                           subject_ids=facts.subject_ids, meeting_started=True)

    def with_attendees(self, attendees: Sequence[Attendee]) -> Room:
        return replace(self, attendees=list(attendees))

    def with_meeting(self, meeting: Meeting) -> Room:
        return replace(self, meeting=meeting)

    def clear(self) -> None:
        self.attendees = []
        self.cases = {}
        self.party_names = {}
        self.standings = {}
        self.marks = {}


def load_room(vault: OpenVault, meeting_id: int, on: date | None = None) -> Room:
    """Read the meeting, its attendance, and every case's information items and the parties'
    standing, once. Audited as ``meeting.room_load`` with the case numbers."""
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    with vault.read() as conn:
        meeting = meeting_service.load_meeting(conn, meeting_id)
        attendance = meeting_service.load_attendees(conn, meeting_id)
        facts: dict[int, CaseFacts] = {}
        for item in meeting.items:
            case = case_service.load_case(conn, item.case_id)
            facts[item.case_id] = CaseFacts(
                case.id, case.number, case.protocol,
                frozenset(s.id for s in case.subjects if s.id is not None),
                tuple(case_service.information_items(conn, item.case_id)), case.state)
        standings = party_service.standings(conn)
        names = meeting_service.party_names(conn)
    vault.log_now("meeting.room_load", "meeting", meeting_id,
                  detail={"cases": [i.case_number for i in meeting.items]})
    return Room(meeting, attendance, facts, standings, names, on or date.today())


# -- the two views ----------------------------------------------------------------------

class Blank(StrEnum):
    """Why the meeting-room screen shows nothing of the case."""

    BLANKED = "blanked"                          # the blank-screen key
    NOBODY_PRESENT = "nobody_present"
    AWAITING_CONFIDENTIALITY = "awaiting_confidentiality"
    NO_ITEM = "no_item"

    @property
    def label(self) -> str:
        return _(BLANK_LABELS[self])


BLANK_LABELS = {
    Blank.BLANKED: N_("The screen is hidden"),
    Blank.NOBODY_PRESENT: N_("Nobody present for this case"),
    Blank.AWAITING_CONFIDENTIALITY: N_("Waiting until everyone present has accepted the "
                                       "confidentiality statement"),
    Blank.NO_ITEM: N_("No case is being discussed"),
}


@dataclass(frozen=True)
class Summary:
    """The case summary both screens show: number, initials, goal, themes, decisions."""

    item_id: int
    position: int
    case_number: str
    subject_initials: str
    goal: str
    themes: tuple[str, ...]
    decision_types: tuple[str, ...]
    invited: tuple[str, ...]          # party names


@dataclass(frozen=True)
class ShownItem:
    """An information item on a screen, with its source, restriction and (on the director's
    screen) who may see it."""

    item_id: int
    text: str
    category: str
    source_party: str
    received: date
    use_restriction: str
    on_room_screen: bool
    room_decision: Decision
    mark: SharingMark | None = None
    mark_text: str = ""
    blocking_party: str = ""


@dataclass(frozen=True)
class PresenceLine:
    attendee_id: int
    name: str
    party: str
    function: str
    accepted: bool
    absent: AbsenceReason | None

    @property
    def absent_label(self) -> str:
        return self.absent.label if self.absent else ""


@dataclass(frozen=True)
class RoomView:
    """The meeting-room screen: the summary and the items allowed, or blank (and why)."""

    summary: Summary | None
    items: tuple[ShownItem, ...]
    blank: Blank | None
    present: frozenset[int]


@dataclass(frozen=True)
class DirectorView:
    """The director's screen: everything, each item marked; the presence for this item."""

    summary: Summary
    items: tuple[ShownItem, ...]
    presence: tuple[PresenceLine, ...]
    present: frozenset[int]
    room_blank: Blank | None
    awaiting: tuple[str, ...] = field(default_factory=tuple)


def _summary(room: Room, item: AgendaItem) -> Summary:
    return Summary(item.id, item.position + 1, item.case_number, item.subject_initials,
                   item.goal, item.themes, tuple(d.label for d in item.decision_types),
                   tuple(sorted((room.party_names.get(p, f"#{p}")
                                 for p in item.invited), key=str.casefold)))


def _room_blank(room: Room, item: AgendaItem, present: frozenset[int]) -> Blank | None:
    if not present:
        return Blank.NOBODY_PRESENT
    if awaiting_confidentiality(room.attendees, item):
        return Blank.AWAITING_CONFIDENTIALITY
    return None


def room_view(room: Room, item_id: int | None, *, blanked: bool = False) -> RoomView:
    """What the meeting-room screen shows for ``item_id`` with the attendance held in
    ``room``. Recompute it whenever the attendance or the current item changes."""
    if item_id is None:
        return RoomView(None, (), Blank.NO_ITEM, frozenset())
    item = room.item(item_id)
    present = present_parties(room.attendees, item)
    if blanked:
        return RoomView(None, (), Blank.BLANKED, present)
    blank = _room_blank(room, item, present)
    if blank is not None:
        return RoomView(None, (), blank, present)
    case = room.context(item)
    shown = meeting_screen_items(room.cases[item.case_id].items, present, case, room.standings)
    names = room.party_names
    items = tuple(ShownItem(s.item.id, s.item.text, s.item.category.label,
                            names.get(s.item.source_party_id, ""), s.item.received,
                            s.use_restriction, True, s.decision) for s in shown)
    return RoomView(_summary(room, item), items, None, present)


def director_view(room: Room, item_id: int) -> DirectorView:
    """The director's screen for one item: every information item with who may see it and
    whether it is on the meeting-room screen now; and who counts as present."""
    item = room.item(item_id)
    present = present_parties(room.attendees, item)
    case = room.context(item)
    names = room.party_names
    viewer = MeetingRoom(present)
    blank = _room_blank(room, item, present)
    shown: list[ShownItem] = []
    for info in room.cases[item.case_id].items:
        # The director's own right to see it goes through the policy too.
        if not decide(info, PROCESS_DIRECTOR, Setting.DIRECTOR, case, room.standings):
            continue
        on_screen = decide(info, viewer, Setting.MEETING_SCREEN, case, room.standings)
        key = (item.id, item.invited, info.id)
        cached = room.marks.get(key)
        if cached is None:
            mark = who_may_see(info, case, room.standings)
            cached = room.marks[key] = (mark, describe_mark(mark, names))
        mark, mark_text = cached
        blocking = (names.get(on_screen.blocking_party, "")
                    if on_screen.blocking_party is not None else "")
        shown.append(ShownItem(info.id, info.text, info.category.label,
                               names.get(info.source_party_id, ""), info.received,
                               info.terms.use_restriction,
                               bool(on_screen) and blank is None, on_screen, mark,
                               mark_text, blocking))
    presence = tuple(PresenceLine(a.id, a.name, names.get(a.party_id, ""), a.function,
                                  a.has_accepted, absence(a, item))
                     for a in room.attendees)
    awaiting = tuple(a.name for a in awaiting_confidentiality(room.attendees, item))
    return DirectorView(_summary(room, item), tuple(shown), presence, present, blank, awaiting)


def room_reason_text(decision: Decision, blocking_party: str) -> str:
    """Why an item is not on the meeting-room screen, in words, for the director."""
    if decision.allowed:
        return _("On the meeting-room screen")
    text = decision.reason.label
    if blocking_party:
        return _("{reason} ({party})").format(reason=text, party=blocking_party)
    return text


def refresh(vault: OpenVault, room: Room) -> Room:
    """The same room with the attendance and agenda as now stored (after a change)."""
    with vault.read() as conn:
        meeting = meeting_service.load_meeting(conn, room.meeting.id)
        attendance = meeting_service.load_attendees(conn, room.meeting.id)
    return replace(room, meeting=meeting, attendees=attendance)


def party_name_map(room: Room) -> Mapping[int, str]:
    return room.party_names
