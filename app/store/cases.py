"""The case row and its details' SQL: the ``cases`` row (also the tombstone once destroyed),
the problems per life domain, the answers to the criteria, the closure decision and the
figures' tombstone.

Typed functions on a connection the caller holds; the services keep the rules, the checks
and the transaction (``app.services.cases``, ``closure``, ``retention``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from app.store.case_tables import (cases, criteria_answers, information_items,
                                   life_domain_problems)
from app.store.retention_tables import case_closures, case_tombstones


def case_row(conn: Connection, case_id: int) -> RowMapping | None:
    """The whole ``cases`` row, or None."""
    return conn.execute(select(cases).where(cases.c.id == case_id)).mappings().first()


def protocol_of(conn: Connection, case_id: int) -> str:
    return str(conn.execute(select(cases.c.protocol).where(cases.c.id == case_id)).scalar())


def set_fields(conn: Connection, case_id: int, values: Mapping[str, Any]) -> None:
    """Write ``values`` (column: value) into the case's row."""
    if values:
        conn.execute(update(cases).where(cases.c.id == case_id).values(dict(values)))


def blank_fields(conn: Connection, case_id: int, columns: Iterable[str]) -> None:
    """Empty the named fields of the case's row (NULL)."""
    set_fields(conn, case_id, {c: None for c in columns})


def mark_destroyed(conn: Connection, case_id: int, personal: Iterable[str], state: str,
                   at: datetime) -> None:
    """What destruction leaves of the row: the personal fields emptied, the state and the
    moment set (the rest is the tombstone)."""
    set_fields(conn, case_id, {**{name: None for name in personal}, "state": state,
                               "destroyed_at": at, "updated_at": at})


# -- life domains ----------------------------------------------------------------------------

def life_domain_rows(conn: Connection, case_id: int) -> list[tuple[int, str]]:
    """``(id, domain)`` of the case's problems per life domain, in the order stored."""
    return [(int(i), str(d)) for i, d in conn.execute(
        select(life_domain_problems.c.id, life_domain_problems.c.domain)
        .where(life_domain_problems.c.case_id == case_id)
        .order_by(life_domain_problems.c.id))]


def delete_life_domains(conn: Connection, case_id: int, ids: Iterable[int]) -> None:
    conn.execute(delete(life_domain_problems).where(
        life_domain_problems.c.case_id == case_id, life_domain_problems.c.id.in_(list(ids))))


# -- criteria --------------------------------------------------------------------------------

def criteria_motivations(conn: Connection, case_id: int) -> list[tuple[str, str]]:
    """``(criterion, motivation)`` of the case's answers."""
    return [(str(c), str(m or "")) for c, m in conn.execute(
        select(criteria_answers.c.criterion, criteria_answers.c.motivation)
        .where(criteria_answers.c.case_id == case_id))]


def clear_motivations(conn: Connection, case_id: int, criteria: Iterable[str]) -> None:
    conn.execute(update(criteria_answers).where(
        criteria_answers.c.case_id == case_id,
        criteria_answers.c.criterion.in_(list(criteria))).values(motivation=""))


# -- the closure record and the tombstone -------------------------------------------------------

def write_closure_record(conn: Connection, case_id: int, values: Mapping[str, Any]) -> None:
    """The closure decision of the case (replacing an earlier one)."""
    conn.execute(delete(case_closures).where(case_closures.c.case_id == case_id))
    conn.execute(insert(case_closures).values(case_id=case_id, **dict(values)))


def closure_record(conn: Connection, case_id: int) -> RowMapping | None:
    return conn.execute(select(case_closures).where(case_closures.c.case_id == case_id)
                        ).mappings().first()


def retention_starts(conn: Connection, case_id: int) -> Any:
    """The day the closed case's retention started (as stored), or None."""
    return conn.execute(select(case_closures.c.retention_starts).where(
        case_closures.c.case_id == case_id)).scalar()


def has_tombstone(conn: Connection, case_id: int) -> bool:
    return conn.execute(select(case_tombstones.c.case_id).where(
        case_tombstones.c.case_id == case_id)).first() is not None


def write_tombstone(conn: Connection, values: Mapping[str, Any], *,
                    replace: bool = True) -> None:
    """The figures' tombstone of a case (``values`` holds its ``case_id``); an earlier one is
    replaced."""
    if replace:
        conn.execute(delete(case_tombstones).where(
            case_tombstones.c.case_id == values["case_id"]))
    conn.execute(insert(case_tombstones).values(**dict(values)))


def mark_tombstone_destroyed(conn: Connection, case_id: int, on: date) -> None:
    conn.execute(update(case_tombstones).where(case_tombstones.c.case_id == case_id)
                 .values(destroyed_on=on))


def tombstones_ended_between(conn: Connection, start: date, end: date) -> list[RowMapping]:
    """The tombstones of the cases that ended between ``start`` and ``end`` (inclusive)."""
    return list(conn.execute(select(case_tombstones).where(
        case_tombstones.c.ended_on >= start, case_tombstones.c.ended_on <= end)
    ).mappings().all())


def number_protocol_state(conn: Connection, case_id: int) -> tuple[str, str, str] | None:
    row = conn.execute(select(cases.c.number, cases.c.protocol, cases.c.state)
                       .where(cases.c.id == case_id)).first()
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]))


def cases_in_states(conn: Connection, states: Iterable[str]) -> list[tuple[int, str, str, str]]:
    """``(id, number, protocol, state)`` of the cases in ``states``, newest number first."""
    return [(int(i), str(n), str(p), str(s)) for i, n, p, s in conn.execute(
        select(cases.c.id, cases.c.number, cases.c.protocol, cases.c.state)
        .where(cases.c.state.in_(list(states)))
        .order_by(cases.c.number_year.desc(), cases.c.number_seq.desc()))]


def protocol_and_state(conn: Connection, case_id: int) -> tuple[str, str] | None:
    row = conn.execute(select(cases.c.protocol, cases.c.state)
                       .where(cases.c.id == case_id)).first()
    return None if row is None else (str(row[0]), str(row[1]))


def states_of(conn: Connection, case_ids: Iterable[int]) -> dict[int, str]:
    """Case id -> state."""
    return {int(i): str(s) for i, s in conn.execute(
        select(cases.c.id, cases.c.state).where(cases.c.id.in_(list(case_ids))))}


def highest_ids(conn: Connection) -> tuple[int, int]:
    """The highest case id and information item id so far (0 when none)."""
    case_id = conn.execute(select(func.max(cases.c.id))).scalar()
    item_id = conn.execute(select(func.max(information_items.c.id))).scalar()
    return int(case_id or 0), int(item_id or 0)


def highest_sequence(conn: Connection, year: int) -> int:
    """The highest case number sequence of ``year`` so far (0 when none)."""
    return int(conn.execute(select(func.max(cases.c.number_seq)).where(
        cases.c.number_year == year)).scalar() or 0)


def ids_by_number(conn: Connection) -> dict[str, int]:
    """Case number -> id, for every case (destroyed ones too)."""
    return {str(n): int(i) for n, i in conn.execute(select(cases.c.number, cases.c.id))}
