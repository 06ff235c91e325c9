"""The passphrase rule: at least 12 characters and not a well-known one."""

from __future__ import annotations

from functools import lru_cache

from app.errors import ValidationError
from app.i18n import _
from app.resources import resource_path

MIN_LENGTH = 12


@lru_cache(maxsize=1)
def _well_known() -> frozenset[str]:
    path = resource_path("common-passphrases.txt")
    words = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in words if w.strip() and not w.startswith("#"))


def check_passphrase(passphrase: str, account: str = "") -> None:
    """Raise ValidationError saying what is wrong, or return when the passphrase is fit."""
    if len(passphrase) < MIN_LENGTH:
        raise ValidationError(
            _("The passphrase must have at least {n} characters; this one has {k}.")
            .format(n=MIN_LENGTH, k=len(passphrase)), field="passphrase")
    folded = passphrase.strip().lower()
    if folded in _well_known():
        raise ValidationError(_("This passphrase is one of the well-known ones attackers try "
                                "first. Choose another."), field="passphrase")
    if len(set(folded)) <= 2:
        raise ValidationError(_("The passphrase repeats the same few characters. "
                                "Choose another."), field="passphrase")
    if account and account.lower() in folded and len(folded) - len(account) < 6:
        raise ValidationError(_("The passphrase is too close to the account name."),
                              field="passphrase")
