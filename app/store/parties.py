"""The party register's SQL: the parties, their protocol memberships, their contact persons
(art. 10) and the history of every change to a party.

Typed functions on a connection the caller holds; the services keep the rules, the
permission checks, the audit and the transaction (``app.services.parties`` and every service
that shows a party's name).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, RowMapping, delete, func, insert, select, update

from app.store.party_tables import parties, party_contacts, party_events, party_protocols
from app.store.versioned import guarded_update


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


# -- the names every screen shows ----------------------------------------------------------

def names(conn: Connection, ids: Iterable[int] | None = None) -> dict[int, str]:
    """The parties' names by id: every party's, or only those of ``ids``."""
    query = select(parties.c.id, parties.c.name)
    if ids is not None:
        query = query.where(parties.c.id.in_(list(ids)))
    return {int(i): str(n) for i, n in conn.execute(query)}


def short_names(conn: Connection) -> dict[int, str]:
    """Every party's short name (ASCII, for file names) by id."""
    return {int(i): str(s) for i, s in conn.execute(select(parties.c.id, parties.c.short_name))}


def names_by_name(conn: Connection) -> list[tuple[int, str]]:
    """``(id, name)`` of every party, by name."""
    return [(int(i), str(n)) for i, n in conn.execute(
        select(parties.c.id, parties.c.name).order_by(parties.c.name))]


def all_names(conn: Connection) -> list[tuple[int, str, str]]:
    """``(id, name, short name)`` of every party, in the register's order."""
    return [(int(i), str(n), str(s)) for i, n, s in conn.execute(
        select(parties.c.id, parties.c.name, parties.c.short_name))]


def exists(conn: Connection, party_id: int) -> bool:
    return conn.execute(select(parties.c.id).where(parties.c.id == party_id)).first() is not None


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(parties)).scalar_one())


# -- the register ----------------------------------------------------------------------------

def row(conn: Connection, party_id: int) -> RowMapping | None:
    return conn.execute(select(parties).where(parties.c.id == party_id)).mappings().first()


def rows(conn: Connection, *, party_type: str | None = None,
         domain: str | None = None) -> list[RowMapping]:
    """The register's rows by name, narrowed to a type and/or domain."""
    query = select(parties).order_by(parties.c.name)
    if party_type is not None:
        query = query.where(parties.c.party_type == party_type)
    if domain is not None:
        query = query.where(parties.c.domain == domain)
    return list(conn.execute(query).mappings())


def row_by_name(conn: Connection, name: str) -> RowMapping | None:
    """The party whose name is ``name`` ignoring case."""
    return conn.execute(select(parties).where(
        func.lower(parties.c.name) == name.lower())).mappings().first()


def host_row(conn: Connection) -> RowMapping | None:
    """The host municipality's row (the first one flagged)."""
    return conn.execute(select(parties).where(
        parties.c.is_host_municipality.is_(True))).mappings().first()


def name_taken(conn: Connection, name: str, other_than: int | None = None) -> bool:
    """Whether a party (other than ``other_than``) has this name, ignoring case."""
    query = select(parties.c.id).where(func.lower(parties.c.name) == name.lower())
    if other_than is not None:
        query = query.where(parties.c.id != other_than)
    return conn.execute(query).first() is not None


def short_name_taken(conn: Connection, short: str, other_than: int | None = None) -> bool:
    """Whether a party (other than ``other_than``) has this short name."""
    query = select(parties.c.id).where(parties.c.short_name == short)
    if other_than is not None:
        query = query.where(parties.c.id != other_than)
    return conn.execute(query).first() is not None


def insert_party(conn: Connection, values: Mapping[str, Any]) -> int:
    return _new_id(conn.execute(insert(parties).values(dict(values))))


def update_party(conn: Connection, party_id: int, values: Mapping[str, Any], *,
                 version: int | None = None, by: str = "-", at: datetime | None = None
                 ) -> None:
    """Write ``values`` into the party's row, bumping its version; ``version`` (the version
    the change was read at) given, a row saved since raises ``EditConflict``."""
    guarded_update(conn, parties, parties.c.id == party_id, version, values, by,
                   at or datetime.now(UTC).replace(tzinfo=None))


# -- protocol memberships --------------------------------------------------------------------

def membership_rows(conn: Connection, party_ids: Iterable[int] | None = None
                    ) -> list[RowMapping]:
    """The memberships (of ``party_ids``, or of every party) by protocol and start."""
    query = select(party_protocols).order_by(party_protocols.c.protocol,
                                             party_protocols.c.start)
    if party_ids is not None:
        query = query.where(party_protocols.c.party_id.in_(list(party_ids)))
    return list(conn.execute(query).mappings())


def add_membership(conn: Connection, party_id: int, protocol: str, start: date | None,
                   end: date | None = None) -> None:
    conn.execute(insert(party_protocols).values(party_id=party_id, protocol=protocol,
                                                start=start, end=end))


def delete_memberships(conn: Connection, party_id: int) -> None:
    conn.execute(delete(party_protocols).where(party_protocols.c.party_id == party_id))


def end_memberships(conn: Connection, party_id: int, last_day: date) -> None:
    """Close every membership of the party that runs past ``last_day``; drop those that would
    only start after it."""
    conn.execute(delete(party_protocols).where(party_protocols.c.party_id == party_id,
                                               party_protocols.c.start > last_day))
    conn.execute(update(party_protocols).where(
        party_protocols.c.party_id == party_id,
        (party_protocols.c.end.is_(None)) | (party_protocols.c.end > last_day)
    ).values(end=last_day))


# -- contact persons -------------------------------------------------------------------------

def contact_rows(conn: Connection, party_id: int) -> list[RowMapping]:
    """The party's contact persons, by name."""
    rows = conn.execute(select(party_contacts).where(
        party_contacts.c.party_id == party_id).order_by(party_contacts.c.name)).mappings()
    # on the house server the name is sealed (ordered there as ciphertext): by name here
    return sorted(rows, key=lambda r: r["name"])


def insert_contact(conn: Connection, party_id: int, values: Mapping[str, Any]) -> int:
    return _new_id(conn.execute(insert(party_contacts).values(party_id=party_id,
                                                              **dict(values))))


def update_contact(conn: Connection, party_id: int, contact_id: int,
                   values: Mapping[str, Any], *, version: int | None = None, by: str = "-",
                   at: datetime | None = None) -> bool:
    """Change the party's contact person; False when there is no such contact. ``version``
    given, a contact saved since by another session raises ``EditConflict``."""
    return guarded_update(conn, party_contacts, (party_contacts.c.id == contact_id)
                          & (party_contacts.c.party_id == party_id), version, values, by,
                          at or datetime.now(UTC).replace(tzinfo=None))


def delete_contact(conn: Connection, party_id: int, contact_id: int) -> bool:
    """Remove the party's contact person; False when there is no such contact."""
    gone = conn.execute(delete(party_contacts).where(
        party_contacts.c.id == contact_id, party_contacts.c.party_id == party_id))
    return bool(gone.rowcount)


# -- the party's history ---------------------------------------------------------------------

def event_rows(conn: Connection, party_id: int) -> list[RowMapping]:
    """What happened to the party, oldest first."""
    return list(conn.execute(select(party_events).where(
        party_events.c.party_id == party_id).order_by(party_events.c.id)).mappings())


def add_event(conn: Connection, party_id: int, at: str, actor: str, kind: str,
              detail: str) -> None:
    """One line of the party's history (``detail``: JSON, ids and dates only)."""
    conn.execute(insert(party_events).values(party_id=party_id, at=at, actor=actor,
                                             kind=kind, detail=detail))
