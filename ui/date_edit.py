"""One date input for every screen: typed as dd-mm-jjjj (the way the program shows dates),
ISO (``1990-02-14``) accepted too, or picked from a calendar.

:class:`DateEdit` is a line edit with a calendar button beside it. What is typed is read by
:func:`parse_date`: day-month-year with ``-``, ``/`` or ``.`` between (one- or two-digit day
and month, a four-digit year), or the ISO form year-month-day. When the field loses the
focus a valid date is rewritten the way ``app.formatting.format_date`` writes it
(``14-02-1990`` in Dutch), so the field shows what every other screen shows. A text that is
no date stays as typed, the field is marked and its tooltip says how to type it; ``date()``
is then None and ``error()`` gives the one-line message a form can show.

The field may stay empty (``date()`` None, ``error()`` empty) unless ``required``. The
calendar opens with the button, Alt+Down or F4, and is closed with Escape; it starts at the
date typed (or today).
"""

from __future__ import annotations

import datetime
import re
from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent
from PySide6.QtWidgets import (QCalendarWidget, QFrame, QHBoxLayout, QLineEdit, QToolButton,
                               QVBoxLayout, QWidget)

from app.errors import ValidationError
from app.formatting import format_date
from app.i18n import _
from ui import a11y

_DMY = re.compile(r"^\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def placeholder() -> str:
    """How a date is typed, in the program's language (``dd-mm-jjjj`` in Dutch)."""
    return _("dd-mm-yyyy")


def parse_date(text: str) -> date | None:
    """The date in ``text`` (dd-mm-yyyy, d/m/yyyy, dd.mm.yyyy or ISO yyyy-mm-dd); None for
    an empty text. ``ValueError`` with a one-line message for anything else."""
    if not text.strip():
        return None
    iso = _ISO.match(text)
    dmy = _DMY.match(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dmy:
            return date(int(dmy[3]), int(dmy[2]), int(dmy[1]))
    except ValueError:
        pass
    raise ValueError(_("\u201c{text}\u201d is not a date: type it as {form} (or yyyy-mm-dd), "
                       "or pick it from the calendar.").format(text=text.strip(),
                                                               form=placeholder()))


class DateEdit(QWidget):
    """A date field: dd-mm-jjjj or ISO typed, or picked from a calendar."""

    #: the date changed (a ``datetime.date``, or None when emptied or not a date)
    date_changed = Signal(object)

    def __init__(self, value: date | None = None, parent: QWidget | None = None, *,
                 required: bool = False, minimum: date | None = None,
                 maximum: date | None = None, name: str = "") -> None:
        super().__init__(parent)
        self.required = required
        self.minimum = minimum
        self.maximum = maximum
        self.line = QLineEdit()
        self.line.setPlaceholderText(placeholder())
        self.line.setClearButtonEnabled(not required)
        if name:
            self.setObjectName(name)
            self.line.setObjectName(f"{name}_text")
        self.button = QToolButton()
        self.button.setObjectName(f"{name}_calendar" if name else "calendar_button")
        # the desktop's calendar icon where it has one; else a down arrow, as a combo box
        icon = QIcon.fromTheme("x-office-calendar")
        if icon.isNull():
            self.button.setText("\u25be")
        else:
            self.button.setIcon(icon)
        self.button.setToolTip(_("Pick the date from a calendar (Alt+Down)"))
        a11y.name(self.button, _("Calendar"))
        # The button is reached by Alt+Down from the field; Tab goes on to the next field.
        self.button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.button)
        self.setFocusProxy(self.line)
        # The frame's own name (the typed field gets its form label's, through a11y.tie).
        super().setAccessibleName(_("Date"))
        self.popup: QFrame | None = None
        self.calendar: QCalendarWidget | None = None
        self._last: date | None = None
        self.line.textEdited.connect(self._edited)
        self.line.editingFinished.connect(self.normalise)
        self.button.clicked.connect(self.open_calendar)
        self.line.installEventFilter(self)
        self.setDate(value)

    # -- reading and setting ----------------------------------------------------------------

    def date(self) -> date | None:
        """The date in the field; None when it is empty or holds no (allowed) date."""
        try:
            return self._checked(self.line.text())
        except ValueError:
            return None

    def error(self) -> str:
        """Why the field holds no usable date ("" when it is fine)."""
        try:
            self._checked(self.line.text())
        except ValueError as exc:
            return str(exc)
        return ""

    def value(self, field: str = "") -> datetime.date:
        """The date in the field, or ``ValidationError`` on ``field`` with the one-line
        reason (empty, not a date, out of bounds) for a form to show beside the field."""
        problem = self.error()
        value = self.date()
        if problem or value is None:
            raise ValidationError(problem or _("Type a date ({form}).").format(
                form=placeholder()), field=field or None)
        return value

    def setDate(self, value: datetime.date | QDate | None) -> None:  # noqa: N802 (Qt's naming)
        if isinstance(value, QDate):
            value = (datetime.date(value.year(), value.month(), value.day())
                     if value.isValid() else None)
        self.line.setText(format_date(value, empty="") if value is not None else "")
        self._show_state()
        self._emit_if_changed()

    def text(self) -> str:
        return self.line.text()

    def setText(self, text: str) -> None:  # noqa: N802
        """Put ``text`` in the field as if typed (not rewritten until the focus leaves)."""
        self.line.setText(text)
        self._edited()

    def clear(self) -> None:
        self.setDate(None)

    def setAccessibleName(self, name: str) -> None:  # noqa: N802
        """The name is the typed field's (a screen reader lands there, not on the frame)."""
        super().setAccessibleName(name)
        self.line.setAccessibleName(name)

    def _checked(self, text: str) -> datetime.date | None:
        value = parse_date(text)
        if value is None:
            if self.required:
                raise ValueError(_("Type a date ({form}).").format(form=placeholder()))
            return None
        if self.minimum is not None and value < self.minimum:
            raise ValueError(_("The date may not be before {day}.")
                             .format(day=format_date(self.minimum)))
        if self.maximum is not None and value > self.maximum:
            raise ValueError(_("The date may not be after {day}.")
                             .format(day=format_date(self.maximum)))
        return value

    # -- typing -----------------------------------------------------------------------------

    def _edited(self, *_args: object) -> None:
        self._show_state()
        self._emit_if_changed()

    def normalise(self) -> None:
        """Write a valid date the way the program shows dates."""
        value = self.date()
        if value is not None:
            shown = format_date(value)
            if shown != self.line.text():
                self.line.setText(shown)
        self._show_state()

    def _show_state(self) -> None:
        problem = self.error() if self.line.text().strip() else ""
        self.line.setProperty("invalid", bool(problem))
        self.line.setStyleSheet(f"QLineEdit {{ border: 2px solid {a11y.error_colour()}; }}"
                                if problem else "")
        self.line.setToolTip(problem or _("Type the date as {form} or yyyy-mm-dd, or pick it "
                                          "from the calendar (Alt+Down).")
                             .format(form=placeholder()))
        self.line.setAccessibleDescription(problem)

    def _emit_if_changed(self) -> None:
        value = self.date()
        if value != self._last:
            self._last = value
            self.date_changed.emit(value)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.line and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            alt_down = (event.key() == Qt.Key.Key_Down
                        and event.modifiers() & Qt.KeyboardModifier.AltModifier)
            if alt_down or event.key() == Qt.Key.Key_F4:
                self.open_calendar()
                return True
        return super().eventFilter(watched, event)

    # -- the calendar -----------------------------------------------------------------------

    def open_calendar(self) -> QCalendarWidget:
        """Show the calendar under the field, at the date typed (or today)."""
        if self.popup is None:
            self.popup = QFrame(self, Qt.WindowType.Popup)
            self.popup.setFrameShape(QFrame.Shape.StyledPanel)
            self.calendar = QCalendarWidget(self.popup)
            self.calendar.setObjectName("date_calendar")
            self.calendar.setGridVisible(True)
            self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
            box = QVBoxLayout(self.popup)
            box.setContentsMargins(2, 2, 2, 2)
            box.addWidget(self.calendar)
            self.calendar.clicked.connect(self.pick)
            self.calendar.activated.connect(self.pick)
        assert self.calendar is not None
        if self.minimum is not None:
            self.calendar.setMinimumDate(_qdate(self.minimum))
        if self.maximum is not None:
            self.calendar.setMaximumDate(_qdate(self.maximum))
        start = self.date() or date.today()
        self.calendar.setSelectedDate(_qdate(start))
        self.popup.adjustSize()
        self.popup.move(self.mapToGlobal(self.rect().bottomLeft()))
        self.popup.show()
        self.calendar.setFocus()
        return self.calendar

    def pick(self, chosen: QDate) -> None:
        """A day chosen in the calendar: into the field, calendar closed, focus back."""
        self.setDate(date(chosen.year(), chosen.month(), chosen.day()))
        if self.popup is not None:
            self.popup.hide()
        self.line.setFocus()
