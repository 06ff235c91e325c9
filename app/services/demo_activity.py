"""A few years of realistic synthetic activity for ``casuskamer demo``: referrals that went
through intake (accepted or declined), triage (parties asked, routed to a case meeting or
elsewhere), case meetings (agendas, invitations, attendance with the confidentiality
statement, minutes), plans of action (goals, actions per party with due dates, some done
late), closures, and the destruction of cases whose retention period has passed. So every
screen, and the figures for the Stuurgroep, can be tried.

:func:`fill` is what ``casuskamer demo`` calls. It is deterministic for a seed (the same
cases, dates and meetings; only the random plan keys differ), and fast: each case's story is
planned in plain Python from its referral date, and everything is written with
``executemany`` in large batches (``app.store.demo_rows.insert_tuples``), ``CHUNK`` cases per
transaction, so 100,000 cases take a couple of minutes and flat memory.

Every person in it is invented. Allowed to the administrator (who fills the demo vault but
cannot read the cases afterwards).
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table

from app.domain.closure import Outcome
from app.domain.lifecycle import CaseState
from app.domain.meetings import place_key
from app.domain.parties import MembershipPeriod
from app.domain.protocols import Protocol
from app.domain.retention import DEFAULT_MONTHS, add_months
from app.domain.roles import Permission
from app.errors import ValidationError
from app.i18n import _
from app.services import cases as case_store
from app.services import demo_producer
from app.services import parties as party_service
from app.services import synthetic
from app.store import cases as case_repo
from app.store import demo_rows
from app.store.meeting_tables import (
    agenda_items,
    attendees,
    invitations,
    meetings,
    minutes_entries,
)
from app.store.plan_tables import plan_actions, plan_goals, plan_versions, plans
from app.store.retention_tables import case_closures, case_tombstones
from app.store.triage_tables import routing_decisions, routing_invitees, triage_queries
from app.vault.vault import OpenVault
from app.vault.access import entry_point

#: Cases per transaction.
CHUNK = 10_000
#: The account the demo's case work is recorded under.
DIRECTOR = "procesregisseur"

#: Parties that also take part in the two narrower protocols (from the demo's first day).
NARROW_PROTOCOL_PARTIES = {
    Protocol.RADICALISERING: ("Den Haag", "Politie regionale eenheid Den Haag",
                              "Openbaar Ministerie", "Reclassering Nederland",
                              "Parnassia Groep"),
    Protocol.JEUGDGROEPEN: ("Den Haag", "Delft", "Zoetermeer",
                            "Politie regionale eenheid Den Haag", "Openbaar Ministerie",
                            "Raad voor de kinderbescherming",
                            "Stichting Jeugdbescherming west Haaglanden"),
}
#: How often each protocol occurs (most cases fall under Integrale Veiligheid).
PROTOCOL_WEIGHTS = ((Protocol.INTEGRALE_VEILIGHEID, 8), (Protocol.RADICALISERING, 1),
                    (Protocol.JEUGDGROEPEN, 2))

_ROOMS = ("Vergaderzaal Hoefkade", "Vergaderzaal Spui", "Zaal Laakkwartier",
          "Zaal Transvaal", "Zaal Schilderswijk", "Zaal Moerwijk")
_TIMES = (time(9, 0), time(11, 0), time(13, 30), time(15, 30))
#: Agenda items per meeting.
ITEMS_PER_MEETING = 8
_CHAIRS = ("Marieke Verhoeven", "Youssef El Idrissi", "Sanne de Groot", "Rajesh Biharie")
_PROFESSIONALS = ("Anouk Bakker", "Mehmet Yılmaz", "Naima Benali", "Thijs Mulder",
                  "Iwan Pinas", "Femke Visser", "Zofia Kamińska", "Bilal Azzouzi",
                  "Ingrid Doelwijt", "Jeroen Kok", "Hodan Warsame", "Lotte van Dijk")
_FUNCTIONS = ("wijkagent", "casemanager", "jeugdbeschermer", "reclasseringswerker",
              "beleidsmedewerker", "behandelaar", "officier van justitie")
_GOALS = ("Stabiele woonsituatie binnen drie maanden.",
          "Schulden in beeld en een bewindvoerder aangesteld.",
          "Behandeling hervat en medicatietrouw.",
          "Veiligheid van de kinderen geborgd.",
          "Geen nieuwe politiecontacten in het komende halfjaar.",
          "Dagbesteding of werk gevonden.")
_ACTIONS = ("Huisbezoek afleggen en de situatie in kaart brengen.",
            "Aanvraag beschermingsbewind indienen.",
            "Intake bij de ambulante GGZ plannen.",
            "Bijzondere voorwaarden toetsen en terugkoppelen.",
            "Contact leggen met de school over het verzuim.",
            "Urgentieaanvraag voor woonruimte indienen.",
            "Gesprek met het netwerk organiseren.")
_QUERY_ANSWERS = ("known", "known", "not_known", "declined")


#: Stored JSON the demo writes the same for many rows (made once; the same text).
_THEMES = json.dumps(["wonen", "veiligheid"])
_DECISION_TYPES = json.dumps(["judging"])
_CLOSURE_CRITERIA = {met: json.dumps([{"criterion": "Doelen bereikt en zorg belegd in het "
                                                    "reguliere netwerk.",
                                       "met": met, "note": ""}]) for met in (False, True)}
#: ``json.dumps(value, ensure_ascii=False)`` without making an encoder for each call
_snapshot_json = json.JSONEncoder(ensure_ascii=False).encode


class _Keys:
    """Random plan keys (16 hex digits, as ``secrets.token_hex(8)``), drawn from the
    system's random source a few thousand at a time instead of one call each."""

    def __init__(self) -> None:
        self._pool: list[str] = []

    def take(self) -> str:
        if not self._pool:
            drawn = secrets.token_hex(8 * 4096)
            self._pool = [drawn[i:i + 16] for i in range(0, len(drawn), 16)]
        return self._pool.pop()


def _dt(day: date, at: time = time(10, 0)) -> datetime:
    return datetime.combine(day, at)


def _ts(value: datetime | None) -> str | None:
    # the text SQLAlchemy stores ("%Y-%m-%d %H:%M:%S.%f"), from isoformat: a third of the
    # time of strftime, the same text for the naive times of these years
    return None if value is None else value.isoformat(" ", "microseconds")


def _d(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def meeting_day(earliest: date) -> date:
    """The first case-meeting day (Tuesday or Thursday) on or after ``earliest``."""
    day = earliest
    while day.weekday() not in (1, 3):
        day += timedelta(days=1)
    return day


@dataclass
class Story:
    """One case's course, planned from its referral date (plain values, no database)."""

    received: date
    intake_state: CaseState
    state: CaseState
    intake_started: datetime | None = None
    intake_decided: datetime | None = None
    triage_started: date | None = None
    triage_done: datetime | None = None
    routed_elsewhere: bool = False
    meeting_days: list[date] = field(default_factory=list)   # first, then follow-ups
    closed: date | None = None
    outcome: str | None = None
    destroyed: date | None = None

    @property
    def ended(self) -> date | None:
        if self.intake_state is CaseState.DECLINED and self.intake_decided:
            return self.intake_decided.date()
        if self.routed_elsewhere and self.triage_done:
            return self.triage_done.date()
        return self.closed


_OUTCOMES = [o.value for o in Outcome]


def plan_story(rng: random.Random, received: date, today: date,
               retention_months: int = DEFAULT_MONTHS) -> Story:
    """Where a case referred on ``received`` stands on ``today``, and the dates on the way."""
    # Most referrals are taken up within days; some wait (holidays, a busy week).
    wait = rng.randint(0, 4) if rng.random() < 0.75 else rng.randint(5, 25)
    started = received + timedelta(days=wait)
    decided = started + timedelta(days=rng.randint(2, 17))
    declined = rng.random() < 0.15
    routed = rng.random() < 0.18
    triage_days = rng.randint(5, 28)
    follow_ups = rng.choice((1, 1, 2, 2, 3))
    gaps = [rng.randint(35, 56) for _i in range(follow_ups)]
    close_after = rng.randint(7, 30)
    outcome = rng.choices(_OUTCOMES, (50, 30, 12, 8))[0]
    if started > today:
        return Story(received, CaseState.REFERRED, CaseState.REFERRED)
    story = Story(received, CaseState.INTAKE, CaseState.INTAKE,
                  intake_started=_dt(started, time(9, 30)))
    if decided > today:
        return story
    story.intake_decided = _dt(decided, time(15, 0))
    if declined:
        story.intake_state = story.state = CaseState.DECLINED
    else:
        story.intake_state = story.state = CaseState.TRIAGE
        story.triage_started = decided + timedelta(days=1)
        done = decided + timedelta(days=triage_days)
        if done <= today:
            story.triage_done = _dt(done, time(16, 0))
            if routed:
                story.routed_elsewhere = True
                story.state = CaseState.ROUTED_ELSEWHERE
                story.outcome = "routed_elsewhere"
            else:
                story.state = CaseState.SCHEDULED
                day = meeting_day(done + timedelta(days=5))
                story.meeting_days.append(day)
                for gap in gaps:
                    if day >= today:
                        break
                    day = meeting_day(day + timedelta(days=gap))
                    story.meeting_days.append(day)
                held = [d for d in story.meeting_days if d < today]
                if held:
                    story.state = CaseState.IN_PROGRESS
                    closing = held[-1] + timedelta(days=close_after)
                    if len(held) < len(story.meeting_days):
                        story.state = CaseState.SCHEDULED   # a follow-up is on the agenda
                    elif len(held) == follow_ups + 1 and closing <= today:
                        story.state = CaseState.CLOSED
                        story.closed = closing
                        story.outcome = outcome
    end = story.ended
    if end is not None and add_months(end, retention_months) <= today:
        story.destroyed = add_months(end, retention_months)
    return story


def _overrides(story: Story, first_meeting_at: datetime | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "state": (CaseState.DESTROYED if story.destroyed else story.state).value,
        "intake_started_at": story.intake_started,
        "triage_done_at": story.triage_done,
        "first_meeting_at": first_meeting_at,
        "closed_at": _dt(story.closed, time(14, 0)) if story.closed else None,
        "destroyed_at": _dt(story.destroyed, time(7, 0)) if story.destroyed else None,
        "outcome": story.outcome,
        "intake_decided_by": DIRECTOR if story.intake_decided else None,
        "updated_at": _dt(story.destroyed or story.closed or story.received),
    }
    if story.intake_decided:
        values["intake_decided_at"] = story.intake_decided
    if story.destroyed:
        values["_destroyed"] = True
    elif story.closed:
        values["_closed"] = True
    return values


@dataclass
class _Meetings:
    """Case meetings by day: agenda items fill meetings of ``ITEMS_PER_MEETING`` in the
    order they are booked, so a day gets as many meetings (times, then rooms) as it needs."""

    next_id: int
    today: date
    taken: set[tuple[str, str]]
    per_day: dict[date, int] = field(default_factory=dict)
    ids: dict[tuple[date, int], int] = field(default_factory=dict)
    starts: dict[int, datetime] = field(default_factory=dict)
    new_rows: list[tuple[Any, ...]] = field(default_factory=list)

    def book(self, day: date) -> tuple[int, int]:
        """(meeting id, position) of the next agenda item on ``day``."""
        n = self.per_day.get(day, 0)
        self.per_day[day] = n + 1
        index, position = divmod(n, ITEMS_PER_MEETING)
        key = (day, index)
        if key not in self.ids:
            slot = index
            while True:
                at = _dt(day, _TIMES[slot % len(_TIMES)])
                room = _ROOMS[(slot // len(_TIMES)) % len(_ROOMS)]
                if slot >= len(_TIMES) * len(_ROOMS):
                    room = f"{room} {slot // (len(_TIMES) * len(_ROOMS)) + 1}"
                if (_ts(at) or "", place_key(room)) not in self.taken:
                    break
                slot += 1
            self.taken.add((_ts(at) or "", place_key(room)))
            meeting_id = self.next_id
            self.next_id += 1
            self.ids[key] = meeting_id
            self.starts[meeting_id] = at
            held = day < self.today
            self.new_rows.append((
                meeting_id, _ts(at), room, place_key(room), _CHAIRS[index % len(_CHAIRS)],
                "finished" if held else "planned", _ts(at - timedelta(days=14)), DIRECTOR,
                _ts(at) if held else None, _ts(at + timedelta(hours=2)) if held else None))
        return self.ids[key], position


def _add_protocol_members(vault: OpenVault, start: date) -> None:
    """Let some parties take part in the two narrower protocols (once per vault)."""
    for party in party_service.list_parties(vault):
        wanted = [p for p, names in NARROW_PROTOCOL_PARTIES.items() if party.name in names]
        have = {m.protocol for m in party.memberships}
        missing = [p for p in wanted if p not in have]
        if not missing:
            continue
        since = max(start, party.active_from) if party.active_from else start
        periods = list(party.memberships) + [MembershipPeriod(p, since) for p in missing]
        party_service.set_memberships(vault, party.id, periods)


def _chunks_done(vault: OpenVault, seed: int) -> set[int]:
    """The chunks a demo run with ``seed`` wrote before."""
    with vault.read() as conn:
        return demo_rows.chunks_done(conn, seed)


def _members(vault: OpenVault) -> dict[Protocol, list[str]]:
    found: dict[Protocol, list[str]] = {p: [] for p in Protocol}
    for party in party_service.list_parties(vault):
        if party.name not in synthetic.DEFAULT_PARTIES:
            continue
        for m in party.memberships:
            found[m.protocol].append(party.name)
    return {p: sorted(set(names)) for p, names in found.items() if names}


@entry_point
def fill(vault: OpenVault, cases: int = 60, seed: int = 2019, today: date | None = None,
         years: int = 3) -> int:
    """Add ``cases`` synthetic cases with their activity since 1 January ``years`` years
    before ``today``; returns how many were added (none when this seed was used before)."""
    vault.require(Permission.MANAGE_SETTINGS, "demo", "-")
    # the administrator's role holds no case table on the house server: no made-up activity
    # there (SERVER_NEEDS: @entry_point refuses it before the server would)
    today = today or date.today()
    start = date(today.year - years, 1, 1)
    _add_protocol_members(vault, start)
    members = _members(vault)
    protocols = [p for p, w in PROTOCOL_WEIGHTS if p in members for _i in range(w)]
    ids_by_name = {p.name: p.id for p in party_service.list_parties(vault)}
    party_ids = {p: [ids_by_name[n] for n in names] for p, names in members.items()}
    with vault.read() as conn:
        next_meeting, taken = demo_rows.meeting_slots(conn)
    booked = _Meetings(next_meeting, today, {(_ts(datetime.fromisoformat(a)) or a, b)
                                             for a, b in taken})
    rng = random.Random(seed * 7919 + 1)
    done = _chunks_done(vault, seed)
    standings = party_service.standings(vault)

    def checked() -> Iterator[synthetic.PreparedChunk]:
        # The referrals, checked with the import's rules against the register as it is now
        # (the fill changes no party from here on), with their rows prepared.
        referrals = synthetic.iter_referrals(cases, seed, parties=members,
                                             protocols=protocols, today=today, start=start,
                                             ref_prefix="DEMO")
        return synthetic.prepared_chunks(referrals, CHUNK, parties_by_name=ids_by_name,
                                         standings=standings, today=today)

    with vault.read() as conn:
        empty = case_repo.highest_ids(conn) == (0, 0)
        next_agenda, next_plan = demo_rows.next_agenda_item_and_plan(conn)
    if cases > CHUNK and demo_producer.AVAILABLE and empty and not done:
        # A new demo vault (no case yet; the demo is its only writer): its next ids and
        # numbers are known beforehand, so a third process plans each chunk's story and
        # builds all its rows while the second makes, checks and prepares the next chunk
        # and this one only writes (each chunk checked against the vault as it is written).
        party_types = {p.id: p.party_type.value for p in party_service.list_parties(vault)}

        def built(chunks: Iterator[synthetic.PreparedChunk]) -> Iterator[_Built]:
            return _build_chunks(chunks, today=today, seed=seed, rng=rng, booked=booked,
                                 party_ids=party_ids, account=vault.actor.account,
                                 party_types=party_types, next_agenda=next_agenda,
                                 next_plan=next_plan)

        rows = demo_producer.chained(checked, built)
        try:
            with demo_rows.generating(vault.engine):
                return _write_built(vault, rows, seed=seed, today=today)
        finally:
            # a failure while writing ends the other processes at once
            rows.close()
    # More than one chunk: the next chunk is made, checked and prepared in a second process
    # while this one writes (app.services.demo_producer).
    source = (demo_producer.in_second_process(checked)
              if cases > CHUNK and demo_producer.AVAILABLE else checked())
    try:
        with demo_rows.generating(vault.engine):
            return _write_chunks(vault, source, today=today, seed=seed, rng=rng,
                                 booked=booked, done=done, party_ids=party_ids,
                                 ids_by_name=ids_by_name)
    finally:
        # a failure while writing ends the second process at once (the collector is off)
        close = getattr(source, "close", None)
        if close is not None:
            close()


class _Built(NamedTuple):
    """One chunk's rows, built away from the vault (:func:`_build_chunks`)."""

    chunk: int
    cases: synthetic.CaseRows
    activity: ActivityRows


def _stories(rng: random.Random, today: date, chunk: synthetic.PreparedChunk,
             booked: _Meetings) -> tuple[list[Story], list[list[tuple[int, int]]],
                                         list[dict[str, Any]]]:
    """Each case's story, its meetings booked, and what it sets in the case row."""
    stories = [plan_story(rng, r.received, today) for r in chunk.prepared]
    # Book the meetings first: the first meeting's time goes into the case row.
    bookings = [[booked.book(day) for day in s.meeting_days] for s in stories]
    overrides = []
    for story, booking in zip(stories, bookings):
        first = (booked.starts[booking[0][0]] if booking and story.meeting_days[0] < today
                 else None)
        overrides.append(_overrides(story, first))
    return stories, bookings, overrides


def _build_chunks(chunks: Iterator[synthetic.PreparedChunk], *, today: date, seed: int,
                  rng: random.Random, booked: _Meetings, party_ids: dict[Protocol, list[int]],
                  account: str, party_types: dict[int, str], next_agenda: int,
                  next_plan: int) -> Iterator[_Built]:
    """Every chunk's case and activity rows for a vault without cases, in the order and
    with the same draws as :func:`_write_chunks` makes them (plain Python, no vault)."""
    next_case, next_item = 1, 1
    sequences: dict[int, int] = {}
    for index, chunk in enumerate(chunks):
        if not chunk.outlines:
            continue
        stories, bookings, overrides = _stories(rng, today, chunk, booked)
        rows = synthetic.case_rows(
            chunk.prepared, states=[s.intake_state for s in stories], overrides=overrides,
            today=today, seed=seed, account=account, party_types=party_types,
            next_case=next_case, next_item=next_item,
            sequence=lambda year: sequences.get(year, 0))
        sequences.update(rows.sequences)
        next_case, next_item = rows.next_case, rows.next_item
        activity = _activity_rows(rng, today, chunk.outlines, stories, bookings,
                                  list(range(rows.first_case, rows.next_case)), rows.numbers,
                                  party_ids, booked, next_agenda, next_plan)
        next_agenda, next_plan = activity.next_item, activity.next_plan
        yield _Built(index, rows, activity)


def _write_built(vault: OpenVault, source: Iterator[_Built], *, seed: int,
                 today: date) -> int:
    """Write each chunk built beforehand, each in its two transactions (its cases, then its
    activity, each with its audit row as :func:`_write_chunks` writes them); returns how
    many cases were added."""
    added = 0
    for index, rows, activity in source:
        numbers = synthetic.bulk_insert_checked(vault, rows, states=(), today=today,
                                                seed=seed)
        with vault.begin() as conn:
            if demo_rows.next_agenda_item_and_plan(conn) != (activity.first_item,
                                                            activity.first_plan):
                raise ValidationError(_(
                    "The vault changed while the demo was writing to it. Make the demo "
                    "vault again, in a new folder."))
            _write_activity(conn, activity)
            vault.log(conn, "demo.activity", "case", "-", detail={
                "seed": seed, "chunk": index, "cases": len(numbers), "first": numbers[0],
                "last": numbers[-1]})
        added += len(numbers)
    return added


def _write_chunks(vault: OpenVault, source: Iterator[synthetic.PreparedChunk], *, today: date,
                  seed: int, rng: random.Random, booked: _Meetings, done: set[int],
                  party_ids: dict[Protocol, list[int]], ids_by_name: dict[str, int]) -> int:
    """Write each chunk's cases and activity, each in its own transactions; returns how
    many cases were added."""
    added = 0
    for index, chunk in enumerate(source):
        # A destroyed case keeps no external reference, so a chunk already written (a demo
        # run again with the same seed) is recognised by its audit row.
        with vault.read() as conn:
            seen = case_store.known_external_refs(
                conn, [r.external_ref for r in chunk.prepared if r.external_ref])
        chunk = chunk.without(seen)
        part = chunk.outlines
        if not part or index in done:
            continue
        stories, bookings, overrides = _stories(rng, today, chunk, booked)
        numbers = synthetic.bulk_insert_checked(
            vault, chunk, states=[s.intake_state for s in stories], today=today, seed=seed,
            overrides=overrides)
        with vault.begin() as conn:
            ids = demo_rows.case_ids(conn, numbers)
            next_item, next_plan = demo_rows.next_agenda_item_and_plan(conn)
            _write_activity(conn, _activity_rows(
                rng, today, part, stories, bookings, [int(ids[n]) for n in numbers],
                numbers, party_ids, booked, next_item, next_plan))
            vault.log(conn, "demo.activity", "case", "-", detail={
                "seed": seed, "chunk": index, "cases": len(numbers), "first": numbers[0],
                "last": numbers[-1]})
        added += len(numbers)
    return added


@dataclass
class ActivityRows:
    """One chunk's triage, meetings, plans, closures and tombstones as rows of stored
    values, table by table in the order they are written (:func:`_activity_rows`)."""

    tables: list[tuple[Table, tuple[str, ...], list[tuple[Any, ...]]]]
    first_case: int
    last_case: int
    #: the first agenda item and plan ids of the chunk, and the next ones after it
    first_item: int
    first_plan: int
    next_item: int
    next_plan: int


def _write_activity(conn: Connection, rows: ActivityRows) -> None:
    """Write one chunk's activity in the caller's transaction."""
    for table, columns, found in rows.tables:
        demo_rows.insert_tuples(conn, table, columns, found)
    # The tombstone keeps the referring party's type as the case row has it.
    demo_rows.tombstones_take_party_type(conn, rows.first_case, rows.last_case)


def _activity_rows(rng: random.Random, today: date, referrals: Sequence[synthetic.Outline],
                   stories: Sequence[Story], bookings: Sequence[list[tuple[int, int]]],
                   case_ids: Sequence[int], numbers: Sequence[str],
                   party_ids: dict[Protocol, list[int]], booked: _Meetings,
                   next_item: int, next_plan: int) -> ActivityRows:
    """One chunk's activity (agenda items from id ``next_item``, plans from ``next_plan``):
    plain Python, no vault."""
    tables: list[tuple[Table, tuple[str, ...], list[tuple[Any, ...]]]] = []
    first_item, first_plan = next_item, next_plan

    def record(table: Table, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
               ) -> None:
        tables.append((table, columns, list(rows)))

    record(meetings, ("id", "starts_at", "place", "place_key", "chair", "state",
                            "created_at", "created_by", "started_at", "ended_at"),
           booked.new_rows)
    present: list[tuple[Any, ...]] = []
    pool = [p for ids in party_ids.values() for p in ids]
    for meeting_id, _s, _p, _k, _c, state, *_rest in booked.new_rows:
        if state == "finished":
            _attendance(rng, booked.starts[meeting_id], meeting_id, pool, present)
    record(attendees, ("meeting_id", "name", "party_id", "function", "arrived_at",
                             "confidentiality_accepted_at", "left_at"), present)
    booked.new_rows.clear()
    keys = _Keys()
    queries: list[tuple[Any, ...]] = []
    routings: list[tuple[Any, ...]] = []
    invitees: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []
    invited: list[tuple[Any, ...]] = []
    minutes: list[tuple[Any, ...]] = []
    plan_rows: list[tuple[Any, ...]] = []
    goal_rows: list[tuple[Any, ...]] = []
    action_rows: list[tuple[Any, ...]] = []
    version_rows: list[tuple[Any, ...]] = []
    closures: list[tuple[Any, ...]] = []
    tombstones: list[tuple[Any, ...]] = []
    for referral, story, booking, case_id, number in zip(referrals, stories, bookings,
                                                         case_ids, numbers):
        protocol = Protocol(referral.protocol)
        pool = party_ids[protocol]
        chosen = rng.sample(pool, min(len(pool), rng.randint(3, 4)))
        counts = {"actions_total": 0, "actions_done": 0, "actions_done_on_time": 0,
                  "actions_cancelled": 0}
        keep = story.destroyed is None
        if keep and story.triage_started:
            for party in chosen:
                asked = story.triage_started
                answered = asked + timedelta(days=rng.randint(1, 10))
                answer_ok = story.triage_done is not None or answered <= today
                queries.append((case_id, party, _d(asked), _d(answered) if answer_ok else None,
                                rng.choice(_QUERY_ANSWERS) if answer_ok else None, DIRECTOR,
                                _ts(_dt(min(answered, today)))))
        if keep and story.triage_done:
            done = story.triage_done
            if story.routed_elsewhere:
                routings.append((case_id, "elsewhere", "", "[]", "[]", chosen[0],
                                 "Wijkteam", "Enkelvoudige vraag; past binnen de keten.",
                                 _d(done.date()), _ts(done), DIRECTOR))
            else:
                routings.append((case_id, "to_meeting", rng.choice(_GOALS),
                                 _THEMES, _DECISION_TYPES,
                                 None, "", "", _d(done.date()), _ts(done), DIRECTOR))
                invitees.extend((case_id, p) for p in chosen)
        held_starts: list[datetime] = []
        for n, (meeting_id, position) in enumerate(booking):
            at = booked.starts[meeting_id]
            held = at.date() < today
            if held:
                held_starts.append(at)
            if not keep:
                continue
            item_id = next_item
            next_item += 1
            started = at + timedelta(minutes=20 * position)
            ended = started + timedelta(minutes=20)
            items.append((item_id, meeting_id, case_id, position,
                          "first" if n == 0 else "follow_up", 20, rng.choice(_GOALS),
                          _THEMES, _DECISION_TYPES,
                          _ts(started) if held else None, _ts(ended) if held else None,
                          _ts(ended) if held else None))
            invited_at = _ts(at - timedelta(days=10))
            invited.extend((item_id, p, "Informatie over de betrokkenen en de eigen inzet.",
                            invited_at) for p in chosen)
            if held:
                minutes.append((item_id, case_id, "decision",
                                "Plan van aanpak vastgesteld; casuscoördinator benoemd."
                                if n == 0 else "Voortgang besproken; afspraken bijgesteld.",
                                None, "", None, _ts(started + timedelta(minutes=15)),
                                DIRECTOR, None))
        if held_starts and (keep or story.closed):
            plan_id = next_plan
            next_plan += 1
            first = held_starts[0]
            last = held_starts[-1]
            goals = [(keys.take(), domain, rng.choice(_GOALS))
                     for domain in referral.life_domains[:2]]
            actions: list[dict[str, Any]] = []
            for position in range(rng.randint(3, 5)):
                due = first.date() + timedelta(days=rng.randint(14, 90))
                finished = story.closed is not None
                roll = rng.random()
                if roll < 0.06:
                    status = "cancelled"
                elif due < (story.closed or today) or finished:
                    status = "done" if roll < (0.85 if finished else 0.7) else "open"
                else:
                    status = "in_progress" if roll < 0.5 else "open"
                on_time = status == "done" and rng.random() < 0.72
                actions.append({
                    "key": keys.take(), "party_id": rng.choice(chosen),
                    "description": rng.choice(_ACTIONS),
                    "owner": rng.choice(_PROFESSIONALS), "due": due.isoformat(),
                    "status": status, "goal_key": goals[0][0] if goals else None,
                    "limited_to": [], "notes": [], "position": position,
                    "on_time": on_time})
                counts["actions_total"] += 1
                counts["actions_cancelled"] += status == "cancelled"
                counts["actions_done"] += status == "done"
                counts["actions_done_on_time"] += on_time
            if keep:
                coordinator = rng.choice(chosen)
                person = rng.choice(_PROFESSIONALS)
                plan_rows.append((plan_id, case_id, 2 if len(held_starts) > 1 else 1,
                                  coordinator, person,
                                  "Doelen bereikt en zorg belegd in het reguliere netwerk.",
                                  None, "", _ts(last), DIRECTOR))
                goal_rows.extend((plan_id, key, i, domain, description)
                                 for i, (key, domain, description) in enumerate(goals))
                action_rows.extend((plan_id, a["key"], a["position"], a["party_id"],
                                    a["description"], a["owner"], a["due"], a["status"],
                                    a["goal_key"]) for a in actions)
                snapshot = {"goals": [{"key": k, "life_domain": d, "description": t}
                                      for k, d, t in goals],
                            "coordinator": {"party_id": coordinator, "person": person},
                            "closure_criteria": "Doelen bereikt en zorg belegd in het "
                                                "reguliere netwerk.",
                            "information_needs": [], "next_meeting": None,
                            "next_meeting_note": ""}
                first_actions = [{k: v for k, v in a.items()
                                  if k not in ("position", "on_time")} | {"status": "open"}
                                 for a in actions]
                version_rows.append((plan_id, 1, None, _ts(first), DIRECTOR, _snapshot_json(
                    snapshot | {"actions": first_actions})))
                if len(held_starts) > 1:
                    now_actions = [{k: v for k, v in a.items()
                                    if k not in ("position", "on_time")} for a in actions]
                    version_rows.append((plan_id, 2, None, _ts(last), DIRECTOR, _snapshot_json(
                        snapshot | {"actions": now_actions})))
            if story.closed and keep:
                closures.append((
                    case_id, _d(story.closed), DIRECTOR, rng.choice(_PROFESSIONALS),
                    rng.choice(chosen), _d(story.closed), story.outcome,
                    _CLOSURE_CRITERIA[story.outcome == "goals_reached"],
                    "" if story.outcome == "goals_reached" else
                    "Verdere inzet van het Zorg- en Veiligheidshuis voegt niets meer toe.",
                    json.dumps({"information_items": referral.information,
                                "life_domain_texts": len(referral.life_domains)}),
                    "", _d(story.closed)))
        if story.ended is not None and (story.closed or story.destroyed):
            final = (CaseState.DECLINED if story.intake_state is CaseState.DECLINED
                     else CaseState.ROUTED_ELSEWHERE if story.routed_elsewhere
                     else CaseState.CLOSED)
            tombstones.append((
                case_id, number, protocol.value,
                None, final.value, referral.received,
                _d(story.intake_decided.date()) if story.intake_decided else None,
                _d(story.triage_done.date()) if story.triage_done else None,
                _d(held_starts[0].date()) if held_starts else None,
                _d(story.closed), _d(story.ended), _d(story.destroyed), story.outcome,
                referral.subjects, referral.information, len(held_starts),
                counts["actions_total"], counts["actions_done"],
                counts["actions_done_on_time"], counts["actions_cancelled"],
                1 if story.closed else 0,
                1 if story.closed and story.outcome == "goals_reached" else 0))
    record(triage_queries, ("case_id", "party_id", "asked_on", "answered_on", "answer",
                                  "recorded_by", "updated_at"), queries)
    record(routing_decisions, ("case_id", "route", "goal", "themes", "decision_types",
                                     "elsewhere_party_id", "elsewhere_chain", "reason",
                                     "decided_on", "decided_at", "decided_by"), routings)
    record(routing_invitees, ("case_id", "party_id"), invitees)
    record(agenda_items, ("id", "meeting_id", "case_id", "position", "kind",
                                "duration_minutes", "goal", "themes", "decision_types",
                                "started_at", "ended_at", "minutes_stored_at"), items)
    record(invitations, ("agenda_item_id", "party_id", "contribution", "invited_at"),
           invited)
    record(minutes_entries, ("agenda_item_id", "case_id", "kind", "text", "party_id",
                                   "owner", "due", "created_at", "created_by", "plan_key"),
           minutes)
    record(plans, ("id", "case_id", "version", "coordinator_party_id",
                         "coordinator_person", "closure_criteria", "next_meeting",
                         "next_meeting_note", "updated_at", "updated_by"), plan_rows)
    record(plan_goals, ("plan_id", "key", "position", "life_domain", "description"),
           goal_rows)
    record(plan_actions, ("plan_id", "key", "position", "party_id", "description",
                                "owner", "due", "status", "goal_key"), action_rows)
    record(plan_versions, ("plan_id", "version", "meeting_id", "saved_at", "saved_by",
                                 "snapshot"), version_rows)
    record(case_closures, ("case_id", "decided_on", "decided_by", "coordinator_name",
                                 "coordinator_party_id", "coordinator_agreed_on", "outcome",
                                 "criteria", "reason", "removed", "plan_summary",
                                 "retention_starts"), closures)
    record(case_tombstones, ("case_id", "number", "protocol", "referring_party_type",
                                   "final_state", "referred_on", "intake_decided_on",
                                   "triage_done_on", "first_meeting_on", "closed_on",
                                   "ended_on", "destroyed_on", "outcome", "subjects",
                                   "information_items", "meetings", "actions_total",
                                   "actions_done", "actions_done_on_time",
                                   "actions_cancelled", "criteria_total", "criteria_met"),
           tombstones)
    # What the vault's highest ids will say next (a destroyed case's plan number is drawn
    # but its plan not written, and the next chunk reads the highest plan written).
    return ActivityRows(tables, min(case_ids), max(case_ids), first_item, first_plan,
                        max((row[0] for row in items), default=first_item - 1) + 1,
                        max((row[0] for row in plan_rows), default=first_plan - 1) + 1)


def _attendance(rng: random.Random, at: datetime, meeting_id: int, pool: Sequence[int],
                rows: list[tuple[Any, ...]]) -> None:
    """The people present at a held meeting, each having accepted the confidentiality
    statement on arrival (covenant 9.2, 17)."""
    for name in rng.sample(_PROFESSIONALS, rng.randint(4, 6)):
        arrived = at - timedelta(minutes=rng.randint(0, 10))
        rows.append((meeting_id, name, rng.choice(pool), rng.choice(_FUNCTIONS),
                     _ts(arrived), _ts(arrived + timedelta(minutes=1)),
                     _ts(at + timedelta(hours=2))))
