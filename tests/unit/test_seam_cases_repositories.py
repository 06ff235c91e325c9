"""One persistence seam for cases and the referral (issue 20, point 4): the services of the
case (``app.services.cases``) and of the referral (``referral_contacts``,
``referral_receipts``, ``referral_import``) keep the rules, the checks and the transactions;
their tables are reached only through the repository modules of ``app/store``
(``cases``, ``subjects``, ``items`` and the new ``referrals``).

All fail on HEAD 4caafe6: the services imported the table modules and wrote the SQL
themselves, ``app.store.referrals`` did not exist, and a refused change of whom an item
concerns had already emptied what was recorded before it was refused.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.domain.roles import Role
from app.errors import ValidationError
from app.services import accounts
from app.services import cases as case_service
from app.services.referral_import import FORMAT, import_referrals
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN_PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("app/services/cases.py", "app/services/referral_contacts.py",
            "app/services/referral_receipts.py", "app/services/referral_import.py")
TODAY = date(2026, 11, 29)


def _imported_modules(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):  # imports inside functions too
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


@pytest.mark.parametrize("path", SERVICES)
def test_the_case_and_referral_services_reach_no_table_but_through_a_repository(
        path: str) -> None:
    tables = sorted(m for m in _imported_modules(path)
                    if m.startswith("app.store.") and m.split(".")[2].endswith("_tables"))
    assert tables == [], f"{path} imports table modules: {tables}"


def test_the_referral_has_its_repository_module_in_the_store() -> None:
    assert (ROOT / "app" / "store" / "referrals.py").is_file()


# -- the referral's repository keeps what the rules say -------------------------------------

def _referral(ref: str) -> dict[str, Any]:
    return {
        "external_ref": ref, "referring_party": "Veilig Thuis",
        "protocol": "integrale_veiligheid", "received": "2026-11-20",
        "reason": "Zorgen.", "question": "Plan.",
        "subjects": [{"given_names": "Jan", "surname": "Zeefvogel", "birth_date": "1990-01-01",
                      "role": "main_subject",
                      "informing": {"informed": False, "ground": "criminal_investigation",
                                    "ground_text": "Lopend onderzoek zeefvogel.",
                                    "review_on": "2027-01-15"}},
                     {"given_names": "Els", "surname": "Zeefvogel", "birth_date": "2015-01-01",
                      "role": "child", "bsn": "111222333"}],
        "invitees": [{"party": "Delft", "contact_person": "Mw. Zeef",
                      "contact_role": "wijkcoach", "phone": "015 1234567",
                      "email": "zeef@delft.example"}],
        "information": [{"source_party": "Veilig Thuis", "received": "2026-11-19",
                         "category": "general", "text": "Eigen melding zeefvogel.",
                         "shared_with": [], "pre_meeting_view": False,
                         "meeting_screen": False, "use_restriction": ""}]}


@pytest.fixture
def director(admin_vault: OpenVault, vault_dir: Path) -> Iterator[OpenVault]:
    accounts.add_account(admin_vault, "regisseur", Role.PROCESS_DIRECTOR, ADMIN_PASSPHRASE,
                         kdf=KdfParams())
    admin_vault.lock()
    opened = Vault(vault_dir).unlock("regisseur", ADMIN_PASSPHRASE)
    yield opened
    opened.lock()


@pytest.fixture
def case_id(director: OpenVault) -> int:
    [number] = import_referrals(director, {"format": FORMAT,
                                           "referrals": [_referral("SEAM-1")]}, today=TODAY)
    with director.read() as conn:
        return case_service.case_id_for(conn, number)


def test_blanking_a_contact_person_keeps_the_party_to_invite(director: OpenVault,
                                                              case_id: int) -> None:
    from app.store import referrals

    with director.begin() as conn:
        [row] = referrals.invitee_rows(conn, case_id)
        referrals.blank_invitee_contact(conn, int(row["id"]))
        [after] = referrals.invitee_rows(conn, case_id)
    assert after["party_id"] == row["party_id"] and row["contact_name"] == "Mw. Zeef"
    assert (after["contact_name"], after["contact_role"], after["phone"], after["email"]) == (
        "", "", "", "")


def test_blanking_the_grounds_in_words_keeps_the_ground(director: OpenVault,
                                                         case_id: int) -> None:
    from app.store import referrals

    with director.begin() as conn:
        referrals.blank_ground_texts(conn, case_id)
        [row] = referrals.informing_rows(conn, case_id)
    assert (row["informed"], row["ground"], row["ground_text"]) == (
        False, "criminal_investigation", "")


def test_recording_a_subjects_informing_replaces_only_that_subjects_row(
        director: OpenVault, case_id: int) -> None:
    from app.store import referrals, subjects

    with director.begin() as conn:
        main, child = subjects.ids_in_order(conn, case_id)
        referrals.set_informing(conn, child, {
            "subject_id": child, "case_id": case_id, "informed": True,
            "informed_on": date(2026, 11, 25), "informed_by_party_id": None, "ground": None,
            "ground_text": "", "review_on": None})
        referrals.set_informing(conn, child, {
            "subject_id": child, "case_id": case_id, "informed": True,
            "informed_on": date(2026, 11, 27), "informed_by_party_id": None, "ground": None,
            "ground_text": "", "review_on": None})
        rows = {int(r["subject_id"]): r for r in referrals.informing_rows(conn, case_id)}
    assert set(rows) == {main, child}
    assert rows[child]["informed_on"] == date(2026, 11, 27)
    assert rows[main]["ground"] == "criminal_investigation"


def test_replacing_the_invitees_leaves_only_the_new_ones(director: OpenVault,
                                                         case_id: int) -> None:
    from app.store import referrals

    with director.begin() as conn:
        [old] = referrals.invitee_rows(conn, case_id)
        referrals.replace_invitees(conn, case_id, [
            {"position": 0, "party_id": old["party_id"], "contact_name": "",
             "contact_role": "", "phone": "", "email": ""}])
        rows = referrals.invitee_rows(conn, case_id)
    assert [(r["party_id"], r["contact_name"]) for r in rows] == [(old["party_id"], "")]


# -- a refused change leaves what was recorded --------------------------------------------

def test_a_refused_change_of_whom_an_item_concerns_leaves_the_recorded_one(
        director: OpenVault, case_id: int) -> None:
    """An item may only concern subjects of its own case; a refusal changes nothing, even
    for a caller that goes on in the same transaction."""
    [other] = import_referrals(director, {"format": FORMAT,
                                             "referrals": [_referral("SEAM-2")]}, today=TODAY)
    with director.begin() as conn:
        foreign = case_service.load_case(conn, case_service.case_id_for(conn, other)
                                         ).subjects[0].id
        main = case_service.load_case(conn, case_id).subjects[0].id
        assert foreign is not None and main is not None
        [item] = case_service.information_items(conn, case_id)
        case_service.set_item_concerns(conn, item.id, frozenset({main}))
        with pytest.raises(ValidationError):
            case_service.set_item_concerns(conn, item.id, frozenset({main, foreign}))
        [after] = case_service.information_items(conn, case_id)
    assert after.concerns == frozenset({main})


def test_the_cases_with_a_subject_are_found_by_bsn_or_by_surname_and_birth_date(
        director: OpenVault, case_id: int) -> None:
    """What intake's 'already known' asks (a BSN, or a surname ignoring accents and case
    with the birth date), answered by the case repository: cases still held, newest first."""
    from app.store import cases

    with director.read() as conn:
        number = case_service.load_case(conn, case_id).number
        by_name = cases.with_subject(conn, surname_key="zeefvogel",
                                     birth_date=date(2015, 1, 1))
        other_birth = cases.with_subject(conn, surname_key="zeefvogel",
                                         birth_date=date(2015, 1, 2))
        excluded = cases.with_subject(conn, surname_key="zeefvogel",
                                      birth_date=date(2015, 1, 1), exclude_number=number)
        nothing_asked = cases.with_subject(conn)
        by_bsn = cases.with_subject(conn, bsn="111222333")
        other_bsn = cases.with_subject(conn, bsn="123456782")
    assert [(n, s, r) for n, s, r, _closed in by_name] == [
        (number, "referred", date(2026, 11, 20))]
    assert other_birth == [] and excluded == [] and nothing_asked == []
    assert [n for n, *_rest in by_bsn] == [number] and other_bsn == []
