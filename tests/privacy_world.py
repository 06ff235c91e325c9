"""A generated world for the all-outputs leak test (issue 16, point 8), and a checker written
from the covenant, not from the program.

The world (:func:`generate`, seeded: the same seed gives the same world) holds parties whose
standing changes over time (accession, withdrawal or exclusion, protocol memberships with a
start and an end), cases in every lifecycle state, meetings with agenda items and invitees
(a case may be on an older and a newer meeting), meetings that have or have not started,
attendance that changes (people who left, who were marked absent for an item, whose party
is not invited or withdrew, who did not accept the confidentiality statement), information
items with random terms, and a plan of action. Every text that could leak is a *canary*: a
unique string (:func:`canary`) in an item's text, a subject's surname, an agenda goal, a
plan text.

The checker (:class:`Expect`) answers, for each output and each recipient, which canaries
the recipient *may* have and which it *must* have, from these rules and nothing else (it
never calls ``app.sharing.policy``):

* A party P receives anything of case C on day D only if P's accession is recorded and took
  effect on or before D, P has not withdrawn or been excluded on or before D (the last
  active day is the day before the withdrawal takes effect: ``active_until`` inclusive), P
  takes part in C's protocol on D, C is not declined, routed elsewhere, closed or
  destroyed, C is on an agenda and P is invited to C's item on C's latest meeting
  (covenant 12.2e, 9.2, 20, 21.3, 23.2).
* Then an item I of C goes to P if P is I's source, or P is in I's ``shared_with`` and the
  meeting has started (live mode begun, or its planned start passed) or I allows the
  pre-meeting view (12.2f, 16.2).
* The meeting-room screen: everyone recorded for the meeting counts as present at an agenda
  item except those who left or were explicitly marked absent for that item. Nothing of the
  case is on the screen (not even its summary) when nobody is present, when anyone present
  has not accepted the confidentiality statement (9.2, 17), or when anyone present belongs
  to a party not entitled to the case; otherwise an item is on it when it allows the
  meeting screen and every party present is its source or in its ``shared_with``.
* Subject access (AVG 15): only items that concern the subject (``concerns`` None is the
  whole household); of those, items with a use restriction, that also concern other
  subjects, police or judicial data, or whose supplier did not agree go only as the
  process director's review says (included, redacted, withheld).
* The information centre never sees item texts, minutes, plan texts or subject names; the
  manager sees figures only (counts below 5 as "< 5").

The renderers (``render_*``) turn one output into the set of canaries it holds, reading the
output's own value (every string reachable in it) or the PDF's text; the tests compare.
"""

from __future__ import annotations

import dataclasses
import enum
import random
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from app.domain.information import Category
from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol

ENDED = frozenset({CaseState.DECLINED, CaseState.ROUTED_ELSEWHERE, CaseState.CLOSED,
                   CaseState.DESTROYED})
RESTRICTIONS = ("", "", "", "Niet aan betrokkenen verstrekken", "Alleen voor de hulpverlening")


def canary(seed: int, kind: str, n: int) -> str:
    """``Qx0000001a007Zq``-like: unique per world and place, ASCII letters and digits only (so
    a PDF's text extraction cannot split it at a hyphen), and no canary is part of another."""
    return f"Qx{seed:07d}{kind}{n:03d}Zq"


CANARY_RE = re.compile(r"Qx\d{7}[a-z]\d{3}Zq")


# -- the world --------------------------------------------------------------------------------

@dataclass(frozen=True)
class WParty:
    pid: int
    name: str
    short: str
    active_from: date | None
    active_until: date | None
    memberships: tuple[tuple[Protocol, date, date | None], ...]


@dataclass(frozen=True)
class WSubject:
    sid: int
    given: str
    surname: str           # a canary
    born: date
    role: str


@dataclass(frozen=True)
class WItem:
    iid: int
    source: int
    category: Category
    text: str              # holds a canary
    canary: str
    received: date
    shared_with: frozenset[int]
    pre_meeting_view: bool
    meeting_screen: bool
    use_restriction: str
    subject_access: bool
    concerns: frozenset[int] | None


@dataclass(frozen=True)
class WAction:
    key: str
    party_id: int
    description: str       # holds a canary
    canary: str
    limited_to: frozenset[int]


@dataclass
class WCase:
    cid: int
    number: str
    protocol: Protocol
    state: CaseState
    received: date
    subjects: list[WSubject]
    items: list[WItem]
    actions: list[WAction]
    plan_goal: str = ""        # a canary, or "" (no goal in the plan)

    def subject_canaries(self) -> set[str]:
        return {s.surname for s in self.subjects}

    def plan_canaries(self) -> set[str]:
        found = {a.canary for a in self.actions}
        if self.plan_goal:
            found.add(self.plan_goal)
        return found


@dataclass(frozen=True)
class WAgendaItem:
    aid: int
    meeting_id: int
    cid: int
    position: int
    goal: str               # a canary
    invited: frozenset[int]
    minutes: str = ""       # a canary in the item's minutes (a meeting that started), or ""


@dataclass
class WMeeting:
    mid: int
    starts_at: datetime
    started_at: datetime | None          # live mode begun
    place: str
    items: list[WAgendaItem] = field(default_factory=list)


@dataclass(frozen=True)
class WAttendee:
    aid: int
    meeting_id: int
    party_id: int
    name: str
    accepted: bool
    left: bool
    absent_items: frozenset[int]


@dataclass
class World:
    seed: int
    now: datetime
    parties: list[WParty]
    cases: list[WCase]
    meetings: list[WMeeting]
    attendees: list[WAttendee]

    @property
    def today(self) -> date:
        return self.now.date()

    def party(self, pid: int) -> WParty | None:
        return next((p for p in self.parties if p.pid == pid), None)

    def case(self, cid: int) -> WCase:
        return next(c for c in self.cases if c.cid == cid)

    def meeting(self, mid: int) -> WMeeting:
        return next(m for m in self.meetings if m.mid == mid)

    def agenda_items_of(self, cid: int) -> list[WAgendaItem]:
        return [i for m in self.meetings for i in m.items if i.cid == cid]

    def latest(self, cid: int) -> WAgendaItem | None:
        """The case's item on its latest meeting (by planned start, then id)."""
        found = self.agenda_items_of(cid)
        if not found:
            return None
        return max(found, key=lambda i: (self.meeting(i.meeting_id).starts_at, i.meeting_id))

    def all_canaries(self) -> set[str]:
        found: set[str] = set()
        for case in self.cases:
            found |= case.subject_canaries() | case.plan_canaries()
            found |= {i.canary for i in case.items}
        for meeting in self.meetings:
            found |= {i.goal for i in meeting.items}
            found |= {i.minutes for i in meeting.items if i.minutes}
        return found

    def describe(self) -> str:
        """The world in a few lines, for a failure message."""
        lines = [f"world seed={self.seed} now={self.now:%Y-%m-%d %H:%M}"]
        for p in self.parties:
            lines.append(f"  party {p.pid} {p.short}: from {p.active_from} until "
                         f"{p.active_until} protocols "
                         + ", ".join(f"{m[0].value}[{m[1]}..{m[2]}]" for m in p.memberships))
        for c in self.cases:
            lines.append(f"  case {c.cid} {c.number} {c.protocol.value} {c.state.value} "
                         f"subjects={[s.sid for s in c.subjects]}")
            for i in c.items:
                lines.append(f"    item {i.iid} {i.canary} src={i.source} {i.category.value} "
                             f"shared={sorted(i.shared_with)} pre={i.pre_meeting_view} "
                             f"screen={i.meeting_screen} restr={bool(i.use_restriction)} "
                             f"sa={i.subject_access} concerns="
                             f"{None if i.concerns is None else sorted(i.concerns)}")
        for m in self.meetings:
            lines.append(f"  meeting {m.mid} at {m.starts_at:%Y-%m-%d %H:%M} live="
                         f"{m.started_at is not None}")
            for a in m.items:
                lines.append(f"    agenda item {a.aid} case {a.cid} goal {a.goal} "
                             f"minutes {a.minutes or '-'} invited={sorted(a.invited)}")
        for t in self.attendees:
            lines.append(f"  attendee {t.aid} meeting {t.meeting_id} party {t.party_id} "
                         f"accepted={t.accepted} left={t.left} "
                         f"absent_for={sorted(t.absent_items)}")
        return "\n".join(lines)


def _day(rng: random.Random, today: date, low: int, high: int) -> date:
    return today + timedelta(days=rng.randint(low, high))


def _party(rng: random.Random, seed: int, pid: int, today: date) -> WParty:
    if rng.random() < 0.55:
        # a steady party: active for years, in every protocol
        start = _day(rng, today, -900, -30)
        return WParty(pid, f"Partij {seed} nr {pid}", f"P{seed}-{pid}", start, None,
                      tuple((protocol, start, None) for protocol in Protocol))
    roll = rng.random()
    if roll < 0.08:
        active_from: date | None = None                      # accession pending
    elif roll < 0.16:
        active_from = today                                   # joined today
    elif roll < 0.22:
        active_from = _day(rng, today, 1, 40)                 # joins later
    else:
        active_from = _day(rng, today, -900, -1)
    roll = rng.random()
    if roll < 0.68:
        active_until: date | None = None
    elif roll < 0.76:
        active_until = today                                  # last active day: today
    elif roll < 0.84:
        active_until = today - timedelta(days=1)              # withdrew yesterday
    else:
        active_until = _day(rng, today, -120, 120)
    memberships: list[tuple[Protocol, date, date | None]] = []
    for protocol in Protocol:
        if rng.random() < 0.65:
            start = rng.choice([today, today + timedelta(days=1), _day(rng, today, -900, -1),
                                _day(rng, today, -900, -1)])
            end = rng.choice([None, None, None, today, today - timedelta(days=1),
                              _day(rng, today, -30, 60)])
            if end is not None and end < start:
                end = None
            memberships.append((protocol, start, end))
    # a short name without personal data, unique per world
    return WParty(pid, f"Partij {seed} nr {pid}", f"P{seed}-{pid}", active_from,
                  active_until, tuple(memberships))


STATES = tuple(CaseState)
#: states in which a case may well be on an agenda (the others only rarely, to test the gate)
AGENDA_STATES = frozenset({CaseState.SCHEDULED, CaseState.IN_PROGRESS, CaseState.CLOSED,
                           CaseState.DESTROYED})


def generate(seed: int, now: datetime | None = None, *, size: str = "normal",
             party_ids: Iterable[int] | None = None, first_id: int = 1) -> World:
    """The world of ``seed``. ``now``: the moment the outputs are asked for (default: a fixed
    moment derived from the seed). ``size``: "normal" or "small" (for the end-to-end runs).
    ``party_ids``: ids to give the parties (a vault's), else 1..n."""
    rng = random.Random(seed)
    if now is None:
        now = datetime(2026, 12, 7, 10, 0) + timedelta(minutes=rng.randint(-60 * 24 * 30,
                                                                           60 * 24 * 30))
    now = now.replace(second=0, microsecond=0)
    today = now.date()
    small = size == "small"
    n_parties = rng.randint(3, 5) if small else rng.randint(4, 7)
    pids = list(party_ids)[:n_parties] if party_ids is not None else list(
        range(1, n_parties + 1))
    parties = [_party(rng, seed, pid, today) for pid in pids]
    counter = iter(range(1, 1000))
    ids = iter(range(first_id, first_id + 100_000))

    def new_canary(kind: str) -> str:
        return canary(seed, kind, next(counter))

    cases: list[WCase] = []
    n_cases = rng.randint(2, 4) if small else rng.randint(3, 7)
    for k in range(n_cases):
        protocol = rng.choice(list(Protocol))
        state = STATES[k % len(STATES)] if rng.random() < 0.3 else rng.choice(
            [CaseState.SCHEDULED, CaseState.IN_PROGRESS, CaseState.SCHEDULED,
             CaseState.IN_PROGRESS, *STATES])
        subjects = [WSubject(next(ids), rng.choice(["Anna", "Bram", "Chris", "Dewi"]),
                             new_canary("s"), date(1970 + rng.randint(0, 45), 1 + k % 12, 3),
                             "main_subject" if j == 0 else rng.choice(
                                 ["partner", "child", "parent", "other"]))
                    for j in range(rng.randint(1, 3 if small else 4))]
        sids = [s.sid for s in subjects]
        items: list[WItem] = []
        for _n in range(rng.randint(0, 4 if small else 6)):
            c = new_canary("i")
            concerns: frozenset[int] | None = None
            if rng.random() < 0.5:
                concerns = frozenset(rng.sample(sids, rng.randint(1, len(sids))))
            items.append(WItem(
                next(ids), rng.choice(pids), rng.choice(list(Category)),
                f"Informatie {c} bekend", c, today - timedelta(days=rng.randint(1, 60)),
                frozenset(p for p in pids if rng.random() < 0.45),
                rng.random() < 0.4, rng.random() < 0.6, rng.choice(RESTRICTIONS),
                rng.random() < 0.5, concerns))
        actions = []
        for _n in range(rng.randint(0, 3)):
            c = new_canary("a")
            limited = (frozenset(p for p in pids if rng.random() < 0.4)
                       if rng.random() < 0.4 else frozenset())
            actions.append(WAction(f"k{seed}x{c[-6:-2]}", rng.choice(pids),
                                   f"Actie {c} uitvoeren", c, limited))
        plan_goal = new_canary("g") if rng.random() < 0.6 else ""
        cases.append(WCase(next(ids), f"ZVH-{2000 + (seed % 900)}-{k + 1:04d}", protocol,
                           state, today - timedelta(days=rng.randint(10, 200)), subjects,
                           items, actions, plan_goal))

    meetings: list[WMeeting] = []
    n_meetings = rng.randint(1, 2) if small else rng.randint(1, 3)
    for m in range(n_meetings):
        # at least an hour away from now, so the started/not started answer is stable
        hours = rng.choice([rng.randint(-96, -1), rng.randint(1, 96)])
        starts = now + timedelta(hours=hours, minutes=rng.choice([0, 15, 30]))
        live = starts - timedelta(minutes=10) if (hours < 0 or rng.random() < 0.3) and \
            rng.random() < 0.5 else None
        meetings.append(WMeeting(next(ids), starts, live, f"Zaal {m + 1} ({seed})"))
    for case in cases:
        on_agenda = rng.random() < (0.9 if case.state in AGENDA_STATES else 0.2)
        if not on_agenda:
            continue
        chosen = rng.sample(meetings, rng.randint(1, min(2, len(meetings))))
        for meeting in chosen:
            invited = frozenset(p for p in pids if rng.random() < 0.6) or frozenset(
                {rng.choice(pids)})
            minutes = (new_canary("n") if has_started(meeting, now) and rng.random() < 0.7
                       else "")
            meeting.items.append(WAgendaItem(next(ids), meeting.mid, case.cid,
                                             len(meeting.items), new_canary("m"), invited,
                                             minutes))
    attendees: list[WAttendee] = []
    for meeting in meetings:
        invited = sorted({p for i in meeting.items for p in i.invited}) or pids
        for n in range(rng.randint(0, 4 if small else 6)):
            absent = frozenset(i.aid for i in meeting.items if rng.random() < 0.15)
            party = rng.choice(invited) if rng.random() < 0.8 else rng.choice(pids)
            attendees.append(WAttendee(next(ids), meeting.mid, party, f"Persoon {n + 1}",
                                       rng.random() < 0.9, rng.random() < 0.12, absent))
    return World(seed, now, parties, cases, meetings, attendees)


# -- the checker: the covenant's rules, written out ------------------------------------------

def active_on(party: WParty | None, day: date) -> bool:
    """Covenant 20, 21.3, 23.2: active from the accession until the last active day."""
    if party is None or party.active_from is None or day < party.active_from:
        return False
    return party.active_until is None or day <= party.active_until


def in_protocol(party: WParty | None, protocol: Protocol, day: date) -> bool:
    if party is None or not active_on(party, day):
        return False
    return any(p == protocol and start <= day and (end is None or day <= end)
               for p, start, end in party.memberships)


def has_started(meeting: WMeeting, now: datetime) -> bool:
    """Live mode begun, or else its planned start passed (12.2f)."""
    return meeting.started_at is not None or meeting.starts_at <= now


@dataclass(frozen=True)
class Wanted:
    """What one recipient may and must find in one output; ``refused``: no output at all."""

    may: frozenset[str]
    must: frozenset[str]
    refused: bool = False

    @staticmethod
    def nothing() -> Wanted:
        return Wanted(frozenset(), frozenset(), True)


class Expect:
    """The checker: what each output may and must hold for each recipient, by the rules in
    the module docstring (no call into ``app.sharing``)."""

    def __init__(self, world: World, now: datetime | None = None) -> None:
        self.world = world
        self.now = now or world.now

    @property
    def day(self) -> date:
        return self.now.date()

    # the one entitlement (12.2e, 9.2, 21.3, 23.2)
    def entitled(self, pid: int, case: WCase, invited: frozenset[int] | None = None) -> bool:
        """``invited``: the invitees to count with instead of those of the case's latest
        meeting (only to state the other reading of an older meeting, see :meth:`room`)."""
        party = self.world.party(pid)
        if not in_protocol(party, case.protocol, self.day):
            return False
        if case.state in ENDED:
            return False
        if invited is None:
            latest = self.world.latest(case.cid)
            invited = latest.invited if latest is not None else None
        return invited is not None and pid in invited

    def started(self, case: WCase) -> bool:
        latest = self.world.latest(case.cid)
        return latest is not None and has_started(self.world.meeting(latest.meeting_id),
                                                  self.now)

    def item_for_party(self, pid: int, case: WCase, item: WItem) -> bool:
        if not self.entitled(pid, case):
            return False
        if pid == item.source:
            return True
        return pid in item.shared_with and (self.started(case) or item.pre_meeting_view)

    def action_for_party(self, pid: int, action: WAction) -> bool:
        return not action.limited_to or pid in action.limited_to or pid == action.party_id

    # outputs -----------------------------------------------------------------------------
    def handout(self, pid: int, case: WCase) -> Wanted:
        """A party's handout: the subjects by name, the plan as the party may see it, the
        items it may have; nothing (refused) for a party not entitled."""
        if not self.entitled(pid, case):
            return Wanted.nothing()
        must = set(case.subject_canaries())
        must |= {i.canary for i in case.items if self.item_for_party(pid, case, i)}
        must |= {a.canary for a in case.actions if self.action_for_party(pid, a)}
        if case.plan_goal:
            must.add(case.plan_goal)
        may = set(must)
        latest = self.world.latest(case.cid)
        if latest is not None:
            may.add(latest.goal)             # the meeting's goal may be named
        return Wanted(frozenset(may), frozenset(must))

    def agenda(self, pid: int, meeting: WMeeting) -> Wanted:
        """A party's agenda of one meeting: the goal of each case it is invited to there and
        entitled to, only where this meeting is the case's latest (12.2e: an older
        meeting's agenda must not bring a case back to a party since dropped from it);
        never a subject's name, an item or the plan."""
        goals = frozenset(item.goal for item in meeting.items
                          if self.is_latest(item) and pid in item.invited
                          and self.entitled(pid, self.world.case(item.cid)))
        return Wanted(goals, goals, refused=not goals)

    def present(self, meeting: WMeeting, item: WAgendaItem) -> list[WAttendee]:
        """Everyone recorded except who left or was marked absent for this item."""
        return [a for a in self.world.attendees if a.meeting_id == meeting.mid
                and not a.left and item.aid not in a.absent_items]

    def is_latest(self, item: WAgendaItem) -> bool:
        return self.world.latest(item.cid) == item

    def blockers(self, meeting: WMeeting, item: WAgendaItem,
                 own_invitees: bool = False) -> dict[int, str]:
        """Attendees present that keep the whole case off the room screen, and why.
        ``own_invitees``: entitlement counted with this item's invitees (the other reading
        for a meeting that is not the case's latest)."""
        case = self.world.case(item.cid)
        invited = item.invited if own_invitees else None
        found: dict[int, str] = {}
        for person in self.present(meeting, item):
            if not self.entitled(person.party_id, case, invited) \
                    or person.party_id not in item.invited:
                found[person.aid] = "not_entitled"
            elif not person.accepted:
                found[person.aid] = "confidentiality"
        return found

    def room(self, meeting: WMeeting, item: WAgendaItem, own_invitees: bool = False) -> Wanted:
        """The meeting-room screen for one agenda item of a live meeting.

        For a meeting that is not the case's latest (the case was discussed and already
        put on a later meeting) the brief's rule counts the latest meeting's invitees;
        the program counts the meeting in session's. Callers check such an item with
        :meth:`room_either`, which accepts either reading and requires what both require."""
        case = self.world.case(item.cid)
        present = self.present(meeting, item)
        if not present or self.blockers(meeting, item, own_invitees):
            return Wanted(frozenset(), frozenset(), refused=True)
        parties = {a.party_id for a in present}
        shown = {i.canary for i in case.items if i.meeting_screen
                 and all(p == i.source or p in i.shared_with for p in parties)}
        must = shown | {item.goal}
        return Wanted(frozenset(must), frozenset(must))

    def room_either(self, meeting: WMeeting, item: WAgendaItem) -> Wanted:
        if self.is_latest(item):
            return self.room(meeting, item)
        a, b = self.room(meeting, item), self.room(meeting, item, own_invitees=True)
        return Wanted(a.may | b.may, a.must & b.must, a.refused and b.refused)

    def room_item_blocked_by(self, meeting: WMeeting, item: WAgendaItem,
                             info: WItem) -> set[int]:
        """The parties present that keep one item (not the whole case) off the screen."""
        parties = {a.party_id for a in self.present(meeting, item)}
        return {p for p in parties if p != info.source and p not in info.shared_with}

    def subject_access(self, case: WCase, subject: WSubject,
                       review: Mapping[int, tuple[str, str]]) -> Wanted:
        """The subject-access PDF of ``subject`` for ``case``: the subject's own name; items
        that concern the subject, those needing review only as ``review`` says
        (item id -> ("include" | "redact" | "withhold", redacted text canary))."""
        must = {subject.surname}
        for item in case.items:
            if item.concerns is not None and subject.sid not in item.concerns:
                continue
            if not self.needs_review(case, subject, item):
                must.add(item.canary)
                continue
            choice, redacted = review.get(item.iid, ("withhold", ""))
            if choice == "include":
                must.add(item.canary)
            elif choice == "redact":
                must.add(redacted)
        return Wanted(frozenset(must), frozenset(must))

    @staticmethod
    def needs_review(case: WCase, subject: WSubject, item: WItem) -> bool:
        concerned = {s.sid for s in case.subjects} if item.concerns is None else item.concerns
        return bool(item.use_restriction.strip() or (concerned - {subject.sid})
                    or item.category in (Category.POLICE, Category.JUDICIAL)
                    or not item.subject_access)

    def director_all(self, case: WCase) -> Wanted:
        """The process director's full plan: every plan text and the subjects."""
        must = case.subject_canaries() | case.plan_canaries()
        return Wanted(frozenset(must), frozenset(must))


# -- reading an output ---------------------------------------------------------------------

def strings_in(value: Any, _seen: set[int] | None = None) -> Iterator[str]:
    """Every string reachable in ``value`` (dataclasses, mappings, sequences, sets, enums'
    values), depth first: what an output holds."""
    seen = _seen if _seen is not None else set()
    if isinstance(value, str):
        yield value
        return
    if value is None or isinstance(value, (int, float, bool, date, datetime, bytes)):
        return
    if isinstance(value, enum.Enum):
        return
    if id(value) in seen:
        return
    seen.add(id(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from strings_in(getattr(value, f.name), seen)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from strings_in(k, seen)
            yield from strings_in(v, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from strings_in(v, seen)
    elif hasattr(value, "__dict__"):
        for v in vars(value).values():
            yield from strings_in(v, seen)


def canaries_in(value: Any) -> set[str]:
    """The canaries an output value holds."""
    return set(CANARY_RE.findall("\n".join(strings_in(value))))


def squeeze(text: str) -> str:
    """PDF text as compared: NFKC, no white space, no soft hyphens."""
    return "".join(unicodedata.normalize("NFKC", text).replace("\u00ad", "").split())


def canaries_in_text(text: str) -> set[str]:
    return set(CANARY_RE.findall(squeeze(text)))


def pdf_text(data: bytes, password: str | None = None) -> str:
    """A PDF's pages and metadata as text, squeezed (decrypted with ``password``)."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        assert password is not None and reader.decrypt(password), "the PDF does not open"
    parts = [page.extract_text() or "" for page in reader.pages]
    parts += [str(v) for v in (reader.metadata or {}).values()]
    return squeeze("\n".join(parts))


def pdf_canaries(data: bytes, password: str | None = None) -> set[str]:
    """The canaries in a PDF's pages and metadata (decrypted with ``password``)."""
    return canaries_in_text(pdf_text(data, password))


def verdict(world: World, output: str, recipient: str, wanted: Wanted, found: set[str] | None,
            ) -> list[str]:
    """The problems with one output for one recipient (empty: right both ways). ``found``
    None: the output was refused."""
    problems: list[str] = []
    if found is None:
        if wanted.must:
            problems.append(f"seed {world.seed}: {output} for {recipient} was refused, but it "
                            f"must hold {sorted(wanted.must)}")
        return problems
    leaked = found - wanted.may
    missing = wanted.must - found
    if leaked:
        problems.append(f"seed {world.seed}: LEAK {output} for {recipient} holds "
                        f"{sorted(leaked)}")
    if missing:
        problems.append(f"seed {world.seed}: {output} for {recipient} misses "
                        f"{sorted(missing)}")
    return problems


# -- the world as the program's plain values (no database) -----------------------------------

def standings_of(world: World) -> dict[int, Any]:
    from app.domain.standing import PartyStanding, ProtocolMembership

    return {p.pid: PartyStanding(p.pid, p.active_from, p.active_until,
                                 tuple(ProtocolMembership(proto, start, end)
                                       for proto, start, end in p.memberships))
            for p in world.parties}


def party_names_of(world: World) -> dict[int, str]:
    return {p.pid: p.name for p in world.parties}


def items_of(case: WCase) -> tuple[Any, ...]:
    from app.domain.information import InformationItem, SharingTerms

    return tuple(InformationItem(
        id=i.iid, case_id=case.cid, source_party_id=i.source, category=i.category,
        text=i.text, received=i.received,
        terms=SharingTerms(i.shared_with, i.pre_meeting_view, i.meeting_screen,
                           i.use_restriction, i.subject_access),
        concerns=i.concerns) for i in case.items)


def subjects_of(case: WCase) -> tuple[Any, ...]:
    from app.domain.cases import Subject, SubjectRole

    return tuple(Subject(s.given, s.surname, s.born, SubjectRole(s.role), id=s.sid)
                 for s in case.subjects)


def plan_of(case: WCase) -> Any:
    from app.domain.life_domains import LifeDomain
    from app.domain.plan import Action, ActionPlan, Goal

    goals = ((Goal(f"g{case.cid}", LifeDomain.HOUSING, f"Doel {case.plan_goal}"),)
             if case.plan_goal else ())
    return ActionPlan(case.cid, goals=goals, actions=tuple(
        Action(a.key, a.party_id, a.description, limited_to=a.limited_to)
        for a in case.actions), version=1 if (goals or case.actions) else 0)


def handout_facts(world: World, case: WCase, now: datetime) -> Any:
    """``app.sharing.handout.CaseFacts`` for the case as the world has it at ``now``."""
    from app.domain.views import MeetingRef
    from app.sharing.handout import CaseFacts

    latest = world.latest(case.cid)
    meeting = world.meeting(latest.meeting_id) if latest is not None else None
    return CaseFacts(
        house="Huis", case_id=case.cid, case_number=case.number, protocol=case.protocol,
        received=case.received, subjects=subjects_of(case), plan=plan_of(case),
        items=items_of(case), party_names=party_names_of(world),
        standings=standings_of(world),
        invited=latest.invited if latest is not None else None, on=now.date(),
        meeting=MeetingRef(meeting.mid, meeting.starts_at, meeting.place) if meeting else None,
        state=case.state,
        meeting_started=meeting is not None and has_started(meeting, now))


def compose_handout(facts: Any, pid: int) -> Any | None:
    """The program's handout value from ``facts`` (:func:`handout_facts`), or None when it
    refuses."""
    from app.sharing.handout import HandoutRefused, compose

    try:
        return compose(facts, pid)
    except HandoutRefused:
        return None


def domain_meeting(world: World, meeting: WMeeting) -> Any:
    from app.domain.meetings import (AgendaItem, DecisionType, Invitation, ItemKind, Meeting,
                                     MeetingState, initials)

    items = []
    for a in meeting.items:
        case = world.case(a.cid)
        main = case.subjects[0]
        items.append(AgendaItem(
            id=a.aid, meeting_id=meeting.mid, case_id=a.cid, case_number=case.number,
            subject_initials=initials(main.given, main.surname), position=a.position,
            kind=ItemKind.FIRST, duration_minutes=20, goal=f"Doel {a.goal}",
            themes=("wonen",), decision_types=(DecisionType.IMAGE_FORMING,),
            invitations=tuple(Invitation(p, "") for p in sorted(a.invited))))
    state = MeetingState.IN_PROGRESS if meeting.started_at else MeetingState.PLANNED
    return Meeting(meeting.mid, meeting.starts_at, meeting.place, "Voorzitter", state,
                   tuple(items), meeting.started_at)


def domain_attendees(world: World, meeting: WMeeting) -> list[Any]:
    from app.domain.meetings import Attendee

    at = meeting.started_at or meeting.starts_at
    return [Attendee(a.aid, meeting.mid, a.name, a.party_id, "Functie",
                     at if a.accepted else None, at if a.left else None, a.absent_items)
            for a in world.attendees if a.meeting_id == meeting.mid]


def room_of(world: World, meeting: WMeeting) -> Any:
    """``app.services.meeting_room.Room`` for a live meeting of the world."""
    from app.services import meeting_room

    facts = {}
    for a in meeting.items:
        case = world.case(a.cid)
        facts[case.cid] = meeting_room.CaseFacts(
            case.cid, case.number, case.protocol, frozenset(s.sid for s in case.subjects),
            items_of(case), case.state)
    return meeting_room.Room(domain_meeting(world, meeting), domain_attendees(world, meeting),
                             facts, standings_of(world), party_names_of(world), world.today)


# -- the pure tier: every output built from plain values, compared with the checker ----------

@dataclass
class Tally:
    """How much one run looked at (so a run that checks nothing is noticed)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def moments(world: World, case: WCase) -> list[datetime]:
    """The moments a case's handouts are made at: now, and (when it has a meeting) just
    before and just after its latest meeting's planned start."""
    found = [world.now]
    latest = world.latest(case.cid)
    if latest is not None:
        meeting = world.meeting(latest.meeting_id)
        if meeting.started_at is None:
            found.append(meeting.starts_at - timedelta(minutes=30))
        found.append(meeting.starts_at + timedelta(minutes=30))
    return found


def check_handouts_pure(world: World, tally: Tally) -> list[str]:
    problems: list[str] = []
    for case in world.cases:
        for now in moments(world, case):
            expect = Expect(world, now)
            phase = "after" if expect.started(case) else "before"
            facts = handout_facts(world, case, now)
            for party in world.parties:
                wanted = expect.handout(party.pid, case)
                handout = compose_handout(facts, party.pid)
                found = None if handout is None else canaries_in(handout)
                label = f"handout({phase}, {now:%Y-%m-%d %H:%M}) of case {case.cid}"
                problems += verdict(world, label, f"party {party.pid}", wanted, found)
                if wanted.refused and handout is not None:
                    problems.append(f"seed {world.seed}: {label} for party {party.pid} was "
                                    "made, but the party is not entitled: it must be refused")
                tally.add(f"handout {phase} " + ("refused" if wanted.refused else "given"))
                if handout is not None and hasattr(handout, "meeting_started") and \
                        handout.meeting_started != expect.started(case):
                    problems.append(f"seed {world.seed}: {label} for party {party.pid} says "
                                    f"meeting_started={handout.meeting_started}")
    return problems


def check_room_pure(world: World, tally: Tally) -> list[str]:
    from app.services import meeting_room

    problems: list[str] = []
    expect = Expect(world)
    for meeting in world.meetings:
        if not meeting.items:
            continue
        room = room_of(world, meeting)
        for item in meeting.items:
            case = world.case(item.cid)
            wanted = expect.room_either(meeting, item)
            if not expect.is_latest(item):
                tally.add("room of an older meeting (either reading)")
            view = meeting_room.room_view(room, item.aid)
            found = canaries_in(view)
            label = f"room screen of meeting {meeting.mid}, agenda item {item.aid}"
            problems += verdict(world, label, "the room", wanted, found)
            if wanted.refused and view.summary is not None:
                problems.append(f"seed {world.seed}: {label} shows the case summary although "
                                "the screen must show nothing of the case")
            tally.add("room blank" if wanted.refused else "room shown")
            tally.add("room items shown", len(wanted.must) - (0 if wanted.refused else 1))
            # the director's screen: everything, and who keeps the room screen empty
            director = meeting_room.director_view(room, item.aid)
            all_items = {i.canary for i in case.items} | {item.goal}
            problems += verdict(world, f"director's screen ({label})", "the director",
                                Wanted(frozenset(all_items | {item.minutes} - {""}),
                                       frozenset(all_items)), canaries_in(director))
            on_screen = {i.item_id for i in director.items if i.on_room_screen}
            shown_ids = {i.iid for i in case.items if i.canary in wanted.must}
            if on_screen != shown_ids and expect.is_latest(item):
                problems.append(f"seed {world.seed}: director's screen ({label}) marks items "
                                f"{sorted(on_screen)} as on the room screen, the room shows "
                                f"{sorted(shown_ids)}")
            want_blockers = expect.blockers(meeting, item)
            other = expect.blockers(meeting, item, own_invitees=True)
            got = getattr(director, "blockers", None)
            if got is not None:
                got_ids = {b.attendee_id for b in got}
                tally.add("room blockers named", len(got_ids))
                if got_ids != set(want_blockers) and (expect.is_latest(item)
                                                      or got_ids != set(other)):
                    problems.append(f"seed {world.seed}: director's screen ({label}) names "
                                    f"blockers {sorted(got_ids)}, expected "
                                    f"{sorted(want_blockers)} ({want_blockers})")
    return problems


def check_pure(world: World, tally: Tally) -> list[str]:
    """Every output the pure tier builds for this world, checked both ways."""
    return check_handouts_pure(world, tally) + check_room_pure(world, tally)


# -- the end-to-end tier: the world written into a real vault ----------------------------------

#: party ids of a world in a vault start here (the seeded register uses the low ids)
VAULT_PARTY_BASE = 5000
HANDOUT_PASSWORD = "kluis-test-wachtwoord-1234"


def write_world(world: World, vault: Any) -> None:
    """Write ``world`` into an open vault, table by table (the world's situations are
    reached faster, and some only, this way: a party invited last week that withdrew
    yesterday, a case on an agenda and declined afterwards)."""
    import json

    from sqlalchemy import insert

    from app.domain.cases import fold_for_search
    from app.domain.meetings import MeetingState
    from app.services import cases as case_service
    from app.store.case_tables import case_search, information_items, item_shared_with
    from app.store.case_tables import cases as cases_table
    from app.store.case_tables import subjects as subjects_table
    from app.store.meeting_tables import (agenda_items, attendee_absences, attendees,
                                          case_minutes, invitations, meetings,
                                          minutes_entries)
    from app.store.party_tables import parties, party_protocols
    from app.store.plan_tables import plan_action_parties, plan_actions, plan_goals, plans

    at = world.now
    with vault.begin() as conn:
        for p in world.parties:
            conn.execute(insert(parties).values(
                id=p.pid, name=p.name, short_name=p.short, party_type="other",
                domain="care", seat="", address="", representative="",
                is_host_municipality=False, active_from=p.active_from,
                active_until=p.active_until,
                end_reason="withdrawal" if p.active_until else None, end_note=""))
            for proto, start, end in p.memberships:
                conn.execute(insert(party_protocols).values(
                    party_id=p.pid, protocol=proto.value, start=start, end=end))
        for n, case in enumerate(world.cases):
            year, seq = int(case.number[4:8]), int(case.number[-4:])
            conn.execute(insert(cases_table).values(
                id=case.cid, number=case.number, number_year=year, number_seq=seq,
                protocol=case.protocol.value, state=case.state.value,
                referring_party_id=world.parties[n % len(world.parties)].pid,
                referring_party_type="other", received=case.received, reason="",
                question="", created_at=at, created_by="regisseur", updated_at=at))
            domain_subjects = subjects_of(case)
            for position, subject in enumerate(domain_subjects):
                conn.execute(insert(subjects_table).values(
                    id=subject.id, **case_service.subject_values(case.cid, position, subject)))
            conn.execute(insert(case_search).values(
                **case_service.search_values(case.cid, case.number, domain_subjects)))
            for item in case.items:
                conn.execute(insert(information_items).values(
                    id=item.iid, case_id=case.cid, source_party_id=item.source,
                    received=item.received, category=item.category.value, text=item.text,
                    pre_meeting_view=item.pre_meeting_view,
                    meeting_screen=item.meeting_screen, use_restriction=item.use_restriction,
                    created_at=at, subject_access=item.subject_access))
                for pid in sorted(item.shared_with):
                    conn.execute(insert(item_shared_with).values(item_id=item.iid,
                                                                 party_id=pid))
                case_service.set_item_concerns(conn, item.iid, item.concerns)
            if case.actions or case.plan_goal:
                plan_id = case_service.inserted_id(conn.execute(insert(plans).values(
                    case_id=case.cid, version=1, coordinator_person="",
                    closure_criteria="", next_meeting_note="", updated_at=at,
                    updated_by="regisseur")))
                if case.plan_goal:
                    conn.execute(insert(plan_goals).values(
                        plan_id=plan_id, key=f"g{case.cid}", position=0,
                        life_domain="housing", description=f"Doel {case.plan_goal}"))
                for position, action in enumerate(case.actions):
                    action_id = case_service.inserted_id(conn.execute(insert(
                        plan_actions).values(
                            plan_id=plan_id, key=action.key, position=position,
                            party_id=action.party_id, description=action.description,
                            owner="", status="open")))
                    for pid in sorted(action.limited_to):
                        conn.execute(insert(plan_action_parties).values(action_id=action_id,
                                                                        party_id=pid))
        for meeting in world.meetings:
            state = (MeetingState.IN_PROGRESS if meeting.started_at else MeetingState.PLANNED)
            conn.execute(insert(meetings).values(
                id=meeting.mid, starts_at=meeting.starts_at, place=meeting.place,
                place_key=fold_for_search(meeting.place), chair="Voorzitter",
                state=state.value, created_at=at, created_by="regisseur",
                started_at=meeting.started_at))
            for a in meeting.items:
                conn.execute(insert(agenda_items).values(
                    id=a.aid, meeting_id=meeting.mid, case_id=a.cid, position=a.position,
                    kind="first", duration_minutes=20, goal=f"Doel {a.goal}",
                    themes=json.dumps(["wonen"]), decision_types=json.dumps(["judging"])))
                for pid in sorted(a.invited):
                    conn.execute(insert(invitations).values(
                        agenda_item_id=a.aid, party_id=pid, contribution="", invited_at=at))
                if a.minutes:
                    text = f"Notitie {a.minutes}"
                    conn.execute(insert(minutes_entries).values(
                        agenda_item_id=a.aid, case_id=a.cid, kind="note", text=text,
                        party_id=None, owner="", created_at=at, created_by="regisseur"))
                    conn.execute(insert(case_minutes).values(
                        case_id=a.cid, meeting_id=meeting.mid, agenda_item_id=a.aid,
                        stored_at=at, stored_by="regisseur", body=json.dumps(
                            {"case_number": world.case(a.cid).number, "goal": f"Doel {a.goal}",
                             "entries": [{"kind": "note", "text": text}]})))
        for t in world.attendees:
            meeting = world.meeting(t.meeting_id)
            moment = meeting.started_at or meeting.starts_at
            conn.execute(insert(attendees).values(
                id=t.aid, meeting_id=t.meeting_id, name=t.name, party_id=t.party_id,
                function="Functie", arrived_at=moment,
                confidentiality_accepted_at=moment if t.accepted else None,
                left_at=moment if t.left else None))
            for aid in sorted(t.absent_items):
                conn.execute(insert(attendee_absences).values(attendee_id=t.aid,
                                                              agenda_item_id=aid))


def check_referrer_outputs(world: World, vault: Any, folder: Any, tally: Tally) -> list[str]:
    """The receipt and the triage outcome (issue 24), for every party of every case. The
    rule, from the issue: only the party that referred the case receives them, and only
    while it is a party of the covenant (21.3, 23.2: a party that left receives nothing);
    they hold only that referral's own facts, so no canary at all (no subject's name, no
    item's text, no plan or agenda text). The triage outcome exists only for a case that has
    one: in these worlds, the declined cases (no routing decisions are written)."""
    from pathlib import Path

    from app.errors import PermissionDenied, ValidationError
    from app.services import referral_receipts

    folder = Path(folder)
    problems: list[str] = []
    for n, case in enumerate(world.cases):
        # write_world records the referring party of the n-th case this way
        referrer = world.parties[n % len(world.parties)].pid
        for party in world.parties:
            entitled = party.pid == referrer and active_on(party, world.today)
            for kind, export in (("receipt", referral_receipts.export_receipt),
                                 ("triage outcome", referral_receipts.export_triage_outcome)):
                out = folder / f"r-{world.seed}-{case.cid}-{party.pid}-{kind[0]}.pdf"
                has_outcome = kind == "receipt" or case.state is CaseState.DECLINED
                found: set[str] | None
                try:
                    export(vault, case.number, out, party_id=party.pid, on=world.today)
                    found = pdf_canaries(out.read_bytes())
                except PermissionDenied:
                    found = None
                except ValidationError:
                    found = None
                    if not entitled or has_outcome:
                        problems.append(f"seed {world.seed}: {kind} of {case.number} for "
                                        f"party {party.pid} refused as having no outcome")
                if found is None and entitled and has_outcome:
                    problems.append(f"seed {world.seed}: {kind} of {case.number} refused to "
                                    f"its referring party {party.pid}")
                if found is not None and not entitled:
                    problems.append(f"seed {world.seed}: LEAK {kind} of {case.number} made "
                                    f"for party {party.pid}, not its referring party")
                if found is not None:
                    problems += verdict(world, kind, f"party {party.pid}",
                                        Wanted(frozenset(), frozenset()), found)
                    tally.add(f"e2e {kind} given")
                else:
                    tally.add(f"e2e {kind} refused")
    return problems


def vault_world(seed: int, now: datetime, slot: int = 0) -> World:
    """A small world for a vault that may hold several (``slot``: its place in the vault):
    parties numbered from :data:`VAULT_PARTY_BASE`, the other rows from 1, ten parties and
    10,000 ids per slot, so that worlds in one vault never share a row."""
    base = VAULT_PARTY_BASE + 10 * slot
    return generate(seed, now, size="small", party_ids=range(base, base + 10),
                    first_id=1 + 10_000 * slot)


def _refusal_types() -> tuple[type[BaseException], ...]:
    from app.errors import CasuskamerError

    return (CasuskamerError,)


def _agenda_exporter() -> Any:
    """The agenda export as it stands: the agenda service (issue 16), else the old one."""
    try:
        from app.services import agenda
    except ModuleNotFoundError:
        from app.export import agenda_pdf
        return agenda_pdf.export_agenda
    return agenda.export_agenda


def agenda_either(expect: Expect, pid: int, meeting: WMeeting) -> Wanted:
    """A party's agenda of ``meeting``: settled since the review of issue 16 (a case stands
    only on the agenda of its latest meeting), so one reading: :meth:`Expect.agenda`."""
    return expect.agenda(pid, meeting)


def _blockers_leave(world: World, vault: Any, meeting: WMeeting, item: WAgendaItem,
                    blocking: Mapping[int, str], tally: Tally) -> list[str]:
    """Attendance changes: the director marks each person who keeps the screen empty as
    having left (``meeting_live.attendee_left``, the one action the director's screen offers);
    the world follows, and the room screen read again must show what the covenant allows
    for those who remain."""
    from app.services import meeting_room
    from app.services import meeting_live

    for attendee_id in sorted(blocking):
        meeting_live.attendee_left(vault, attendee_id)
    world.attendees = [dataclasses.replace(a, left=True) if a.aid in blocking else a
                       for a in world.attendees]
    room = meeting_room.load_room(vault, meeting.mid)
    wanted = Expect(world).room(meeting, item)
    tally.add("e2e room after the blockers left " + ("blank" if wanted.refused else "shown"))
    view = meeting_room.room_view(room, item.aid)
    label = (f"room screen (vault) of meeting {meeting.mid}, agenda item {item.aid}, after "
             f"{sorted(blocking)} left")
    problems = verdict(world, label, "the room", wanted, canaries_in(view))
    if wanted.refused and view.summary is not None:
        problems.append(f"seed {world.seed}: {label} shows the case summary although the "
                        "screen must show nothing of the case")
    return problems


def check_vault(world: World, vault: Any, folder: Any, tally: Tally) -> list[str]:
    """Every output of the world through the program's services on a real vault, the PDFs
    read back; ``vault`` is unlocked by a process director."""
    from pathlib import Path

    from app.services import handout_passwords, handouts, meeting_room

    try:
        from app.domain.views import phase_label
    except ImportError:                       # before issue 16's handouts
        def phase_label(started: bool) -> str:
            return ""

    folder = Path(folder)
    problems: list[str] = []
    expect = Expect(world)
    refused = _refusal_types()
    # handouts: one party at a time (the CLI's and the screen's path), and the batch
    for case in world.cases:
        phase = "after" if expect.started(case) else "before"
        for n, party in enumerate(world.parties):
            wanted = expect.handout(party.pid, case)
            out = folder / f"h-{world.seed}-{case.cid}-{party.pid}.pdf"
            password = HANDOUT_PASSWORD if n % 2 else None
            try:
                handouts.export_handout(vault, case.number, party.pid, out, password=password)
                text = pdf_text(out.read_bytes(), password)
                found: set[str] | None = canaries_in_text(text)
                # the handout says which of the two it is (12.2f)
                said = squeeze(phase_label(expect.started(case)))
                if said not in text:
                    problems.append(f"seed {world.seed}: the handout of case {case.number} "
                                    f"for party {party.pid} does not say it is made "
                                    f"{phase_label(expect.started(case))}")
            except refused:
                found = None
                if out.exists():
                    problems.append(f"seed {world.seed}: a refused handout left {out.name}")
            label = f"handout PDF ({phase}) of case {case.number}"
            problems += verdict(world, label, f"party {party.pid}", wanted, found)
            if wanted.refused and found is not None:
                problems.append(f"seed {world.seed}: {label} for party {party.pid} was made, "
                                "but the party is not entitled: it must be refused")
            tally.add(f"e2e handout {phase} " + ("refused" if found is None else "given"))
        older = [i for i in world.agenda_items_of(case.cid) if i != world.latest(case.cid)]
        for item in older:
            target = folder / f"old-{world.seed}-{case.cid}.pdf"
            for party in world.parties:
                try:
                    handouts.export_handout(vault, case.number, party.pid, target,
                                            meeting_id=item.meeting_id)
                except refused:
                    tally.add("e2e handout for an older meeting refused")
                    continue
                problems.append(f"seed {world.seed}: a handout of case {case.number} for "
                                f"party {party.pid} was made for meeting {item.meeting_id}, "
                                "which is not the case's current meeting")
    for case in world.cases[:1]:
        batch_dir = folder / f"batch-{world.seed}-{case.cid}"
        batch_dir.mkdir()
        per_party = handout_passwords.PerRecipient()   # one password per recipient
        try:
            batch = handouts.export_handouts_for_invited(vault, case.number, batch_dir,
                                                         passwords=per_party)
        except refused:
            batch = None
        if batch is not None:
            issued = per_party.issued()
            for result in batch.exported:
                assert result.party_id is not None
                problems += verdict(world, f"batch handout of case {case.number}",
                                    f"party {result.party_id}",
                                    expect.handout(result.party_id, case),
                                    pdf_canaries(Path(result.path).read_bytes(),
                                                 issued[result.party_id]))
                tally.add("e2e batch handout given")
    # agendas
    export_agenda = _agenda_exporter()
    for meeting in world.meetings:
        for party in world.parties:
            wanted = agenda_either(expect, party.pid, meeting)
            out = folder / f"a-{world.seed}-{meeting.mid}-{party.pid}.pdf"
            try:
                export_agenda(vault, meeting.mid, party.pid, out)
                found = pdf_canaries(out.read_bytes())
            except refused:
                found = None
            label = f"agenda PDF of meeting {meeting.mid}"
            problems += verdict(world, label, f"party {party.pid}", wanted, found)
            if wanted.refused and found is not None:
                problems.append(f"seed {world.seed}: {label} for party {party.pid} was made, "
                                "but no case of it may be on that party's agenda")
            tally.add("e2e agenda " + ("refused" if found is None else "given"))
    # the meeting-room screen, as loaded from the vault
    for meeting in world.meetings:
        if not meeting.items:
            continue
        room = meeting_room.load_room(vault, meeting.mid)
        for item in meeting.items:
            wanted = expect.room_either(meeting, item)
            view = meeting_room.room_view(room, item.aid)
            label = f"room screen (vault) of meeting {meeting.mid}, agenda item {item.aid}"
            problems += verdict(world, label, "the room", wanted, canaries_in(view))
            if wanted.refused and view.summary is not None:
                problems.append(f"seed {world.seed}: {label} shows the case summary although "
                                "the screen must show nothing of the case")
            director = meeting_room.director_view(room, item.aid)
            got = getattr(director, "blockers", None)
            if got is not None and expect.is_latest(item):
                got_ids = {b.attendee_id for b in got}
                if got_ids != set(expect.blockers(meeting, item)):
                    problems.append(f"seed {world.seed}: director's screen ({label}) names "
                                    f"blockers {sorted(got_ids)}, expected "
                                    f"{sorted(expect.blockers(meeting, item))}")
            tally.add("e2e room " + ("blank" if wanted.refused else "shown"))
            blocking = expect.blockers(meeting, item) if expect.is_latest(item) else {}
            if blocking and meeting.started_at is not None:
                problems += _blockers_leave(world, vault, meeting, item, blocking, tally)
                room = meeting_room.load_room(vault, meeting.mid)
    # the director's case screen: every item, each marked with who may have it now
    from app.services import case_view

    world_pids = {p.pid for p in world.parties}
    for case in world.cases:
        if case.state is CaseState.DESTROYED:
            continue
        screen = case_view.open_case(vault, case.number)
        everything = {i.canary for i in case.items} | case.subject_canaries()
        problems += verdict(world, f"case screen of {case.number}", "the director",
                            Wanted(frozenset(everything), frozenset(everything)),
                            canaries_in(screen))
        by_id = {i.iid: i for i in case.items}
        for row in screen.items:
            item = by_id[row.item.id]
            may_have = {p for p in world_pids if expect.item_for_party(p, case, item)}
            pre = {p for p in world_pids if expect.entitled(p, case) and (
                p == item.source or (p in item.shared_with and item.pre_meeting_view))}
            if set(row.mark.may_have) & world_pids != may_have or \
                    set(row.mark.pre_meeting) & world_pids != pre:
                problems.append(
                    f"seed {world.seed}: the case screen of {case.number} marks item "
                    f"{item.iid} as for {sorted(set(row.mark.may_have) & world_pids)} (before "
                    f"the meeting {sorted(set(row.mark.pre_meeting) & world_pids)}), "
                    f"expected {sorted(may_have)} ({sorted(pre)})")
        tally.add("e2e case screen marks", len(screen.items))
    # the full plan: the process director's own file
    for case in world.cases:
        out = folder / f"p-{world.seed}-{case.cid}.pdf"
        try:
            handouts.export_plan(vault, case.number, out)
            found = pdf_canaries(out.read_bytes())
        except refused:
            found = None
        wanted = expect.director_all(case)
        if case.state is CaseState.DESTROYED:
            wanted = Wanted(wanted.may, frozenset())
        problems += verdict(world, f"plan PDF of case {case.number}", "the director", wanted,
                            found)
        tally.add("e2e plan PDF")
    return problems


# -- the roles without case substance: the information centre and the manager ---------------

#: service modules the sweep leaves out, and why
SWEEP_SKIPPED_MODULES = {
    "app.services.demo": "fills a demo vault (writes, no read of a case)",
    "app.services.demo_activity": "fills a demo vault",
    "app.services.synthetic": "generates synthetic cases for benchmarks",
    "app.services.seeding": "seeds a new vault",
}


def service_functions() -> list[tuple[str, Any]]:
    """Every public function of ``app.services`` that takes the open vault first: what any
    role can call. Found from the code, so a new read is swept as soon as it exists."""
    import importlib
    import inspect
    import pkgutil

    import app.services

    found: list[tuple[str, Any]] = []
    for info in pkgutil.iter_modules(app.services.__path__):
        name = f"app.services.{info.name}"
        if name in SWEEP_SKIPPED_MODULES:
            continue
        module = importlib.import_module(name)
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fname.startswith("_") or fn.__module__ != name:
                continue
            params = list(inspect.signature(fn).parameters)
            if params and params[0] == "vault":
                found.append((f"{name}.{fname}", fn))
    return sorted(found, key=lambda f: f[0])


def _sweep_arguments(world: World, folder: Any) -> dict[str, Any]:
    """Values for the parameters a service takes, by name: the richest case of the world."""
    case = max(world.cases, key=lambda c: (len(c.items) + len(c.actions),
                                           world.latest(c.cid) is not None))
    latest = world.latest(case.cid)
    meeting = (world.meeting(latest.meeting_id) if latest is not None
               else next((m for m in world.meetings), None))
    subject = case.subjects[0]
    return {
        "number_or_id": case.number, "number": case.number, "case_id": case.cid,
        "case": case.number, "version": 1, "protocol": case.protocol,
        "start": world.today - timedelta(days=400), "end": world.today + timedelta(days=1),
        "on": world.today, "party_ids": [p.pid for p in world.parties],
        "name": world.parties[0].short,
        "meeting_id": meeting.mid if meeting else 1,
        "item_id": latest.aid if latest else 1,
        "party_id": world.parties[0].pid, "subject_id": subject.sid,
        "year": world.today.year, "surname": subject.surname, "birth_date": subject.born,
        "out": folder / "sweep-out.pdf", "path": folder / "sweep-out.pdf",
        "out_dir": folder, "folder": folder, "csv_dir": folder,
    }


def _director_made(world: World, vault: Any, bank: dict[str, Any]) -> dict[str, Any]:
    """Values only the process director can make, that the swept role is then handed (a
    subject's match and reviewed draft, a loaded meeting room, a closure context)."""
    made: dict[str, Any] = {}
    try:
        from app.services.case_view import CopyField

        made["field"] = CopyField.ADDRESS
    except ImportError:
        pass
    try:
        from app.services import subject_access

        match = subject_access.find_subject(vault, surname=bank["surname"],
                                            birth_date=bank["birth_date"])
        made["match"] = match
        draft = subject_access.draft_subject_access(vault, match)
        made["draft"] = made["review"] = draft
    except Exception:  # noqa: BLE001  (an API in flux: the sweep goes on without)
        pass
    try:
        from app.services import meeting_room

        made["room"] = meeting_room.load_room(vault, bank["meeting_id"])
    except Exception:  # noqa: BLE001
        pass
    try:
        from app.services import closure

        made["context"] = closure.closure_context(vault, bank["case"])
    except Exception:  # noqa: BLE001
        pass
    return made


@dataclass
class SweepResult:
    refused: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)       # other error (bad arguments ...)
    skipped: list[str] = field(default_factory=list)      # a parameter we cannot fill


def sweep_role(world: World, vault: Any, role: Any, folder: Any,
               forbidden: set[str]) -> tuple[list[str], SweepResult]:
    """Call every service function as ``role``; nothing it answers or writes may hold a
    canary of ``forbidden``. Run it last on a vault: some calls write (what the role may)."""
    import inspect
    from pathlib import Path

    from app.domain.roles import Role
    from app.errors import CasuskamerError, PermissionDenied
    from tests.conftest import unlock_as

    folder = Path(folder) / f"sweep-{role.value}"
    folder.mkdir(exist_ok=True)
    bank = _sweep_arguments(world, folder)
    bank.update(_director_made(world, vault, bank))
    problems: list[str] = []
    result = SweepResult()
    # the role's own account (run_vaults adds one per role), unlocked beside the director's
    account = {Role.INFORMATION_CENTRE: CENTRE, Role.MANAGER: MANAGER}[role]
    vault = unlock_as(vault, role, account, passphrase=DIRECTOR_PASSPHRASE)
    try:
        for name, fn in service_functions():
            kwargs: dict[str, Any] = {}
            missing = False
            for pname, param in list(inspect.signature(fn).parameters.items())[1:]:
                if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                    continue
                if pname in bank:
                    kwargs[pname] = bank[pname]
                elif param.default is inspect.Parameter.empty:
                    missing = True
            if missing:
                result.skipped.append(name)
                continue
            try:
                answer = fn(vault, **kwargs)
                if isinstance(answer, Iterator):
                    answer = list(answer)
                if answer is vault:          # the session step hands back the vault given
                    answer = None            # (its engine's statement cache is no output)
            except PermissionDenied:
                result.refused.append(name)
                continue
            except (CasuskamerError, TypeError, ValueError, KeyError, AttributeError) as exc:
                result.failed.append(f"{name}: {type(exc).__name__}")
                continue
            result.answered.append(name)
            leaked = canaries_in(answer) & forbidden
            if leaked:
                problems.append(f"seed {world.seed}: LEAK {name} answers the {role.value} "
                                f"with {sorted(leaked)}")
    finally:
        vault.lock(audit_it=False)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found = (pdf_canaries(data) if data.startswith(b"%PDF")
                     else canaries_in_text(data.decode("utf-8", "replace")))
            if found & forbidden:
                problems.append(f"seed {world.seed}: LEAK the {role.value} wrote {path.name} "
                                f"holding {sorted(found & forbidden)}")
    return problems, result


def check_figures(world: World, vault: Any, folder: Any) -> list[str]:
    """The figures, the annual report and its CSV tables hold no canary."""
    from pathlib import Path

    from app.services import figures

    problems: list[str] = []
    year = world.today.year
    shown = figures.figures_for_display(vault, year)
    leaked = canaries_in(shown) | canaries_in(figures.compute(vault, year))
    csv_dir = Path(folder) / f"csv-{world.seed}"
    csv_dir.mkdir()
    out = Path(folder) / f"report-{world.seed}.pdf"
    figures.export_annual_report(vault, year, out, csv_dir=csv_dir)
    leaked |= pdf_canaries(out.read_bytes())
    for path in csv_dir.iterdir():
        leaked |= canaries_in_text(path.read_text(encoding="utf-8"))
    if leaked:
        problems.append(f"seed {world.seed}: LEAK the figures hold {sorted(leaked)}")
    problems += small_counts_shown(shown)
    return problems


def small_counts_shown(shown: Iterable[Any]) -> list[str]:
    """Counts of cases below 5 show as "< 5" (the manager sees figures only, never a number
    that could single a family out). Not counts of cases: the meetings held per month, the
    actions (hidden as a whole below five closed cases) and lead times in days."""
    problems: list[str] = []
    for figure in shown:
        if figure.key == "actions":
            continue
        for n, series in enumerate(figure.series):
            if figure.key == "meetings" and n == 0:
                continue
            for value in (*series.values, *figure.totals):
                if value.unit or value.suppressed or value.number is None:
                    continue
                if 0 < value.number < 5:
                    problems.append(f"LEAK the figure {figure.key} ({series.name}) shows a "
                                    f"count of {value.number} cases")
    return problems


# -- subject access: the draft, the director's review, the PDF --------------------------------

def review_choices(world: World, case: WCase, subject: WSubject
                   ) -> dict[int, tuple[str, str]]:
    """The director's decision for each item of ``subject`` that needs review, drawn from
    the seed: item id -> (include | redact | withhold, the redacted text's canary)."""
    rng = random.Random(world.seed * 7919 + subject.sid)
    found: dict[int, tuple[str, str]] = {}
    for n, item in enumerate(case.items):
        choice = rng.choice(["include", "redact", "withhold"])
        found[item.iid] = (choice, canary(world.seed, "r", 500 + (subject.sid * 31 + n) % 499)
                           if choice == "redact" else "")
    return found


def check_subject_access(world: World, vault: Any, folder: Any, tally: Tally,
                         subjects_per_case: int = 2) -> list[str]:
    """For each subject (of each case): the draft holds exactly the items that concern the
    subject, flagged exactly where the covenant and the AVG ask for review; no PDF without a
    review; the PDF of the reviewed draft holds what the review says and nothing else."""
    from pathlib import Path

    from app.errors import CasuskamerError, NotFound
    from app.services import subject_access as sa

    folder = Path(folder)
    problems: list[str] = []
    expect = Expect(world)
    for case in world.cases:
        for subject in case.subjects[:subjects_per_case]:
            who = f"subject {subject.sid} of case {case.number}"
            try:
                match = sa.find_subject(vault, surname=subject.surname,
                                        birth_date=subject.born)
            except NotFound:
                if case.state is not CaseState.DESTROYED:
                    problems.append(f"seed {world.seed}: {who} is not found")
                tally.add("e2e subject access: destroyed case not found")
                continue
            if case.state is CaseState.DESTROYED:
                problems.append(f"seed {world.seed}: {who} is found in a destroyed case")
                continue
            draft = sa.draft_subject_access(vault, match)
            concerning = {i.iid: i for i in case.items
                          if i.concerns is None or subject.sid in i.concerns}
            got_ids = {d.item_id for d in draft.items}
            if got_ids != set(concerning):
                problems.append(f"seed {world.seed}: the draft for {who} holds items "
                                f"{sorted(got_ids)}, expected {sorted(concerning)}")
            draft_canaries = canaries_in(draft)
            allowed = {i.canary for i in concerning.values()} | {subject.surname}
            if draft_canaries - allowed:
                problems.append(f"seed {world.seed}: LEAK the draft for {who} holds "
                                f"{sorted(draft_canaries - allowed)}")
            for entry in draft.items:
                item = concerning.get(entry.item_id)
                if item is not None and bool(entry.flags) != expect.needs_review(
                        case, subject, item):
                    problems.append(f"seed {world.seed}: the draft for {who} marks item "
                                    f"{item.iid} for review: {bool(entry.flags)}, expected "
                                    f"{expect.needs_review(case, subject, item)}")
            out = folder / f"sa-{world.seed}-{subject.sid}.pdf"
            if any(d.flags for d in draft.items):
                try:
                    sa.export_subject_access(vault, out, draft, match=match)
                    problems.append(f"seed {world.seed}: a subject-access PDF for {who} was "
                                    "made with marked items undecided")
                except CasuskamerError:
                    tally.add("e2e subject access: unreviewed refused")
                if out.exists():
                    problems.append(f"seed {world.seed}: a refused subject-access PDF left "
                                    "a file")
                    out.unlink()
            review = review_choices(world, case, subject)
            reviewed = draft
            for entry in draft.items:
                if not entry.flags:
                    continue
                choice, redacted = review[entry.item_id]
                decision = (sa.ItemDecision(sa.Choice.INCLUDE) if choice == "include" else
                            sa.ItemDecision(sa.Choice.REDACT, f"Geschoond {redacted}")
                            if choice == "redact" else
                            sa.ItemDecision(sa.Choice.WITHHOLD,
                                            ground=sa.Ground.RIGHTS_OF_OTHERS))
                reviewed = reviewed.decide(entry.item_id, decision)
            sa.export_subject_access(vault, out, reviewed, match=match)
            wanted = expect.subject_access(case, subject, review)
            problems += verdict(world, "subject-access PDF", who, wanted,
                                pdf_canaries(out.read_bytes()))
            tally.add("e2e subject access PDF")
            tally.add("e2e subject access items decided",
                      sum(1 for d in draft.items if d.flags))
    return problems


# -- what the leak test covers: every output, found from the code ------------------------------

#: Every module of ``app/export`` and what checks its output (or why nothing needs to).
EXPORT_MODULES = {
    "app.export.agenda_pdf": "agenda PDF per party: check_vault (app.services.agenda) and "
                             "check_cli (export agenda)",
    "app.export.annual_report": "annual report PDF and CSV: check_figures, check_cli (report)",
    "app.export.bijlage1": "exempt: a party's accession form (Bijlage 1), no case data",
    "app.export.fonts": "exempt: fonts and styles, no content",
    "app.export.handout": "handouts: check_handouts_pure (compose), check_vault and "
                          "check_cli (export handout / handouts)",
    "app.export.pdf": "exempt: the PDF layer every document goes through",
    "app.export.plan_pdf": "full plan (director): check_vault, check_cli (export plan); its "
                           "sections are in every handout",
    "app.export.subject_access_pdf": "subject-access PDF: check_subject_access, check_cli "
                                     "(export subject)",
    "app.export.receipt_pdf": "receipt and triage outcome to the referring party: "
                              "check_referrer_outputs",
}

#: Every function of ``app/export`` and ``app/services`` that makes a document or a file
#: (``render*``, ``build*``, ``export*``, ``write*``, ``compose``, ``csv*``, ``*story``,
#: ``*_pdf``), and where it
#: is checked. A new one fails ``test_every_output_is_covered`` until it is added here (and
#: to the world).
OUTPUT_FUNCTIONS = {
    "app.export.agenda_pdf.render_agenda": "check_vault (agenda), check_cli",
    "app.export.agenda_pdf.story": "check_vault (agenda)",
    "app.export.annual_report.build_annual_report": "check_figures, check_cli (report)",
    "app.export.annual_report.csv_text": "check_figures, check_cli (report --csv)",
    "app.export.annual_report.export_annual_report": "check_figures, check_cli (report)",
    "app.export.annual_report.story": "check_figures",
    "app.export.annual_report.write_csv": "check_figures, check_cli (report --csv)",
    "app.export.bijlage1.bijlage1_pdf": "exempt: no case data",
    "app.export.bijlage1.write_bijlage1": "exempt: no case data",
    "app.export.handout.build_handout": "check_vault (same story as render_handout)",
    "app.export.handout.compose": "check_handouts_pure",
    "app.export.handout.handout_story": "check_vault",
    "app.export.handout.render_handout": "check_vault, check_cli",
    "app.export.pdf.build_pdf": "the layer under every document",
    "app.export.pdf.write_atomically": "the layer under every document",
    "app.export.pdf.render": "the layer under every document",
    "app.export.plan_pdf.build_full_plan": "check_vault (same story as render_full_plan)",
    "app.export.plan_pdf.full_plan_story": "check_vault",
    "app.export.plan_pdf.render_full_plan": "check_vault, check_cli (export plan)",
    "app.export.subject_access_pdf.build_story": "check_subject_access",
    "app.export.subject_access_pdf.render_subject_access": "check_subject_access, check_cli",
    "app.services.agenda.export_agenda": "check_vault, check_cli",
    "app.services.audit_log.export": "check_audit_log, check_cli (audit)",
    "app.services.demo.build_demo_vault": "exempt: makes a demo vault",
    "app.services.demo_activity.plan_story": "exempt: the demo's made-up plan texts",
    "app.services.figures.export_annual_report": "check_figures, check_cli (report)",
    "app.services.handouts.export_handout": "check_vault, check_cli",
    "app.services.handouts.export_handouts": "check_vault (through "
                                             "export_handouts_for_invited)",
    "app.services.handouts.export_handouts_for_invited": "check_vault, check_cli",
    "app.services.handouts.export_plan": "check_vault, check_cli",
    "app.services.parties.export_bijlage1": "exempt: no case data",
    "app.services.subject_access.build_draft": "check_subject_access (draft)",
    "app.services.subject_access.build_report": "check_subject_access",
    "app.services.subject_access.export_subject_access": "check_subject_access, check_cli",
    "app.services.subject_access.write_draft": "check_cli (export subject --draft)",
    "app.export.receipt_pdf.receipt_story": "check_referrer_outputs (receipt)",
    "app.export.receipt_pdf.render_receipt": "check_referrer_outputs (receipt)",
    "app.export.receipt_pdf.triage_outcome_story": "check_referrer_outputs (triage outcome)",
    "app.export.receipt_pdf.render_triage_outcome": "check_referrer_outputs (triage outcome)",
    "app.services.referral_receipts.export_receipt": "check_referrer_outputs",
    "app.services.referral_receipts.export_triage_outcome": "check_referrer_outputs",
    "app.services.handout_passwords.write_passwords_file": (
        "exempt: party names, file names and the batch's passwords, no case data "
        "(tests/unit/test_handout_passwords.py)"),
    "app.services.meetings.write_invitations": "exempt: writes invitation rows into the "
                                               "vault, no file or document",
}

OUTPUT_PREFIXES = ("render", "build", "export", "write", "compose", "story", "csv")
OUTPUT_SUFFIXES = ("_story", "_pdf")

#: Every command of the command line and what checks it (or why nothing needs to).
CLI_COMMANDS = {
    "init": "exempt: makes a new, empty vault",
    "verify": "exempt: integrity results only (no case data)",
    "backup": "exempt: an encrypted copy of the vault (searched raw by test_canary_session)",
    "restore": "exempt: restores a backup",
    "demo": "exempt: fills a demo vault",
    "upgrade": "exempt: the house server's schema version, no case data",
    "migrate": "exempt: prints counts, account names and one-time passphrases, no case data "
               "(the copy reaches the server sealed: tests/unit/test_pg_move_vault.py)",
    "users add": "exempt: accounts only",
    "users passwd": "exempt: accounts only",
    "users revoke": "exempt: accounts only",
    "users rekey": "exempt: the vault's keys, no case data",
    "users list": "exempt: accounts only",
    "parties list": "check_cli: the table and --json hold no canary",
    "import": "exempt: input (the import's terms: issue 16 point 7, its own tests)",
    "export handout": "check_cli: entitled and refused parties, PDF read back",
    "export handouts": "check_cli: each PDF read back",
    "export plan": "check_cli: the director's full plan",
    "export agenda": "check_cli: a party's agenda, PDF read back",
    "export subject": "check_cli: --draft, the file decided, --review --out, PDF read back",
    "export receipt": "check_referrer_outputs: the service the command calls, every party "
                      "of every case, PDF read back",
    "export triage-outcome": "check_referrer_outputs: the service the command calls, every "
                             "party of every case, PDF read back",
    "purge": "exempt: destroys due cases (prints case numbers only)",
    "report": "check_cli: the annual report PDF and its CSV",
    "audit": "check_cli: the audit log as JSON holds no canary (and check_audit_log reads "
             "every row)",
    "config": "exempt: settings; the audit rows it forwards to a central log are the audit "
              "log's rows without their detail, which check_audit_log reads whole",
    "cases list": "check_cli: the information centre's and the manager's --json and table "
                  "hold no canary (initials only); the director's lists every case",
    "cases show": "check_cli: refused to the information centre and the manager",
    "meetings list": "check_cli: the information centre's --json holds no canary",
    "meetings show": "check_cli: every meeting as the information centre, no canary",
    "disclosures": "check_cli: the information centre's --json holds no canary",
    "gui": "exempt: starts the desktop program (its screens: the services they call)",
}


#: Every screen module (``ui/``) that uses the sharing policy or the export layer directly,
#: and why that is no output of its own: every other screen gets what it shows from the
#: services (checked above through them). A new one fails ``test_every_output_is_covered``.
UI_DIRECT_USES = {
    "ui/plan/handouts_dialog.py": "the handout dialog: password rules and the phase's "
                                  "words from app.export; the handouts themselves come "
                                  "from app.services.handouts (check_vault)",
    "ui/triage/wizard.py": "the director's triage preview: who_may_see marks for the "
                           "invitees being chosen (the director's own screen)",
    "ui/figures/screen.py": "the figures screen writes the annual report through "
                            "app.export.annual_report.export_annual_report, the function "
                            "'casuskamer report' calls, which the world covers (counts only)",
}


def ui_direct_uses() -> list[str]:
    """The ui modules that import ``app.sharing`` or ``app.export`` themselves."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    pattern = re.compile(r"^\s*(from|import)\s+app\.(sharing|export)\b", re.MULTILINE)
    return sorted(str(path.relative_to(root)) for path in (root / "ui").rglob("*.py")
                  if pattern.search(path.read_text(encoding="utf-8")))


def export_modules() -> list[str]:
    import pkgutil

    import app.export

    return sorted(f"app.export.{m.name}" for m in pkgutil.iter_modules(app.export.__path__))


def output_functions() -> list[str]:
    """Every public function of app/export and app/services whose name says it makes a
    document or file."""
    import importlib
    import inspect
    import pkgutil

    import app.export
    import app.services

    found: list[str] = []
    for package in (app.export, app.services):
        for info in pkgutil.iter_modules(package.__path__):
            name = f"{package.__name__}.{info.name}"
            module = importlib.import_module(name)
            for fname, fn in inspect.getmembers(module, inspect.isfunction):
                if fn.__module__ == name and not fname.startswith("_") and (
                        fname.startswith(OUTPUT_PREFIXES)
                                              or fname.endswith(OUTPUT_SUFFIXES)):
                    found.append(f"{name}.{fname}")
    return sorted(found)


def cli_commands() -> list[str]:
    import argparse

    from app.cli import build_parser

    def walk(parser: argparse.ArgumentParser, prefix: tuple[str, ...]) -> Iterator[str]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, (*prefix, name))
                return
        yield " ".join(prefix)

    return sorted(walk(build_parser(), ()))


# -- the audit log and the command line ---------------------------------------------------------

def check_audit_log(world_canaries: set[str], vault: Any) -> list[str]:
    """Every text of every audit row: no canary (the log holds ids and numbers only)."""
    from sqlalchemy import select

    from app.store.tables import audit_log

    with vault.read() as conn:
        rows = conn.execute(select(audit_log)).all()
    text = "\n".join(str(v) for row in rows for v in row)
    leaked = canaries_in_text(text) & world_canaries
    return [f"LEAK the audit log holds {sorted(leaked)}"] if leaked else []


def run_cli(argv: list[str], passphrase: str) -> tuple[int, str]:
    """``casuskamer argv`` in this process; (exit code, standard output and error)."""
    import contextlib
    import io
    import os

    from app.cli import main

    out = io.StringIO()
    saved = os.environ.get("CASUSKAMER_PASSPHRASE")
    os.environ["CASUSKAMER_PASSPHRASE"] = passphrase
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main(["--lang", "nl", *argv])
    finally:
        if saved is None:
            os.environ.pop("CASUSKAMER_PASSPHRASE", None)
        else:
            os.environ["CASUSKAMER_PASSPHRASE"] = saved
        from app.i18n import set_language
        set_language("nl")
    return code, out.getvalue()


def _check_read_commands(world: World, base: list[str], accounts: Mapping[str, str],
                         tally: Tally, all_canaries: set[str]) -> list[str]:
    """The read commands (issue 19) as the roles without case substance: the information
    centre gets the register and the logistics with no canary, the manager nothing; the
    case in full (``cases show``) is refused to both."""
    import json

    problems: list[str] = []

    def json_of(text: str) -> Any:
        """The JSON document in the output (stderr may carry account notices first)."""
        return json.loads(text[text.index("\n{") + 1:] if not text.startswith("{")
                          else text)

    director, director_pass = accounts["director"].split(":", 1)
    code, text = run_cli(["cases", "list", *base, "--account", director, "--json"],
                         director_pass)
    numbers = [c["number"] for c in json_of(text)["cases"]] if code == 0 else []
    if code != 0 or not numbers:
        problems.append(f"seed {world.seed}: the director's `cases list --json` exit {code}")
    for role in ("centre", "manager"):
        if role not in accounts:
            continue
        name, passphrase = accounts[role].split(":", 1)
        who = [*base, "--account", name]
        runs = [["cases", "list", *who, "--json"], ["cases", "list", *who],
                ["meetings", "list", *who, "--json"], ["disclosures", *who, "--json"]]
        code, text = run_cli(["meetings", "list", *who, "--json"], passphrase)
        if code == 0:
            runs += [["meetings", "show", str(m["id"]), *who, "--json"]
                     for m in json.loads(text)["meetings"]]
        for argv in runs:
            code, text = run_cli(argv, passphrase)
            leaked = canaries_in_text(text) & all_canaries
            if leaked:
                problems.append(f"seed {world.seed}: LEAK `{' '.join(argv[:2])}` as the "
                                f"{role} prints {sorted(leaked)}")
            if role == "manager" and code != 2:
                problems.append(f"seed {world.seed}: the manager's `{' '.join(argv[:2])}` "
                                f"exit {code}, not refused")
            tally.add(f"cli read as {role}")
        for number in numbers[:3]:
            code, text = run_cli(["cases", "show", number, *who, "--json"], passphrase)
            if code != 2 or canaries_in_text(text) & all_canaries:
                problems.append(f"seed {world.seed}: `cases show` as the {role}: exit {code}")
    return problems


def check_cli(world: World, vault_dir: Any, folder: Any, accounts: Mapping[str, str],
              tally: Tally, all_canaries: set[str]) -> list[str]:
    """The command line on a locked vault that holds ``world``: ``accounts`` maps
    "admin", "director" to "name:passphrase"."""
    import json
    from pathlib import Path

    folder = Path(folder) / f"cli-{world.seed}"
    folder.mkdir()
    problems: list[str] = []
    expect = Expect(world)
    admin, admin_pass = accounts["admin"].split(":", 1)
    director, director_pass = accounts["director"].split(":", 1)
    base = ["--vault", str(vault_dir)]
    as_director = [*base, "--account", director]
    problems += _check_read_commands(world, base, accounts, tally, all_canaries)

    def no_canaries(label: str, text: str) -> None:
        leaked = canaries_in_text(text) & all_canaries
        if leaked:
            problems.append(f"seed {world.seed}: LEAK `{label}` prints {sorted(leaked)}")

    # reads that hold no case data at all
    for label, argv in (("parties list --json", ["parties", "list", *base, "--json"]),
                        ("parties list", ["parties", "list", *base])):
        code, text = run_cli(argv, admin_pass)
        if label == "parties list --json" and code == 0:
            rows = json.loads(text)
            mine = {r["id"] for r in rows} & {p.pid for p in world.parties}
            if mine != {p.pid for p in world.parties}:
                problems.append(f"seed {world.seed}: `parties list --json` misses parties")
        no_canaries(label, text)
        tally.add("cli read")
    code, text = run_cli(["audit", *base, "--format", "json"], admin_pass)
    no_canaries("audit --format json", text)
    report = folder / "report.pdf"
    code, text = run_cli(["report", *base, "--year", str(world.today.year), "--out",
                          str(report), "--csv", str(folder)], admin_pass)
    no_canaries("report", text)
    if code == 0:
        no_canaries("report PDF", "\n".join(sorted(pdf_canaries(report.read_bytes()))))
        for csv_file in folder.glob("*.csv"):
            no_canaries("report CSV", csv_file.read_text(encoding="utf-8"))
    # handouts, one party at a time, for every party of the case with the most on it
    case = max(world.cases, key=lambda c: sum(expect.entitled(p.pid, c)
                                              for p in world.parties))
    for party in world.parties:
        out = folder / f"h-{party.pid}.pdf"
        code, text = run_cli(["export", "handout", *as_director, "--case", case.number,
                              "--party", party.short, "--out", str(out), "--no-password"],
                             director_pass)
        found = pdf_canaries(out.read_bytes()) if code == 0 else None
        if code not in (0, 2):
            problems.append(f"seed {world.seed}: `export handout` exit {code}: {text}")
        problems += verdict(world, f"`export handout` of case {case.number}",
                            f"party {party.pid}", expect.handout(party.pid, case), found)
        no_canaries("export handout (its messages)", text)
        tally.add("cli handout " + ("refused" if found is None else "given"))
    out_dir = folder / "batch"
    out_dir.mkdir()
    # unprotected (explicitly: protection is the default), so the leak check can read them
    code, text = run_cli(["export", "handouts", *as_director, "--case", case.number,
                          "--out-dir", str(out_dir), "--no-password"], director_pass)
    no_canaries("export handouts (its messages)", text)
    short_to_pid = {p.short: p.pid for p in world.parties}
    for pdf_file in out_dir.glob("*.pdf"):
        pid = next(pid for short, pid in short_to_pid.items()
                   if pdf_file.stem.endswith("_" + short.replace("_", "-")) or
                   pdf_file.stem.endswith("_" + short))
        problems += verdict(world, f"`export handouts` of case {case.number}",
                            f"party {pid}", expect.handout(pid, case),
                            pdf_canaries(pdf_file.read_bytes()))
        tally.add("cli batch handout")
    # the plan
    out = folder / "plan.pdf"
    code, text = run_cli(["export", "plan", *as_director, "--case", case.number, "--out",
                          str(out)], director_pass)
    if code == 0:
        problems += verdict(world, f"`export plan` of case {case.number}", "the director",
                            expect.director_all(case), pdf_canaries(out.read_bytes()))
    # agendas (of the meeting with the most cases)
    for meeting in sorted(world.meetings, key=lambda m: -len(m.items))[:1]:
        for party in world.parties:
            out = folder / f"a-{meeting.mid}-{party.pid}.pdf"
            code, text = run_cli(["export", "agenda", *as_director, "--meeting",
                                  str(meeting.mid), "--party", party.short, "--out", str(out)],
                                 director_pass)
            found = pdf_canaries(out.read_bytes()) if code == 0 else None
            problems += verdict(world, f"`export agenda` of meeting {meeting.mid}",
                                f"party {party.pid}", agenda_either(expect, party.pid, meeting),
                                found)
            no_canaries("export agenda (its messages)", text)
            tally.add("cli agenda " + ("refused" if found is None else "given"))
    # subject access: --draft, decide in the file, --review --out
    problems += _cli_subject_access(world, expect, as_director, director_pass, folder, tally,
                                    no_canaries)
    return problems


def _cli_subject_access(world: World, expect: Expect, as_director: list[str],
                        passphrase: str, folder: Any, tally: Tally, no_canaries: Any
                        ) -> list[str]:
    import json

    problems: list[str] = []
    case = next((c for c in world.cases if c.state is not CaseState.DESTROYED and c.items),
                None)
    if case is None:
        return problems
    subject = case.subjects[0]
    who = ["--surname", subject.surname, "--birth-date", subject.born.isoformat()]
    review_file = folder / "review.json"
    code, text = run_cli(["export", "subject", *as_director, *who, "--draft",
                          str(review_file)], passphrase)
    if code != 0:
        return [f"seed {world.seed}: `export subject --draft` exit {code}: {text}"]
    no_canaries("export subject --draft (its messages)", text)
    body = json.loads(review_file.read_text(encoding="utf-8"))
    out = folder / "subject.pdf"
    flagged = [e for e in body["items"] if e.get("review")]
    if flagged:
        code, text = run_cli(["export", "subject", *as_director, *who, "--review",
                              str(review_file), "--out", str(out)], passphrase)
        if code == 0 or out.exists():
            problems.append(f"seed {world.seed}: `export subject --review` made a PDF from "
                            "an undecided review file")
    review = review_choices(world, case, subject)
    for entry in body["items"]:
        if not entry.get("review"):
            continue
        choice, redacted = review[entry["item"]]
        entry["decision"] = choice
        if choice == "redact":
            entry["redacted_text"] = f"Geschoond {redacted}"
        if choice == "withhold":
            entry["ground"] = "avg_15_4"
    review_file.write_text(json.dumps(body), encoding="utf-8")
    code, text = run_cli(["export", "subject", *as_director, *who, "--review",
                          str(review_file), "--out", str(out)], passphrase)
    found = pdf_canaries(out.read_bytes()) if code == 0 else None
    problems += verdict(world, "`export subject --review`", f"subject {subject.sid}",
                        expect.subject_access(case, subject, review), found)
    no_canaries("export subject --review (its messages)", text)
    tally.add("cli subject access PDF")
    return problems


# -- the two runs -------------------------------------------------------------------------------

ADMIN = "beheerder"
ADMIN_PASSPHRASE = "correct paard batterij nietje"
DIRECTOR = "regisseur"
DIRECTOR_PASSPHRASE = "regisseur paard batterij nietje"
CENTRE, MANAGER = "informatiecentrum", "manager"


def run_pure(seeds: Iterable[int], tally: Tally) -> list[str]:
    problems: list[str] = []
    for seed in seeds:
        world = generate(seed)
        found = check_pure(world, tally)
        tally.add("worlds (pure)")
        if found:
            problems += found + [world.describe()]
    return problems


def run_vaults(seeds: list[int], folder: Any, tally: Tally, *, per_vault: int = 10,
               subjects_per_case: int = 1, cli: bool = True) -> list[str]:
    """The end-to-end run: ``per_vault`` worlds written into each new vault, every output
    made through the services and read back; then, per vault, the figures, the audit log,
    the information centre's and the manager's sweep over every service, and the command
    line on the vault's first world."""
    from pathlib import Path

    from app.domain.roles import Role
    from app.services import accounts, session
    from app.vault.keyslots import KdfParams
    from app.vault.vault import Vault
    from tests.conftest import unlock_as

    folder = Path(folder)
    problems: list[str] = []
    for start in range(0, len(seeds), per_vault):
        batch = seeds[start:start + per_vault]
        vault_dir = folder / f"vault-{start}"
        out = folder / f"out-{start}"
        out.mkdir(parents=True)
        vault = admin = Vault.create(vault_dir, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
        session.after_unlock(vault, created=True)  # its seed data
        try:
            accounts.add_account(vault, DIRECTOR, Role.PROCESS_DIRECTOR, DIRECTOR_PASSPHRASE,
                                 kdf=KdfParams())
            accounts.add_account(vault, CENTRE, Role.INFORMATION_CENTRE, DIRECTOR_PASSPHRASE,
                                 kdf=KdfParams())
            accounts.add_account(vault, MANAGER, Role.MANAGER, DIRECTOR_PASSPHRASE,
                                 kdf=KdfParams())
            # the director works on, in a session of their own that holds the folder
            vault = unlock_as(admin, Role.PROCESS_DIRECTOR, DIRECTOR,
                              passphrase=DIRECTOR_PASSPHRASE, hold_folder=True)
            worlds: list[World] = []
            for slot, seed in enumerate(batch):
                world = vault_world(seed, datetime.now(), slot)
                worlds.append(world)
                write_world(world, vault)
                found = check_vault(world, vault, out, tally)
                found += check_subject_access(world, vault, out, tally, subjects_per_case)
                found += check_referrer_outputs(world, vault, out, tally)
                tally.add("worlds (vault)")
                if found:
                    problems += found + [world.describe()]
            canaries = set().union(*(w.all_canaries() for w in worlds))
            problems += check_figures(worlds[0], vault, out)
            problems += check_audit_log(canaries, vault)
            for role in (Role.INFORMATION_CENTRE, Role.MANAGER):
                found, swept = sweep_role(worlds[0], vault, role, out, canaries)
                problems += found
                tally.add(f"{role.value}: services refused", len(swept.refused))
                tally.add(f"{role.value}: services answered", len(swept.answered))
        finally:
            vault.lock(audit_it=False)
            admin.lock(audit_it=False)
        if cli:
            problems += check_cli(worlds[0], vault_dir, out,
                                  {"admin": f"{ADMIN}:{ADMIN_PASSPHRASE}",
                                   "director": f"{DIRECTOR}:{DIRECTOR_PASSPHRASE}",
                                   "centre": f"{CENTRE}:{DIRECTOR_PASSPHRASE}",
                                   "manager": f"{MANAGER}:{DIRECTOR_PASSPHRASE}"},
                                  tally, canaries)
    return problems
