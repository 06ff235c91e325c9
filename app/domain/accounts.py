"""Rules for account names."""

from __future__ import annotations

import re

from app.errors import ValidationError
from app.i18n import _

ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")


def check_account_name(name: str) -> None:
    if not ACCOUNT_NAME.match(name):
        raise ValidationError(_("An account name has 2 to 32 characters: lower-case letters, "
                                "digits, dot, hyphen or underscore, starting with a letter or "
                                "digit."), field="account")
