"""A session on the house server whose account is revoked while it is open (issue 22: "a
revoked account refused at the next statement"): the window must not keep showing what the
revoked account read. The listener hears the server refuse its login (the revocation ends the
account's connections) and the window locks itself, saying why on the unlock screen.
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
