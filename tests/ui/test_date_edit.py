"""The one date input (issue 18, point 3): a date is typed the way the program shows it
(dd-mm-jjjj), ISO is accepted too, and a calendar picks it. On 7ca920e there was no such
widget: the intake refused "14-02-1990" ("is geen datum in de vorm JJJJ-MM-DD")."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt

from app.i18n import set_language
from ui.date_edit import DateEdit, parse_date


@pytest.fixture
def edit(qtbot) -> DateEdit:  # type: ignore[no-untyped-def]
    widget = DateEdit(name="birth_date")
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_a_dutch_date_typed(qtbot, edit: DateEdit) -> None:  # type: ignore[no-untyped-def]
    assert edit.line.placeholderText() == "dd-mm-jjjj"
    with qtbot.waitSignal(edit.date_changed) as changed:
        qtbot.keyClicks(edit.line, "14-02-1990")
    assert changed.args == [date(1990, 2, 14)]
    assert edit.date() == date(1990, 2, 14) and edit.error() == ""
    edit.normalise()
    assert edit.text() == "14-02-1990"


def test_an_iso_date_typed_is_shown_as_dd_mm_yyyy(qtbot, edit: DateEdit) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(edit.line, "1990-02-14")
    assert edit.date() == date(1990, 2, 14)
    edit.line.editingFinished.emit()
    assert edit.text() == "14-02-1990"


@pytest.mark.parametrize("text", ["4-2-1990", "04/02/1990", "4.2.1990", " 1990-2-4 "])
def test_other_usual_ways_of_typing(text: str) -> None:
    assert parse_date(text) == date(1990, 2, 4)


@pytest.mark.parametrize("text", ["31-02-1990", "14-02-90", "gisteren", "1990/02/14"])
def test_no_date_is_refused_in_one_line(qtbot, edit: DateEdit, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(edit.line, text)
    assert edit.date() is None
    message = edit.error()
    assert "\n" not in message and "dd-mm-jjjj" in message and text in message
    assert edit.line.property("invalid") is True
    assert edit.line.toolTip() == message


def test_empty_is_allowed_unless_required(qtbot) -> None:  # type: ignore[no-untyped-def]
    optional, required = DateEdit(), DateEdit(required=True)
    qtbot.addWidget(optional)
    qtbot.addWidget(required)
    assert optional.date() is None and optional.error() == ""
    assert required.error() != ""


def test_bounds(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = DateEdit(maximum=date(2026, 12, 7))
    qtbot.addWidget(widget)
    widget.setText("08-12-2026")
    assert widget.date() is None and "07-12-2026" in widget.error()


def test_calendar_picks_a_date_by_keyboard(qtbot, edit: DateEdit) -> None:  # type: ignore[no-untyped-def]
    edit.setDate(date(2026, 3, 5))
    edit.line.setFocus()
    qtbot.keyClick(edit.line, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert edit.popup is not None and edit.popup.isVisible()
    assert edit.calendar is not None
    assert edit.calendar.selectedDate() == QDate(2026, 3, 5)
    edit.calendar.activated.emit(QDate(2026, 3, 9))
    assert edit.date() == date(2026, 3, 9) and edit.text() == "09-03-2026"
    assert not edit.popup.isVisible()


def test_english_shows_the_english_form_and_reads_the_dutch_one(qtbot) -> None:  # type: ignore[no-untyped-def]
    set_language("en")
    try:
        widget = DateEdit(date(1990, 2, 14))
        qtbot.addWidget(widget)
        assert widget.text() == "14/02/1990"
        assert widget.line.placeholderText() == "dd-mm-yyyy"
        widget.setText("14-02-1990")
        assert widget.date() == date(1990, 2, 14)
    finally:
        set_language("nl")
