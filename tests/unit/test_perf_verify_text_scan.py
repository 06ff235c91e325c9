"""verify's scan for invisible characters (issue 25, point 3) made fast without finding less
(issue 23, point 5): each table is read once in chunks, each column of a chunk joined, and
only a suspect chunk is read again row by row. The findings are those of the rule itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from app.domain.text_rules import BIDI_CONTROLS, FREE_TEXT_CONTROLS
from app.services import demo_activity
from app.store import text_columns
from app.vault import text_scan
from app.vault.vault import OpenVault

TODAY = date(2026, 6, 1)
ZWSP, RLO, NUL, BEL, NBSP = "\u200b", "\u202e", "\x00", "\x07", "\u00a0"


@pytest.fixture
def filled(admin_vault: OpenVault) -> Iterator[OpenVault]:
    demo_activity.fill(admin_vault, cases=60, seed=3, today=TODAY)
    yield admin_vault


def _rowids(vault: OpenVault, table: str, column: str) -> list[int]:
    with vault.read() as conn:
        return [int(r[0]) for r in conn.exec_driver_sql(
            f'SELECT rowid FROM "{table}" WHERE "{column}" IS NOT NULL ORDER BY rowid')]


def _store(vault: OpenVault, table: str, column: str, rowid: int, value: str) -> None:
    """A text as a path that missed the rule (or the program before it) stored it."""
    with vault.begin() as conn:
        conn.exec_driver_sql(f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?',
                             (value, rowid))


def test_every_offending_text_is_found_across_tables_and_chunks(
        filled: OpenVault, monkeypatch: pytest.MonkeyPatch) -> None:
    # chunks of 7 rows, so the vault's tables span many chunks
    monkeypatch.setattr(text_columns, "CHUNK_ROWS", 7)
    surnames = _rowids(filled, "subjects", "surname")
    reasons = _rowids(filled, "cases", "reason")
    minutes = _rowids(filled, "minutes_entries", "text")
    bad = [  # (table, column, rowid, stored text): each breaks its field's rule
        ("subjects", "surname", surnames[0], f"Jan{ZWSP}sen"),
        ("subjects", "surname", surnames[-1], f"de{NUL}Vries"),
        ("cases", "reason", reasons[9], f"Zorgen {RLO}om het gezin"),
        ("minutes_entries", "text", minutes[15], f"Actie{BEL} uitgezet"),
    ]
    fine = [  # allowed: a prose text's lines and tabs, a no-break space in prose, a Persian
        # name's ZWNJ between two joining letters, Turkish letters
        ("cases", "reason", reasons[3], "Eerste regel\nTweede regel\tmet tab"),
        ("cases", "question", reasons[4], f"Vraag met{NBSP}harde spatie"),
        ("subjects", "surname", surnames[1], "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
        ("subjects", "given_names", surnames[2], "Şükrü Öztürk"),
    ]
    for table, column, rowid, value in bad + fine:
        _store(filled, table, column, rowid, value)
    found = text_scan.text_findings(filled)
    order = [f"{t}.{c}" for t, c, _i, _k in text_scan.TEXT_COLUMNS]
    expected = sorted(((t, c, r) for t, c, r, _v in bad),
                      key=lambda x: (order.index(f"{x[0]}.{x[1]}"), x[2]))
    assert [(f.table, f.column, f.record) for f in found] == expected
    with filled.read() as conn:
        case_of_subject = conn.exec_driver_sql(
            "SELECT c.number FROM subjects s JOIN cases c ON c.id = s.case_id "
            "WHERE s.rowid = ?", (surnames[0],)).scalar()
    assert found[0].case_number == case_of_subject


def test_each_table_is_read_in_one_pass_not_once_per_column(filled: OpenVault) -> None:
    """Old: one SELECT per (table, column): subjects four times, cases five times."""
    statements: list[str] = []
    with filled.read() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.set_trace_callback(statements.append)
        try:
            assert text_scan.find_invisible(conn) == []
        finally:
            raw.set_trace_callback(None)
    reads = [s for s in statements if "group_concat" in s or "surname" in s]
    subjects_reads = [s for s in statements if 'FROM "subjects"' in s and "rowid BETWEEN" in s]
    cases_reads = [s for s in statements if 'FROM "cases"' in s and "rowid BETWEEN" in s]
    assert reads, "the scan reads the text columns"
    # 60 cases and their subjects fit one chunk: one read of each table, all columns in it
    assert len(subjects_reads) == 1 and len(cases_reads) == 1
    assert all(f'"{c}"' in subjects_reads[0]
               for t, c, _i, _k in text_scan.TEXT_COLUMNS if t == "subjects")


@pytest.mark.parametrize("identifying", [True, False])
def test_the_quick_test_of_a_chunk_lets_no_offending_character_through(
        identifying: bool) -> None:
    """Every code point that the rule refuses in a field makes a chunk holding it suspect
    (checked for all of Unicode, between two Latin letters and between two Arabic ones)."""
    for code in range(0x110000):
        ch = chr(code)
        for text in (f"a{ch}b", f"\u0628{ch}\u0628"):
            if text_scan.breaks_rule(text, identifying):
                assert text_scan._suspect(f"Jansen {text} Pietersen", identifying), \
                    f"U+{code:04X}"


def test_prose_may_hold_its_own_controls_without_a_second_read() -> None:
    assert not text_scan._suspect("regel\nregel\r\n\tmet tab", identifying=False)
    assert all(text_scan._suspect(f"x{ch}y", identifying=False) for ch in BIDI_CONTROLS)
    assert not any(text_scan._suspect(f"x{ch}y", identifying=False)
                   for ch in FREE_TEXT_CONTROLS)
