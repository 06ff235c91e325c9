"""The subjects' SQL: the people of a case's family system.

Typed functions on a connection the caller holds; the services keep the rules (the search
row is rebuilt by ``app.services.cases.refresh_case_search`` after a change).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from app.store.case_tables import cases, subjects
from app.store.convert import inserted_id

#: the subject fields closure can empty
Removable = Literal["address", "bsn"]


def count(conn: Connection, case_id: int) -> int:
    return int(conn.execute(select(func.count()).select_from(subjects)
                            .where(subjects.c.case_id == case_id)).scalar() or 0)


def holding(conn: Connection, case_id: int, field: Removable) -> list[tuple[int, str]]:
    """``(id, role)`` of the case's subjects with ``field`` filled in, in their order. The
    value is looked at on the workstation: on the house server it is sealed, and SQL cannot
    compare it there."""
    column = subjects.c[field]
    return [(int(i), str(r)) for i, r, value in conn.execute(
        select(subjects.c.id, subjects.c.role, column)
        .where(subjects.c.case_id == case_id, column.is_not(None))
        .order_by(subjects.c.position)) if value != ""]


def clear(conn: Connection, case_id: int, ids: Iterable[int], field: Removable) -> None:
    """Empty ``field`` (NULL) of the named subjects of the case."""
    conn.execute(update(subjects).where(subjects.c.case_id == case_id,
                                        subjects.c.id.in_(list(ids))).values({field: None}))


def names_of_cases(conn: Connection, case_ids: Iterable[int]) -> list[tuple[int, str, str, str]]:
    """``(case id, given names, surname, role)`` of the cases' subjects, case by case in
    their order."""
    return [(int(c), str(g), str(s), str(r)) for c, g, s, r in conn.execute(
        select(subjects.c.case_id, subjects.c.given_names, subjects.c.surname, subjects.c.role)
        .where(subjects.c.case_id.in_(list(case_ids)))
        .order_by(subjects.c.case_id, subjects.c.position))]


def ids_of_case(conn: Connection, case_id: int) -> frozenset[int]:
    return frozenset(int(i) for i in conn.execute(
        select(subjects.c.id).where(subjects.c.case_id == case_id)).scalars())


def field_of(conn: Connection, case_id: int, subject_id: int, field: Removable) -> str | None:
    """The subject's ``field`` when the subject is the case's (None otherwise or unset)."""
    value = conn.execute(select(subjects.c[field]).where(
        subjects.c.id == subject_id, subjects.c.case_id == case_id)).scalar()
    return None if value is None else str(value)


def rows_of_case(conn: Connection, case_id: int) -> list[RowMapping]:
    """The case's whole subject rows, in their order."""
    return list(conn.execute(select(subjects).where(subjects.c.case_id == case_id)
                             .order_by(subjects.c.position)).mappings())


def ids_in_order(conn: Connection, case_id: int) -> list[int]:
    """The ids of the case's subjects, in their order."""
    return [int(i) for i in conn.execute(select(subjects.c.id).where(
        subjects.c.case_id == case_id).order_by(subjects.c.position)).scalars()]


def ids_by_position(conn: Connection, case_id: int) -> dict[int, int]:
    """Position -> id of the case's subjects."""
    return {int(p): int(i) for p, i in conn.execute(
        select(subjects.c.position, subjects.c.id).where(subjects.c.case_id == case_id))}


def roles_of_case(conn: Connection, case_id: int) -> dict[int, str]:
    """Subject id -> role of the case's subjects."""
    return {int(i): str(r) for i, r in conn.execute(
        select(subjects.c.id, subjects.c.role).where(subjects.c.case_id == case_id))}


def is_of_case(conn: Connection, case_id: int, subject_id: int) -> bool:
    return conn.execute(select(subjects.c.id).where(
        subjects.c.id == subject_id, subjects.c.case_id == case_id)).first() is not None


def case_of(conn: Connection, subject_id: int) -> tuple[int, str] | None:
    """``(case id, case number)`` of the subject's case, or None."""
    row = conn.execute(select(subjects.c.case_id, cases.c.number)
                       .join(cases, cases.c.id == subjects.c.case_id)
                       .where(subjects.c.id == subject_id)).first()
    return None if row is None else (int(row[0]), str(row[1]))


def replace(conn: Connection, case_id: int, rows: Sequence[Mapping[str, Any]], *,
            fresh: bool = False) -> list[int]:
    """The case's subjects (whole ``subjects`` rows, in order), replacing earlier ones;
    their new ids, in order. ``fresh``: a case made in this transaction, which has none
    (nothing deleted: on the house server who registers referrals may insert a new case's
    rows, not delete or read any, so the ids come from the inserts, not from a read)."""
    if not fresh:
        conn.execute(delete(subjects).where(subjects.c.case_id == case_id))
    return [inserted_id(conn.execute(insert(subjects).values(dict(r)))) for r in rows]
