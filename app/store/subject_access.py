"""The subject-access request's SQL (AVG art. 15): finding a person among the subjects of
every case not destroyed, and the rows the draft and the report are made from.

Typed functions on a connection the caller holds; the service keeps the matching rules,
the review, the permission and the audit (``app.services.subject_access``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from app.domain.lifecycle import CaseState
from app.store import sealed
from app.store.case_tables import cases, life_domain_problems, subjects

#: the state of a case of which nothing but the tombstone is left
DESTROYED = CaseState.DESTROYED.value


def held_subjects(conn: Connection, where: Mapping[str, Any]) -> list[RowMapping]:
    """The subjects (with their case's number) of every case not destroyed whose columns
    equal ``where`` (None: the column is empty), by case number and position."""
    query = (select(subjects, cases.c.number).join(cases, cases.c.id == subjects.c.case_id)
             .where(cases.c.state != DESTROYED))
    for column, value in where.items():
        query = query.where(subjects.c[column].is_(None) if value is None
                            else subjects.c[column] == value)
    return list(conn.execute(query.order_by(cases.c.number, subjects.c.position)).mappings())


def held_by_surname_birth(conn: Connection, surname_key: str,
                          birth_date: date) -> list[RowMapping]:
    """The subjects (with their case's number) of every case not destroyed with this folded
    surname and birth date, by case number and position. On the house server through the
    one blind index over the pair (``sealed.pair_equals``): the name is looked up with the
    birth date only, so the server keeps no index of a name alone."""
    return list(conn.execute(
        select(subjects, cases.c.number).join(cases, cases.c.id == subjects.c.case_id)
        .where(cases.c.state != DESTROYED,
               sealed.pair_equals(conn, subjects.c.surname_key, surname_key, birth_date))
        .order_by(cases.c.number, subjects.c.position)).mappings())


def identity(conn: Connection, subject_id: int
             ) -> tuple[str | None, str, date, str] | None:
    """``(bsn, name key, birth date, surname key)`` of a subject of a case not destroyed, or
    None."""
    row = conn.execute(select(subjects.c.bsn, subjects.c.name_key, subjects.c.birth_date,
                              subjects.c.surname_key)
                       .join(cases, cases.c.id == subjects.c.case_id)
                       .where(subjects.c.id == subject_id,
                              cases.c.state != DESTROYED)).first()
    return None if row is None else (row[0], row[1], row[2], row[3])


def subjects_by_id(conn: Connection, ids: Iterable[int]) -> list[RowMapping]:
    """The named subjects with their case's number, by case number and id."""
    return list(conn.execute(
        select(subjects, cases.c.number).join(cases, cases.c.id == subjects.c.case_id)
        .where(subjects.c.id.in_(list(ids)))
        .order_by(cases.c.number, subjects.c.id)).mappings())


def referral_of(conn: Connection, case_id: int) -> tuple[int | None, date]:
    """``(referring party, day received)`` of the case."""
    row = conn.execute(select(cases.c.referring_party_id, cases.c.received)
                       .where(cases.c.id == case_id)).one()
    return (None if row[0] is None else int(row[0])), row[1]


def life_domain_texts(conn: Connection, case_id: int) -> list[tuple[int, str, str]]:
    """``(id, life domain, description)`` of the case's referral texts per life domain."""
    return [(int(i), str(d), str(t)) for i, d, t in conn.execute(
        select(life_domain_problems.c.id, life_domain_problems.c.domain,
               life_domain_problems.c.description)
        .where(life_domain_problems.c.case_id == case_id)
        .order_by(life_domain_problems.c.id))]


def case_row(conn: Connection, case_id: int) -> RowMapping:
    """The whole ``cases`` row (the case must exist)."""
    return conn.execute(select(cases).where(cases.c.id == case_id)).mappings().one()
