"""The demo's second process (issue 23, point 6): items arrive in order, a referral the
import's rules refuse stops the demo with the same one-line refusal as in one process, a
child that dies stops the demo with an error instead of a hang, and stopping early leaves
no process behind."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from datetime import date

import pytest

from app.domain.wizard import FieldError
from app.errors import CasuskamerError
from app.services import demo_producer, parties, synthetic
from app.services.referral_import import ImportRefused
from app.vault.vault import OpenVault


def numbers(n: int) -> Iterator[int]:
    yield from range(n)


def test_items_arrive_in_order() -> None:
    assert list(demo_producer.in_second_process(lambda: numbers(25))) == list(range(25))
    assert multiprocessing.active_children() == []


def refusing() -> Iterator[int]:
    yield 1
    raise ImportRefused([FieldError("referrals[3].subjects[0].bsn",
                                    "fails the eleven-test")])


def test_a_refusal_in_the_child_is_the_same_refusal_here() -> None:
    got: list[int] = []
    with pytest.raises(ImportRefused) as refused:
        for item in demo_producer.in_second_process(refusing):
            got.append(item)
    assert got == [1]
    assert refused.value.problems == [FieldError("referrals[3].subjects[0].bsn",
                                                 "fails the eleven-test")]
    assert multiprocessing.active_children() == []


def dying() -> Iterator[int]:
    yield 1
    os.kill(os.getpid(), signal.SIGKILL)
    yield 2


def test_a_child_that_dies_stops_the_demo_instead_of_hanging() -> None:
    got: list[int] = []
    with pytest.raises(demo_producer.ProducerFailed) as failed:
        for item in demo_producer.in_second_process(dying):
            got.append(item)
    assert got == [1]
    assert multiprocessing.active_children() == []
    # the command line's one-line error, not a traceback
    assert isinstance(failed.value, CasuskamerError) and "\n" not in str(failed.value)


def failing() -> Iterator[int]:
    raise KeyError("Jansen")   # a value from the data must not reach the message
    yield 0


def test_another_failure_names_its_kind_only() -> None:
    with pytest.raises(demo_producer.ProducerFailed) as failed:
        list(demo_producer.in_second_process(failing))
    assert "KeyError" in str(failed.value) and "Jansen" not in str(failed.value)


def test_stopping_early_ends_the_child() -> None:
    source = demo_producer.in_second_process(lambda: numbers(10_000_000))
    assert next(source) == 0
    source.close()   # what a failure in the writer does to the loop over it
    assert multiprocessing.active_children() == []


def test_checked_chunks_are_what_the_import_rules_make(admin_vault: OpenVault) -> None:
    """A chunk checked in the child holds, position for position, what the import's rules
    make of its referrals; leaving some out keeps the pairs together."""
    today = date(2026, 11, 1)
    names = {p.name: p.id for p in parties.list_parties(admin_vault)}
    standings = parties.standings(admin_vault)
    made = list(demo_producer.in_second_process(lambda: synthetic.checked_chunks(
        synthetic.iter_referrals(25, 3, today=today), 10, parties_by_name=names,
        standings=standings, today=today)))
    assert [len(c.referrals) for c in made] == [10, 10, 5]
    for chunk in made:
        assert [p.external_ref for p in chunk.parsed] == [
            r["external_ref"] for r in chunk.referrals]
        assert [len(p.subjects) for p in chunk.parsed] == [
            len(r["subjects"]) for r in chunk.referrals]
    dropped = made[0].referrals[2]["external_ref"]
    fewer = made[0].without({dropped})
    assert len(fewer.referrals) == len(fewer.parsed) == 9
    assert dropped not in {p.external_ref for p in fewer.parsed}
