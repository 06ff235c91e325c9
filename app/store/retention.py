"""Retention's SQL: the period set per protocol, the ended cases old enough to be due, the
generic deletion of a case's rows in every area's tables (and of the rows that refer to
them), the meetings a case appears in, and the compaction of the file afterwards.

Typed functions on a connection the caller holds; the services keep the rules, the
transaction and the audit (``app.services.retention``, ``closure``, ``tombstones``).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import (ColumnElement, Connection, RowMapping, Table, delete, insert, inspect,
                        select, text)

import app.store.schema  # noqa: F401  (every area's tables: the deletion must see them all)
from app.store.dialect import is_sqlite, is_sqlite_raw
from app.store.retention_tables import retention_periods
from app.store.tables import metadata

# -- the periods -------------------------------------------------------------------------------

def period_row(conn: Connection, protocol: str) -> RowMapping | None:
    """The period the administrator set for ``protocol`` (None: the default applies)."""
    return conn.execute(select(retention_periods).where(
        retention_periods.c.protocol == protocol)).mappings().first()


def set_period(conn: Connection, protocol: str, months: int, set_by: str,
               set_at: datetime) -> None:
    conn.execute(delete(retention_periods).where(retention_periods.c.protocol == protocol))
    conn.execute(insert(retention_periods).values(protocol=protocol, months=months,
                                                  set_by=set_by, set_at=set_at))


# -- the cases due ----------------------------------------------------------------------------

#: When an ended case's retention clock started, unless a closure decision says otherwise
#: (as ``app.domain.retention.ended_on``; NULL for a case that has not ended). Migration
#: 0008 indexes exactly this expression (``ix_cases_ended_at``): keep the two the same.
ENDED_AT_SQL = ("CASE state WHEN 'closed' THEN closed_at WHEN 'declined' THEN intake_decided_at "
                "WHEN 'routed_elsewhere' THEN triage_done_at END")


def ended_before(conn: Connection, recent: str) -> list[tuple[int, str, str, Any]]:
    """``(id, number, protocol, retention start)`` of every ended case whose clock started
    before ``recent`` (ISO text), oldest number first.

    This runs at each unlock, so it reads as little as it can at 100,000 cases: the indexes
    of migration 0008 answer both parts without reading the wide case and closure rows.
    Closed with a closure decision: the clock started on the closure's day; every other
    ended case from its own moment. Days and moments are stored as ISO text: those before
    ``recent`` sort before it.
    """
    # SQLite is told which index answers each part (its planner picked the wide rows);
    # PostgreSQL has no INDEXED BY and plans with its own statistics.
    on_sqlite = is_sqlite(conn)
    closures = ("case_closures cc INDEXED BY ix_case_closures_retention_starts" if on_sqlite
                else "case_closures cc")
    ended_cases = "cases c INDEXED BY ix_cases_ended_at" if on_sqlite else "cases c"
    rows = conn.execute(text("""
        SELECT c.id, c.number, c.protocol, cc.retention_starts, c.number_year, c.number_seq
          FROM {CLOSURES}
          JOIN cases c ON c.id = cc.case_id
         WHERE cc.retention_starts < :recent AND c.state = 'closed'
        UNION ALL
        SELECT c.id, c.number, c.protocol, {ENDED_AT}, c.number_year, c.number_seq
          FROM {ENDED_CASES}
         WHERE {ENDED_AT} < :recent
           AND (c.state != 'closed'
                OR NOT EXISTS (SELECT 1 FROM case_closures x WHERE x.case_id = c.id))
         ORDER BY 5, 6""".replace("{ENDED_AT}", ENDED_AT_SQL).replace("{CLOSURES}", closures)
        .replace("{ENDED_CASES}", ended_cases)), {"recent": recent}).all()
    return [(int(i), str(n), str(p), ended) for i, n, p, ended, _year, _seq in rows]


# -- deleting in every area's tables ----------------------------------------------------------

def present_tables(conn: Connection) -> set[str]:
    """The tables the database has (an older vault may lack a later area's), asked of the
    dialect, so that the house server (PostgreSQL) answers as the file does."""
    return set(inspect(conn).get_table_names())


def referencing(table: Table, present: Collection[str]) -> list[tuple[Table, str, str]]:
    """``(child, child column, parent column)`` for every foreign key that points at ``table``."""
    found = []
    for child in metadata.sorted_tables:
        if child.name not in present or child is table:
            continue
        for fk in child.foreign_keys:
            try:
                target = fk.column
            except Exception:  # noqa: BLE001, S112 - a key to a table not declared (yet)
                continue
            if target.table is table:
                found.append((child, fk.parent.name, target.name))
    return found


def delete_rows(conn: Connection, table: Table, condition: ColumnElement[bool],
                present: Collection[str] | None = None,
                kept: Collection[str] = ()) -> None:
    """Delete the rows of ``table`` matching ``condition`` and, first, every row in any
    table (except those named in ``kept``) that refers to them (recursively), whatever its
    ``ON DELETE`` says."""
    present = present if present is not None else present_tables(conn)
    for child, column, parent_column in referencing(table, present):
        if child.name in kept:
            continue
        delete_rows(conn, child, child.c[column].in_(
            select(table.c[parent_column]).where(condition)), present, kept)
    conn.execute(delete(table).where(condition))


def meeting_ids_of_case(conn: Connection, case_id: int) -> set[Any]:
    """The meetings named beside the case in any table that has a ``case_id`` and a
    ``meeting_id``."""
    present = present_tables(conn)
    found: set[Any] = set()
    for table in metadata.sorted_tables:
        if table.name in present and "case_id" in table.c and "meeting_id" in table.c:
            found.update(conn.execute(
                select(table.c.meeting_id).where(table.c.case_id == case_id,
                                                 table.c.meeting_id.is_not(None))).scalars())
    return found


# -- compacting the file ----------------------------------------------------------------------

def checkpoint_busy(raw: Any) -> bool:
    """Move the WAL into the database and truncate it, on a raw SQLite connection; True when
    readers kept it from finishing. The house server has no WAL file of ours: nothing to do
    (its own write-ahead log and vacuum are the server's)."""
    if not is_sqlite_raw(raw):
        return False
    busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return bool(busy)


def vacuum(raw: Any) -> None:
    """Checkpoint, then rebuild the database without free pages (outside a transaction).
    On the house server the server's autovacuum reclaims the space of deleted rows (an
    account's role does not own the tables and may not VACUUM them): nothing to do."""
    if not is_sqlite_raw(raw):
        return
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    raw.execute("VACUUM")
