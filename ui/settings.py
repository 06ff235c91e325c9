"""The desktop program's own preferences, declared once here with their defaults.

Everything lives in one INI file through ``QSettings`` (the platform's settings folder,
``app.paths``: ``Casuskamer/casuskamer.ini``). Only workstation preferences belong here:
the language, the idle-lock time, the vault folder last used and the windows' geometry
(the main window's, the case screen's and its splitter). NEVER personal data: no
account names, no case numbers, no search terms, no file names chosen for exports. A test
writes canary strings through the shell and greps this file for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

from app.i18n import DEFAULT_LANGUAGE, LANGUAGES
from app.paths import settings_file

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

ALL_OPTIONS: tuple[Option[object], ...] = (  # type: ignore[assignment]
    LANGUAGE, IDLE_LOCK_MINUTES, LAST_VAULT_FOLDER, WINDOW_GEOMETRY, CASE_WINDOW_GEOMETRY,
    CASE_SPLITTER)


class Settings:
    """Typed access to the preferences file. Pass one instance to whoever needs it."""

    def __init__(self, path: Path | str | None = None) -> None:
        if path is None:
            # the platform's settings folder (app.paths): %LOCALAPPDATA%\Casuskamer on
            # Windows, ~/Library/Application Support/Casuskamer on macOS, XDG on Linux
            path = settings_file()
        self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def path(self) -> Path:
        return Path(self._qs.fileName())

    def get(self, option: Option[T]) -> T:
        if not self._qs.contains(option.key):
            return option.default
        return option.coerce(self._qs.value(option.key))

    def set(self, option: Option[T], value: T) -> None:
        self._qs.setValue(option.key, value)

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


def clamp_idle_minutes(minutes: int) -> int:
    return max(IDLE_MINUTES_MIN, min(IDLE_MINUTES_MAX, int(minutes)))
