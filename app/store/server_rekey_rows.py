"""The SQL of changing the data key on the house server (``app.vault.server_rekey``): every
sealed value, blind index and sealed ``meta`` secret read under the old data key and written
again under the new one, and every account's key slot row replaced, inside the caller's one
transaction (the migration owner's, as the owner role: it reads and writes every table).

The values go through the columns' own ``Sealed`` type, so they are sealed exactly as the
program seals them (bound to table, column and row; blind indexes included): the
connection's cipher is switched between the old key for reading a chunk (opened with its
rows bound in) and the new key for sealing it again (``Sealed.seal`` for each value's own
row, :func:`sealing_with`, through ``sealed.attach`` as a session's engine gets it). Rows
are read in chunks in primary-key order (keyset) and each chunk is written back in one
UPDATE joined to a VALUES list of the sealed bytes, so a big house is never held in memory
at once, costs one round trip per chunk, and the caller can tell its progress. The key slot
rows are re-wrapped through ``app.store.server_slots``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (Connection, LargeBinary, Table, and_, cast, func, select, tuple_,
                        values)
from sqlalchemy import column as column_

from app.store import sealed, vault_meta
from app.store.schema import metadata
from app.store.vault_secrets import SECRET_KEYS

#: Rows per chunk: one read and one batch of updates each.
CHUNK = 1000


@contextmanager
def sealing_with(conn: Connection, data_key: bytes) -> Iterator[None]:
    """Seal and open the values of ``conn``'s statements under ``data_key`` in this block,
    as a session's engine does (``sealed.attach``; the connection's engine is the migration
    owner's, used for nothing else meanwhile, and holds no key after the block)."""
    sealed.attach(conn.engine, data_key)
    try:
        yield
    finally:
        sealed.detach(conn.engine)


def sealed_tables() -> list[Table]:
    """The schema's tables that hold sealed columns, in dependency order."""
    return [t for t in metadata.sorted_tables
            if any(isinstance(c.type, sealed.Sealed) for c in t.c)]


def row_count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def reseal_table(conn: Connection, table: Table, old: bytes, new: bytes,
                 done: Callable[[int], None] | None = None, chunk: int | None = None) -> int:
    """Every sealed value of ``table`` opened under the data key ``old`` and sealed again
    under ``new`` (a value that does not open raises ``FieldTampered``: nothing is written
    then, the caller's transaction is rolled back). ``done`` hears the rows of each chunk. Returns
    the rows rewritten."""
    columns = [c for c in table.c if isinstance(c.type, sealed.Sealed)]
    keys = list(table.primary_key.columns)
    chunk = chunk or CHUNK
    if not columns:
        return 0
    last: tuple[Any, ...] | None = None
    total = 0
    while True:
        query = select(*keys, *columns).order_by(*keys).limit(chunk)
        if last is not None:
            query = query.where(tuple_(*keys) > tuple_(*last))
        with sealing_with(conn, old):
            rows = conn.execute(query).all()
        if not rows:
            return total
        with sealing_with(conn, new):
            _write_sealed(conn, table, keys, columns, rows)
        total += len(rows)
        last = tuple(rows[-1][:len(keys)])
        if done is not None:
            done(len(rows))


def _write_sealed(conn: Connection, table: Table, keys: list[Any], columns: list[Any],
                  rows: Sequence[Any]) -> None:
    """Write ``rows`` (keys, then plain values) back sealed under the connection's key, in
    one statement: each value sealed on the workstation for its own row
    (``Sealed.seal`` with ``sealed.row_key``), sent as bytes in a VALUES list that the
    UPDATE joins on the primary key."""
    dialect = conn.dialect
    data = []
    for row in rows:
        key = sealed.row_key(row[:len(keys)])
        # a paired column's index takes its row's other value (the surname with the birth
        # date: sealed.PAIRED)
        plain = {c.name: v for c, v in zip(columns, row[len(keys):], strict=True)}
        data.append((*row[:len(keys)],
                     *(None if value is None else column.type.seal(
                         value, key, dialect, plain.get(column.type.partner or ""))
                       for column, value in zip(columns, row[len(keys):], strict=True))))
    resealed = values(*(column_(f"k_{k.name}", k.type) for k in keys),
                      *(column_(f"v_{c.name}", LargeBinary) for c in columns),
                      name="resealed").data(data)
    conn.execute(table.update()
                 .where(and_(*(k == resealed.c[f"k_{k.name}"] for k in keys)))
                 .values({c.name: cast(resealed.c[f"v_{c.name}"], LargeBinary)
                          for c in columns}))


def reseal_secrets(conn: Connection, old: bytes, new: bytes) -> int:
    """The keyed-hash secrets of ``meta`` (``vault_secrets.SECRET_KEYS``) opened under
    ``old`` and sealed under ``new``; their value (the secret) stays the same, so the audit
    log's search hashes and the review files' fingerprints keep matching. Returns how many."""
    stored = vault_meta.values(conn, sorted(SECRET_KEYS))
    for name, value in stored.items():
        with sealing_with(conn, old):
            plain = sealed.open_secret(conn, name, value)
        with sealing_with(conn, new):
            vault_meta.set_value(conn, name, sealed.seal_secret(conn, name, plain))
    return len(stored)
