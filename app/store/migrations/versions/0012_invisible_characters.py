"""Invisible characters in stored texts (issue 25, point 3): since this version names and
other identifying fields refuse control and format characters (a zero-width space, a bidi
override) and prose refuses control characters and bidi overrides. Texts written before
may hold them; this migration changes none of them (a person's data is corrected by a
process director, who knows which spelling is right). It:

- counts, per table and column, the rows whose text breaks the rule, and records only those
  counts (no value, no id) in ``meta`` under ``text_findings`` as JSON;
  ``casuskamer verify`` lists the records (case numbers and record ids) to correct;
- rebuilds the derived search keys (``subjects.surname_key`` and ``name_key``,
  ``case_search.search_key``, ``meetings.place_key``) without those characters, as search
  folding now drops them, so a name stored as ``Jan\\u200bsen`` is found, and is "already
  known", by "Jansen". The keys are folds of the texts, not data of their own.

The character rule is copied here (a migration never imports live code, which may change).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_JOINERS = "\u200c\u200d"
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_JOINING_SCRIPTS = frozenset({
    "ARABIC", "SYRIAC", "NKO", "MANDAIC", "MONGOLIAN", "DEVANAGARI", "BENGALI", "GURMUKHI",
    "GUJARATI", "ORIYA", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM", "SINHALA", "KHMER",
    "MYANMAR", "TIBETAN",
})

#: (table, column, identifying): identifying fields refuse every Cc/Cf; prose only Cc
#: (but line breaks and tabs) and the bidi controls.
_COLUMNS = (
    ("subjects", "given_names", True), ("subjects", "surname", True),
    ("subjects", "address", True), ("subjects", "bsn", True),
    ("cases", "referring_contact", True), ("cases", "reason", False),
    ("cases", "question", False), ("cases", "decline_reason", False),
    ("cases", "decline_advice", False), ("life_domain_problems", "description", False),
    ("criteria_answers", "motivation", False), ("information_items", "text", False),
    ("information_items", "use_restriction", False),
    ("parties", "name", True), ("parties", "address", True),
    ("parties", "representative", True), ("party_contacts", "name", True),
    ("party_contacts", "function", True), ("party_contacts", "phone", True),
    ("meetings", "place", True), ("meetings", "chair", True),
    ("attendees", "name", True), ("attendees", "function", True),
    ("agenda_items", "goal", False), ("minutes_entries", "text", False),
    ("minutes_entries", "owner", True), ("case_minutes", "body", False),
)
#: (table, key column, primary key): rows are rewritten by their primary key (SQLite's
#: rowid does not exist on PostgreSQL).
_KEYS = (("subjects", "surname_key", "id"), ("subjects", "name_key", "id"),
         ("case_search", "search_key", "case_id"), ("meetings", "place_key", "id"))


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs")


def _joining(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM" and \
        unicodedata.name(ch, "").split(" ", 1)[0] in _JOINING_SCRIPTS


def breaks_rule(text: str, identifying: bool) -> bool:
    if text.isprintable():
        return False
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if identifying:
            if not _invisible(ch):
                continue
            if ch in _JOINERS and 0 < i < len(text) - 1 and _joining(text[i - 1]) \
                    and _joining(text[i + 1]):
                continue
            return True
        if (category == "Cc" and ch not in "\n\r\t") or category == "Cs" or ch in _BIDI:
            return True
    return False


def clean_key(key: str) -> str:
    """A search key without Cc/Cf/Cs characters, each word once (as folding makes it now)."""
    if key.isprintable():
        return key
    kept = "".join(ch for ch in key if ch.isspace() or not _invisible(ch))
    return " ".join(dict.fromkeys(kept.split()))


def _tables(conn) -> set[str]:  # type: ignore[no-untyped-def]
    """The tables present (the inspector: sqlite_master on SQLite, the catalogue on
    PostgreSQL)."""
    return set(sa.inspect(conn).get_table_names())


def upgrade() -> None:
    conn = op.get_bind()
    present = _tables(conn)
    counts: dict[str, int] = {}
    for table, column, identifying in _COLUMNS:
        if table not in present:
            continue
        rows = conn.exec_driver_sql(f'SELECT "{column}" FROM "{table}"').fetchall()
        found = sum(1 for (value,) in rows
                    if isinstance(value, str) and breaks_rule(value, identifying))
        if found:
            counts[f"{table}.{column}"] = found
    for table, column, pk in _KEYS:
        if table not in present:
            continue
        changed = [{"key": clean_key(key), "pk": row_id} for row_id, key in conn.exec_driver_sql(
            f'SELECT "{pk}", "{column}" FROM "{table}"').fetchall()
            if isinstance(key, str) and clean_key(key) != key]
        if changed:
            conn.execute(sa.text(f'UPDATE "{table}" SET "{column}" = :key WHERE "{pk}" = :pk'),
                         changed)
    conn.exec_driver_sql("DELETE FROM meta WHERE key = 'text_findings'")
    conn.execute(sa.text("INSERT INTO meta(key, value) VALUES ('text_findings', :value)"),
                 {"value": json.dumps(counts, sort_keys=True)})


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward")
