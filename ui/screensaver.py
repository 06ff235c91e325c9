"""Lock when the desktop's screen saver (or screen lock) comes on, where a session bus exists.

Linux desktops announce it on the D-Bus session bus: the signal ``ActiveChanged(bool)`` of
interface ``org.freedesktop.ScreenSaver`` on ``/org/freedesktop/ScreenSaver`` (KDE, Xfce and
most others) or of ``org.gnome.ScreenSaver`` on ``/org/gnome/ScreenSaver`` (GNOME). When one
says ``true`` the watcher emits ``activated`` and the main window locks, as it does after
the idle time. Without a session bus (Windows, a bare X session, the tests' offscreen Qt) the
watcher does nothing and says so in a debug log line (no personal data: only the bus error's
name).

On Windows the same ``activated`` also comes from the session lock and sleep, which Windows
announces in window messages, read by a native event filter (``ui.session_events``); the
watcher installs it in :meth:`ScreenSaverWatcher.watch`, so the main window's one connection
covers both. macOS: see ``ui.session_events`` (the idle timer, and why).

The connection is injectable (a factory, called once by :meth:`ScreenSaverWatcher.watch`):
``QDBusConnection.sessionBus()`` is made once per process and cached by Qt, so a test that
starts a private bus passes ``lambda: QDBusConnection.connectToBus(address, name)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import SLOT, QObject, Signal, Slot

from ui.session_events import SessionEvents

if TYPE_CHECKING:
    from PySide6.QtDBus import QDBusConnection

log = logging.getLogger(__name__)

#: (interface, object path) of the screen savers whose ``ActiveChanged(bool)`` is watched
SCREEN_SAVERS: tuple[tuple[str, str], ...] = (
    ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
    ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"),
)
SIGNAL_NAME = "ActiveChanged"

BusFactory = Callable[[], "QDBusConnection | None"]


def session_bus() -> QDBusConnection | None:
    """The desktop's session bus (None where this Qt has no D-Bus module)."""
    try:
        from PySide6.QtDBus import QDBusConnection
    except ImportError:
        return None
    return QDBusConnection.sessionBus()


class ScreenSaverWatcher(QObject):
    """Emits ``activated`` when the desktop's screen saver comes on."""

    activated = Signal()

    def __init__(self, bus: BusFactory | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bus_factory: BusFactory = bus or session_bus
        self._asked = False
        #: the (interface, path) pairs connected; empty while not watching
        self.watching: list[tuple[str, str]] = []
        #: Windows' session lock and sleep (installed by ``watch`` on Windows only)
        self.session_events = SessionEvents()
        self.session_events.lock_requested.connect(lambda _why: self.activated.emit())
        self.destroyed.connect(self.session_events.uninstall)

    def watch(self) -> bool:
        """Connect to the screen savers' signal (once); False when there is no session bus."""
        if self._asked:
            return bool(self.watching) or self.session_events.installed
        self._asked = True
        if self.session_events.install():
            return True  # Windows: no session bus to ask
        bus = self._bus_factory()
        if bus is None or not bus.isConnected():
            log.debug("no D-Bus session bus (%s): no lock when the screen saver starts",
                      bus.lastError().name() if bus is not None else "no Qt D-Bus module")
            return False
        for interface, path in SCREEN_SAVERS:
            # Any sender: the service that owns the name differs per desktop.
            # PySide6's stub types the slot as bytes, but the call refuses bytes (ValueError)
            # and takes the str that SLOT() gives.
            if bus.connect("", path, interface, SIGNAL_NAME, self,  # type: ignore[call-overload]
                           SLOT("on_active_changed(bool)")):
                self.watching.append((interface, path))
            else:
                log.debug("could not watch %s: %s", interface, bus.lastError().name())
        return bool(self.watching)

    @Slot(bool)
    def on_active_changed(self, active: bool) -> None:
        """The bus said the screen saver went on (True) or off (False)."""
        if active:
            self.activated.emit()
