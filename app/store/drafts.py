"""The drafts table's SQL: half-finished work kept per kind, account and object.

Typed functions on a connection the caller holds (the caller's transaction). The rules (who
may keep what, the audit rows of reads and discards, which drafts belong to a case) are in
``app.services.drafts``; nothing else reads or writes the table.

A draft's key is its kind, its owner (an account) and its object (a case number, a meeting
id, or none: an agenda being prepared, a new referral). ``object_id`` may be NULL, which the
table's unique constraint does not cover: :func:`mine` matches NULL as a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from app.store.tables import drafts


@dataclass(frozen=True)
class DraftRow:
    id: int
    kind: str
    owner: str
    object_id: str | None
    title: str
    payload: str           # JSON text
    updated_at: datetime


_COLUMNS = (drafts.c.id, drafts.c.kind, drafts.c.owner, drafts.c.object_id, drafts.c.title,
            drafts.c.payload, drafts.c.updated_at)


def _row(r: Any) -> DraftRow:
    return DraftRow(int(r[0]), str(r[1]), str(r[2]), r[3], str(r[4]), str(r[5]), r[6])


def _key(kind: str, owner: str, object_id: str | None) -> Any:
    where = (drafts.c.kind == kind) & (drafts.c.owner == owner)
    return where & (drafts.c.object_id.is_(None) if object_id is None
                    else drafts.c.object_id == object_id)


def mine(conn: Connection, kind: str, owner: str, object_id: str | None) -> DraftRow | None:
    """The owner's draft of ``kind`` for ``object_id`` (the oldest, should there be two)."""
    found = conn.execute(select(*_COLUMNS).where(_key(kind, owner, object_id))
                         .order_by(drafts.c.id)).first()
    return None if found is None else _row(found)


def by_id(conn: Connection, draft_id: int, kind: str, owner: str) -> DraftRow | None:
    """Draft ``draft_id`` when it is the owner's and of ``kind``."""
    found = conn.execute(select(*_COLUMNS).where(
        drafts.c.id == draft_id, drafts.c.kind == kind, drafts.c.owner == owner)).first()
    return None if found is None else _row(found)


def of_kind(conn: Connection, kind: str, owner: str) -> list[DraftRow]:
    """The owner's drafts of ``kind``, newest first."""
    return [_row(r) for r in conn.execute(
        select(*_COLUMNS).where(drafts.c.kind == kind, drafts.c.owner == owner)
        .order_by(drafts.c.updated_at.desc(), drafts.c.id.desc()))]


def every_draft(conn: Connection) -> list[DraftRow]:
    """Every account's drafts, oldest first (to find those that hold work on a case)."""
    return [_row(r) for r in conn.execute(select(*_COLUMNS).order_by(drafts.c.id))]


def add(conn: Connection, kind: str, owner: str, object_id: str | None, title: str,
        payload: str, updated_at: datetime) -> int:
    inserted = conn.execute(insert(drafts).values(
        kind=kind, owner=owner, object_id=object_id, title=title, payload=payload,
        updated_at=updated_at)).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def rewrite(conn: Connection, draft_id: int, payload: str, updated_at: datetime | None = None,
            **more: Any) -> None:
    """Replace a draft's payload (and ``updated_at``, ``object_id`` or ``title`` if given)."""
    values: dict[str, Any] = {"payload": payload, **more}
    if updated_at is not None:
        values["updated_at"] = updated_at
    conn.execute(update(drafts).where(drafts.c.id == draft_id).values(**values))


def remove(conn: Connection, draft_id: int) -> None:
    conn.execute(delete(drafts).where(drafts.c.id == draft_id))


def ids_of(conn: Connection, kind: str, owner: str | None, object_id: str | None) -> list[int]:
    """The ids of the drafts of ``kind`` for ``object_id``: the owner's, or every account's
    when ``owner`` is None."""
    where = (drafts.c.kind == kind) & (drafts.c.object_id.is_(None) if object_id is None
                                       else drafts.c.object_id == object_id)
    if owner is not None:
        where = where & (drafts.c.owner == owner)
    return [int(i) for i in conn.execute(select(drafts.c.id).where(where)
                                         .order_by(drafts.c.id)).scalars()]


def named_after(conn: Connection, number: str, case_id: int) -> list[int]:
    """Ids of the drafts whose object or title is the case (its number or id)."""
    return [int(i) for i in conn.execute(select(drafts.c.id).where(or_(
        drafts.c.object_id.in_([number, str(case_id)]), drafts.c.title == number))
        .order_by(drafts.c.id)).scalars()]
