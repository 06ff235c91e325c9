"""Reading the stored text columns for ``casuskamer verify``'s scan for invisible characters
(``app.vault.text_scan`` keeps the rule). Each table is read once, a chunk of rows at a
time, each text column of a chunk joined by SQLite into one text (``group_concat``), so that
a clean chunk costs one test of one string per column instead of a Python row per record;
only a chunk whose joined text is suspect is read again row by row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, null, select, text

from app.store.case_tables import cases
from app.store.schema import metadata

#: rows per chunk: the joined texts of a chunk stay a few megabytes
CHUNK_ROWS = 20_000
#: what joins the values of a chunk: a printable character that no rule refuses
JOIN = " "


def tables_present(conn: Connection) -> set[str]:
    return {str(r[0]) for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}


def joined_chunks(conn: Connection, table: str, columns: Sequence[str],
                  chunk_rows: int | None = None
                  ) -> Iterator[tuple[int, int, list[str | None]]]:
    """``(first rowid, last rowid, [each column's values joined by JOIN])`` for each chunk
    of ``chunk_rows`` rowids of ``table``, in rowid order (None: no value in that column).
    A value that is not text is joined as SQLite writes it as text; the row-by-row reading
    of a suspect chunk (:func:`rows_between`) looks at the value itself.

    The columns are aggregated straight from the table (no subquery): SQLite then reads
    each value into a register it reuses, where a subquery's copies cost an allocation per
    value (each locked and wiped under ``cipher_memory_security``)."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    low, high = conn.exec_driver_sql(f'SELECT min(rowid), max(rowid) FROM "{table}"').one()
    if low is None:
        return
    joined = ", ".join(f"group_concat(\"{column}\", '{JOIN}')" for column in columns)
    statement = f'SELECT {joined} FROM "{table}" WHERE rowid BETWEEN ? AND ?'
    for first in range(int(low), int(high) + 1, chunk_rows):
        last = min(first + chunk_rows - 1, int(high))
        row = conn.exec_driver_sql(statement, (first, last)).one()
        yield first, last, [None if v is None else str(v) for v in row]


def rows_between(conn: Connection, table: str, case_column: str | None, column: str,
                 first: int, last: int) -> list[tuple[Any, ...]]:
    """``(rowid, case column or None, value)`` of ``table``'s rows ``first``..``last``."""
    case_sql = f'"{case_column}"' if case_column else "NULL"
    return list(conn.exec_driver_sql(
        f'SELECT rowid, {case_sql}, "{column}" FROM "{table}" '
        f"WHERE rowid BETWEEN ? AND ? ORDER BY rowid", (first, last)).fetchall())


def case_numbers(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    """The numbers of the cases with these ids."""
    found: dict[int, str] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        found.update((int(i), str(n)) for i, n in conn.exec_driver_sql(
            f"SELECT id, number FROM cases WHERE id IN ({', '.join('?' for _i in part)})",
            tuple(part)).fetchall())
    return found


# -- the house server ---------------------------------------------------------------------------
# There every text column of a person's data is sealed (``app.store.sealed``): the server can
# neither join nor test the texts, so each is read through SQLAlchemy Core, opened on the
# workstation, and judged there; only what the logged-in role may read is read.

#: Rows fetched at a time from the server.
SERVER_CHUNK_ROWS = 2_000


def on_server(conn: Connection) -> bool:
    """Whether ``conn`` is a session on the house server (PostgreSQL)."""
    return conn.dialect.name == "postgresql"


def readable_columns(conn: Connection, table: str, columns: Sequence[str]) -> list[str]:
    """Of ``columns`` of ``table``, those the logged-in role may read on the server (none when
    the table is not there)."""
    present = conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"),
                           {"t": f"public.{table}"}).scalar()
    if not present:
        return []
    return [column for column in columns if conn.execute(
        text("SELECT has_column_privilege(:t, :c, 'SELECT')"),
        {"t": f"public.{table}", "c": column}).scalar()]


def server_rows(conn: Connection, table: str, case_column: str | None, columns: Sequence[str]
                ) -> Iterator[tuple[int, int | None, list[Any]]]:
    """``(record, case id or None, [each column's opened value])`` of every row of ``table``
    on the server, in record order. The record is the row's id (the first column of its
    primary key where it has no single id: a criterion's answer is named by its case)."""
    t = metadata.tables[table]
    key = list(t.primary_key.columns)[0]
    case = t.c[case_column] if case_column else null()
    query = select(key, case, *(t.c[c] for c in columns)).order_by(key)
    for row in conn.execution_options(yield_per=SERVER_CHUNK_ROWS).execute(query):
        yield int(row[0]), None if row[1] is None else int(row[1]), list(row[2:])


def server_case_ids(conn: Connection, table: str, case_column: str | None,
                    records: Sequence[int]) -> dict[int, int | None]:
    """The case id of each of ``records`` of ``table`` on the server (a record as
    :func:`server_rows` names it; None where the table names no case)."""
    wanted = sorted(set(records))
    if case_column is None:
        return dict.fromkeys(wanted)
    t = metadata.tables[table]
    key = list(t.primary_key.columns)[0]
    found: dict[int, int | None] = {}
    for start in range(0, len(wanted), 500):
        found.update((int(r), None if c is None else int(c)) for r, c in conn.execute(
            select(key, t.c[case_column]).where(key.in_(wanted[start:start + 500]))))
    return found


def server_case_numbers(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    """The numbers of the cases with these ids, read on the server."""
    wanted = sorted(set(ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        found.update((int(i), str(n)) for i, n in conn.execute(
            select(cases.c.id, cases.c.number).where(cases.c.id.in_(wanted[start:start + 500]))))
    return found
