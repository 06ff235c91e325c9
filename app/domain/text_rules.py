"""The one rule for invisible characters in what people type or a file brings (issue 25,
point 3): which control and format characters a text may hold, how search folds them away,
and how they are shown when a text must be echoed (an error line, a PDF of old data).

A zero-width space (``Jan\\u200bsen``) or a right-to-left override looks exactly like
"Jansen" on screen and on paper, yet is another name to the "already known" check and to
search. So:

=====  ==========================  ===========================================================
 row    kind of field               what it refuses
=====  ==========================  ===========================================================
 1      identifying (a name, an     every character of Unicode category Cc (control) and Cf
        address, a place, a BSN,    (format: zero-width space U+200B, LRM/RLM U+200E/F, the
        a contact person, a party   bidi embeddings and overrides U+202A-202E and isolates
        name, an account name)      U+2066-2069, the BOM U+FEFF, the soft hyphen U+00AD,
                                    word joiner U+2060 ...), and Cs (a lone surrogate, which
                                    no file can store) -- except row 2
 2      identifying, the joiners    ZWNJ U+200C and ZWJ U+200D are allowed only between two
                                    letters (or marks) of a script that joins or shapes with
                                    them (Arabic script for Persian and Urdu, Syriac, N'Ko,
                                    Mongolian, and the Indic scripts); anywhere else, in a
                                    Latin name above all, they are refused like row 1
 3      free text (a reason, a      Cc except newline, carriage return and tab; the bidi
        question, an item, an       embeddings, overrides and isolates (U+202A-202E,
        entry of the minutes)       U+2066-2069); Cs. Other format characters (LRM/RLM, ZWNJ,
                                    soft hyphen) are kept: they have honest uses in prose
=====  ==========================  ===========================================================

Arabic, Hebrew or Chinese letters are letters (categories Lo and Mn), never refused.

The refusal names the field and the character by its code point (``U+200B``), never the
text. Search keys (:func:`strip_invisible`) drop every Cc and Cf character, so data written
before this rule is still found by "Jansen"; :func:`escape_invisible` shows them as
``\\u200b`` where a text must be echoed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from app.errors import ValidationError
from app.i18n import _

#: Characters that change the display order of the text that follows them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Zero-width non-joiner and joiner: part of correct spelling in some scripts.
JOINERS = frozenset("\u200c\u200d")
#: Control characters free text may hold (it may have lines and tabs).
FREE_TEXT_CONTROLS = frozenset("\n\r\t")
#: Scripts (the first word of a character's Unicode name) in which ZWNJ/ZWJ between two
#: letters are ordinary spelling: the Persian ``می‌خواهم`` needs its ZWNJ.
JOINING_SCRIPTS = frozenset({
    "ARABIC", "SYRIAC", "NKO", "MANDAIC", "MONGOLIAN", "DEVANAGARI", "BENGALI", "GURMUKHI",
    "GUJARATI", "ORIYA", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM", "SINHALA", "KHMER",
    "MYANMAR", "TIBETAN",
})

#: The longest name, surname, address or contact a field holds (a referral file's caps in
#: ``app.services.referral_import`` use the same numbers).
NAME_LIMIT = 200
ADDRESS_LIMIT = 500


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs")


def _joining_letter(ch: str) -> bool:
    if unicodedata.category(ch)[0] not in "LM":
        return False
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] in JOINING_SCRIPTS


def identifying_offences(text: str) -> Iterator[tuple[int, str]]:
    """The positions and characters an identifying field may not hold (rows 1 and 2)."""
    if text.isprintable():
        return  # no Cc, Cf or Cs character: each of them is not printable
    for i, ch in enumerate(text):
        if not _invisible(ch):
            continue
        if ch in JOINERS and 0 < i < len(text) - 1 and _joining_letter(text[i - 1]) \
                and _joining_letter(text[i + 1]):
            continue
        yield i, ch


def free_text_offences(text: str) -> Iterator[tuple[int, str]]:
    """The positions and characters free text may not hold (row 3)."""
    if text.isprintable():
        return  # no Cc, Cs or bidi control: each of them is not printable
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if (category == "Cc" and ch not in FREE_TEXT_CONTROLS) or category == "Cs" \
                or ch in BIDI_CONTROLS:
            yield i, ch


def code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def check_identifying(value: str, field: str, label: str | None = None) -> str:
    """``value`` unchanged, or ``ValidationError`` on ``field`` naming the first invisible
    character it may not hold. ``label`` (the field's name for people) starts the message
    where it is shown without the field beside it (a dialog's message, the command line)."""
    for _pos, ch in identifying_offences(value):
        message = _("holds an invisible or control character ({code}); type it again "
                    "without it").format(code=code_point(ch))
        raise ValidationError(f"{label}: {message}" if label else message, field=field)
    return value


def check_free_text(value: str, field: str, label: str | None = None) -> str:
    """``value`` unchanged, or ``ValidationError`` on ``field`` naming the first control
    character or text-direction override it may not hold."""
    for _pos, ch in free_text_offences(value):
        message = _("holds a control character or a text-direction override ({code}); "
                    "remove it").format(code=code_point(ch))
        raise ValidationError(f"{label}: {message}" if label else message, field=field)
    return value


def check_length(value: str, field: str, limit: int, label: str | None = None) -> str:
    if len(value) > limit:
        message = _("is longer than {limit} characters").format(limit=limit)
        raise ValidationError(f"{label}: {message}" if label else message, field=field)
    return value


def strip_invisible(text: str) -> str:
    """``text`` without any Cc, Cf or Cs character: how search keys and the "already known"
    check see it (tabs and newlines go too; callers collapse white space after)."""
    if text.isprintable():
        return text  # the common case, at C speed (no Cc/Cf/Cs; spaces are printable)
    return "".join(ch for ch in text if ch in " \n\r\t" or not _invisible(ch))


def strip_for_print(text: str) -> str:
    """Text as a PDF prints it, also data stored before this rule: every character an
    identifying field may not hold removed (rows 1 and 2: the bidi overrides would reorder
    the line, a zero-width space print a name that is not the one searched for), except
    newline and tab; a Persian ZWNJ between two letters stays."""
    if text.isprintable():
        return text
    drop = {i for i, ch in identifying_offences(text) if ch not in "\n\t"}
    return "".join(ch for i, ch in enumerate(text) if i not in drop)


def escape_invisible(text: str) -> str:
    """``text`` with every control, format and surrogate character (ESC, CR, LF, the bidi
    controls, the zero-width space) written as its escape (``\\x1b``, ``\\n``, ``\\u202e``),
    so that echoing it can neither rewrite a terminal nor reorder a line."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if _invisible(ch) or unicodedata.category(ch) in ("Zl", "Zp"):
            out.append(repr(ch)[1:-1] if ch not in "'\"" else ch)
        else:
            out.append(ch)
    return "".join(out)
