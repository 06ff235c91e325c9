"""The query mix's large reads run without the cyclic garbage collector's passes (issue 23,
point 2): while the Cases list and the follow-up list read and build their rows no
collection starts (at 100,000 listed cases those passes were about a fifth of the list's and
a third of the follow-up's CPU time, finding nothing to free), and afterwards the collector
is as it was: on when it was on, off when the program had turned it off, also when two
threads read at once or a read fails.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.services import cases, followup
from app.store import bulk
from app.store import dialect
from app.store import followup as followup_rows
from app.vault.vault import OpenVault

from tests.unit.demo_house import make_demo_house, unlocked

DIRECTOR, PASSPHRASE = "regisseur", "zonder opruimronde door de lijst"
TODAY = date.today()


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_house(tmp_path_factory.mktemp("collector") / "kluis", cases=80,
                           seed=23, today=TODAY, director=DIRECTOR, passphrase=PASSPHRASE)


@pytest.fixture
def director(demo_folder: Path) -> Iterator[OpenVault]:
    with unlocked(demo_folder, DIRECTOR, PASSPHRASE) as opened:
        yield opened


@pytest.fixture
def eager_collector() -> Iterator[None]:
    """A collection at every new container object, so that any pass not paused shows."""
    was = gc.get_threshold()
    enabled = gc.isenabled()
    gc.enable()
    gc.set_threshold(1, 1, 1)
    try:
        yield
    finally:
        gc.set_threshold(*was)
        if not enabled:
            gc.disable()


class _Watch:
    """Counts the collections that start while a raw read's cursor runs a statement or
    hands over rows (every large read of the two lists goes through ``dialect.cursor``)."""

    def __init__(self) -> None:
        self.inside = 0
        self.during = 0
        self.fetches = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and self.inside:
            self.during += 1

    def timed(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def watched(*args: Any, **kwargs: Any) -> Any:
            self.inside += 1
            try:
                return call(*args, **kwargs)
            finally:
                self.inside -= 1
        return watched


class _WatchedCursor:
    def __init__(self, inner: Any, watch: _Watch) -> None:
        self._inner = inner
        self._watch = watch

    def execute(self, *args: Any) -> _WatchedCursor:
        self._watch.timed(self._inner.execute)(*args)
        return self

    def fetchall(self) -> Any:
        self._watch.fetches += 1
        return self._watch.timed(self._inner.fetchall)()

    def fetchmany(self, *args: Any) -> Any:
        self._watch.fetches += 1
        return self._watch.timed(self._inner.fetchmany)(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Watch]:
    found = _Watch()
    real = dialect.cursor
    monkeypatch.setattr(dialect, "cursor", lambda conn: _WatchedCursor(real(conn), found))
    gc.callbacks.append(found)
    try:
        yield found
    finally:
        gc.callbacks.remove(found)


def test_the_cases_list_reads_its_rows_without_a_collection(
        director: OpenVault, eager_collector: None, watch: _Watch) -> None:
    listed = cases.list_cases(director, today=TODAY)
    assert len(listed) > 0 and watch.fetches >= 5  # the listing and what stands beside it
    assert watch.during == 0
    assert gc.isenabled()


def test_the_follow_up_reads_its_rows_without_a_collection(
        director: OpenVault, eager_collector: None, watch: _Watch) -> None:
    found = followup.open_actions(director, today=TODAY)
    assert found and watch.fetches >= 1
    assert watch.during == 0
    assert gc.isenabled()


def test_a_list_leaves_a_collector_the_program_turned_off_off(director: OpenVault) -> None:
    enabled = gc.isenabled()
    gc.disable()
    try:
        cases.list_cases(director, today=TODAY)
        followup.open_actions(director, today=TODAY)
        assert not gc.isenabled()
    finally:
        if enabled:
            gc.enable()


def test_a_failed_read_gives_the_collector_back(director: OpenVault,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the read broke off")

    monkeypatch.setattr(followup_rows, "open_action_rows", broken)
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        followup.open_actions(director, today=TODAY)
    assert gc.isenabled()


def test_pauses_nest_and_overlap_across_threads() -> None:
    assert gc.isenabled()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with bulk.collector_paused():
            first_in.set()
            second_in.wait(5)
        seen["after first"] = gc.isenabled()
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with bulk.collector_paused():
            second_in.set()
            first_out.wait(5)
            seen["second, after first ended"] = gc.isenabled()
            with bulk.collector_paused():
                pass
            seen["second, after its nested pause"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"after first": False, "second, after first ended": False,
                    "second, after its nested pause": False}
    assert gc.isenabled()
