"""Back to the referrer (issue 24, point 3): the receipt and the triage outcome are PDFs for
the referring party only, holding only that referral's facts, each recorded in the
disclosure log; the partners to invite and the informing are stored with the case and the
contact persons go at closure unless they are the register's own (point 1).

Expected recipients are written from the rule ("only the referring party"), never by asking
the policy. All fail on HEAD 303c06b (none of it existed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.criteria import CRITERIA, CriterionAnswer
from app.domain.intake import IntakeOutcome
from app.domain.referral_contacts import Ground
from app.domain.roles import Role
from app.errors import PermissionDenied, ValidationError
from app.services import accounts, disclosures, intake, referral_contacts, referral_receipts
from app.services import parties as party_service
from app.services.referral_import import FORMAT, import_referrals
from app.store.tables import audit_log
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN_PASSPHRASE, unlock_as
from tests.privacy_world import pdf_text, squeeze

TODAY = date(2026, 11, 29)
POLICE_TEXT = "Vier aanhoudingen canarypolitie2026."
SURNAME = "Canaryvogelaar"
CONTACT = "Mw. Kanarie de Vries"


@pytest.fixture
def director(admin_vault: OpenVault, vault_dir: Path) -> Iterator[OpenVault]:
    accounts.add_account(admin_vault, "regisseur", Role.PROCESS_DIRECTOR, ADMIN_PASSPHRASE,
                         kdf=KdfParams())
    admin_vault.lock()
    opened = Vault(vault_dir).unlock("regisseur", ADMIN_PASSPHRASE)
    yield opened
    opened.lock()


def referral(ref: str = "WEB-7") -> dict[str, Any]:
    return {
        "external_ref": ref, "referring_party": "Veilig Thuis",
        "protocol": "integrale_veiligheid", "received": "2026-11-20",
        "reason": "Zorgen.", "question": "Plan.",
        "life_domains": {"housing": "Huurachterstand."},
        "subjects": [{"given_names": "Jan", "surname": SURNAME, "birth_date": "1990-01-01",
                      "role": "main_subject",
                      "informing": {"informed": False, "ground": "criminal_investigation",
                                    "review_on": "2027-01-15"}},
                     {"given_names": "Els", "surname": SURNAME, "birth_date": "2015-01-01",
                      "role": "child"}],
        "invitees": [{"party": "Delft", "contact_person": CONTACT,
                      "contact_role": "wijkcoach", "phone": "015 1234567",
                      "email": "kanarie@delft.example"}],
        "information": [{"source_party": "Politie regionale eenheid Den Haag",
                         "received": "2026-11-18", "category": "police",
                         "text": POLICE_TEXT, "shared_with": [], "pre_meeting_view": False,
                         "meeting_screen": False, "use_restriction": ""},
                        {"source_party": "Veilig Thuis", "received": "2026-11-19",
                         "category": "general", "text": "Eigen melding canaryvt.",
                         "shared_with": [], "pre_meeting_view": False,
                         "meeting_screen": False, "use_restriction": ""}]}


def imported(vault: OpenVault, data: dict[str, Any] | None = None) -> str:
    [number] = import_referrals(vault, {"format": FORMAT, "referrals": [data or referral()]},
                                today=TODAY)
    return number


def party(vault: OpenVault, name: str) -> int:
    found = party_service.find_party_by_name(vault, name)
    assert found is not None
    return found.id


def disclosure_rows(vault: OpenVault, action: str) -> list[tuple[str, dict[str, Any]]]:
    with vault.read() as conn:
        rows = conn.execute(select(audit_log.c.result, audit_log.c.detail)
                            .where(audit_log.c.action == action)).all()
    return [(str(r[0]), json.loads(r[1])) for r in rows]


def test_the_imported_invitees_and_informing_are_kept_with_the_case(director: OpenVault
                                                                    ) -> None:
    number = imported(director)
    [invitee] = referral_contacts.case_invitees_of(director, number)
    assert (invitee.party_id, invitee.contact_name, invitee.contact_role, invitee.phone,
            invitee.email) == (party(director, "Delft"), CONTACT, "wijkcoach", "015 1234567",
                               "kanarie@delft.example")
    first, second = referral_contacts.case_informing(director, number).values()
    assert first is not None and first.ground is Ground.CRIMINAL_INVESTIGATION
    assert first.review_on == date(2027, 1, 15)
    assert second is None
    # triage flags the child: nothing recorded, so not informed and no ground
    flagged = referral_contacts.informing_flags(director, number)
    assert len(flagged) == 1


def test_not_informed_without_a_ground_is_refused_in_triage_too(director: OpenVault) -> None:
    number = imported(director)
    subject_id = list(referral_contacts.case_informing(director, number))[1]
    with pytest.raises(ValidationError) as caught:
        referral_contacts.set_informing(director, number, subject_id, informed=False,
                                        review_on=date(2027, 1, 1), today=TODAY)
    assert caught.value.field == "informing.ground"
    referral_contacts.set_informing(director, number, subject_id, informed=False,
                                    ground="safety", review_on=date(2027, 1, 1), today=TODAY)
    assert referral_contacts.informing_flags(director, number) == []


def test_the_receipt_goes_to_the_referring_party_with_counts_only(director: OpenVault,
                                                                  tmp_path: Path) -> None:
    number = imported(director)
    out = tmp_path / "receipt.pdf"
    result = referral_receipts.export_receipt(director, number, out, on=TODAY)
    assert result.party_id == party(director, "Veilig Thuis")
    text = pdf_text(out.read_bytes())
    assert squeeze(number) in text
    for secret in (POLICE_TEXT, "canaryvt", SURNAME, CONTACT, "kanarie@delft"):
        assert squeeze(secret) not in text
    [(result_code, detail)] = disclosure_rows(director, "export.receipt")
    assert result_code == "ok"
    assert detail["party_id"] == party(director, "Veilig Thuis")
    assert detail["sha256"] == result.sha256
    # the disclosure report lists it, naming no party's information as sent
    [row] = [d for d in disclosures.case_disclosures(director, number)
             if d.action == "export.receipt"]
    assert row.recipient == "Veilig Thuis" and row.source_party_ids == ()


@pytest.mark.parametrize("other", ["Delft", "Politie regionale eenheid Den Haag"])
def test_any_other_party_gets_no_receipt_and_no_outcome(director: OpenVault, tmp_path: Path,
                                                        other: str) -> None:
    number = imported(director)
    out = tmp_path / "other.pdf"
    with pytest.raises(PermissionDenied):
        referral_receipts.export_receipt(director, number, out, party_id=party(director, other))
    with pytest.raises(PermissionDenied):
        referral_receipts.export_triage_outcome(director, number, out,
                                                party_id=party(director, other))
    assert not out.exists()
    assert [r for r, _d in disclosure_rows(director, "export.receipt")] == ["denied"]


def test_no_outcome_before_triage(director: OpenVault, tmp_path: Path) -> None:
    number = imported(director)
    with pytest.raises(ValidationError):
        referral_receipts.export_triage_outcome(director, number, tmp_path / "o.pdf")
    assert not (tmp_path / "o.pdf").exists()


def test_the_declined_outcome_carries_the_reason_and_advice(director: OpenVault,
                                                             tmp_path: Path) -> None:
    number = imported(director)
    answers = [CriterionAnswer(c, False, "Nee.") for c in CRITERIA]
    intake.decide_intake(director, number, IntakeOutcome.DECLINE, answers,
                         "Geen complexe casus.", "Meld bij het wijkteam.")
    out = tmp_path / "outcome.pdf"
    result = referral_receipts.export_triage_outcome(director, number, out, on=TODAY)
    text = pdf_text(out.read_bytes())
    assert squeeze("Geen complexe casus.") in text and squeeze("Meld bij het wijkteam.") in text
    assert squeeze(POLICE_TEXT) not in text and squeeze(SURNAME) not in text
    [(code, detail)] = disclosure_rows(director, "export.triage_outcome")
    assert code == "ok" and detail["party_id"] == result.party_id == party(director,
                                                                            "Veilig Thuis")
    assert detail["outcome"] == "declined"


def test_closure_blanks_contacts_not_in_the_register(director: OpenVault) -> None:
    """Point 1: contact persons go at closure with the case, unless the same person is among
    the party register's own contacts (then they are the register's)."""
    from sqlalchemy import insert

    from app.services.cases import case_id_for
    from app.services.referral_contacts import remove_at_closure
    from app.store.party_tables import party_contacts

    data = referral()
    data["invitees"].append({"party": "Parnassia Groep", "contact_person": "Reg Ister"})
    number = imported(director, data)
    # the party register is the administrator's (on the house server the director's role
    # may not write it)
    with unlock_as(director, Role.ADMIN).begin() as conn:
        conn.execute(insert(party_contacts).values(
            party_id=party(director, "Parnassia Groep"), name="Reg  ister", function="",
            phone="", email="", steering_group=False, partner_board=False,
            case_meetings=True))
    with director.begin() as conn:
        blanked = remove_at_closure(conn, case_id_for(conn, number))
    assert blanked == 1
    kept = {i.party_id: (i.contact_name, i.email)
            for i in referral_contacts.case_invitees_of(director, number)}
    assert kept == {party(director, "Delft"): ("", ""),
                    party(director, "Parnassia Groep"): ("Reg Ister", "")}


def test_the_director_screen_line_gives_role_and_ground_not_the_name(director: OpenVault
                                                                      ) -> None:
    """Point 2: the meeting's director screen shows per subject whether they were informed
    or the ground (by role: that screen shows initials, not names)."""
    number = imported(director)
    lines = referral_contacts.informing_summary(director, number)
    assert len(lines) == 2
    assert "strafrechtelijk onderzoek" in lines[0] and "15-01-2027" in lines[0]
    assert "niets vastgelegd" in lines[1]
    assert all(SURNAME not in line and "Jan" not in line for line in lines)
