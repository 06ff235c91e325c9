"""The one translation mechanism for every text a user sees, usable without Qt.

Source strings (msgids) are English. Each language has a folder under
``resources/locale/<lang>/`` holding one or more gettext ``.po`` files (one per area of the
program, so that work on one area never touches another's catalogue); all of them are read
and merged when the language is chosen. Dutch is the default.

Usage everywhere, in ``app/`` and ``ui/`` alike::

    from app.i18n import _, ngettext
    label = _("Unlock")

Strings are looked up when ``_()`` is called, so a module that builds a text at import time
would freeze the language: call ``_()`` where the text is shown, or mark it with ``N_()`` and
translate it later.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from app.resources import resource_path

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

_catalogue: dict[str, str] = {}
_plurals: dict[str, tuple[str, ...]] = {}
_language = ""


def _plural_rule(n: int) -> int:
    return 0 if n == 1 else 1  # both languages use this rule


def locale_dir(language: str) -> Path:
    return resource_path("locale") / language


def load_catalogue(language: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Read and merge every .po file of one language; return singulars and plurals."""
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for po in sorted(locale_dir(language).glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            if isinstance(message.id, (tuple, list)):
                strings = tuple(message.string or ())
                if all(strings):
                    plural[message.id[0]] = strings
            elif isinstance(message.string, str) and message.string:
                singular[message.id] = message.string
    return singular, plural


def set_language(language: str) -> None:
    """Choose the language for every later ``_()``; unknown codes fall back to Dutch."""
    global _catalogue, _plurals, _language
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    _catalogue, _plurals = load_catalogue(language)
    _language = language


def current_language() -> str:
    if not _language:
        set_language(DEFAULT_LANGUAGE)
    return _language


def _(message: str) -> str:
    """Translate one message into the current language."""
    if not _language:
        set_language(DEFAULT_LANGUAGE)
    return _catalogue.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message whose form depends on a count."""
    if not _language:
        set_language(DEFAULT_LANGUAGE)
    forms = _plurals.get(singular)
    if forms:
        return forms[min(_plural_rule(n), len(forms) - 1)]
    return singular if n == 1 else plural


def N_(message: str) -> str:
    """Mark a string for the catalogue without translating it now."""
    return message
