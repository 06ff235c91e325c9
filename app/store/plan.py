"""The plan of action's SQL: the plan row, its goals, actions, progress notes, information
needs and saved versions.

Typed functions on a connection the caller holds; the services keep the rules and the
transaction (``app.services.plan``, ``closure``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from app.store import dialect
from app.store.plan_tables import (
    plan_action_notes,
    plan_action_parties,
    plan_actions,
    plan_goals,
    plan_information_needs,
    plan_versions,
    plans,
)


def _has_plans(conn: Connection) -> bool:
    """A vault at an older revision may not have the plans area yet."""
    return dialect.has_table(conn, "plans")


def plan_of_case(conn: Connection, case_id: int) -> RowMapping | None:
    """The case's plan row, or None (none yet, or no plans table in this vault)."""
    if not _has_plans(conn):
        return None
    return conn.execute(select(plans).where(plans.c.case_id == case_id)).mappings().first()


def goal_ids(conn: Connection, plan_id: int) -> list[int]:
    return [int(i) for i in conn.execute(select(plan_goals.c.id).where(
        plan_goals.c.plan_id == plan_id).order_by(plan_goals.c.id)).scalars()]


def action_ids(conn: Connection, plan_id: int) -> list[int]:
    return [int(i) for i in conn.execute(select(plan_actions.c.id).where(
        plan_actions.c.plan_id == plan_id).order_by(plan_actions.c.id)).scalars()]


def version_ids(conn: Connection, plan_id: int) -> list[int]:
    return [int(i) for i in conn.execute(select(plan_versions.c.id).where(
        plan_versions.c.plan_id == plan_id).order_by(plan_versions.c.id)).scalars()]


def note_ids(conn: Connection, plan_id: int) -> list[int]:
    """The progress notes on the plan's actions."""
    return [int(i) for i in conn.execute(
        select(plan_action_notes.c.id)
        .join(plan_actions, plan_actions.c.id == plan_action_notes.c.action_id)
        .where(plan_actions.c.plan_id == plan_id).order_by(plan_action_notes.c.id)).scalars()]


def need_ids(conn: Connection, plan_id: int) -> list[int]:
    return [int(i) for i in conn.execute(
        select(plan_information_needs.c.id).where(plan_information_needs.c.plan_id == plan_id)
        .order_by(plan_information_needs.c.id)).scalars()]


def count_actions(conn: Connection, plan_id: int, statuses: Iterable[str]) -> int:
    """How many of the plan's actions have one of ``statuses``."""
    return int(conn.execute(select(func.count()).select_from(plan_actions).where(
        plan_actions.c.plan_id == plan_id, plan_actions.c.status.in_(list(statuses)))
    ).scalar() or 0)


def version_meeting_ids(conn: Connection, plan_id: int) -> set[Any]:
    """The meetings the plan's versions were saved for."""
    return set(conn.execute(select(plan_versions.c.meeting_id).where(
        plan_versions.c.plan_id == plan_id, plan_versions.c.meeting_id.is_not(None))).scalars())


def action_states(conn: Connection, plan_id: int) -> list[tuple[str, str, date | None]]:
    """``(key, status, due)`` of the plan's actions (``due`` as stored)."""
    return [(str(k), str(s), d) for k, s, d in conn.execute(
        select(plan_actions.c.key, plan_actions.c.status, plan_actions.c.due)
        .where(plan_actions.c.plan_id == plan_id))]


def versions_in_order(conn: Connection, plan_id: int) -> list[tuple[datetime, str]]:
    """``(saved_at, snapshot)`` of the plan's versions, oldest first."""
    return [(a, str(s)) for a, s in conn.execute(
        select(plan_versions.c.saved_at, plan_versions.c.snapshot)
        .where(plan_versions.c.plan_id == plan_id).order_by(plan_versions.c.version))]


def goal_texts(conn: Connection, plan_id: int) -> list[tuple[str, str]]:
    """``(life domain, description)`` of the plan's goals in their order."""
    return [(str(d), str(t)) for d, t in conn.execute(
        select(plan_goals.c.life_domain, plan_goals.c.description)
        .where(plan_goals.c.plan_id == plan_id).order_by(plan_goals.c.position))]


def action_statuses(conn: Connection, plan_id: int) -> list[str]:
    return [str(s) for s in conn.execute(
        select(plan_actions.c.status).where(plan_actions.c.plan_id == plan_id)).scalars()]


def delete_notes(conn: Connection, plan_id: int, ids: Iterable[int]) -> None:
    """Remove the named progress notes, if they are on this plan's actions."""
    conn.execute(delete(plan_action_notes).where(
        plan_action_notes.c.id.in_(list(ids)),
        plan_action_notes.c.action_id.in_(
            select(plan_actions.c.id).where(plan_actions.c.plan_id == plan_id))))


def delete_needs(conn: Connection, plan_id: int, ids: Iterable[int]) -> None:
    conn.execute(delete(plan_information_needs).where(
        plan_information_needs.c.plan_id == plan_id,
        plan_information_needs.c.id.in_(list(ids))))


def snapshots(conn: Connection, plan_id: int,
              ids: Iterable[int] | None = None) -> list[tuple[int, str]]:
    """``(id, snapshot)`` of the plan's versions (only ``ids`` when given)."""
    query = select(plan_versions.c.id, plan_versions.c.snapshot).where(
        plan_versions.c.plan_id == plan_id)
    if ids is not None:
        query = query.where(plan_versions.c.id.in_(list(ids)))
    return [(int(i), str(s)) for i, s in conn.execute(query).all()]


def set_snapshot(conn: Connection, version_id: int, snapshot: str) -> None:
    conn.execute(update(plan_versions).where(plan_versions.c.id == version_id)
                 .values(snapshot=snapshot))


def blank_goals(conn: Connection, plan_id: int, ids: Iterable[int], text: str) -> None:
    """Replace the named goals' descriptions with ``text``."""
    conn.execute(update(plan_goals).where(plan_goals.c.plan_id == plan_id,
                                          plan_goals.c.id.in_(list(ids)))
                 .values(description=text))


def blank_actions(conn: Connection, plan_id: int, ids: Iterable[int], text: str) -> None:
    """Replace the named actions' descriptions with ``text`` and empty their owners."""
    conn.execute(update(plan_actions).where(plan_actions.c.plan_id == plan_id,
                                            plan_actions.c.id.in_(list(ids)))
                 .values(description=text, owner=""))


def blank_plan_fields(conn: Connection, plan_id: int, fields: Iterable[str]) -> None:
    """Empty the named text fields of the plan row."""
    values = {f: "" for f in fields}
    if values:
        conn.execute(update(plans).where(plans.c.id == plan_id).values(values))


# -- the plan as the plan service reads and writes it --------------------------------------------

def plan_row(conn: Connection, case_id: int) -> RowMapping | None:
    """The case's plan row, or None when no plan was saved yet."""
    return conn.execute(select(plans).where(plans.c.case_id == case_id)).mappings().first()


def goal_rows(conn: Connection, plan_id: int) -> list[RowMapping]:
    return list(conn.execute(select(plan_goals).where(plan_goals.c.plan_id == plan_id)
                             .order_by(plan_goals.c.position)).mappings())


def action_rows(conn: Connection, plan_id: int) -> list[RowMapping]:
    return list(conn.execute(select(plan_actions).where(plan_actions.c.plan_id == plan_id)
                             .order_by(plan_actions.c.position)).mappings())


def action_parties(conn: Connection, action_ids: Iterable[int]) -> list[tuple[int, int]]:
    """``(action, party)`` for each party an action is limited to."""
    return [(int(a), int(p)) for a, p in conn.execute(
        select(plan_action_parties.c.action_id, plan_action_parties.c.party_id)
        .where(plan_action_parties.c.action_id.in_(list(action_ids))))]


def note_rows(conn: Connection, action_ids: Iterable[int]) -> list[RowMapping]:
    """The progress notes on the actions, oldest first."""
    return list(conn.execute(select(plan_action_notes)
                             .where(plan_action_notes.c.action_id.in_(list(action_ids)))
                             .order_by(plan_action_notes.c.at, plan_action_notes.c.id)
                             ).mappings())


def need_rows(conn: Connection, plan_id: int) -> list[RowMapping]:
    return list(conn.execute(select(plan_information_needs)
                             .where(plan_information_needs.c.plan_id == plan_id)
                             .order_by(plan_information_needs.c.position)).mappings())


def version_rows(conn: Connection, plan_id: int) -> list[RowMapping]:
    """The plan's saved versions, oldest first."""
    return list(conn.execute(select(plan_versions).where(plan_versions.c.plan_id == plan_id)
                             .order_by(plan_versions.c.version)).mappings())


def version_snapshot(conn: Connection, plan_id: int, version: int) -> str | None:
    found = conn.execute(select(plan_versions.c.snapshot).where(
        plan_versions.c.plan_id == plan_id, plan_versions.c.version == version)).scalar()
    return None if found is None else str(found)


def version_count(conn: Connection, plan_id: int) -> int:
    return int(conn.execute(select(func.count()).select_from(plan_versions)
                            .where(plan_versions.c.plan_id == plan_id)).scalar() or 0)


def add_plan(conn: Connection, case_id: int, values: Mapping[str, Any]) -> int:
    inserted = conn.execute(insert(plans).values(case_id=case_id, **dict(values))
                            ).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def set_plan_fields(conn: Connection, plan_id: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(plans).where(plans.c.id == plan_id).values(**dict(values)))


def add_version(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(plan_versions).values(**dict(values)))


@dataclass(frozen=True)
class ActionRows:
    """One action to write: its row (without ``plan_id``), the parties it is limited to and
    its progress notes (each ``at``, ``author``, ``text``)."""

    values: Mapping[str, Any]
    limited_to: Sequence[int] = ()
    notes: Sequence[Mapping[str, Any]] = ()


def rewrite_rows(conn: Connection, plan_id: int, goals: Sequence[Mapping[str, Any]],
                 actions: Sequence[ActionRows], needs: Sequence[Mapping[str, Any]]) -> None:
    """Replace the plan's goals, actions (with their parties and notes) and information
    needs by these rows (each without ``plan_id``)."""
    old_actions = select(plan_actions.c.id).where(plan_actions.c.plan_id == plan_id)
    conn.execute(delete(plan_action_notes).where(plan_action_notes.c.action_id.in_(old_actions)))
    conn.execute(delete(plan_action_parties)
                 .where(plan_action_parties.c.action_id.in_(old_actions)))
    conn.execute(delete(plan_actions).where(plan_actions.c.plan_id == plan_id))
    conn.execute(delete(plan_goals).where(plan_goals.c.plan_id == plan_id))
    conn.execute(delete(plan_information_needs)
                 .where(plan_information_needs.c.plan_id == plan_id))
    if goals:
        conn.execute(insert(plan_goals), [{"plan_id": plan_id, **g} for g in goals])
    for action in actions:
        inserted = conn.execute(insert(plan_actions).values(
            plan_id=plan_id, **dict(action.values))).inserted_primary_key
        assert inserted is not None
        action_id = int(inserted[0])
        if action.limited_to:
            conn.execute(insert(plan_action_parties), [
                {"action_id": action_id, "party_id": p} for p in action.limited_to])
        if action.notes:
            conn.execute(insert(plan_action_notes), [
                {"action_id": action_id, **n} for n in action.notes])
    if needs:
        conn.execute(insert(plan_information_needs), [{"plan_id": plan_id, **n} for n in needs])
