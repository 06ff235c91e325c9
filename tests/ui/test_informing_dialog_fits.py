"""The informing dialog fits its window: its explanation wraps and its fields follow the
dialog's width, so nothing is cut off at the right and no sideways scrolling is needed (seen
under Xvfb: the explanation ran off the dialog and a horizontal scroll bar appeared)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton, QScrollArea

from tests.ui.test_referral_more_informing import imported  # noqa: F401
from ui.cases.case_view import CaseViewScreen
from ui.cases.informing_dialog import InformingDialog


def test_the_dialog_needs_no_sideways_scrolling(imported, qtbot) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    vault, number = imported
    screen = CaseViewScreen(vault, number)
    qtbot.addWidget(screen)
    screen.show()
    screen.findChild(QPushButton, "record_informing").click()
    dialog = screen.step_window
    assert isinstance(dialog, InformingDialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    scroll = dialog.findChild(QScrollArea)
    assert scroll is not None
    assert not scroll.horizontalScrollBar().isVisible()
    assert scroll.widget().width() <= scroll.viewport().width()
    explanation = [label for label in scroll.widget().findChildren(QLabel)
                   if "AVG" in label.text()]
    assert explanation and explanation[0].wordWrap()
    assert explanation[0].geometry().right() <= scroll.viewport().width()
    dialog.reject()
