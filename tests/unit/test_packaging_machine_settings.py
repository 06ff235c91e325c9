"""Machine-wide settings an IT department sets for a managed roll-out (issue 21, point 5): the
vault folder, the idle-lock time and the language in one system-wide settings.ini. Its
values are the defaults a user's own choice overrides, unless ``[machine] locked=`` names
them: then they hold, and the Settings screen shows them disabled."""

from __future__ import annotations

import argparse
from pathlib import Path

import platformdirs

from app.vault.keyslots import KdfParams
from ui.app_context import AppContext
from ui.main import choose_folder
from ui.settings import IDLE_LOCK_MINUTES, LANGUAGE, Settings, machine_settings_path
from ui.settings_screen import SettingsScreen

NO_VAULT_ARG = argparse.Namespace(vault=None, lang=None)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_machine_file_lives_in_the_platforms_system_folder():
    # %ProgramData%\Casuskamer, /Library/Application Support/Casuskamer, /etc/xdg/Casuskamer
    expected = Path(platformdirs.site_config_dir("Casuskamer", appauthor=False))
    assert machine_settings_path() == expected / "settings.ini"
    assert not str(machine_settings_path()).startswith(str(Path.home()))


def test_machine_values_are_the_defaults_and_the_user_overrides_them(tmp_path):
    machine = write(tmp_path / "etc" / "settings.ini",
                    "[ui]\nlanguage = en\n[security]\nidle_lock_minutes = 15\n")
    user = tmp_path / "user" / "casuskamer.ini"
    settings = Settings(user, machine=machine)
    assert (settings.language, settings.idle_lock_minutes) == ("en", 15)
    settings.language = "nl"
    settings.idle_lock_minutes = 3
    settings.sync()
    again = Settings(user, machine=machine)
    assert (again.language, again.idle_lock_minutes) == ("nl", 3)
    assert not again.is_locked(LANGUAGE)


def test_locked_machine_values_hold_against_the_user(tmp_path):
    machine = write(tmp_path / "etc" / "settings.ini",
                    "[ui]\nlanguage = nl\n[security]\nidle_lock_minutes = 2\n"
                    "[machine]\nlocked = security/idle_lock_minutes, ui/language\n")
    user = write(tmp_path / "user" / "casuskamer.ini",
                 "[ui]\nlanguage=en\n[security]\nidle_lock_minutes=60\n")
    settings = Settings(user, machine=machine)
    assert (settings.language, settings.idle_lock_minutes) == ("nl", 2)
    settings.idle_lock_minutes = 30  # refused silently: the screen does not offer it
    settings.sync()
    assert Settings(user, machine=machine).idle_lock_minutes == 2
    assert settings.is_locked(IDLE_LOCK_MINUTES) and settings.is_locked(LANGUAGE)
    # without the machine file the user's own choice is still there
    assert Settings(user).idle_lock_minutes == 60


def test_a_bad_machine_value_falls_back_and_a_missing_file_sets_nothing(tmp_path):
    machine = write(tmp_path / "settings.ini",
                    "[security]\nidle_lock_minutes = altijd\n[ui]\nlanguage = fr\n")
    settings = Settings(tmp_path / "user.ini", machine=machine)
    assert (settings.language, settings.idle_lock_minutes) == ("nl", 5)
    broken = write(tmp_path / "broken.ini", "dit is geen ini-bestand\n[[[\n")
    assert Settings(tmp_path / "user.ini", machine=broken).idle_lock_minutes == 5
    absent = Settings(tmp_path / "user.ini", machine=tmp_path / "absent.ini")
    assert (absent.language, absent.idle_lock_minutes) == ("nl", 5)


def test_the_machine_vault_folder(tmp_path, monkeypatch):
    # as an IT department writes it: a Windows-style backslash and a variable, and Notepad's
    # byte-order mark
    monkeypatch.setenv("CASUSKAMER_TEST_USER", "pdirecteur")
    shared = tmp_path / "D" / "Casuskamer"
    machine = tmp_path / "settings.ini"
    machine.write_bytes(("\ufeff[vault]\nfolder = " + str(shared) + "\\$CASUSKAMER_TEST_USER\n")
                        .encode("utf-8"))
    user = tmp_path / "user.ini"
    settings = Settings(user, machine=machine)
    expected = Path(str(shared) + "\\pdirecteur")
    assert choose_folder(NO_VAULT_ARG, settings) == expected  # the first start
    settings.last_vault_folder = tmp_path  # the user opened another vault since
    assert choose_folder(NO_VAULT_ARG, settings) == tmp_path.resolve()
    write(machine, f"[vault]\nfolder = {shared}\n[machine]\nlocked = vault/folder\n")
    locked = Settings(user, machine=machine)
    assert choose_folder(NO_VAULT_ARG, locked) == shared
    assert choose_folder(argparse.Namespace(vault=tmp_path / "x", lang=None), locked) == \
        tmp_path / "x"  # an explicit --vault (a shortcut IT made) still chooses


def test_the_settings_screen_disables_what_the_machine_locks(qtbot, tmp_path, admin_vault):
    machine = write(tmp_path / "etc" / "settings.ini",
                    "[security]\nidle_lock_minutes = 2\n"
                    "[machine]\nlocked = security/idle_lock_minutes\n")
    ctx = AppContext.create(Settings(tmp_path / "user.ini", machine=machine),
                            tmp_path / "kluis", kdf=KdfParams())
    screen = SettingsScreen(admin_vault, ctx)
    qtbot.addWidget(screen)
    assert screen.idle_minutes.value() == 2
    assert not screen.idle_minutes.isEnabled()
    assert screen.idle_minutes.toolTip() == "Voor deze werkplek ingesteld door uw ICT-afdeling."
    assert screen.language.isEnabled()  # not locked: the user chooses
