"""Issue 18, point 5: Ctrl+F reaches the case search box from anywhere in the main window
(switching to the Cases screen), and Enter in it opens the selected case, else the first
(the only) one found; the case list says why it can show fewer cases than were made.

On the old code (HEAD 303c06b) Ctrl+F worked only with the focus already inside the Cases
screen, and Enter in the search box did nothing."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.domain.cases import Subject, SubjectRole
from app.domain.intake import Referral
from app.domain.protocols import Protocol
from app.services import intake as intake_service
from app.vault.vault import OpenVault
from tests.ui.shell_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    ctx,
    make_window,
    no_quick_check,
    settings,
)
from tests.unit.handout_cases import as_process_director, party_ids
from ui.cases.screen import CasesScreen


def register(vault: OpenVault, given: str, surname: str) -> str:
    ids = party_ids(vault)
    return intake_service.register_referral(vault, Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=ids["Den Haag"],
        received=date(2026, 3, 2), reason="Zorgen", question="Plan",
        subjects=(Subject(given, surname, date(1984, 6, 1), SubjectRole.MAIN_SUBJECT),)))


def _record_opening(screen: CasesScreen) -> list[str]:
    opened: list[str] = []
    screen.open_intake = lambda number: opened.append(number)  # type: ignore[method-assign,assignment,return-value]
    screen.open_case = lambda number: opened.append(number)  # type: ignore[method-assign]
    return opened


def test_ctrl_f_from_another_screen_reaches_the_search_and_enter_opens_the_case(
        qtbot, admin_vault, make_window, no_quick_check) -> None:  # type: ignore[no-untyped-def]
    vault = as_process_director(admin_vault)
    first = register(vault, "Anna", "Jansen")
    second = register(vault, "Bert", "Visser")
    window = make_window(opened=vault)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert window.go_to("parties")
    parties = window.workspace.screens["parties"]
    parties.setFocus()
    focus = QApplication.focusWidget() or window
    qtbot.keyClick(focus, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace.current_section() == "cases"
    screen = window.workspace.screens["cases"]
    assert isinstance(screen, CasesScreen)
    qtbot.waitUntil(screen.search_edit.hasFocus)
    assert screen.wait_until_loaded()
    opened = _record_opening(screen)
    # typing a name and Enter: the only case found opens
    qtbot.keyClicks(screen.search_edit, "visser")
    qtbot.keyClick(screen.search_edit, Qt.Key.Key_Return)
    assert opened == [second]
    # a case chosen in the list, then Enter in the search box: that one
    screen.search_edit.clear()
    screen.apply_search()
    assert screen.select_case(first)
    screen.focus_search()
    qtbot.keyClick(screen.search_edit, Qt.Key.Key_Enter)
    assert opened == [second, first]
    # Ctrl+F again from inside the Cases screen: the box, its text selected to type over
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(screen.search_edit.hasFocus)
    # nothing found: Enter opens nothing and says so
    qtbot.keyClicks(screen.search_edit, "niemand-zo-genoemd")
    qtbot.keyClick(screen.search_edit, Qt.Key.Key_Return)
    assert opened == [second, first]
    assert screen.message_label.text() == "Geen casus gevonden met deze zoekopdracht."


def test_the_case_list_says_that_destroyed_cases_are_not_listed(qtbot, admin_vault) -> None:  # type: ignore[no-untyped-def]
    vault = as_process_director(admin_vault)
    register(vault, "Anna", "Jansen")
    screen = CasesScreen(vault)
    qtbot.addWidget(screen)
    screen.show()
    assert screen.count_note.isVisible()
    assert "vernietigd" in screen.count_note.text()
