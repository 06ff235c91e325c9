"""Referral format ``casuskamer-referrals/2`` (issue 24): the partners to invite with their
contact persons and per subject the informing (AVG 13/14). Pure: no vault.

Each refusal is written from the issue's "Bad input" list: an invitee party not in the
case's protocol, a contact without a party, an e-mail address that is not one, "not
informed" without a ground -- refused with the field named. A ``/1`` file still imports; the
new keys are unknown in ``/1``. Every test here fails on HEAD 303c06b (no ``/2`` at all).
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from app.domain.protocols import Protocol
from app.domain.referral_contacts import Ground, Informing, Invitee
from app.domain.standing import PartyStanding, ProtocolMembership
from app.i18n import set_language
from app.services.referral_import import TEXT_RULES, ImportRefused, parse_referrals

TODAY = date(2026, 11, 29)
IV = Protocol.INTEGRALE_VEILIGHEID
PARTIES = {"Politie regionale eenheid Den Haag": 1, "Parnassia Groep": 2, "Veilig Thuis": 3,
           "Radicaliseringsteam": 6}
STANDINGS = {
    1: PartyStanding(1, date(2019, 1, 1), None, (ProtocolMembership(IV, date(2019, 1, 1)),)),
    2: PartyStanding(2, date(2019, 1, 1), None, (ProtocolMembership(IV, date(2019, 1, 1)),)),
    3: PartyStanding(3, date(2019, 1, 1), None, (ProtocolMembership(IV, date(2019, 1, 1)),)),
    6: PartyStanding(6, date(2020, 1, 1), None,
                     (ProtocolMembership(Protocol.RADICALISERING, date(2020, 1, 1)),)),
}


@pytest.fixture(autouse=True)
def dutch() -> None:
    set_language("nl")


def referral(version: int = 2) -> dict[str, Any]:
    data: dict[str, Any] = {
        "external_ref": "WEB-2026-0042", "referring_party": "Veilig Thuis",
        "protocol": "integrale_veiligheid", "received": "2026-11-20",
        "reason": "Zorgen.", "question": "Plan.",
        "subjects": [
            {"given_names": "Şükrü", "surname": "Yılmaz", "birth_date": "1984-03-02",
             "role": "main_subject"},
            {"given_names": "Ayşe", "surname": "Yılmaz", "birth_date": "2012-07-15",
             "role": "child"}],
    }
    if version == 2:
        data["invitees"] = [
            {"party": "Parnassia Groep", "contact_person": "Mw. J. de Vries",
             "contact_role": "behandelaar", "phone": "070 123 45 67",
             "email": "j.devries@parnassia.example"},
            {"party": "Politie regionale eenheid Den Haag"}]
        data["subjects"][0]["informing"] = {"informed": True, "informed_on": "2026-11-19",
                                            "informed_by": "Veilig Thuis"}
        data["subjects"][1]["informing"] = {"informed": False,
                                            "ground": "safety", "review_on": "2027-01-15"}
    return data


def parse(data: dict[str, Any], fmt: str = "casuskamer-referrals/2") -> Any:
    return parse_referrals({"format": fmt, "referrals": [data]}, parties_by_name=PARTIES,
                           standings=STANDINGS, today=TODAY)


def refused(data: dict[str, Any], fmt: str = "casuskamer-referrals/2") -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        parse(data, fmt)
    return caught.value


def test_version_2_reads_the_partners_to_invite_with_their_contact_persons() -> None:
    [found] = parse(referral())
    assert found.invitees == (
        Invitee(2, "Mw. J. de Vries", "behandelaar", "070 123 45 67",
                "j.devries@parnassia.example"),
        Invitee(1))


def test_version_2_reads_each_subjects_informing() -> None:
    [found] = parse(referral())
    assert found.informing == (
        Informing(True, date(2026, 11, 19), 3),
        Informing(False, None, None, Ground.SAFETY, "", date(2027, 1, 15)))


def test_other_ground_keeps_its_words() -> None:
    data = referral()
    data["subjects"][1]["informing"] = {"informed": False, "ground": "other",
                                        "ground_text": "Betrokkene is onvindbaar.",
                                        "review_on": "2027-02-01"}
    [found] = parse(data)
    assert found.informing[1] == Informing(False, None, None, Ground.OTHER,
                                           "Betrokkene is onvindbaar.", date(2027, 2, 1))


def test_a_version_1_file_still_imports_without_the_new_fields() -> None:
    [found] = parse(referral(version=1), "casuskamer-referrals/1")
    assert found.invitees == ()
    assert found.informing == ()
    assert [s.surname for s in found.subjects] == ["Yılmaz", "Yılmaz"]


def test_version_1_does_not_know_the_new_keys() -> None:
    problem = refused(referral(), "casuskamer-referrals/1")
    fields = {p.field for p in problem.problems}
    assert "referrals[0].invitees" in fields
    assert "referrals[0].subjects[0].informing" in fields


def test_an_invitee_party_not_in_the_protocol_is_refused_naming_the_field() -> None:
    data = referral()
    data["invitees"][1]["party"] = "Radicaliseringsteam"
    problem = refused(data)
    assert problem.field == "referrals[0].invitees[1].party"
    assert "neemt niet deel aan het protocol" in str(problem)


def test_a_contact_without_a_party_is_refused() -> None:
    data = referral()
    del data["invitees"][0]["party"]
    assert refused(data).field == "referrals[0].invitees[0].party"
    data = referral()
    data["invitees"][0]["party"] = " "
    assert refused(data).field == "referrals[0].invitees[0].party"


@pytest.mark.parametrize("address", ["j.devries", "j@", "@parnassia.nl", "a b@c.nl",
                                     "j..d@parnassia.nl"])
def test_an_email_address_that_is_not_one_is_refused(address: str) -> None:
    data = referral()
    data["invitees"][0]["email"] = address
    problem = refused(data)
    assert problem.field == "referrals[0].invitees[0].email"
    assert "geen e-mailadres" in str(problem)


def test_not_informed_without_a_ground_is_refused() -> None:
    data = referral()
    data["subjects"][1]["informing"] = {"informed": False, "review_on": "2027-01-15"}
    problem = refused(data)
    assert problem.field == "referrals[0].subjects[1].informing.ground"


def test_a_ground_outside_the_list_is_refused() -> None:
    data = referral()
    data["subjects"][1]["informing"]["ground"] = "too_busy"
    assert refused(data).field == "referrals[0].subjects[1].informing.ground"


def test_other_without_words_and_no_date_to_look_again_are_refused() -> None:
    data = referral()
    data["subjects"][1]["informing"] = {"informed": False, "ground": "other",
                                        "review_on": "2027-01-15"}
    assert refused(data).field == "referrals[0].subjects[1].informing.ground_text"
    data = referral()
    del data["subjects"][1]["informing"]["review_on"]
    assert refused(data).field == "referrals[0].subjects[1].informing.review_on"


def test_informed_needs_the_date_and_the_party() -> None:
    data = referral()
    del data["subjects"][0]["informing"]["informed_by"]
    assert refused(data).field == "referrals[0].subjects[0].informing.informed_by"
    data = referral()
    data["subjects"][0]["informing"]["informed_on"] = "2026-12-25"   # after today
    assert refused(data).field == "referrals[0].subjects[0].informing.informed_on"


def test_the_same_party_twice_is_refused() -> None:
    data = referral()
    data["invitees"][1]["party"] = "Parnassia Groep"
    assert refused(data).field == "referrals[0].invitees[1].party"


@pytest.mark.parametrize("key, limit", [("contact_person", 200), ("contact_role", 200),
                                        ("phone", 64), ("email", 254)])
def test_each_new_text_has_its_cap(key: str, limit: int) -> None:
    data = referral()
    data["invitees"][0][key] = "a" * (limit + 1)
    problem = refused(data)
    assert problem.field == f"referrals[0].invitees[0].{key}"
    assert f"langer dan {limit} tekens" in str(problem)


def test_the_new_fields_have_rows_in_the_caps_table() -> None:
    for key in ("party", "contact_person", "contact_role", "phone", "email", "informed_on",
                "informed_by", "ground", "ground_text", "review_on"):
        assert key in TEXT_RULES


def test_an_invisible_character_in_a_contact_name_is_refused() -> None:
    data = referral()
    data["invitees"][0]["contact_person"] = "Jan\u200bsen"
    problem = refused(data)
    assert problem.field == "referrals[0].invitees[0].contact_person"
    assert "U+200B" in str(problem)


def test_a_ground_in_words_refuses_a_direction_override() -> None:
    data = referral()
    data["subjects"][1]["informing"] = {"informed": False, "ground": "other",
                                        "ground_text": "zie \u202edossier",
                                        "review_on": "2027-01-15"}
    assert refused(data).field == "referrals[0].subjects[1].informing.ground_text"


def test_the_unchanged_example_still_parses() -> None:
    data = copy.deepcopy(referral())
    data["subjects"][0].pop("informing")
    [found] = parse(data)
    assert found.informing[0] is None
