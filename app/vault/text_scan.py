"""Stored texts that break the rule for invisible characters (issue 25, point 3;
``app.domain.text_rules``): written before the rule, or by a path that missed it.

``casuskamer verify`` lists them so that a process director can correct them: per table and
column the record ids and, for case data, the case numbers. Never a value: the listing is as
free of personal data as the audit log. Migration 0012 recorded the counts it found at the
upgrade in ``meta['text_findings']`` (:func:`counts_at_upgrade`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection

from app.domain.text_rules import free_text_offences, identifying_offences
from app.vault.vault import OpenVault

#: (table, column, identifying, the column that names the case or None). Prose columns
#: (identifying False) may keep line breaks and tabs and other format characters.
TEXT_COLUMNS: tuple[tuple[str, str, bool, str | None], ...] = (
    ("subjects", "given_names", True, "case_id"), ("subjects", "surname", True, "case_id"),
    ("subjects", "address", True, "case_id"), ("subjects", "bsn", True, "case_id"),
    ("cases", "referring_contact", True, "id"), ("cases", "reason", False, "id"),
    ("cases", "question", False, "id"), ("cases", "decline_reason", False, "id"),
    ("cases", "decline_advice", False, "id"),
    ("life_domain_problems", "description", False, "case_id"),
    ("criteria_answers", "motivation", False, "case_id"),
    ("information_items", "text", False, "case_id"),
    ("information_items", "use_restriction", False, "case_id"),
    ("parties", "name", True, None), ("parties", "address", True, None),
    ("parties", "representative", True, None), ("party_contacts", "name", True, None),
    ("party_contacts", "function", True, None), ("party_contacts", "phone", True, None),
    ("meetings", "place", True, None), ("meetings", "chair", True, None),
    ("attendees", "name", True, None), ("attendees", "function", True, None),
    ("agenda_items", "goal", False, "case_id"), ("minutes_entries", "text", False, "case_id"),
    ("minutes_entries", "owner", True, "case_id"), ("case_minutes", "body", False, "case_id"),
)


@dataclass(frozen=True)
class TextFinding:
    """One stored text that holds a character its field may not hold."""

    table: str
    column: str
    record: int            # the row's rowid (its id where the table has one)
    case_number: str | None


def breaks_rule(text: str, identifying: bool) -> bool:
    offences = identifying_offences(text) if identifying else free_text_offences(text)
    return not text.isprintable() and next(iter(offences), None) is not None


def find_invisible(conn: Connection) -> list[TextFinding]:
    """Every stored text that breaks the rule, by table and column, in record order."""
    present = {r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
    numbers: dict[int, str] | None = None
    found: list[TextFinding] = []
    for table, column, identifying, case_column in TEXT_COLUMNS:
        if table not in present:
            continue
        case_sql = f'"{case_column}"' if case_column else "NULL"
        rows = conn.exec_driver_sql(
            f'SELECT rowid, {case_sql}, "{column}" FROM "{table}" ORDER BY rowid').fetchall()
        for rowid, case_id, value in rows:
            if not isinstance(value, str) or not breaks_rule(value, identifying):
                continue
            if numbers is None:
                numbers = dict(conn.exec_driver_sql("SELECT id, number FROM cases").fetchall())
            found.append(TextFinding(table, column, int(rowid),
                                     numbers.get(case_id) if case_id is not None else None))
    return found


def text_findings(vault: OpenVault) -> list[TextFinding]:
    """:func:`find_invisible` on the open vault (what ``casuskamer verify`` lists)."""
    with vault.read() as conn:
        return find_invisible(conn)


def counts_at_upgrade(conn: Connection) -> dict[str, int]:
    """What migration 0012 counted per ``table.column`` (empty: nothing, or a new vault)."""
    value = conn.exec_driver_sql(
        "SELECT value FROM meta WHERE key = 'text_findings'").scalar()
    try:
        counts = json.loads(value) if value else {}
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in counts.items()} if isinstance(counts, dict) else {}
