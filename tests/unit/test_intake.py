"""The intake wizard as data (no Qt, no database): steps, drafts, validation per step and
of the whole referral, the Bijlage 2 criteria, the life domains, case numbers and names."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.cases import (SubjectRole, check_birth_date, display_name, fold_for_search,
                              format_case_number, parse_case_number)
from app.domain.criteria import (CRITERIA, Criterion, CriterionAnswer, all_answered,
                                 criteria_introduction, is_complex_case, unanswered)
from app.domain.intake import (STEPS, CriterionEntry, IntakeContext, IntakeDraft,
                               IntakeOutcome, IntakeStep, SubjectEntry, first_step_with_errors,
                               next_step, previous_step, to_referral, validate_draft,
                               validate_outcome, validate_step)
from app.domain.life_domains import LIFE_DOMAINS, LifeDomain
from app.domain.protocols import Protocol
from app.domain.standing import PartyStanding, ProtocolMembership
from app.errors import ValidationError
from app.i18n import set_language

TODAY = date(2026, 11, 29)
COVENANT = Path("/work/shared/domain/convenant.txt")

#: 1: active in integrale_veiligheid; 2: withdrew in 2024; 3: accession pending;
#: 4: active, radicalisering only.
STANDINGS = {
    1: PartyStanding(1, date(2019, 1, 1), None,
                     (ProtocolMembership(Protocol.INTEGRALE_VEILIGHEID, date(2019, 1, 1)),)),
    2: PartyStanding(2, date(2019, 1, 1), date(2024, 6, 30),
                     (ProtocolMembership(Protocol.INTEGRALE_VEILIGHEID, date(2019, 1, 1),
                                         date(2024, 6, 30)),)),
    3: PartyStanding(3, None),
    4: PartyStanding(4, date(2020, 1, 1), None,
                     (ProtocolMembership(Protocol.RADICALISERING, date(2020, 1, 1)),)),
}
CTX = IntakeContext(today=TODAY, standings=STANDINGS)


def good_draft() -> IntakeDraft:
    return IntakeDraft(
        protocol="integrale_veiligheid", referring_party_id=1,
        referring_contact="J. de Wit, wijkagent", received="2026-11-20",
        subjects=[SubjectEntry("Şükrü", "Yılmaz", "1984-03-02", "123456782",
                               "Hoefkade 12, Den Haag", "main_subject"),
                  SubjectEntry("Ayşe", "Yılmaz-Kaya", "2012-07-15", "", "", "child")],
        reason="Zorgen van politie, GGZ en school.",
        life_domains={"housing": "Huurachterstand", "mental_health": "Psychose"},
        question="Eén gezamenlijk plan.")


def answered(met: bool = True) -> dict[str, CriterionEntry]:
    return {c.value: CriterionEntry(met, "motivering") for c in CRITERIA}


def fields(errors: list) -> set[str]:  # type: ignore[type-arg]
    return {e.field for e in errors}


# -- steps ----------------------------------------------------------------------------------

def test_steps_run_in_order_and_end_with_the_summary() -> None:
    assert STEPS[0] is IntakeStep.PROTOCOL and STEPS[-1] is IntakeStep.SUMMARY
    walked = [STEPS[0]]
    while (step := next_step(walked[-1])) is not None:
        walked.append(step)
    assert tuple(walked) == STEPS
    assert previous_step(IntakeStep.PROTOCOL) is None
    assert previous_step(IntakeStep.SUBJECTS) is IntakeStep.REFERRING_PARTY
    assert all(s.title and s.explanation for s in STEPS)


def test_a_good_draft_passes_every_step() -> None:
    draft = good_draft()
    assert validate_draft(draft, CTX) == []
    assert first_step_with_errors(draft, CTX) is None
    referral = to_referral(draft, CTX)
    assert referral.protocol is Protocol.INTEGRALE_VEILIGHEID
    assert referral.subjects[0].surname == "Yılmaz" and referral.subjects[1].bsn is None
    assert referral.life_domains == {LifeDomain.HOUSING: "Huurachterstand",
                                     LifeDomain.MENTAL_HEALTH: "Psychose"}


def test_an_empty_draft_stops_at_the_first_page() -> None:
    draft = IntakeDraft()
    assert first_step_with_errors(draft, CTX) is IntakeStep.PROTOCOL
    assert fields(validate_step(draft, IntakeStep.PROTOCOL, CTX)) == {"protocol"}
    assert fields(validate_step(draft, IntakeStep.SUBJECTS, CTX)) == {"subjects"}
    assert validate_step(draft, IntakeStep.CRITERIA, CTX) == []    # answered at intake


# -- the referring party --------------------------------------------------------------------

@pytest.mark.parametrize("party, protocol, message", [
    (99, "integrale_veiligheid", "geen partij in het register"),
    (2, "integrale_veiligheid", "geen actieve partij"),
    (3, "integrale_veiligheid", "geen actieve partij"),
    (4, "integrale_veiligheid", "neemt niet deel aan het protocol"),
    (1, "radicalisering", "neemt niet deel aan het protocol"),
    (None, "integrale_veiligheid", "Kies een partij"),
])
def test_party_must_be_known_active_and_in_the_protocol(party: int | None, protocol: str,
                                                        message: str) -> None:
    draft = good_draft()
    draft.referring_party_id = party
    draft.protocol = protocol
    errors = validate_step(draft, IntakeStep.REFERRING_PARTY, CTX)
    assert [e.field for e in errors] == ["referring_party"]
    assert message.lower() in errors[0].message.lower()


def test_a_party_that_withdrew_could_refer_before_it_withdrew() -> None:
    draft = good_draft()
    draft.referring_party_id = 2
    draft.received = "2024-01-10"
    assert validate_step(draft, IntakeStep.REFERRING_PARTY, CTX) == []


def test_received_date_and_contact_are_checked() -> None:
    draft = good_draft()
    draft.received = "2026-12-01"
    draft.referring_contact = "  "
    assert fields(validate_step(draft, IntakeStep.REFERRING_PARTY, CTX)) == {
        "received", "referring_contact"}
    draft.received = "29-11-2026"
    assert "received" in fields(validate_step(draft, IntakeStep.REFERRING_PARTY, CTX))


# -- subjects -------------------------------------------------------------------------------

@pytest.mark.parametrize("change, field, message", [
    ({"bsn": "123456789"}, "subjects[0].bsn", "voldoet niet aan de elfproef"),
    ({"bsn": "12345"}, "subjects[0].bsn", "negen cijfers"),
    ({"birth_date": "2027-01-01"}, "subjects[0].birth_date", "in de toekomst"),
    ({"birth_date": "1906-11-28"}, "subjects[0].birth_date", "meer dan 120 jaar geleden"),
    ({"birth_date": "1984-02-30"}, "subjects[0].birth_date", "JJJJ-MM-DD"),
    ({"surname": ""}, "subjects[0].surname", "mag niet leeg zijn"),
    ({"surname": " \t "}, "subjects[0].surname", "mag niet leeg zijn"),
    ({"given_names": ""}, "subjects[0].given_names", "mag niet leeg zijn"),
    ({"role": "cousin"}, "subjects[0].role", "rol"),
])
def test_subject_rules(change: dict[str, str], field: str, message: str) -> None:
    draft = good_draft()
    for key, value in change.items():
        setattr(draft.subjects[0], key, value)
    errors = validate_step(draft, IntakeStep.SUBJECTS, CTX)
    assert field in fields(errors)
    assert any(message.lower() in e.message.lower() for e in errors if e.field == field)


def test_exactly_120_years_ago_is_still_accepted() -> None:
    assert check_birth_date(date(1906, 11, 29), TODAY) == date(1906, 11, 29)
    with pytest.raises(ValidationError):
        check_birth_date(date(1906, 11, 28), TODAY)
    assert check_birth_date(TODAY, TODAY) == TODAY
    assert check_birth_date(date(1904, 3, 1), date(2024, 2, 29)) == date(1904, 3, 1)


def test_family_needs_exactly_one_main_subject_and_distinct_bsns() -> None:
    draft = good_draft()
    draft.subjects[1].role = "main_subject"
    assert "subjects" in fields(validate_step(draft, IntakeStep.SUBJECTS, CTX))
    draft = good_draft()
    draft.subjects[1].bsn = draft.subjects[0].bsn
    assert "subjects" in fields(validate_step(draft, IntakeStep.SUBJECTS, CTX))


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs")), min_size=1,
               max_size=200).filter(lambda t: t.strip()),
       st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs")), min_size=1,
               max_size=200).filter(lambda t: t.strip()))
def test_any_unicode_and_any_length_is_accepted(surname: str, reason: str) -> None:
    # Any script; since issue 25 (point 3) no control or format character, names at most
    # 200 characters (tests/unit/test_hostile_text.py tests those refusals).
    draft = good_draft()
    draft.subjects[0].surname = surname
    draft.reason = reason * 20
    assert validate_draft(draft, CTX) == []
    referral = to_referral(draft, CTX)
    assert referral.subjects[0].surname == surname.strip()


@pytest.mark.parametrize("given_names, surname", [
    ("Şükrü", "Yılmaz"), ("Łukasz", "Wiśniewski"), ("Thị Minh Khai", "Nguyễn"),
    ("محمد", "الحسيني"), ("Jan", "van 't Hof")])
def test_names_from_many_languages(given_names: str, surname: str) -> None:
    draft = good_draft()
    draft.subjects[0].given_names, draft.subjects[0].surname = given_names, surname
    assert validate_step(draft, IntakeStep.SUBJECTS, CTX) == []


# -- problems, criteria, question, outcome --------------------------------------------------

def test_unknown_life_domain_and_missing_reason() -> None:
    draft = good_draft()
    draft.reason = ""
    draft.life_domains["gambling"] = "x"
    assert fields(validate_step(draft, IntakeStep.PROBLEMS, CTX)) == {
        "reason", "life_domains.gambling"}


def test_an_answer_needs_a_motivation_and_a_motivation_an_answer() -> None:
    draft = good_draft()
    draft.criteria = {"multi_problem": CriterionEntry(True, ""),
                      "system_impact": CriterionEntry(None, "omdat")}
    assert fields(validate_step(draft, IntakeStep.CRITERIA, CTX)) == {
        "criteria.multi_problem.motivation", "criteria.system_impact"}


def test_outcomes_need_what_the_decision_needs() -> None:
    draft = good_draft()
    assert len(validate_outcome(draft, IntakeOutcome.ACCEPT)) == 8
    assert validate_outcome(draft, IntakeOutcome.REGISTER) == []
    assert validate_outcome(draft, IntakeOutcome.KEEP_DRAFT) == []
    draft.criteria = answered()
    assert validate_outcome(draft, IntakeOutcome.ACCEPT) == []
    assert fields(validate_outcome(draft, IntakeOutcome.DECLINE)) == {"decline_reason",
                                                                      "decline_advice"}
    draft.criteria = answered(met=False)
    assert fields(validate_outcome(draft, IntakeOutcome.ACCEPT)) == {"criteria"}
    draft.decline_reason, draft.decline_advice = "Geen multiproblematiek", "Wijkteam"
    assert validate_outcome(draft, IntakeOutcome.DECLINE) == []


def test_to_referral_names_the_first_bad_field() -> None:
    draft = good_draft()
    draft.subjects[1].bsn = "111222334"
    with pytest.raises(ValidationError) as refused:
        to_referral(draft, CTX)
    assert refused.value.field == "subjects[1].bsn"
    assert str(refused.value) == "subjects[1].bsn: voldoet niet aan de elfproef"


# -- drafts ---------------------------------------------------------------------------------

def test_draft_payload_round_trip() -> None:
    draft = good_draft()
    draft.criteria = answered()
    draft.step = IntakeStep.CRITERIA.value
    draft.case_number = "ZVH-2026-0007"
    again = IntakeDraft.from_payload(draft.to_payload())
    assert again == draft


def test_an_old_or_damaged_payload_still_opens() -> None:
    draft = IntakeDraft.from_payload({"protocol": "radicalisering", "step": "nonsense",
                                      "subjects": [{"surname": "Bakker", "bsn": None,
                                                    "shoe_size": 43}],
                                      "criteria": {"multi_problem": {"met": "yes"}},
                                      "referring_party_id": "7", "future_field": 1})
    assert draft.protocol == "radicalisering" and draft.step == "protocol"
    assert draft.subjects == [SubjectEntry(surname="Bakker")]
    assert draft.criteria["multi_problem"].met is None
    assert draft.referring_party_id is None


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=50), st.text(max_size=50), st.booleans() | st.none())
def test_any_typed_state_survives_a_save(surname: str, reason: str, met: bool | None) -> None:
    draft = IntakeDraft(reason=reason, subjects=[SubjectEntry(surname=surname)],
                        criteria={"multi_problem": CriterionEntry(met, reason)})
    assert IntakeDraft.from_payload(draft.to_payload()) == draft


# -- criteria, life domains, numbers, names -------------------------------------------------

def _normalised(text: str) -> str:
    # The covenant's text file writes some accents as combining marks ("e\u0301e\u0301n");
    # compare in NFC, with the white space of its line breaks collapsed.
    return " ".join(unicodedata.normalize("NFC", text).replace("\u2019", "'").split())


def test_criteria_texts_are_the_covenants_words() -> None:
    covenant = _normalised(COVENANT.read_text(encoding="utf-8"))
    bijlage2 = covenant[covenant.index("Bijlage 2: Criteria"):covenant.index("Bijlage 3")]
    assert [c.value for c in CRITERIA] == ["serious_safety_problem", "system_impact",
                                           "multi_chain_cooperation", "multi_problem"]
    for criterion in CRITERIA:
        assert _normalised(criterion.text) in bijlage2, criterion
        assert criterion.title
    assert _normalised(criteria_introduction()) in bijlage2


def test_criteria_have_english_texts_too() -> None:
    set_language("en")
    assert Criterion.MULTI_PROBLEM.text.startswith("there are several problems")


def test_complex_case_is_one_or_two_and_three_and_four() -> None:
    def answers(*met: bool) -> list[CriterionAnswer]:
        return [CriterionAnswer(c, m, "m") for c, m in zip(CRITERIA, met)]

    assert is_complex_case(answers(True, False, True, True))
    assert is_complex_case(answers(False, True, True, True))
    assert not is_complex_case(answers(False, False, True, True))
    assert not is_complex_case(answers(True, True, False, True))
    assert not is_complex_case(answers(True, True, True, False))
    assert not is_complex_case([CriterionAnswer(c, True, "") for c in CRITERIA])
    assert all_answered(answers(True, True, True, True))
    assert unanswered(answers(True, True)) == [Criterion.MULTI_CHAIN_COOPERATION,
                                               Criterion.MULTI_PROBLEM]


def test_the_ten_life_domains_and_five_roles() -> None:
    assert [d.value for d in LIFE_DOMAINS] == [
        "housing", "finances", "physical_health", "mental_health", "addiction", "justice",
        "work", "social_network", "parenting", "safety"]
    assert LifeDomain.WORK.label == "Werk en dagbesteding"
    assert [r.value for r in SubjectRole] == ["main_subject", "partner", "child", "parent",
                                              "other"]
    assert SubjectRole.MAIN_SUBJECT.label == "Hoofdbetrokkene"


def test_case_numbers() -> None:
    assert format_case_number(2026, 42) == "ZVH-2026-0042"
    assert format_case_number(2026, 12345) == "ZVH-2026-12345"
    assert parse_case_number("zvh-2026-0042") == (2026, 42)
    assert parse_case_number("ZVH-26-0042") is None
    assert re.fullmatch(r"ZVH-\d{4}-\d{4}", format_case_number(2019, 1))


def test_names_fold_for_search_and_sort_by_surname() -> None:
    assert fold_for_search("Şükrü  YILMAZ") == fold_for_search("sukru yılmaz") == "sukru yilmaz"
    assert fold_for_search("Łukasz Wiśniewski") == "lukasz wisniewski"
    assert fold_for_search("Nguyễn Thị Minh Khai") == "nguyen thi minh khai"
    assert fold_for_search("محمد") == "محمد"
    assert display_name(" Jan  Pieter ", "van den  Berg") == "van den Berg, Jan Pieter"
