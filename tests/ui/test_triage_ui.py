"""Click through the triage wizard: three parties asked, items from each with different terms,
the wizard left as a draft and resumed, a request to widen terms answered yes, and the case
routed to a meeting; the terms shown on screen match what was stored."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.information import Category, SharingTerms
from app.domain.intake import IntakeOutcome
from app.domain.lifecycle import CaseState
from app.domain.triage import TriageStep, WideningAnswer, describe_terms
from app.services import intake, triage
from app.services import cases as case_store
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director, make_case, party_ids
from ui.triage.wizard import TriageWizard

TODAY = date(2026, 11, 20)


@pytest.fixture
def case(admin_vault: OpenVault) -> tuple[OpenVault, dict[str, int], str]:
    vault = as_process_director(admin_vault)
    number = make_case(vault)
    intake.decide_intake(vault, number, IntakeOutcome.ACCEPT,
                         [CriterionAnswer(c, True, "ja") for c in Criterion])
    return vault, party_ids(vault), number


def stored_terms(vault: OpenVault, number: str) -> dict[str, SharingTerms]:
    with vault.read() as conn:
        items = case_store.information_items(conn, case_store.case_id_for(conn, number))
    return {i.text: i.terms for i in items}


def add_item(wizard: TriageWizard, qtbot, party: int, text: str, category: Category,  # type: ignore[no-untyped-def]
             shared: tuple[int, ...] = (), pre: bool = False, screen: bool = False,
             restriction: str = "") -> None:
    wizard.select_answer_party(party)
    wizard.item_category.setCurrentIndex(wizard.item_category.findData(category.value))
    wizard.item_text.setPlainText(text)
    for p in shared:
        wizard.check_shared_with(p)
    wizard.item_pre.setChecked(pre)
    wizard.item_screen.setChecked(screen)
    wizard.item_restriction.setText(restriction)
    click(wizard, qtbot, "add_item")
    assert wizard.pages[TriageStep.ANSWERS].error.text() == ""


def click(wizard: TriageWizard, qtbot, name: str) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QPushButton
    qtbot.mouseClick(wizard.findChild(QPushButton, name), Qt.MouseButton.LeftButton)


def test_triage_wizard_end_to_end_with_draft_and_widening(case, qtbot) -> None:  # type: ignore[no-untyped-def]
    vault, ids, number = case
    politie, ggz, vt = (ids["Politie regionale eenheid Den Haag"], ids["Parnassia Groep"],
                        ids["Veilig Thuis"])
    wizard = TriageWizard(vault, number, today=TODAY)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.currentPage().step is TriageStep.PARTIES

    # nobody asked yet: the wizard does not move on, and says why
    wizard.next()
    assert wizard.currentPage().step is TriageStep.PARTIES
    assert wizard.pages[TriageStep.PARTIES].error.text()

    for p in (politie, ggz, vt):
        wizard.check_party_to_ask(p)
    click(wizard, qtbot, "record_asked")
    assert {q.party_id for q in wizard.ctx.queries} == {politie, ggz, vt}
    wizard.next()
    assert wizard.currentPage().step is TriageStep.ANSWERS

    # answers and items from three parties with different terms
    wizard.select_answer_party(politie)
    wizard.answer_kind.setCurrentIndex(wizard.answer_kind.findData("known"))
    click(wizard, qtbot, "record_answer")
    add_item(wizard, qtbot, politie, "Twee meldingen huiselijk geweld", Category.POLICE,
             shared=(vt,), pre=True, restriction="Niet in rapportages")
    wizard.select_answer_party(ggz)
    wizard.answer_kind.setCurrentIndex(wizard.answer_kind.findData("known"))
    click(wizard, qtbot, "record_answer")
    add_item(wizard, qtbot, ggz, "In behandeling voor depressie", Category.SPECIAL)
    add_item(wizard, qtbot, vt, "Eerder contact in 2025", Category.GENERAL,
             shared=(politie, ggz), pre=True, screen=True)
    # an empty text is refused with the reason, nothing stored
    wizard.select_answer_party(vt)
    wizard.item_text.setPlainText("  ")
    click(wizard, qtbot, "add_item")
    assert wizard.pages[TriageStep.ANSWERS].error.text()
    assert len(stored_terms(vault, number)) == 3

    # leave the wizard as a draft ...
    wizard.next()
    assert wizard.currentPage().step is TriageStep.REVIEW
    wizard.button(QWizard.WizardButton.CustomButton1).click()
    assert not wizard.isVisible()
    draft = triage.load_draft(vault, number)
    assert draft is not None and draft.step is TriageStep.REVIEW

    # ... and resume it: back on the review page with everything stored
    wizard = TriageWizard(vault, number, today=TODAY)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.currentPage().step is TriageStep.REVIEW
    assert wizard.items_table.rowCount() == 3

    # the terms shown match the terms stored
    names = wizard.ctx.party_names
    stored = stored_terms(vault, number)

    def shown_terms() -> dict[str, str]:
        return {wizard.items_table.item(r, 2).text(): wizard.items_table.item(r, 3).text()
                for r in range(wizard.items_table.rowCount())}
    assert shown_terms() == {text: describe_terms(terms, names)
                             for text, terms in stored.items()}
    assert stored["In behandeling voor depressie"] == SharingTerms()

    # ask GGZ to share its item with Veilig Thuis, before the meeting too; GGZ says yes
    ggz_item = next(i.id for i in wizard.ctx.items if i.source_party_id == ggz)
    wizard.widen_item.setCurrentIndex(wizard.widen_item.findData(ggz_item))
    wizard.widen_party.setCurrentIndex(wizard.widen_party.findData(vt))
    wizard.widen_pre.setChecked(True)
    click(wizard, qtbot, "request_widening")
    assert wizard.pending_request.count() == 1
    wizard.widen_answer.setCurrentIndex(wizard.widen_answer.findData(WideningAnswer.YES.value))
    wizard.widen_answered_by.setText("Behandelaar GGZ")
    click(wizard, qtbot, "answer_widening")
    assert wizard.pages[TriageStep.REVIEW].error.text() == ""
    stored = stored_terms(vault, number)
    assert stored["In behandeling voor depressie"] == SharingTerms(frozenset({vt}), True)
    assert shown_terms() == {text: describe_terms(terms, names)
                             for text, terms in stored.items()}

    # routing: refused without a goal, then to a meeting
    wizard.next()
    assert wizard.currentPage().step is TriageStep.ROUTING
    wizard.next()
    assert wizard.currentPage().step is TriageStep.ROUTING
    assert wizard.pages[TriageStep.ROUTING].error.text()
    wizard.goal_edit.setPlainText("Eén gezamenlijk plan voor de veiligheid van de kinderen")
    wizard.themes_edit.setPlainText("Veiligheid\nSchulden")
    wizard.decision_checks[next(iter(wizard.decision_checks))].setChecked(True)
    for p in (politie, ggz, vt):
        wizard.check_invitee(p)
    wizard.next()
    assert wizard.currentPage().step is TriageStep.SUMMARY
    assert "Veiligheid; Schulden" in wizard.summary.text()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.finished_state is CaseState.SCHEDULED
    with vault.read() as conn:
        case_id = case_store.case_id_for(conn, number)
        assert case_store.current_state(conn, case_id)[0] is CaseState.SCHEDULED
        routing = triage.routing_decision(conn, case_id)
    assert routing is not None and routing.invitees == {politie, ggz, vt}
    assert routing.themes == ("Veiligheid", "Schulden")
    assert triage.load_draft(vault, number) is None


def test_clear_on_lock_keeps_a_draft_and_shows_nothing(case, qtbot) -> None:  # type: ignore[no-untyped-def]
    vault, ids, number = case
    wizard = TriageWizard(vault, number, today=TODAY)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.goal_edit.setPlainText("Halverwege")
    wizard.clear()
    assert wizard.goal_edit.toPlainText() == "" and wizard.items_table.rowCount() == 0
    draft = triage.load_draft(vault, number)
    assert draft is not None and draft.routing.goal == "Halverwege"
