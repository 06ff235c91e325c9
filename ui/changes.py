"""Telling open windows that cases changed elsewhere in the program.

The case screens and the Cases table read the vault when they open; a meeting in another
window (an agreement recorded, an item finished, a meeting planned) changes cases behind
their back. Whoever changes cases calls :func:`announce` with the case number (or nothing
for "some cases"); a screen that shows cases calls :func:`follow`, and is told to read
again the next time its window is active, so a live meeting does not make every open
window reread (and log a read) at each agreement.

Only case numbers and internal ids pass through here, nothing personal.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget


class _Changes(QObject):
    changed = Signal(str)   # a case number, or "" for "some cases"
    #: a meeting id, or "" for "some meetings" (another workstation: ui.live_updates)
    meetings_changed = Signal(str)
    #: a case's internal id (another workstation: ui.live_updates; its announcements carry
    #: no case number)
    case_ids_changed = Signal(int)


_hub: _Changes | None = None


def _changes() -> _Changes:
    global _hub
    if _hub is None:
        _hub = _Changes(QApplication.instance())
    return _hub


def announce(number: str = "") -> None:
    """Case ``number`` (or, with no number, some cases) changed."""
    _changes().changed.emit(number)


def announce_case_id(case_id: int) -> None:
    """The case with internal id ``case_id`` changed (on another workstation)."""
    _changes().case_ids_changed.emit(case_id)


def announce_meeting(meeting_id: str = "") -> None:
    """Meeting ``meeting_id`` (or, with no id, some meetings) changed."""
    _changes().meetings_changed.emit(meeting_id)


class _Follower(QObject):
    """Marks its screen stale when a case it shows changes; reloads it on activation."""

    def __init__(self, screen: QWidget, shows: Callable[[str], bool],
                 reload: Callable[[], None], meetings: bool = False,
                 shows_case_id: Callable[[int], bool] | None = None) -> None:
        super().__init__(screen)
        self.screen, self.shows, self.reload = screen, shows, reload
        self.shows_case_id = shows_case_id
        self.stale = False
        self._watched: QWidget | None = None
        hub = _changes()
        (hub.meetings_changed if meetings else hub.changed).connect(self._on_changed)
        if not meetings:
            hub.case_ids_changed.connect(self._on_case_id)

    def _on_case_id(self, case_id: int) -> None:
        # a screen that cannot tell the case by its id takes it as "some cases"
        if self.shows_case_id is None or self.shows_case_id(case_id):
            self._on_changed("")

    def _on_changed(self, number: str) -> None:
        if number and not self.shows(number):
            return
        self.stale = True
        window = self.screen.window()
        if window is not self._watched:
            if self._watched is not None:
                self._watched.removeEventFilter(self)
            window.installEventFilter(self)
            self._watched = window
        if window.isActiveWindow():
            self._reload_if_stale()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowActivate:
            self._reload_if_stale()
        return False

    def _reload_if_stale(self) -> None:
        if self.stale and self.screen.isVisible():
            self.stale = False
            self.reload()


def follow(screen: QWidget, shows: Callable[[str], bool], reload: Callable[[], None],
           shows_case_id: Callable[[int], bool] | None = None) -> None:
    """Reload ``screen`` (``reload``) when a case it ``shows`` changed elsewhere: at once
    if its window is the active one, else when it is next activated. Ends with the screen.
    Another workstation names a case by its internal id: ``shows_case_id`` tells whether
    the screen shows that one (without it, any case counts)."""
    _Follower(screen, shows, reload, shows_case_id=shows_case_id)


def follow_meetings(screen: QWidget, reload: Callable[[], None]) -> None:
    """As :func:`follow`, for a screen that shows meetings (any meeting's news)."""
    _Follower(screen, lambda _meeting: True, reload, meetings=True)
