"""Issue 16, point 7 and the import/triage half of point 4: imported terms narrowed, and every
information item records which of the case's subjects it concerns.

Covenant 16.2 and 9.2: the party that supplied information decides how it may be used. The
issue's finding: "an import file sets the sharing terms of items supplied by parties other
than the referring party, so the author of a web form decides on the police's and a care
provider's information". Now such an item is held at the narrowest terms, marked "terms to
be confirmed by <source party>", and the file's terms wait as requests to that party, which
only its yes applies. The expected answers here are written from that rule, not computed by
the policy.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.domain.cases import Subject, SubjectRole
from app.domain.criteria import Criterion
from app.domain.information import Category, InformationItem, SharingTerms
from app.domain.intake import CriterionEntry, IntakeOutcome
from app.domain.triage import NewItem, WideningAnswer, describe_item_terms
from app.errors import ValidationError
from app.services import cases as case_store
from app.services import intake, triage
from app.services.referral_import import FORMAT, ImportRefused, import_referrals
from app.store.case_tables import cases as cases_table
from app.store.case_tables import information_items, item_subjects
from app.store.tables import audit_log
from app.store.triage_tables import widening_requests
from app.vault.vault import OpenVault
from tests.pg_engine import audit_reader
from tests.unit.handout_cases import as_process_director, make_case, party_ids

TODAY = date(2026, 11, 29)
POLITIE = "Politie regionale eenheid Den Haag"
DOC = Path(__file__).resolve().parents[2] / "docs" / "referral-format.md"


@pytest.fixture
def vault(admin_vault: OpenVault) -> OpenVault:
    return as_process_director(admin_vault)


def web_form(**item_changes: Any) -> dict[str, Any]:
    """A municipality's web-form file (referring party: Den Haag) with three subjects, one
    item of the police, one of a care provider and one of the municipality itself."""
    items = [
        {"source_party": POLITIE, "received": "2026-11-18", "category": "police",
         "text": "Vier aanhoudingen in 2026.", "shared_with": ["Veilig Thuis", "Den Haag"],
         "pre_meeting_view": True, "meeting_screen": True,
         "use_restriction": "Niet in het plan opnemen."},
        {"source_party": "Parnassia Groep", "received": "2026-11-18", "category": "special",
         "text": "In behandeling voor psychose.", "shared_with": ["Den Haag"],
         "pre_meeting_view": False, "meeting_screen": False, "use_restriction": ""},
        {"source_party": "Den Haag", "received": "2026-11-19", "category": "general",
         "text": "Huurachterstand van vier maanden.", "shared_with": ["Veilig Thuis"],
         "pre_meeting_view": True, "meeting_screen": False, "use_restriction": ""},
    ]
    for index, changes in item_changes.items():
        items[int(index.removeprefix("item"))].update(changes)
    return {"format": FORMAT, "referrals": [{
        "external_ref": "WEB-2026-0042", "referring_party": "Den Haag",
        "protocol": "integrale_veiligheid", "received": "2026-11-20",
        "reason": "Zorgen van politie, GGZ en gemeente.", "question": "Eén plan.",
        "subjects": [
            {"given_names": "Şükrü", "surname": "Yılmaz", "birth_date": "1984-03-02",
             "bsn": "123456782", "role": "main_subject"},
            {"given_names": "Ayşe", "surname": "Yılmaz", "birth_date": "1986-07-15",
             "role": "partner"},
            {"given_names": "Elif", "surname": "Yılmaz", "birth_date": "2015-05-05",
             "role": "child"}],
        "information": items}]}


def stored(vault: OpenVault, number: str) -> dict[str, InformationItem]:
    with vault.read() as conn:
        return {i.text: i for i in case_store.information_items(
            conn, case_store.case_id_for(conn, number))}


def subject_ids(vault: OpenVault, number: str) -> list[int]:
    """The case's subjects' ids in the order of the file."""
    with vault.read() as conn:
        case = case_store.load_case(conn, case_store.case_id_for(conn, number))
    return [s.id for s in case.subjects if s.id is not None]


def count(vault: OpenVault, table: Any) -> int:
    with vault.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


# -- 16.2 / 9.2: the supplier decides on its information ----------------------------------

def test_16_2_a_web_form_does_not_set_the_police_or_care_providers_terms(vault) -> None:  # type: ignore[no-untyped-def]
    """The issue's finding: the file of the municipality asked to share the police's and
    the care provider's items; both are held at the narrowest terms (the police's use
    restriction kept) and marked to be confirmed by their supplier."""
    [number] = import_referrals(vault, web_form(), today=TODAY)
    items = stored(vault, number)
    police = items["Vier aanhoudingen in 2026."]
    care = items["In behandeling voor psychose."]
    assert police.terms == SharingTerms(use_restriction="Niet in het plan opnemen.")
    assert care.terms == SharingTerms()
    assert police.terms_to_confirm and care.terms_to_confirm


def test_16_2_the_referring_partys_own_item_keeps_the_files_terms(vault) -> None:  # type: ignore[no-untyped-def]
    ids = party_ids(vault)
    [number] = import_referrals(vault, web_form(), today=TODAY)
    own = stored(vault, number)["Huurachterstand van vier maanden."]
    assert own.terms == SharingTerms(frozenset({ids["Veilig Thuis"]}), True, False, "")
    assert not own.terms_to_confirm


def test_16_2_the_asked_terms_wait_as_requests_to_the_source_party(vault) -> None:  # type: ignore[no-untyped-def]
    ids = party_ids(vault)
    [number] = import_referrals(vault, web_form(), today=TODAY)
    items = stored(vault, number)
    police, care = items["Vier aanhoudingen in 2026."], items["In behandeling voor psychose."]
    asked = {(w.item_id, w.party_id, w.want_pre_meeting_view, w.want_meeting_screen)
             for w in triage.triage_context(vault, number, TODAY).widening}
    # one question per request: the pre-meeting view and the screen, then each party
    assert asked == {(police.id, None, True, True),
                     (police.id, ids["Veilig Thuis"], False, False),
                     (police.id, ids["Den Haag"], False, False),
                     (care.id, ids["Den Haag"], False, False)}
    with audit_reader(vault) as conn:
        details = [json.loads(d) for d in conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "item.widening_request"))
            .scalars()]
    assert len(details) == 4 and all(d["imported"] for d in details)


def test_9_2_the_asked_terms_apply_only_after_the_source_party_agrees(vault) -> None:  # type: ignore[no-untyped-def]
    """The director records the police's answers in triage: a no leaves the terms as they
    are, a yes applies what it asked; the mark goes once every request is answered."""
    ids = party_ids(vault)
    [number] = import_referrals(vault, web_form(), today=TODAY)
    police_id = stored(vault, number)["Vier aanhoudingen in 2026."].id
    requests = {w.party_id: w for w in triage.triage_context(vault, number, TODAY).widening
                if w.item_id == police_id}

    triage.answer_widening(vault, number, requests[ids["Den Haag"]].id, WideningAnswer.NO,
                           TODAY, "Wachtcommandant", today=TODAY)
    police = stored(vault, number)["Vier aanhoudingen in 2026."]
    assert police.terms == SharingTerms(use_restriction="Niet in het plan opnemen.")
    assert police.terms_to_confirm            # the other requests are still open

    for party in (None, ids["Veilig Thuis"]):
        triage.answer_widening(vault, number, requests[party].id, WideningAnswer.YES, TODAY,
                               "Wachtcommandant", today=TODAY)
    police = stored(vault, number)["Vier aanhoudingen in 2026."]
    assert police.terms == SharingTerms(frozenset({ids["Veilig Thuis"]}), True, True,
                                        "Niet in het plan opnemen.")
    assert not police.terms_to_confirm
    with audit_reader(vault) as conn:
        confirmed = conn.execute(select(audit_log.c.object_id, audit_log.c.detail).where(
            audit_log.c.action == "item.terms_confirmed")).all()
    assert [str(r[0]) for r in confirmed] == [str(police_id)]
    assert "aanhoudingen" not in confirmed[0][1]


def test_9_2_a_no_leaves_the_narrowest_terms_as_the_source_partys_own(vault) -> None:  # type: ignore[no-untyped-def]
    ids = party_ids(vault)
    [number] = import_referrals(vault, web_form(), today=TODAY)
    care_id = stored(vault, number)["In behandeling voor psychose."].id
    [request] = [w for w in triage.triage_context(vault, number, TODAY).widening
                 if w.item_id == care_id]
    assert request.party_id == ids["Den Haag"]
    triage.answer_widening(vault, number, request.id, WideningAnswer.NO, TODAY,
                           "Behandelaar", today=TODAY)
    care = stored(vault, number)["In behandeling voor psychose."]
    assert care.terms == SharingTerms() and not care.terms_to_confirm


def test_16_2_asking_nothing_wider_leaves_nothing_to_confirm(vault) -> None:  # type: ignore[no-untyped-def]
    data = web_form(item1={"shared_with": ["Parnassia Groep"]})     # only its own source
    [number] = import_referrals(vault, data, today=TODAY)
    care = stored(vault, number)["In behandeling voor psychose."]
    assert care.terms == SharingTerms() and not care.terms_to_confirm
    assert all(w.item_id != care.id
               for w in triage.triage_context(vault, number, TODAY).widening)


def test_the_terms_say_who_is_to_confirm_them(vault) -> None:  # type: ignore[no-untyped-def]
    [number] = import_referrals(vault, web_form(), today=TODAY)
    names = {v: k for k, v in party_ids(vault).items()}
    items = stored(vault, number)
    assert describe_item_terms(items["Vier aanhoudingen in 2026."], names) == (
        f"voorwaarden te bevestigen door {POLITIE}; niet gedeeld; "
        "gebruiksbeperking: Niet in het plan opnemen.")
    assert "bevestigen" not in describe_item_terms(
        items["Huurachterstand van vier maanden."], names)


# -- point 4: whom each item concerns, from the file ----------------------------------------

def test_concerns_from_the_file_are_stored_and_read_back(vault) -> None:  # type: ignore[no-untyped-def]
    data = web_form(item0={"concerns": [0, 1]}, item1={"concerns": "household"},
                    item2={"concerns": [2]})
    [number] = import_referrals(vault, data, today=TODAY)
    main, partner, child = subject_ids(vault, number)
    items = stored(vault, number)
    assert items["Vier aanhoudingen in 2026."].concerns == frozenset({main, partner})
    assert items["In behandeling voor psychose."].concerns is None
    assert items["Huurachterstand van vier maanden."].concerns == frozenset({child})


def test_concerns_left_out_means_the_whole_household(vault) -> None:  # type: ignore[no-untyped-def]
    [number] = import_referrals(vault, web_form(), today=TODAY)
    assert all(i.concerns is None for i in stored(vault, number).values())


@pytest.mark.parametrize("value, field, words", [
    ([0, 3], "concerns[1]", "geen betrokkene van deze aanmelding"),
    ([-1], "concerns[0]", "geen betrokkene van deze aanmelding"),
    (["0"], "concerns[0]", "positie van een betrokkene"),
    ([True], "concerns[0]", "positie van een betrokkene"),
    ([], "concerns", "ten minste één betrokkene"),
    ("gezin", "concerns", "household"),
])
def test_a_concerns_that_names_no_subject_of_the_file_refuses_it(vault, value: Any,  # type: ignore[no-untyped-def]
                                                                 field: str, words: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        import_referrals(vault, web_form(item2={"concerns": value}), today=TODAY)
    assert refused.value.field == f"referrals[0].information[2].{field}"
    assert words in str(refused.value)
    assert count(vault, cases_table) == 0 and count(vault, information_items) == 0
    assert count(vault, widening_requests) == 0 and count(vault, item_subjects) == 0


def test_concerns_survive_the_intake_of_the_imported_case(vault) -> None:  # type: ignore[no-untyped-def]
    """The intake writes the subjects anew; each item keeps its subjects, and one whose
    only subject was taken out at intake concerns the whole household again."""
    data = web_form(item0={"concerns": [2]}, item2={"concerns": [1]})
    [number] = import_referrals(vault, data, today=TODAY)
    draft, draft_id = intake.draft_for_case(vault, number)
    draft.referring_contact = "Mw. de Vries, wijkteam"
    draft.subjects[0].address = "Hoefkade 12, Den Haag"
    del draft.subjects[1]                                  # the partner is not in the case
    draft.criteria.update({c.value: CriterionEntry(True, "ja") for c in Criterion})
    intake.submit_intake(vault, draft, IntakeOutcome.ACCEPT, draft_id,
                         ctx=intake.intake_context(vault, TODAY))
    main, child = subject_ids(vault, number)
    items = stored(vault, number)
    assert items["Vier aanhoudingen in 2026."].concerns == frozenset({child})
    assert items["Huurachterstand van vier maanden."].concerns is None
    assert items["In behandeling voor psychose."].concerns is None
    assert main != child


# -- point 4: whom each item concerns, from triage ------------------------------------------

SUBJECTS = (Subject("Şükrü", "Yılmaz", date(1984, 3, 14), SubjectRole.MAIN_SUBJECT),
            Subject("Elif", "Yılmaz", date(2015, 5, 5), SubjectRole.CHILD))


@pytest.fixture
def in_triage(vault):  # type: ignore[no-untyped-def]
    from app.domain.criteria import CriterionAnswer
    number = make_case(vault, subjects=SUBJECTS)
    intake.decide_intake(vault, number, IntakeOutcome.ACCEPT,
                         [CriterionAnswer(c, True, "ja") for c in Criterion])
    return vault, number


def test_concerns_chosen_in_triage_are_stored_and_read_back(in_triage) -> None:  # type: ignore[no-untyped-def]
    vault, number = in_triage
    ggz = party_ids(vault)["Parnassia Groep"]
    main, child = subject_ids(vault, number)
    triage.add_item(vault, number, NewItem(ggz, Category.SPECIAL, "Diagnose kind", TODAY,
                                           concerns=frozenset({child})), today=TODAY)
    triage.add_item(vault, number, NewItem(ggz, Category.GENERAL, "Gezinssituatie", TODAY),
                    today=TODAY)
    items = stored(vault, number)
    assert items["Diagnose kind"].concerns == frozenset({child})
    assert items["Gezinssituatie"].concerns is None
    seen = triage.triage_context(vault, number, TODAY).items
    assert {i.text: i.concerns for i in seen} == {"Diagnose kind": frozenset({child}),
                                                  "Gezinssituatie": None}
    assert main != child


def test_triage_refuses_concerns_of_nobody_or_of_another_case(in_triage) -> None:  # type: ignore[no-untyped-def]
    vault, number = in_triage
    ggz = party_ids(vault)["Parnassia Groep"]
    other = make_case(vault, subjects=SUBJECTS)
    stranger = subject_ids(vault, other)[0]
    for concerns in (frozenset(), frozenset({stranger})):
        with pytest.raises(ValidationError) as refused:
            triage.add_item(vault, number, NewItem(ggz, Category.GENERAL, "Tekst", TODAY,
                                                   concerns=concerns), today=TODAY)
        assert refused.value.field == "concerns"
    assert stored(vault, number) == {}


# -- the documentation's example -------------------------------------------------------------

def test_the_documented_example_imports_as_the_document_says(vault) -> None:  # type: ignore[no-untyped-def]
    ids = party_ids(vault)
    # the first example is the /1 file the terms are described with (a /2 example follows)
    example = [json.loads(b) for b in re.findall(r"```json\n(.*?)```",
                                                 DOC.read_text(encoding="utf-8"), re.S)][0]
    assert example["format"] == "casuskamer-referrals/1"
    [number] = import_referrals(vault, example, today=TODAY)
    main, child = subject_ids(vault, number)
    items = stored(vault, number)
    police = items["Vier aanhoudingen in 2026."]
    own = items["Melding over de veiligheid van het kind op school."]
    assert police.terms == SharingTerms(use_restriction="Niet in het plan van aanpak opnemen.")
    assert police.terms_to_confirm and police.concerns == frozenset({main})
    assert own.terms == SharingTerms(frozenset({ids["Parnassia Groep"]}))
    assert not own.terms_to_confirm and own.concerns == frozenset({child})
