"""The referral's SQL (issue 24): the partners a referral proposes to invite with their
contact persons (``case_invitees``), and whether each subject was informed or the ground
not to (``subject_informing``).

Typed functions on a connection the caller holds; the services keep the rules, the checks,
the audit and the transaction (``app.services.referral_contacts``, ``referral_receipts``).
Nothing here decides who sees a contact or whom to invite (``app.sharing.policy``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from app.store.party_tables import party_contacts
from app.store.referral_tables import case_invitees, subject_informing

# -- the partners to invite ------------------------------------------------------------------


def invitee_rows(conn: Connection, case_id: int) -> list[RowMapping]:
    """The case's ``case_invitees`` rows, in the referral's order."""
    return list(conn.execute(select(case_invitees).where(case_invitees.c.case_id == case_id)
                             .order_by(case_invitees.c.position)).mappings())


def replace_invitees(conn: Connection, case_id: int,
                     rows: Iterable[Mapping[str, Any]], *, fresh: bool = False) -> None:
    """The case's partners to invite (rows without ``case_id``, each with its
    ``position``), replacing earlier ones (``fresh``: a case made in this transaction:
    nothing to delete)."""
    if not fresh:
        conn.execute(delete(case_invitees).where(case_invitees.c.case_id == case_id))
    values = [{"case_id": case_id, **dict(r)} for r in rows]
    if values:
        conn.execute(insert(case_invitees), values)


def blank_invitee_contact(conn: Connection, invitee_id: int) -> None:
    """Empty the contact person of one partner to invite (the party stays)."""
    conn.execute(update(case_invitees).where(case_invitees.c.id == invitee_id)
                 .values(contact_name="", contact_role="", phone="", email=""))


# -- informing the subjects ------------------------------------------------------------------

def informing_rows(conn: Connection, case_id: int) -> list[RowMapping]:
    """The case's ``subject_informing`` rows (unordered)."""
    return list(conn.execute(select(subject_informing)
                             .where(subject_informing.c.case_id == case_id)).mappings())


def replace_informing(conn: Connection, case_id: int,
                      rows: Iterable[Mapping[str, Any]], *, fresh: bool = False) -> None:
    """The case's informing rows (each with its ``subject_id`` and ``case_id``), replacing
    every earlier one of the case (``fresh``: a case made in this transaction)."""
    if not fresh:
        conn.execute(delete(subject_informing).where(subject_informing.c.case_id == case_id))
    values = [dict(r) for r in rows]
    if values:
        conn.execute(insert(subject_informing), values)


def set_informing(conn: Connection, subject_id: int, values: Mapping[str, Any]) -> None:
    """One subject's informing row (``values`` holds its ``subject_id``), replacing the
    earlier one."""
    conn.execute(delete(subject_informing).where(subject_informing.c.subject_id == subject_id))
    conn.execute(insert(subject_informing).values(dict(values)))


def blank_ground_texts(conn: Connection, case_id: int) -> None:
    """Empty every ground "in words" of the case's subjects (the ground's code stays)."""
    conn.execute(update(subject_informing).where(subject_informing.c.case_id == case_id)
                 .values(ground_text=""))


# -- the party register's own contact persons, as closure compares them -----------------------

def register_contacts(conn: Connection) -> list[tuple[int, str, str]]:
    """``(party_id, name, email)`` of every contact person in the party register."""
    return [(int(r[0]), str(r[1]), str(r[2] or "")) for r in conn.execute(
        select(party_contacts.c.party_id, party_contacts.c.name, party_contacts.c.email))]
