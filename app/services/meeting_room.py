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

Attendance rules (``app.domain.meetings``): only a person who left, or whom the director
marked absent for the item, does not count as present; the program never counts anyone
absent on its own. The meeting-room screen fails closed (covenant 9.2, 12.2e, 17):

* while a person counted present belongs to a party that is not entitled to the case
  (``app.sharing.policy.party_entitlement`` with the room's :class:`CaseContext`: not
  invited to the item, withdrawn, not in the protocol, the case ended), that party may see
  nothing of the case, so the screen shows nothing of it: no summary, no initials, no goal
  (:attr:`Blank.PRESENT_NOT_ENTITLED`); the policy's row 20 blocks each item for the same
  reason;
* while a person counted present has not accepted the confidentiality statement, the
  screen shows nothing of the case (:attr:`Blank.AWAITING_CONFIDENTIALITY`);
* otherwise it shows the items the policy allows for every party present.

The director's screen names each person who keeps the screen empty, their party and why
(:class:`Blocker`), so that the director can mark the person as having left
(``meeting_live.attendee_left``) or have them accept the statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from collections.abc import Mapping, Sequence


from app.domain.information import InformationItem
from app.domain.lifecycle import CaseState
from app.domain.meetings import (AbsenceReason, AgendaItem, Attendee, Meeting, absence,
                                 awaiting_confidentiality, present_at, present_parties)
from app.domain.protocols import Protocol
from app.domain.roles import Permission
from app.domain.standing import PartyStanding
from app.i18n import N_, _
from app.services import cases as case_service
from app.services import meetings as meeting_service
from app.services import meeting_live as live_service
from app.services import parties as party_service
from app.sharing.policy import (PROCESS_DIRECTOR, CaseContext, Decision, MeetingRoom, Reason,
                                Setting, SharingMark, decide, describe_mark,
                                meeting_screen_items, party_entitlement, who_may_see)
from app.store import cases as case_rows
from app.vault.vault import OpenVault
from app.vault.access import entry_point


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


@entry_point
def load_room(vault: OpenVault, meeting_id: int, on: date | None = None) -> Room:
    """Read the meeting, its attendance, and every case's information items and the parties'
    standing, once. Audited as ``meeting.room_load`` with the case numbers."""
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    with vault.read() as conn:
        meeting = meeting_service.load_meeting(conn, meeting_id)
        attendance = live_service.load_attendees(conn, meeting_id)
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
    PRESENT_NOT_ENTITLED = "present_not_entitled"  # someone present may not see the case
    AWAITING_CONFIDENTIALITY = "awaiting_confidentiality"
    NO_ITEM = "no_item"

    @property
    def label(self) -> str:
        return _(BLANK_LABELS[self])


BLANK_LABELS = {
    Blank.BLANKED: N_("The screen is hidden"),
    Blank.NOBODY_PRESENT: N_("Nobody present for this case"),
    Blank.PRESENT_NOT_ENTITLED: N_("Nothing of this case is shown: someone present is not "
                                   "entitled to it"),
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
    #: on the director's screen: "On the meeting-room screen", or why not (in words)
    room_text: str = ""


@dataclass(frozen=True)
class Blocker:
    """A person counted present who keeps the meeting-room screen empty, and why: their
    party is not entitled to the case (``entitlement``, the policy's reason) and/or they
    have not accepted the confidentiality statement."""

    attendee_id: int
    name: str
    party_id: int
    party: str
    entitlement: Reason | None
    accepted: bool

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why, in words, one line per reason."""
        found: list[str] = []
        if self.entitlement is not None:
            found.append(self.entitlement.label)
        if not self.accepted:
            found.append(_("Has not accepted the confidentiality statement"))
        return tuple(found)

    @property
    def text(self) -> str:
        """Person and party, each reason on a line of its own, and what it blocks."""
        lines = [f"{self.name} ({self.party})"]
        lines.extend(f"\u2013 {reason}" for reason in self.reasons)
        lines.append(_("The meeting-room screen shows nothing of this case while this "
                       "person is present."))
        return "\n".join(lines)


@dataclass(frozen=True)
class PresenceLine:
    attendee_id: int
    name: str
    party: str
    function: str
    accepted: bool
    absent: AbsenceReason | None
    #: why this person's party keeps the meeting-room screen empty ("" when it does not)
    blocks: str = ""

    @property
    def absent_label(self) -> str:
        return self.absent.label if self.absent else ""


class StatusKind(StrEnum):
    """The one state of the meeting-room screen both windows show."""

    NO_ITEM = "no_item"
    BLANKED = "blanked"            # the B key: dark at once
    NOBODY_PRESENT = "nobody_present"
    BLOCKED = "blocked"            # someone present is not entitled to the case
    WAITING = "waiting"            # someone present has not accepted the statement
    SHOWING = "showing"            # the summary and N of M items


@dataclass(frozen=True)
class RoomStatus:
    """What the meeting-room screen is doing, computed once (:func:`room_status`) and shown
    by the director's window and the room window from this same value: blank, waiting for
    named people to accept the statement, blocked by named people whose party may not see
    the case, or showing ``shown`` of ``total`` items."""

    kind: StatusKind
    #: the names of the people it waits for or who block it ("Name (Party)")
    names: tuple[str, ...] = ()
    shown: int = 0
    total: int = 0

    @property
    def showing(self) -> bool:
        return self.kind is StatusKind.SHOWING

    @property
    def text(self) -> str:
        """One line, for the director's window."""
        who = ", ".join(self.names)
        if self.kind is StatusKind.SHOWING:
            return _("Meeting-room screen: showing {count} of {total} items").format(
                count=self.shown, total=self.total)
        if self.kind is StatusKind.BLANKED:
            return _("Meeting-room screen: blank (press B to show it again)")
        if self.kind in (StatusKind.WAITING, StatusKind.BLOCKED):
            reason = (Blank.AWAITING_CONFIDENTIALITY if self.kind is StatusKind.WAITING
                      else Blank.PRESENT_NOT_ENTITLED)
            return _("Meeting-room screen: {reason} \u2013 {names}").format(
                reason=reason.label, names=who)
        if self.kind is StatusKind.NOBODY_PRESENT:
            return _("Meeting-room screen: nobody present for this case")
        return _("Meeting-room screen: no case is being discussed")

    @property
    def room_text(self) -> str:
        """What the room screen itself says while it shows nothing of the case ("" when it
        is blanked on purpose: pure black, or while it shows the case)."""
        if self.kind in (StatusKind.BLANKED, StatusKind.SHOWING):
            return ""
        if self.kind is StatusKind.WAITING:
            return _("Waiting until everyone present has accepted the confidentiality "
                     "statement:\n{names}").format(names="\n".join(self.names))
        if self.kind is StatusKind.BLOCKED:
            return Blank.PRESENT_NOT_ENTITLED.label
        return (Blank.NOBODY_PRESENT.label if self.kind is StatusKind.NOBODY_PRESENT
                else Blank.NO_ITEM.label)


_STATUS_OF_BLANK = {Blank.BLANKED: StatusKind.BLANKED,
                    Blank.NOBODY_PRESENT: StatusKind.NOBODY_PRESENT,
                    Blank.PRESENT_NOT_ENTITLED: StatusKind.BLOCKED,
                    Blank.AWAITING_CONFIDENTIALITY: StatusKind.WAITING,
                    Blank.NO_ITEM: StatusKind.NO_ITEM}


def _status(blank: Blank | None, blocking: Sequence[Blocker], shown: int,
            total: int) -> RoomStatus:
    if blank is None:
        return RoomStatus(StatusKind.SHOWING, (), shown, total)
    kind = _STATUS_OF_BLANK[blank]
    if kind is StatusKind.WAITING:
        names = tuple(f"{b.name} ({b.party})" for b in blocking if not b.accepted)
    elif kind is StatusKind.BLOCKED:
        names = tuple(f"{b.name} ({b.party})" for b in blocking if b.entitlement is not None)
    else:
        names = ()
    return RoomStatus(kind, names, 0, total)


@dataclass(frozen=True)
class RoomView:
    """The meeting-room screen: the summary and the items allowed, or blank (and why)."""

    summary: Summary | None
    items: tuple[ShownItem, ...]
    blank: Blank | None
    present: frozenset[int]
    status: RoomStatus = RoomStatus(StatusKind.NO_ITEM)


@dataclass(frozen=True)
class DirectorView:
    """The director's screen: everything, each item marked; the presence for this item."""

    summary: Summary
    items: tuple[ShownItem, ...]
    presence: tuple[PresenceLine, ...]
    present: frozenset[int]
    room_blank: Blank | None
    awaiting: tuple[str, ...] = field(default_factory=tuple)
    #: the people who keep the meeting-room screen empty, and why
    blockers: tuple[Blocker, ...] = field(default_factory=tuple)
    #: the meeting-room screen's one status (the same value :func:`room_view` carries)
    status: RoomStatus = RoomStatus(StatusKind.NO_ITEM)


def _summary(room: Room, item: AgendaItem) -> Summary:
    return Summary(item.id, item.position + 1, item.case_number, item.subject_initials,
                   item.goal, item.themes, tuple(d.label for d in item.decision_types),
                   tuple(sorted((room.party_names.get(p, f"#{p}")
                                 for p in item.invited), key=str.casefold)))


def blockers(room: Room, item: AgendaItem) -> tuple[Blocker, ...]:
    """Everyone counted present at ``item`` whose party is not entitled to the case (asked
    of ``party_entitlement`` with the room's context) or who has not accepted the
    confidentiality statement, in attendance order."""
    case = room.context(item)
    found: list[Blocker] = []
    for person in present_at(room.attendees, item):
        entitled = party_entitlement(person.party_id, case, room.standings)
        if entitled and person.has_accepted:
            continue
        found.append(Blocker(person.id, person.name, person.party_id,
                             room.party_names.get(person.party_id, f"#{person.party_id}"),
                             None if entitled else entitled.reason, person.has_accepted))
    return tuple(found)


def _room_blank(present: frozenset[int], blocking: Sequence[Blocker]) -> Blank | None:
    """Why the meeting-room screen shows nothing of the case (None: it shows the summary and
    what the policy allows). Fails closed: anyone present who may not see the case, or who
    has not accepted the statement, empties it."""
    if not present:
        return Blank.NOBODY_PRESENT
    if any(b.entitlement is not None for b in blocking):
        return Blank.PRESENT_NOT_ENTITLED
    if any(not b.accepted for b in blocking):
        return Blank.AWAITING_CONFIDENTIALITY
    return None


def room_view(room: Room, item_id: int | None, *, blanked: bool = False) -> RoomView:
    """What the meeting-room screen shows for ``item_id`` with the attendance held in
    ``room``. Recompute it whenever the attendance or the current item changes. Its
    ``status`` is :func:`room_status`'s, the same the director's window shows."""
    if item_id is None:
        return RoomView(None, (), Blank.NO_ITEM, frozenset(), RoomStatus(StatusKind.NO_ITEM))
    item = room.item(item_id)
    present = present_parties(room.attendees, item)
    total = _director_item_count(room, item)
    blocking = blockers(room, item)
    if blanked:
        return RoomView(None, (), Blank.BLANKED, present,
                        _status(Blank.BLANKED, blocking, 0, total))
    blank = _room_blank(present, blocking)
    if blank is not None:
        return RoomView(None, (), blank, present, _status(blank, blocking, 0, total))
    case = room.context(item)
    shown = meeting_screen_items(room.cases[item.case_id].items, present, case, room.standings)
    names = room.party_names
    items = tuple(ShownItem(s.item.id, s.item.text, s.item.category.label,
                            names.get(s.item.source_party_id, ""), s.item.received,
                            s.use_restriction, True, s.decision) for s in shown)
    return RoomView(_summary(room, item), items, None, present,
                    _status(None, blocking, len(items), total))


def room_status(room: Room, item_id: int | None, *, blanked: bool = False) -> RoomStatus:
    """The meeting-room screen's one status for ``item_id``: what :func:`room_view` shows,
    in words, for both windows."""
    return room_view(room, item_id, blanked=blanked).status


def _director_item_count(room: Room, item: AgendaItem) -> int:
    """How many information items the director's table lists for the item (the M of
    "showing N of M")."""
    case = room.context(item)
    return sum(1 for info in room.cases[item.case_id].items
               if decide(info, PROCESS_DIRECTOR, Setting.DIRECTOR, case, room.standings))


def director_view(room: Room, item_id: int, *, blanked: bool = False) -> DirectorView:
    """The director's screen for one item: every information item with who may see it and
    whether it is on the meeting-room screen now (exactly what :func:`room_view` shows with
    the same ``blanked``); who counts as present; and who keeps the room screen empty."""
    item = room.item(item_id)
    present = present_parties(room.attendees, item)
    case = room.context(item)
    names = room.party_names
    viewer = MeetingRoom(present)
    blocking = blockers(room, item)
    blank = Blank.BLANKED if blanked else _room_blank(present, blocking)
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
        blocking_party = (names.get(on_screen.blocking_party, "")
                          if on_screen.blocking_party is not None else "")
        shown.append(ShownItem(info.id, info.text, info.category.label,
                               names.get(info.source_party_id, ""), info.received,
                               info.terms.use_restriction,
                               bool(on_screen) and blank is None, on_screen, mark,
                               mark_text, blocking_party,
                               room_reason_text(on_screen, blocking_party, blank)))
    # In the attendance list: the party's lack of entitlement (not having accepted the
    # statement is shown there already).
    why = {b.attendee_id: b.entitlement.label for b in blocking if b.entitlement is not None}
    presence = tuple(PresenceLine(a.id, a.name, names.get(a.party_id, ""), a.function,
                                  a.has_accepted, absence(a, item), why.get(a.id, ""))
                     for a in room.attendees)
    awaiting = tuple(a.name for a in awaiting_confidentiality(room.attendees, item))
    status = _status(blank, blocking, sum(1 for s in shown if s.on_room_screen), len(shown))
    return DirectorView(_summary(room, item), tuple(shown), presence, present, blank, awaiting,
                        blocking, status)


def room_reason_text(decision: Decision, blocking_party: str,
                     blank: Blank | None = None) -> str:
    """Whether an item is on the meeting-room screen, or why not, in words, for the
    director. Says "On the meeting-room screen" only when the room shows it: an item the
    policy allows is still off the screen while the screen is empty (``blank``)."""
    if not decision.allowed:
        text = decision.reason.label
        if blocking_party:
            return _("{reason} ({party})").format(reason=text, party=blocking_party)
        return text
    if blank is not None:
        return _("Not shown: {reason}").format(reason=blank.label)
    return _("On the meeting-room screen")


@entry_point
def refresh(vault: OpenVault, room: Room) -> Room:
    """The same room with the attendance, the agenda, the parties' standing and the cases'
    states as now stored (after a change): a party that withdrew or a case that ended
    during the meeting keeps the screen empty from then on."""
    vault.require(Permission.CASE_WORK, "meeting", room.meeting.id)
    with vault.read() as conn:
        meeting = meeting_service.load_meeting(conn, room.meeting.id)
        attendance = live_service.load_attendees(conn, room.meeting.id)
        standings = party_service.standings(conn)
        states = {case_id: CaseState(state)
                  for case_id, state in case_rows.states_of(conn, room.cases).items()}
    # A case no longer in the vault counts as ended: nothing of it is shown.
    facts = {case_id: replace(f, state=states.get(case_id, CaseState.DESTROYED))
             for case_id, f in room.cases.items()}
    changed = standings != room.standings or facts != room.cases
    return replace(room, meeting=meeting, attendees=attendance, standings=standings,
                   cases=facts, marks={} if changed else room.marks)


def party_name_map(room: Room) -> Mapping[int, str]:
    return room.party_names
