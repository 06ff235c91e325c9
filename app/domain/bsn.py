"""The citizen service number (burgerservicenummer, BSN) and its eleven-test.

A BSN has nine digits d1..d9 with 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 divisible by 11 (the
"elfproef" as the government's BSN rules give it). Older numbers were issued with eight
digits; they are the nine-digit number with a leading zero, and people still write them
that way, so eight digits are accepted and padded. Spaces and dots that people type or paste
between the digits are ignored. ``000000000`` passes the arithmetic but is no number.
"""

from __future__ import annotations

from app.errors import ValidationError
from app.i18n import _

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def normalise_bsn(value: str) -> str:
    """Digits only, padded to nine when eight were given; other text is returned stripped."""
    compact = "".join(ch for ch in value.strip() if ch not in " .-\u00a0")
    if len(compact) == 8 and compact.isascii() and compact.isdigit():
        compact = "0" + compact
    return compact


def passes_eleven_test(bsn: str) -> bool:
    """True when ``bsn`` is nine ASCII digits that pass the eleven-test (and not all zero)."""
    if len(bsn) != 9 or not (bsn.isascii() and bsn.isdigit()) or bsn == "000000000":
        return False
    return sum(w * int(d) for w, d in zip(WEIGHTS, bsn)) % 11 == 0


def is_valid_bsn(value: str) -> bool:
    return passes_eleven_test(normalise_bsn(value))


def check_bsn(value: str, field: str = "bsn") -> str:
    """The normalised BSN, or ``ValidationError`` saying what is wrong with it."""
    bsn = normalise_bsn(value)
    if len(bsn) != 9 or not (bsn.isascii() and bsn.isdigit()):
        raise ValidationError(_("must have nine digits"), field=field)
    if not passes_eleven_test(bsn):
        raise ValidationError(_("fails the eleven-test"), field=field)
    return bsn


def eleven_test_check_digit(first_eight: str) -> str | None:
    """The ninth digit that makes ``first_eight`` a valid BSN, or None when none does.

    Used by the synthetic-data generator; real numbers are never made up by the program.
    """
    total = sum(w * int(d) for w, d in zip(WEIGHTS[:8], first_eight))
    last = total % 11
    if last > 9:
        return None
    candidate = first_eight + str(last)
    return str(last) if passes_eleven_test(candidate) else None
