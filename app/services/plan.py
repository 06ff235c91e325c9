"""The plan of action as use cases: read the current plan, save a new version (optionally
for a meeting), record an agreement from the meeting as an action, note progress and
change an action's status, and read the history (what changed when).

Reading the plan's texts (the current plan, its versions and history) needs
``CASE_SUBSTANCE`` (the process director: the information centre is refused), writing
``CASE_WORK``. Every save is one transaction that
checks the version it started from (two people editing at once: the second is told), checks
the case's lifecycle (a plan is kept while the case is open), writes the current plan rows,
stores a snapshot as a new version and appends to the audit log (case number and version
only).

A party named in the plan for the first time must be entitled to take part in the case on
that day (the sharing policy's ``may_be_invited``); a party already in the plan that later
withdrew stays in it, so that the history remains true.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from app.domain.life_domains import LifeDomain
from app.domain.plan import (
    Action,
    ActionPlan,
    ActionStatus,
    CaseCoordinator,
    Goal,
    InformationNeed,
    ProgressNote,
    changes,
    from_snapshot,
    new_key,
    rebase,
    snapshot,
    validate,
)
from app.domain.protocols import Protocol
from app.domain.roles import Permission
from app.errors import EditConflict, NotFound, TransitionRefused
from app.i18n import _
from app.services import cases as case_service
from app.services import drafts as draft_store
from app.services import parties as party_service
from app.sharing.policy import may_be_invited
from app.store import cases as case_rows
from app.store import plan as plan_rows
from app.store import parties as party_rows
from app.vault.vault import OpenVault, utcnow
from app.vault.access import entry_point


class PlanConflict(EditConflict):
    """The plan was saved by someone else (another session) since it was loaded: the
    account and moment of that save are told (issue 22, point 4)."""


@dataclass(frozen=True)
class PlanVersion:
    """One saved version of a plan, with what changed from the one before."""

    version: int
    saved_at: datetime
    saved_by: str
    meeting_id: int | None
    changes: tuple[str, ...]


# -- reading ---------------------------------------------------------------------------

def _plan_row(conn: Connection, case_id: int) -> Any:
    return plan_rows.plan_row(conn, case_id)


def load_plan(conn: Connection, case_id: int) -> ActionPlan:
    """The current plan of a case (an empty plan, version 0, if none was saved); no
    permission check or audit: for services."""
    row = _plan_row(conn, case_id)
    if row is None:
        return ActionPlan(case_id=case_id)
    plan_id = row["id"]
    goals = tuple(Goal(r["key"], LifeDomain(r["life_domain"]), r["description"])
                  for r in plan_rows.goal_rows(conn, plan_id))
    action_rows = plan_rows.action_rows(conn, plan_id)
    ids = [r["id"] for r in action_rows]
    limited: dict[int, set[int]] = {}
    notes: dict[int, list[ProgressNote]] = {}
    if ids:
        for action_id, party_id in plan_rows.action_parties(conn, ids):
            limited.setdefault(action_id, set()).add(party_id)
        for r in plan_rows.note_rows(conn, ids):
            notes.setdefault(r["action_id"], []).append(
                ProgressNote(r["at"], r["author"], r["text"]))
    actions = tuple(Action(
        key=r["key"], party_id=r["party_id"], description=r["description"], owner=r["owner"],
        due=r["due"], status=ActionStatus(r["status"]), goal_key=r["goal_key"],
        limited_to=frozenset(limited.get(r["id"], ())), notes=tuple(notes.get(r["id"], ())))
        for r in action_rows)
    needs = tuple(InformationNeed(r["key"], r["party_id"], r["description"])
                  for r in plan_rows.need_rows(conn, plan_id))
    coordinator = (CaseCoordinator(row["coordinator_party_id"], row["coordinator_person"])
                   if row["coordinator_party_id"] is not None else None)
    return ActionPlan(case_id=case_id, goals=goals, actions=actions, information_needs=needs,
                      coordinator=coordinator, closure_criteria=row["closure_criteria"],
                      next_meeting=row["next_meeting"],
                      next_meeting_note=row["next_meeting_note"], version=row["version"])


@entry_point
def get_plan(vault: OpenVault, number_or_id: str | int) -> ActionPlan:
    """The current plan of a case (audited as ``plan.read``)."""
    vault.require(Permission.CASE_SUBSTANCE, "case", str(number_or_id))
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number_or_id)
        _state, number = case_service.current_state(conn, case_id)
        plan = load_plan(conn, case_id)
    vault.log_now("plan.read", "case", number, detail={"version": plan.version})
    return plan


def party_names(conn: Connection) -> dict[int, str]:
    return party_rows.names(conn)


@entry_point
def party_name_map(vault: OpenVault) -> dict[int, str]:
    """Every party's name by id (organisation names: no personal data, no permission)."""
    with vault.read() as conn:
        return party_names(conn)


@entry_point
def entitled_parties(vault: OpenVault, number_or_id: str | int,
                     on: date | None = None) -> list[tuple[int, str]]:
    """The parties that may be named in the plan now: active and in the case's protocol
    (id, name), sorted by name. For the plan editor's choice lists."""
    vault.require(Permission.VIEW_CASES, "case", str(number_or_id))
    today = on or date.today()
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number_or_id)
        protocol = case_rows.protocol_of(conn, case_id)
        standings = party_service.standings(conn)
        names = party_names(conn)
    allowed = [(pid, names[pid]) for pid, st in standings.items()
               if pid in names and may_be_invited(st, Protocol(str(protocol)), today)]
    return sorted(allowed, key=lambda p: p[1].casefold())


@entry_point
def history(vault: OpenVault, number_or_id: str | int) -> list[PlanVersion]:
    """Every saved version, oldest first, each with what changed from the one before."""
    vault.require(Permission.CASE_SUBSTANCE, "case", str(number_or_id))
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number_or_id)
        _state, number = case_service.current_state(conn, case_id)
        row = _plan_row(conn, case_id)
        names = party_names(conn)
        rows = [] if row is None else plan_rows.version_rows(conn, int(row["id"]))
    vault.log_now("plan.history", "case", number, detail={"versions": len(rows)})
    result: list[PlanVersion] = []
    previous: ActionPlan | None = None
    for r in rows:
        plan = from_snapshot(case_id, json.loads(r["snapshot"]), r["version"])
        lines = changes(previous, plan, lambda pid: names.get(pid, f"#{pid}"))
        result.append(PlanVersion(r["version"], r["saved_at"], r["saved_by"], r["meeting_id"],
                                  tuple(lines)))
        previous = plan
    return result


@entry_point
def plan_version(vault: OpenVault, number_or_id: str | int, version: int) -> ActionPlan:
    """The plan as it was saved in ``version``."""
    vault.require(Permission.CASE_SUBSTANCE, "case", str(number_or_id))
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number_or_id)
        _state, number = case_service.current_state(conn, case_id)
        found = _version_of(conn, case_id, version)
    if found is None:
        raise NotFound(_("This plan has no version {version}.").format(version=version))
    vault.log_now("plan.read", "case", number, detail={"version": version})
    return found


def _version_of(conn: Connection, case_id: int, version: int) -> ActionPlan | None:
    """The plan as saved in ``version`` (version 0: the empty plan before the first save)."""
    if version == 0:
        return ActionPlan(case_id=case_id)
    row = _plan_row(conn, case_id)
    found = None if row is None else plan_rows.version_snapshot(conn, int(row["id"]), version)
    return None if found is None else from_snapshot(case_id, json.loads(found), version)


# -- writing ---------------------------------------------------------------------------

def _check_case_open(conn: Connection, case_id: int) -> str:
    state, number = case_service.current_state(conn, case_id)
    if not state.is_open:
        raise TransitionRefused(_("The plan of a case that is \u201c{state}\u201d cannot be "
                                  "changed.").format(state=state.label))
    return number


def _write_rows(conn: Connection, plan_id: int, plan: ActionPlan) -> None:
    # The current plan is rewritten whole: keys (not row ids) carry identity across saves.
    plan_rows.rewrite_rows(
        conn, plan_id,
        [{"key": g.key, "position": i, "life_domain": g.life_domain.value,
          "description": g.description} for i, g in enumerate(plan.goals)],
        [plan_rows.ActionRows(
            {"key": a.key, "position": i, "party_id": a.party_id,
             "description": a.description, "owner": a.owner, "due": a.due,
             "status": a.status.value, "goal_key": a.goal_key},
            sorted(a.limited_to),
            [{"at": n.at, "author": n.author, "text": n.text} for n in a.notes])
         for i, a in enumerate(plan.actions)],
        [{"key": n.key, "position": i, "party_id": n.party_id, "description": n.description}
         for i, n in enumerate(plan.information_needs)])


def _save(conn: Connection, vault: OpenVault, plan: ActionPlan, meeting_id: int | None,
          today: date) -> ActionPlan:
    number = _check_case_open(conn, plan.case_id)
    current = load_plan(conn, plan.case_id)
    if current.version != plan.version:
        row = _plan_row(conn, plan.case_id)
        raise PlanConflict(None if row is None else row["updated_by"],
                           None if row is None else row["updated_at"])
    protocol_value = case_rows.protocol_of(conn, plan.case_id)
    protocol = Protocol(str(protocol_value))
    standings = party_service.standings(conn)
    newly_named = plan.party_ids() - current.party_ids()
    allowed = {pid for pid in newly_named
               if may_be_invited(standings.get(pid), protocol, today)}
    validate(plan, allowed | current.party_ids())
    now = utcnow()
    version = current.version + 1
    row = _plan_row(conn, plan.case_id)
    values: dict[str, Any] = {
        "version": version,
        "coordinator_party_id": plan.coordinator.party_id if plan.coordinator else None,
        "coordinator_person": plan.coordinator.person if plan.coordinator else "",
        "closure_criteria": plan.closure_criteria, "next_meeting": plan.next_meeting,
        "next_meeting_note": plan.next_meeting_note, "updated_at": now,
        "updated_by": vault.actor.account}
    if row is None:
        plan_id = plan_rows.add_plan(conn, plan.case_id, values)
    else:
        plan_id = row["id"]
        plan_rows.set_plan_fields(conn, plan_id, values)
    saved = replace(plan, version=version)
    _write_rows(conn, plan_id, saved)
    plan_rows.add_version(conn, {
        "plan_id": plan_id, "version": version, "meeting_id": meeting_id, "saved_at": now,
        "saved_by": vault.actor.account,
        "snapshot": json.dumps(snapshot(saved), ensure_ascii=False, sort_keys=True)})
    detail: dict[str, Any] = {"version": version}
    if meeting_id is not None:
        detail["meeting_id"] = meeting_id
    vault.log(conn, "plan.save", "case", number, detail=detail)
    return saved


@entry_point
def save_plan(vault: OpenVault, plan: ActionPlan, *, meeting_id: int | None = None,
              on: date | None = None, ends_draft: bool = False) -> ActionPlan:
    """Save ``plan`` as the next version (``plan.version`` must be the version it was loaded
    as); returns the plan as saved, with its new version number. ``ends_draft``: this is
    the plan editor saving its form, so this account's kept draft of it goes (in the same
    transaction); other saves (a meeting's agreements) leave a draft alone."""
    vault.require(Permission.CASE_WORK, "case", plan.case_id)
    with vault.begin() as conn:
        saved = _save(conn, vault, plan, meeting_id, on or date.today())
        if ends_draft:
            _state, number = case_service.current_state(conn, plan.case_id)
            draft_store.drop(vault, PLAN_DRAFT_KIND, number, conn)
        return saved


# -- unsaved edits kept over a lock ---------------------------------------------------------

PLAN_DRAFT_KIND = "plan"


@dataclass(frozen=True)
class PlanDraft:
    """Edits to a plan that were not saved when the program locked.

    ``plan`` builds on the current version. When a newer version was saved since the edits
    began (``rebased``: an agreement from a meeting, a progress note), the edits have been
    put on top of it (``app.domain.plan.rebase``), so nothing saved meanwhile is lost."""

    plan: ActionPlan
    kept_at: datetime
    rebased: bool


@entry_point
def save_plan_draft(vault: OpenVault, plan: ActionPlan) -> int:
    """Keep the editor's unsaved plan in the vault (one draft per account and case)."""
    vault.require(Permission.CASE_WORK, "case", plan.case_id)
    with vault.read() as conn:
        _state, number = case_service.current_state(conn, plan.case_id)
    return draft_store.put(vault, PLAN_DRAFT_KIND, number,
                           {"version": plan.version, "plan": snapshot(plan)},
                           detail={"version": plan.version})


@entry_point
def load_plan_draft(vault: OpenVault, number_or_id: str | int) -> PlanDraft | None:
    """This account's unsaved edits of the case's plan, or None."""
    vault.require(Permission.CASE_WORK, "case", str(number_or_id))
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number_or_id)
        _state, number = case_service.current_state(conn, case_id)
        current = load_plan(conn, case_id)
    stored = draft_store.get(vault, PLAN_DRAFT_KIND, number)
    if stored is None:
        return None
    version = int(stored.payload["version"])
    edited = from_snapshot(case_id, stored.payload["plan"], version)
    if version == current.version:
        return PlanDraft(edited, stored.updated_at, rebased=False)
    with vault.read() as conn:
        base = _version_of(conn, case_id, version) or ActionPlan(case_id=case_id)
    return PlanDraft(rebase(base, edited, current), stored.updated_at, rebased=True)


@entry_point
def discard_plan_draft(vault: OpenVault, number_or_id: str | int) -> None:
    vault.require(Permission.CASE_WORK, "case", str(number_or_id))
    with vault.read() as conn:
        _state, number = case_service.current_state(
            conn, case_service.case_id_for(conn, number_or_id))
    draft_store.drop(vault, PLAN_DRAFT_KIND, number)


def _update(vault: OpenVault, number_or_id: str | int, change: Callable[[ActionPlan],
            ActionPlan], meeting_id: int | None = None, on: date | None = None) -> ActionPlan:
    """Load, change and save in one transaction (no lost update possible)."""
    vault.require(Permission.CASE_WORK, "case", str(number_or_id))
    with vault.begin() as conn:
        case_id = case_service.case_id_for(conn, number_or_id)
        plan = change(load_plan(conn, case_id))
        return _save(conn, vault, plan, meeting_id, on or date.today())


@entry_point
def record_agreement(vault: OpenVault, number_or_id: str | int, *, party_id: int,
                     description: str, owner: str = "", due: date | None = None,
                     goal_key: str | None = None, limited_to: Iterable[int] = (),
                     meeting_id: int | None = None) -> Action:
    """An agreement made in a meeting becomes an action of the plan (a new version, linked
    to the meeting). Returns the new action."""
    action = Action(key=new_key(), party_id=party_id, description=description, owner=owner,
                    due=due, goal_key=goal_key, limited_to=frozenset(limited_to))
    _update(vault, number_or_id, lambda p: replace(p, actions=p.actions + (action,)),
            meeting_id)
    return action


def _change_action(plan: ActionPlan, key: str, fn: Callable[[Action], Action]) -> ActionPlan:
    if plan.action(key) is None:
        raise NotFound(_("This action is no longer in the plan."))
    return replace(plan, actions=tuple(fn(a) if a.key == key else a for a in plan.actions))


@entry_point
def add_progress_note(vault: OpenVault, number_or_id: str | int, action_key: str,
                      text: str) -> ActionPlan:
    note = ProgressNote(utcnow(), vault.actor.account, text)
    return _update(vault, number_or_id, lambda p: _change_action(
        p, action_key, lambda a: replace(a, notes=a.notes + (note,))))


@entry_point
def set_action_status(vault: OpenVault, number_or_id: str | int, action_key: str,
                      status: ActionStatus, note: str = "") -> ActionPlan:
    """Change an action's status, with an optional progress note in the same version."""
    def change(action: Action) -> Action:
        notes = action.notes
        if note.strip():
            notes = notes + (ProgressNote(utcnow(), vault.actor.account, note),)
        return replace(action, status=ActionStatus(status), notes=notes)

    return _update(vault, number_or_id, lambda p: _change_action(p, action_key, change))


def count_versions(conn: Connection, case_id: int) -> int:
    row = _plan_row(conn, case_id)
    if row is None:
        return 0
    return plan_rows.version_count(conn, int(row["id"]))
