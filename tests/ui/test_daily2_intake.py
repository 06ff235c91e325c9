"""Daily work at intake (issue 18, points 3 and 4), as a process director types it.

On 303c06b the intake refused "14-02-1990" ("is geen datum in de vorm JJJJ-MM-DD") and showed
ISO dates; Ctrl+S did nothing; closing saved silently (no Opslaan / Niet opslaan /
Annuleren); after the intake the wizard closed without the case number and an active
search hid the new case; several screens still used Qt's QDateEdit with its own format.
"""
# ruff: noqa: F811

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard
from pytestqt.qtbot import QtBot

from app.domain.intake import IntakeOutcome, IntakeStep
from app.services import cases as case_service
from app.services import intake as intake_service
from app.vault.vault import OpenVault
from tests.ui.cases_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    accounts_vault,
    cases_vault_template,
    director_vault,
)
from tests.ui.test_intake_wizard import (
    click,
    fill_criteria,
    fill_party,
    fill_problems,
    fill_protocol,
    fill_question,
    make_wizard,
    next_page,
)
from ui import dialogs
from ui.cases.intake_wizard import IntakeWizard
from ui.cases.screen import CasesScreen
from ui.wizard_steps import steps_of

UI = Path(__file__).resolve().parents[2] / "ui"

#: the offscreen platform cannot raise a window (the program raises the windows it opens)
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")



def _activate(qtbot: QtBot, window: QWizard) -> None:
    window.raise_()
    window.activateWindow()     # a shortcut works in the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)


def _type_subject(qtbot: QtBot, wizard: IntakeWizard, birth: str) -> None:
    form = wizard.page_for(IntakeStep.SUBJECTS).forms[0]
    qtbot.keyClicks(form.given_names, "Fatima")
    qtbot.keyClicks(form.surname, "El Amrani")
    form.birth_date.line.setFocus()
    qtbot.keyClicks(form.birth_date.line, birth)
    qtbot.keyClicks(form.address, "Spui 70, Den Haag")


def test_a_dutch_birth_date_typed_in_the_intake_is_stored(qtbot: QtBot,
                                                           director_vault: OpenVault) -> None:
    wizard = make_wizard(qtbot, director_vault)
    fill_protocol(qtbot, wizard)
    received = wizard.page_for(IntakeStep.REFERRING_PARTY).received_edit
    assert received.text() == date.today().strftime("%d-%m-%Y"), "shown as dd-mm-jjjj"
    received.line.clear()
    qtbot.keyClicks(received.line, "03-11-2026")
    fill_party(qtbot, wizard)
    _type_subject(qtbot, wizard, "14-02-1990")
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.PROBLEMS, wizard.error_text(
        "subjects[0].birth_date", IntakeStep.SUBJECTS)
    fill_problems(qtbot, wizard)
    fill_criteria(qtbot, wizard)
    fill_question(qtbot, wizard)
    summary = wizard.page_for(IntakeStep.SUMMARY).summary.toPlainText()
    assert "14-02-1990" in summary and "03-11-2026" in summary
    with qtbot.waitSignal(wizard.finished, timeout=5000):
        click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    case = case_service.get_case(director_vault, wizard.created_case_number)
    assert case.subjects[0].birth_date == date(1990, 2, 14)
    assert case.received == date(2026, 11, 3)


def test_a_text_that_is_no_date_says_how_to_type_one(qtbot: QtBot,
                                                      director_vault: OpenVault) -> None:
    wizard = make_wizard(qtbot, director_vault)
    fill_protocol(qtbot, wizard)
    fill_party(qtbot, wizard)
    _type_subject(qtbot, wizard, "14-2-90")
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.SUBJECTS
    problem = wizard.error_text("subjects[0].birth_date")
    assert "dd-mm-jjjj" in problem and "14-2-90" in problem and "\n" not in problem


def test_no_screen_keeps_a_date_field_of_its_own() -> None:
    """Every date input is ui.date_edit.DateEdit: no QDateEdit/QDateTimeEdit, no line edit
    with a date placeholder or display format, anywhere else in ui/ (a style sheet that
    names the Qt class in a string is no date input)."""
    pattern = re.compile(
        r"(?<![\"'])\bQDate(?:Time)?Edit\b(?![\"'])|setDisplayFormat\(\s*\"[^\"]*yyyy"
        r"|(?:PlaceholderText|line_edit)\([^)]*(?:YYYY|yyyy|JJJJ|jjjj)")
    found = []
    for path in sorted(UI.rglob("*.py")):
        if path.name == "date_edit.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(UI.parent)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


# -- where you are, Ctrl+S, closing -------------------------------------------------------------

def test_the_intake_says_which_step_of_how_many(qtbot: QtBot,
                                                director_vault: OpenVault) -> None:
    wizard = make_wizard(qtbot, director_vault)
    steps = steps_of(wizard)
    assert steps is not None and steps.isVisible()
    assert steps.header.text() == "Stap 1 van 8: Protocol"
    fill_protocol(qtbot, wizard)
    assert steps.header.text().startswith("Stap 2 van 8: ")
    assert steps.header.text() == f"Stap 2 van 8: {wizard.currentPage().title()}"
    bold = [label.text() for label in steps.steps if label.property("current")]
    assert bold == [f"\u25b6 2. {wizard.currentPage().title()}"]


def test_ctrl_s_saves_the_intake_draft_and_stays_open(qtbot: QtBot,
                                                      director_vault: OpenVault) -> None:
    wizard = make_wizard(qtbot, director_vault)
    fill_protocol(qtbot, wizard)
    fill_party(qtbot, wizard)
    _type_subject(qtbot, wizard, "14-02-1990")
    _activate(qtbot, wizard)
    form = wizard.page_for(IntakeStep.SUBJECTS).forms[0]
    form.surname.setFocus()
    qtbot.keyClicks(form.surname, "-Bakker")
    assert wizard.has_unsaved_changes
    with dialogs.scripted() as script:
        qtbot.keyClick(form.surname, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert script.shown == [] and wizard.isVisible()
    drafts = intake_service.list_drafts(director_vault)
    assert len(drafts) == 1
    saved = intake_service.load_draft(director_vault, drafts[0].id)
    assert saved.subjects[0].surname == "El Amrani-Bakker"
    assert saved.subjects[0].birth_date == "1990-02-14"
    steps = steps_of(wizard)
    assert steps is not None and "Concept opgeslagen" in steps.note.text()
    assert not wizard.has_unsaved_changes
    wizard.clear()


def test_closing_the_intake_with_changes_asks_save_discard_or_cancel(
        qtbot: QtBot, director_vault: OpenVault) -> None:
    wizard = make_wizard(qtbot, director_vault)
    fill_protocol(qtbot, wizard)          # Next saved a draft (protocol chosen)
    fill_party(qtbot, wizard)
    page = wizard.page_for(IntakeStep.SUBJECTS)
    _type_subject(qtbot, wizard, "14-02-1990")

    with dialogs.scripted(dialogs.CANCEL) as script:
        wizard.reject()
    assert [s.kind for s in script.shown] == ["save_changes"]
    assert wizard.isVisible() and page.forms[0].surname.text() == "El Amrani"

    with dialogs.scripted(dialogs.DISCARD):
        wizard.reject()
    assert not wizard.isVisible()
    (kept,) = intake_service.list_drafts(director_vault)
    kept_draft = intake_service.load_draft(director_vault, kept.id)
    assert kept_draft.protocol and all(s.surname == "" for s in kept_draft.subjects)

    again = make_wizard(qtbot, director_vault, draft=intake_service.load_draft(
        director_vault, kept.id), draft_id=kept.id)
    again.resume()
    form = again.page_for(IntakeStep.SUBJECTS).forms[0]
    qtbot.keyClicks(form.surname, "Visser")
    with dialogs.scripted(dialogs.SAVE):
        again.reject()
    assert not again.isVisible()
    assert intake_service.load_draft(director_vault, kept.id).subjects[0].surname == "Visser"

    untouched = make_wizard(qtbot, director_vault)
    with dialogs.scripted() as script:
        untouched.reject()
    assert script.shown == [] and not untouched.isVisible(), "nothing typed: no question"


# -- after the intake ---------------------------------------------------------------------------

def test_after_the_intake_the_new_case_is_named_and_selected(qtbot: QtBot,
                                                             director_vault: OpenVault) -> None:
    screen = CasesScreen(director_vault)
    qtbot.addWidget(screen)
    screen.show()
    screen.search_edit.setText("geen-enkele-casus")
    screen.apply_search()
    assert screen.proxy.rowCount() == 0
    screen.new_button.click()
    wizard = screen.wizard
    assert isinstance(wizard, IntakeWizard)
    fill_protocol(qtbot, wizard)
    fill_party(qtbot, wizard)
    _type_subject(qtbot, wizard, "14-02-1990")
    next_page(qtbot, wizard)
    fill_problems(qtbot, wizard)
    fill_criteria(qtbot, wizard)
    fill_question(qtbot, wizard)
    with qtbot.waitSignal(wizard.finished, timeout=5000):
        click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    number = wizard.created_case_number
    assert wizard.result_of_submit.outcome is IntakeOutcome.ACCEPT
    assert number and re.fullmatch(r"ZVH-\d{4}-\d{4}", number)
    assert screen.search_edit.text() == ""
    assert screen.selected_case_number() == number
    assert screen.message_label.isVisible()
    assert screen.message_label.text() == f"Casus {number} is aangemaakt en geselecteerd."
