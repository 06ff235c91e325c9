"""Issue 16 on screen: in triage the process director chooses, from the keyboard, which of
the case's subjects a new item concerns (default: the whole household); an imported item of
another party than the referring one shows "voorwaarden te bevestigen door <partij>" in
triage and on the case screen until its source party has answered the requests, recorded in
the triage wizard (covenant 16.2, 9.2)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.information import Category, SharingTerms
from app.domain.intake import IntakeOutcome
from app.domain.triage import TriageStep, WideningAnswer
from app.services import cases as case_store
from app.services import intake
from app.services.referral_import import FORMAT, import_referrals
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director, party_ids
from ui.cases.case_view import CaseViewScreen
from ui.triage.wizard import TriageWizard

TODAY = date(2026, 11, 29)
POLITIE = "Politie regionale eenheid Den Haag"
MET = [CriterionAnswer(c, True, "ja") for c in Criterion]


@pytest.fixture
def imported(admin_vault: OpenVault) -> tuple[OpenVault, str]:
    """A municipality's referral with a police item it asked to share, in triage."""
    vault = as_process_director(admin_vault)
    [number] = import_referrals(vault, {"format": FORMAT, "referrals": [{
        "external_ref": "WEB-1", "referring_party": "Den Haag",
        "protocol": "integrale_veiligheid", "received": "2026-11-20",
        "reason": "Zorgen.", "question": "Plan.",
        "subjects": [
            {"given_names": "Şükrü", "surname": "Yılmaz", "birth_date": "1984-03-02",
             "role": "main_subject"},
            {"given_names": "Elif", "surname": "Yılmaz", "birth_date": "2015-05-05",
             "role": "child"}],
        "information": [
            {"source_party": POLITIE, "received": "2026-11-18", "category": "police",
             "text": "Vier aanhoudingen.", "shared_with": ["Veilig Thuis"],
             "pre_meeting_view": True, "meeting_screen": False, "use_restriction": "",
             "concerns": [0]}]}]}, today=TODAY)
    intake.decide_intake(vault, number, IntakeOutcome.ACCEPT, MET)
    return vault, number


def items(vault: OpenVault, number: str) -> dict[str, object]:
    with vault.read() as conn:
        return {i.text: i for i in case_store.information_items(
            conn, case_store.case_id_for(conn, number))}


def click(wizard: TriageWizard, qtbot, name: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(wizard.findChild(QPushButton, name), Qt.MouseButton.LeftButton)


def open_wizard(vault: OpenVault, number: str, qtbot) -> TriageWizard:  # type: ignore[no-untyped-def]
    wizard = TriageWizard(vault, number, today=TODAY)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def test_the_director_chooses_whom_a_new_item_concerns_by_keyboard(imported, qtbot) -> None:  # type: ignore[no-untyped-def]
    vault, number = imported
    ggz = party_ids(vault)["Parnassia Groep"]
    wizard = open_wizard(vault, number, qtbot)
    wizard.check_party_to_ask(ggz)
    click(wizard, qtbot, "record_asked")
    wizard.next()
    assert wizard.currentPage().step is TriageStep.ANSWERS
    wizard.select_answer_party(ggz)
    concerns = wizard.item_concerns
    # the whole household first, checked by default; then each subject
    assert concerns.count() == 3
    assert concerns.item(0).checkState() == Qt.CheckState.Checked
    assert "Elif" in concerns.item(2).text()
    wizard.item_text.setPlainText("Diagnose van het kind")
    concerns.setFocus()
    concerns.setCurrentRow(2)
    qtbot.keyClick(concerns, Qt.Key.Key_Space)
    # choosing a subject leaves the whole household
    assert concerns.item(2).checkState() == Qt.CheckState.Checked
    assert concerns.item(0).checkState() == Qt.CheckState.Unchecked
    click(wizard, qtbot, "add_item")
    assert wizard.pages[TriageStep.ANSWERS].error.text() == ""
    # the form is back to the whole household for the next item
    assert wizard.item_concerns.item(0).checkState() == Qt.CheckState.Checked
    wizard.item_text.setPlainText("Gezinssituatie")
    click(wizard, qtbot, "add_item")

    stored = items(vault, number)
    child = wizard.ctx.case.subjects[1].id
    assert stored["Diagnose van het kind"].concerns == frozenset({child})   # type: ignore[attr-defined]
    assert stored["Gezinssituatie"].concerns is None                          # type: ignore[attr-defined]

    # nothing checked at all: refused with the reason, nothing stored
    wizard.item_text.setPlainText("Zonder betrokkene")
    concerns.setCurrentRow(0)
    qtbot.keyClick(concerns, Qt.Key.Key_Space)
    assert wizard.chosen_concerns() == frozenset()
    click(wizard, qtbot, "add_item")
    assert "betrokkenen" in wizard.pages[TriageStep.ANSWERS].error.text()
    assert "Zonder betrokkene" not in items(vault, number)

    # the review shows whom each item concerns
    wizard.next()
    shown = {wizard.items_table.item(r, 2).text(): wizard.items_table.item(r, 5).text()
             for r in range(wizard.items_table.rowCount())}
    assert shown["Diagnose van het kind"] == "Yılmaz, Elif"
    assert shown["Gezinssituatie"] == "het hele huishouden"
    assert shown["Vier aanhoudingen."] == "Yılmaz, Şükrü"


def test_imported_terms_are_confirmed_by_the_source_in_triage(imported, qtbot) -> None:  # type: ignore[no-untyped-def]
    vault, number = imported
    vt = party_ids(vault)["Veilig Thuis"]
    screen = CaseViewScreen(vault, number)
    qtbot.addWidget(screen)
    row = next(r for r in screen.view.items if r.item.text == "Vier aanhoudingen.")
    assert screen.terms_text(row).startswith(f"voorwaarden te bevestigen door {POLITIE}; ")
    screen.clear()

    wizard = open_wizard(vault, number, qtbot)
    wizard.setStartId(2)
    wizard.restart()
    assert wizard.currentPage().step is TriageStep.REVIEW

    def terms_shown() -> str:
        [r] = [r for r in range(wizard.items_table.rowCount())
               if wizard.items_table.item(r, 2).text() == "Vier aanhoudingen."]
        return wizard.items_table.item(r, 3).text()

    assert terms_shown() == f"voorwaarden te bevestigen door {POLITIE}; niet gedeeld"
    assert wizard.pending_request.count() == 2
    # the police agree to both questions the file asked them
    while wizard.pending_request.count():
        wizard.pending_request.setCurrentIndex(0)
        wizard.widen_answer.setCurrentIndex(
            wizard.widen_answer.findData(WideningAnswer.YES.value))
        wizard.widen_answered_by.setText("Wachtcommandant")
        click(wizard, qtbot, "answer_widening")
        assert wizard.pages[TriageStep.REVIEW].error.text() == ""
    police = items(vault, number)["Vier aanhoudingen."]
    assert police.terms == SharingTerms(frozenset({vt}), True)                # type: ignore[attr-defined]
    assert not police.terms_to_confirm                                        # type: ignore[attr-defined]
    assert "bevestigen" not in terms_shown()
    assert police.category is Category.POLICE                                 # type: ignore[attr-defined]
