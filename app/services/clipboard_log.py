"""The audit row of a copy to the clipboard (issue 25, point 1).

Every copy the program makes of what is on screen goes through the clipboard guard
(``ui.clipboard``), which records it here: ``clipboard.copy`` with the kind of field it came
from (the window, the view's name, the column: only letters, digits and ``_ . : / -`` are
kept, so no value can slip in) and the case number when the copy came from a case's window.
Never the value copied. Any account may copy what it sees, so any account writes its row.
"""

from __future__ import annotations

import re

from app.vault.access import entry_point
from app.vault.vault import OpenVault

_SAFE = re.compile(r"[^A-Za-z0-9_.:/-]")
#: how much of a field's kind or a case number is kept
MAX_LENGTH = 80


def _code(value: object) -> str:
    return _SAFE.sub("", str(value))[:MAX_LENGTH] if value else ""


@entry_point
def record_copy(vault: OpenVault, field: str, case: str | None = None) -> None:
    """Audit one copy: the kind of ``field`` and the ``case`` (its number), never the value."""
    number = _code(case)
    vault.log_now("clipboard.copy", "case" if number else "-", number or "-",
                  detail={"field": _code(field) or "other"})
