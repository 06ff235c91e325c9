"""The Cases table's memory at 100,000 listed cases (issue 23, point 5: <= +200 MB over bare
PySide6), as mechanisms (no measurement of the process):

- the list's answer keeps, per listed case, its three texts (number, main subject, search
  key) and a few machine words beside them: no tuple, no id or date object, no plan
  tuple per case (it was about 400 bytes more per case);
- a listing whose answer the caller keeps (the Cases screen's load of every case) does
  not keep the decrypted database pages beside it: its page cache stays small (about
  40 MB at 100,000 listed cases, names and BSNs among them, until the lock);
- the rows it builds on demand are the rows a plain SQL read gives.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from datetime import date
from enum import Enum
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

import pytest

from app.services import cases as case_service
from app.store import dialect as store_dialect
from app.vault.vault import OpenVault
from tests.unit.demo_house import make_demo_house, unlocked

DIRECTOR, PASSPHRASE = "regisseur", "zuinig met geheugen in de lijst"
TODAY = date.today()

#: What a listed case may hold beside its three texts, in bytes: a pointer per column
#: (number, main subject, search key, received day, built row), the id and the referring
#: party as machine integers, protocol and state a byte each, its share of the per-case
#: counts of open and overdue actions (a dictionary entry with its key) and, in a house
#: of a few hundred cases, its share of what the list holds once (the parties' names).
#: A tuple per case with its id, its date text and its plan's tuple was about 360.
BESIDE_TEXTS_PER_CASE = 200


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_house(tmp_path_factory.mktemp("perf_table") / "kluis", cases=600,
                           seed=11, today=TODAY, director=DIRECTOR, passphrase=PASSPHRASE)


@pytest.fixture
def director(demo_folder: Path) -> Iterator[OpenVault]:
    with unlocked(demo_folder, DIRECTOR, PASSPHRASE) as opened:
        yield opened


def _reachable(root: object) -> list[Any]:
    """Every object reachable from ``root`` (each once), leaving out what is shared by the
    whole program: modules, classes, functions and enum members."""
    seen: set[int] = set()
    found: list[Any] = []
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, (type, ModuleType, FunctionType, Enum)):
            continue
        seen.add(id(obj))
        found.append(obj)
        todo.extend(gc.get_referents(obj))
    return found


def _listed_texts(vault: OpenVault) -> list[tuple[str, str, str]]:
    """Number, main subject and search key of every listed case, read with plain SQL."""
    with vault.read() as conn:
        return [(str(n), str(m or ""), str(k or n)) for n, m, k in conn.exec_driver_sql(
            "SELECT c.number, cs.main_subject, cs.search_key FROM cases c"
            " LEFT JOIN case_search cs ON cs.case_id = c.id"
            " WHERE c.state != 'destroyed'").fetchall()]


def test_the_list_keeps_little_beside_each_cases_texts(director: OpenVault) -> None:
    rows = case_service.list_cases(director)
    texts = _listed_texts(director)
    assert len(rows) == len(texts) > 300
    of_texts = sum(sys.getsizeof(t) for row in texts for t in row)
    beside = (sum(map(sys.getsizeof, _reachable(rows))) - of_texts) / len(rows)
    assert beside <= BESIDE_TEXTS_PER_CASE, f"{beside:.0f} bytes per case beside its texts"


def test_no_object_per_case_but_its_texts_until_a_row_is_asked_for(
        director: OpenVault) -> None:
    rows = case_service.list_cases(director)
    with director.read() as conn:
        days = conn.exec_driver_sql(
            "SELECT count(DISTINCT received) FROM cases WHERE state != 'destroyed'").scalar()
    assert days is not None and days < len(rows)
    held = _reachable(rows)
    # no tuple, date or whole number per case: about one of each per plan, day or
    # count at most
    assert sum(isinstance(o, tuple) for o in held) < len(rows) // 4
    assert sum(isinstance(o, date) for o in held) == 0
    assert sum(type(o) is int for o in held) < len(rows)
    # the received days: one text per day, shared by the cases of that day
    assert sum(isinstance(o, str) for o in held) <= 3 * len(rows) + days + 100


def test_a_read_the_caller_keeps_leaves_a_small_page_cache(
        director: OpenVault, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    real = store_dialect.widen_page_cache

    def recording(conn: Any, kib: int) -> None:
        asked.append(kib)
        real(conn, kib)

    monkeypatch.setattr(store_dialect, "widen_page_cache", recording)
    kept = case_service.list_cases(director, once=True)
    assert asked and max(asked) <= 8 * 1024  # KiB: a few MB, not the 128 MB of repeated reads
    again = case_service.list_cases(director)  # the same cases as the repeated kind
    assert kept == again


def test_built_rows_are_what_sql_says(director: OpenVault) -> None:
    rows = case_service.list_cases(director)
    with director.read() as conn:
        plain = conn.exec_driver_sql(
            "SELECT c.id, c.number, c.protocol, c.state, c.received, coalesce(p.name, '')"
            " FROM cases c LEFT JOIN parties p ON p.id = c.referring_party_id"
            " WHERE c.state != 'destroyed'"
            " ORDER BY c.number_year DESC, c.number_seq DESC").fetchall()
    got = [(r.id, r.number, r.protocol.value, r.state.value, r.received, r.referring_party)
           for r in rows]
    assert got == [(i, n, p, s, date.fromisoformat(str(d)[:10]), name)
                   for i, n, p, s, d, name in plain]
    fresh = case_service.list_cases(director)
    assert fresh[-1].number == plain[-1][1]  # a negative position: the last case
