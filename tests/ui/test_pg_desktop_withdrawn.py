"""A session on the house server that the server ends while it is open (issue 22): its
account revoked ("a revoked account refused at the next statement") or the house's data key
changed. The window must not keep showing what the session read: the listener hears the
server refuse its login (the revocation ends the account's connections), or the key change
announced under the old key, and the window locks itself, saying why on the unlock screen.
"""
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

from app.services import accounts as account_service
from app.vault.server import ServerVault
from tests.ui.shell_fixtures import _no_scripted_dialogs  # noqa: F401
from tests.ui.test_pg_desktop_server import (ADMIN, ADMIN_PASS, CANARY_SURNAME, DIRECTOR,
                                             DIRECTOR_PASS, House, _attempt, _shown, house,
                                             window)
from ui.main_window import MainWindow

__all__ = ["house", "window"]  # fixtures


def test_a_window_whose_account_is_revoked_locks_itself(
        qtbot: Any, house: House, window: MainWindow) -> None:
    _attempt(qtbot, window, DIRECTOR, DIRECTOR_PASS)
    assert window.opened is not None
    qtbot.waitUntil(lambda: CANARY_SURNAME in _shown(window), timeout=30_000)

    admin = ServerVault(house.profile).unlock(ADMIN, ADMIN_PASS, exclusive=False)
    try:
        account_service.revoke_account(admin, DIRECTOR)
    finally:
        admin.lock()

    # nobody touches the window: it locks on its own once the server refuses the login
    qtbot.waitUntil(lambda: window.opened is None, timeout=30_000)
    assert CANARY_SURNAME not in _shown(window)
    message = window.unlock_screen.message
    assert message.isVisible()
    assert "ingetrokken" in message.text() and "Traceback" not in message.text()


def test_a_window_locks_itself_when_the_data_key_is_changed(
        qtbot: Any, house: House, window: MainWindow) -> None:
    """An administrator at another workstation gives the house a new data key: the change
    is announced under the old key at its commit, and the open window locks at once (its
    reads would be refused from now on) and says why."""
    from app.vault import server_rekey

    _attempt(qtbot, window, DIRECTOR, DIRECTOR_PASS)
    assert window.opened is not None
    qtbot.waitUntil(lambda: CANARY_SURNAME in _shown(window), timeout=30_000)

    admin = ServerVault(house.profile).unlock(ADMIN, ADMIN_PASS, exclusive=False)
    try:
        server_rekey.change_data_key(admin, house.pg.superuser, house.pg.superuser_password)
    finally:
        admin.lock()

    qtbot.waitUntil(lambda: window.opened is None, timeout=30_000)
    assert CANARY_SURNAME not in _shown(window)
    message = window.unlock_screen.message
    assert message.isVisible() and "gegevenssleutel" in message.text()
    # the same passphrase opens the house again, under the new key
    _attempt(qtbot, window, DIRECTOR, DIRECTOR_PASS)
    assert window.opened is not None, window.unlock_screen.message.text()
    qtbot.waitUntil(lambda: CANARY_SURNAME in _shown(window), timeout=30_000)
