"""Settings, for the administrator: change the data key, and see and remove the vaults a
restore replaced (convenant art. 17.3: protection against loss and unlawful processing)."""

# Fixtures are imported from shell_fixtures, so pytest sees them as parameters here.
# ruff: noqa: F811

from __future__ import annotations

from sqlalchemy import select

from app.store.db import connect_raw
from app.store.tables import audit_log
from app.errors import VaultDamaged
from app.vault.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.ui.shell_fixtures import (  # noqa: F401
    MANAGER,
    MANAGER_PASSPHRASE,
    _no_scripted_dialogs,
    ctx,
    locked_vault,
    make_window,
    settings,
)
from ui import dialogs
from ui.settings_screen import SettingsScreen


def _settings(window) -> SettingsScreen:
    assert window.go_to("settings")
    screen = window.workspace.screens["settings"]
    assert isinstance(screen, SettingsScreen)
    return screen


def test_the_administrator_changes_the_data_key(qtbot, ctx, locked_vault, make_window) -> None:
    folder = locked_vault.vault.folder
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    old = opened.data_key
    screen = _settings(make_window(opened))
    with dialogs.scripted(True) as script:
        screen.rekey_button.click()
        qtbot.waitUntil(lambda: len(script.shown) == 2, timeout=30_000)
    assert [s.kind for s in script.shown] == ["confirm", "inform"]
    assert screen.rekey_button.isEnabled()
    try:
        connect_raw(folder / "casuskamer.db", old, read_only=True).close()
        opened_with_old = True
    except VaultDamaged:
        opened_with_old = False
    assert not opened_with_old
    with opened.read() as conn:  # the program goes on, on the new key
        assert conn.execute(select(audit_log.c.id).where(
            audit_log.c.action == "vault.rekey")).first() is not None


def test_a_replaced_vault_is_shown_until_the_administrator_removes_it(
        qtbot, ctx, locked_vault, make_window) -> None:
    folder = locked_vault.vault.folder
    kept = folder.with_name(folder.name + ".replaced-2026-03-04-050607")
    kept.mkdir()
    (kept / "casuskamer.db").write_bytes(b"\0" * 16)
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    screen = _settings(make_window(opened))
    assert screen.replaced_box is not None and not screen.replaced_box.isHidden()
    texts = [w.text() for w in screen.replaced_box.findChildren(type(screen.key_busy))]
    assert any(str(kept) in t and "2026-03-04 05:06" in t for t in texts), texts
    with dialogs.scripted(False):
        screen.remove_replaced(kept)
    assert kept.exists()
    with dialogs.scripted(True):
        screen.remove_replaced(kept)
    assert not kept.exists() and screen.replaced_box.isHidden()
    with opened.read() as conn:
        assert conn.execute(select(audit_log.c.id).where(
            audit_log.c.action == "vault.replaced_remove")).first() is not None


def test_other_roles_see_neither(qtbot, ctx, locked_vault) -> None:
    folder = locked_vault.vault.folder
    folder.with_name(folder.name + ".replaced-2026-03-04-050607").mkdir()
    opened = Vault(folder).unlock(MANAGER, MANAGER_PASSPHRASE)
    try:
        screen = SettingsScreen(opened, ctx)
        qtbot.addWidget(screen)
        assert screen.replaced_box is None
        assert not hasattr(screen, "rekey_button")
    finally:
        opened.lock()
