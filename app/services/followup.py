"""Follow-up of the plans of action: the open actions across all cases, progress updates, and
the short notice of overdue actions shown at unlock.

Public API:

- :func:`open_actions` ``(vault, party_id=None, case=None, today=None)``: every action that
  is open or in progress in a case the house still works on, soonest due first, each marked
  overdue when its due date has passed. The actions' texts are the plan's:
  ``CASE_SUBSTANCE`` (the process director). Audited as ``followup.list`` (counts only).
- :func:`record_progress`: a progress note and/or a new status on one action, through the
  plan service (so that it becomes a new version of the plan, with its history).
- :func:`overdue_notice` ``(vault, today=None) -> OverdueNotice``: counts only (overdue
  actions, the cases they are in, actions due within a week), for the notice at unlock. An
  account whose role does not follow the plans (no ``CASE_SUBSTANCE``) gets zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from app.domain.lifecycle import OPEN_STATES
from app.domain.plan import ActionStatus
from app.domain.roles import Permission, may
from app.errors import ValidationError
from app.i18n import _, ngettext
from app.services import cases as case_service
from app.services import plan as plan_service
from app.store import followup as followup_rows
from app.store.bulk import collector_paused
from app.vault.vault import OpenVault
from app.vault.access import entry_point

OPEN_STATUSES = (ActionStatus.OPEN.value, ActionStatus.IN_PROGRESS.value)
#: "Due soon" in the notice at unlock.
DUE_SOON_DAYS = 7


class OpenAction(NamedTuple):
    """One open action of the follow-up list (a plain tuple: thousands are made at once)."""

    case_id: int
    case_number: str
    action_key: str
    party_id: int
    party: str
    description: str
    owner: str
    due: date | None
    status: ActionStatus
    notes: int
    overdue: bool
    days_overdue: int


@entry_point
@collector_paused()  # tens of thousands of rows, no cycles among them (app.store.bulk)
def open_actions(vault: OpenVault, *, party_id: int | None = None,
                 case: str | int | None = None, today: date | None = None) -> list[OpenAction]:
    """Open actions across all cases (or one case, or one party's), soonest due first."""
    vault.require(Permission.CASE_SUBSTANCE, "case", str(case) if case is not None else "-")
    today = today or date.today()
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, case) if case is not None else None
        rows = followup_rows.open_action_rows(conn, OPEN_STATUSES,
                                              [s.value for s in OPEN_STATES], party_id,
                                              case_id)
    found = []
    fromiso = date.fromisoformat
    statuses = {s.value: s for s in ActionStatus}
    new = tuple.__new__  # as OpenAction._make does, without its call and length check
    # The day, whether it is past and by how many days, once per due date (a few hundred
    # dates for tens of thousands of actions at 100,000 cases: issue 23, the query mix).
    by_due: dict[Any, tuple[date | None, bool, int]] = {}
    overdue = 0
    for cid, number, key, pid, party, text, owner, due_text, status, notes in rows:
        dated = by_due.get(due_text)
        if dated is None:
            due = fromiso(due_text) if due_text else None
            past = due is not None and due < today
            dated = by_due[due_text] = (due, past, (today - due).days if past and due else 0)
        due, late, days = dated
        overdue += late
        found.append(new(OpenAction, (cid, number, key, pid, party, text, owner or "", due,
                                      statuses[status], notes, late, days)))
    vault.log_now("followup.list", "case", str(case) if case is not None else "-", detail={
        "actions": len(found), "overdue": overdue, "party_id": party_id})
    return found


@entry_point
def record_progress(vault: OpenVault, case: str | int, action_key: str, *, note: str = "",
                    status: ActionStatus | None = None) -> None:
    """A progress update on one action: a note, a new status, or both (one plan version)."""
    if status is None and not note.strip():
        raise ValidationError(_("Write a progress note or choose a new status."),
                              field="note")
    if status is None:
        plan_service.add_progress_note(vault, case, action_key, note.strip())
    else:
        plan_service.set_action_status(vault, case, action_key, ActionStatus(status),
                                       note=note.strip())


@dataclass(frozen=True)
class OverdueNotice:
    overdue_actions: int
    cases: int
    due_soon: int

    @property
    def any(self) -> bool:
        return self.overdue_actions > 0

    def text(self) -> str:
        """One line for the notice at unlock (empty when nothing is overdue)."""
        if not self.overdue_actions:
            return ""
        actions = ngettext("{n} action is overdue", "{n} actions are overdue",
                           self.overdue_actions).format(n=self.overdue_actions)
        cases = ngettext("in {n} case", "in {n} cases", self.cases).format(n=self.cases)
        soon = ngettext("{n} falls due within a week", "{n} fall due within a week",
                        self.due_soon).format(n=self.due_soon)
        return _("{actions} {cases}; {soon}.").format(actions=actions, cases=cases, soon=soon)


@entry_point
def overdue_notice(vault: OpenVault, today: date | None = None) -> OverdueNotice:
    """Counts for the notice at unlock; no names, no audit row (nothing personal is read)."""
    if not may(vault.actor.role, Permission.CASE_SUBSTANCE):
        return OverdueNotice(0, 0, 0)
    today = today or date.today()
    soon = today + timedelta(days=DUE_SOON_DAYS)
    # This runs at every unlock: only ids and dates, from narrow indexes (app.store.followup).
    with vault.read() as conn:
        rows = followup_rows.open_due_by(conn, OPEN_STATUSES, [s.value for s in OPEN_STATES],
                                         soon)
    day = today.isoformat()
    overdue = [r for r in rows if str(r[1])[:10] < day]
    return OverdueNotice(len(overdue), len({r[0] for r in overdue}),
                         sum(1 for r in rows if str(r[1])[:10] >= day))
