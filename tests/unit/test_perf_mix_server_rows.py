"""The house server's raw reads after issue 23's work on its case list (point 2): a value is
converted only where its column's type needs it, and a sealed column's fixed place is checked
and built once per column, not once per value; what the reads answer is unchanged.

- Mechanism, without a server: 1,000 rows of texts and whole numbers through
  ``dialect.cursor``'s server cursor make no conversion call per value (before: one per value
  of every column); a day comes back as its ISO text, a moment as SQLite's text, NULL as
  None, a text that shares its column name with a sealed column but is read as text (a
  party's ``name``) as it is. 1,000 values of one sealed column open with the table and
  column checked once (before: two regular expressions per value) and an integer or digits
  row key without the row's expression.
- Behaviour, on both engines (the house server where PostgreSQL is installed): one raw read
  of a registered case's number, dates, moments, a NULL, its sealed names, birth date and BSN
  and the referring party's name gives the same tuple as the vault file, with the values the
  referral was registered with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime, UTC
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql

from app.domain.cases import Subject, SubjectRole
from app.domain.intake import Referral
from app.domain.life_domains import LifeDomain
from app.domain.protocols import Protocol
from app.services import intake
from app.services import parties as party_service
from app.store import dialect, field_crypto
from app.store.field_crypto import FieldCipher
from tests.unit.test_pg_services import DIRECTOR, DIRECTOR_PASS, House, house  # noqa: F401

# -- the mechanism, on a stand-in for the server's answer -------------------------------------

TEXT, INT8, DATE, TIMESTAMPTZ = 25, 20, 1082, 1184


class _Answer:
    """What SQLAlchemy hands back from the server: keys, the cursor's description (the
    columns' type OIDs), and the rows (iterated one by one or in partitions)."""

    returns_rows = True

    def __init__(self, names: Sequence[str], kinds: Sequence[int],
                 rows: list[tuple[Any, ...]]) -> None:
        self._names = list(names)
        self._rows = rows
        self.cursor = SimpleNamespace(description=[(n, k) for n, k in zip(names, kinds,
                                                                            strict=True)])

    def keys(self) -> list[str]:
        return self._names

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)

    def partitions(self, size: int) -> Iterator[list[tuple[Any, ...]]]:
        for at in range(0, len(self._rows), size):
            yield self._rows[at:at + size]


class _Server:
    """A connection on the server that answers every statement with ``answer``."""

    def __init__(self, answer: _Answer) -> None:
        self.answer = answer
        self.dialect = postgresql.dialect()

    def execute(self, statement: Any, params: Any = None) -> _Answer:
        return self.answer


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls = [0]
    real = getattr(module, name)

    def counted(*args: Any) -> Any:
        calls[0] += 1
        return real(*args)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_texts_and_numbers_come_back_without_a_call_per_value(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [(i, f"ZVH-2026-{i:04d}", "intake", None) for i in range(1, 1001)]
    calls = _counting(monkeypatch, dialect, "_as_sqlite_value")
    cursor = dialect.ServerCursor(_Server(_Answer(
        ["id", "number", "state", "note_id"], [INT8, TEXT, TEXT, INT8], rows)))  # type: ignore[arg-type]
    assert cursor.execute("SELECT id, number, state, note_id FROM cases").fetchall() == rows
    assert calls[0] == 0


def test_days_moments_and_nulls_come_back_as_sqlite_gives_them() -> None:
    moment = datetime(2026, 3, 2, 9, 5, 7, 120, tzinfo=UTC)
    rows: list[tuple[Any, ...]] = [(date(2026, 3, 2), moment, None, "Politie"),
                                   (None, None, None, "Gemeente")]
    cursor = dialect.ServerCursor(_Server(_Answer(
        ["received", "created_at", "closed_at", "name"],  # "name": also a sealed column's
        [DATE, TIMESTAMPTZ, TIMESTAMPTZ, TEXT], rows)))  # type: ignore[arg-type]
    assert cursor.execute("SELECT ...").fetchall() == [
        ("2026-03-02", "2026-03-02 09:05:07.000120", None, "Politie"),
        (None, None, None, "Gemeente")]


class _Counted:
    """A compiled expression that counts its ``match`` calls."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.calls = 0

    def match(self, text: str) -> re.Match[str] | None:
        self.calls += 1
        return self.pattern.match(text)


def test_a_columns_place_is_checked_once_not_per_value(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    cipher = FieldCipher(bytes(range(32)))
    # a column no other test opens, so its fixed part is built in this test
    stored = [(row, cipher.encrypt_text("perf_mix_probe", "search_key", row, f"waarde {row}"))
              for row in range(1, 1001)]
    identifier = _Counted(field_crypto._IDENTIFIER)
    row_id = _Counted(field_crypto._ROW_ID)
    monkeypatch.setattr(field_crypto, "_IDENTIFIER", identifier)
    monkeypatch.setattr(field_crypto, "_ROW_ID", row_id)
    for row, value in stored:
        assert cipher.decrypt_text("perf_mix_probe", "search_key", str(row), value) == (
            f"waarde {row}")
        assert cipher.decrypt_text("perf_mix_probe", "search_key", row, value) == (
            f"waarde {row}")
    assert identifier.calls <= 2
    assert row_id.calls == 0
    # a row key that is no number still gets its check
    assert field_crypto.associated_data("perf_mix_probe", "search_key", "12:3") == (
        b"casuskamer/1|perf_mix_probe|search_key|12:3")
    assert row_id.calls == 1


# -- the behaviour, on both engines -------------------------------------------------------------

RAW = """
    SELECT c.id, c.number, c.received, c.created_at, c.closed_at, s.surname, s.given_names,
           s.birth_date, s.bsn, p.name
      FROM cases c JOIN subjects s ON s.case_id = c.id JOIN parties p ON p.id =
           c.referring_party_id
     WHERE c.number = :number"""


def test_a_raw_read_answers_the_same_on_both_engines(house: House) -> None:
    director = house.unlock(DIRECTOR, DIRECTOR_PASS)
    police = party_service.find_party_by_name(director, "Politie regionale eenheid Den Haag")
    assert police is not None
    number = intake.register_referral(director, Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=police.id,
        received=date(2026, 3, 2), reason="Zorgen om de buurt", question="Een plan",
        subjects=(Subject("Anna Maria", "De Vries", date(1981, 6, 17),
                          SubjectRole.MAIN_SUBJECT, "111222333", "Lindelaan 4"),),
        life_domains={LifeDomain.HOUSING: "Schulden"}))
    with director.read() as conn:
        cursor = dialect.cursor(conn)
        try:
            found = cursor.execute(RAW, {"number": number}).fetchall()
        finally:
            cursor.close()
    assert len(found) == 1
    case_id, got_number, received, created, closed, surname, given, born, bsn, party = found[0]
    assert isinstance(case_id, int) and got_number == number
    assert (received, closed, surname, given, born, bsn, party) == (
        "2026-03-02", None, "De Vries", "Anna Maria", "1981-06-17", "111222333",
        "Politie regionale eenheid Den Haag")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", created), created
