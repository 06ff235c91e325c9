"""The few places where the store speaks an engine's own SQL (issue 22, point 1): SQLite
(the SQLCipher vault file) or PostgreSQL (the house server). Every branch on the engine lives
here or in another ``app.store`` module, never in a service.

- :func:`cursor`: the "straight through the DB-API cursor" reads of the hot paths (the Cases
  table, the follow-up) write SQLite's SQL with ``:name`` or ``?`` parameters and take back
  plain tuples with days and moments as ISO text, as SQLite stores them. On SQLite that is
  the connection's own cursor, unchanged. On PostgreSQL a small cursor runs the same text
  through SQLAlchemy (which binds ``:name``), opens sealed values (``app.store.sealed``) by
  their column's name, and gives days and moments back as the same ISO text, so the caller
  compares and parses them as on SQLite.
- :func:`widen_page_cache`: SQLite's per-connection page cache for a large read; the server
  keeps its own cache (nothing to do).
- :func:`has_table`: whether the database has a table (an older vault may lack a later
  area's), asked of ``sqlite_master`` on SQLite (as before: cheap at every call) and of the
  dialect elsewhere.
- :func:`month_of`: the month number of a stored moment (ISO text on SQLite, a timestamp on
  the server).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from functools import cache, partial
from typing import Any

from sqlalchemy import Connection, Date, inspect, text

SQLITE = "sqlite"


def is_sqlite(conn: Connection) -> bool:
    """Whether ``conn`` is on the vault file (SQLite/SQLCipher)."""
    return conn.dialect.name == SQLITE


def is_sqlite_raw(raw: Any) -> bool:
    """Whether a raw DB-API connection is the vault file's (sqlcipher3, sqlite3), not the
    house server's (psycopg)."""
    return not type(raw).__module__.startswith("psycopg")


def widen_page_cache(conn: Connection, kib: int) -> None:
    """Give this connection a page cache of ``kib`` KiB for a large read (SQLite's
    ``cache_size``); nothing on the server, which keeps its own cache."""
    if is_sqlite(conn):
        conn.exec_driver_sql(f"PRAGMA cache_size = -{int(kib)}")


def has_table(conn: Connection, name: str) -> bool:
    """Whether the database has the table ``name``."""
    if is_sqlite(conn):
        return conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            (name,)).first() is not None
    return bool(inspect(conn).has_table(name))


def month_of(column: str, conn: Connection) -> str:
    """SQL for the month number (1..12) of the moment in ``column``."""
    if is_sqlite(conn):
        return f"CAST(substr({column}, 6, 2) AS INTEGER)"
    return f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"


# -- the raw cursor ----------------------------------------------------------------------------

def cursor(conn: Connection) -> Any:
    """A DB-API-like cursor on ``conn``'s connection for SQLite's SQL (``:name`` or ``?``
    parameters) answering plain tuples as SQLite would: the connection's own cursor on SQLite,
    :class:`ServerCursor` on the server. Close it when done."""
    if is_sqlite(conn):
        return conn.connection.cursor()
    return ServerCursor(conn)


_QMARK = re.compile(r"\?")
#: SQLite's ``CROSS JOIN t ON ...`` (the same inner join, in the order written: SQLite's
#: way of fixing the join order) is ``JOIN t ON ...`` on the server, which plans the order.
_CROSS_JOIN_ON = re.compile(r"\bCROSS JOIN\s+(\w+(?:\s+\w+)?)\s+ON\b", re.IGNORECASE)
#: SQLite's ``instr(haystack, needle)`` is PostgreSQL's ``strpos`` (1-based, 0 when absent).
_INSTR = re.compile(r"\binstr\(", re.IGNORECASE)


def server_sql(sql: str) -> str:
    """SQLite's SQL of the raw reads as PostgreSQL takes it (the few SQLite forms they use)."""
    return _INSTR.sub("strpos(", _CROSS_JOIN_ON.sub(r"JOIN \1 ON", sql))


def _as_sqlite_value(value: Any) -> Any:
    """A value as SQLite's cursor gives it: days and moments as the ISO text SQLAlchemy
    stores there, memoryview as bytes, everything else unchanged."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, memoryview):
        return bytes(value)
    return value


@cache
def _sealed_by_name() -> dict[str, tuple[Any, ...]]:
    """Result column name -> the sealed columns of that name (a value is opened with the
    first whose table and column, bound into it, it was sealed for)."""
    from app.store import schema  # noqa: F401  (every area's tables)
    from app.store.sealed import Sealed
    from app.store.tables import metadata

    found: dict[str, list[Any]] = {}
    for table in metadata.sorted_tables:
        for column in table.c:
            if isinstance(column.type, Sealed):
                found.setdefault(column.name, []).append(column)
    return {name: tuple(columns) for name, columns in found.items()}


@cache
def _sealed_by_label() -> dict[str, tuple[Any, ...]]:
    """A keyed column's label (``app.store.sealed.keyed_label``) -> that one column."""
    from app.store import schema  # noqa: F401  (every area's tables)
    from app.store.sealed import Sealed, keyed_label
    from app.store.tables import metadata

    return {keyed_label(t.name, c.name): (c,) for t in metadata.sorted_tables for c in t.c
            if isinstance(c.type, Sealed)}


def _row_keyed(sql: str) -> str:
    """The raw read with each sealed column it selects keyed by its row (row binding,
    ``app.store.sealed.row_keyed_sql``)."""
    from app.store import schema  # noqa: F401  (every area's tables)
    from app.store.sealed import row_keyed_sql
    from app.store.tables import metadata

    return row_keyed_sql(sql, metadata.tables)


def _opened(value: Any, processes: Sequence[Any]) -> Any:
    """A sealed value opened by the first of its name's columns it was sealed for (the
    last one's refusal, naming its table and column, when none opens it)."""
    if value is None or not isinstance(value, (bytes, memoryview)):
        return _as_sqlite_value(value)
    from app.store.field_crypto import FieldTampered

    refused: Exception | None = None
    for process in processes:
        if process is None:
            continue
        try:
            return _as_sqlite_value(process(value))
        except FieldTampered as exc:
            refused = exc
    if refused is not None:
        raise refused
    return _as_sqlite_value(value)


#: PostgreSQL's type OIDs whose values psycopg gives as SQLite's cursor would (texts, whole
#: and real numbers, truth values): taken as they come, without a call per value. Any other
#: type (days, moments, bytes) goes through :func:`_as_sqlite_value`.
_AS_THEY_COME = frozenset({
    16,    # boolean
    18,    # "char"
    19,    # name
    20, 21, 23, 26,  # bigint, smallint, integer, oid
    25,    # text
    700, 701,  # real, double precision
    705,   # unknown (a literal)
    1042, 1043,  # character, character varying
})
#: Types converted by one call of their own: a day (``date``) as its ISO text.
_BY_KIND: Mapping[Any, Callable[[Any], Any]] = {1082: date.isoformat}
#: bytea: what a sealed column's read gives (its row's key and the stored value).
_BYTEA = 17
#: Rows taken from the server's answer at a time.
_BATCH = 1000


def _converted(result: Any, openers: Sequence[Callable[[Any], Any] | None]
               ) -> Iterator[tuple[Any, ...]]:
    """The result's rows as tuples, each value that needs it opened or converted by its
    column's opener (None: as it comes); NULL stays None. Only the columns that need work
    are touched, batch by batch (issue 23: a call per value on every column was about a
    third of the house server's case list)."""
    work = [(at, opener) for at, opener in enumerate(openers) if opener is not None]
    for batch in result.partitions(_BATCH):
        if not work:
            yield from map(tuple, batch)
            continue
        for row in batch:
            values = list(row)
            for at, opener in work:
                value = values[at]
                if value is not None:
                    values[at] = opener(value)
            yield tuple(values)


class ServerCursor:
    """What :func:`cursor` gives on the server: ``execute`` (``:name`` parameters from a
    mapping, or ``?`` from a sequence), ``fetchall``, ``fetchmany``, ``fetchone``,
    iteration and ``close``."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._rows: Iterator[tuple[Any, ...]] = iter(())

    def execute(self, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None
                ) -> ServerCursor:
        if params is None:
            bound: dict[str, Any] = {}
        elif isinstance(params, Mapping):
            bound = dict(params)
        else:
            values = list(params)
            counter = iter(range(len(values)))
            sql = _QMARK.sub(lambda _m: f":p{next(counter)}", sql)
            bound = {f"p{i}": v for i, v in enumerate(values)}
        result = self._conn.execute(text(_row_keyed(server_sql(sql))), bound)
        if not result.returns_rows:
            self._rows = iter(())
            return self
        kinds = [column[1] for column in result.cursor.description]
        self._rows = _converted(result, self._openers(list(result.keys()), kinds))
        return self

    def _openers(self, names: Iterable[str], kinds: Iterable[Any]
                 ) -> list[Callable[[Any], Any] | None]:
        """Per result column: how a value is opened (a sealed column's bytes) or converted
        (a day, a moment), or None for a value taken as it comes (by the column's type)."""
        sealed = _sealed_by_name()
        dialect = self._conn.dialect
        openers: list[Callable[[Any], Any] | None] = []
        for name, kind in zip(names, kinds, strict=True):
            columns = _sealed_by_label().get(name) or sealed.get(name)
            if not columns or kind != _BYTEA:
                # a plain column (also one named as a sealed one but not read as bytes)
                openers.append(None if kind in _AS_THEY_COME
                               else _BY_KIND.get(kind, _as_sqlite_value))
                continue
            processes = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                         for column in columns]
            only = processes[0] if len(processes) == 1 else None
            if only is not None and not isinstance(columns[0].type.plain, Date):
                # one column of that name, opened as text: its processor alone
                openers.append(only)
            else:
                openers.append(partial(_opened, processes=processes))
        return openers

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._rows)

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        return [row for _i, row in zip(range(size), self._rows, strict=False)]

    def fetchone(self) -> tuple[Any, ...] | None:
        return next(self._rows, None)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return self._rows

    def close(self) -> None:
        self._rows = iter(())
