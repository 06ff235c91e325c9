"""The party register as use cases: reading parties and their standing (which every other
area asks), and the administrator's changes (details, protocol membership, contact persons,
accession by Bijlage 1, withdrawal and exclusion).

Reading the register needs no permission (organisation names are no personal data, and the
sharing policy must be able to ask in any role); contact persons need ``VIEW_PARTIES``;
every change needs ``MANAGE_PARTIES``, runs in one transaction, adds a line to the party's
history and a row to the audit log (ids and dates only; never a contact person's name).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable, Mapping

from sqlalchemy import Connection, delete, func, insert, select, update

from app.domain.parties import (COVENANT_START, Contact, EndReason, MembershipPeriod, Party,
                                PartyDetails, PartyDomain, PartyEvent, PartyType,
                                check_email, check_membership_within, check_name,
                                check_no_overlap, check_period, check_short_name,
                                short_name_for)
from app.domain.protocols import Protocol
from app.domain.roles import Permission
from app.domain.standing import PartyStanding, ProtocolMembership
from app.errors import NotFound, TransitionRefused, ValidationError
from app.i18n import _
from app.store import audit
from app.store.party_tables import party_contacts, party_events, party_protocols, parties
from app.vault.vault import OpenVault

ConnOrVault = Connection | OpenVault


# -- reading ---------------------------------------------------------------------------

def _with_conn(source: ConnOrVault, fn: Any) -> Any:
    if isinstance(source, Connection):
        return fn(source)
    with source.read() as conn:
        return fn(conn)


def _memberships(conn: Connection, party_ids: Iterable[int] | None = None
                 ) -> dict[int, list[MembershipPeriod]]:
    query = select(party_protocols).order_by(party_protocols.c.protocol,
                                             party_protocols.c.start)
    if party_ids is not None:
        query = query.where(party_protocols.c.party_id.in_(list(party_ids)))
    result: dict[int, list[MembershipPeriod]] = {}
    for row in conn.execute(query).mappings():
        result.setdefault(row["party_id"], []).append(MembershipPeriod(
            Protocol(row["protocol"]), row["start"], row["end"], row["id"]))
    return result


def _party(row: Mapping[str, Any], memberships: list[MembershipPeriod]) -> Party:
    return Party(
        id=row["id"], name=row["name"], short_name=row["short_name"],
        party_type=PartyType(row["party_type"]), domain=PartyDomain(row["domain"]),
        seat=row["seat"], address=row["address"], representative=row["representative"],
        is_host_municipality=bool(row["is_host_municipality"]), joined_on=row["joined_on"],
        accession_requested_on=row["accession_requested_on"],
        steering_group_agreed_on=row["steering_group_agreed_on"],
        bijlage1_signed_on=row["bijlage1_signed_on"], active_from=row["active_from"],
        active_until=row["active_until"],
        end_reason=EndReason(row["end_reason"]) if row["end_reason"] else None,
        end_note=row["end_note"], memberships=tuple(memberships))


def _standing(party: Party) -> PartyStanding:
    return PartyStanding(
        party_id=party.id, active_from=party.active_from, active_until=party.active_until,
        memberships=tuple(ProtocolMembership(m.protocol, m.start, m.end)
                          for m in party.memberships))


def list_parties(source: ConnOrVault, *, party_type: PartyType | None = None,
                 domain: PartyDomain | None = None, protocol: Protocol | None = None,
                 active_on: date | None = None) -> list[Party]:
    """The register, by name; the filters narrow it (``protocol`` and ``active_on`` together:
    members of that protocol on that day; ``protocol`` alone: ever a member)."""

    def run(conn: Connection) -> list[Party]:
        query = select(parties).order_by(parties.c.name)
        if party_type is not None:
            query = query.where(parties.c.party_type == party_type.value)
        if domain is not None:
            query = query.where(parties.c.domain == domain.value)
        rows = list(conn.execute(query).mappings())
        members = _memberships(conn)
        found = [_party(r, members.get(r["id"], [])) for r in rows]
        if active_on is not None:
            found = [p for p in found if p.is_active(active_on)]
        if protocol is not None:
            found = [p for p in found if any(
                m.protocol == protocol and (active_on is None or m.covers(active_on))
                for m in p.memberships)]
        return found

    return list(_with_conn(source, run))


def get_party(source: ConnOrVault, party_id: int) -> Party:
    def run(conn: Connection) -> Party:
        row = conn.execute(select(parties).where(parties.c.id == party_id)).mappings().first()
        if row is None:
            raise NotFound(_("There is no party with number {id}.").format(id=party_id))
        return _party(row, _memberships(conn, [party_id]).get(party_id, []))

    result: Party = _with_conn(source, run)
    return result


def find_party_by_name(source: ConnOrVault, name: str) -> Party | None:
    """The party with this name (case and extra spaces ignored), or None."""
    wanted = " ".join(name.split())

    def run(conn: Connection) -> Party | None:
        row = conn.execute(select(parties).where(
            func.lower(parties.c.name) == wanted.lower())).mappings().first()
        if row is None:
            return None
        return _party(row, _memberships(conn, [row["id"]]).get(row["id"], []))

    result: Party | None = _with_conn(source, run)
    return result


def standing(source: ConnOrVault, party_id: int) -> PartyStanding:
    """The party's standing (active period and protocol memberships) for the sharing policy."""
    return _standing(get_party(source, party_id))


def standings(source: ConnOrVault) -> dict[int, PartyStanding]:
    """Every party's standing, by party id (one read for a whole screen or handout run)."""
    return {p.id: _standing(p) for p in list_parties(source)}


def host_municipality(source: ConnOrVault) -> Party | None:
    def run(conn: Connection) -> Party | None:
        row = conn.execute(select(parties).where(
            parties.c.is_host_municipality.is_(True))).mappings().first()
        if row is None:
            return None
        return _party(row, _memberships(conn, [row["id"]]).get(row["id"], []))

    result: Party | None = _with_conn(source, run)
    return result
