"""The agenda wizard as an editor (issue 18, point 4): on 303c06b Ctrl+S did nothing there
and Cancel threw away whatever was typed without a word. Now Ctrl+S keeps the draft and
closing with changes asks Opslaan / Niet opslaan / Annuleren."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard
from pytestqt.qtbot import QtBot

from app.domain.meetings import WizardStep
from app.services import meetings as meeting_service
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director
from ui import dialogs
from ui.meetings.wizard import AgendaWizard
from ui.wizard_steps import steps_of

#: the offscreen platform cannot raise a window
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")

_OPEN: list[AgendaWizard] = []


@pytest.fixture(autouse=True)
def _cleared_after() -> Iterator[None]:
    yield
    while _OPEN:
        wizard = _OPEN.pop()
        if shiboken6.isValid(wizard):
            wizard.clear()
            wizard.close()
            wizard.deleteLater()


def _wizard(qtbot: QtBot, vault: OpenVault) -> AgendaWizard:
    wizard = AgendaWizard(vault)
    _OPEN.append(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def test_ctrl_s_keeps_the_agenda_draft(qtbot: QtBot, admin_vault: OpenVault) -> None:
    vault = as_process_director(admin_vault)
    wizard = _wizard(qtbot, vault)
    wizard.raise_()
    wizard.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard, timeout=3000)
    page = wizard.page_for(WizardStep.MEETING)
    page.place.setFocus()
    qtbot.keyClicks(page.place, "Zaal 3")
    with dialogs.scripted() as script:
        qtbot.keyClick(page.place, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert script.shown == [] and wizard.isVisible()
    saved = meeting_service.load_agenda_draft(vault)
    assert saved is not None and saved.place == "Zaal 3"
    steps = steps_of(wizard)
    assert steps is not None and "Concept opgeslagen" in steps.note.text()


def test_cancel_with_changes_asks_and_can_keep_them(qtbot: QtBot,
                                                    admin_vault: OpenVault) -> None:
    vault = as_process_director(admin_vault)
    wizard = _wizard(qtbot, vault)
    page = wizard.page_for(WizardStep.MEETING)
    page.place.setText("Zaal 3")
    cancel = wizard.button(QWizard.WizardButton.CancelButton)
    with dialogs.scripted(dialogs.CANCEL) as script:
        cancel.click()
    assert [s.kind for s in script.shown] == ["save_changes"]
    assert wizard.isVisible() and page.place.text() == "Zaal 3"
    with dialogs.scripted(dialogs.SAVE):
        cancel.click()
    assert not wizard.isVisible()
    saved = meeting_service.load_agenda_draft(vault)
    assert saved is not None and saved.place == "Zaal 3"

    again = _wizard(qtbot, vault)
    again.page_for(WizardStep.MEETING).chair.setText("A. de Voorzitter")
    with dialogs.scripted(dialogs.DISCARD):
        again.button(QWizard.WizardButton.CancelButton).click()
    assert not again.isVisible()
    assert meeting_service.load_agenda_draft(vault) is None, "Cancel, Niet opslaan: gone"

    untouched = _wizard(qtbot, vault)
    with dialogs.scripted() as script:
        untouched.reject()
    assert script.shown == [] and not untouched.isVisible()
