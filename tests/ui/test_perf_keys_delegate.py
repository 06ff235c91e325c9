"""The Cases table's cells painted straight from its rows, exactly as Qt paints them
(issue 23, point 3: the painted keystroke).

A keystroke that changes the table's rows repaints about 250 cells. Qt's delegate asked the
model for seven roles per cell and laid out each text anew at every paint (10-11 ms of the
GUI thread at 100,000 listed cases); the table's own delegate reads a cell's text from its
row and keeps each laid-out text. What it draws must be what Qt's delegate draws: the tests
compare the painted table pixel by pixel with Qt's own delegate, with a selected row, an
overdue count (red) and the program's style sheet; a style that draws differently makes it
step aside. Fails on 45f1d89 (no such delegate: every cell asked the model).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyledItemDelegate

from app.services import cases as case_service
from app.vault.vault import OpenVault
from ui import focus_style
from ui.cases import case_table
from ui.cases.case_table import CaseCellDelegate, Column
from ui.cases.screen import CasesScreen
from tests.ui.cases_fixtures import paint_frame as _frame, table_image as _table_image

from tests.unit.demo_house import make_demo_house, unlocked

DIRECTOR, PASSPHRASE = "regisseur", "elke cel zoals Qt haar tekent"
TODAY = date.today()


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_house(tmp_path_factory.mktemp("delegate") / "kluis", cases=80, seed=3,
                           today=TODAY - timedelta(days=400), director=DIRECTOR,
                           passphrase=PASSPHRASE)


@pytest.fixture
def director(demo_folder: Path) -> Iterator[OpenVault]:
    with unlocked(demo_folder, DIRECTOR, PASSPHRASE) as opened:
        yield opened


@pytest.fixture
def screen(director: OpenVault, qapp: QApplication, qtbot: Any) -> Iterator[CasesScreen]:
    focus_style.install(qapp)  # as the program runs
    shown = CasesScreen(director)
    qtbot.addWidget(shown)
    shown.resize(1280, 800)
    shown.show()
    qtbot.waitExposed(shown)
    _frame(qapp, shown)
    try:
        yield shown
    finally:
        shown.clear()
        qapp.setStyleSheet("")




def _with_qts_delegate(screen: CasesScreen) -> QImage:
    ours = screen.table.itemDelegate()
    screen.table.setItemDelegate(QStyledItemDelegate(screen.table))
    try:
        return _table_image(screen)
    finally:
        screen.table.setItemDelegate(ours)


def _select_overdue_and_other(screen: CasesScreen) -> None:
    """Select a row, and make sure an overdue count is in sight (red in an unselected row)."""
    rows = screen.model.rows()
    overdue = [i for i, r in enumerate(rows) if r.overdue_actions > 0]
    assert overdue, "the demo house has no overdue actions to show"
    screen.table.scrollTo(screen.proxy.index(overdue[0], Column.NUMBER))
    top = screen.table.rowAt(0)
    screen.table.selectRow(top + 1 if top + 1 != overdue[0] else top + 2)


def test_the_table_is_painted_exactly_as_qts_delegate_paints_it(
        screen: CasesScreen, qapp: QApplication) -> None:
    assert isinstance(screen.table.itemDelegate(), CaseCellDelegate)
    _select_overdue_and_other(screen)
    ours = _table_image(screen)
    assert screen.table.itemDelegate().draws_itself() is True
    assert ours == _with_qts_delegate(screen)
    # The same after a search narrows the rows, without the focus on the table.
    screen.search_edit.setText("zvh")
    screen.apply_search()
    _frame(qapp, screen)
    assert _table_image(screen) == _with_qts_delegate(screen)


def test_a_painted_cell_asks_the_model_nothing_and_lays_out_no_text_twice(
        screen: CasesScreen, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    real = case_table.CaseTableModel.multi_at

    def counting(self: Any, r: int, c: int, span: Any) -> None:
        asked.append(c)
        real(self, r, c, span)

    monkeypatch.setattr(case_table.CaseTableModel, "multi_at", counting)
    made: list[str] = []
    real_text = case_table.QStaticText

    def laying_out(text: str) -> Any:
        made.append(text)
        return real_text(text)

    monkeypatch.setattr(case_table, "QStaticText", laying_out)
    screen.table.itemDelegate().forget()  # as after new rows
    screen.table.viewport().repaint()
    visible = screen.table.rowAt(screen.table.viewport().height() - 1) \
        - screen.table.rowAt(0) + 1
    # Only the status column (its colour square) is left to Qt's delegate, which asks.
    assert asked and set(asked) == {int(Column.STATUS)}
    assert len(asked) <= visible + 1
    first = len(made)
    assert first > 0
    screen.table.viewport().repaint()
    assert len(made) == first, "the same cells' texts were laid out again"


class _RoundedSelection(QProxyStyle):
    """A platform style that draws its selection differently (as some do: rounded)."""

    def drawPrimitive(self, element: Any, option: Any, painter: QPainter,  # noqa: N802
                      widget: Any = None) -> None:
        if element == QStyle.PrimitiveElement.PE_PanelItemViewItem \
                and option.state & QStyle.StateFlag.State_Selected:
            painter.setBrush(QColor("#2a7f62"))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(option.rect.adjusted(1, 1, -1, -1), 4, 4)
            return
        super().drawPrimitive(element, option, painter, widget)


def test_under_a_style_that_draws_otherwise_it_leaves_the_cells_to_qt(
        screen: CasesScreen, qapp: QApplication) -> None:
    qapp.setStyleSheet("")  # a proxy style of our own, without the sheet's wrapper
    style = _RoundedSelection()
    screen.table.setStyle(style)
    _select_overdue_and_other(screen)
    ours = _table_image(screen)
    assert screen.table.itemDelegate().draws_itself() is False
    assert ours == _with_qts_delegate(screen)


def test_the_lock_leaves_no_text_in_the_delegate(screen: CasesScreen,
                                                 director: OpenVault) -> None:
    screen.table.viewport().repaint()
    names = {r.main_subject for r in case_service.list_cases(director)}
    delegate = screen.table.itemDelegate()
    assert any(text in names for text, _width in delegate._texts)
    screen.clear()  # the lock
    assert not delegate._texts
