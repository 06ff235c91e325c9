"""The passphrase rule (issue 25, point 7).

A passphrase is fit when it has at least ``MIN_LENGTH`` characters, is none of the
well-known or published ones (``resources/common-passphrases.txt``: breach lists; and the
README's demo passphrase), and an attacker needs at least ``MIN_GUESSES`` (10^12) guesses
by zxcvbn's estimate. zxcvbn knows English words, names, keyboard rows, years, dates, repeats
and sequences; we add a Dutch dictionary (``resources/dutch-words.txt``: common words, months
and seasons, cities, first names) and, as "user inputs", the product's name, the roles' names
and the account's own name, so ``Zomer2026!!!``, ``Casuskamer01`` and ``beheerder123456``
for the account beheerder are refused. The reason is given in our own words (translated),
never echoing any part of the passphrase.

The demo vault (``casuskamer demo``) is not a real vault: its published passphrase is
accepted there only (``demo=True``, the length rule alone), and the vault is marked as a
demo. ``init``, adding an account and changing a passphrase refuse it like any other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from app.errors import ValidationError
from app.i18n import _
from app.resources import resource_path

MIN_LENGTH = 12
#: zxcvbn's estimated guesses. Its highest score (4) starts at 10^10, which still admits
#: "Gemeente Den Haag" or a first name and surname of 12 characters; 10^12 refuses those.
#: Against Argon2id (64 MiB to 1 GiB, about half a second per guess on the workstation) an
#: attacker with a few GPUs tries some thousands a second at best: 10^12 takes years.
MIN_GUESSES = 10 ** 12
#: zxcvbn refuses to look at more; a longer passphrase is judged by its first 72 characters
#: (a lower bound: more characters only add guesses)
ESTIMATE_CHARS = 72
#: the README's demo passphrase (accepted for the demo vault only)
DEMO_PASSPHRASE = "demo-kluis-casuskamer"
#: words an attacker who knows the product tries first: its name, its setting, the roles
PRODUCT_WORDS = ("casuskamer", "casus", "kamer", "kluis", "demo", "zvh",
                 "zorgenveiligheidshuis", "veiligheidshuis", "zorg", "veiligheid")
ROLE_WORDS = ("beheerder", "procesregisseur", "regisseur", "informatiecentrum", "manager",
              "admin", "administrator", "process_director", "information_centre",
              "information", "centre", "director")

_LOCK = threading.Lock()  # zxcvbn keeps the user inputs in a module-level dictionary


@lru_cache(maxsize=1)
def _well_known() -> frozenset[str]:
    path = resource_path("common-passphrases.txt")
    words = path.read_text(encoding="utf-8").splitlines()
    known = {w.strip().lower() for w in words if w.strip() and not w.startswith("#")}
    return frozenset(known | {DEMO_PASSPHRASE})


def _words(name: str) -> list[str]:
    seen: dict[str, None] = {}
    for line in resource_path(name).read_text(encoding="utf-8").splitlines():
        word = line.strip().lower()
        if word and not word.startswith("#"):
            seen.setdefault(word, None)
    return list(seen)


@lru_cache(maxsize=1)
def _dutch_loaded() -> bool:
    """Add the Dutch dictionary to zxcvbn's own (once, under the name ``dutch``). zxcvbn
    and its dictionaries (about 13 MB) are loaded at the first passphrase checked, not at
    the program's start: an unlock checks none."""
    from zxcvbn import matching

    matching.add_frequency_lists({"dutch": _words("dutch-words.txt")})
    return True


def _fold(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def estimate(passphrase: str, user_inputs: Iterable[str] = ()) -> dict[str, Any]:
    """zxcvbn's analysis of ``passphrase`` with the Dutch dictionary and the product's,
    roles' and given words as user inputs."""
    from zxcvbn import zxcvbn

    _dutch_loaded()
    inputs = [*user_inputs, *PRODUCT_WORDS, *ROLE_WORDS]
    with _LOCK:
        return dict(zxcvbn(passphrase[:ESTIMATE_CHARS], user_inputs=inputs))


def check_passphrase(passphrase: str, account: str = "", *, demo: bool = False) -> None:
    """Raise ValidationError saying what is wrong, or return when the passphrase is fit.

    ``demo``: for the demo vault only, which is not a real vault: the length rule alone.
    """
    if len(passphrase) < MIN_LENGTH:
        raise ValidationError(
            _("The passphrase must have at least {n} characters; this one has {k}.")
            .format(n=MIN_LENGTH, k=len(passphrase)), field="passphrase")
    if demo:
        return
    folded = passphrase.strip().lower()
    if folded in _well_known() or _fold(folded) == _fold(DEMO_PASSPHRASE):
        raise ValidationError(_("This passphrase is one of the well-known ones attackers try "
                                "first (or published with this program). Choose another."),
                              field="passphrase")
    if len(set(folded)) <= 2:
        raise ValidationError(_("The passphrase repeats the same few characters. "
                                "Choose another."), field="passphrase")
    if account and _fold(account) and _fold(account) in _fold(folded) \
            and len(_fold(folded)) - len(_fold(account)) < 10:
        raise ValidationError(_("The passphrase is too close to the account name."),
                              field="passphrase")
    result = estimate(passphrase, [account] if account else [])
    if float(result["guesses"]) < MIN_GUESSES:
        raise ValidationError(_reason(result), field="passphrase")


def _reason(result: dict[str, Any]) -> str:
    """Why zxcvbn finds it guessable, in our words: its weakest part, then the advice."""
    why = _("This passphrase is too easy to guess.")
    weakest = max(result.get("sequence") or [{}], key=lambda m: len(m.get("token", "")))
    pattern = weakest.get("pattern")
    dictionary = weakest.get("dictionary_name")
    if pattern == "dictionary" and dictionary == "user_inputs":
        why = _("This passphrase is built on the name of the account, a role or this "
                "program, which an attacker tries first.")
    elif pattern == "dictionary" and dictionary == "passwords":
        why = _("This passphrase is like a commonly used password.")
    elif pattern == "dictionary" and dictionary == "dutch":
        why = _("This passphrase is built on a common Dutch word, a month, a season, a "
                "city or a first name, which an attacker tries first.")
    elif pattern == "dictionary" and dictionary in ("surnames", "male_names", "female_names"):
        why = _("This passphrase is built on a common name, which an attacker tries first.")
    elif pattern == "dictionary":
        why = _("This passphrase is built on a common word, which an attacker tries first.")
    elif pattern == "spatial":
        why = _("This passphrase follows a row or pattern on the keyboard, which is easy to "
                "guess.")
    elif pattern in ("repeat", "sequence"):
        why = _("This passphrase repeats characters or follows a sequence like abc or 1234, "
                "which is easy to guess.")
    elif pattern in ("regex", "date"):
        why = _("This passphrase leans on a year or a date, which is easy to guess.")
    return why + " " + _("Digits, capitals and symbols at the end do not help much; choose "
                         "four or more unusual words that do not belong together.")
