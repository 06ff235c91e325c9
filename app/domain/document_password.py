"""The rules of a document's password (a PDF handed out, encrypted): how long it must be,
and the random one the program offers. Pure: the services check a password before they
render (``app.export.pdf.encrypt`` checks it again), the command line and the program
offer a generated one."""

from __future__ import annotations

import secrets

from app.errors import ValidationError
from app.i18n import _

MIN_PASSWORD_LENGTH = 8
#: unambiguous letters and digits for generated passwords (no 0/O, 1/l/I)
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password(groups: int = 5) -> str:
    """A random password to show once: five groups of four unambiguous characters
    (about 115 bits)."""
    return "-".join("".join(secrets.choice(_PASSWORD_ALPHABET) for _i in range(4))
                    for _g in range(groups))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(_("A PDF password needs at least {n} characters.")
                              .format(n=MIN_PASSWORD_LENGTH), field="password")
