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
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, RowMapping

from app.domain.parties import (
    COVENANT_START,
    Contact,
    EndReason,
    MembershipPeriod,
    Party,
    PartyDetails,
    PartyDomain,
    PartyEvent,
    PartyType,
    check_email,
    check_membership_within,
    check_name,
    check_no_overlap,
    check_period,
    check_short_name,
    short_name_for,
)
from app.domain.protocols import Protocol
from app.domain.roles import Permission
from app.domain.standing import PartyStanding, ProtocolMembership
from app.domain.text_rules import check_identifying
from app.errors import EditConflict, NotFound, TransitionRefused, ValidationError
from app.i18n import _
from app.store import audit
from app.store import parties as party_rows
from app.vault.vault import OpenVault, utcnow
from app.vault.access import entry_point

ConnOrVault = Connection | OpenVault


# -- reading ---------------------------------------------------------------------------

def _with_conn(source: ConnOrVault, fn: Any) -> Any:
    if isinstance(source, Connection):
        return fn(source)
    with source.read() as conn:
        return fn(conn)


def _memberships(conn: Connection, party_ids: Iterable[int] | None = None
                 ) -> dict[int, list[MembershipPeriod]]:
    result: dict[int, list[MembershipPeriod]] = {}
    for row in party_rows.membership_rows(conn, party_ids):
        result.setdefault(row["party_id"], []).append(MembershipPeriod(
            Protocol(row["protocol"]), row["start"], row["end"], row["id"]))
    return result


def _party(row: RowMapping, memberships: list[MembershipPeriod]) -> Party:
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
        end_note=row["end_note"], memberships=tuple(memberships),
        version=row.get("row_version"))


def _standing(party: Party) -> PartyStanding:
    return PartyStanding(
        party_id=party.id, active_from=party.active_from, active_until=party.active_until,
        memberships=tuple(ProtocolMembership(m.protocol, m.start, m.end)
                          for m in party.memberships))


@entry_point
def list_parties(source: ConnOrVault, *, party_type: PartyType | None = None,
                 domain: PartyDomain | None = None, protocol: Protocol | None = None,
                 active_on: date | None = None) -> list[Party]:
    """The register, by name; the filters narrow it (``protocol`` and ``active_on`` together:
    members of that protocol on that day; ``protocol`` alone: ever a member)."""

    def run(conn: Connection) -> list[Party]:
        rows = party_rows.rows(conn,
                               party_type=None if party_type is None else party_type.value,
                               domain=None if domain is None else domain.value)
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


@entry_point
def get_party(source: ConnOrVault, party_id: int) -> Party:
    def run(conn: Connection) -> Party:
        row = _get_row(conn, party_id)
        return _party(row, _memberships(conn, [party_id]).get(party_id, []))

    result: Party = _with_conn(source, run)
    return result


@entry_point
def find_party_by_name(source: ConnOrVault, name: str) -> Party | None:
    """The party with this name (case and extra spaces ignored), or None."""
    wanted = " ".join(name.split())

    def run(conn: Connection) -> Party | None:
        row = party_rows.row_by_name(conn, wanted)
        if row is None:
            return None
        return _party(row, _memberships(conn, [row["id"]]).get(row["id"], []))

    result: Party | None = _with_conn(source, run)
    return result


@entry_point
def standing(source: ConnOrVault, party_id: int) -> PartyStanding:
    """The party's standing (active period and protocol memberships) for the sharing policy."""
    return _standing(get_party(source, party_id))


@entry_point
def standings(source: ConnOrVault) -> dict[int, PartyStanding]:
    """Every party's standing, by party id (one read for a whole screen or handout run)."""
    return {p.id: _standing(p) for p in list_parties(source)}


@entry_point
def host_municipality(source: ConnOrVault) -> Party | None:
    def run(conn: Connection) -> Party | None:
        row = party_rows.host_row(conn)
        if row is None:
            return None
        return _party(row, _memberships(conn, [row["id"]]).get(row["id"], []))

    result: Party | None = _with_conn(source, run)
    return result


@entry_point
def contacts(vault: OpenVault, party_id: int) -> list[Contact]:
    """The party's contact persons (art. 10), for the roles that plan meetings."""
    vault.require(Permission.VIEW_PARTIES, "party", party_id)
    with vault.read() as conn:
        rows = party_rows.contact_rows(conn, party_id)
        return [Contact(party_id=r["party_id"], name=r["name"], function=r["function"],
                        phone=r["phone"], email=r["email"],
                        steering_group=bool(r["steering_group"]),
                        partner_board=bool(r["partner_board"]),
                        case_meetings=bool(r["case_meetings"]), id=r["id"],
                        version=r["row_version"]) for r in rows]


@entry_point
def history(source: ConnOrVault, party_id: int) -> list[PartyEvent]:
    """What happened to the party, oldest first."""

    def run(conn: Connection) -> list[PartyEvent]:
        rows = party_rows.event_rows(conn, party_id)
        return [PartyEvent(r["id"], r["party_id"], r["at"], r["actor"], r["kind"],
                           dict(json.loads(r["detail"] or "{}"))) for r in rows]

    return list(_with_conn(source, run))


# -- changing the register ---------------------------------------------------------------

def _event(vault: OpenVault, conn: Connection, party_id: int, kind: str,
           detail: dict[str, Any] | None = None) -> None:
    party_rows.add_event(
        conn, party_id, audit.utc_now_iso(), vault.actor.account, kind,
        json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str))


def _get_row(conn: Connection, party_id: int) -> RowMapping:
    row = party_rows.row(conn, party_id)
    if row is None:
        raise NotFound(_("There is no party with number {id}.").format(id=party_id))
    return row


def _check_details(conn: Connection, details: PartyDetails, party_id: int | None
                   ) -> PartyDetails:
    name = check_name(details.name)
    if party_rows.name_taken(conn, name, party_id):
        raise ValidationError(_("There is already a party named {name}.").format(name=name),
                              field="name")
    short = check_short_name(details.short_name) if details.short_name.strip() else ""
    if not short:
        base = short_name_for(name)
        short, n = base, 2
        while party_rows.short_name_taken(conn, short, party_id):
            short, n = f"{base[:60]}-{n}", n + 1
    else:
        if party_rows.short_name_taken(conn, short, party_id):
            raise ValidationError(_("Another party already has the short name {short}.")
                                  .format(short=short), field="short_name")
    return replace(details, name=name, short_name=short, seat=details.seat.strip(),
                   address=" ".join(details.address.split()),
                   representative=" ".join(details.representative.split()),
                   party_type=PartyType(details.party_type),
                   domain=PartyDomain(details.domain))


@entry_point
def seed_parties(vault: OpenVault) -> int:
    """Load the covenant's signatories into a new vault (``resources/parties.json``)."""
    from app.resources import resource_path

    data = json.loads(resource_path("parties.json").read_text(encoding="utf-8"))
    joined = date.fromisoformat(data.get("joined_on", COVENANT_START.isoformat()))
    protocols = [Protocol(p) for p in data.get("protocols", [])]
    with vault.begin() as conn:
        if party_rows.count(conn):
            return 0
        for entry in data["parties"]:
            party_type = PartyType(entry["party_type"])
            seat = entry.get("seat") or (entry["name"] if party_type == PartyType.MUNICIPALITY
                                         else "")
            party_id = party_rows.insert_party(conn, {
                "name": entry["name"], "short_name": entry["short_name"],
                "party_type": party_type.value,
                "domain": PartyDomain(entry["domain"]).value,
                "seat": seat, "address": entry.get("address", ""),
                "representative": entry.get("representative", ""),
                "is_host_municipality": bool(entry.get("is_host_municipality")),
                "joined_on": joined, "active_from": joined, "end_note": ""})
            for protocol in protocols:
                party_rows.add_membership(conn, party_id, protocol.value, joined)
            _event(vault, conn, party_id, "seeded", {
                "joined_on": joined, "protocols": [p.value for p in protocols]})
        vault.log(conn, "party.seed", "party", "-", detail={"count": len(data["parties"])})
    return len(data["parties"])


@entry_point
def add_party(vault: OpenVault, details: PartyDetails, active_from: date | None,
              protocols: Iterable[Protocol] = ()) -> int:
    """Enter a party directly (e.g. one that signed on paper before the vault existed)."""
    vault.require(Permission.MANAGE_PARTIES, "party", "-")
    with vault.begin() as conn:
        clean = _check_details(conn, details, None)
        party_id = _insert_party(conn, clean, joined_on=active_from, active_from=active_from)
        chosen = sorted(set(protocols))
        if chosen:
            if active_from is None:
                check_membership_within(MembershipPeriod(chosen[0], date.today()), None, None)
            for protocol in chosen:
                party_rows.add_membership(conn, party_id, protocol.value, active_from)
        _event(vault, conn, party_id, "added", {
            "active_from": active_from, "protocols": [p.value for p in chosen]})
        vault.log(conn, "party.add", "party", party_id,
                  detail={"protocols": [p.value for p in chosen]})
    return int(party_id)


def _insert_party(conn: Connection, details: PartyDetails, **dates: Any) -> int:
    return party_rows.insert_party(conn, {
        "name": details.name, "short_name": details.short_name,
        "party_type": details.party_type.value, "domain": details.domain.value,
        "seat": details.seat, "address": details.address,
        "representative": details.representative, "is_host_municipality": False,
        "end_note": "", **dates})


@entry_point
def update_details(vault: OpenVault, party_id: int, details: PartyDetails, *,
                   version: int | None = None) -> None:
    """Change a party's name, type, domain, seat, address or representative. ``version``: the
    party's version as read (``Party.version``); saved since by another session, the change
    is refused with ``EditConflict`` and nothing is written."""
    vault.require(Permission.MANAGE_PARTIES, "party", party_id)
    with vault.begin() as conn:
        row = _get_row(conn, party_id)
        clean = _check_details(conn, details, party_id)
        values = {"name": clean.name, "short_name": clean.short_name,
                  "party_type": clean.party_type.value, "domain": clean.domain.value,
                  "seat": clean.seat, "address": clean.address,
                  "representative": clean.representative}
        changed = sorted(k for k, v in values.items() if row[k] != v)
        if version is not None and row["row_version"] != version:
            raise EditConflict(row["changed_by"], row["changed_at"])
        if not changed:
            return
        party_rows.update_party(conn, party_id, values, version=version,
                                by=vault.actor.account, at=utcnow())
        _event(vault, conn, party_id, "details_changed", {"fields": changed})
        vault.log(conn, "party.update", "party", party_id, detail={"fields": changed})


@entry_point
def set_memberships(vault: OpenVault, party_id: int,
                    memberships: Iterable[MembershipPeriod]) -> None:
    """Replace the party's protocol memberships with ``memberships`` (all protocols)."""
    vault.require(Permission.MANAGE_PARTIES, "party", party_id)
    wanted = [MembershipPeriod(Protocol(m.protocol), m.start, m.end) for m in memberships]
    with vault.begin() as conn:
        row = _get_row(conn, party_id)
        for m in wanted:
            check_membership_within(m, row["active_from"], row["active_until"])
        check_no_overlap(wanted)
        before = {(m.protocol, m.start, m.end)
                  for m in _memberships(conn, [party_id]).get(party_id, [])}
        after = {(m.protocol, m.start, m.end) for m in wanted}
        if before == after:
            return
        party_rows.delete_memberships(conn, party_id)
        for protocol, start, end in sorted(after):
            party_rows.add_membership(conn, party_id, protocol.value, start, end)
        detail = {"memberships": [[p.value, s, e] for p, s, e in sorted(after)]}
        _event(vault, conn, party_id, "protocols_changed", detail)
        vault.log(conn, "party.protocols", "party", party_id,
                  detail=json.loads(json.dumps(detail, default=str)))


def _clean_contact(contact: Contact) -> dict[str, Any]:
    name = " ".join(contact.name.split())
    if not name:
        raise ValidationError(_("Give the contact person's name."), field="name")
    check_identifying(name, "name", _("The contact person's name"))  # issue 25, point 3
    check_identifying(contact.function, "function", _("Function"))
    check_identifying(contact.phone, "phone", _("Phone"))
    return {"name": name, "function": " ".join(contact.function.split()),
            "phone": contact.phone.strip(), "email": check_email(contact.email),
            "steering_group": bool(contact.steering_group),
            "partner_board": bool(contact.partner_board),
            "case_meetings": bool(contact.case_meetings)}


@entry_point
def save_contact(vault: OpenVault, contact: Contact) -> int:
    """Add (``contact.id`` None) or change a contact person; returns its id."""
    vault.require(Permission.MANAGE_PARTIES, "party", contact.party_id)
    values = _clean_contact(contact)
    with vault.begin() as conn:
        _get_row(conn, contact.party_id)
        if contact.id is None:
            contact_id = party_rows.insert_contact(conn, contact.party_id, values)
            kind, action = "contact_added", "party.contact.add"
        else:
            if not party_rows.update_contact(conn, contact.party_id, contact.id, values,
                                             version=contact.version,
                                             by=vault.actor.account, at=utcnow()):
                raise NotFound(_("This contact person no longer exists."))
            contact_id = contact.id
            kind, action = "contact_changed", "party.contact.update"
        # The history and the audit row name the contact by id only.
        _event(vault, conn, contact.party_id, kind, {"contact_id": contact_id})
        vault.log(conn, action, "party", contact.party_id, detail={"contact_id": contact_id})
    return contact_id


@entry_point
def remove_contact(vault: OpenVault, party_id: int, contact_id: int) -> None:
    vault.require(Permission.MANAGE_PARTIES, "party", party_id)
    with vault.begin() as conn:
        if not party_rows.delete_contact(conn, party_id, contact_id):
            raise NotFound(_("This contact person no longer exists."))
        _event(vault, conn, party_id, "contact_removed", {"contact_id": contact_id})
        vault.log(conn, "party.contact.remove", "party", party_id,
                  detail={"contact_id": contact_id})


@entry_point
def record_accession(vault: OpenVault, details: PartyDetails, requested_on: date,
                     steering_group_agreed_on: date | None = None,
                     signed_on: date | None = None,
                     protocols: Iterable[Protocol] = (Protocol.INTEGRALE_VEILIGHEID,)
                     ) -> int:
    """Record an accession (art. 20) in one go, as the wizard collects it.

    Without ``signed_on`` the party is pending: known, but not active and in no protocol;
    ``record_signature`` completes it later. With it, the party is active from that date
    and takes part in ``protocols`` from then.
    """
    vault.require(Permission.MANAGE_PARTIES, "party", "-")
    chosen = sorted({Protocol(p) for p in protocols})
    check_period(requested_on, steering_group_agreed_on, "steering_group_agreed_on")
    if signed_on is not None:
        if steering_group_agreed_on is None:
            raise ValidationError(_("Bijlage 1 can only be signed after the steering group "
                                    "agreed."), field="steering_group_agreed_on")
        check_period(steering_group_agreed_on, signed_on, "signed_on")
    with vault.begin() as conn:
        clean = _check_details(conn, details, None)
        party_id = _insert_party(conn, clean, accession_requested_on=requested_on,
                                 steering_group_agreed_on=steering_group_agreed_on)
        _event(vault, conn, party_id, "accession_requested",
               {"on": requested_on, "protocols": [p.value for p in chosen]})
        if steering_group_agreed_on is not None:
            _event(vault, conn, party_id, "steering_group_agreed",
                   {"on": steering_group_agreed_on})
        vault.log(conn, "party.accession", "party", party_id, detail={
            "requested_on": requested_on.isoformat(),
            "steering_group_agreed_on": (steering_group_agreed_on.isoformat()
                                         if steering_group_agreed_on else None)})
        if signed_on is not None:
            _sign(vault, conn, party_id, signed_on, chosen)
    return party_id


@entry_point
def record_steering_group_agreement(vault: OpenVault, party_id: int, agreed_on: date) -> None:
    vault.require(Permission.MANAGE_PARTIES, "party", party_id)
    with vault.begin() as conn:
        row = _get_row(conn, party_id)
        if row["active_from"] is not None:
            raise TransitionRefused(_("This party is already active."))
        check_period(row["accession_requested_on"], agreed_on, "steering_group_agreed_on")
        party_rows.update_party(conn, party_id, {"steering_group_agreed_on": agreed_on},
                                by=vault.actor.account)
        _event(vault, conn, party_id, "steering_group_agreed", {"on": agreed_on})
        vault.log(conn, "party.steering_group_agreed", "party", party_id,
                  detail={"on": agreed_on.isoformat()})


@entry_point
def record_signature(vault: OpenVault, party_id: int, signed_on: date,
                     protocols: Iterable[Protocol] = (Protocol.INTEGRALE_VEILIGHEID,)) -> None:
    """The signed Bijlage 1 is recorded: the party is active from ``signed_on``."""
    vault.require(Permission.MANAGE_PARTIES, "party", party_id)
    with vault.begin() as conn:
        row = _get_row(conn, party_id)
        if row["active_from"] is not None:
            raise TransitionRefused(_("This party is already active."))
        if row["steering_group_agreed_on"] is None:
            raise TransitionRefused(_("Bijlage 1 can only be signed after the steering group "
                                      "agreed."))
        check_period(row["steering_group_agreed_on"], signed_on, "signed_on")
        _sign(vault, conn, party_id, signed_on, sorted({Protocol(p) for p in protocols}))


def _sign(vault: OpenVault, conn: Connection, party_id: int, signed_on: date,
          protocols: list[Protocol]) -> None:
    party_rows.update_party(conn, party_id, {
        "bijlage1_signed_on": signed_on, "joined_on": signed_on, "active_from": signed_on},
        by=vault.actor.account)
    for protocol in protocols:
        party_rows.add_membership(conn, party_id, protocol.value, signed_on)
    _event(vault, conn, party_id, "bijlage1_signed",
           {"on": signed_on, "protocols": [p.value for p in protocols]})
    vault.log(conn, "party.signed", "party", party_id, detail={
        "on": signed_on.isoformat(), "protocols": [p.value for p in protocols]})


@entry_point
def end_participation(vault: OpenVault, party_id: int, end_on: date, reason: EndReason,
                      note: str = "") -> None:
    """Withdrawal (21.3) or exclusion (23.2): from ``end_on`` the party takes no part.

    Its memberships end the day before; what it supplied earlier keeps its own terms.
    """
    vault.require(Permission.MANAGE_PARTIES, "party", party_id)
    reason = EndReason(reason)
    with vault.begin() as conn:
        row = _get_row(conn, party_id)
        if row["active_from"] is None:
            raise TransitionRefused(_("This party is not active; its accession was never "
                                      "completed."))
        if row["active_until"] is not None:
            raise TransitionRefused(_("This party's participation has already ended."))
        if end_on <= row["active_from"]:
            raise ValidationError(_("The end date lies before the start date."),
                                  field="end_on")
        last_day = end_on - timedelta(days=1)
        party_rows.update_party(conn, party_id, {
            "active_until": last_day, "end_reason": reason.value, "end_note": note.strip()},
            by=vault.actor.account)
        # Close every membership that would run past the last day; drop the ones that
        # would only have started after it.
        party_rows.end_memberships(conn, party_id, last_day)
        _event(vault, conn, party_id, "ended", {"on": end_on, "reason": reason.value})
        vault.log(conn, "party.end", "party", party_id,
                  detail={"on": end_on.isoformat(), "reason": reason.value})


@entry_point
def export_bijlage1(vault: OpenVault, party_id: int, path: Path | str,
                    place: str = "") -> str:
    """Write the party's Bijlage 1 (accession form) as a PDF, ready to sign; log it.

    Returns the file's SHA-256.
    """
    from app.export.bijlage1 import write_bijlage1

    vault.require(Permission.MANAGE_PARTIES, "party", party_id)
    party = get_party(vault, party_id)
    digest = write_bijlage1(Path(path), party, place=place)
    with vault.begin() as conn:
        _event(vault, conn, party_id, "bijlage1_exported", {"sha256": digest})
        vault.log(conn, "party.export_bijlage1", "party", party_id,
                  detail={"sha256": digest})
    return digest
