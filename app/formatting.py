"""Dates, times and numbers written the way the reader's language writes them.

Every screen and PDF that shows a date or a number asks here instead of calling
``strftime``, so that Dutch reads ``05-03-2025``, ``09:07`` and ``1.234,5`` and English reads
``05/03/2025``, ``09:07`` and ``1,234.5``. The language is the one chosen through
``app.i18n.set_language`` (the program's setting), not the machine's locale: a Dutch
program on an English Windows still writes Dutch dates.

English uses the British conventions (day before month, 24-hour clock): the readers are
staff of Dutch organisations who prefer English, and ``3/5/25`` would be misread here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time
from babel.numbers import format_decimal

from app.i18n import current_language

#: The Babel locale that writes dates and numbers for each language of the program.
BABEL_LOCALES = {"nl": "nl_NL", "en": "en_GB"}

#: What an absent date is written as (an en dash, so a column never looks broken).
NO_VALUE = "\u2013"


def babel_locale(language: str | None = None) -> str:
    return BABEL_LOCALES.get(language or current_language(), BABEL_LOCALES["nl"])


def format_date(value: date | datetime | None, *, empty: str = NO_VALUE,
                language: str | None = None) -> str:
    """A date with a four-digit year: ``05-03-2025`` (nl), ``05/03/2025`` (en)."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = value.date()
    return _babel_date(value, "short", locale=babel_locale(language))


def format_long_date(value: date | datetime | None, *, empty: str = NO_VALUE,
                     language: str | None = None) -> str:
    """A date with the month in words: ``5 maart 2025`` (nl), ``5 March 2025`` (en)."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = value.date()
    return _babel_date(value, "long", locale=babel_locale(language))


def format_time(value: datetime | time | None, *, seconds: bool = False,
                empty: str = NO_VALUE, language: str | None = None) -> str:
    """A time of day on the 24-hour clock: ``09:07`` (or ``09:07:30`` with seconds)."""
    if value is None:
        return empty
    return _babel_time(value, "medium" if seconds else "short", locale=babel_locale(language))


def format_datetime(value: datetime | None, *, empty: str = NO_VALUE,
                    language: str | None = None) -> str:
    """Date and time: ``05-03-2025 09:07`` (nl), ``05/03/2025 09:07`` (en)."""
    if value is None:
        return empty
    return f"{format_date(value, language=language)} {format_time(value, language=language)}"


def format_moment(value: datetime | str | None, *, empty: str = NO_VALUE,
                  language: str | None = None) -> str:
    """A moment the program recorded (a save, a lock, an audit row) in the workstation's
    local time. The vault stores such moments in UTC without a zone (``utcnow``); dates and
    times a person entered (a meeting's start) are local already and go to
    :func:`format_datetime` instead."""
    if value is None or value == "":
        return empty
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment.astimezone().replace(tzinfo=None), language=language)


def format_number(value: float, *, decimals: int | None = None,
                  language: str | None = None) -> str:
    """A number with the language's separators: ``1.234,5`` (nl), ``1,234.5`` (en).

    ``decimals`` fixes the number of digits after the separator (rounded); without it, as
    many as the value has.
    """
    if decimals is None:
        return format_decimal(value, locale=babel_locale(language))
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=babel_locale(language),
                          decimal_quantization=True)
