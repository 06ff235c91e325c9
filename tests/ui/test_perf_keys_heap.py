"""A long case list is kept out of Python's full garbage collections (issue 23, point 3).

A full collection walked the whole program and the 100,000 listed cases' lists and tables:
50-60 ms, and a keystroke in the case search that it fell into took as long. Once a long
list is shown, the model freezes the heap (``gc.freeze``), so a collection no longer walks
the rows; on lock the freeze is lifted, so that what the locked screens held in reference
cycles is freed as before (nothing personal kept by the freeze).

The list here is a small demo house; the length from which the model freezes is lowered for
the test (at its default a small list is left alone, so no test pays a full collection).
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.services import cases as case_service
from app.vault.vault import OpenVault
from ui.cases import case_table
from ui.cases.case_table import CaseTableModel

from tests.unit.demo_house import make_demo_house, unlocked

DIRECTOR, PASSPHRASE = "regisseur", "de lijst buiten de opruimer houden"


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_house(tmp_path_factory.mktemp("heap") / "kluis", cases=60, seed=11,
                           today=date.today(), director=DIRECTOR, passphrase=PASSPHRASE)


@pytest.fixture
def director(demo_folder: Path) -> Iterator[OpenVault]:
    with unlocked(demo_folder, DIRECTOR, PASSPHRASE) as opened:
        yield opened


@pytest.fixture
def long_from_one(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every list counts as long; whatever happens, the test leaves no freeze behind."""
    monkeypatch.setattr(case_table, "FREEZE_FROM_ROWS", 1, raising=False)
    try:
        yield
    finally:
        gc.unfreeze()


def _in_collectors_sight(obj: Any) -> bool:
    """Whether a collection can walk ``obj``: it is in one of the collector's generations
    (``gc.get_objects`` lists those, not the frozen ones)."""
    return any(o is obj for o in gc.get_objects())


class _Cycle:
    """An object in a reference cycle: only a collection frees it."""

    def __init__(self) -> None:
        self.me = self


def test_a_shown_long_list_is_not_walked_by_a_collection(
        director: OpenVault, qapp: Any, long_from_one: None) -> None:
    model = CaseTableModel()
    rows = case_service.list_cases(director)
    assert len(rows) > 0
    model.set_rows(rows)
    shown = model.rows()
    # The answer and the lists behind it (one entry per case) are out of the collector's
    # sight; so is what existed before (the program's own objects, here the model).
    assert not _in_collectors_sight(shown)
    assert not _in_collectors_sight(shown._cols.keys)  # the lists behind it
    assert not _in_collectors_sight(shown._cols.main)
    assert not _in_collectors_sight(model)
    assert gc.get_freeze_count() > 0
    # What is made afterwards is collected as usual.
    later = _Cycle()
    assert _in_collectors_sight(later)
    model.clear()


def test_the_lock_lifts_the_freeze_and_frees_the_cycles_it_kept(
        director: OpenVault, qapp: Any, long_from_one: None) -> None:
    held = _Cycle()  # as a locked screen's widgets hold a case in a cycle
    gone = weakref.ref(held)
    model = CaseTableModel()
    model.set_rows(case_service.list_cases(director))
    del held
    gc.collect()
    assert gone() is not None  # frozen: not walked, so not freed yet
    model.clear()  # on lock
    assert gc.get_freeze_count() == 0
    gc.collect()  # what the main window does once the locked workspace is destroyed
    assert gone() is None


def test_a_short_list_is_left_alone(director: OpenVault, qapp: Any) -> None:
    """At the default length a small list freezes nothing (the collection before a freeze
    costs a moment; it pays off only for a long list)."""
    assert len(case_service.list_cases(director)) < case_table.FREEZE_FROM_ROWS
    model = CaseTableModel()
    model.set_rows(case_service.list_cases(director))
    try:
        assert gc.get_freeze_count() == 0
        assert _in_collectors_sight(model.rows())
    finally:
        model.clear()
        gc.unfreeze()
