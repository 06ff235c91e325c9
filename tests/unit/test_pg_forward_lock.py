"""The background sender and the lock (``app.vault.forwarding._Connections``): a lock in
progress holds the vault's guard, and on a vault file its audit row may wait for the write
lock of the sender's transaction. So the sender never waits for the guard to give a
connection back: it closes the connection, leaves its write uncommitted (the rows stay
queued, sent again later; the collector de-duplicates) and returns. Nothing is lost and
nothing hangs. (An earlier version of this part waited for the guard: a lock and a send
could wait for each other until SQLite's busy timeout.)"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from app.store.tables import audit_log
from app.vault import forwarding
from app.vault.vault import OpenVault
from tests.unit.audit_forwarding_receiver import Receiver


pytestmark = pytest.mark.usefixtures("forwarding_waits")


def _send_on_a_thread(vault: OpenVault) -> tuple[threading.Thread,
                                                  list[forwarding.SendReport]]:
    outcome: list[forwarding.SendReport] = []
    sender = threading.Thread(target=lambda: outcome.append(
        forwarding.send_pending(vault, guarded=True)))
    sender.start()
    return sender, outcome


def _ids(vault: OpenVault) -> list[int]:
    with vault.read() as conn:
        return [int(i) for i in conn.execute(select(audit_log.c.id).order_by(
            audit_log.c.id)).scalars()]


def test_a_send_during_a_lock_in_progress_gives_up_its_write_and_loses_nothing(
        admin_vault: OpenVault, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    assert forwarding.configure(admin_vault, receiver.address,
                                receiver.authority.ca_pem) is None
    for n in range(3):
        admin_vault.log_now("case.open", "case", f"2026-{n:04d}")
    queued = forwarding.queued_count(admin_vault)
    assert queued >= 4

    # a send that starts while a lock is in progress: returns at once, sends nothing
    with admin_vault._guard:
        sender, outcome = _send_on_a_thread(admin_vault)
        sender.join(30)
        finished = not sender.is_alive()
    sender.join()
    assert finished, "the sender waited for the lock in progress"
    assert outcome[0].problem is not None and receiver.total() == 0
    assert forwarding.queued_count(admin_vault) == queued

    # the lock begins while the batch is on the network: its write is given up
    real = forwarding.deliver
    on_the_wire, lock_taken = threading.Event(), threading.Event()

    def deliver(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        on_the_wire.set()
        lock_taken.wait(30)

    monkeypatch.setattr(forwarding, "deliver", deliver)
    sender, outcome = _send_on_a_thread(admin_vault)
    assert on_the_wire.wait(30)
    with admin_vault._guard:  # a lock in progress
        lock_taken.set()
        sender.join(30)
        finished = not sender.is_alive()
    sender.join()
    monkeypatch.setattr(forwarding, "deliver", real)
    assert finished, "the sender waited for the lock in progress"
    assert outcome[0].problem is not None  # its write was given up
    assert forwarding.queued_count(admin_vault) == queued  # nothing taken off the queue
    assert receiver.total() == queued  # they were sent once already

    again = forwarding.send_pending(admin_vault, guarded=True)
    assert again.problem is None and again.queued == 0
    got = [int(m.params["id"]) for m in receiver.unique()]
    ids = _ids(admin_vault)
    assert got == ids[ids.index(got[0]):][:len(got)] and len(got) >= queued
    assert receiver.total() > len(got)  # sent twice, de-duplicated by the collector
