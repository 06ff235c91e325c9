"""The figures' SQL: one scan of the tombstone fields of ``cases``, the action totals kept
in the tombstones, the overdue actions of open cases, and the meetings held with the cases
they discussed. Only ids, dates, states and counts: nothing personal.

Plain statements, each answered in one pass (under SQLCipher a full scan costs about what
one aggregate query does); the service turns them into the figures.

On the house server they read the figures' views instead of the tables
(``app.store.pg_roles.FIGURES_VIEW_SQL``: the same columns, owned by the migration owner), so
the manager's role, which may read no table, gets the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, text

from app.store import dialect
from app.store.sealed import on_server
from app.store.retention import present_tables

__all__ = ["present_tables", "case_rows", "action_totals", "overdue_actions",
           "finished_meeting_months", "finished_meeting_cases", "first_received"]


#: The table each statement reads -> the figures' view that stands in for it on the server.
_VIEWS = {"cases": "figures_cases", "case_tombstones": "figures_tombstones",
          "meetings": "figures_meetings", "agenda_items": "figures_agenda"}


def _src(conn: Connection, table: str) -> str:
    """``table``, or on the house server the figures' view of it."""
    return _VIEWS[table] if on_server(conn) else table


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
           f"closed_at FROM {_src(conn, 'cases')}" + where)
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
        f"FROM {_src(conn, 'case_tombstones')} WHERE closed_on >= :start AND closed_on < :end"
        + ("" if protocol is None else " AND protocol = :protocol")),
        _period(start, end, protocol)).one()
    return tuple(int(v) for v in row)


def overdue_actions(conn: Connection, day: str, protocol: str | None) -> int:
    """Open or in-progress actions of open cases due before ``day`` (ISO)."""
    if on_server(conn):
        return int(conn.execute(text(
            "SELECT COUNT(*) FROM figures_open_actions a WHERE a.status IN ('open', "
            "'in_progress') AND a.due < :day AND a.state IN ('referred', 'intake', 'triage', "
            "'scheduled', 'in_progress')"
            + ("" if protocol is None else " AND a.protocol = :protocol")),
            {"day": day, **({"protocol": protocol} if protocol else {})}).scalar() or 0)
    return int(conn.execute(text(
        "SELECT COUNT(*) FROM plan_actions a JOIN plans p ON p.id = a.plan_id "
        "JOIN cases c ON c.id = p.case_id WHERE a.status IN ('open', 'in_progress') "
        "AND a.due < :day AND c.state IN ('referred', 'intake', 'triage', 'scheduled', "
        "'in_progress')" + ("" if protocol is None else " AND c.protocol = :protocol")),
        {"day": day, **({"protocol": protocol} if protocol else {})}
    ).scalar() or 0)


_HELD = ("SELECT id FROM {meetings} WHERE state = 'finished' AND starts_at >= :start "
         "AND starts_at < :end")


def finished_meeting_months(conn: Connection, start: str, end: str) -> dict[int, int]:
    """The month (1-12) of every meeting finished that started in ``[start, end)``."""
    return {int(i): int(m) for i, m in conn.execute(text(
        f"SELECT id, {dialect.month_of('starts_at', conn)} FROM {_src(conn, 'meetings')} "
        "WHERE state = 'finished' AND starts_at >= :start AND starts_at < :end"),
        _period(start, end, None))}


def finished_meeting_cases(conn: Connection, start: str, end: str) -> list[tuple[int, int]]:
    """``(meeting id, case id)`` of the agenda items of those meetings."""
    return [(int(m), int(c)) for m, c in conn.execute(text(
        f"SELECT meeting_id, case_id FROM {_src(conn, 'agenda_items')} WHERE meeting_id IN "
        f"({_HELD.format(meetings=_src(conn, 'meetings'))})"),
        _period(start, end, None))]


def first_received(conn: Connection) -> str | None:
    """The day the first case was referred (ISO), or None without cases."""
    first = conn.execute(text(f"SELECT MIN(received) FROM {_src(conn, 'cases')}")).scalar()
    return None if first is None else str(first)
