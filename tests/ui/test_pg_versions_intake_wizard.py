"""The intake wizard when a colleague (another workstation or window) rewrote the same
case's registration meanwhile (issue 22, point 4): the submission is refused with who and
when and nothing is written; Reload shows the case as it is now on every page and keeps the
user's own text beside it to copy, and the draft then carries the case's current version, so
the next submission goes through (never a draft that is always refused); Keep leaves the
wizard as typed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from app.domain.intake import IntakeOutcome, IntakeStep
from app.domain.lifecycle import CaseState
from app.domain.roles import Role
from app.services import cases as case_service
from app.services import intake as intake_service
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.unit.meeting_fixtures import as_process_director
from tests.unit.test_intake_service import draft_for
from ui import dialogs
from ui.cases.intake_wizard import IntakeWizard

COLLEAGUE = "collega"
MINE = "Mijn eigen vraag aan het overleg."
THEIRS = "Reden aangevuld door de collega."


@pytest.fixture(autouse=True)
def _no_scripted_dialogs() -> Iterator[None]:
    dialogs.reset()
    yield
    dialogs.reset()


@pytest.fixture
def refused(qtbot, admin_vault: OpenVault):  # type: ignore[no-untyped-def]
    """The director's wizard on the summary page with a changed question, whose submission
    came after the colleague rewrote the registration; ``answer`` is the Reload choice."""
    director = as_process_director(admin_vault)
    colleague = unlock_as(director, Role.PROCESS_DIRECTOR, COLLEAGUE)
    registered = intake_service.submit_intake(director, draft_for(director),
                                              IntakeOutcome.REGISTER)
    number = registered.case_number
    assert number is not None
    draft, draft_id = intake_service.draft_for_case(director, number)
    wizard = IntakeWizard(director, draft=draft, draft_id=draft_id)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.resume()
    assert wizard.current_step() is IntakeStep.CRITERIA
    for box in wizard.page_for(IntakeStep.CRITERIA).boxes.values():
        box.met.click()
        box.motivation.setPlainText("Motivering.")
    wizard.next()
    wizard.page_for(IntakeStep.QUESTION).question.setPlainText(MINE)
    wizard.next()
    wizard.next()
    assert wizard.current_step() is IntakeStep.SUMMARY

    theirs, _ = intake_service.draft_for_case(colleague, number)
    theirs.reason = THEIRS
    intake_service.submit_intake(colleague, theirs, IntakeOutcome.REGISTER)
    return wizard, director, number


def _finish(qtbot, wizard: IntakeWizard) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton),
                     Qt.MouseButton.LeftButton)


def test_reload_shows_the_case_as_it_is_and_keeps_the_typed_text(qtbot, refused) -> None:  # type: ignore[no-untyped-def]
    wizard, director, number = refused
    with dialogs.scripted(True) as script:
        _finish(qtbot, wizard)
    [asked] = script.shown
    assert asked.kind == "confirm" and COLLEAGUE in asked.text
    assert wizard.result_of_submit is None and wizard.current_step() is IntakeStep.SUMMARY
    # nothing of the refused submission written
    case = case_service.get_case(director, number)
    assert case.reason == THEIRS and case.question != MINE
    assert case.state is CaseState.REFERRED and case.criteria == ()
    # reloaded: every page shows the case as the colleague left it ...
    assert wizard.page_for(IntakeStep.PROBLEMS).reason.toPlainText() == THEIRS
    assert wizard.page_for(IntakeStep.QUESTION).question.toPlainText() == case.question
    # ... the user's own text beside it to copy, and the criteria as answered
    summary = wizard.page_for(IntakeStep.SUMMARY)
    assert summary.kept.isVisibleTo(wizard) and summary.kept.isReadOnly()
    assert MINE in summary.kept.toPlainText()
    assert all(e.met for e in wizard.draft.criteria.values())
    # the saved draft carries the case's version now: reopened, it is the reloaded one
    again, again_id = intake_service.draft_for_case(director, number)
    assert again_id == wizard.draft_id and again.reason == THEIRS
    # submitted again (not refused for ever): the intake goes through
    with qtbot.waitSignal(wizard.finished, timeout=5000):
        _finish(qtbot, wizard)
    result = wizard.result_of_submit
    assert result is not None and result.state is CaseState.TRIAGE
    assert case_service.get_case(director, number).reason == THEIRS


def test_keep_leaves_the_wizard_as_typed(qtbot, refused) -> None:  # type: ignore[no-untyped-def]
    wizard, director, number = refused
    with dialogs.scripted(False):
        _finish(qtbot, wizard)
    assert wizard.result_of_submit is None
    assert wizard.draft.question == MINE
    assert wizard.page_for(IntakeStep.PROBLEMS).reason.toPlainText() != THEIRS
    assert COLLEAGUE in wizard.page_for(IntakeStep.SUMMARY).page_error.text()
    assert case_service.get_case(director, number).reason == THEIRS
    # the draft kept in the vault is the user's, refused again until reloaded
    kept, _ = intake_service.draft_for_case(director, number)
    assert kept.question == MINE
    wizard.clear()      # (closing with changes would ask)


def test_closing_after_a_reload_asks_first(qtbot, refused) -> None:  # type: ignore[no-untyped-def]
    """The user's own text from before the reload is in no draft: closing asks."""
    wizard, _director, _number = refused
    with dialogs.scripted(True):
        _finish(qtbot, wizard)
    with dialogs.scripted(False) as script:
        wizard.reject()
    [asked] = script.shown
    assert asked.kind == "confirm"
    assert wizard.isVisible()
    wizard.clear()
