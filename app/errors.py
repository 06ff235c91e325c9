"""The program's own exception types. Every refusal a user can meet is one of these, with a
message already in the user's language; callers recognise errors by type, never by text."""

from __future__ import annotations


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


class VaultInUse(VaultError):
    """Another program has this vault open."""


class VaultReadOnly(VaultError):
    pass


class CheckFailed(CasuskamerError):
    """An integrity check found a problem."""

    exit_code = 1
