"""What the shell hands to the windows it builds, instead of global singletons.

One ``AppContext`` per running program: the preferences, the vault's files (not opened), the
idle watcher, the screen-saver watcher, the clipboard guard, and the key-derivation settings
for new key slots (None: measure on this machine; tests pass the floor). Screens get only the
``OpenVault``; the shell keeps the rest (a screen finds the clipboard guard through
``ui.clipboard.guard_for``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app import paths
from app.vault.keyslots import KdfParams
from app.vault.vault import Vault
from ui.clipboard import ClipboardGuard
from ui.idle import IdleWatcher
from ui.screensaver import ScreenSaverWatcher
from ui.settings import Settings
from ui.unlock import Backoff

APP_DIR_NAME = "Casuskamer"


def default_vault_folder() -> Path:
    return paths.default_vault_folder()  # the platform's data folder (platformdirs)


def log_folder() -> Path:
    return paths.log_folder()


@dataclass
class AppContext:
    settings: Settings
    vault: Vault
    idle: IdleWatcher
    clipboard: ClipboardGuard
    kdf: KdfParams | None = None
    backoff: Backoff = field(default_factory=Backoff)
    #: locks when the desktop's screen saver starts (where a session bus exists)
    screensaver: ScreenSaverWatcher = field(default_factory=ScreenSaverWatcher)

    @classmethod
    def create(cls, settings: Settings, folder: Path, kdf: KdfParams | None = None,
               backoff: Backoff | None = None, idle_ms: int | None = None) -> AppContext:
        interval = idle_ms if idle_ms is not None else settings.idle_lock_minutes * 60_000
        return cls(settings=settings, vault=Vault(folder), idle=IdleWatcher(interval),
                   clipboard=ClipboardGuard(), kdf=kdf, backoff=backoff or Backoff())
