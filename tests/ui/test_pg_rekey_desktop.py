"""The desktop program on the house server when an administrator changes the data key
meanwhile (issue 22): the open window's next read is refused with one clear line (unlock
again), the list shows nothing it can no longer open, no traceback; after the lock the same
passphrase opens the house with the new key and the case is there again.

On the session's throwaway PostgreSQL (``tests/pg_server.py``)."""
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QKeySequence

from app.i18n import _
from app.vault import server_rekey
from app.vault.server import ServerVault
from tests.ui.shell_fixtures import _no_scripted_dialogs  # noqa: F401
from tests.ui.test_pg_desktop_server import (ADMIN, ADMIN_PASS, DIRECTOR, DIRECTOR_PASS,
                                              House, _attempt, _case_list, house,  # noqa: F401
                                              no_traceback, window)  # noqa: F401
from ui.main_window import MainWindow

pytest.importorskip("psycopg")


def test_the_window_is_told_to_unlock_again_after_a_key_change(
        qtbot: Any, house: House, window: MainWindow, no_traceback: list[Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # without a listener (the server refused the listening connection): the window learns
    # of the change at its next read (with one, it locks at once: test_pg_desktop_withdrawn)
    monkeypatch.setattr("ui.main_window.LiveUpdates.follow", lambda *a, **k: None)
    _attempt(qtbot, window, DIRECTOR, DIRECTOR_PASS)
    assert window.opened is not None
    assert _case_list(qtbot, window) == [house.number]
    assert window.workspace is not None
    screen: Any = window.workspace.screens["cases"]

    # an administrator at another workstation gives the house a new data key
    admin = ServerVault(house.profile).unlock(ADMIN, ADMIN_PASS, exclusive=False)
    try:
        server_rekey.change_data_key(admin, house.pg.superuser, house.pg.superuser_password)
    finally:
        admin.lock()

    refresh = next(a for a in screen.actions() if a.shortcut().matches(
        QKeySequence(QKeySequence.StandardKey.Refresh)) == QKeySequence.SequenceMatch.ExactMatch)
    refresh.trigger()  # F5: the list is read again
    told = _("An administrator changed the house's data key since you unlocked; nothing of "
             "this step was read or saved. Unlock again (your passphrase stays the same).")
    qtbot.waitUntil(lambda: screen.message_label.text() == told, timeout=30_000)
    assert screen.message_label.isVisible()
    assert screen.model.rowCount() == 0
    assert not no_traceback

    # lock, and unlock with the same passphrase: the new key opens the house
    window.ctx.idle.idle.emit()
    assert window.opened is None
    _attempt(qtbot, window, DIRECTOR, DIRECTOR_PASS)
    assert window.opened is not None, window.unlock_screen.message.text()
    assert _case_list(qtbot, window) == [house.number]
    assert not no_traceback

