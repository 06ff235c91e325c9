"""Idle auto-lock: one timer, restarted by any user input anywhere in the program.

Like KeePassXC's ``InactivityTimer``: an event filter on the application sees every key,
mouse and touch event for every window (dialogs included); each one restarts a single-shot
timer, and when it runs out ``idle`` is emitted and the shell locks. Timer restarts are
throttled, because a mouse move produces dozens of events a second.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
    QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.Shortcut,
})

#: Restart the timer at most this often (seconds); far below any idle time one can choose.
RESTART_EVERY_S = 0.25


class IdleWatcher(QObject):
    idle = Signal()

    def __init__(self, interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, interval_ms))
        self._timer.timeout.connect(self.idle)
        self._last_restart = 0.0
        self._installed = False

    @property
    def interval_ms(self) -> int:
        return int(self._timer.interval())

    def set_interval_ms(self, interval_ms: int) -> None:
        self._timer.setInterval(max(1, interval_ms))
        if self._timer.isActive():
            self._timer.start()

    def set_minutes(self, minutes: int) -> None:
        self.set_interval_ms(minutes * 60_000)

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        """Start watching (after an unlock)."""
        app = QCoreApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self._last_restart = time.monotonic()
        self._timer.start()

    def stop(self) -> None:
        """Stop watching (while locked there is nothing to lock)."""
        self._timer.stop()
        app = QCoreApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            now = time.monotonic()
            if now - self._last_restart >= RESTART_EVERY_S or \
                    self._timer.interval() < 4 * RESTART_EVERY_S * 1000:
                self._last_restart = now
                self._timer.start()
        return False
