"""First use and account notices in the program (issue 17, point 4).

The finding: "The administrator sets every new account's passphrase and nobody is asked to
change it, so an administrator can create a process-director account and work under it
unseen." In the program an account the administrator added (through the Accounts dialog)
now gets, at its first unlock, only the choice of its own passphrase: no workspace, no
section, until it is chosen; cancelling (or Escape) locks the vault again. And the process
director's next unlock shows, once, a notice naming the new account, its role, who made it
and when (covenant 12.2, 16.2: the process director holds the case substance, so a new
account with that role must not go unnoticed).

On the old code (commit 7ca920e) the workspace opened at once and nobody was told.
"""
# Fixtures are imported from shell_fixtures, so pytest sees them as parameters here.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.domain.roles import Role
from app.services import accounts as account_service
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.ui.shell_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    all_texts,
    ctx,
    locked_vault,
    make_window,
    no_quick_check,
    settings,
)
from ui.first_use import FirstUsePanel
from ui.settings_screen import AddAccountDialog, SettingsScreen

NEW = "nieuweregisseur"
GIVEN = "de beheerder weet deze zin 77"
OWN = "een zin die alleen ik ken 2026"
DIRECTOR = "regisseur"
DIRECTOR_PASSPHRASE = "regie over de casus vandaag"


@pytest.fixture(autouse=True)
def _quiet(no_quick_check: None) -> None:
    """No quick check of the vault on a timer (not what these tests are about)."""


def add_through_the_dialog(qtbot, window) -> None:
    """The administrator adds a process director in Settings, as one would."""
    assert window.go_to("settings")
    screen = window.workspace.screens["settings"]
    assert isinstance(screen, SettingsScreen)
    screen.add_button.click()
    dialog = screen.dialog
    assert isinstance(dialog, AddAccountDialog)
    dialog.name.setText(NEW)
    dialog.role.setCurrentIndex(dialog.role.findData(Role.PROCESS_DIRECTOR.value))
    dialog.pair.first.setText(GIVEN)
    dialog.pair.second.setText(GIVEN)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)


def unlock_as(qtbot, window, account: str, passphrase: str) -> None:
    screen = window.unlock_screen
    screen.account.setCurrentText(account)
    screen.passphrase.setText(passphrase)
    screen.button.click()
    assert screen.busy
    qtbot.waitUntil(lambda: not screen.busy, timeout=10_000)


def test_an_account_the_administrator_added_chooses_its_own_passphrase_first(
        qtbot, ctx, locked_vault: OpenVault, make_window) -> None:
    """The finding, in the program: the administrator adds a process director with a
    passphrase the administrator knows, locks and unlocks with it. Only the choice of a new
    passphrase is shown (no workspace, no section reachable); Cancel locks the vault again;
    once chosen, the workspace opens, and the administrator's passphrase opens nothing."""
    folder = locked_vault.vault.folder
    window = make_window(Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE))
    add_through_the_dialog(qtbot, window)
    window.lock()

    unlock_as(qtbot, window, NEW, GIVEN)
    screen = window.unlock_screen
    panel = screen.first_use
    assert isinstance(panel, FirstUsePanel)
    assert window.opened is None and window.workspace is None
    assert not window.go_menu.isEnabled()
    assert panel.isVisible() and not screen.panel.isVisible()
    assert ADMIN in panel.explanation.text() and NEW in panel.explanation.text()
    held = screen._first_use_vault
    assert held is not None and held.is_open

    # Cancel locks the vault again and brings back the unlock screen.
    panel.cancel_button.click()
    assert not held.is_open
    assert screen.first_use is None and screen.panel.isVisible()
    assert window.opened is None

    # Again; a weak passphrase is refused with the rule's reason, the same as elsewhere.
    unlock_as(qtbot, window, NEW, GIVEN)
    panel = screen.first_use
    assert panel is not None
    panel.given.setText(GIVEN)
    panel.pair.first.setText("kort")
    panel.pair.second.setText("kort")
    panel.choose_button.click()
    assert panel.pair.reason.isVisible()
    assert window.opened is None

    panel.given.setText(GIVEN)
    panel.pair.first.setText(OWN)
    panel.pair.second.setText(OWN)
    panel.choose_button.click()
    qtbot.waitUntil(lambda: window.opened is not None, timeout=15_000)
    assert window.opened.actor.account == NEW
    assert window.workspace is not None
    assert screen.first_use is None
    window.lock()

    # The passphrase the administrator knew opens nothing any more; the own one does.
    unlock_as(qtbot, window, NEW, GIVEN)
    assert window.opened is None and screen.first_use is None
    assert screen.message.isVisible()
    qtbot.waitUntil(lambda: screen.button.isEnabled(), timeout=5000)
    unlock_as(qtbot, window, NEW, OWN)
    assert window.opened is not None and screen.first_use is None
    window.close()


def test_escape_locks_and_nothing_else_is_reachable(qtbot, ctx, locked_vault: OpenVault,
                                                   make_window) -> None:
    """Escape on the panel locks the vault again; the Lock, Go and section actions stay
    disabled while the panel is shown."""
    folder = locked_vault.vault.folder
    admin = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    account_service.add_account(admin, NEW, Role.PROCESS_DIRECTOR, GIVEN, kdf=KdfParams(),
                                must_choose_passphrase=True)
    admin.lock()
    window = make_window()
    unlock_as(qtbot, window, NEW, GIVEN)
    screen = window.unlock_screen
    panel = screen.first_use
    assert panel is not None
    held = screen._first_use_vault
    enabled = {key.value for key, action in window.actions_by_id.items()
               if action.isEnabled()}
    assert enabled <= {"quit", "help", "about"}, enabled
    assert not window.go_menu.isEnabled()
    panel.given.setFocus()
    qtbot.keyClick(panel.given, Qt.Key.Key_Escape)
    assert held is not None and not held.is_open
    assert screen.first_use is None and window.opened is None


def test_a_new_account_is_shown_to_the_process_director_once(
        qtbot, ctx, locked_vault: OpenVault, make_window) -> None:
    """After the administrator adds an account, the process director's next unlock shows a
    notice 'Nieuw account ... (procesregisseur), aangemaakt door beheerder op ...', which
    can be put away; the unlock after that shows it no more."""
    folder = locked_vault.vault.folder
    admin = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    account_service.add_account(admin, DIRECTOR, Role.PROCESS_DIRECTOR, DIRECTOR_PASSPHRASE,
                                kdf=KdfParams())
    admin.lock()
    director = Vault(folder).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    account_service.account_notices(director)  # what came before is seen
    director.lock()

    window = make_window(Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE))
    add_through_the_dialog(qtbot, window)
    window.lock()

    unlock_as(qtbot, window, DIRECTOR, DIRECTOR_PASSPHRASE)
    assert window.workspace is not None
    banner = window.workspace.notice("accounts")
    assert banner is not None
    assert (f"Nieuw account {NEW} (procesregisseur), aangemaakt door {ADMIN} op "
            in banner.text()), banner.text()
    assert banner.close_button.focusPolicy() & Qt.FocusPolicy.TabFocus
    banner.close_button.click()
    assert window.workspace.notice("accounts") is None
    window.lock()

    unlock_as(qtbot, window, DIRECTOR, DIRECTOR_PASSPHRASE)
    assert window.workspace is not None
    assert window.workspace.notice("accounts") is None
    window.close()
