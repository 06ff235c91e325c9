"""What a referral's receipt says about the case (``app.services.referral_receipts``), read
so that who registers referrals can make it on both engines: the register's columns of the
case, and the counts and "given or not" of what the referral held (no text, no name).

On the vault file both are plain statements. On the house server the information centre's
role reads the register's columns of ``cases`` and no subject, item, life domain, informing
or referral text (``app.store.pg_roles``); the counts come from the migration owner's
SECURITY DEFINER function :data:`app.store.pg_roles.RECEIPT_FACTS_FUNCTION`, which returns
those numbers and nothing else (the same answer for every role, so one path on the server).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (ColumnElement, Connection, FromClause, Integer, and_, bindparam, func,
                        select, text)

from app.store import sealed
from app.store.case_tables import cases, information_items, life_domain_problems, subjects
from app.store.pg_roles import RECEIPT_FACTS_FUNCTION
from app.store.referral_tables import subject_informing


@dataclass(frozen=True)
class Register:
    """The case's register facts a receipt names."""

    number: str
    protocol: str
    received: date
    external_ref: str | None
    referring_party_id: int | None


@dataclass(frozen=True)
class Counts:
    """What the referral held, as counts and "given": never its content."""

    contact_given: bool
    reason_given: bool
    question_given: bool
    subjects: int
    life_domains: int
    items: int
    own_items: int           # supplied by ``party_id``
    informing: int           # subjects with their informing recorded


def register(conn: Connection, case_id: int) -> Register | None:
    """The register's columns of the case (readable by every role that sees the cases)."""
    row = conn.execute(select(cases.c.number, cases.c.protocol, cases.c.received,
                              cases.c.external_ref, cases.c.referring_party_id)
                       .where(cases.c.id == case_id)).first()
    if row is None:
        return None
    return Register(str(row[0]), str(row[1]), row[2], row[3],
                    None if row[4] is None else int(row[4]))


def counts(conn: Connection, case_id: int, party_id: int) -> Counts:
    """The receipt's counts for the case, ``own_items`` those supplied by ``party_id``."""
    if sealed.on_server(conn):
        query = text(
            "SELECT contact_given, reason_given, question_given, subjects, life_domains, "
            f"items, own_items, informing FROM {RECEIPT_FACTS_FUNCTION}(:case_id, :party_id)"
        ).bindparams(bindparam("case_id", case_id, type_=Integer()),
                     bindparam("party_id", party_id, type_=Integer()))
        row = conn.execute(query).one()
        return Counts(bool(row[0]), bool(row[1]), bool(row[2]), *(int(v) for v in row[3:]))

    def given(column: ColumnElement[Any]) -> ColumnElement[bool]:
        return func.coalesce(func.length(column), 0) > 0

    case = conn.execute(select(given(cases.c.referring_contact), given(cases.c.reason),
                               given(cases.c.question))
                        .where(cases.c.id == case_id)).one()

    def count(table: FromClause, *where: ColumnElement[bool]) -> int:
        return int(conn.execute(select(func.count()).select_from(table).where(*where))
                   .scalar() or 0)

    in_case = subjects.c.case_id == case_id
    return Counts(
        bool(case[0]), bool(case[1]), bool(case[2]),
        subjects=count(subjects, in_case),
        life_domains=count(life_domain_problems, life_domain_problems.c.case_id == case_id),
        items=count(information_items, information_items.c.case_id == case_id),
        own_items=count(information_items, and_(information_items.c.case_id == case_id,
                                                information_items.c.source_party_id
                                                == party_id)),
        informing=count(subject_informing.join(
            subjects, subjects.c.id == subject_informing.c.subject_id),
            subject_informing.c.case_id == case_id, in_case))
