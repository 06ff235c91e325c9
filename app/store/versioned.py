"""Optimistic concurrency on the records people edit (issue 22, point 4).

Several sessions (workstations on the house server, or two windows on one vault) may hold the
same record open. Every edited record carries ``row_version`` (1 at insert, bumped by each
save), ``changed_by`` (the account) and ``changed_at`` (UTC). A save names the version it was
read at; :func:`guarded_update` writes only when the row still has that version (the check is
in the UPDATE's WHERE, so it holds under any interleaving) and otherwise raises
``EditConflict`` with whose save came first. Nothing is overwritten silently.

The tables with these columns: ``cases``, ``meetings``, ``case_minutes``, ``parties``,
``party_contacts`` (migration 0015), ``minutes_entries`` (0016) and ``triage_queries``
(0019, a party's answer). The plan of action keeps its own ``version`` /
``updated_by`` / ``updated_at`` (``app.services.plan``), and a case's subjects are written
with its registration, so the case's version covers them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (Column, Connection, DateTime, Integer, String, Table, delete, select,
                        update)

from app.errors import EditConflict

VERSION = "row_version"
CHANGED_BY = "changed_by"
CHANGED_AT = "changed_at"


def version_columns() -> list[Column[Any]]:
    """The three columns every edited record carries (declare ``changed_by`` not personal:
    it holds an account name, as ``created_by`` does)."""
    return [Column(VERSION, Integer, nullable=False, server_default="1"),
            Column(CHANGED_BY, String(64), nullable=True),
            Column(CHANGED_AT, DateTime, nullable=True)]


def guarded_update(conn: Connection, table: Table, where: Any, expected: int | None,
                   values: Mapping[str, Any], by: str, at: datetime) -> bool:
    """Write ``values`` into the row ``where`` selects (one row, by its key), bumping its
    version and recording ``by`` and ``at``.

    ``expected``: the version the caller read the record at; when the row has moved on since,
    nothing is written and ``EditConflict`` names the account and moment of the save that
    came first. ``None``: no check (a write that is not an edit of what was shown, e.g. a
    state change the service checks itself); the version is still bumped, so an edit begun
    before it is refused. Returns False when no such row exists.
    """
    version = table.c[VERSION]
    stmt = update(table).where(where)
    if expected is not None:
        stmt = stmt.where(version == expected)
    done = conn.execute(stmt.values({**dict(values), VERSION: version + 1,
                                     CHANGED_BY: by, CHANGED_AT: at}))
    if done.rowcount:
        return True
    found = conn.execute(select(table.c[CHANGED_BY], table.c[CHANGED_AT]).where(where)).first()
    if found is None:
        return False
    raise EditConflict(found[0], found[1])


def version_of(conn: Connection, table: Table, where: Any) -> int | None:
    """The row's current version (None when there is no such row)."""
    found = conn.execute(select(table.c[VERSION]).where(where)).scalar()
    return None if found is None else int(found)


def guarded_delete(conn: Connection, table: Table, where: Any, expected: int | None) -> bool:
    """Delete the row ``where`` selects when it still has version ``expected`` (None: no
    check). A row saved by another session since it was read is kept, and ``EditConflict``
    names whose save came first. Returns False when no such row exists."""
    stmt = delete(table).where(where)
    if expected is not None:
        stmt = stmt.where(table.c[VERSION] == expected)
    if conn.execute(stmt).rowcount:
        return True
    found = conn.execute(select(table.c[CHANGED_BY], table.c[CHANGED_AT]).where(where)).first()
    if found is None:
        return False
    raise EditConflict(found[0], found[1])
