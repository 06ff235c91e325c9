"""The unlock screen: wrong passphrase, growing delay, field wiped, caps lock, success."""
# Fixtures are imported from shell_fixtures, so pytest sees them as parameters here.
# ruff: noqa: F811

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.ui.shell_fixtures import (  # noqa: F401
    FAST_BACKOFF,
    MANAGER,
    _no_scripted_dialogs,
    ctx,
    locked_vault,
    settings,
)
from ui.unlock import Backoff, UnlockScreen


def make_screen(qtbot, vault: Vault, backoff: Backoff = FAST_BACKOFF) -> UnlockScreen:
    screen = UnlockScreen(vault, backoff=backoff)
    qtbot.addWidget(screen)
    screen.show()
    return screen


def attempt(qtbot, screen: UnlockScreen, account: str, passphrase: str) -> None:
    screen.account.setCurrentText(account)
    qtbot.keyClicks(screen.passphrase, passphrase)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    # Wiped as soon as the attempt starts, before the result is known.
    assert screen.passphrase.text() == ""
    qtbot.waitUntil(lambda: not screen.busy, timeout=10_000)


def test_backoff_grows_and_has_a_ceiling() -> None:
    b = Backoff(threshold=3, first_ms=1000, max_ms=30_000)
    assert [b.delay_ms(n) for n in range(10)] == [
        0, 0, 0, 1000, 2000, 4000, 8000, 16000, 30000, 30000]


def test_accounts_are_offered_from_the_slot_file(qtbot, locked_vault: OpenVault) -> None:
    screen = make_screen(qtbot, Vault(locked_vault.vault.folder))
    names = [screen.account.itemText(i) for i in range(screen.account.count())]
    assert names == [ADMIN, MANAGER]


def test_wrong_passphrase_is_refused_with_a_message(qtbot, locked_vault: OpenVault) -> None:
    screen = make_screen(qtbot, Vault(locked_vault.vault.folder))
    results: list[OpenVault] = []
    screen.unlocked.connect(results.append)
    attempt(qtbot, screen, ADMIN, "dit is niet de goede zin")
    assert results == []
    assert screen.failures == 1
    assert screen.message.isVisible()
    assert screen.message.text() == "Het account of de wachtzin klopt niet."
    assert screen.passphrase.text() == ""
    assert screen.button.isEnabled()  # no wait before the threshold


def test_delay_grows_after_repeated_failures(qtbot, locked_vault: OpenVault) -> None:
    screen = make_screen(qtbot, Vault(locked_vault.vault.folder))
    for _ in range(2):
        attempt(qtbot, screen, ADMIN, "verkeerde wachtwoordzin")
        assert screen.wait_ms() == 0
    attempt(qtbot, screen, ADMIN, "verkeerde wachtwoordzin")
    assert screen.failures == 3
    assert 0 < screen.wait_ms() <= 300
    assert not screen.button.isEnabled() and not screen.passphrase.isEnabled()
    assert "(1)" in screen.button.text()  # the countdown on the button
    # An attempt during the wait is not made at all.
    screen.submit()
    assert screen.failures == 3 and not screen.busy
    qtbot.waitUntil(screen.button.isEnabled, timeout=3000)
    assert screen.button.text() == "Ontgrendelen"

    attempt(qtbot, screen, ADMIN, "nog steeds verkeerd")
    assert screen.failures == 4
    assert screen.wait_ms() > 300  # doubled: 600 ms
    qtbot.waitUntil(screen.button.isEnabled, timeout=3000)


def test_success_unlocks_and_resets_the_count(qtbot, locked_vault: OpenVault) -> None:
    screen = make_screen(qtbot, Vault(locked_vault.vault.folder), Backoff(threshold=5))
    results: list[OpenVault] = []
    screen.unlocked.connect(results.append)
    attempt(qtbot, screen, ADMIN, "fout fout fout fout")
    started = time.monotonic()
    attempt(qtbot, screen, ADMIN, ADMIN_PASSPHRASE)
    assert len(results) == 1
    opened = results[0]
    try:
        assert opened.is_open and opened.actor.account == ADMIN
        assert screen.failures == 0
        assert not screen.message.isVisible()
        assert screen.passphrase.text() == ""
        assert time.monotonic() - started < 10
    finally:
        opened.lock(audit_it=False)


def test_revoked_account_gets_a_clear_message(qtbot, locked_vault: OpenVault) -> None:
    from app.services import accounts as account_service
    from ui.main_window import MainWindow  # noqa: F401 - the shell imports cleanly

    vault = Vault(locked_vault.vault.folder)
    admin = vault.unlock(ADMIN, ADMIN_PASSPHRASE)
    account_service.revoke_account(admin, MANAGER)
    admin.lock()
    screen = make_screen(qtbot, vault)
    # A revoked account no longer has a slot, so it is not offered; typing it is refused.
    assert MANAGER not in [screen.account.itemText(i) for i in range(screen.account.count())]
    screen.account.addItem(MANAGER)
    attempt(qtbot, screen, MANAGER, "cijfers zonder namen graag")
    assert screen.failures == 1
    assert "ingetrokken" in screen.message.text() or "revoked" in screen.message.text()


def test_caps_lock_warning(qtbot, locked_vault: OpenVault) -> None:
    screen = make_screen(qtbot, Vault(locked_vault.vault.folder))
    assert not screen.caps_warning.isVisible()
    qtbot.keyClick(screen.passphrase, "A")  # upper case without Shift: Caps Lock is on
    assert screen.caps_warning.isVisible()
    qtbot.keyClick(screen.passphrase, "a")
    assert not screen.caps_warning.isVisible()
    qtbot.keyClick(screen.passphrase, "A", Qt.KeyboardModifier.ShiftModifier)
    assert not screen.caps_warning.isVisible()


def test_missing_vault_files_give_a_message_not_a_crash(qtbot, tmp_path) -> None:
    screen = make_screen(qtbot, Vault(tmp_path / "nergens"))
    assert screen.account.count() == 0
    assert not screen.button.isEnabled()
    assert screen.message.isVisible() and screen.message.text()
