"""The minutes of a case meeting and the hand-over to the plan: the live minutes (agreements,
decisions, notes, the case coordinator, the closure criteria), written the moment each entry
is added, corrected or removed while the meeting runs; after each item the minutes stored
with the case and the agreements handed to the plan of action (``app.services.plan``); the
meeting ended; the minutes read back per case (:func:`case_minutes`).

Rules: what is said about a case is ``CASE_SUBSTANCE`` (the process director only): the
entries and the stored minutes refuse any other role. Live mode loses nothing: what is being
typed is saved as a draft in the vault every few seconds (:func:`save_live_draft`) and on
lock. Every write is one transaction with an audit row (ids and case numbers, never text).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection

from app.domain.meetings import (AgendaItem, Attendee, EntryInput, EntryKind, Invitation,
                                 ItemKind, MeetingState, MinutesEntry, check_entry,
                                 meeting_label)
from app.domain.roles import Permission
from app.errors import NotFound, TransitionRefused, ValidationError
from app.i18n import _
from app.services import cases as case_service
from app.services import drafts as draft_store
from app.services.meeting_live import check_live, load_attendees
from app.services.meetings import item_row, load_meeting, meeting_row, now
from app.store import meetings as meeting_rows
from app.store import parties as party_rows
from app.vault.vault import OpenVault, utcnow
from app.vault.access import entry_point


LIVE_DRAFT = draft_store.MINUTES


def load_entries(conn: Connection, item_id: int) -> list[MinutesEntry]:
    return [MinutesEntry(r["id"], r["agenda_item_id"], r["case_id"], EntryKind(r["kind"]),
                         r["text"], r["party_id"], r["owner"], r["due"], r["created_at"],
                         r["plan_key"], r["row_version"])
            for r in meeting_rows.entry_rows(conn, item_id)]


@entry_point
def entries(vault: OpenVault, item_id: int) -> list[MinutesEntry]:
    """The minutes of one agenda item so far (logged against its case); ``CASE_SUBSTANCE``."""
    vault.require(Permission.CASE_SUBSTANCE, "agenda_item", item_id)
    with vault.read() as conn:
        number = item_row(conn, item_id)["number"]
        found = load_entries(conn, item_id)
    vault.log_now("meeting.minutes_read", "case", number,
                  detail={"agenda_item": item_id, "count": len(found)})
    return found


def _check_entry_party(conn: Connection, item_id: int, party_id: int | None) -> None:
    """A minutes entry names only a party invited to its case (adding and correcting)."""
    if party_id is None:
        return
    invited = set(meeting_rows.invited_parties(conn, item_id))
    if party_id not in invited:
        raise ValidationError(_("This party is not invited to this case."), field="party_id")


@entry_point
def add_entry(vault: OpenVault, item_id: int, entry: EntryInput, *,
              today: date | None = None) -> MinutesEntry:
    """Record one entry of the live minutes at once (it survives a crash from here on)."""
    vault.require(Permission.CASE_WORK, "agenda_item", item_id)
    checked = check_entry(entry, today or date.today())
    with vault.begin() as conn:
        item = item_row(conn, item_id)
        check_live(meeting_row(conn, item["meeting_id"]))
        if item["minutes_stored_at"] is not None:
            raise TransitionRefused(_("The minutes of this case have been stored; add to the "
                                      "plan of action instead."))
        _check_entry_party(conn, item_id, checked.party_id)
        at = now()
        entry_id = meeting_rows.add_entry(conn, {
            "agenda_item_id": item_id, "case_id": item["case_id"], "kind": checked.kind.value,
            "text": checked.text, "party_id": checked.party_id, "owner": checked.owner,
            "due": checked.due, "created_at": at, "created_by": vault.actor.account})
        vault.log(conn, "meeting.minutes_add", "case", item["number"],
                  detail={"meeting": item["meeting_id"], "kind": checked.kind.value})
    return MinutesEntry(entry_id, item_id, item["case_id"], checked.kind, checked.text,
                        checked.party_id, checked.owner, checked.due, at, version=1)


@entry_point
def remove_entry(vault: OpenVault, entry_id: int, *, version: int | None = None) -> None:
    """Delete one entry of the live minutes while the meeting is in session (a mistake;
    the window can undo it by adding it again). Audited without the text.

    ``version``: the version the entry was read at; when another session corrected it
    since, ``EditConflict`` names the account and moment and the entry stays (issue 22,
    point 4). None: no check."""
    vault.require(Permission.CASE_WORK, "minutes_entry", entry_id)
    with vault.begin() as conn:
        row, item = _live_entry_row(conn, entry_id)
        meeting_rows.remove_entry_read_at(conn, entry_id, version)
        vault.log(conn, "meeting.minutes_remove", "case", item["number"],
                  detail={"meeting": item["meeting_id"], "entry": entry_id,
                          "kind": row["kind"]})


def _live_entry_row(conn: Connection, entry_id: int) -> tuple[Mapping[str, Any],
                                                               Mapping[str, Any]]:
    """The entry and its agenda item, while the entry may still change: the meeting is in
    session and the case's minutes are not stored yet."""
    row = meeting_rows.entry_row(conn, entry_id)
    if row is None:
        raise NotFound(_("This entry no longer exists."))
    item = item_row(conn, row["agenda_item_id"])
    check_live(meeting_row(conn, item["meeting_id"]))
    if item["minutes_stored_at"] is not None:
        raise TransitionRefused(_("The minutes of this case have been stored; add to the "
                                  "plan of action instead."))
    return cast(Mapping[str, Any], row), item


@entry_point
def edit_entry(vault: OpenVault, entry_id: int, entry: EntryInput, *,
               version: int | None = None, today: date | None = None) -> MinutesEntry:
    """Correct one entry of the live minutes while the meeting is in session (the same
    rules as :func:`add_entry`). Audited as ``meeting.minutes_edit`` with the kind, never
    the text.

    ``version``: the version the entry was read at (``MinutesEntry.version``); when another
    session (another workstation or window) corrected it since, nothing is written and
    ``EditConflict`` names that account and moment (issue 22, point 4). None: no check.
    Returns the entry as now stored, with its new version."""
    vault.require(Permission.CASE_WORK, "minutes_entry", entry_id)
    checked = check_entry(entry, today or date.today())
    with vault.begin() as conn:
        row, item = _live_entry_row(conn, entry_id)
        _check_entry_party(conn, item["id"], checked.party_id)
        meeting_rows.correct_entry(conn, entry_id, version, {
            "kind": checked.kind.value, "text": checked.text, "party_id": checked.party_id,
            "owner": checked.owner, "due": checked.due}, vault.actor.account, utcnow())
        vault.log(conn, "meeting.minutes_edit", "case", item["number"],
                  detail={"meeting": item["meeting_id"], "entry": entry_id,
                          "kind": checked.kind.value})
    return MinutesEntry(entry_id, item["id"], item["case_id"], checked.kind, checked.text,
                        checked.party_id, checked.owner, checked.due, row["created_at"],
                        row["plan_key"], int(row["row_version"]) + 1)


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
        item = item_row(conn, item_id)
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
        item = dict(item_row(conn, item_id))
        meeting = meeting_row(conn, item["meeting_id"])
        if item["started_at"] is None:
            raise TransitionRefused(_("This case has not been discussed yet."))
        at = now()
        if item["ended_at"] is None:
            meeting_rows.set_item_fields(conn, item_id, {"ended_at": at})
            item["ended_at"] = at
        # Fix the plan keys in the vault first, so that handing over can be repeated.
        for entry_id in meeting_rows.actions_without_plan_key(conn, item_id,
                                                              EntryKind.ACTION.value):
            meeting_rows.change_entry(conn, entry_id, {"plan_key": new_key()})
        found = load_entries(conn, item_id)
        attendance = load_attendees(conn, item["meeting_id"])
        item["invited"] = meeting_rows.invited_parties(conn, item_id)
        names = party_rows.names(conn)
        body = _minutes_body(meeting, item, attendance, found, names)
        meeting_rows.store_case_minutes(
            conn, case_id=item["case_id"], meeting_id=item["meeting_id"], item_id=item_id,
            stored_at=at, stored_by=vault.actor.account,
            body=json.dumps(body, ensure_ascii=False, sort_keys=True))
        meeting_rows.set_item_fields(conn, item_id, {"minutes_stored_at": at})
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
        check_live(meeting_row(conn, meeting_id))
        meeting = load_meeting(conn, meeting_id)
    for item in meeting.items:
        if item.started_at is not None and item.minutes_stored_at is None:
            finish_item(vault, item.id)
    with vault.begin() as conn:
        ended = now()
        meeting_rows.set_meeting_fields(conn, meeting_id, {
            "state": MeetingState.FINISHED.value, "ended_at": ended}, by=vault.actor.account)
        # The minutes stored with each case carry the meeting's real end too.
        for minutes_id, raw in meeting_rows.minutes_bodies_of_meeting(conn, meeting_id):
            body = json.loads(raw)
            body.setdefault("meeting", {})["ended_at"] = ended.isoformat()
            meeting_rows.set_minutes_body(conn, minutes_id,
                                          json.dumps(body, ensure_ascii=False, sort_keys=True))
        draft_store.drop(vault, LIVE_DRAFT, str(meeting_id), conn)
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
        rows = meeting_rows.minutes_of_case(conn, case_id)
    vault.log_now("meeting.minutes_read", "case", number, detail={"count": len(rows)})
    return [StoredMinutes(r["meeting_id"], r["agenda_item_id"], r["stored_at"],
                          json.loads(r["body"])) for r in rows]


@entry_point
def save_live_draft(vault: OpenVault, meeting_id: int, payload: Mapping[str, Any]) -> None:
    """What is being typed in live mode (the entry not yet added, the current item): saved
    every few seconds and on lock, so a crash loses at most those seconds."""
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    with vault.read() as conn:
        title = _("Minutes of {meeting}").format(
            meeting=meeting_label(load_meeting(conn, meeting_id)))
    draft_store.put(vault, LIVE_DRAFT, str(meeting_id), dict(payload), title=title,
                    quiet_resave=True)


@entry_point
def load_live_draft(vault: OpenVault, meeting_id: int) -> dict[str, Any] | None:
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    stored = draft_store.get(vault, LIVE_DRAFT, str(meeting_id))
    return None if stored is None else stored.payload


@entry_point
def discard_live_draft(vault: OpenVault, meeting_id: int) -> None:
    draft_store.drop(vault, LIVE_DRAFT, str(meeting_id))
