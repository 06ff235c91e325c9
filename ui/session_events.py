"""Lock when the desktop session locks or the machine goes to sleep, on Windows and macOS
(issue 21, point 2). Linux's screen saver is watched over D-Bus (``ui.screensaver``); the
idle timer (``ui.idle``) works everywhere.

Windows
    A Qt native event filter (:class:`SessionEvents`, a ``QAbstractNativeEventFilter``
    installed on the application) reads the window messages Qt receives:
    ``WM_WTSSESSION_CHANGE`` with ``WTS_SESSION_LOCK`` (Win+L, the screen saver's lock, a
    switch of user, a remote session taken over) and ``WM_POWERBROADCAST`` with
    ``PBT_APMSUSPEND`` (sleep or hibernation). Session changes are sent only to a window that
    asked for them with ``WTSRegisterSessionNotification``: the filter keeps a hidden native
    window of its own for that (so no window of the program has to live for it), registered
    with ``NOTIFY_FOR_THIS_SESSION`` and unregistered when the filter goes. Power broadcasts
    reach every top-level window without asking. On either the filter emits
    ``lock_requested`` and the main window locks, as it does after the idle time.
macOS
    The screen lock and sleep are announced as distributed notifications
    (``com.apple.screenIsLocked``, ``NSWorkspaceWillSleepNotification``), which only an
    Objective-C observer receives: that needs PyObjC, which the program does not ship (it
    would add the Cocoa bridge to the package for this alone), and doing it through ``ctypes``
    and the Objective-C runtime by hand would be fragile code nobody here can run. So on
    macOS the program relies on its idle timer (default 5 minutes, set by the house), and the
    README says so; the screen lock itself hides the screen at once.
Linux
    As before: ``ui.screensaver`` (D-Bus ``ActiveChanged``).

The platform comes from ``app.platform.current_platform`` (a test sets it); the Windows calls
(``ctypes.windll``) are made only on real Windows. A test feeds the filter a synthetic
``MSG`` made with ``ctypes``, as Windows would.
"""

from __future__ import annotations

import ctypes
import logging
from typing import Any

from PySide6.QtCore import QAbstractNativeEventFilter, QByteArray, QCoreApplication, QObject
from PySide6.QtCore import Signal
from PySide6.QtGui import QWindow

from app.platform import current_platform, real_platform

log = logging.getLogger(__name__)

#: ``winuser.h`` / ``wtsapi32.h``
WM_WTSSESSION_CHANGE = 0x02B1
WTS_SESSION_LOCK = 0x7
WM_POWERBROADCAST = 0x0218
PBT_APMSUSPEND = 0x4
NOTIFY_FOR_THIS_SESSION = 0
#: the event types Qt gives a native filter on Windows
WINDOWS_EVENT_TYPES = (b"windows_generic_MSG", b"windows_dispatcher_MSG")


class MSG(ctypes.Structure):
    """Windows' ``MSG`` (``winuser.h``), laid out as on 32- and 64-bit Windows alike."""

    _fields_ = [
        ("hwnd", ctypes.c_void_p),
        ("message", ctypes.c_uint),
        ("wParam", ctypes.c_size_t),    # WPARAM: UINT_PTR
        ("lParam", ctypes.c_ssize_t),   # LPARAM: LONG_PTR
        ("time", ctypes.c_ulong),
        ("pt_x", ctypes.c_long),
        ("pt_y", ctypes.c_long),
    ]


def locks_the_program(message: int, wparam: int) -> bool:
    """A Windows message that must lock the program: the session locked, or sleep."""
    return ((message == WM_WTSSESSION_CHANGE and wparam == WTS_SESSION_LOCK)
            or (message == WM_POWERBROADCAST and wparam == PBT_APMSUSPEND))


class _Emitter(QObject):
    lock_requested = Signal(str)


class SessionEvents(QAbstractNativeEventFilter):
    """The native event filter; ``lock_requested`` (with ``"session_lock"`` or ``"sleep"``)
    when Windows says the session locked or the machine goes to sleep."""

    def __init__(self) -> None:
        super().__init__()
        self._emitter = _Emitter()
        self.lock_requested = self._emitter.lock_requested
        self._installed = False
        self._window: QWindow | None = None
        self._registered_hwnd: int | None = None

    def install(self) -> bool:
        """Install on the application (Windows only); False where there is nothing to do."""
        app = QCoreApplication.instance()
        if app is None or current_platform() != "windows" or self._installed:
            return self._installed
        app.installNativeEventFilter(self)
        self._installed = True
        self._register_for_session_changes()
        return True

    def uninstall(self) -> None:
        app = QCoreApplication.instance()
        if app is not None and self._installed:
            app.removeNativeEventFilter(self)
        self._installed = False
        if self._registered_hwnd is not None and real_platform() == "windows":
            try:
                ctypes.windll.wtsapi32.WTSUnRegisterSessionNotification(  # type: ignore[attr-defined,unused-ignore]
                    ctypes.c_void_p(self._registered_hwnd))
            except (OSError, AttributeError):
                pass
        self._registered_hwnd = None
        if self._window is not None:
            self._window.destroy()
            self._window = None

    @property
    def installed(self) -> bool:
        return self._installed

    def _register_for_session_changes(self) -> None:
        """A hidden native window of our own receives ``WM_WTSSESSION_CHANGE``."""
        if real_platform() != "windows":
            return  # a simulated Windows: no wtsapi32 to call
        try:
            self._window = QWindow()
            self._window.create()
            hwnd = int(self._window.winId())
            wts = ctypes.windll.wtsapi32  # type: ignore[attr-defined,unused-ignore]
            if wts.WTSRegisterSessionNotification(ctypes.c_void_p(hwnd),
                                                  NOTIFY_FOR_THIS_SESSION):
                self._registered_hwnd = hwnd
            else:
                log.debug("WTSRegisterSessionNotification refused: only sleep locks")
        except (OSError, AttributeError) as exc:
            log.debug("no session notifications (%s): only sleep locks", type(exc).__name__)

    def nativeEventFilter(self, eventType: QByteArray | bytes | bytearray | memoryview,  # noqa: N802,N803
                          message: int) -> Any:
        """Qt's native filter: never takes the message (Qt and Windows go on with it)."""
        kind = eventType.data() if isinstance(eventType, QByteArray) else bytes(eventType)
        if not self._installed or kind not in WINDOWS_EVENT_TYPES or not message:
            return False, 0
        msg = MSG.from_address(int(message))
        if locks_the_program(msg.message, msg.wParam):
            why = "sleep" if msg.message == WM_POWERBROADCAST else "session_lock"
            log.debug("Windows says %s: locking", why)
            self.lock_requested.emit(why)
        return False, 0
