"""Sorting the Cases table (issue 23, memory with 100,000 listed): every column, both ways,
gives the order the table's rule says (case numbers in number order, names and parties
case-insensitively, status in the lifecycle's order, dates as dates with no next meeting
last, counts as numbers; equal keys keep the newest-first order), and the sort builds no
row object: only the rows a view paints are built (on e9db4e2 the sort built all)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.domain.lifecycle import CaseState
from app.services import cases as case_service
from app.services.cases import CaseRow
from app.vault.vault import OpenVault
from ui.cases.case_table import CaseTableModel, Column

from tests.unit.demo_house import make_demo_house, unlocked

DIRECTOR, PASSPHRASE = "regisseur", "sorteren zonder rijen te bouwen"
TODAY = date.today()

#: The rule per column, written out here (not the model's own key functions).
RULE: dict[Column, Callable[[CaseRow], Any]] = {
    Column.NUMBER: lambda r: (int(r.number.split("-")[1]), int(r.number.split("-")[2])),
    Column.MAIN_SUBJECT: lambda r: r.main_subject.casefold(),
    Column.PROTOCOL: lambda r: r.protocol.label.casefold(),
    Column.STATUS: lambda r: list(CaseState).index(r.state),
    Column.REFERRING_PARTY: lambda r: r.referring_party.casefold(),
    Column.RECEIVED: lambda r: r.received,
    Column.NEXT_MEETING: lambda r: (r.next_meeting is None, r.next_meeting or TODAY),
    Column.OPEN_ACTIONS: lambda r: r.open_actions,
    Column.OVERDUE_ACTIONS: lambda r: r.overdue_actions,
}


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_house(tmp_path_factory.mktemp("sort") / "kluis", cases=300, seed=7,
                           today=TODAY, director=DIRECTOR, passphrase=PASSPHRASE)


@pytest.fixture
def director(demo_folder: Path) -> Iterator[OpenVault]:
    with unlocked(demo_folder, DIRECTOR, PASSPHRASE) as opened:
        yield opened


def _built(rows: Any) -> int:
    return sum(1 for r in rows._built if r is not None)


@pytest.mark.parametrize("descending", [False, True])
def test_every_column_sorts_by_its_rule_without_building_rows(
        director: OpenVault, qapp: Any, descending: bool) -> None:
    plain = list(case_service.list_cases(director, today=TODAY))
    assert len({r.state for r in plain}) > 2 and any(r.next_meeting for r in plain)
    order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    for column in Column:
        model = CaseTableModel()
        model.set_rows(case_service.list_cases(director, today=TODAY))
        model.sort(column, order)
        assert _built(model.rows()) == 0, column
        expected = sorted(plain, key=RULE[column], reverse=descending)
        assert [model.row_at(i) for i in range(model.rowCount())] == expected, column


def test_rows_built_before_a_sort_move_with_it(director: OpenVault, qapp: Any) -> None:
    model = CaseTableModel()
    model.set_rows(case_service.list_cases(director, today=TODAY))
    first = model.row_at(0)
    model.sort(Column.NUMBER, Qt.SortOrder.AscendingOrder)
    assert _built(model.rows()) == 1
    assert model.row_at(model.rowCount() - 1) is first  # the newest number, now last
    assert model.rows().search_keys()[-1] == first.search_key


def test_cells_are_selectable_and_every_column_is_there(director: OpenVault, qapp: Any) -> None:
    from ui.cases.case_table import CaseFilterProxy

    model = CaseTableModel()
    model.set_rows(case_service.list_cases(director, today=TODAY))
    proxy = CaseFilterProxy()
    proxy.setSourceModel(model)
    wanted = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
    for table in (model, proxy):
        assert table.columnCount() == len(Column) == 9
        assert table.flags(table.index(3, 2)) == wanted
        assert table.flags(table.index(-1, 0)) == Qt.ItemFlag.NoItemFlags
