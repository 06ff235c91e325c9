"""Case meetings as use cases, the agenda and the invitations: plan a meeting with its
agenda, edit the agenda afterwards (reorder, move a case to another meeting, add a
follow-up), invite parties per agenda item, and read the meetings. Running the meeting is
``app.services.meeting_live`` (attendance, the meeting and its items started); what is said
is ``app.services.minutes`` (the live minutes, the minutes stored with the case and the
agreements handed to the plan of action); a party's own agenda is ``app.services.agenda``.

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
  name or case text). Reading needs ``VIEW_CASES``; the agenda and invitations need
  ``CASE_WORK`` (covenant 12.2c-e: the process director's tasks).
* The cases ready for an agenda with triage's goal and themes (:func:`candidate_cases`) are
  ``CASE_SUBSTANCE`` (the process director only). :func:`get_meeting` serves every role
  that reads meetings: a role without ``CASE_SUBSTANCE`` gets the meeting's logistics only
  (date, place, chair, the cases by number and initials, the order and durations, the
  invited parties) with no goal, themes, decision types or the contribution asked of each
  party (:func:`logistics_only`).

The helpers the other meeting modules share (:func:`meeting_row`, :func:`item_row`,
:func:`check_editable`, :func:`write_invitations`, the draft helpers, :func:`now`) live here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection

from app.domain import lifecycle
from app.domain.cases import Case
from app.domain.lifecycle import CaseState, TransitionFacts
from app.domain.meetings import (AgendaDraft, AgendaItem, DecisionType, Invitation, ItemKind,
                                 Meeting, MeetingState, check_duration, check_item_details,
                                 check_meeting, decision_types_from, initials, place_key)
from app.domain.protocols import Protocol
from app.domain.triage import QueryAnswer
from app.domain.roles import Permission, may
from app.errors import NotFound, TransitionRefused, ValidationError
from app.i18n import _
from app.services import cases as case_service
from app.services import drafts as draft_store
from app.services import parties as party_service
from app.sharing.policy import may_be_invited
from app.store import cases as case_rows
from app.store import meetings as meeting_rows
from app.store import subjects as subject_rows
from app.store import parties as party_rows
from app.vault.vault import OpenVault, utcnow
from app.vault.access import entry_point


AGENDA_DRAFT = draft_store.AGENDA


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
    row = meeting_rows.latest_item_of_case(conn, case_id, exclude_meeting)
    if row is None:
        return None
    invited = tuple(meeting_rows.invited_in_order(conn, int(row["id"])))
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
    rows = subject_rows.names_of_cases(conn, ids)
    for case_id, given, surname, role in rows:
        # The main subject names the case; otherwise the first subject listed.
        if role == "main_subject" or case_id not in found:
            found[case_id] = initials(given, surname)
    return found


def _load_items(conn: Connection, meeting_ids: Sequence[int], substance: bool = True
                ) -> dict[int, list[AgendaItem]]:
    """The meetings' agenda items; without ``substance`` their logistics only, read without
    touching a column of the substance (on the house server the role may not)."""
    if not meeting_ids:
        return {}
    rows = meeting_rows.items_of_meetings(conn, meeting_ids, substance=substance)
    item_ids = [r["id"] for r in rows]
    invited: dict[int, list[Invitation]] = {}
    if item_ids:
        for r in meeting_rows.invitation_rows(conn, item_ids, substance=substance):
            invited.setdefault(r["agenda_item_id"], []).append(
                Invitation(r["party_id"], r["contribution"] if substance else ""))
    case_ids = {r["case_id"] for r in rows}
    names = (_subject_initials(conn, case_ids) if substance
             else {case_id: case_service.register_shape("", main)[0]
                   for case_id, main in case_rows.main_subjects(conn, case_ids).items()})
    result: dict[int, list[AgendaItem]] = {}
    for r in rows:
        result.setdefault(r["meeting_id"], []).append(AgendaItem(
            id=r["id"], meeting_id=r["meeting_id"], case_id=r["case_id"],
            case_number=r["number"], subject_initials=names.get(r["case_id"], ""),
            position=r["position"], kind=ItemKind(r["kind"]),
            duration_minutes=r["duration_minutes"], goal=r["goal"] if substance else "",
            themes=tuple(json.loads(r["themes"])) if substance else (),
            decision_types=(decision_types_from(json.loads(r["decision_types"]))
                            if substance else ()),
            invitations=tuple(invited.get(r["id"], ())), started_at=r["started_at"],
            ended_at=r["ended_at"], minutes_stored_at=r["minutes_stored_at"]))
    return result


def load_meeting(conn: Connection, meeting_id: int, *, substance: bool = True) -> Meeting:
    """The meeting with its agenda, without permission check or audit (for services);
    without ``substance`` the agenda's logistics only (:func:`logistics_only`)."""
    row = meeting_rows.meeting(conn, meeting_id)
    if row is None:
        raise NotFound(_("There is no meeting with number {id}.").format(id=meeting_id))
    items = _load_items(conn, [meeting_id], substance).get(meeting_id, [])
    return Meeting(id=row["id"], starts_at=row["starts_at"], place=row["place"],
                   chair=row["chair"], state=MeetingState(row["state"]), items=tuple(items),
                   started_at=row["started_at"], ended_at=row["ended_at"],
                   version=row["row_version"])


@entry_point
def list_meetings(vault: OpenVault, *, include_finished: bool = True) -> list[MeetingRow]:
    """Every meeting, soonest first (finished ones after the others)."""
    vault.require(Permission.VIEW_CASES, "meeting", "-")
    with vault.read() as conn:
        counts = meeting_rows.item_counts(conn)
        rows = meeting_rows.all_meetings(conn)
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
        meeting = load_meeting(conn, meeting_id, substance=substance)
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
    #: what the party answered in this case's triage (None: not asked or no answer yet)
    triage_answer: QueryAnswer | None = None


@entry_point
def invitee_choices(vault: OpenVault, case_id: int, on: date) -> list[InviteeChoice]:
    """Every party of the register with the policy's answer to "may it be invited to a
    meeting on this case on ``on``?", entitled ones first, by name."""
    from app.services import triage as triage_service

    vault.require(Permission.VIEW_CASES, "case", case_id)
    with vault.read() as conn:
        protocol = Protocol(case_rows.protocol_of(conn, case_id))
        standings = party_service.standings(conn)
        names = party_names(conn)
        answers = {q.party_id: q.answer for q in triage_service.queries(conn, case_id)}
    choices = []
    for party_id, name in names.items():
        entitlement = may_be_invited(standings.get(party_id), protocol, on)
        choices.append(InviteeChoice(party_id, name, bool(entitlement),
                                     "" if entitlement else entitlement.reason.label,
                                     answers.get(party_id)))
    return sorted(choices, key=lambda c: (not c.allowed, c.name.casefold()))


@entry_point
def party_names(source: Any) -> dict[int, str]:
    """Party id -> name (organisation names are no personal data)."""
    return {p.id: p.name for p in party_service.list_parties(source)}


def _open_item_of_case(conn: Connection, case_id: int,
                       exclude_meeting: int | None = None) -> tuple[int, datetime] | None:
    """The meeting (id, time) where the case is on an agenda not yet discussed."""
    return meeting_rows.open_item_of_case(conn, case_id, MeetingState.FINISHED.value,
                                          exclude_meeting)


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
        rows = case_rows.cases_in_states(conn, [CaseState.TRIAGE.value,
                                                CaseState.SCHEDULED.value,
                                                CaseState.IN_PROGRESS.value])
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


# -- checks inside a write transaction -------------------------------------------------------

def meeting_row(conn: Connection, meeting_id: int) -> Mapping[str, Any]:
    row = meeting_rows.meeting(conn, meeting_id)
    if row is None:
        raise NotFound(_("There is no meeting with number {id}.").format(id=meeting_id))
    return cast(Mapping[str, Any], row)


def item_row(conn: Connection, item_id: int) -> Mapping[str, Any]:
    row = meeting_rows.item_with_case(conn, item_id)
    if row is None:
        raise NotFound(_("This agenda item no longer exists."))
    return cast(Mapping[str, Any], row)


def _check_no_clash(conn: Connection, starts_at: datetime, place: str,
                    meeting_id: int | None = None) -> None:
    if meeting_rows.clashes(conn, starts_at, place_key(place), meeting_id):
        raise ValidationError(_("Another meeting is planned at the same time and place."),
                              field="starts_at")


def check_editable(row: Mapping[str, Any]) -> None:
    if row["state"] == MeetingState.FINISHED.value:
        raise TransitionRefused(_("This meeting has finished; its agenda can no longer be "
                                  "changed."))


def _check_invitees(conn: Connection, protocol: Protocol, invited: Mapping[int, str],
                    on: date) -> dict[int, str]:
    """Every invitee entitled under the policy on the meeting's day; refuse otherwise."""
    standings = party_service.standings(conn)
    names = party_rows.names(conn)
    cleaned: dict[int, str] = {}
    for party_id, contribution in invited.items():
        entitlement = may_be_invited(standings.get(int(party_id)), protocol, on)
        if not entitlement:
            raise ValidationError(_("{party} may not be invited: {reason}").format(
                party=names.get(int(party_id), f"#{party_id}"),
                reason=entitlement.reason.label), field="invited")
        cleaned[int(party_id)] = " ".join(str(contribution or "").split())
    return cleaned


def write_invitations(conn: Connection, item_id: int, invited: Mapping[int, str],
                       at: datetime) -> None:
    meeting_rows.replace_invitations(conn, item_id, invited, at)


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
    row = case_rows.number_protocol_state(conn, case_id)
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
        position = meeting_rows.next_position(conn, meeting_id)
    item_id = meeting_rows.add_item(conn, {
        "meeting_id": meeting_id, "case_id": case_id, "position": position,
        "kind": kind.value, "duration_minutes": duration, "goal": goal,
        "themes": json.dumps(list(clean_themes)),
        "decision_types": json.dumps([d.value for d in kinds])})
    write_invitations(conn, item_id, cleaned, at)
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
        meeting_id = meeting_rows.add_meeting(conn, {
            "starts_at": starts_at, "place": place, "place_key": place_key(place),
            "chair": chair, "state": MeetingState.PLANNED.value, "created_at": at,
            "created_by": vault.actor.account})
        numbers = []
        for position, item in enumerate(draft.items):
            _item_id, number = _insert_item(
                conn, meeting_id, starts_at.date(), item.case_id,
                duration=item.duration_minutes, goal=item.goal, themes=item.themes,
                decision_types=item.decision_types, invited=item.invited, position=position,
                at=at)
            numbers.append(number)
        vault.log(conn, "meeting.plan", "meeting", meeting_id, detail={"cases": numbers})
        draft_store.drop(vault, AGENDA_DRAFT, None, conn)
    return meeting_id


@entry_point
def update_meeting(vault: OpenVault, meeting_id: int, starts_at: datetime, place: str,
                   chair: str, *, version: int | None = None) -> None:
    """Change a planned meeting's date, place or chair. ``version``: the meeting's version
    as read (``Meeting.version``); changed since by another session, ``EditConflict``."""
    vault.require(Permission.MEETING_LOGISTICS, "meeting", meeting_id)
    starts_at, place, chair = check_meeting(starts_at, place, chair)
    with vault.begin() as conn:
        check_editable(meeting_row(conn, meeting_id))
        _check_no_clash(conn, starts_at, place, meeting_id)
        meeting_rows.set_meeting_fields(conn, meeting_id, {
            "starts_at": starts_at, "place": place, "place_key": place_key(place),
            "chair": chair}, version=version, by=vault.actor.account, at=utcnow())
        vault.log(conn, "meeting.update", "meeting", meeting_id)


@entry_point
def add_item(vault: OpenVault, meeting_id: int, case_id: int, *, duration: int, goal: str,
             themes: Sequence[str], decision_types: Sequence[DecisionType],
             invited: Mapping[int, str]) -> int:
    """Put one more case on a planned meeting's agenda (e.g. a follow-up); returns its id."""
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    at = now()
    with vault.begin() as conn:
        row = meeting_row(conn, meeting_id)
        check_editable(row)
        item_id, number = _insert_item(
            conn, meeting_id, row["starts_at"].date(), case_id, duration=duration, goal=goal,
            themes=themes, decision_types=decision_types, invited=invited, position=None,
            at=at)
        vault.log(conn, "meeting.item_add", "meeting", meeting_id, detail={"case": number})
    return item_id


@entry_point
def update_item(vault: OpenVault, item_id: int, *, duration: int, goal: str,
                themes: Sequence[str], decision_types: Sequence[DecisionType],
                version: int | None = None) -> None:
    """Change one agenda item. ``version``: the meeting's version as read; the meeting's
    logistics or agenda changed since by another session, ``EditConflict``."""
    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    duration = check_duration(duration)
    goal, clean_themes, kinds = check_item_details(goal, themes, decision_types)
    with vault.begin() as conn:
        item = item_row(conn, item_id)
        check_editable(meeting_row(conn, item["meeting_id"]))
        meeting_rows.set_meeting_fields(conn, item["meeting_id"], {}, version=version,
                                        by=vault.actor.account, at=utcnow())
        meeting_rows.set_item_fields(conn, item_id, {
            "duration_minutes": duration, "goal": goal,
            "themes": json.dumps(list(clean_themes)),
            "decision_types": json.dumps([d.value for d in kinds])})
        vault.log(conn, "meeting.item_update", "meeting", item["meeting_id"],
                  detail={"case": item["number"]})


@entry_point
def set_invitations(vault: OpenVault, item_id: int, invited: Mapping[int, str]) -> None:
    """Replace the parties invited to one agenda item (each checked by the policy)."""
    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    if not invited:
        raise ValidationError(_("Invite at least one party."), field="invited")
    with vault.begin() as conn:
        item = item_row(conn, item_id)
        meeting = meeting_row(conn, item["meeting_id"])
        check_editable(meeting)
        cleaned = _check_invitees(conn, Protocol(item["protocol"]), invited,
                                  meeting["starts_at"].date())
        write_invitations(conn, item_id, cleaned, now())
        vault.log(conn, "meeting.invite", "meeting", item["meeting_id"],
                  detail={"case": item["number"], "parties": sorted(cleaned)})


@entry_point
def reorder(vault: OpenVault, meeting_id: int, item_ids: Sequence[int]) -> None:
    """Put the agenda in this order (every item of the meeting exactly once)."""
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    with vault.begin() as conn:
        check_editable(meeting_row(conn, meeting_id))
        present = set(meeting_rows.item_ids_in_order(conn, meeting_id))
        if sorted(item_ids) != sorted(present) or len(set(item_ids)) != len(item_ids):
            raise ValidationError(_("The new order must hold every case of the agenda once."),
                                  field="order")
        for position, item_id in enumerate(item_ids):
            meeting_rows.set_item_fields(conn, item_id, {"position": position})
        vault.log(conn, "meeting.reorder", "meeting", meeting_id)


@entry_point
def move_item(vault: OpenVault, item_id: int, to_meeting_id: int) -> None:
    """Move a case not yet discussed to another planned meeting (at the end of its agenda).
    Its invitations are checked again for the other meeting's day."""
    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    with vault.begin() as conn:
        item = item_row(conn, item_id)
        if item["started_at"] is not None:
            raise TransitionRefused(_("This case has already been discussed in this meeting "
                                      "and cannot be moved."))
        source = meeting_row(conn, item["meeting_id"])
        target = meeting_row(conn, to_meeting_id)
        check_editable(source)
        check_editable(target)
        if target["state"] != MeetingState.PLANNED.value:
            raise TransitionRefused(_("A case can only be moved to a meeting that has not "
                                      "started."))
        if meeting_rows.case_on_agenda(conn, to_meeting_id, item["case_id"]):
            raise ValidationError(_("This case is already on that agenda."), field="meeting")
        invited = meeting_rows.contributions(conn, item_id)
        _check_invitees(conn, Protocol(item["protocol"]), invited, target["starts_at"].date())
        position = meeting_rows.next_position(conn, to_meeting_id)
        meeting_rows.set_item_fields(conn, item_id, {"meeting_id": to_meeting_id,
                                                     "position": position})
        _renumber(conn, item["meeting_id"])
        vault.log(conn, "meeting.item_move", "meeting", item["meeting_id"],
                  detail={"case": item["number"], "to": to_meeting_id})


@entry_point
def remove_item(vault: OpenVault, item_id: int) -> None:
    """Take a case not yet discussed off the agenda (it stays ready for another meeting)."""
    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    with vault.begin() as conn:
        item = item_row(conn, item_id)
        check_editable(meeting_row(conn, item["meeting_id"]))
        if item["started_at"] is not None:
            raise TransitionRefused(_("This case has already been discussed in this meeting "
                                      "and cannot be removed."))
        meeting_rows.remove_item(conn, item_id)
        _renumber(conn, item["meeting_id"])
        vault.log(conn, "meeting.item_remove", "meeting", item["meeting_id"],
                  detail={"case": item["number"]})


def _renumber(conn: Connection, meeting_id: int) -> None:
    for position, item_id in enumerate(meeting_rows.item_ids_in_order(conn, meeting_id)):
        meeting_rows.set_item_fields(conn, item_id, {"position": position})


# -- drafts: the wizard and the live minutes being typed -------------------------------------

@entry_point
def save_agenda_draft(vault: OpenVault, draft: AgendaDraft) -> None:
    """The agenda wizard half filled in (kept in the vault; back after unlock)."""
    vault.require(Permission.CASE_WORK, "meeting", "-")
    draft_store.put(vault, AGENDA_DRAFT, None, dict(draft.to_json()),
                    title=_("Agenda being prepared"))


@entry_point
def load_agenda_draft(vault: OpenVault) -> AgendaDraft | None:
    vault.require(Permission.CASE_WORK, "meeting", "-")
    stored = draft_store.get(vault, AGENDA_DRAFT, None)
    return AgendaDraft.from_json(stored.payload) if stored and stored.payload else None


@entry_point
def discard_agenda_draft(vault: OpenVault) -> None:
    draft_store.drop(vault, AGENDA_DRAFT, None)


def case_summary(conn: Connection, case_id: int) -> Case:
    """The case as the meeting screens summarise it (for services only)."""
    return case_service.load_case(conn, case_id)
