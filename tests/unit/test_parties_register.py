"""The party register: the covenant's 34 signatories after creation, standing after
withdrawal through the sharing policy, validation at the field, permissions and audit."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.domain.parties import (
    Contact,
    EndReason,
    MembershipPeriod,
    PartyDetails,
    PartyDomain,
    PartyType,
)
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.errors import PermissionDenied, TransitionRefused, ValidationError
from app.services import parties as ps
from app.domain.lifecycle import CaseState
from app.sharing.policy import CaseContext, Reason, may_be_invited, may_receive_handout
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.conftest import unlock_as

#: The signatories exactly as the covenant's preamble names them.
COVENANT_MUNICIPALITIES = [
    "Den Haag", "Delft", "Leidschendam-Voorburg", "Midden-Delfland", "Pijnacker-Nootdorp",
    "Rijswijk", "Wassenaar", "Westland", "Zoetermeer"]
COVENANT_PARTNERS = [
    "Politie regionale eenheid Den Haag", "Openbaar Ministerie", "Reclassering Nederland",
    "Leger des Heils reclassering", "Fivoor", "Parnassia Groep", "GGZ Delfland",
    "GGZ Rivierduinen", "Stichting Jeugdbescherming west Haaglanden",
    "Raad voor de kinderbescherming", "Veilig Thuis", "GGD Haaglanden",
    "Goodwillwerk Leger des Heils Regio Den Haag", "Dienst Justitiële Inrichtingen Haaglanden",
    "Middin", "Teylingereind", "Limor", "Perspektief", "JIT", "Stichting Humanitas",
    "William Schrikker Stichting", "Kessler Stichting", "Stichting Exodus", "SHOP Den Haag",
    "Stichting Barka"]

NEWCOMER = PartyDetails(name="Stichting Nieuwe Toekomst", party_type=PartyType.OTHER,
                        domain=PartyDomain.CARE, seat="Delft",
                        address="Markt 1, 2611 GP Delft",
                        representative="J. de Boer, directeur")


def audit_rows(vault: OpenVault, action_prefix: str) -> list[dict[str, object]]:
    with vault.read() as conn:
        rows = conn.execute(select(audit_log).where(
            audit_log.c.action.like(action_prefix + "%")).order_by(audit_log.c.id)).mappings()
        return [dict(r) for r in rows]


def test_new_vault_holds_the_34_signatories(admin_vault: OpenVault) -> None:
    register = ps.list_parties(admin_vault)
    names = [p.name for p in register]
    assert sorted(names) == sorted(COVENANT_MUNICIPALITIES + COVENANT_PARTNERS)
    assert len(names) == 34
    municipalities = ps.list_parties(admin_vault, party_type=PartyType.MUNICIPALITY)
    assert sorted(p.name for p in municipalities) == sorted(COVENANT_MUNICIPALITIES)
    assert all(p.domain == PartyDomain.MUNICIPAL for p in municipalities)
    host = [p for p in register if p.is_host_municipality]
    assert [p.name for p in host] == ["Den Haag"]
    assert ps.host_municipality(admin_vault).name == "Den Haag"  # type: ignore[union-attr]
    police = ps.find_party_by_name(admin_vault, "politie  regionale eenheid den haag")
    assert police is not None and police.party_type == PartyType.POLICE
    assert police.short_name == "politie"
    for party in register:
        assert party.joined_on == date(2019, 1, 1) == party.active_from
        assert [(m.protocol, m.start, m.end) for m in party.memberships] == [
            (Protocol.INTEGRALE_VEILIGHEID, date(2019, 1, 1), None)]
        assert party.short_name.isascii()
    assert ps.list_parties(admin_vault, protocol=Protocol.RADICALISERING) == []
    assert len(ps.list_parties(admin_vault, protocol=Protocol.INTEGRALE_VEILIGHEID,
                               active_on=date(2020, 5, 1))) == 34
    assert ps.list_parties(admin_vault, active_on=date(2018, 12, 31)) == []
    assert ps.history(admin_vault, police.id)[0].kind == "seeded"


def test_withdrawn_party_is_refused_as_invitee_and_recipient(admin_vault: OpenVault) -> None:
    police = ps.find_party_by_name(admin_vault, "Politie regionale eenheid Den Haag")
    assert police is not None
    end_on = date(2024, 7, 1)
    day_before = end_on - timedelta(days=1)
    protocol = Protocol.INTEGRALE_VEILIGHEID
    before = ps.standing(admin_vault, police.id)
    assert before.takes_part(protocol, end_on)

    ps.end_participation(admin_vault, police.id, end_on, EndReason.WITHDRAWAL,
                         note="opzegging per brief")

    standing = ps.standing(admin_vault, police.id)
    assert standing.takes_part(protocol, day_before)
    assert not standing.takes_part(protocol, end_on)
    assert not standing.takes_part(protocol, date(2030, 1, 1))
    assert ps.standings(admin_vault)[police.id] == standing
    # The sharing policy refuses it, from the end date on, as invitee and as recipient.
    assert may_be_invited(standing, protocol, day_before)
    refused = may_be_invited(standing, protocol, end_on)
    assert not refused and refused.reason == Reason.WITHDRAWN
    invited = CaseContext(case_id=1, protocol=protocol, on=end_on,
                          state=CaseState.SCHEDULED, invited=frozenset({police.id}))
    handout = may_receive_handout(police.id, invited, {police.id: standing})
    assert not handout and handout.reason == Reason.WITHDRAWN
    # Its protocol membership was closed on its last day; the party says why it ended.
    party = ps.get_party(admin_vault, police.id)
    assert party.memberships[0].end == day_before
    assert party.end_reason == EndReason.WITHDRAWAL and party.ended_on == end_on
    assert ps.history(admin_vault, police.id)[-1].kind == "ended"
    assert audit_rows(admin_vault, "party.end")[-1]["object_id"] == str(police.id)
    with pytest.raises(TransitionRefused):
        ps.end_participation(admin_vault, police.id, end_on, EndReason.EXCLUSION)


def test_exclusion_on_the_first_day_is_refused_at_the_field(admin_vault: OpenVault) -> None:
    party = ps.list_parties(admin_vault)[0]
    with pytest.raises(ValidationError) as err:
        ps.end_participation(admin_vault, party.id, date(2019, 1, 1), EndReason.EXCLUSION)
    assert err.value.field == "end_on"


def test_accession_makes_a_party_active_from_the_signature(admin_vault: OpenVault) -> None:
    party_id = ps.record_accession(admin_vault, NEWCOMER, requested_on=date(2025, 2, 1),
                                   steering_group_agreed_on=date(2025, 3, 10))
    pending = ps.get_party(admin_vault, party_id)
    assert pending.active_from is None and pending.memberships == ()
    assert not ps.standing(admin_vault, party_id).is_active(date(2025, 6, 1))
    assert pending.short_name == "stichting-nieuwe-toekomst"
    assert not may_be_invited(ps.standing(admin_vault, party_id),
                              Protocol.INTEGRALE_VEILIGHEID, date(2025, 6, 1))

    with pytest.raises(ValidationError) as err:
        ps.record_signature(admin_vault, party_id, date(2025, 3, 1))
    assert err.value.field == "signed_on"
    ps.record_signature(admin_vault, party_id, date(2025, 4, 1),
                        [Protocol.INTEGRALE_VEILIGHEID, Protocol.JEUGDGROEPEN])
    standing = ps.standing(admin_vault, party_id)
    assert not standing.is_active(date(2025, 3, 31))
    assert standing.takes_part(Protocol.JEUGDGROEPEN, date(2025, 4, 1))
    assert not standing.takes_part(Protocol.RADICALISERING, date(2025, 4, 1))
    kinds = [e.kind for e in ps.history(admin_vault, party_id)]
    assert kinds == ["accession_requested", "steering_group_agreed", "bijlage1_signed"]
    with pytest.raises(TransitionRefused):
        ps.record_signature(admin_vault, party_id, date(2025, 5, 1))


def test_signature_needs_the_steering_group(admin_vault: OpenVault) -> None:
    with pytest.raises(ValidationError) as err:
        ps.record_accession(admin_vault, NEWCOMER, requested_on=date(2025, 2, 1),
                            signed_on=date(2025, 4, 1))
    assert err.value.field == "steering_group_agreed_on"
    with pytest.raises(ValidationError) as err:
        ps.record_accession(admin_vault, NEWCOMER, requested_on=date(2025, 2, 1),
                            steering_group_agreed_on=date(2025, 1, 1))
    assert err.value.field == "steering_group_agreed_on"
    party_id = ps.record_accession(admin_vault, NEWCOMER, requested_on=date(2025, 2, 1))
    with pytest.raises(TransitionRefused):
        ps.record_signature(admin_vault, party_id, date(2025, 4, 1))
    ps.record_steering_group_agreement(admin_vault, party_id, date(2025, 3, 1))
    ps.record_signature(admin_vault, party_id, date(2025, 4, 1))
    assert ps.get_party(admin_vault, party_id).active_from == date(2025, 4, 1)


def test_duplicate_names_are_refused_at_the_name_field(admin_vault: OpenVault) -> None:
    with pytest.raises(ValidationError) as err:
        ps.record_accession(admin_vault, PartyDetails(
            name="  openbaar   ministerie ", party_type=PartyType.PUBLIC_PROSECUTOR,
            domain=PartyDomain.CRIMINAL_JUSTICE), requested_on=date(2025, 1, 1))
    assert err.value.field == "name"
    delft = ps.find_party_by_name(admin_vault, "Delft")
    assert delft is not None
    with pytest.raises(ValidationError) as err:
        ps.update_details(admin_vault, delft.id, PartyDetails(
            name="Westland", party_type=PartyType.MUNICIPALITY, domain=PartyDomain.MUNICIPAL))
    assert err.value.field == "name"
    with pytest.raises(ValidationError) as err:
        ps.update_details(admin_vault, delft.id, PartyDetails(
            name="Delft", party_type=PartyType.MUNICIPALITY, domain=PartyDomain.MUNICIPAL,
            short_name="Gemeente Delft"))
    assert err.value.field == "short_name"
    ps.update_details(admin_vault, delft.id, PartyDetails(
        name="Delft", party_type=PartyType.MUNICIPALITY, domain=PartyDomain.MUNICIPAL,
        seat="Delft", address="Stadhuis, Markt 87, Delft", short_name="gemeente-delft"))
    assert ps.get_party(admin_vault, delft.id).address == "Stadhuis, Markt 87, Delft"
    detail = json.loads(str(audit_rows(admin_vault, "party.update")[-1]["detail"]))
    assert detail == {"fields": ["address"]}


def test_memberships_are_checked_against_the_active_period(admin_vault: OpenVault) -> None:
    gdg = ps.find_party_by_name(admin_vault, "GGD Haaglanden")
    assert gdg is not None
    iv = MembershipPeriod(Protocol.INTEGRALE_VEILIGHEID, date(2019, 1, 1))
    too_early = MembershipPeriod(Protocol.RADICALISERING, date(2018, 6, 1))
    with pytest.raises(ValidationError) as err:
        ps.set_memberships(admin_vault, gdg.id, [iv, too_early])
    assert err.value.field == "memberships"
    backwards = MembershipPeriod(Protocol.RADICALISERING, date(2021, 6, 1), date(2021, 1, 1))
    with pytest.raises(ValidationError) as err:
        ps.set_memberships(admin_vault, gdg.id, [iv, backwards])
    assert err.value.field == "memberships"
    overlap = MembershipPeriod(Protocol.INTEGRALE_VEILIGHEID, date(2020, 1, 1))
    with pytest.raises(ValidationError):
        ps.set_memberships(admin_vault, gdg.id, [iv, overlap])

    rad = MembershipPeriod(Protocol.RADICALISERING, date(2021, 1, 1), date(2022, 12, 31))
    ps.set_memberships(admin_vault, gdg.id, [iv, rad])
    standing = ps.standing(admin_vault, gdg.id)
    assert standing.takes_part(Protocol.RADICALISERING, date(2022, 12, 31))
    assert not standing.takes_part(Protocol.RADICALISERING, date(2023, 1, 1))
    assert [p.id for p in ps.list_parties(admin_vault, protocol=Protocol.RADICALISERING)] == [
        gdg.id]

    # After the party ended, a membership may not run past its last day.
    ps.end_participation(admin_vault, gdg.id, date(2024, 1, 1), EndReason.EXCLUSION)
    open_ended = MembershipPeriod(Protocol.JEUGDGROEPEN, date(2023, 1, 1))
    with pytest.raises(ValidationError) as err:
        ps.set_memberships(admin_vault, gdg.id, [open_ended])
    assert err.value.field == "memberships"


def test_contacts_validate_email_and_stay_out_of_the_audit(admin_vault: OpenVault) -> None:
    om = ps.find_party_by_name(admin_vault, "Openbaar Ministerie")
    assert om is not None
    with pytest.raises(ValidationError) as err:
        ps.save_contact(admin_vault, Contact(party_id=om.id, name="Mr. P. Jansen",
                                             email="p.jansen@om"))
    assert err.value.field == "email"
    with pytest.raises(ValidationError) as err:
        ps.save_contact(admin_vault, Contact(party_id=om.id, name="  "))
    assert err.value.field == "name"
    contact_id = ps.save_contact(admin_vault, Contact(
        party_id=om.id, name="Mr. P. Jansen", function="officier van justitie",
        phone="070 123 4567", email="p.jansen@om.nl", case_meetings=True))
    ps.save_contact(admin_vault, Contact(
        party_id=om.id, name="Mr. P. Jansen", function="parketsecretaris",
        email="p.jansen@om.nl", steering_group=True, id=contact_id))
    found = ps.contacts(admin_vault, om.id)
    assert len(found) == 1 and found[0].function == "parketsecretaris"
    assert found[0].steering_group and not found[0].case_meetings
    ps.remove_contact(admin_vault, om.id, contact_id)
    assert ps.contacts(admin_vault, om.id) == []
    rows = audit_rows(admin_vault, "party.contact")
    assert [r["action"] for r in rows] == ["party.contact.add", "party.contact.update",
                                           "party.contact.remove"]
    for row in rows:
        assert "Jansen" not in str(row["detail"]) and json.loads(str(row["detail"])) == {
            "contact_id": contact_id}
    for event in ps.history(admin_vault, om.id):
        assert "Jansen" not in json.dumps(event.detail)


def test_only_admin_changes_the_register(admin_vault: OpenVault) -> None:
    party = ps.list_parties(admin_vault)[0]
    director = unlock_as(admin_vault, Role.PROCESS_DIRECTOR)
    assert ps.contacts(director, party.id) == []          # planners see contacts
    with pytest.raises(PermissionDenied):
        ps.end_participation(director, party.id, date(2025, 1, 1), EndReason.EXCLUSION)
    with pytest.raises(PermissionDenied):
        ps.record_accession(director, NEWCOMER, requested_on=date(2025, 1, 1))
    with pytest.raises(PermissionDenied):
        ps.save_contact(director, Contact(party_id=party.id, name="X"))
    manager = unlock_as(admin_vault, Role.MANAGER)
    with pytest.raises(PermissionDenied):
        ps.contacts(manager, party.id)
    with pytest.raises(PermissionDenied):      # figures only: not the register either
        ps.get_party(manager, party.id)
    denied = [r for r in audit_rows(admin_vault, "denied") if r["result"] == "denied"]
    assert len(denied) == 5
