"""The information items' SQL: what parties supplied about a case, with their terms.

Typed functions on a connection the caller holds; who may see an item is decided by
``app.sharing.policy`` in the services, never here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from app.store.case_tables import information_items, item_shared_with, item_subjects
from app.store.convert import inserted_id


def count(conn: Connection, case_id: int) -> int:
    return int(conn.execute(select(func.count()).select_from(information_items)
                            .where(information_items.c.case_id == case_id)).scalar() or 0)


def categories(conn: Connection, case_id: int) -> list[tuple[int, str]]:
    """``(id, category)`` of the case's items, oldest first."""
    return [(int(i), str(c)) for i, c in conn.execute(
        select(information_items.c.id, information_items.c.category)
        .where(information_items.c.case_id == case_id).order_by(information_items.c.id))]


def insert_item(conn: Connection, values: Mapping[str, Any],
                shared_with: Iterable[int] = (),
                concerns: Iterable[int] | None = None) -> int:
    """A new information item with the parties its terms share it with and (``concerns``)
    the subject ids it concerns, None: the whole household; its id. Inserts only (on the
    house server who registers referrals may insert a new case's rows, not change them)."""
    row = dict(values)
    if concerns is not None:
        row["concerns_all"] = False
    item_id = inserted_id(conn.execute(insert(information_items).values(row)))
    parties = sorted(shared_with)
    if parties:
        conn.execute(insert(item_shared_with), [{"item_id": item_id, "party_id": p}
                                                for p in parties])
    if concerns is not None and sorted(concerns):
        conn.execute(insert(item_subjects), [{"item_id": item_id, "subject_id": s}
                                             for s in sorted(concerns)])
    return item_id


def rows_of_case(conn: Connection, case_id: int) -> list[RowMapping]:
    """The case's whole item rows, oldest first."""
    return list(conn.execute(select(information_items)
                             .where(information_items.c.case_id == case_id)
                             .order_by(information_items.c.id)).mappings())


def shared_with_of_case(conn: Connection, case_id: int) -> dict[int, set[int]]:
    """Item id -> the party ids its terms share it with, for the case's items that name any."""
    found: dict[int, set[int]] = {}
    for item_id, party_id in conn.execute(
            select(item_shared_with.c.item_id, item_shared_with.c.party_id)
            .join(information_items, information_items.c.id == item_shared_with.c.item_id)
            .where(information_items.c.case_id == case_id)):
        found.setdefault(int(item_id), set()).add(int(party_id))
    return found


def concerned_of_case(conn: Connection, case_id: int) -> dict[int, set[int]]:
    """Item id -> the subject ids it concerns, for the case's items that name any."""
    found: dict[int, set[int]] = {}
    for item_id, subject_id in conn.execute(
            select(item_subjects.c.item_id, item_subjects.c.subject_id)
            .join(information_items, information_items.c.id == item_subjects.c.item_id)
            .where(information_items.c.case_id == case_id)):
        found.setdefault(int(item_id), set()).add(int(subject_id))
    return found


def case_of(conn: Connection, item_id: int) -> int:
    """The item's case id (``NoResultFound`` when there is no such item)."""
    return int(conn.execute(select(information_items.c.case_id)
                            .where(information_items.c.id == item_id)).scalar_one())


def set_concerns(conn: Connection, item_id: int, subject_ids: frozenset[int] | None) -> None:
    """Whom the item concerns: the named subjects, or (None) the whole household; replaces
    what was recorded."""
    conn.execute(delete(item_subjects).where(item_subjects.c.item_id == item_id))
    conn.execute(update(information_items).where(information_items.c.id == item_id)
                 .values(concerns_all=subject_ids is None))
    if subject_ids:
        conn.execute(insert(item_subjects), [{"item_id": item_id, "subject_id": s}
                                             for s in sorted(subject_ids)])
