"""What the shell hands to the windows it builds, instead of global singletons.

One ``AppContext`` per running program: the preferences, the vault's files (not opened), the
idle watcher, the screen-saver watcher, the clipboard guard, and the key-derivation settings
for new key slots (None: measure on this machine; tests pass the floor). Screens get only the
``OpenVault``; the shell keeps the rest (a screen finds the clipboard guard through
``ui.clipboard.guard_for``).

The vault is a folder or, for a house server (issue 22), a connection profile file: the
``ServerVault`` of that profile (``location`` is then the profile file, which is what the
program remembers and reopens next time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app import paths
from app.errors import ValidationError
from app.i18n import _
from app.vault.keyslots import KdfParams
from app.vault.server import ServerVault, is_server_profile
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


def vault_at(location: Path) -> Vault:
    """The vault of a folder, or the house server of a profile file (``ValidationError``,
    one line, for a profile that is damaged or holds a password, and for a file that is no
    profile: a vault is a folder, so no vault is made in place of a file)."""
    if is_server_profile(location) or Path(location).is_file():
        return ServerVault.from_file(location)
    if Path(location).suffix.lower() == ".json" and not Path(location).exists():
        # a profile's name mistyped: not a new vault folder called "....json"
        raise ValidationError(_("The profile {path} does not exist.").format(path=location),
                              field="vault")
    return Vault(location)


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

    @property
    def location(self) -> Path:
        """Where the vault is: its folder, or the house server's profile file."""
        if isinstance(self.vault, ServerVault) and self.vault.profile_path is not None:
            return self.vault.profile_path
        return self.vault.folder

    @classmethod
    def create(cls, settings: Settings, folder: Path, kdf: KdfParams | None = None,
               backoff: Backoff | None = None, idle_ms: int | None = None) -> AppContext:
        """``folder``: a vault folder or a house server's profile file."""
        interval = idle_ms if idle_ms is not None else settings.idle_lock_minutes * 60_000
        return cls(settings=settings, vault=vault_at(folder), idle=IdleWatcher(interval),
                   clipboard=ClipboardGuard(), kdf=kdf, backoff=backoff or Backoff())
