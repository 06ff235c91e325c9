"""Reading values back from the database as the domain's types.

SQLite hands dates back as ``date``, ``datetime`` or ISO text depending on the column type
and the path the value took (Core column, raw SQL, an aggregate); the services read them
through these helpers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CursorResult


def as_date(value: Any) -> date | None:
    """A stored date or timestamp as a ``date`` (None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def inserted_id(result: CursorResult[Any]) -> int:
    """The new row's id from an INSERT's result."""
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("the database returned no id for a new row")
    return int(key[0])
