"""The SQL of moving a house's rows from its vault file to the house server (issue 22, point
5; ``app.vault.move`` keeps the steps, the checks, the transaction and the audit rows):
reading a table in chunks, counting, emptying what ``init --server --create`` wrote, writing
rows as they are (ids kept), the audit chain's head and a row appended again at its end, and
the sequences of the integer ids.

Typed functions on a connection the caller holds: on the vault file (read-only) or on the
server as the migration owner. The personal columns are sealed by their types on the way in
(the owner's engine carries the server's data key: ``app.store.sealed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, delete, func, insert, select, text, update

from app.store import audit
from app.store.tables import audit_log, meta

#: The trigger of migration 0001 that refuses every DELETE on the audit log.
_NO_DELETE_TRIGGER = "audit_log_no_delete"


def row_count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def audit_rows_of(conn: Connection, action: str) -> int:
    """How many audit rows have ``action`` (any result)."""
    return int(conn.execute(select(func.count()).select_from(audit_log)
                            .where(audit_log.c.action == action)).scalar() or 0)


def chunks(conn: Connection, table: Table, size: int) -> Iterator[list[dict[str, Any]]]:
    """Every row of ``table`` in key order, ``size`` rows at a time (streamed)."""
    order = list(table.primary_key.columns) or list(table.c)
    result = conn.execution_options(yield_per=size).execute(select(table).order_by(*order))
    for part in result.mappings().partitions(size):
        yield [dict(row) for row in part]


def write_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` as they are (their ids too)."""
    if rows:
        conn.execute(insert(table), [dict(r) for r in rows])


def all_rows(conn: Connection, table: Table) -> list[RowMapping]:
    """Every row of a small table (``meta``)."""
    return list(conn.execute(select(table)).mappings().all())


def meta_keys(conn: Connection) -> set[str]:
    return {str(k) for k in conn.execute(select(meta.c.key)).scalars()}


def audit_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every audit row, oldest first, as plain dicts."""
    return [dict(r) for r in conn.execute(select(audit_log).order_by(audit_log.c.id))
            .mappings()]


def empty_tables(conn: Connection, tables: Iterable[Table]) -> None:
    """Delete every row of ``tables`` (dependants first: pass them in reverse dependency
    order), the audit log's too: its delete trigger is switched off for this and on again,
    inside the caller's transaction (PostgreSQL; the migration owner owns the table)."""
    conn.exec_driver_sql(f"ALTER TABLE audit_log DISABLE TRIGGER {_NO_DELETE_TRIGGER}")
    for table in tables:
        conn.execute(delete(table))
    conn.exec_driver_sql(f"ALTER TABLE audit_log ENABLE TRIGGER {_NO_DELETE_TRIGGER}")


def set_audit_head(conn: Connection, head: str) -> None:
    """The audit chain's head (``<id>:<hash>``) as the copied log ends."""
    conn.execute(update(meta).where(meta.c.key == audit.HEAD_KEY).values(value=head))


def reappend(conn: Connection, row: Mapping[str, Any]) -> None:
    """``row`` (an audit row of another chain) again at the end of this chain: its moment,
    actor, action and detail kept; a new id and links."""
    last_id, last_hash = audit._head(conn)
    fresh = {f: row[f] for f in audit.HASHED_FIELDS if f != "id"}
    fresh["id"] = last_id + 1
    digest = audit.row_hash(last_hash, fresh)
    conn.execute(insert(audit_log).values(**fresh, prev_hash=last_hash, hash=digest))
    set_audit_head(conn, f"{fresh['id']}:{digest}")


def set_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """Each integer id's sequence past the ids in its table (PostgreSQL)."""
    for table in tables:
        for column in table.primary_key.columns:
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                               {"t": table.name, "c": column.name}).scalar()
            if seq is None:
                continue
            top = conn.execute(select(func.max(column))).scalar()
            conn.execute(text("SELECT setval(CAST(:s AS regclass), :v, :called)"),
                         {"s": seq, "v": int(top) if top else 1, "called": bool(top)})
