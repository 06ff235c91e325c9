"""The demo generator's SQL (issue 20, point 4): its bulk writes with the driver's
``executemany`` and the few reads it plans with. ``app.services.synthetic`` and
``app.services.demo_activity`` keep the made-up world, its rules and the transactions.

On the house server (issue 22) the bulk writes go through SQLAlchemy Core instead: the
driver's own statement would bind SQLite's ``?`` and, worse, write the personal columns in
the clear, past their sealing type (``app.store.sealed``). Core binds the dialect's way and
seals every value declared personal; the ids the generator chose itself are then taken from
each table's sequence too, so the program's next row gets a free id.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (Boolean, Connection, Date, DateTime, Engine, Table, event, func, select,
                        text)

from app import fs
from app.domain.lifecycle import CaseState
from app.store.case_tables import cases
from app.store.meeting_tables import agenda_items, meetings
from app.store.plan_tables import plans
from app.store.sealed import on_server, plain_type
from app.store.tables import audit_log

#: Rows per ``executemany`` call: large enough that the per-call cost vanishes, small enough
#: that the parameter list stays modest in memory.
BATCH = 20_000


#: The page cache of a connection while the demo writes, in KiB (SQLite's default is 2 MiB):
#: at 100,000 cases the indexes on received dates, BSNs, birth dates and name keys take rows
#: in random order, and with the small cache every insert would read, decrypt, encrypt and
#: write their pages again. Kept by the connection until the vault is locked (the demo locks
#: it right after).
GENERATING_CACHE_KIB = 262_144


#: Set while a process makes a NEW demo vault (``unsynced_writes``).
_unsynced = [False]


@contextmanager
def unsynced_writes() -> Iterator[None]:
    """While a NEW demo vault is filled, its commits do not wait for the disk
    (``synchronous = OFF``): a crash half-way leaves a demo vault to delete and make again,
    never a real one. The caller syncs the finished file (:func:`sync_file`)."""
    _unsynced[0] = True
    try:
        yield
    finally:
        _unsynced[0] = False


@contextmanager
def generating(engine: Engine) -> Iterator[None]:
    """While inside, every connection ``engine`` hands out gets the demo's larger page cache
    (the vault file only), and while a new demo vault is made, commits that do not wait for
    the disk. Set as the connection is handed out, before its transaction begins (SQLite
    refuses to change the safety level inside one). On leaving, the pool's connections are
    closed, so that the next ones open with the program's own settings."""
    if engine.dialect.name != "sqlite":
        yield
        return
    pragmas = [f"PRAGMA cache_size = -{GENERATING_CACHE_KIB}"]
    if _unsynced[0]:
        pragmas.append("PRAGMA synchronous = OFF")

    def checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    event.listen(engine, "checkout", checkout)
    try:
        yield
    finally:
        event.remove(engine, "checkout", checkout)
        # the pool's connections go, so the next ones open with the program's settings
        engine.dispose()


def sync_file(path: Path) -> None:
    """Write ``path`` (a closed vault file; its write-ahead log if one is left) and its
    folder's entries through to the disk."""
    wal = path.with_name(path.name + "-wal")
    for target in [path] + ([wal] if wal.exists() else []):
        fs.fsync_file(target)
    fs.fsync_dir(path.parent)


def sql_value(value: Any) -> Any:
    """A Python value as SQLAlchemy stores it in SQLite (the same text for dates and
    times), for writing with the driver's ``executemany`` directly."""
    if isinstance(value, datetime):
        if value.tzinfo is None and value.year >= 1000:
            return value.isoformat(" ", "microseconds")  # the same text, three times faster
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _statement(table: Table, columns: Sequence[str]) -> str:
    for name in columns:
        table.c[name]  # a column the table does not have fails here, not in SQLite
    return (f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _c in columns)})")


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) with the driver's ``executemany``.

    SQLAlchemy's per-row parameter processing costs more than SQLCipher's own work at demo
    and benchmark sizes; this writes the same values (``sql_value``) without it.
    """
    if not rows:
        return
    columns = list(rows[0])
    statement = _statement(table, columns)
    if on_server(conn):
        _insert_on_server(conn, table, columns, [[row[c] for c in columns] for row in rows])
        return
    for start in range(0, len(rows), BATCH):
        conn.exec_driver_sql(statement, [tuple(sql_value(row[c]) for c in columns)
                                         for row in rows[start:start + BATCH]])


def insert_tuples(conn: Connection, table: Table, columns: Sequence[str],
                  rows: Sequence[Sequence[Any]]) -> None:
    """Like :func:`insert_rows` for rows already given as tuples of stored values."""
    if not rows:
        return
    statement = _statement(table, columns)
    if on_server(conn):
        _insert_on_server(conn, table, columns, rows)
        return
    for start in range(0, len(rows), BATCH):
        conn.exec_driver_sql(statement, list(rows[start:start + BATCH]))


def python_value(table: Table, column: str, value: Any) -> Any:
    """A value as :func:`sql_value` (or the generator) gives it for SQLite, back as the
    Python value its column's type binds: a day or moment from its ISO text, a truth from
    0/1 (the server's columns are typed)."""
    if value is None:
        return None
    kind = plain_type(table.c[column].type)
    if isinstance(kind, DateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date) and isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(kind, Boolean) and isinstance(value, int):
        return bool(value)
    return value


def _insert_on_server(conn: Connection, table: Table, columns: Sequence[str],
                      rows: Sequence[Sequence[Any]]) -> None:
    """The rows through SQLAlchemy Core (the dialect's binding; personal values sealed),
    then the table's id sequence moved past the ids the rows brought."""
    for start in range(0, len(rows), BATCH):
        conn.execute(table.insert(), [
            {c: python_value(table, c, v) for c, v in zip(columns, row, strict=True)}
            for row in rows[start:start + BATCH]])
    key = table.autoincrement_column
    if key is None or key.name not in columns:
        return
    position = list(columns).index(key.name)
    top = max(int(row[position]) for row in rows)
    sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                            {"t": table.name, "c": key.name}).scalar()
    if sequence is None:
        return
    # nextval, not setval: an account's role may use the sequence, not set it
    at = int(conn.execute(text("SELECT nextval(CAST(:s AS regclass))"),
                          {"s": sequence}).scalar_one())
    if at < top:
        conn.execute(text("SELECT max(nextval(CAST(:s AS regclass))) "
                          "FROM generate_series(1, :n)"), {"s": sequence, "n": top - at})


def destroyed_cases(conn: Connection) -> int:
    """How many cases of the vault are destroyed (tombstones)."""
    return int(conn.execute(select(func.count()).select_from(cases).where(
        cases.c.state == CaseState.DESTROYED.value)).scalar() or 0)


def chunks_done(conn: Connection, seed: int) -> set[int]:
    """The chunks a demo run with ``seed`` wrote before (its ``demo.activity`` rows)."""
    found: set[int] = set()
    for detail in conn.execute(select(audit_log.c.detail).where(
            audit_log.c.action == "demo.activity")).scalars():
        data = json.loads(detail)
        if data.get("seed") == seed:
            found.add(int(data["chunk"]))
    return found


def meeting_slots(conn: Connection) -> tuple[int, set[tuple[str, str]]]:
    """The next meeting id, and the (start, place key) of every meeting there is."""
    next_meeting = int(conn.execute(select(func.max(meetings.c.id))).scalar() or 0) + 1
    taken = {(str(r[0]), str(r[1])) for r in conn.execute(
        select(meetings.c.starts_at, meetings.c.place_key))}
    return next_meeting, taken


def case_ids(conn: Connection, numbers: Iterable[str]) -> dict[str, int]:
    """The ids of the cases with these numbers."""
    return {str(n): int(i) for n, i in conn.execute(select(cases.c.number, cases.c.id).where(
        cases.c.number.in_(list(numbers)))).all()}


def next_agenda_item_and_plan(conn: Connection) -> tuple[int, int]:
    """The next agenda item id and the next plan id."""
    item = int(conn.execute(select(func.max(agenda_items.c.id))).scalar() or 0) + 1
    plan = int(conn.execute(select(func.max(plans.c.id))).scalar() or 0) + 1
    return item, plan


def tombstones_take_party_type(conn: Connection, first_case: int, last_case: int) -> None:
    """The tombstones of cases ``first_case``..``last_case`` keep the referring party's type
    as the case row has it."""
    conn.execute(text(
        "UPDATE case_tombstones SET referring_party_type = (SELECT referring_party_type "
        "FROM cases WHERE cases.id = case_tombstones.case_id) "
        "WHERE referring_party_type IS NULL AND case_id BETWEEN :a AND :b"),
        {"a": first_case, "b": last_case})
