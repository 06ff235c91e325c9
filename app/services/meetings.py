"""Case meetings as use cases: plan a meeting with its agenda, edit the agenda afterwards
(reorder, move a case to another meeting, add a follow-up), invite parties per agenda item,
and run the meeting live: attendance with the confidentiality statement, the agenda items
one after another, the live minutes (agreements, decisions, notes, the case coordinator, the
closure criteria), and after each item the minutes stored with the case and the agreements
handed to the plan of action (``app.services.plan``).

Rules:

* Only cases routed to a case meeting by triage, or follow-ups of cases in progress, go on
  an agenda (``ValidationError`` on ``case_id`` otherwise). A case on an agenda moves to
  ``scheduled`` (from ``triage`` or, for a follow-up, from ``in_progress``); when its item
  is started in the meeting it moves to ``in_progress``: every move through
  ``app.domain.lifecycle``.
* Who may be invited is decided only by ``app.sharing.policy.may_be_invited``: a party that
  is withdrawn or not active in the case's protocol is refused (``ValidationError`` on
  ``invited``), also when the meeting starts (a party may have withdrawn since).
* Every write is one transaction with an audit row (meeting id and case numbers, never a
  name or case text). Reading needs ``VIEW_CASES``; the agenda, invitations and minutes need
  ``CASE_WORK`` (covenant 12.2c-e: the process director's tasks); attendance needs
  ``MEETING_LOGISTICS`` (the information centre may keep the attendance list).
* What is said about a case is ``CASE_SUBSTANCE`` (the process director only): minutes
  (:func:`entries`, :func:`case_minutes`), the cases ready for an agenda with triage's goal
  and themes (:func:`candidate_cases`) and a party's agenda (:func:`party_agenda`) refuse
  any other role. :func:`get_meeting` serves both: a role without ``CASE_SUBSTANCE`` gets
  the meeting's logistics only (date, place, chair, the cases by number and initials, the
  order and durations, the invited parties) with no goal, themes, decision types or the
  contribution asked of each party (:func:`logistics_only`).
* Live mode loses nothing: every minutes entry is written the moment it is added, and what
  is being typed is saved as a draft in the vault every few seconds (:func:`save_live_draft`)
  and on lock.

Public functions other areas call: :func:`list_meetings`, :func:`get_meeting`,
:func:`candidate_cases`, :func:`plan_meeting`, :func:`add_item`, :func:`reorder`,
:func:`move_item`, :func:`set_invitations`, :func:`start_meeting`, :func:`add_attendee`,
:func:`accept_confidentiality`, :func:`attendee_left`, :func:`start_item`,
:func:`add_entry`, :func:`finish_item`, :func:`end_meeting`, :func:`case_minutes`,
:func:`party_agenda`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from app.domain import lifecycle
from app.domain.cases import Case
from app.domain.lifecycle import CaseState, TransitionFacts
from app.domain.meetings import (AgendaDraft, AgendaItem, Attendee, DecisionType, EntryInput,
                                 EntryKind, Invitation, ItemKind, Meeting, MeetingState,
                                 MinutesEntry, check_attendee, check_duration, check_entry,
                                 check_item_details, check_meeting, decision_types_from,
                                 initials, meeting_label, place_key)
from app.domain.protocols import Protocol
from app.domain.roles import Permission, may
from app.errors import NotFound, TransitionRefused, ValidationError
from app.i18n import _
from app.services import cases as case_service
from app.services import parties as party_service
from app.sharing.policy import may_be_invited
from app.store.case_tables import cases, subjects
from app.store.meeting_tables import (agenda_items, attendee_absences, attendees,
                                      case_minutes as case_minutes_table, invitations,
                                      meetings, minutes_entries)
from app.store.party_tables import parties
from app.store.tables import drafts
from app.vault.vault import OpenVault
from app.vault.access import entry_point

AGENDA_DRAFT = "agenda_wizard"
LIVE_DRAFT = "meeting_live"


def now() -> datetime:
    """Meeting times are local wall-clock times, to the second."""
    return datetime.now().replace(microsecond=0)


# -- triage: what it decided for a case routed to a case meeting ---------------------------

@dataclass(frozen=True)
class Routing:
    """What triage (or the previous meeting, for a follow-up) hands to the agenda."""

    goal: str
    themes: tuple[str, ...]
    decision_types: tuple[DecisionType, ...]
    invitees: tuple[int, ...]


def triage_routing(conn: Connection, case_id: int) -> Routing | None:
    """Triage's decision "to a case meeting" for the case, or None (not routed there).

    Asked through the triage area's service (``app.services.triage.routing_decision``).
    """
    from app.domain.triage import Route
    from app.services import triage as triage_service

    found = triage_service.routing_decision(conn, case_id)
    if found is None or found.route is not Route.TO_MEETING:
        return None
    return Routing(goal=found.goal, themes=tuple(found.themes),
                   decision_types=tuple(found.decision_types),
                   invitees=tuple(sorted(found.invitees)))


def _previous_item_routing(conn: Connection, case_id: int,
                           exclude_meeting: int | None = None) -> Routing | None:
    """A follow-up starts from the case's most recent agenda item."""
    query = (select(agenda_items).join(meetings, meetings.c.id == agenda_items.c.meeting_id)
             .where(agenda_items.c.case_id == case_id)
             .order_by(meetings.c.starts_at.desc()).limit(1))
    if exclude_meeting is not None:
        query = query.where(agenda_items.c.meeting_id != exclude_meeting)
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    invited = tuple(int(p) for p in conn.execute(
        select(invitations.c.party_id).where(invitations.c.agenda_item_id == row["id"])
        .order_by(invitations.c.party_id)).scalars())
    return Routing(row["goal"], tuple(json.loads(row["themes"])),
                   decision_types_from(json.loads(row["decision_types"])), invited)


# -- reading ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class MeetingRow:
    """One line of the Meetings screen."""

    id: int
    starts_at: datetime
    place: str
    chair: str
    state: MeetingState
    items: int


@dataclass(frozen=True)
class Candidate:
    """A case ready to be put on an agenda, with what the agenda starts from."""

    case_id: int
    case_number: str
    subject_initials: str
    protocol: Protocol
    state: CaseState
    kind: ItemKind
    routing: Routing


def _subject_initials(conn: Connection, case_ids: Iterable[int]) -> dict[int, str]:
    ids = list(case_ids)
    if not ids:
        return {}
    found: dict[int, str] = {}
    rows = conn.execute(select(subjects.c.case_id, subjects.c.given_names, subjects.c.surname,
                               subjects.c.role)
                        .where(subjects.c.case_id.in_(ids))
                        .order_by(subjects.c.case_id, subjects.c.position))
    for case_id, given, surname, role in rows:
        # The main subject names the case; otherwise the first subject listed.
        if role == "main_subject" or case_id not in found:
            found[case_id] = initials(given, surname)
    return found


def _load_items(conn: Connection, meeting_ids: Sequence[int]) -> dict[int, list[AgendaItem]]:
    if not meeting_ids:
        return {}
    rows = list(conn.execute(
        select(agenda_items, cases.c.number).join(cases, cases.c.id == agenda_items.c.case_id)
        .where(agenda_items.c.meeting_id.in_(list(meeting_ids)))
        .order_by(agenda_items.c.meeting_id, agenda_items.c.position)).mappings())
    item_ids = [r["id"] for r in rows]
    invited: dict[int, list[Invitation]] = {}
    if item_ids:
        for r in conn.execute(select(invitations).where(
                invitations.c.agenda_item_id.in_(item_ids))
                .order_by(invitations.c.party_id)).mappings():
            invited.setdefault(r["agenda_item_id"], []).append(
                Invitation(r["party_id"], r["contribution"]))
    names = _subject_initials(conn, {r["case_id"] for r in rows})
    result: dict[int, list[AgendaItem]] = {}
    for r in rows:
        result.setdefault(r["meeting_id"], []).append(AgendaItem(
            id=r["id"], meeting_id=r["meeting_id"], case_id=r["case_id"],
            case_number=r["number"], subject_initials=names.get(r["case_id"], ""),
            position=r["position"], kind=ItemKind(r["kind"]),
            duration_minutes=r["duration_minutes"], goal=r["goal"],
            themes=tuple(json.loads(r["themes"])),
            decision_types=decision_types_from(json.loads(r["decision_types"])),
            invitations=tuple(invited.get(r["id"], ())), started_at=r["started_at"],
            ended_at=r["ended_at"], minutes_stored_at=r["minutes_stored_at"]))
    return result


def load_meeting(conn: Connection, meeting_id: int) -> Meeting:
    """The meeting with its agenda, without permission check or audit (for services)."""
    row = conn.execute(select(meetings).where(meetings.c.id == meeting_id)).mappings().first()
    if row is None:
        raise NotFound(_("There is no meeting with number {id}.").format(id=meeting_id))
    items = _load_items(conn, [meeting_id]).get(meeting_id, [])
    return Meeting(id=row["id"], starts_at=row["starts_at"], place=row["place"],
                   chair=row["chair"], state=MeetingState(row["state"]), items=tuple(items),
                   started_at=row["started_at"], ended_at=row["ended_at"])


@entry_point
def list_meetings(vault: OpenVault, *, include_finished: bool = True) -> list[MeetingRow]:
    """Every meeting, soonest first (finished ones after the others)."""
    vault.require(Permission.VIEW_CASES, "meeting", "-")
    with vault.read() as conn:
        counts: dict[int, int] = dict(conn.execute(select(agenda_items.c.meeting_id, func.count())
                                   .group_by(agenda_items.c.meeting_id)).all())
        rows = list(conn.execute(select(meetings).order_by(meetings.c.starts_at)).mappings())
    found = [MeetingRow(r["id"], r["starts_at"], r["place"], r["chair"],
                        MeetingState(r["state"]), int(counts.get(r["id"], 0)))
             for r in rows if include_finished or r["state"] != MeetingState.FINISHED.value]
    found.sort(key=lambda m: (m.state is MeetingState.FINISHED, m.starts_at))
    vault.log_now("meeting.list", "meeting", "-", detail={"count": len(found)})
    return found


@entry_point
def get_meeting(vault: OpenVault, meeting_id: int) -> Meeting:
    """The meeting with its agenda; for a role without ``CASE_SUBSTANCE`` its logistics only
    (:func:`logistics_only`)."""
    vault.require(Permission.VIEW_CASES, "meeting", meeting_id)
    substance = may(vault.actor.role, Permission.CASE_SUBSTANCE)
    with vault.read() as conn:
        meeting = load_meeting(conn, meeting_id)
    vault.log_now("meeting.open", "meeting", meeting_id,
                  detail={"cases": [i.case_number for i in meeting.items],
                          "substance": substance})
    return meeting if substance else logistics_only(meeting)


def logistics_only(meeting: Meeting) -> Meeting:
    """The meeting as the information centre may see it: what an invitation needs (date,
    place, chair, each case's number and subjects' initials, order, duration, the invited
    parties), without the goal and themes the process director wrote for the invitees (they
    may name the family), the decision types, or the contribution asked of each party."""
    return replace(meeting, items=tuple(
        replace(item, goal="", themes=(), decision_types=(),
                invitations=tuple(Invitation(i.party_id) for i in item.invitations))
        for item in meeting.items))


@dataclass(frozen=True)
class InviteeChoice:
    """A party as the invitation step offers it: may it be invited to this case, and if not
    why (the policy's answer)."""

    party_id: int
    name: str
    allowed: bool
    reason: str


@entry_point
def invitee_choices(vault: OpenVault, case_id: int, on: date) -> list[InviteeChoice]:
    """Every party of the register with the policy's answer to "may it be invited to a
    meeting on this case on ``on``?", entitled ones first, by name."""
    vault.require(Permission.VIEW_CASES, "case", case_id)
    with vault.read() as conn:
        protocol = Protocol(conn.execute(select(cases.c.protocol)
                                         .where(cases.c.id == case_id)).scalar_one())
        standings = party_service.standings(conn)
        names = party_names(conn)
    choices = []
    for party_id, name in names.items():
        entitlement = may_be_invited(standings.get(party_id), protocol, on)
        choices.append(InviteeChoice(party_id, name, bool(entitlement),
                                     "" if entitlement else entitlement.reason.label))
    return sorted(choices, key=lambda c: (not c.allowed, c.name.casefold()))


@entry_point
def party_names(source: Any) -> dict[int, str]:
    """Party id -> name (organisation names are no personal data)."""
    return {p.id: p.name for p in party_service.list_parties(source)}


def _open_item_of_case(conn: Connection, case_id: int,
                       exclude_meeting: int | None = None) -> tuple[int, datetime] | None:
    """The meeting (id, time) where the case is on an agenda not yet discussed."""
    query = (select(meetings.c.id, meetings.c.starts_at)
             .join(agenda_items, agenda_items.c.meeting_id == meetings.c.id)
             .where(agenda_items.c.case_id == case_id, agenda_items.c.started_at.is_(None),
                    meetings.c.state != MeetingState.FINISHED.value))
    if exclude_meeting is not None:
        query = query.where(meetings.c.id != exclude_meeting)
    row = conn.execute(query).first()
    return (int(row[0]), row[1]) if row else None


def _readiness(conn: Connection, case_id: int, state: CaseState,
               meeting_id: int | None = None) -> tuple[ItemKind, Routing] | None:
    """Whether a case may go on an agenda, and as what: routed to a case meeting by triage
    (first discussion) or a follow-up of a case in progress."""
    previous = _previous_item_routing(conn, case_id, exclude_meeting=meeting_id)
    if state is CaseState.IN_PROGRESS:
        return ItemKind.FOLLOW_UP, previous or Routing("", (), (), ())
    if state in (CaseState.TRIAGE, CaseState.SCHEDULED):
        routed = triage_routing(conn, case_id)
        if previous is not None and state is CaseState.SCHEDULED:
            return ItemKind.FOLLOW_UP, previous
        if routed is not None:
            return ItemKind.FIRST, routed
    return None


@entry_point
def candidate_cases(vault: OpenVault) -> list[Candidate]:
    """The cases ready for a meeting and on no agenda yet: routed to a case meeting by
    triage, or in progress (a follow-up), newest number first; with triage's goal and
    themes, so ``CASE_SUBSTANCE``."""
    vault.require(Permission.CASE_SUBSTANCE, "case", "-")
    found: list[Candidate] = []
    with vault.read() as conn:
        rows = list(conn.execute(
            select(cases.c.id, cases.c.number, cases.c.protocol, cases.c.state)
            .where(cases.c.state.in_([CaseState.TRIAGE.value, CaseState.SCHEDULED.value,
                                      CaseState.IN_PROGRESS.value]))
            .order_by(cases.c.number_year.desc(), cases.c.number_seq.desc())))
        names = _subject_initials(conn, [r[0] for r in rows])
        for case_id, number, protocol, state in rows:
            if _open_item_of_case(conn, case_id) is not None:
                continue
            ready = _readiness(conn, case_id, CaseState(state))
            if ready is None:
                continue
            kind, routing = ready
            found.append(Candidate(case_id, number, names.get(case_id, ""), Protocol(protocol),
                                   CaseState(state), kind, routing))
    vault.log_now("meeting.candidates", "case", "-", detail={"count": len(found)})
    return found


@entry_point
def list_attendees(vault: OpenVault, meeting_id: int) -> list[Attendee]:
    vault.require(Permission.VIEW_CASES, "meeting", meeting_id)
    with vault.read() as conn:
        found = load_attendees(conn, meeting_id)
    vault.log_now("meeting.attendees", "meeting", meeting_id, detail={"count": len(found)})
    return found


def load_attendees(conn: Connection, meeting_id: int) -> list[Attendee]:
    absent: dict[int, set[int]] = {}
    for attendee_id, item_id in conn.execute(
            select(attendee_absences.c.attendee_id, attendee_absences.c.agenda_item_id)
            .join(attendees, attendees.c.id == attendee_absences.c.attendee_id)
            .where(attendees.c.meeting_id == meeting_id)):
        absent.setdefault(attendee_id, set()).add(item_id)
    return [Attendee(r["id"], r["meeting_id"], r["name"], r["party_id"], r["function"],
                     r["confidentiality_accepted_at"], r["left_at"],
                     frozenset(absent.get(r["id"], ())))
            for r in conn.execute(select(attendees).where(attendees.c.meeting_id == meeting_id)
                                  .order_by(attendees.c.id)).mappings()]


def load_entries(conn: Connection, item_id: int) -> list[MinutesEntry]:
    return [MinutesEntry(r["id"], r["agenda_item_id"], r["case_id"], EntryKind(r["kind"]),
                         r["text"], r["party_id"], r["owner"], r["due"], r["created_at"],
                         r["plan_key"])
            for r in conn.execute(select(minutes_entries)
                                  .where(minutes_entries.c.agenda_item_id == item_id)
                                  .order_by(minutes_entries.c.id)).mappings()]


@entry_point
def entries(vault: OpenVault, item_id: int) -> list[MinutesEntry]:
    """The minutes of one agenda item so far (logged against its case); ``CASE_SUBSTANCE``."""
    vault.require(Permission.CASE_SUBSTANCE, "agenda_item", item_id)
    with vault.read() as conn:
        number = _item_row(conn, item_id)["number"]
        found = load_entries(conn, item_id)
    vault.log_now("meeting.minutes_read", "case", number,
                  detail={"agenda_item": item_id, "count": len(found)})
    return found


# -- checks inside a write transaction -------------------------------------------------------

def _meeting_row(conn: Connection, meeting_id: int) -> Mapping[str, Any]:
    row = conn.execute(select(meetings).where(meetings.c.id == meeting_id)).mappings().first()
    if row is None:
        raise NotFound(_("There is no meeting with number {id}.").format(id=meeting_id))
    return cast(Mapping[str, Any], row)


def _item_row(conn: Connection, item_id: int) -> Mapping[str, Any]:
    row = conn.execute(select(agenda_items, cases.c.number, cases.c.protocol, cases.c.state)
                       .join(cases, cases.c.id == agenda_items.c.case_id)
                       .where(agenda_items.c.id == item_id)).mappings().first()
    if row is None:
        raise NotFound(_("This agenda item no longer exists."))
    return cast(Mapping[str, Any], row)


def _check_no_clash(conn: Connection, starts_at: datetime, place: str,
                    meeting_id: int | None = None) -> None:
    query = select(meetings.c.id).where(meetings.c.starts_at == starts_at,
                                        meetings.c.place_key == place_key(place))
    if meeting_id is not None:
        query = query.where(meetings.c.id != meeting_id)
    if conn.execute(query).first() is not None:
        raise ValidationError(_("Another meeting is planned at the same time and place."),
                              field="starts_at")


def _check_editable(row: Mapping[str, Any]) -> None:
    if row["state"] == MeetingState.FINISHED.value:
        raise TransitionRefused(_("This meeting has finished; its agenda can no longer be "
                                  "changed."))


def _check_invitees(conn: Connection, protocol: Protocol, invited: Mapping[int, str],
                    on: date) -> dict[int, str]:
    """Every invitee entitled under the policy on the meeting's day; refuse otherwise."""
    standings = party_service.standings(conn)
    names = {r[0]: r[1] for r in conn.execute(select(parties.c.id, parties.c.name))}
    cleaned: dict[int, str] = {}
    for party_id, contribution in invited.items():
        entitlement = may_be_invited(standings.get(int(party_id)), protocol, on)
        if not entitlement:
            raise ValidationError(_("{party} may not be invited: {reason}").format(
                party=names.get(int(party_id), f"#{party_id}"),
                reason=entitlement.reason.label), field="invited")
        cleaned[int(party_id)] = " ".join(str(contribution or "").split())
    return cleaned


def _write_invitations(conn: Connection, item_id: int, invited: Mapping[int, str],
                       at: datetime) -> None:
    conn.execute(delete(invitations).where(invitations.c.agenda_item_id == item_id))
    if invited:
        conn.execute(insert(invitations), [
            {"agenda_item_id": item_id, "party_id": pid, "contribution": text,
             "invited_at": at} for pid, text in sorted(invited.items())])


def _schedule_case(conn: Connection, case_id: int, state: CaseState, has_goal: bool,
                   has_themes: bool, has_invitees: bool, at: datetime) -> None:
    """Move a case that goes on an agenda to ``scheduled`` (from triage, or from in progress
    for a follow-up), through the lifecycle."""
    if state is CaseState.SCHEDULED:
        return
    target = lifecycle.transition(state, CaseState.SCHEDULED, TransitionFacts(
        has_goal=has_goal, has_themes=has_themes, has_invitees=has_invitees))
    case_service.set_state(conn, case_id, target, at)


def _insert_item(conn: Connection, meeting_id: int, meeting_day: date, case_id: int, *,
                 duration: int, goal: str, themes: Sequence[str],
                 decision_types: Sequence[DecisionType], invited: Mapping[int, str],
                 position: int | None, at: datetime) -> tuple[int, str]:
    row = conn.execute(select(cases.c.number, cases.c.protocol, cases.c.state)
                       .where(cases.c.id == case_id)).first()
    if row is None:
        raise NotFound(_("There is no case {number}.").format(number=case_id))
    number, protocol, state_value = row[0], Protocol(row[1]), CaseState(row[2])
    ready = _readiness(conn, case_id, state_value, meeting_id)
    if ready is None:
        raise ValidationError(_("Case {number} is not routed to a case meeting and is not a "
                                "case in progress.").format(number=number), field="case_id")
    kind, _routing = ready
    elsewhere = _open_item_of_case(conn, case_id)
    if elsewhere is not None:
        raise ValidationError(_("Case {number} is already on the agenda of the meeting of "
                                "{date}.").format(number=number,
                                                  date=elsewhere[1].strftime("%d-%m-%Y")),
                              field="case_id")
    duration = check_duration(duration)
    goal, clean_themes, kinds = check_item_details(goal, themes, decision_types)
    if not invited:
        raise ValidationError(_("Invite at least one party."), field="invited")
    cleaned = _check_invitees(conn, protocol, invited, meeting_day)
    if position is None:
        position = int(conn.execute(select(func.coalesce(func.max(agenda_items.c.position), -1))
                                    .where(agenda_items.c.meeting_id == meeting_id)
                                    ).scalar_one()) + 1
    item_id = case_service.inserted_id(conn.execute(insert(agenda_items).values(
        meeting_id=meeting_id, case_id=case_id, position=position, kind=kind.value,
        duration_minutes=duration, goal=goal, themes=json.dumps(list(clean_themes)),
        decision_types=json.dumps([d.value for d in kinds]))))
    _write_invitations(conn, item_id, cleaned, at)
    _schedule_case(conn, case_id, state_value, bool(goal), bool(clean_themes), bool(cleaned),
                   at)
    return item_id, str(number)


# -- planning --------------------------------------------------------------------------------

@entry_point
def plan_meeting(vault: OpenVault, draft: AgendaDraft) -> int:
    """Plan a meeting with its whole agenda in one transaction (the agenda wizard's end);
    returns the meeting's id."""
    vault.require(Permission.CASE_WORK, "meeting", "-")
    if draft.starts_at is None:
        raise ValidationError(_("choose a date and time"), field="starts_at")
    starts_at, place, chair = check_meeting(draft.starts_at, draft.place, draft.chair)
    if not draft.items:
        raise ValidationError(_("choose at least one case"), field="items")
    at = now()
    with vault.begin() as conn:
        _check_no_clash(conn, starts_at, place)
        meeting_id = case_service.inserted_id(conn.execute(insert(meetings).values(
            starts_at=starts_at, place=place, place_key=place_key(place), chair=chair,
            state=MeetingState.PLANNED.value, created_at=at,
            created_by=vault.actor.account)))
        numbers = []
        for position, item in enumerate(draft.items):
            _item_id, number = _insert_item(
                conn, meeting_id, starts_at.date(), item.case_id,
                duration=item.duration_minutes, goal=item.goal, themes=item.themes,
                decision_types=item.decision_types, invited=item.invited, position=position,
                at=at)
            numbers.append(number)
        vault.log(conn, "meeting.plan", "meeting", meeting_id, detail={"cases": numbers})
        _drop_draft(conn, vault, AGENDA_DRAFT, None)
    return meeting_id


@entry_point
def update_meeting(vault: OpenVault, meeting_id: int, starts_at: datetime, place: str,
                   chair: str) -> None:
    vault.require(Permission.MEETING_LOGISTICS, "meeting", meeting_id)
    starts_at, place, chair = check_meeting(starts_at, place, chair)
    with vault.begin() as conn:
        _check_editable(_meeting_row(conn, meeting_id))
        _check_no_clash(conn, starts_at, place, meeting_id)
        conn.execute(update(meetings).where(meetings.c.id == meeting_id).values(
            starts_at=starts_at, place=place, place_key=place_key(place), chair=chair))
        vault.log(conn, "meeting.update", "meeting", meeting_id)


@entry_point
def add_item(vault: OpenVault, meeting_id: int, case_id: int, *, duration: int, goal: str,
             themes: Sequence[str], decision_types: Sequence[DecisionType],
             invited: Mapping[int, str]) -> int:
    """Put one more case on a planned meeting's agenda (e.g. a follow-up); returns its id."""
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    at = now()
    with vault.begin() as conn:
        row = _meeting_row(conn, meeting_id)
        _check_editable(row)
        item_id, number = _insert_item(
            conn, meeting_id, row["starts_at"].date(), case_id, duration=duration, goal=goal,
            themes=themes, decision_types=decision_types, invited=invited, position=None,
            at=at)
        vault.log(conn, "meeting.item_add", "meeting", meeting_id, detail={"case": number})
    return item_id


@entry_point
def update_item(vault: OpenVault, item_id: int, *, duration: int, goal: str,
                themes: Sequence[str], decision_types: Sequence[DecisionType]) -> None:
    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    duration = check_duration(duration)
    goal, clean_themes, kinds = check_item_details(goal, themes, decision_types)
    with vault.begin() as conn:
        item = _item_row(conn, item_id)
        _check_editable(_meeting_row(conn, item["meeting_id"]))
        conn.execute(update(agenda_items).where(agenda_items.c.id == item_id).values(
            duration_minutes=duration, goal=goal, themes=json.dumps(list(clean_themes)),
            decision_types=json.dumps([d.value for d in kinds])))
        vault.log(conn, "meeting.item_update", "meeting", item["meeting_id"],
                  detail={"case": item["number"]})


@entry_point
def set_invitations(vault: OpenVault, item_id: int, invited: Mapping[int, str]) -> None:
    """Replace the parties invited to one agenda item (each checked by the policy)."""
    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    if not invited:
        raise ValidationError(_("Invite at least one party."), field="invited")
    with vault.begin() as conn:
        item = _item_row(conn, item_id)
        meeting = _meeting_row(conn, item["meeting_id"])
        _check_editable(meeting)
        cleaned = _check_invitees(conn, Protocol(item["protocol"]), invited,
                                  meeting["starts_at"].date())
        _write_invitations(conn, item_id, cleaned, now())
        vault.log(conn, "meeting.invite", "meeting", item["meeting_id"],
                  detail={"case": item["number"], "parties": sorted(cleaned)})


@entry_point
def reorder(vault: OpenVault, meeting_id: int, item_ids: Sequence[int]) -> None:
    """Put the agenda in this order (every item of the meeting exactly once)."""
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    with vault.begin() as conn:
        _check_editable(_meeting_row(conn, meeting_id))
        present = set(conn.execute(select(agenda_items.c.id)
                                   .where(agenda_items.c.meeting_id == meeting_id)).scalars())
        if sorted(item_ids) != sorted(present) or len(set(item_ids)) != len(item_ids):
            raise ValidationError(_("The new order must hold every case of the agenda once."),
                                  field="order")
        for position, item_id in enumerate(item_ids):
            conn.execute(update(agenda_items).where(agenda_items.c.id == item_id)
                         .values(position=position))
        vault.log(conn, "meeting.reorder", "meeting", meeting_id)


@entry_point
def move_item(vault: OpenVault, item_id: int, to_meeting_id: int) -> None:
    """Move a case not yet discussed to another planned meeting (at the end of its agenda).
    Its invitations are checked again for the other meeting's day."""
    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    with vault.begin() as conn:
        item = _item_row(conn, item_id)
        if item["started_at"] is not None:
            raise TransitionRefused(_("This case has already been discussed in this meeting "
                                      "and cannot be moved."))
        source = _meeting_row(conn, item["meeting_id"])
        target = _meeting_row(conn, to_meeting_id)
        _check_editable(source)
        _check_editable(target)
        if target["state"] != MeetingState.PLANNED.value:
            raise TransitionRefused(_("A case can only be moved to a meeting that has not "
                                      "started."))
        if conn.execute(select(agenda_items.c.id).where(
                agenda_items.c.meeting_id == to_meeting_id,
                agenda_items.c.case_id == item["case_id"])).first() is not None:
            raise ValidationError(_("This case is already on that agenda."), field="meeting")
        invited = {r[0]: r[1] for r in conn.execute(
            select(invitations.c.party_id, invitations.c.contribution)
            .where(invitations.c.agenda_item_id == item_id))}
        _check_invitees(conn, Protocol(item["protocol"]), invited, target["starts_at"].date())
        position = int(conn.execute(select(func.coalesce(func.max(agenda_items.c.position), -1))
                                    .where(agenda_items.c.meeting_id == to_meeting_id)
                                    ).scalar_one()) + 1
        conn.execute(update(agenda_items).where(agenda_items.c.id == item_id).values(
            meeting_id=to_meeting_id, position=position))
        _renumber(conn, item["meeting_id"])
        vault.log(conn, "meeting.item_move", "meeting", item["meeting_id"],
                  detail={"case": item["number"], "to": to_meeting_id})


@entry_point
def remove_item(vault: OpenVault, item_id: int) -> None:
    """Take a case not yet discussed off the agenda (it stays ready for another meeting)."""
    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    with vault.begin() as conn:
        item = _item_row(conn, item_id)
        _check_editable(_meeting_row(conn, item["meeting_id"]))
        if item["started_at"] is not None:
            raise TransitionRefused(_("This case has already been discussed in this meeting "
                                      "and cannot be removed."))
        conn.execute(delete(agenda_items).where(agenda_items.c.id == item_id))
        _renumber(conn, item["meeting_id"])
        vault.log(conn, "meeting.item_remove", "meeting", item["meeting_id"],
                  detail={"case": item["number"]})


def _renumber(conn: Connection, meeting_id: int) -> None:
    ids = list(conn.execute(select(agenda_items.c.id).where(
        agenda_items.c.meeting_id == meeting_id).order_by(agenda_items.c.position)).scalars())
    for position, item_id in enumerate(ids):
        conn.execute(update(agenda_items).where(agenda_items.c.id == item_id)
                     .values(position=position))


@entry_point
def party_agenda(vault: OpenVault, meeting_id: int, party_id: int,
                 on: date | None = None) -> tuple[Meeting, list[AgendaItem]]:
    """The meeting and only the agenda items ``party_id`` may have on its agenda: the sharing
    policy's ``may_receive_agenda`` for each case (active, in the case's protocol, invited
    to the case's item of this meeting, the case not ended; ``app.services.agenda``)."""
    from app.services.agenda import read_party_agenda

    vault.require(Permission.CASE_SUBSTANCE, "meeting", meeting_id)
    with vault.read() as conn:
        meeting, answers = read_party_agenda(conn, meeting_id, party_id, on)
    items = [item for item, answer in answers if answer]
    vault.log_now("meeting.party_agenda", "meeting", meeting_id,
                  detail={"party": party_id, "cases": [i.case_number for i in items]})
    return meeting, items


# -- live mode -------------------------------------------------------------------------------

@entry_point
def start_meeting(vault: OpenVault, meeting_id: int) -> None:
    """Open the meeting (planned -> in session). Invitations are checked once more: a party
    that withdrew since the agenda was made is refused here, before anyone is shown a case."""
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    with vault.begin() as conn:
        row = _meeting_row(conn, meeting_id)
        if row["state"] == MeetingState.IN_PROGRESS.value:
            return
        _check_editable(row)
        meeting = load_meeting(conn, meeting_id)
        today = date.today()
        for item in meeting.items:
            protocol = Protocol(conn.execute(select(cases.c.protocol)
                                             .where(cases.c.id == item.case_id)).scalar_one())
            standings = party_service.standings(conn)
            still = {i.party_id: i.contribution for i in item.invitations
                     if may_be_invited(standings.get(i.party_id), protocol, today)}
            if len(still) != len(item.invitations):
                _write_invitations(conn, item.id, still, now())
        conn.execute(update(meetings).where(meetings.c.id == meeting_id).values(
            state=MeetingState.IN_PROGRESS.value, started_at=now()))
        vault.log(conn, "meeting.start", "meeting", meeting_id)


def _check_live(row: Mapping[str, Any]) -> None:
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
            _check_editable(_meeting_row(conn, meeting_id))
            if conn.execute(select(parties.c.id).where(parties.c.id == party)).first() is None:
                raise ValidationError(_("this party is not in the register; choose the party "
                                        "this person represents"), field="party_id")
            attendee_id = case_service.inserted_id(conn.execute(insert(attendees).values(
                meeting_id=meeting_id, name=name, party_id=party, function=function,
                arrived_at=now(), confidentiality_accepted_at=accepted_at
            )))
            vault.log(conn, "meeting.attendee_add", "meeting", meeting_id,
                      detail={"attendee": attendee_id, "party": party})
    except ValidationError as refused:
        vault.log_now("meeting.attendee_add", "meeting", meeting_id, result="denied",
                      detail={"field": refused.field})
        raise
    return attendee_id


def _attendee_row(conn: Connection, attendee_id: int) -> Mapping[str, Any]:
    row = conn.execute(select(attendees).where(attendees.c.id == attendee_id)).mappings().first()
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
        conn.execute(update(attendees).where(attendees.c.id == attendee_id)
                     .values(confidentiality_accepted_at=when))
        vault.log(conn, "meeting.confidentiality", "meeting", row["meeting_id"],
                  detail={"attendee": attendee_id})
    return when


@entry_point
def attendee_left(vault: OpenVault, attendee_id: int, returned: bool = False) -> None:
    """The person left the meeting (or, ``returned``, came back)."""
    vault.require(Permission.MEETING_LOGISTICS, "attendee", attendee_id)
    with vault.begin() as conn:
        row = _attendee_row(conn, attendee_id)
        conn.execute(update(attendees).where(attendees.c.id == attendee_id)
                     .values(left_at=None if returned else now()))
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
        _check_editable(_meeting_row(conn, row["meeting_id"]))
        conn.execute(delete(attendee_absences).where(
            attendee_absences.c.attendee_id == attendee_id))
        conn.execute(delete(attendees).where(attendees.c.id == attendee_id))
        vault.log(conn, "meeting.attendee_remove", "meeting", row["meeting_id"],
                  detail={"attendee": attendee_id, "party": row["party_id"]})


@entry_point
def set_absent_for_item(vault: OpenVault, attendee_id: int, item_id: int, absent: bool) -> None:
    """Mark a person absent (or present again) for one agenda item."""
    vault.require(Permission.MEETING_LOGISTICS, "attendee", attendee_id)
    with vault.begin() as conn:
        row = _attendee_row(conn, attendee_id)
        conn.execute(delete(attendee_absences).where(and_(
            attendee_absences.c.attendee_id == attendee_id,
            attendee_absences.c.agenda_item_id == item_id)))
        if absent:
            conn.execute(insert(attendee_absences).values(attendee_id=attendee_id,
                                                          agenda_item_id=item_id))
        vault.log(conn, "meeting.attendee_absent" if absent else "meeting.attendee_present",
                  "meeting", row["meeting_id"], detail={"attendee": attendee_id,
                                                        "item": item_id})


@entry_point
def start_item(vault: OpenVault, item_id: int) -> None:
    """Begin discussing one case: its timer starts and the case becomes ``in_progress``."""
    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    with vault.begin() as conn:
        item = _item_row(conn, item_id)
        _check_live(_meeting_row(conn, item["meeting_id"]))
        if item["started_at"] is not None:
            return
        at = now()
        conn.execute(update(agenda_items).where(agenda_items.c.id == item_id)
                     .values(started_at=at))
        state = CaseState(item["state"])
        if state is not CaseState.IN_PROGRESS:
            target = lifecycle.transition(state, CaseState.IN_PROGRESS)
            case_service.set_state(conn, item["case_id"], target, at)
        vault.log(conn, "meeting.item_start", "meeting", item["meeting_id"],
                  detail={"case": item["number"]})


def _check_entry_party(conn: Connection, item_id: int, party_id: int | None) -> None:
    """A minutes entry names only a party invited to its case (adding and correcting)."""
    if party_id is None:
        return
    invited = set(conn.execute(select(invitations.c.party_id).where(
        invitations.c.agenda_item_id == item_id)).scalars())
    if party_id not in invited:
        raise ValidationError(_("This party is not invited to this case."), field="party_id")


@entry_point
def add_entry(vault: OpenVault, item_id: int, entry: EntryInput, *,
              today: date | None = None) -> MinutesEntry:
    """Record one entry of the live minutes at once (it survives a crash from here on)."""
    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    checked = check_entry(entry, today or date.today())
    with vault.begin() as conn:
        item = _item_row(conn, item_id)
        _check_live(_meeting_row(conn, item["meeting_id"]))
        if item["minutes_stored_at"] is not None:
            raise TransitionRefused(_("The minutes of this case have been stored; add to the "
                                      "plan of action instead."))
        _check_entry_party(conn, item_id, checked.party_id)
        at = now()
        entry_id = case_service.inserted_id(conn.execute(insert(minutes_entries).values(
            agenda_item_id=item_id, case_id=item["case_id"], kind=checked.kind.value,
            text=checked.text, party_id=checked.party_id, owner=checked.owner,
            due=checked.due, created_at=at, created_by=vault.actor.account
        )))
        vault.log(conn, "meeting.minutes_add", "case", item["number"],
                  detail={"meeting": item["meeting_id"], "kind": checked.kind.value})
    return MinutesEntry(entry_id, item_id, item["case_id"], checked.kind, checked.text,
                        checked.party_id, checked.owner, checked.due, at)


@entry_point
def remove_entry(vault: OpenVault, entry_id: int) -> None:
    """Delete one entry of the live minutes while the meeting is in session (a mistake;
    the window can undo it by adding it again). Audited without the text."""
    vault.require(Permission.CASE_WORK, "minutes_entry", entry_id)
    with vault.begin() as conn:
        row, item = _live_entry_row(conn, entry_id)
        conn.execute(delete(minutes_entries).where(minutes_entries.c.id == entry_id))
        vault.log(conn, "meeting.minutes_remove", "case", item["number"],
                  detail={"meeting": item["meeting_id"], "entry": entry_id,
                          "kind": row["kind"]})


def _live_entry_row(conn: Connection, entry_id: int) -> tuple[Mapping[str, Any],
                                                               Mapping[str, Any]]:
    """The entry and its agenda item, while the entry may still change: the meeting is in
    session and the case's minutes are not stored yet."""
    row = conn.execute(select(minutes_entries).where(minutes_entries.c.id == entry_id)
                       ).mappings().first()
    if row is None:
        raise NotFound(_("This entry no longer exists."))
    item = _item_row(conn, row["agenda_item_id"])
    _check_live(_meeting_row(conn, item["meeting_id"]))
    if item["minutes_stored_at"] is not None:
        raise TransitionRefused(_("The minutes of this case have been stored; add to the "
                                  "plan of action instead."))
    return cast(Mapping[str, Any], row), item


@entry_point
def edit_entry(vault: OpenVault, entry_id: int, entry: EntryInput, *,
               today: date | None = None) -> MinutesEntry:
    """Correct one entry of the live minutes while the meeting is in session (the same
    rules as :func:`add_entry`). Audited as ``meeting.minutes_edit`` with the kind, never
    the text."""
    vault.require(Permission.CASE_WORK, "minutes_entry", entry_id)
    checked = check_entry(entry, today or date.today())
    with vault.begin() as conn:
        row, item = _live_entry_row(conn, entry_id)
        _check_entry_party(conn, item["id"], checked.party_id)
        conn.execute(update(minutes_entries).where(minutes_entries.c.id == entry_id).values(
            kind=checked.kind.value, text=checked.text, party_id=checked.party_id,
            owner=checked.owner, due=checked.due))
        vault.log(conn, "meeting.minutes_edit", "case", item["number"],
                  detail={"meeting": item["meeting_id"], "entry": entry_id,
                          "kind": checked.kind.value})
    return MinutesEntry(entry_id, item["id"], item["case_id"], checked.kind, checked.text,
                        checked.party_id, checked.owner, checked.due, row["created_at"])


# -- after the case: the minutes with the case, the agreements in the plan -------------------

def _minutes_body(meeting: Mapping[str, Any], item: Mapping[str, Any],
                  attendance: list[Attendee], found: list[MinutesEntry],
                  names: Mapping[int, str]) -> dict[str, Any]:
    item_value = AgendaItem(item["id"], item["meeting_id"], item["case_id"], item["number"], "",
                            item["position"], ItemKind(item["kind"]),
                            item["duration_minutes"], item["goal"], (), (),
                            tuple(Invitation(p) for p in item["invited"]))
    from app.domain.meetings import absence
    return {
        # "starts_at" is when the meeting really began (the planned time before that).
        "meeting": {"id": meeting["id"],
                    "starts_at": (meeting["started_at"] or meeting["starts_at"]).isoformat(),
                    "planned_starts_at": meeting["starts_at"].isoformat(),
                    "started_at": meeting["started_at"].isoformat()
                    if meeting["started_at"] else None,
                    "ended_at": meeting["ended_at"].isoformat() if meeting["ended_at"] else None,
                    "place": meeting["place"], "chair": meeting["chair"]},
        "case_number": item["number"],
        "goal": item["goal"],
        "themes": json.loads(item["themes"]),
        "decision_types": json.loads(item["decision_types"]),
        "started_at": item["started_at"].isoformat() if item["started_at"] else None,
        "ended_at": item["ended_at"].isoformat() if item.get("ended_at") else None,
        "present": [{"name": a.name, "party": names.get(a.party_id, ""),
                     "party_id": a.party_id, "function": a.function,
                     "confidentiality_accepted_at": a.confidentiality_accepted_at.isoformat()
                     if a.confidentiality_accepted_at else None}
                    for a in attendance if absence(a, item_value) is None],
        "entries": [{"kind": e.kind.value, "text": e.text, "party_id": e.party_id,
                     "party": names.get(e.party_id, "") if e.party_id else "",
                     "owner": e.owner, "due": e.due.isoformat() if e.due else None,
                     "plan_key": e.plan_key} for e in found],
    }


def _plan_service() -> Any:
    """The plan area's service, or None while it is not installed (the agreements then wait
    in the minutes, each with its plan key, until :func:`hand_over_to_plan` is called)."""
    try:
        from app.services import plan as plan_service
    except ModuleNotFoundError as exc:
        if exc.name in ("app.services.plan", "app.store.plan_tables"):
            return None
        raise
    return plan_service


@entry_point
def hand_over_to_plan(vault: OpenVault, item_id: int) -> None:
    """Hand the stored minutes of one agenda item to the plan of action (again): what is
    already in the plan is not added twice."""
    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    with vault.read() as conn:
        item = _item_row(conn, item_id)
        if item["minutes_stored_at"] is None:
            raise TransitionRefused(_("The minutes of this case have not been stored yet."))
        found = load_entries(conn, item_id)
    _hand_over_to_plan(vault, item["case_id"], item["meeting_id"], found)


def _hand_over_to_plan(vault: OpenVault, case_id: int, meeting_id: int,
                       found: list[MinutesEntry]) -> None:
    """Agreements become actions of the plan; the coordinator and the closure criteria
    become the plan's. One plan version per case per meeting, linked to the meeting.

    Idempotent: each entry's plan key was fixed in the vault before this call, and an
    action whose key is already in the plan is not added again.
    """
    from app.domain.plan import Action, CaseCoordinator
    plan_service = _plan_service()
    if plan_service is None:
        return
    with vault.read() as conn:
        plan = plan_service.load_plan(conn, case_id)
    keys = {a.key for a in plan.actions}
    actions = list(plan.actions)
    coordinator = plan.coordinator
    closure = plan.closure_criteria
    for e in found:
        if e.kind is EntryKind.ACTION and e.plan_key and e.plan_key not in keys \
                and e.party_id is not None:
            actions.append(Action(key=e.plan_key, party_id=e.party_id, description=e.text,
                                  owner=e.owner, due=e.due))
        elif e.kind is EntryKind.COORDINATOR and e.party_id is not None:
            coordinator = CaseCoordinator(e.party_id, e.owner)
        elif e.kind is EntryKind.CLOSURE_CRITERIA:
            closure = e.text
    new = replace(plan, actions=tuple(actions), coordinator=coordinator,
                  closure_criteria=closure)
    if new != plan:
        plan_service.save_plan(vault, new, meeting_id=meeting_id)


@entry_point
def finish_item(vault: OpenVault, item_id: int) -> None:
    """End the discussion of one case: its timer stops, its minutes are stored with the
    case, and the agreements, coordinator and closure criteria go into the plan of action.
    Calling it again after a crash completes what was left undone."""
    from app.domain.plan import new_key

    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    with vault.begin() as conn:
        item = dict(_item_row(conn, item_id))
        meeting = _meeting_row(conn, item["meeting_id"])
        if item["started_at"] is None:
            raise TransitionRefused(_("This case has not been discussed yet."))
        at = now()
        if item["ended_at"] is None:
            conn.execute(update(agenda_items).where(agenda_items.c.id == item_id)
                         .values(ended_at=at))
            item["ended_at"] = at
        # Fix the plan keys in the vault first, so that handing over can be repeated.
        for entry_id in conn.execute(select(minutes_entries.c.id).where(
                minutes_entries.c.agenda_item_id == item_id,
                minutes_entries.c.kind == EntryKind.ACTION.value,
                minutes_entries.c.plan_key.is_(None))).scalars():
            conn.execute(update(minutes_entries).where(minutes_entries.c.id == entry_id)
                         .values(plan_key=new_key()))
        found = load_entries(conn, item_id)
        attendance = load_attendees(conn, item["meeting_id"])
        item["invited"] = list(conn.execute(select(invitations.c.party_id).where(
            invitations.c.agenda_item_id == item_id)).scalars())
        names = {r[0]: r[1] for r in conn.execute(select(parties.c.id, parties.c.name))}
        body = _minutes_body(meeting, item, attendance, found, names)
        conn.execute(delete(case_minutes_table).where(
            case_minutes_table.c.agenda_item_id == item_id))
        conn.execute(insert(case_minutes_table).values(
            case_id=item["case_id"], meeting_id=item["meeting_id"], agenda_item_id=item_id,
            stored_at=at, stored_by=vault.actor.account,
            body=json.dumps(body, ensure_ascii=False, sort_keys=True)))
        conn.execute(update(agenda_items).where(agenda_items.c.id == item_id)
                     .values(minutes_stored_at=at))
        vault.log(conn, "meeting.minutes_store", "case", item["number"],
                  detail={"meeting": item["meeting_id"], "entries": len(found)})
    if any(e.kind in (EntryKind.ACTION, EntryKind.COORDINATOR, EntryKind.CLOSURE_CRITERIA)
           for e in found):
        _hand_over_to_plan(vault, item["case_id"], item["meeting_id"], found)


@entry_point
def end_meeting(vault: OpenVault, meeting_id: int) -> None:
    """Close the meeting: every case discussed gets its minutes stored (and its agreements
    in the plan); cases not reached stay ``scheduled`` for another meeting."""
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    with vault.read() as conn:
        _check_live(_meeting_row(conn, meeting_id))
        meeting = load_meeting(conn, meeting_id)
    for item in meeting.items:
        if item.started_at is not None and item.minutes_stored_at is None:
            finish_item(vault, item.id)
    with vault.begin() as conn:
        ended = now()
        conn.execute(update(meetings).where(meetings.c.id == meeting_id).values(
            state=MeetingState.FINISHED.value, ended_at=ended))
        # The minutes stored with each case carry the meeting's real end too.
        for minutes_id, raw in list(conn.execute(
                select(case_minutes_table.c.id, case_minutes_table.c.body)
                .where(case_minutes_table.c.meeting_id == meeting_id))):
            body = json.loads(raw)
            body.setdefault("meeting", {})["ended_at"] = ended.isoformat()
            conn.execute(update(case_minutes_table).where(case_minutes_table.c.id == minutes_id)
                         .values(body=json.dumps(body, ensure_ascii=False, sort_keys=True)))
        _drop_draft(conn, vault, LIVE_DRAFT, str(meeting_id))
        vault.log(conn, "meeting.end", "meeting", meeting_id)


@dataclass(frozen=True)
class StoredMinutes:
    meeting_id: int
    agenda_item_id: int
    stored_at: datetime
    body: dict[str, Any]


@entry_point
def case_minutes(vault: OpenVault, number_or_id: str | int) -> list[StoredMinutes]:
    """The minutes stored with a case, one per meeting where it was discussed, oldest first;
    ``CASE_SUBSTANCE`` (they quote items, name the family and hold the agreements)."""
    vault.require(Permission.CASE_SUBSTANCE, "case", str(number_or_id))
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number_or_id)
        _state, number = case_service.current_state(conn, case_id)
        rows = list(conn.execute(select(case_minutes_table)
                                 .where(case_minutes_table.c.case_id == case_id)
                                 .order_by(case_minutes_table.c.stored_at)).mappings())
    vault.log_now("meeting.minutes_read", "case", number, detail={"count": len(rows)})
    return [StoredMinutes(r["meeting_id"], r["agenda_item_id"], r["stored_at"],
                          json.loads(r["body"])) for r in rows]


# -- drafts: the wizard and the live minutes being typed -------------------------------------

def _drop_draft(conn: Connection, vault: OpenVault, kind: str, object_id: str | None) -> None:
    query = delete(drafts).where(drafts.c.kind == kind, drafts.c.owner == vault.actor.account)
    query = query.where(drafts.c.object_id.is_(None) if object_id is None
                        else drafts.c.object_id == object_id)
    conn.execute(query)


def _save_draft(vault: OpenVault, kind: str, object_id: str | None, title: str,
                payload: Mapping[str, Any]) -> None:
    with vault.begin() as conn:
        _drop_draft(conn, vault, kind, object_id)
        conn.execute(insert(drafts).values(
            kind=kind, owner=vault.actor.account, object_id=object_id, title=title,
            payload=json.dumps(dict(payload), ensure_ascii=False, sort_keys=True),
            updated_at=datetime.utcnow().replace(microsecond=0)))


def _load_draft(vault: OpenVault, kind: str, object_id: str | None) -> dict[str, Any] | None:
    with vault.read() as conn:
        query = select(drafts.c.payload).where(drafts.c.kind == kind,
                                               drafts.c.owner == vault.actor.account)
        query = query.where(drafts.c.object_id.is_(None) if object_id is None
                            else drafts.c.object_id == object_id)
        found = conn.execute(query).scalar()
    return json.loads(found) if found else None


@entry_point
def save_agenda_draft(vault: OpenVault, draft: AgendaDraft) -> None:
    """The agenda wizard half filled in (kept in the vault; back after unlock)."""
    vault.require(Permission.CASE_WORK, "meeting", "-")
    _save_draft(vault, AGENDA_DRAFT, None, _("Agenda being prepared"), draft.to_json())


@entry_point
def load_agenda_draft(vault: OpenVault) -> AgendaDraft | None:
    vault.require(Permission.CASE_WORK, "meeting", "-")
    data = _load_draft(vault, AGENDA_DRAFT, None)
    return AgendaDraft.from_json(data) if data else None


@entry_point
def discard_agenda_draft(vault: OpenVault) -> None:
    with vault.begin() as conn:
        _drop_draft(conn, vault, AGENDA_DRAFT, None)


@entry_point
def save_live_draft(vault: OpenVault, meeting_id: int, payload: Mapping[str, Any]) -> None:
    """What is being typed in live mode (the entry not yet added, the current item): saved
    every few seconds and on lock, so a crash loses at most those seconds."""
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    with vault.read() as conn:
        title = _("Minutes of {meeting}").format(
            meeting=meeting_label(load_meeting(conn, meeting_id)))
    _save_draft(vault, LIVE_DRAFT, str(meeting_id), title, payload)


@entry_point
def load_live_draft(vault: OpenVault, meeting_id: int) -> dict[str, Any] | None:
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    return _load_draft(vault, LIVE_DRAFT, str(meeting_id))


@entry_point
def discard_live_draft(vault: OpenVault, meeting_id: int) -> None:
    with vault.begin() as conn:
        _drop_draft(conn, vault, LIVE_DRAFT, str(meeting_id))


def case_summary(conn: Connection, case_id: int) -> Case:
    """The case as the meeting screens summarise it (for services only)."""
    return case_service.load_case(conn, case_id)
