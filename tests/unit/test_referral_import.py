"""The referral file format ``casuskamer-referrals/1``: a good file, and one broken file per
rule, each refused as a whole with the referral and the field named. Pure: no vault."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from app.domain.information import Category, SharingTerms
from app.domain.life_domains import LifeDomain
from app.domain.protocols import Protocol
from app.domain.standing import PartyStanding, ProtocolMembership
from app.i18n import set_language
from app.services.referral_import import FORMAT, ImportRefused, parse_referrals

TODAY = date(2026, 11, 29)
IV = Protocol.INTEGRALE_VEILIGHEID
PARTIES = {"Politie regionale eenheid Den Haag": 1, "Parnassia Groep": 2, "Veilig Thuis": 3,
           "Stichting Barka": 4, "Nieuwe Partner": 5, "Radicaliseringsteam": 6}
STANDINGS = {
    1: PartyStanding(1, date(2019, 1, 1), None, (ProtocolMembership(IV, date(2019, 1, 1)),)),
    2: PartyStanding(2, date(2019, 1, 1), None, (ProtocolMembership(IV, date(2019, 1, 1)),)),
    3: PartyStanding(3, date(2019, 1, 1), None, (ProtocolMembership(IV, date(2019, 1, 1)),)),
    4: PartyStanding(4, date(2019, 1, 1), date(2024, 12, 31),
                     (ProtocolMembership(IV, date(2019, 1, 1), date(2024, 12, 31)),)),
    5: PartyStanding(5, None),
    6: PartyStanding(6, date(2020, 1, 1), None,
                     (ProtocolMembership(Protocol.RADICALISERING, date(2020, 1, 1)),)),
}


def referral(ref: str = "WEB-2026-0042") -> dict[str, Any]:
    return {
        "external_ref": ref,
        "referring_party": "Veilig Thuis",
        "protocol": "integrale_veiligheid",
        "received": "2026-11-20",
        "reason": "Zorgen van politie, GGZ en school.",
        "question": "Eén gezamenlijk plan van aanpak.",
        "life_domains": {"housing": "Huurachterstand", "mental_health": "Psychose"},
        "subjects": [
            {"given_names": "Şükrü", "surname": "Yılmaz", "birth_date": "1984-03-02",
             "bsn": "123456782", "address": "Hoefkade 12, Den Haag", "role": "main_subject"},
            {"given_names": "Ayşe", "surname": "Yılmaz", "birth_date": "2012-07-15",
             "role": "child"}],
        "information": [
            {"source_party": "Politie regionale eenheid Den Haag", "received": "2026-11-18",
             "category": "police", "text": "Vier aanhoudingen in 2026.",
             "shared_with": ["Parnassia Groep", "Veilig Thuis"], "pre_meeting_view": True,
             "meeting_screen": False, "use_restriction": "Niet in het plan opnemen."}],
    }


def good_file(n: int = 3) -> dict[str, Any]:
    return {"format": FORMAT, "referrals": [referral(f"WEB-2026-{i:04d}") for i in range(n)]}


def parse(data: Any, known: frozenset[str] = frozenset()) -> list[Any]:
    return parse_referrals(data, parties_by_name=PARTIES, standings=STANDINGS, today=TODAY,
                           known_refs=known)


def refused(data: Any) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        parse(data)
    return caught.value


def test_a_good_file_gives_every_referral_and_the_terms_asked() -> None:
    found = parse(good_file())
    assert len(found) == 3
    first = found[0]
    assert first.protocol is IV and first.referring_party_id == 3
    assert first.received == date(2026, 11, 20) and first.external_ref == "WEB-2026-0000"
    assert [s.bsn for s in first.subjects] == ["123456782", None]
    assert first.life_domains[LifeDomain.HOUSING] == "Huurachterstand"
    item = first.information[0]
    assert (item.source_party_id, item.category, item.received) == (1, Category.POLICE,
                                                                    date(2026, 11, 18))
    # the police's item, in a file of Veilig Thuis: held at the narrowest (the restriction
    # kept), the file's terms asked of the police (covenant 16.2, 9.2)
    assert item.terms == SharingTerms(use_restriction="Niet in het plan opnemen.")
    assert item.asked_terms == SharingTerms(frozenset({2, 3}), True, False,
                                            "Niet in het plan opnemen.")
    assert item.concerns is None


def test_optional_fields_may_be_left_out() -> None:
    data = good_file(1)
    entry = data["referrals"][0]
    del entry["life_domains"], entry["information"]
    del entry["subjects"][0]["bsn"], entry["subjects"][0]["address"]
    found = parse(data)
    assert found[0].subjects[0].bsn is None and found[0].information == ()


# One broken file per rule: (change to referrals[1], field path, Dutch words of the reason).
def _set(path: list[Any], value: Any) -> Any:
    def change(entry: dict[str, Any]) -> None:
        target: Any = entry
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return change


_DELETE = object()

BROKEN = [
    (_set(["subjects", 0, "bsn"], "123456789"), "subjects[0].bsn",
     "voldoet niet aan de elfproef"),
    (_set(["subjects", 1, "birth_date"], "2027-03-01"), "subjects[1].birth_date",
     "in de toekomst"),
    (_set(["subjects", 0, "birth_date"], "1900-01-01"), "subjects[0].birth_date",
     "meer dan 120 jaar geleden"),
    (_set(["subjects", 0, "surname"], "   "), "subjects[0].surname", "mag niet leeg zijn"),
    (_set(["subjects", 0, "surname"], _DELETE), "subjects[0].surname", "ontbreekt"),
    (_set(["referring_party"], "Onbekende Stichting"), "referring_party",
     "geen partij in het register"),
    (_set(["referring_party"], "Stichting Barka"), "referring_party", "geen actieve partij"),
    (_set(["referring_party"], "Nieuwe Partner"), "referring_party", "geen actieve partij"),
    (_set(["referring_party"], "Radicaliseringsteam"), "referring_party",
     "neemt niet deel aan het protocol"),
    (_set(["protocol"], "radicalisering"), "referring_party",
     "neemt niet deel aan het protocol"),
    (_set(["protocol"], "zorg"), "protocol", "geen protocol"),
    (_set(["received"], "20-11-2026"), "received", "JJJJ-MM-DD"),
    (_set(["reason"], ""), "reason", "mag niet leeg zijn"),
    (_set(["question"], _DELETE), "question", "ontbreekt"),
    (_set(["external_ref"], _DELETE), "external_ref", "ontbreekt"),
    (_set(["life_domains", "gambling"], "x"), "life_domains.gambling", "geen leefgebied"),
    (_set(["subjects", 1, "role"], "main_subject"), "subjects", "hoofdbetrokkene"),
    (_set(["subjects"], []), "subjects", "ten minste één betrokkene"),
    (_set(["subjects", 0, "role"], "cousin"), "subjects[0].role", "rol"),
    (_set(["subjects", 0, "bsn"], 123456782), "subjects[0].bsn", "moet tekst zijn"),
    (_set(["information", 0, "source_party"], "Onbekend"), "information[0].source_party",
     "geen partij in het register"),
    (_set(["information", 0, "shared_with"], ["Parnassia Groep", "Onbekend"]),
     "information[0].shared_with[1]", "geen partij in het register"),
    (_set(["information", 0, "category"], "medical"), "information[0].category",
     "geen categorie"),
    (_set(["information", 0, "meeting_screen"], "ja"), "information[0].meeting_screen",
     "true of false"),
    (_set(["information", 0, "pre_meeting_view"], _DELETE), "information[0].pre_meeting_view",
     "ontbreekt"),
    (_set(["shoe_size"], 43), "shoe_size", "geen veld van dit formaat"),
]


@pytest.mark.parametrize("change, field, words", BROKEN,
                         ids=[f"{b[1]}:{b[2]}" for b in BROKEN])
def test_one_broken_referral_refuses_the_file_and_names_the_field(change: Any, field: str,
                                                                  words: str) -> None:
    data = good_file()
    change(data["referrals"][1])
    problem = refused(data)
    assert problem.field == f"referrals[1].{field}"
    assert str(problem).startswith(f"referrals[1].{field}: ")
    assert words.lower() in str(problem).lower()


def test_the_issues_example_message_in_english() -> None:
    set_language("en")
    data = good_file(4)
    data["referrals"][3]["subjects"][0]["bsn"] = "123456789"
    assert str(refused(data)) == "referrals[3].subjects[0].bsn: fails the eleven-test"


def test_every_problem_is_listed_and_counted() -> None:
    data = good_file()
    data["referrals"][0]["subjects"][0]["bsn"] = "123456789"
    data["referrals"][2]["referring_party"] = "Onbekend"
    problem = refused(data)
    assert [p.field for p in problem.problems] == ["referrals[0].subjects[0].bsn",
                                                   "referrals[2].referring_party"]
    assert "(en nog 1 probleem)" in str(problem)


def test_external_ref_twice_in_the_file_or_already_imported() -> None:
    data = good_file()
    data["referrals"][2]["external_ref"] = data["referrals"][0]["external_ref"]
    problem = refused(data)
    assert problem.field == "referrals[2].external_ref" and "referrals[0]" in str(problem)
    with pytest.raises(ImportRefused) as caught:
        parse(good_file(), known=frozenset({"WEB-2026-0001"}))
    assert caught.value.field == "referrals[1].external_ref"
    assert "al eerder geïmporteerd" in str(caught.value)


@pytest.mark.parametrize("data, field", [
    ([], "format"), ({"referrals": []}, "format"),
    ({"format": "casuskamer-referrals/3", "referrals": []}, "format"),
    ({"format": FORMAT}, "referrals"), ({"format": FORMAT, "referrals": []}, "referrals"),
    ({"format": FORMAT, "referrals": ["x"]}, "referrals[0]"),
])
def test_the_file_itself_must_have_the_format(data: Any, field: str) -> None:
    assert refused(data).field == field


@pytest.mark.parametrize("given_names, surname", [
    ("Şükrü", "Yılmaz"), ("Łukasz", "Wiśniewski"), ("Thị Minh Khai", "Nguyễn"),
    ("محمد", "الحسيني"), ("A" * 200, "B" * 200)])
def test_any_unicode_and_long_text_is_taken_as_given(given_names: str, surname: str) -> None:
    # up to the caps of issue 25, point 6 (names 200, prose 20,000 characters)
    data = good_file(1)
    entry = data["referrals"][0]
    entry["subjects"][0].update(given_names=given_names, surname=surname)
    entry["reason"] = "Lange toelichting. " * 1050
    entry["information"][0]["text"] = "😀 " + "x" * 19_990
    found = parse(data)[0]
    assert found.subjects[0].surname == surname
    assert found.information[0].text.startswith("😀")
    assert len(found.reason) > 19_000


def test_the_input_is_not_changed() -> None:
    data = good_file()
    before = copy.deepcopy(data)
    parse(data)
    assert data == before
