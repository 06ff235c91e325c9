"""The information items' SQL: what parties supplied about a case, with their terms.

Typed functions on a connection the caller holds; who may see an item is decided by
``app.sharing.policy`` in the services, never here.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from app.store.case_tables import information_items


def count(conn: Connection, case_id: int) -> int:
    return int(conn.execute(select(func.count()).select_from(information_items)
                            .where(information_items.c.case_id == case_id)).scalar() or 0)


def categories(conn: Connection, case_id: int) -> list[tuple[int, str]]:
    """``(id, category)`` of the case's items, oldest first."""
    return [(int(i), str(c)) for i, c in conn.execute(
        select(information_items.c.id, information_items.c.category)
        .where(information_items.c.case_id == case_id).order_by(information_items.c.id))]
