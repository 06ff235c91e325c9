"""The meeting-room screen: a second top-level window, full screen on a chosen monitor, that
everyone in the room sees. It only renders a ``RoomView`` computed by
``app.services.meeting_room`` (the sharing policy decides what is in it); it decides
nothing itself. B (or the director's button) blanks it at once and brings it back.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QScreen
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.meeting_room import RoomStatus, RoomView

_STYLE = """
QWidget#meeting_room { background: #10161f; }
QLabel { color: #f2f2f2; }
QLabel#case_title { font-size: 30pt; font-weight: bold; }
QLabel#case_goal { font-size: 18pt; }
QLabel#case_meta { font-size: 14pt; color: #b9c4d0; }
QLabel#blank_reason { font-size: 16pt; color: #7d8894; }
QListWidget { background: #182230; color: #f2f2f2; font-size: 15pt; border: none; }
QListWidget::item { padding: 10px; border-bottom: 1px solid #2b3a4d; }
"""


class MeetingRoomWindow(QWidget):
    """What the room sees. ``show_view`` renders a view; ``set_blank`` hides everything."""

    def __init__(self, on_blank_key: Callable[[], None] | None = None) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setObjectName("meeting_room")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(_STYLE)
        # No personal data in a window title.
        self.setWindowTitle(_("Meeting-room screen"))
        self.on_blank_key = on_blank_key
        self.stack = QStackedLayout(self)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(48, 36, 48, 36)
        self.title = QLabel("")
        self.title.setObjectName("case_title")
        self.title.setWordWrap(True)
        self.goal = QLabel("")
        self.goal.setObjectName("case_goal")
        self.goal.setWordWrap(True)
        self.meta = QLabel("")
        self.meta.setObjectName("case_meta")
        self.meta.setWordWrap(True)
        self.items = QListWidget()
        self.items.setObjectName("room_items")
        self.items.setWordWrap(True)
        self.items.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.items.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for widget in (self.title, self.goal, self.meta):
            layout.addWidget(widget)
        layout.addSpacing(12)
        layout.addWidget(self.items, 1)
        self.blank_page = QWidget()
        blank_layout = QVBoxLayout(self.blank_page)
        self.blank_reason = QLabel("")
        self.blank_reason.setObjectName("blank_reason")
        self.blank_reason.setAlignment(Qt.AlignmentFlag.AlignCenter)
        blank_layout.addWidget(self.blank_reason)
        self.stack.addWidget(content)
        self.stack.addWidget(self.blank_page)
        self.view: RoomView | None = None
        self.blanked = False

    # -- what is shown ---------------------------------------------------------------

    def show_view(self, view: RoomView) -> None:
        self.view = view
        if view.blank is not None or view.summary is None:
            self._blank(view.status)
            return
        summary = view.summary
        self.title.setText(f"{summary.case_number} \u00b7 {summary.subject_initials}")
        self.goal.setText(summary.goal)
        self.meta.setText("{themes_label} {themes}\n{types_label} {types}".format(
            themes_label=_("Themes:"), themes=", ".join(summary.themes),
            types_label=_("Decisions:"), types=", ".join(summary.decision_types)))
        self.items.clear()
        for shown in view.items:
            text = f"{shown.text}\n\u2014 {shown.source_party}"
            if shown.use_restriction:
                text += "\n" + _("Use restriction: {restriction}").format(
                    restriction=shown.use_restriction)
            self.items.addItem(QListWidgetItem(text))
        if not view.items:
            self.items.addItem(QListWidgetItem(_("No information may be shown for this "
                                                 "case with the parties present.")))
        self.stack.setCurrentIndex(0)

    def _blank(self, status: RoomStatus | None) -> None:
        self.title.clear()
        self.goal.clear()
        self.meta.clear()
        self.items.clear()
        # The status the director's window shows too, in the room's words; blanked on
        # purpose it is pure black, not even a reason (someone walked in).
        self.blank_reason.setText(status.room_text if status is not None else "")
        self.blank_reason.setWordWrap(True)
        self.stack.setCurrentIndex(1)

    @property
    def status(self) -> RoomStatus | None:
        """The status this window renders (the same value the director's window shows)."""
        return self.view.status if self.view is not None else None

    def shown_texts(self) -> list[str]:
        """The information texts on the screen now (for tests and the director's check)."""
        if self.stack.currentIndex() != 0 or self.view is None:
            return []
        return [s.text for s in self.view.items]

    @property
    def is_blank(self) -> bool:
        return self.stack.currentIndex() == 1

    # -- where it is shown --------------------------------------------------------------

    def show_on(self, screen: QScreen | None, full_screen: bool = True) -> None:
        """Show on ``screen`` (full screen unless told otherwise)."""
        if screen is not None:
            self.setScreen(screen)
            self.setGeometry(screen.availableGeometry())
        if full_screen:
            self.showFullScreen()
        else:
            self.show()

    @staticmethod
    def screens() -> list[QScreen]:
        return list(QGuiApplication.screens())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_B and self.on_blank_key is not None:
            self.on_blank_key()
            return
        if event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.showNormal()
            return
        super().keyPressEvent(event)

    def clear(self) -> None:
        self.view = None
        self._blank(None)
