"""Roles on case substance in the desktop program (issue 16, point 5): the information centre
opens the main window, walks every section it is given, selects every case and meeting, and
tries every way into a case, its minutes, its plan and the agendas; no widget's text and no
model's data shows a canary planted in the case's names, BSN, birth date, address, referral,
items, routing, agenda goals, themes, contributions, minutes or plan (covenant 1.14 and
14.1: the information centre supports the work processes; 12.2c-e, 16.2, 17.1). Each refused
way says why in the window, never with a traceback.

The finding (on commit 7ca920e): "the desktop program offers it the minutes" (the case
screen's Minutes button, for any role that may view cases).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTableWidget,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.vault.vault import Vault
from tests.ui.cases_fixtures import (  # noqa: F401
    CENTRE,
    CENTRE_PASSPHRASE,
    DIRECTOR,
    DIRECTOR_PASSPHRASE,
    _no_scripted_dialogs,
    accounts_vault,
    cases_vault_template,
)
from tests.ui.shell_fixtures import (  # noqa: F401
    ctx,
    make_window,
    no_quick_check,
    settings,
)
from tests.unit.test_privacy_roles import CANARIES, World, build_world, leaks
from ui import dialogs
from ui.cases.case_view import CaseViewScreen
from ui.cases.screen import CasesScreen
from ui.main_window import MainWindow
from ui.meetings.screen import MeetingsScreen

#: Item data roles read from every model: what a view shows, says or tells a screen reader.
ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
         Qt.ItemDataRole.StatusTipRole, Qt.ItemDataRole.WhatsThisRole,
         Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.AccessibleDescriptionRole,
         Qt.ItemDataRole.EditRole, *range(Qt.ItemDataRole.UserRole,
                                           Qt.ItemDataRole.UserRole + 8))


@pytest.fixture(autouse=True)
def _no_check_on_a_timer(no_quick_check: None) -> None:
    """The vault's quick check after an unlock is not what these tests are about."""


@pytest.fixture
def world_vault(accounts_vault: Path, tmp_path: Path) -> Iterator[World]:  # noqa: F811
    """The canary case, made by the process director; the vault then locked."""
    director = Vault(accounts_vault).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    world = build_world(director, tmp_path)
    director.lock(audit_it=False)
    yield world


def model_texts(model: QAbstractItemModel, parent: QModelIndex | None = None) -> list[Any]:
    parent = parent or QModelIndex()
    found: list[Any] = []
    for column in range(model.columnCount(parent)):
        for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            found.append(model.headerData(column, Qt.Orientation.Horizontal, role))
    for row in range(model.rowCount(parent)):
        for column in range(max(model.columnCount(parent), 1)):
            index = model.index(row, column, parent)
            found.extend(model.data(index, role) for role in ROLES)
            if column == 0 and model.hasChildren(index):
                found.extend(model_texts(model, index))
    return found


def widget_texts(root: QWidget) -> list[Any]:
    """Every text ``root`` and its children show or carry: labels, fields, buttons, lists,
    the data of every item model, tooltips, accessible names, window titles."""
    found: list[Any] = []
    for w in [root, *root.findChildren(QWidget)]:
        found += [w.windowTitle(), w.toolTip(), w.accessibleName(),
                  w.accessibleDescription(), w.whatsThis(), w.statusTip()]
        if isinstance(w, (QLabel, QAbstractButton)):
            found.append(w.text())
        if isinstance(w, QLineEdit):
            found += [w.text(), w.placeholderText()]
        if isinstance(w, (QPlainTextEdit, QTextEdit)):
            found.append(w.toPlainText())
        if isinstance(w, QComboBox):
            found += [w.itemText(i) for i in range(w.count())]
            found += [w.itemData(i) for i in range(w.count())]
        if isinstance(w, QListWidget):
            for i in range(w.count()):
                item = w.item(i)
                found += [item.data(role) for role in ROLES]
        elif isinstance(w, QTableWidget):
            for r in range(w.rowCount()):
                for c in range(w.columnCount()):
                    item = w.item(r, c)
                    found += [item.data(role) for role in ROLES] if item else []
                    found.append(w.cellWidget(r, c) and widget_texts(w.cellWidget(r, c)))
        elif isinstance(w, QTreeWidget):
            for item in tree_items(w):
                found += [item.data(c, role) for c in range(w.columnCount()) for role in ROLES]
    for model in root.findChildren(QAbstractItemModel):
        try:
            found += model_texts(model)
        except TypeError:
            continue    # Qt's own private models (the item widgets'), read above
    return found


def tree_items(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    found: list[QTreeWidgetItem] = []
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        item = stack.pop()
        found.append(item)
        stack += [item.child(i) for i in range(item.childCount())]
    return found


def everything_shown() -> list[Any]:
    found: list[Any] = []
    for top in QApplication.topLevelWidgets():
        found += widget_texts(top)
    return found


def open_as(accounts: Path, name: str, passphrase: str, make_window: Any) -> MainWindow:
    return make_window(Vault(accounts).unlock(name, passphrase))


def walk(qtbot: QtBot, window: MainWindow) -> list[Any]:
    """Visit every section; in Cases select and activate every case (and ask for its
    intake), in Meetings select every meeting and ask for live mode and the agendas."""
    assert window.workspace is not None
    seen: list[Any] = []
    for section in window.workspace.section_ids():
        assert window.go_to(section)
        screen = window.workspace.screens[section]
        if isinstance(screen, CasesScreen):
            screen.refresh()
            screen.wait_until_loaded()
            for row in range(screen.proxy.rowCount()):
                index = screen.proxy.index(row, 0)
                screen.table.selectRow(row)
                seen += everything_shown()
                screen.table.doubleClicked.emit(index)
                seen += everything_shown()
                number = str(index.data(Qt.ItemDataRole.DisplayRole))
                screen.open_intake(number)
                seen += everything_shown()
        if isinstance(screen, MeetingsScreen):
            for row in range(screen.model.rowCount()):
                screen.table.selectRow(row)
                seen += everything_shown()
                with dialogs.scripted(None):
                    screen.export_agendas()
                screen.start_live()
                seen += everything_shown()
        seen += everything_shown()
    return seen


def test_the_window_shows_the_director_every_canary(
        qtbot: QtBot, world_vault: World, accounts_vault: Path,  # noqa: F811
        make_window: Any) -> None:  # noqa: F811
    """Not vacuous: the same walk as the process director finds the names in the Cases
    table and, through the case screen and its minutes, what the centre must not see."""
    window = open_as(accounts_vault, DIRECTOR, DIRECTOR_PASSPHRASE, make_window)
    screen = window.workspace.screens.get("cases") if window.go_to("cases") else None
    assert isinstance(screen, CasesScreen)
    screen.refresh()
    shown = leaks(everything_shown())
    assert {"surname", "given_names"} <= shown
    screen.open_case(world_vault.number)
    views = [v for v in screen.findChildren(CaseViewScreen) if v.isVisible()]
    assert len(views) == 1
    assert {"address", "item_police"} <= leaks(everything_shown())
    views[0].close()
    window.lock()


def test_the_information_centre_sees_no_substance_anywhere(
        qtbot: QtBot, world_vault: World, accounts_vault: Path,  # noqa: F811
        make_window: Any) -> None:  # noqa: F811
    """Issue 16 point 5, covenant 12.2c-e, 16.2, 17.1: the whole window, walked as the
    information centre, shows the case by number and initials only; the case screen, its
    minutes, the intake, live mode and the agendas are not opened, and the window says
    why."""
    window = open_as(accounts_vault, CENTRE, CENTRE_PASSPHRASE, make_window)
    assert window.workspace is not None
    assert "followup" not in window.workspace.section_ids()
    seen = walk(qtbot, window)
    assert leaks(seen) == set()
    # the case is there, by number and initials
    texts = [str(t) for t in seen if t]
    assert any(world_vault.number in t for t in texts)
    assert any(t == "X. K." or "X. K." in t for t in texts)
    # no case window was opened; the Cases screen said why
    cases = window.workspace.screens["cases"]
    assert isinstance(cases, CasesScreen)
    assert not [v for v in cases.findChildren(CaseViewScreen) if v.isVisible()]
    assert cases.wizard is None
    assert "procesregisseur" in cases.message_label.text()
    assert not cases.intake_button.isVisibleTo(cases)
    # the Meetings screen offers no agenda wizard, live mode or agendas, and says why
    meetings = window.workspace.screens["meetings"]
    assert isinstance(meetings, MeetingsScreen)
    for button in (meetings.new_button, meetings.live_button, meetings.pdf_button,
                   meetings.move_button, meetings.remove_button):
        assert not button.isVisibleTo(meetings)
    assert meetings.live is None
    assert "procesregisseur" in meetings.message.text()
    window.lock()


def test_the_minutes_are_no_longer_offered_to_the_centre(
        qtbot: QtBot, world_vault: World, accounts_vault: Path,  # noqa: F811
        make_window: Any) -> None:  # noqa: F811
    """The finding: the case screen (with its Minutes button) does not open for the
    information centre, by double-click or by asking for it; the minutes of the case stay
    out of every window."""
    window = open_as(accounts_vault, CENTRE, CENTRE_PASSPHRASE, make_window)
    assert window.go_to("cases")
    screen = window.workspace.screens["cases"]
    assert isinstance(screen, CasesScreen)
    screen.refresh()
    screen.open_case(world_vault.number)
    assert not [v for v in screen.findChildren(CaseViewScreen) if v.isVisible()]
    for key in ("minutes_action", "minutes_decision", "minutes_note", "closure_criteria"):
        assert CANARIES[key] not in " ".join(str(t) for t in everything_shown() if t)
    window.lock()
