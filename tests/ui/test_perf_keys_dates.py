"""The Cases table writes each date once per language, not once per painted cell
(issue 23, point 3: the painted keystroke).

Every keystroke that changes the table's rows repaints its 250-odd cells, two of them dates
per row; Babel's formatting of those dates took about 0.7 ms of each painted table at
100,000 listed cases. The model now keeps each date's text, made once. The rule still
holds: a date reads as the reader's language writes it, also after a change of language.
The first test fails on 45f1d89 (the same date formatted for every cell).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.i18n import current_language, set_language
from app.services.cases import CaseRow
from ui.cases import case_table
from ui.cases.case_table import CaseTableModel, Column

DAY = date(2026, 3, 2)


def _row(number: int, received: date, meeting: date | None) -> CaseRow:
    return CaseRow(number, f"ZVH-2026-{number:04d}", "Jansen, Piet", Protocol.INTEGRALE_VEILIGHEID,
                   CaseState.IN_PROGRESS, "Politie", received, meeting, 1, 0,
                   f"zvh-2026-{number:04d} jansen piet")


@pytest.fixture
def dutch() -> Any:
    before = current_language()
    set_language("nl")
    yield
    set_language(before)


def _text(model: CaseTableModel, row: int, column: Column) -> Any:
    return model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)


def test_a_date_is_formatted_once_however_many_cells_show_it(
        monkeypatch: pytest.MonkeyPatch, qapp: Any, dutch: Any) -> None:
    made: list[date | None] = []
    real = case_table._date_text

    def counting(value: date | None) -> str:
        made.append(value)
        return real(value)

    monkeypatch.setattr(case_table, "_date_text", counting)
    model = CaseTableModel()
    model.set_rows([_row(i, DAY, DAY if i % 2 else None) for i in range(1, 41)])
    for _paint in range(3):  # three paints of the 40 rows' two date columns
        for r in range(40):
            assert _text(model, r, Column.RECEIVED) == "02-03-2026"
            assert _text(model, r, Column.NEXT_MEETING) == ("02-03-2026" if (r + 1) % 2 else "")
    assert sorted(made, key=str) == sorted([DAY, None], key=str)


def test_a_change_of_language_writes_the_dates_anew(qapp: Any, dutch: Any) -> None:
    model = CaseTableModel()
    rows = [_row(1, DAY, None)]
    model.set_rows(rows)
    assert _text(model, 0, Column.RECEIVED) == "02-03-2026"
    set_language("en")
    model.set_rows(rows)  # the screen shows its rows again in the new language
    assert _text(model, 0, Column.RECEIVED) == "02/03/2026"
