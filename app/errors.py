"""The program's own exception types. Every refusal a user can meet is one of these, with a
message already in the user's language; callers recognise errors by type, never by text."""

from __future__ import annotations

from datetime import datetime


class CasuskamerError(Exception):
    """Base: a refusal or fault with a message fit to show a user (no traceback, no secrets)."""

    #: exit code the command line uses for this error
    exit_code = 2


class ValidationError(CasuskamerError):
    """Input that breaks a rule. ``field`` names the field, for showing the reason beside it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(CasuskamerError):
    """The account's role may not do this."""


class TransitionRefused(CasuskamerError):
    """A lifecycle step whose preconditions are not met."""


class NotFound(CasuskamerError):
    """The thing asked for does not exist (or no longer exists)."""


class EditConflict(ValidationError):
    """A save built on a record as it was read, while another session (another workstation,
    window or account) saved that record in the meantime: nothing is written, never a silent
    overwrite. ``by_account`` and ``at`` (UTC, as stored) say whose save came first; the
    caller offers to reload and keeps the user's own text (issue 22, point 4)."""

    def __init__(self, by_account: str | None, at: datetime | str | None) -> None:
        from app.formatting import format_moment
        from app.i18n import _

        self.by_account = by_account or "-"
        self.at = at
        moment = format_moment(at) if at is not None else "-"
        super().__init__(_("Changed by {account} at {time} in the meantime: your change was "
                           "not saved. Reload to see the other change, then make yours "
                           "again.").format(account=self.by_account, time=moment))


class VaultError(CasuskamerError):
    """Base for problems with the vault files."""


class VaultNotFound(VaultError):
    pass


class VaultExists(VaultError):
    pass


class WrongPassphrase(VaultError):
    """Wrong passphrase or unknown account: deliberately one message for both."""


class AccountRevoked(VaultError):
    pass


class VaultDamaged(VaultError):
    """A file of the vault is missing, damaged or altered."""

    exit_code = 1


class KeyFileDamaged(VaultDamaged):
    """The key-slot file (``keyslots.json``) is unreadable, altered, or holds a value out of
    bounds: nothing in it is trusted, no key derivation starts (issue 25, point 5)."""

    exit_code = 2


class VaultInUse(VaultError):
    """Another program has this vault open."""


class VaultReadOnly(VaultError):
    pass


class VaultOnNetworkFolder(VaultError):
    """The vault folder is on a network file system, where its lock and the database's
    write-ahead log are not reliable (``app.vault.network``)."""


class CheckFailed(CasuskamerError):
    """An integrity check found a problem."""

    exit_code = 1


class WriteFailed(CasuskamerError):
    """The disk refused a write (full, or an input/output error): nothing was saved, and
    what was saved before is untouched."""


#: SQLite's primary result codes for a full disk and an input/output error.
SQLITE_FULL = 13
SQLITE_IOERR = 10


def storage_write_failed(code: int | None) -> bool:
    """Whether a SQLite error code (extended or primary) means the disk refused a write."""
    return code is not None and (code & 0xFF) in (SQLITE_FULL, SQLITE_IOERR)


def vault_write_failed(code: int | None, folder: object = None) -> WriteFailed:
    """The error a user sees when the vault's database (in ``folder``) could not be written.

    SQLite reports some writes on a full disk (the WAL index) as input/output errors, so a
    folder without free space counts as full too.
    """
    from app.fs import no_room
    from app.i18n import _

    full = code is not None and (code & 0xFF) == SQLITE_FULL
    if not full and folder is not None:
        full = no_room(str(folder))
    if full:
        return WriteFailed(_("The disk is full: nothing was saved. Free some space and try "
                             "again; what was saved before is safe."))
    return WriteFailed(_("The vault could not be written (a disk error): nothing was saved. "
                         "What was saved before is safe."))


def file_write_failed(exc: OSError, path: object) -> WriteFailed:
    """The error a user sees when a file (backup, export) could not be written."""
    import errno

    from app.i18n import _

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return WriteFailed(_("The disk is full: {path} could not be written. Free some "
                             "space and try again.").format(path=path))
    return WriteFailed(_("{path} could not be written: {reason}").format(
        path=path, reason=exc.strerror or exc))
