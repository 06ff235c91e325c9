"""The lock follows the desktop on Windows too (issue 21, point 2).

Before, only Linux's screen saver (over D-Bus) locked the program: on Windows, Win+L, a
switch of user and sleep left the vault open until the idle time ran out. Now a native
event filter reads the window messages Windows sends (``ui.session_events``). Windows
cannot run here: the platform is simulated (``app.platform``), and the filter is fed the
``MSG`` structures Windows would hand Qt, made with ``ctypes``, with the message numbers
written from Windows' headers (not read from the module under test).
"""
# Fixtures are imported from the fixture modules, so pytest sees them as parameters here.
# ruff: noqa: F811

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.platform import set_platform_for_tests
from app.vault.vault import OpenVault
from tests.ui.shell_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    ctx,
    make_window,
    no_quick_check,
    settings,
)
from ui.app_context import AppContext
from ui.main_window import MainWindow
from ui.screensaver import ScreenSaverWatcher
from ui.session_events import SessionEvents

# winuser.h / wtsapi32.h / pbt.h
WM_WTSSESSION_CHANGE = 0x02B1
WM_POWERBROADCAST = 0x0218
WTS_CONSOLE_CONNECT, WTS_SESSION_LOCK, WTS_SESSION_UNLOCK = 0x1, 0x7, 0x8
PBT_APMSUSPEND, PBT_APMRESUMEAUTOMATIC = 0x4, 0x12
WM_PAINT = 0x000F


class WinMsg(ctypes.Structure):
    """``MSG`` as ``winuser.h`` declares it (HWND, UINT, WPARAM, LPARAM, DWORD, POINT)."""

    _fields_ = [("hwnd", ctypes.c_void_p), ("message", ctypes.c_uint),
                ("wParam", ctypes.c_size_t), ("lParam", ctypes.c_ssize_t),
                ("time", ctypes.c_ulong), ("x", ctypes.c_long), ("y", ctypes.c_long)]


def feed(events: SessionEvents, message: int, wparam: int,
         kind: bytes = b"windows_generic_MSG") -> None:
    msg = WinMsg(hwnd=0x1234, message=message, wParam=wparam, lParam=0)
    taken = events.nativeEventFilter(kind, ctypes.addressof(msg))
    assert taken == (False, 0)   # never takes the message from Qt and Windows


@pytest.fixture
def windows() -> Iterator[None]:
    set_platform_for_tests("windows")
    yield
    set_platform_for_tests(None)


def _watch(events: SessionEvents) -> list[str]:
    fired: list[str] = []
    events.lock_requested.connect(fired.append)
    return fired


def test_the_session_lock_and_sleep_request_a_lock(qtbot: QtBot, windows: None) -> None:
    events = SessionEvents()
    fired = _watch(events)
    assert events.install()
    try:
        feed(events, WM_WTSSESSION_CHANGE, WTS_SESSION_LOCK)
        assert fired == ["session_lock"]
        feed(events, WM_POWERBROADCAST, PBT_APMSUSPEND)
        assert fired == ["session_lock", "sleep"]
        # not the unlock, a console connect, waking up, or an ordinary message
        for message, wparam in ((WM_WTSSESSION_CHANGE, WTS_SESSION_UNLOCK),
                                (WM_WTSSESSION_CHANGE, WTS_CONSOLE_CONNECT),
                                (WM_POWERBROADCAST, PBT_APMRESUMEAUTOMATIC),
                                (WM_PAINT, WTS_SESSION_LOCK)):
            feed(events, message, wparam)
        # nor a message of another platform's kind
        feed(events, WM_WTSSESSION_CHANGE, WTS_SESSION_LOCK, kind=b"xcb_generic_event_t")
        assert fired == ["session_lock", "sleep"]
    finally:
        events.uninstall()


def test_not_installed_outside_windows(qtbot: QtBot) -> None:
    set_platform_for_tests("linux")
    try:
        events = SessionEvents()
        fired = _watch(events)
        assert not events.install()
        feed(events, WM_WTSSESSION_CHANGE, WTS_SESSION_LOCK)
        assert fired == []
    finally:
        set_platform_for_tests(None)


def test_the_screen_saver_watcher_installs_it_on_windows(qtbot: QtBot, windows: None) -> None:
    """No session bus on Windows: the watcher's one signal comes from the session events."""
    watcher = ScreenSaverWatcher(bus=lambda: None)
    activated: list[bool] = []
    watcher.activated.connect(lambda: activated.append(True))
    try:
        assert watcher.watch()
        assert watcher.session_events.installed
        feed(watcher.session_events, WM_POWERBROADCAST, PBT_APMSUSPEND)
        assert activated == [True]
    finally:
        watcher.session_events.uninstall()


def test_win_l_locks_the_open_program(qtbot: QtBot, windows: None, settings: object,
                                      admin_vault: OpenVault,
                                      make_window: Callable[..., MainWindow],
                                      ctx: AppContext) -> None:
    window = make_window(admin_vault)
    assert window.opened is not None and admin_vault.is_open
    try:
        feed(ctx.screensaver.session_events, WM_WTSSESSION_CHANGE, WTS_SESSION_LOCK)
        qtbot.waitUntil(lambda: window.opened is None, timeout=3000)
        assert not admin_vault.is_open
        assert window.stack.currentWidget() is window.unlock_screen
    finally:
        ctx.screensaver.session_events.uninstall()
