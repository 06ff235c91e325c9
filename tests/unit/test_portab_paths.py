"""The program's folders on each platform (issue 21, point 4).

The vault, the settings and the crash reports go in the platform's own folders; a user
folder with accents and spaces (``C:\\Users\\Şükrü Yılmaz``), a path past Windows' 260
characters and a vault on a second drive (``D:\\Casuskamer\\kluis``) are handled. The Windows
layout is checked with ``PureWindowsPath`` on this machine; the expected paths are written
out by hand from Windows' conventions (``%LOCALAPPDATA%``, ``\\\\?\\`` for long paths).
"""

from __future__ import annotations

from pathlib import Path, PureWindowsPath

import pytest

from app import paths
from app.errors import VaultReadOnly
from app.platform import simulated
from app.vault import network
from app.vault.keyslots import KdfParams
from app.vault.maintenance import backup, read_backup
from app.vault.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE

USER = "Şükrü Yılmaz"
LOCAL = f"C:\\Users\\{USER}\\AppData\\Local"


def test_windows_folders_for_a_user_with_accents_and_a_space() -> None:
    found = paths.folders("windows", {"LOCALAPPDATA": LOCAL})
    assert str(found.vault) == f"C:\\Users\\{USER}\\AppData\\Local\\Casuskamer\\vault"
    assert str(found.settings_file) == \
        f"C:\\Users\\{USER}\\AppData\\Local\\Casuskamer\\casuskamer.ini"
    assert str(found.log) == f"C:\\Users\\{USER}\\AppData\\Local\\Casuskamer\\Logs"
    # without LOCALAPPDATA, the profile's own AppData\Local
    assert paths.folders("windows", {"USERPROFILE": f"C:\\Users\\{USER}"}) == found


def test_windows_long_paths_take_the_extended_form() -> None:
    long_user = "Şükrü Yılmaz " + "van den Berg-" * 20  # a long display name
    local = f"C:\\Users\\{long_user}\\AppData\\Local"
    found = paths.folders("windows", {"LOCALAPPDATA": local})
    plain = f"C:\\Users\\{long_user}\\AppData\\Local\\Casuskamer\\vault"
    assert len(plain) > 260
    assert str(found.vault) == "\\\\?\\" + plain
    # short paths stay as they are, and so does one already in the extended form
    assert str(paths.windows_long_path("C:\\Casuskamer\\kluis")) == "C:\\Casuskamer\\kluis"
    extended = "\\\\?\\C:\\" + "a" * 300
    assert str(paths.windows_long_path(extended)) == extended
    # a share: \\server\share\... becomes \\?\UNC\server\share\...
    deep = "\\".join(["map"] * 70)
    unc = f"\\\\fileserver\\zvh\\{deep}"
    assert str(paths.windows_long_path(unc)) == f"\\\\?\\UNC\\fileserver\\zvh\\{deep}"
    # a relative path cannot take the form
    relative = "kluis\\" + deep
    assert str(paths.windows_long_path(relative)) == relative


def test_a_vault_on_a_second_drive_letter() -> None:
    folder = PureWindowsPath("D:\\Casuskamer\\kluis")
    assert paths.windows_long_path(folder) == folder  # short: left alone
    assert folder.drive == "D:" and folder.is_absolute()
    deep = "D:\\Casuskamer\\" + "\\".join([f"afdeling {i}" for i in range(30)]) + "\\kluis"
    assert len(deep) > 260
    assert str(paths.windows_long_path(deep)) == "\\\\?\\" + deep
    # a fixed second disk is local; the same letter mapped to a share is a network folder
    with simulated("windows"):
        assert network.network_filesystem(str(folder), drive_type=lambda root: 3) is None
        assert network.network_filesystem(str(folder), drive_type=lambda root: 4) == \
            "remote drive"
        asked: list[str] = []
        network.network_filesystem(str(paths.windows_long_path(deep)),
                                   drive_type=lambda root: asked.append(root) or 3)
        assert asked == ["D:\\"]


def test_macos_folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / USER
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)  # platformdirs honours them on macOS too
    found = paths.folders("macos")
    assert found.vault == home / "Library" / "Application Support" / "Casuskamer" / "vault"
    assert found.log == home / "Library" / "Logs" / "Casuskamer"
    assert found.settings_file == \
        home / "Library" / "Application Support" / "Casuskamer" / "casuskamer.ini"


def test_linux_folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / USER
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    found = paths.folders("linux")
    assert found.vault == home / ".local" / "share" / "Casuskamer" / "vault"
    assert found.settings_file == home / ".config" / "Casuskamer" / "casuskamer.ini"
    assert found.log == home / ".local" / "state" / "Casuskamer" / "log"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "gegevens"))
    assert paths.folders("linux").vault == tmp_path / "gegevens" / "Casuskamer" / "vault"


def test_the_program_uses_these_folders(sandbox_home: Path) -> None:
    from ui.app_context import default_vault_folder, log_folder
    from ui.settings import Settings

    # the test set-up points XDG_DATA_HOME, XDG_CONFIG_HOME and XDG_STATE_HOME into a sandbox
    assert default_vault_folder() == sandbox_home / "xdg_data_home" / "Casuskamer" / "vault"
    assert log_folder() == sandbox_home / "xdg_state_home" / "Casuskamer" / "log"
    assert Settings().path == \
        sandbox_home / "xdg_config_home" / "Casuskamer" / "casuskamer.ini"


def _deep(tmp_path: Path, levels: int) -> Path:
    deep = tmp_path / USER / "Mijn documenten"
    for i in range(levels):
        deep = deep / f"Zorg- en Veiligheidshuis regio {i}"
    return deep


def test_a_vault_in_a_user_folder_with_accents_spaces_and_a_long_path(tmp_path: Path) -> None:
    levels = 1
    while len(str(_deep(tmp_path, levels + 1) / "kluis").encode()) <= \
            paths.MAX_VAULT_FOLDER_BYTES_POSIX:
        levels += 1
    deep = _deep(tmp_path, levels)
    folder = deep / "kluis"
    assert 260 < len(str(folder).encode()) <= paths.MAX_VAULT_FOLDER_BYTES_POSIX
    opened = Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    opened.lock()
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        backup(opened, deep / "reservekopie Şükrü.zip")
        assert read_backup(deep / "reservekopie Şükrü.zip")[0]["vault_id"] == opened.vault_id
    finally:
        opened.lock()


def test_a_vault_folder_too_long_for_the_database_is_refused_clearly(tmp_path: Path) -> None:
    """SQLite opens file names up to 512 bytes on Linux and macOS: a longer vault folder used
    to end in 'the folder cannot be opened for writing'; now the message says why."""
    folder = _deep(tmp_path, 14) / "kluis"
    assert len(str(folder / "casuskamer.db").encode()) > 512
    with pytest.raises(VaultReadOnly, match="te lang"):
        Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    assert not folder.exists()
    with simulated("windows"):  # 200 characters: SQLite opens through the plain Win32 path
        assert paths.vault_folder_limit("D:\\Casuskamer\\kluis") == (19, 190)
        assert paths.vault_folder_limit("D:\\" + "a" * 250)[0] > 200


def test_a_vault_at_the_longest_folder_can_be_restored_in_place(tmp_path: Path) -> None:
    """A restore unpacks beside the vault (a longer name) and opens it there."""
    from app.vault.maintenance import restore

    folder = tmp_path / USER
    while True:  # name parts of at most 100 bytes (a file system takes 255 per part)
        spare = paths.MAX_VAULT_FOLDER_BYTES_POSIX - len(str(folder).encode()) - 1
        if spare <= 100:
            folder = folder / ("k" * spare)
            break
        folder = folder / ("kluis " * 16)[:100]
    assert len(str(folder).encode()) == paths.MAX_VAULT_FOLDER_BYTES_POSIX
    opened = Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    try:
        backup(opened, tmp_path / "reservekopie.zip")
    finally:
        opened.lock()
    restore(tmp_path / "reservekopie.zip", folder, ADMIN, ADMIN_PASSPHRASE, force=True)
    Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE).lock()
