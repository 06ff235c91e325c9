"""Settings screen (preferences, accounts, own passphrase), the settings file holding no
personal data, Qt's own buttons in Dutch, the action registry, and the crash handler."""
# Fixtures are imported from shell_fixtures, so pytest sees them as parameters here.
# ruff: noqa: F811

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox

from app.domain.roles import Role
from app.services import accounts as account_service
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.ui.shell_fixtures import (  # noqa: F401
    MANAGER,
    _no_scripted_dialogs,
    all_texts,
    ctx,
    locked_vault,
    make_window,
    settings,
)
from ui import dialogs
from ui.actions import ActionId, shortcut_conflicts, spec
from ui.crash import CrashHandler
from ui.main import choose_folder, install_qt_translation, parse_args
from ui.settings import IDLE_LOCK_MINUTES, Settings
from ui.settings_screen import AddAccountDialog, ChangePassphraseDialog, SettingsScreen

CANARY = "kanarie-pietersen"
CANARY_PASSPHRASE = "Kanarie geheim zinnetje 4411"
CANARY_OWN_PASSPHRASE = "Kanarie eigen zinnetje 5522"


def open_settings(qtbot, window) -> SettingsScreen:
    assert window.go_to("settings")
    screen = window.workspace.screens["settings"]
    assert isinstance(screen, SettingsScreen)
    return screen


def test_settings_file_holds_no_personal_data(qtbot, ctx, locked_vault, make_window) -> None:
    opened = Vault(locked_vault.vault.folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    window = make_window(opened)
    screen = open_settings(qtbot, window)

    # Add an account whose name is the canary, through the dialog, as an administrator would.
    screen.add_button.click()
    dialog = screen.dialog
    assert isinstance(dialog, AddAccountDialog)
    dialog.name.setText(CANARY)
    dialog.role.setCurrentIndex(dialog.role.findData(Role.PROCESS_DIRECTOR.value))
    dialog.pair.first.setText(CANARY_PASSPHRASE)
    dialog.pair.second.setText(CANARY_PASSPHRASE)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert CANARY in all_texts(screen.accounts_table)

    screen.idle_minutes.setValue(7)
    screen.language.setCurrentIndex(screen.language.findData("en"))
    window.lock()
    # The canary account unlocks, works, and quits.
    screen_unlock = window.unlock_screen
    screen_unlock.account.setCurrentText(CANARY)
    screen_unlock.passphrase.setText(CANARY_PASSPHRASE)
    screen_unlock.button.click()
    # added by the administrator: it chooses its own passphrase first (issue 17, point 4)
    qtbot.waitUntil(lambda: screen_unlock.first_use is not None, timeout=10_000)
    first_use = screen_unlock.first_use
    first_use.given.setText(CANARY_PASSPHRASE)
    first_use.pair.first.setText(CANARY_OWN_PASSPHRASE)
    first_use.pair.second.setText(CANARY_OWN_PASSPHRASE)
    first_use.choose_button.click()
    qtbot.waitUntil(lambda: window.opened is not None, timeout=10_000)
    assert window.opened.actor.account == CANARY
    window.close()

    ctx.settings.sync()
    path = ctx.settings.path
    text = path.read_bytes()
    assert text, "the settings file was written"
    for secret in (CANARY, CANARY_PASSPHRASE, CANARY_OWN_PASSPHRASE, ADMIN, ADMIN_PASSPHRASE,
                   MANAGER):
        assert secret.encode() not in text, secret
    reread = Settings(path)
    assert reread.idle_lock_minutes == 7
    assert reread.language == "en"
    assert reread.last_vault_folder == locked_vault.vault.folder.resolve()


def test_revoke_asks_first_and_lists_the_revocation(qtbot, ctx, locked_vault,
                                                    make_window) -> None:
    window = make_window(Vault(locked_vault.vault.folder).unlock(ADMIN, ADMIN_PASSPHRASE))
    screen = open_settings(qtbot, window)
    table = screen.accounts_table
    row = [table.item(r, 0).text() for r in range(table.rowCount())].index(MANAGER)
    table.selectRow(row)
    with dialogs.scripted(False) as script:
        screen.revoke_selected()
    assert script.shown[0].kind == "confirm" and MANAGER in script.shown[0].text
    assert table.item(row, 3).text() == "actief"
    with dialogs.scripted(True) as script:
        screen.revoke_selected()  # the revocation changes the data key, off the GUI thread
        qtbot.waitUntil(lambda: len(script.shown) == 2, timeout=30_000)
    assert table.item(row, 3).text().startswith("ingetrokken op ")
    assert MANAGER not in Vault(locked_vault.vault.folder).account_names()
    # Revoking oneself is refused with the service's reason, shown as an error.
    table.selectRow([table.item(r, 0).text() for r in range(table.rowCount())].index(ADMIN))
    with dialogs.scripted(True) as script:
        screen.revoke_selected()
        qtbot.waitUntil(lambda: len(script.shown) == 2, timeout=30_000)
    assert [s.kind for s in script.shown] == ["confirm", "error"]


def test_add_account_refuses_with_reasons(qtbot, ctx, locked_vault, make_window) -> None:
    window = make_window(Vault(locked_vault.vault.folder).unlock(ADMIN, ADMIN_PASSPHRASE))
    screen = open_settings(qtbot, window)
    screen.add_button.click()
    dialog = screen.dialog
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.name.setText("Jan de Vries")
    ok.click()
    assert dialog.name_reason.isVisible() and dialog.isVisible()
    dialog.name.setText(MANAGER)  # exists already: the service says so
    dialog.pair.first.setText("een heel andere wachtzin")
    dialog.pair.second.setText("een heel andere wachtzin")
    ok.click()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
    assert MANAGER in dialog.error.text()
    assert dialog.pair.first.text() == ""  # wiped after use, even when refused


def test_change_own_passphrase(qtbot, ctx, locked_vault, make_window) -> None:
    window = make_window(Vault(locked_vault.vault.folder).unlock(ADMIN, ADMIN_PASSPHRASE))
    window.actions_by_id[ActionId.CHANGE_PASSPHRASE].trigger()
    dialog = window.findChild(ChangePassphraseDialog)
    assert dialog is not None and dialog.isVisible()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    new = "nieuwe zin voor de beheerder"
    dialog.current.setText("fout fout fout fout")
    dialog.pair.first.setText(new)
    dialog.pair.second.setText(new)
    ok.click()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
    assert dialog.current.text() == ""
    dialog.current.setText(ADMIN_PASSPHRASE)
    dialog.pair.first.setText(new)
    dialog.pair.second.setText(new)
    with dialogs.scripted() as script:
        ok.click()
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert script.shown[0].text == "Uw wachtzin is gewijzigd."
    window.lock()
    again = Vault(locked_vault.vault.folder).unlock(ADMIN, new)
    assert again.is_open
    again.lock()


def test_idle_minutes_apply_at_once(qtbot, ctx, locked_vault, make_window) -> None:
    window = make_window(Vault(locked_vault.vault.folder).unlock(ADMIN, ADMIN_PASSPHRASE))
    screen = open_settings(qtbot, window)
    assert screen.idle_minutes.value() == 5  # the design's default
    screen.idle_minutes.setValue(12)
    assert ctx.idle.interval_ms == 12 * 60_000
    assert ctx.settings.get(IDLE_LOCK_MINUTES) == 12


def test_settings_defaults_and_bad_values(tmp_path: Path) -> None:
    s = Settings(tmp_path / "s.ini")
    assert (s.language, s.idle_lock_minutes, s.last_vault_folder) == ("nl", 5, None)
    (tmp_path / "s.ini").write_text("[security]\nidle_lock_minutes=veel\n[ui]\nlanguage=xx\n")
    s = Settings(tmp_path / "s.ini")
    assert (s.language, s.idle_lock_minutes) == ("nl", 5)
    s.idle_lock_minutes = 100_000
    assert s.idle_lock_minutes == 60


def test_qt_buttons_speak_dutch(qtbot, qapp) -> None:
    translator = install_qt_translation(qapp, "nl")
    try:
        assert translator is not None
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        qtbot.addWidget(box)
        assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Annuleren"
    finally:
        if translator is not None:
            qapp.removeTranslator(translator)


def test_actions_registry() -> None:
    assert shortcut_conflicts() == {}
    assert spec(ActionId.LOCK).shortcut == "Ctrl+L"
    assert spec(ActionId.HELP).shortcut == "F1"
    assert spec(ActionId.QUIT).shortcut == "Ctrl+Q"


def test_command_line_and_folder_choice(tmp_path: Path) -> None:
    s = Settings(tmp_path / "s.ini")
    args = parse_args(["--vault", str(tmp_path / "k"), "--lang", "en"])
    assert (args.vault, args.lang) == (tmp_path / "k", "en")
    assert choose_folder(args, s) == tmp_path / "k"
    s.last_vault_folder = tmp_path
    assert choose_folder(parse_args([]), s) == tmp_path.resolve()


def test_crash_report_once_without_the_message(qtbot, tmp_path: Path) -> None:
    handler = CrashHandler(tmp_path / "logs")

    def fail() -> None:
        raise ValueError("BSN 123456782 van Kanarie Jansen")

    with dialogs.scripted() as script:
        for _ in range(2):
            try:
                fail()
            except ValueError:
                handler.handle(*sys.exc_info())  # type: ignore[arg-type]
        qtbot.waitUntil(lambda: len(handler.reports) == 1, timeout=2000)
    assert [s.kind for s in script.shown] == ["error"]  # shown once for the same traceback
    log = handler.log_path.read_text(encoding="utf-8")
    assert "builtins.ValueError" in log and "in fail" in log
    assert "123456782" not in log and "Kanarie" not in log
    assert "Kanarie" not in handler.reports[0]
    assert oct(handler.log_path.stat().st_mode & 0o777) == "0o600"


def test_unlocked_settings_screen_for_non_admin_has_no_accounts(qtbot, locked_vault,
                                                                ctx) -> None:
    admin = Vault(locked_vault.vault.folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    account_service.add_account(admin, "ic1", Role.INFORMATION_CENTRE,
                                "logistiek van het overleg", kdf=ctx.kdf)
    admin.lock()
    opened: OpenVault = Vault(locked_vault.vault.folder).unlock("ic1",
                                                                "logistiek van het overleg")
    try:
        screen = SettingsScreen(opened, ctx)
        qtbot.addWidget(screen)
        assert screen.accounts_table is None
        assert "Aangemeld als ic1 (Informatiecentrum)" in all_texts(screen)
    finally:
        opened.lock()
