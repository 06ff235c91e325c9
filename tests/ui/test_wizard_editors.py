"""Editors save where the user is (issue 18, point 4): the plan's save button sat below the
fold, Ctrl+S did nothing, and closing with changes offered only "Sluiten zonder opslaan" or
"Annuleren". Now Ctrl+S saves from any field, a Save button is always in sight, and closing
with changes asks Opslaan / Niet opslaan / Annuleren."""
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.i18n import _
from app.services import plan as plan_service
from app.vault.vault import OpenVault
from tests.ui.test_plan_ui import case  # noqa: F401
from ui import dialogs
from ui.cases.case_actions import PlanDialog


_OPEN: list[PlanDialog] = []


@pytest.fixture(autouse=True)
def _closed_quietly(qtbot: QtBot) -> Iterator[None]:
    """What a test leaves open closes without asking (cleared first, as by a lock)."""
    yield
    while _OPEN:
        dialog = _OPEN.pop()
        if shiboken6.isValid(dialog):
            dialog.clear()
            dialog.close()
            dialog.deleteLater()


def _dialog(qtbot: QtBot, vault: OpenVault, number: str) -> PlanDialog:
    dialog = PlanDialog(vault, number)
    _OPEN.append(dialog)  # not qtbot.addWidget: its close would ask about unsaved edits
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.raise_()
    dialog.activateWindow()      # shortcuts work in the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=3000)
    return dialog


def test_ctrl_s_saves_the_plan_from_any_field(qtbot: QtBot, case: tuple) -> None:
    vault, number, _ids = case
    dialog = _dialog(qtbot, vault, number)
    before = plan_service.get_plan(vault, number).version
    field = dialog.editor.closure
    field.setFocus()
    qtbot.keyClicks(field, "Zes maanden zonder incidenten")
    assert dialog.editor.has_unsaved_changes
    with dialogs.scripted() as script:
        qtbot.keyClick(field, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert script.shown == []
    saved = plan_service.get_plan(vault, number)
    assert saved.version == before + 1
    assert saved.closure_criteria == "Zes maanden zonder incidenten"
    assert not dialog.editor.has_unsaved_changes
    # the dialog's own Save is in its button row, outside the scrolled form
    assert dialog.save_button.isVisible() and dialog.save_button.parent() is not dialog.editor


def test_closing_with_changes_asks_save_discard_or_cancel(qtbot: QtBot, case: tuple) -> None:
    vault, number, _ids = case
    dialog = _dialog(qtbot, vault, number)
    before = plan_service.get_plan(vault, number).version
    dialog.editor.closure.setPlainText("Eerste versie")

    with dialogs.scripted(dialogs.CANCEL) as script:
        dialog.reject()
    assert [s.kind for s in script.shown] == ["save_changes"]
    assert dialog.isVisible(), "Annuleren keeps the window and the edits"
    assert dialog.editor.closure.toPlainText() == "Eerste versie"

    with dialogs.scripted(dialogs.SAVE):
        dialog.reject()
    assert not dialog.isVisible()
    assert plan_service.get_plan(vault, number).closure_criteria == "Eerste versie"
    assert plan_service.get_plan(vault, number).version == before + 1

    again = _dialog(qtbot, vault, number)
    again.editor.closure.setPlainText("Niet bewaard")
    with dialogs.scripted(dialogs.DISCARD):
        again.reject()
    assert not again.isVisible()
    assert plan_service.get_plan(vault, number).closure_criteria == "Eerste versie"

    unchanged = _dialog(qtbot, vault, number)
    with dialogs.scripted() as script:
        unchanged.reject()
    assert script.shown == [] and not unchanged.isVisible(), "nothing to save: no question"


def test_the_real_question_has_the_three_dutch_buttons(qtbot: QtBot) -> None:
    seen: list[list[str]] = []

    def answer() -> None:
        boxes = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, QMessageBox) and w.isVisible()]
        if not boxes:
            QTimer.singleShot(10, answer)
            return
        box = boxes[0]
        seen.append(sorted(b.text().replace("&", "") for b in box.buttons()))
        box.button(QMessageBox.StandardButton.Discard).click()

    QTimer.singleShot(0, answer)
    got = dialogs.ask_to_save(None, _("Unsaved changes"), "x")
    assert got == dialogs.DISCARD
    assert seen == [sorted(["Opslaan", "Niet opslaan", "Annuleren"])]
