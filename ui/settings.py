"""The desktop program's own preferences, declared once here with their defaults.

Everything lives in one INI file through ``QSettings`` (the platform's settings folder,
``app.paths``: ``Casuskamer/casuskamer.ini``). Only workstation preferences belong here:
the language, the idle-lock time, the vault folder last used and the windows' geometry
(the main window's, the case screen's and its splitter). NEVER personal data: no
account names, no case numbers, no search terms, no file names chosen for exports. A test
writes canary strings through the shell and greps this file for them.

Machine-wide settings (issue 21, point 5): an IT department presets the language, the
idle-lock time and the vault folder for every user of a workstation in one system-wide INI
file, ``settings.ini`` in the platform's site configuration folder (platformdirs'
``site_config_dir``): ``%ProgramData%\\Casuskamer\\settings.ini`` on Windows,
``/Library/Application Support/Casuskamer/settings.ini`` on macOS and
``/etc/xdg/Casuskamer/settings.ini`` on Linux. Its values are the DEFAULTS: a user's own
choice wins, unless the key is named in ``[machine] locked=``; a locked value always holds,
the user's choice is neither read nor written, and the Settings screen shows it disabled.
The program only reads that file.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import platformdirs
from PySide6.QtCore import QByteArray, QSettings

from app.i18n import DEFAULT_LANGUAGE, LANGUAGES
from app.paths import settings_file
from app.vault.server import is_server_profile

T = TypeVar("T")

ORGANISATION = "Casuskamer"
APPLICATION = "casuskamer"

#: The idle-lock time may be chosen between these (minutes); the design's default is 5.
IDLE_MINUTES_MIN = 1
IDLE_MINUTES_MAX = 60


@dataclass(frozen=True)
class Option(Generic[T]):
    """One preference: its key in the file, its default, and how to read a stored value."""

    key: str
    default: T

    def coerce(self, raw: object) -> T:
        """Turn what QSettings hands back (often a string) into the declared type, or the
        default when the stored value is unusable (a hand-edited file must not crash us)."""
        default = self.default
        try:
            if isinstance(default, bool):
                value: object = raw if isinstance(raw, bool) else str(raw).lower() == "true"
            elif isinstance(default, int):
                value = int(str(raw))
            elif isinstance(default, QByteArray):
                value = raw if isinstance(raw, QByteArray) else QByteArray()
            else:
                value = str(raw)
        except (TypeError, ValueError):
            return default
        return value  # type: ignore[return-value]


LANGUAGE: Option[str] = Option("ui/language", DEFAULT_LANGUAGE)
IDLE_LOCK_MINUTES: Option[int] = Option("security/idle_lock_minutes", 5)
LAST_VAULT_FOLDER: Option[str] = Option("vault/last_folder", "")
WINDOW_GEOMETRY: Option[QByteArray] = Option("window/geometry", QByteArray())
#: the case screen's window size and the position of its splitter (geometry only)
CASE_WINDOW_GEOMETRY: Option[QByteArray] = Option("window/case_geometry", QByteArray())
CASE_SPLITTER: Option[QByteArray] = Option("window/case_splitter", QByteArray())
#: the vault folder an IT department sets for the workstation (machine file only; ``~`` and
#: environment variables such as ``%USERNAME%`` / ``$USER`` are expanded)
MACHINE_VAULT_FOLDER: Option[str] = Option("vault/folder", "")

#: what the machine-wide file may set (nothing personal, no window geometry)
MACHINE_OPTIONS: tuple[Option[object], ...] = (  # type: ignore[assignment]
    LANGUAGE, IDLE_LOCK_MINUTES, MACHINE_VAULT_FOLDER)
#: the key in the machine file naming the locked options (``locked=ui/language, vault/folder``)
LOCKED_KEY = "machine/locked"


def machine_settings_path() -> Path:
    """The system-wide settings file an IT department writes (it need not exist)."""
    return Path(platformdirs.site_config_dir("Casuskamer", appauthor=False)) / "settings.ini"


class MachineSettings:
    """The system-wide defaults, read only. A missing or unreadable file sets nothing.

    Read with the standard library's ``configparser``, not ``QSettings``: a Windows path such
    as ``folder=D:\\Casuskamer`` is taken as written (QSettings treats ``\\`` as an escape),
    and a file saved by Notepad with a byte-order mark is read too."""

    def __init__(self, path: Path | str | None) -> None:
        self.path = Path(path) if path is not None else None
        self._values: dict[str, str] = {}
        if self.path is not None:
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read(self.path, encoding="utf-8-sig")
            except (OSError, UnicodeError, configparser.Error):
                parser = configparser.ConfigParser(interpolation=None)
            self._values = {f"{section.lower()}/{key}": value
                            for section in parser.sections()
                            for key, value in parser.items(section)}
        known = {option.key for option in MACHINE_OPTIONS}
        words = self._values.get(LOCKED_KEY, "").replace(";", ",").split(",")
        self.locked: frozenset[str] = frozenset(w.strip() for w in words if w.strip() in known)

    def has(self, option: Option[T]) -> bool:
        return option in MACHINE_OPTIONS and option.key.lower() in self._values

    def get(self, option: Option[T]) -> T:
        return option.coerce(self._values[option.key.lower()].strip())

    def is_locked(self, option: Option[T]) -> bool:
        return option.key in self.locked and self.has(option)

ALL_OPTIONS: tuple[Option[object], ...] = (  # type: ignore[assignment]
    LANGUAGE, IDLE_LOCK_MINUTES, LAST_VAULT_FOLDER, WINDOW_GEOMETRY, CASE_WINDOW_GEOMETRY,
    CASE_SPLITTER)


class Settings:
    """Typed access to the preferences file. Pass one instance to whoever needs it."""

    def __init__(self, path: Path | str | None = None,
                 machine: Path | str | None = None) -> None:
        """``path``: the user's file (default: the platform's settings file); ``machine``: the
        system-wide file (default: :func:`machine_settings_path` with the user's default
        file, none with an explicit ``path``, so tests see no workstation's file)."""
        if path is None and machine is None:
            machine = machine_settings_path()
        self.machine = MachineSettings(machine)
        if path is None:
            # the platform's settings folder (app.paths): %LOCALAPPDATA%\Casuskamer on
            # Windows, ~/Library/Application Support/Casuskamer on macOS, XDG on Linux
            path = settings_file()
        self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def path(self) -> Path:
        return Path(self._qs.fileName())

    def get(self, option: Option[T]) -> T:
        if self.machine.is_locked(option):
            return self.machine.get(option)
        if self._qs.contains(option.key):
            return option.coerce(self._qs.value(option.key))
        if self.machine.has(option):
            return self.machine.get(option)
        return option.default

    def set(self, option: Option[T], value: T) -> None:
        if self.machine.is_locked(option):
            return  # the IT department's value holds; the user's file is left alone
        self._qs.setValue(option.key, value)

    def is_locked(self, option: Option[T]) -> bool:
        """True when the machine-wide file fixes this option (the screen disables it)."""
        return self.machine.is_locked(option)

    def sync(self) -> None:
        self._qs.sync()

    # -- checked accessors for the options with rules -------------------------------------

    @property
    def language(self) -> str:
        lang = self.get(LANGUAGE)
        return lang if lang in LANGUAGES else DEFAULT_LANGUAGE

    @language.setter
    def language(self, value: str) -> None:
        self.set(LANGUAGE, value if value in LANGUAGES else DEFAULT_LANGUAGE)

    @property
    def idle_lock_minutes(self) -> int:
        return clamp_idle_minutes(self.get(IDLE_LOCK_MINUTES))

    @idle_lock_minutes.setter
    def idle_lock_minutes(self, value: int) -> None:
        self.set(IDLE_LOCK_MINUTES, clamp_idle_minutes(value))

    @property
    def last_vault_folder(self) -> Path | None:
        text = self.get(LAST_VAULT_FOLDER)
        return Path(text) if text else None

    @last_vault_folder.setter
    def last_vault_folder(self, folder: Path) -> None:
        self.set(LAST_VAULT_FOLDER, str(Path(folder).resolve()))

    @property
    def machine_vault_folder(self) -> Path | None:
        """The vault folder the machine-wide file sets, expanded for this user."""
        if not self.machine.has(MACHINE_VAULT_FOLDER):
            return None
        text = self.machine.get(MACHINE_VAULT_FOLDER).strip()
        return Path(os.path.expandvars(os.path.expanduser(text))) if text else None

    def preferred_vault_folder(self) -> Path | None:
        """Where to open the vault when no ``--vault`` is given: the machine's folder if
        locked; else the folder last used (if it still exists); else the machine's folder;
        else None (the platform's default folder)."""
        machine = self.machine_vault_folder
        if machine is not None and self.machine.is_locked(MACHINE_VAULT_FOLDER):
            return machine
        last = self.last_vault_folder
        if last is not None and (last.is_dir() or is_server_profile(last)):  # or a server
            return last
        return machine


def clamp_idle_minutes(minutes: int) -> int:
    return max(IDLE_MINUTES_MIN, min(IDLE_MINUTES_MAX, int(minutes)))
