"""The vault's small settings: the ``meta`` key/value table (no personal data: the house's
name, the vault's id, bookkeeping of the key slots).

Typed functions on a connection the caller holds; the services decide what a setting means.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from app.store.tables import meta


def value(conn: Connection, key: str) -> str | None:
    """The setting's value, or None when it is not set."""
    found = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
    return None if found is None else str(found)


def remove(conn: Connection, key: str) -> None:
    conn.execute(delete(meta).where(meta.c.key == key))
