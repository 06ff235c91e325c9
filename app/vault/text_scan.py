"""Stored texts that break the rule for invisible characters (issue 25, point 3;
``app.domain.text_rules``): written before the rule, or by a path that missed it.

``casuskamer verify`` lists them so that a process director can correct them: per table and
column the record ids and, for case data, the case numbers. Never a value: the listing is as
free of personal data as the audit log. Migration 0012 recorded the counts it found at the
upgrade in ``meta['text_findings']`` (:func:`counts_at_upgrade`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table

from app.domain.text_rules import (BIDI_CONTROLS, FREE_TEXT_CONTROLS, free_text_offences,
                                   identifying_offences)
from app.store import text_columns, vault_meta
from app.store.schema import metadata
from app.store.sealed import Sealed
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


#: The characters free text may not hold (row 3 of ``app.domain.text_rules``): the control
#: characters (Unicode category Cc is exactly U+0000-001F and U+007F-009F) except those free
#: text may hold, the bidi controls and the surrogates (Cs).
_PROSE_OFFENCES = re.compile("[" + "".join(
    re.escape(ch) for ch in sorted(
        {chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))} - FREE_TEXT_CONTROLS
        | BIDI_CONTROLS)) + "\ud800-\udfff]")


def _suspect(joined: str, identifying: bool) -> bool:
    """Whether a chunk's joined texts may hold a text that breaks the rule: for an
    identifying field, any character that is not printable (every Cc, Cf and Cs character
    is not); for prose, any character row 3 refuses."""
    if identifying:
        return not joined.isprintable()
    return _PROSE_OFFENCES.search(joined) is not None


def find_invisible(conn: Connection) -> list[TextFinding]:
    """Every stored text that breaks the rule, by table and column, in record order.

    Each table is read once, in chunks of rows with each column's texts joined
    (``app.store.text_columns``); a chunk's column whose joined text may hold an offence
    (:func:`_suspect`) is read again row by row and each text judged by
    :func:`breaks_rule`: the same findings as judging every text one by one.

    On the house server the texts are sealed: each is opened on the workstation and judged
    there (:func:`_find_on_server`)."""
    if text_columns.on_server(conn):
        return _find_on_server(conn)
    present = text_columns.tables_present(conn)
    by_table: dict[tuple[str, str | None], list[tuple[int, str, bool]]] = {}
    for order, (table, column, identifying, case_column) in enumerate(TEXT_COLUMNS):
        if table in present:
            by_table.setdefault((table, case_column), []).append((order, column, identifying))
    hits: list[tuple[int, int, str, str, int | None]] = []
    for (table, case_column), columns in by_table.items():
        for first, last, joined in text_columns.joined_chunks(
                conn, table, [column for _order, column, _identifying in columns]):
            for (order, column, identifying), text in zip(columns, joined):
                if text is None or not _suspect(text, identifying):
                    continue
                for rowid, case_id, value in text_columns.rows_between(
                        conn, table, case_column, column, first, last):
                    if isinstance(value, str) and breaks_rule(value, identifying):
                        hits.append((order, int(rowid), table, column,
                                     None if case_id is None else int(case_id)))
    hits.sort()
    numbers = text_columns.case_numbers(conn, [h[4] for h in hits if h[4] is not None])
    return [TextFinding(table, column, rowid, numbers.get(case_id) if case_id is not None
                        else None) for _order, rowid, table, column, case_id in hits]


def _find_on_server(conn: Connection) -> list[TextFinding]:
    """:func:`find_invisible` on the house server: every text column the logged-in role may
    read, each value opened on the workstation and judged by :func:`breaks_rule`; a column
    the role may not read is not judged (a process director's verify reads the case
    tables)."""
    return ServerTexts().findings(conn)


class ServerTexts:
    """The scan for invisible characters on the house server, in the same pass as verify's
    check of the sealed values (``app.store.sealed.unreadable_values``), so that each value
    is opened once: :meth:`opened_row` judges the values of a row that pass opened, and
    :meth:`findings` reads what that pass did not (the columns that are not sealed, and the
    tables it did not read), then gives every finding as :func:`find_invisible` does."""

    def __init__(self) -> None:
        #: table -> [(order, column, identifying)] of TEXT_COLUMNS
        self._columns: dict[str, list[tuple[int, str, bool]]] = {}
        self._case_column: dict[str, str | None] = {}
        for order, (table, column, identifying, case_column) in enumerate(TEXT_COLUMNS):
            self._columns.setdefault(table, []).append((order, column, identifying))
            self._case_column[table] = case_column
        #: (order, record, table, column): the case of a hit is looked up at the end
        self._hits: list[tuple[int, int, str, str]] = []

    def opened_row(self, table: Table, key: tuple[Any, ...], values: Mapping[str, Any]
                   ) -> None:
        """Judge the texts of one row whose sealed values were opened (its primary key and
        the values that opened, by column): the hook of ``sealed.unreadable_values``."""
        columns = self._columns.get(table.name)
        if not columns:
            return
        for order, column, identifying in columns:
            if column not in table.c or not isinstance(table.c[column].type, Sealed):
                continue
            value = values.get(column)
            if isinstance(value, str) and breaks_rule(value, identifying):
                self._hits.append((order, int(key[0]), table.name, column))

    def findings(self, conn: Connection, opened_tables: Iterable[Table] = ()
                 ) -> list[TextFinding]:
        """Every finding, in the order :func:`find_invisible` gives them. ``opened_tables``:
        the tables whose sealed values went through :meth:`opened_row` (every row of them);
        their sealed text columns are not read again."""
        opened = {t.name for t in opened_tables}
        for table, columns in self._columns.items():
            left = [c for c in columns if not (
                table in opened and isinstance(metadata.tables[table].c[c[1]].type, Sealed))]
            self._judge_by_reading(conn, table, left)
        hits = sorted(self._hits)
        case_ids: dict[tuple[str, int], int | None] = {}
        for table in {h[2] for h in hits}:
            records = [h[1] for h in hits if h[2] == table]
            case_ids.update(((table, record), case_id) for record, case_id in
                            text_columns.server_case_ids(conn, table, self._case_column[table],
                                                         records).items())
        numbers = text_columns.server_case_numbers(
            conn, [c for c in case_ids.values() if c is not None])
        found = []
        for _order, record, table, column in hits:
            case_id = case_ids.get((table, record))
            found.append(TextFinding(table, column, record,
                                     numbers.get(case_id) if case_id is not None else None))
        return found

    def _judge_by_reading(self, conn: Connection, table: str,
                          columns: list[tuple[int, str, bool]]) -> None:
        """Read and judge ``columns`` of ``table`` (those the role may read, and only when it
        may read the case column too)."""
        if not columns:
            return
        case_column = self._case_column[table]
        names = [column for _order, column, _identifying in columns]
        readable = set(text_columns.readable_columns(
            conn, table, names + ([case_column] if case_column else [])))
        judged = [c for c in columns if c[1] in readable]
        if not judged or (case_column and case_column not in readable):
            return
        for record, _case_id, values in text_columns.server_rows(
                conn, table, case_column, [column for _order, column, _i in judged]):
            for (order, column, identifying), value in zip(judged, values, strict=True):
                if isinstance(value, str) and breaks_rule(value, identifying):
                    self._hits.append((order, record, table, column))


def text_findings(vault: OpenVault) -> list[TextFinding]:
    """:func:`find_invisible` on the open vault (what ``casuskamer verify`` lists)."""
    with vault.read() as conn:
        return find_invisible(conn)


def counts_at_upgrade(conn: Connection) -> dict[str, int]:
    """What migration 0012 counted per ``table.column`` (empty: nothing, or a new vault)."""
    value = vault_meta.values(conn, ("text_findings",)).get("text_findings")
    try:
        counts = json.loads(value) if value else {}
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in counts.items()} if isinstance(counts, dict) else {}
