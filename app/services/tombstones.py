"""What closure and destruction share about a case: the counts its tombstone keeps (taken
before anything is removed) and the drafts that hold work on it.

Both ``app.services.closure`` (closing) and ``app.services.retention`` (destroying) use this
module, and neither needs the other for it: the one circle between them is gone.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection

from app.domain.closure import ClosureDecision
from app.domain.lifecycle import CaseState
from app.domain.plan import ActionStatus
from app.domain.retention import ended_on
from app.services import drafts as draft_store
from app.services.drafts import CaseDraft
from app.store import cases as case_rows
from app.store import items as item_rows
from app.store import meetings as meeting_rows
from app.store import plan as plan_rows
from app.store import retention as retention_rows
from app.store import subjects as subject_rows
from app.store.convert import as_date

# -- the drafts that hold work on a case --------------------------------------------------------

def _agenda_item_ids(conn: Connection, case_id: int) -> set[int]:
    return set(meeting_rows.agenda_item_ids(conn, case_id))


def case_drafts(conn: Connection, case_id: int, number: str) -> list[CaseDraft]:
    """Every account's drafts that hold work on the case (``app.services.drafts``: those
    named after it, the minutes being typed while one of its agenda items is current, the
    agendas being prepared with it on them)."""
    return draft_store.case_drafts(conn, case_id, number, _agenda_item_ids(conn, case_id))


def remove_case_drafts(conn: Connection, case_id: int, number: str) -> int:
    """Remove every draft :func:`case_drafts` finds (an agenda being prepared keeps its other
    cases); returns how many were touched."""
    return draft_store.remove_case_drafts(conn, case_id, number,
                                          _agenda_item_ids(conn, case_id))


# -- the counts a tombstone keeps ---------------------------------------------------------------

def meetings_of(conn: Connection, case_id: int) -> int:
    """How many distinct meetings discussed the case: any table of the meetings area with a
    ``case_id`` and a ``meeting_id`` counts, and so do plan versions saved for a meeting."""
    meeting_ids = retention_rows.meeting_ids_of_case(conn, case_id)
    plan = plan_rows.plan_of_case(conn, case_id)
    if plan is not None:
        meeting_ids.update(plan_rows.version_meeting_ids(conn, int(plan["id"])))
    return len(meeting_ids)


def action_counts(conn: Connection, case_id: int) -> dict[str, int]:
    """Actions in total, done, done on time and cancelled.

    "On time": the first saved version of the plan in which the action is done was saved
    on or before its due date (an action without a due date that is done counts as on time).
    """
    counts = {"actions_total": 0, "actions_done": 0, "actions_done_on_time": 0,
              "actions_cancelled": 0}
    plan = plan_rows.plan_of_case(conn, case_id)
    if plan is None:
        return counts
    rows = plan_rows.action_states(conn, int(plan["id"]))
    first_done: dict[str, date] = {}
    for saved_at, snapshot in plan_rows.versions_in_order(conn, int(plan["id"])):
        try:
            actions = json.loads(snapshot).get("actions", [])
        except ValueError:
            continue
        for action in actions:
            if action.get("status") == ActionStatus.DONE.value and action["key"] not in first_done:
                first_done[action["key"]] = as_date(saved_at) or date.max
    for key, status, due in rows:
        counts["actions_total"] += 1
        if status == ActionStatus.CANCELLED.value:
            counts["actions_cancelled"] += 1
        if status == ActionStatus.DONE.value:
            counts["actions_done"] += 1
            done_on = first_done.get(key)
            due_on = as_date(due)
            if due_on is None or (done_on is not None and done_on <= due_on):
                counts["actions_done_on_time"] += 1
    return counts


def tombstone_values(conn: Connection, case_id: int,
                     decision: ClosureDecision | None = None) -> dict[str, Any]:
    """Everything the figures need about a case, nothing personal (taken before removal)."""
    row = case_rows.case_row(conn, case_id)
    assert row is not None
    state = CaseState(row["state"])
    closed_on = as_date(row["closed_at"])
    end = ended_on(state, closed_at=row["closed_at"],
                   intake_decided_at=row["intake_decided_at"],
                   triage_done_at=row["triage_done_at"])
    values: dict[str, Any] = {
        "case_id": case_id, "number": row["number"], "protocol": row["protocol"],
        "referring_party_type": row["referring_party_type"], "final_state": state.value,
        "referred_on": row["received"],
        "intake_decided_on": as_date(row["intake_decided_at"]),
        "triage_done_on": as_date(row["triage_done_at"]),
        "first_meeting_on": as_date(row["first_meeting_at"]),
        "closed_on": closed_on, "ended_on": end or closed_on or date.today(),
        "destroyed_on": None, "outcome": row["outcome"],
        "subjects": subject_rows.count(conn, case_id),
        "information_items": item_rows.count(conn, case_id),
        "meetings": meetings_of(conn, case_id),
        "criteria_total": len(decision.criteria) if decision else 0,
        "criteria_met": sum(1 for c in decision.criteria if c.met) if decision else 0,
    }
    values.update(action_counts(conn, case_id))
    return values
