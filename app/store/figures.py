"""The figures' SQL: one scan of the tombstone fields of ``cases``, the action totals kept
in the tombstones, the overdue actions of open cases, and the meetings held with the cases
they discussed. Only ids, dates, states and counts: nothing personal.

Plain statements, each answered in one pass (under SQLCipher a full scan costs about what
one aggregate query does); the service turns them into the figures.

One rule for both engines: every statement reads the figures' views
(``app.store.pg_roles.FIGURES_VIEW_SQL``, over plain, non-personal columns), never a table.
On the house server they are views owned by the migration owner, so the manager's role,
which may read no table, gets the same figures as every other role that may see them; on the
vault file the same definitions stand in as subqueries (:func:`source`), which SQLite
flattens into the statement (the same query plan as on the tables), so on both engines the
figures can read only the columns the views show.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, text

from app.store import dialect
from app.store.pg_roles import FIGURES_VIEW_SQL
from app.store.sealed import on_server
from app.store.retention import present_tables

__all__ = ["present_tables", "source", "case_rows", "action_totals", "overdue_actions",
           "finished_meeting_months", "finished_meeting_cases", "first_received"]


def source(conn: Connection, view: str) -> str:
    """What a statement reads ``view`` (one of ``FIGURES_VIEW_SQL``) from: the view itself on
    the house server, its definition as a subquery of the same name on the vault file."""
    if on_server(conn):
        return view
    return f"({FIGURES_VIEW_SQL[view].format(s='main')}) AS {view}"


def _period(start: str, end: str, protocol: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"start": start, "end": end}
    if protocol is not None:
        params["protocol"] = protocol
    return params


def case_rows(conn: Connection, protocol: str | None) -> Iterable[Sequence[Any]]:
    """``(id, protocol, state, received, referring party type, intake decision, outcome,
    intake started, intake decided, triage done, first meeting, closed)`` of every case (of
    ``protocol``), streamed."""
    where = "" if protocol is None else " WHERE protocol = :protocol"
    sql = ("SELECT id, protocol, state, received, referring_party_type, intake_decision, "
           "outcome, intake_started_at, intake_decided_at, triage_done_at, first_meeting_at, "
           f"closed_at FROM {source(conn, 'figures_cases')}" + where)
    params = {"protocol": protocol} if protocol is not None else {}
    if on_server(conn):
        # days and moments as the ISO texts SQLite gives (the service compares those)
        cursor = dialect.cursor(conn)
        try:
            return list(cursor.execute(sql, params).fetchall())
        finally:
            cursor.close()
    return conn.execute(text(sql), params)


def action_totals(conn: Connection, start: str, end: str,
                  protocol: str | None) -> tuple[int, ...]:
    """Cases closed in ``[start, end)`` and their actions in total, done, done on time and
    cancelled, from the tombstones."""
    row = conn.execute(text(
        "SELECT COUNT(*), COALESCE(SUM(actions_total), 0), COALESCE(SUM(actions_done), 0), "
        "COALESCE(SUM(actions_done_on_time), 0), COALESCE(SUM(actions_cancelled), 0) "
        f"FROM {source(conn, 'figures_tombstones')} "
        "WHERE closed_on >= :start AND closed_on < :end"
        + ("" if protocol is None else " AND protocol = :protocol")),
        _period(start, end, protocol)).one()
    return tuple(int(v) for v in row)


def overdue_actions(conn: Connection, day: str, protocol: str | None) -> int:
    """Open or in-progress actions of open cases due before ``day`` (ISO)."""
    return int(conn.execute(text(
        f"SELECT COUNT(*) FROM {source(conn, 'figures_open_actions')} "
        "WHERE status IN ('open', 'in_progress') AND due < :day AND state IN ('referred', "
        "'intake', 'triage', 'scheduled', 'in_progress')"
        + ("" if protocol is None else " AND protocol = :protocol")),
        {"day": day, **({"protocol": protocol} if protocol else {})}).scalar() or 0)


_HELD = ("SELECT id FROM {meetings} WHERE state = 'finished' AND starts_at >= :start "
         "AND starts_at < :end")


def finished_meeting_months(conn: Connection, start: str, end: str) -> dict[int, int]:
    """The month (1-12) of every meeting finished that started in ``[start, end)``."""
    return {int(i): int(m) for i, m in conn.execute(text(
        f"SELECT id, {dialect.month_of('starts_at', conn)} "
        f"FROM {source(conn, 'figures_meetings')} WHERE state = 'finished' "
        "AND starts_at >= :start AND starts_at < :end"),
        _period(start, end, None))}


def finished_meeting_cases(conn: Connection, start: str, end: str) -> list[tuple[int, int]]:
    """``(meeting id, case id)`` of the agenda items of those meetings."""
    return [(int(m), int(c)) for m, c in conn.execute(text(
        f"SELECT meeting_id, case_id FROM {source(conn, 'figures_agenda')} WHERE meeting_id "
        f"IN ({_HELD.format(meetings=source(conn, 'figures_meetings'))})"),
        _period(start, end, None))]


def first_received(conn: Connection) -> str | None:
    """The day the first case was referred (ISO), or None without cases."""
    first = conn.execute(text(
        f"SELECT MIN(received) FROM {source(conn, 'figures_cases')}")).scalar()
    return None if first is None else str(first)
