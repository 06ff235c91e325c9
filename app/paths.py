"""Where the program keeps its files on each platform (issue 21, point 4).

============  ==========================================  ======================================
platform      vault and settings                          crash reports (logs)
============  ==========================================  ======================================
Windows       ``%LOCALAPPDATA%\\Casuskamer`` (``vault``,    ``%LOCALAPPDATA%\\Casuskamer\\Logs``
              ``casuskamer.ini``)
macOS         ``~/Library/Application Support/Casuskamer``  ``~/Library/Logs/Casuskamer``
Linux         ``$XDG_DATA_HOME/Casuskamer`` (vault),        ``$XDG_STATE_HOME/Casuskamer/log``
              ``$XDG_CONFIG_HOME/Casuskamer`` (settings)
============  ==========================================  ======================================

The folders come from ``platformdirs`` (macOS, Linux, and the base folder on Windows). On
Windows the *local* (not roaming) application-data folder is used: the vault must not travel
with a roaming profile to other workstations, and it is the folder Windows gives the account
alone (see ``app.fs``). A path of 260 characters or more gets Windows' extended-length form
(``\\\\?\\C:\\...``, ``\\\\?\\UNC\\server\\share\\...``), which the file functions accept whatever
the machine's ``LongPathsEnabled`` policy says; a user folder whose name has accents or
spaces (``C:\\Users\\Şükrü Yılmaz``) needs nothing special (Python uses the wide-character
Windows API).

On this Linux machine the Windows layout is computed from ``%LOCALAPPDATA%`` with
``PureWindowsPath`` (platformdirs' Windows lookup needs Windows itself), so a test can check
it under :func:`app.platform.simulated`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath, PureWindowsPath

from platformdirs.api import PlatformDirsABC

from app.platform import Platform, current_platform, real_platform

APP_DIR_NAME = "Casuskamer"
SETTINGS_NAME = "casuskamer.ini"
#: Windows' MAX_PATH counts the closing NUL: 259 characters is the longest plain path
WINDOWS_MAX_PATH = 260
EXTENDED_PREFIX = "\\\\?\\"


@dataclass(frozen=True)
class Folders:
    """The program's folders on one platform."""

    data: PurePath
    config: PurePath
    log: PurePath

    @property
    def vault(self) -> PurePath:
        return self.data / "vault"

    @property
    def settings_file(self) -> PurePath:
        return self.config / SETTINGS_NAME


def windows_long_path(path: PureWindowsPath | str) -> PureWindowsPath:
    """``path`` in Windows' extended-length form when it reaches MAX_PATH (260 characters);
    shorter paths and paths already in that form are returned as they are. Only absolute
    paths (a drive letter or a UNC share) can take the form."""
    text = str(path)
    if len(text) < WINDOWS_MAX_PATH or text.startswith(EXTENDED_PREFIX):
        return PureWindowsPath(text)
    pure = PureWindowsPath(text)
    if not pure.is_absolute():
        return pure
    if pure.drive.startswith("\\\\"):  # \\server\share\... -> \\?\UNC\server\share\...
        return PureWindowsPath(EXTENDED_PREFIX + "UNC\\" + text.lstrip("\\"))
    return PureWindowsPath(EXTENDED_PREFIX + text)


def _windows_local_appdata(env: Mapping[str, str]) -> PureWindowsPath:
    if real_platform() == "windows" and env is os.environ:
        from platformdirs.windows import get_win_folder

        return PureWindowsPath(get_win_folder("CSIDL_LOCAL_APPDATA"))
    base = env.get("LOCALAPPDATA")
    if not base:
        profile = env.get("USERPROFILE", "C:\\Users\\Default")
        base = str(PureWindowsPath(profile) / "AppData" / "Local")
    return PureWindowsPath(base)


def folders(platform: Platform | None = None, env: Mapping[str, str] | None = None
            ) -> Folders:
    """The program's folders for ``platform`` (default: the current one). ``env`` stands in
    for the environment in the Windows layout (default ``os.environ``)."""
    platform = platform or current_platform()
    environ: Mapping[str, str] = os.environ if env is None else env
    if platform == "windows":
        root = _windows_local_appdata(environ) / APP_DIR_NAME
        return Folders(data=windows_long_path(root), config=windows_long_path(root),
                       log=windows_long_path(root / "Logs"))
    if platform == "macos":
        from platformdirs.macos import MacOS

        dirs: PlatformDirsABC = MacOS(APP_DIR_NAME, appauthor=False)
    else:
        from platformdirs.unix import Unix

        dirs = Unix(APP_DIR_NAME, appauthor=False)
    # both read HOME and (Linux) the XDG variables from the environment
    return Folders(data=Path(dirs.user_data_dir), config=Path(dirs.user_config_dir),
                   log=Path(dirs.user_log_dir))


#: The longest vault folder path the database can open beneath it, with room for the file
#: names it adds (``casuskamer.db.rekey-journal``) and a restore's staging folder beside it.
#: SQLite on Linux and macOS takes file names up to 512 bytes (measured: a database path of
#: 504 bytes opens with its journal, 506 does not); on Windows it opens through the plain
#: Win32 path of at most 260 characters (MAX_PATH), whatever Python itself can reach with
#: the extended form above.
MAX_VAULT_FOLDER_BYTES_POSIX = 420
MAX_VAULT_FOLDER_CHARS_WINDOWS = 190
#: an existing vault may be opened from a folder this much longer (a restore unpacks beside
#: the vault into ``.<name>.restore-<random>`` and opens it there)
OPEN_MARGIN = {"posix": 40, "windows": 35}


def vault_folder_limit(folder: PurePath | str, *, existing: bool = False) -> tuple[int, int]:
    """(length, limit) of a vault folder's absolute path in the unit that limits it on the
    current platform (UTF-8 bytes on POSIX, characters on Windows); ``existing``: the limit
    for opening a vault that is there already."""
    if current_platform() == "windows":
        text = str(folder)
        if not PureWindowsPath(text).is_absolute():
            text = os.path.abspath(text)
        extra = OPEN_MARGIN["windows"] if existing else 0
        return len(text), MAX_VAULT_FOLDER_CHARS_WINDOWS + extra
    extra = OPEN_MARGIN["posix"] if existing else 0
    return len(os.fsencode(os.path.abspath(folder))), MAX_VAULT_FOLDER_BYTES_POSIX + extra


def default_vault_folder() -> Path:
    return Path(folders().vault)


def log_folder() -> Path:
    return Path(folders().log)


def settings_file() -> Path:
    return Path(folders().settings_file)
