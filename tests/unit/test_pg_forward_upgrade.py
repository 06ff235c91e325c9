"""A house made before the forwarding position's row-level policy (``forward_position`` in
``app.store.pg_roles``: every role moves the queue's counter and the delivered head):
forwarding there never fails a user's action, and ``casuskamer upgrade`` gives the house the
policy, after which every role's rows are numbered on from the counter.

Fails on 45f1d89: there a process director's second audit row with forwarding on took the
queue number of the first (its role could not move the counter) and the action failed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.roles import Role
from app.store.tables import meta
from app.vault import forwarding
from app.vault.server_admin import upgrade_house
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.pg_engine import HOUSE_DB
from tests.unit.audit_forwarding_receiver import Authority, Receiver


pytestmark = pytest.mark.usefixtures("forwarding_waits")


@pytest.fixture
def admin(suite_house: Any) -> Iterator[OpenVault]:
    opened = suite_house.fresh().unlock(suite_house.admin, suite_house.admin_passphrase,
                                        exclusive=False)
    yield opened
    opened.lock(audit_it=False)


def _counter(suite_house: Any) -> int:
    with suite_house.as_administrator() as conn:
        return int(conn.execute(select(meta.c.value).where(
            meta.c.key == "forward_seq")).scalar_one())


def _has_policy(suite_house: Any) -> bool:
    with suite_house.pg.connect(suite_house.pg.superuser, suite_house.pg.superuser_password,
                                HOUSE_DB) as conn:
        return conn.execute("SELECT 1 FROM pg_policies WHERE tablename = 'meta' AND "
                            "policyname = 'forward_position'").fetchone() is not None


def test_an_older_house_forwards_and_gets_the_policy_at_upgrade(
        admin: OpenVault, suite_house: Any, tmp_path: Path) -> None:
    receiver = Receiver(Authority(tmp_path / "ca")).start()
    try:
        assert _has_policy(suite_house)
        with suite_house.pg.connect(suite_house.pg.superuser,
                                    suite_house.pg.superuser_password, HOUSE_DB) as conn:
            conn.execute("DROP POLICY forward_position ON meta")  # as made before it
        assert forwarding.configure(admin, receiver.address, receiver.authority.ca_pem) is None
        director = unlock_as(admin, Role.PROCESS_DIRECTOR)
        for n in range(3):  # none of the director's actions fails
            director.log_now("case.open", "case", f"2026-{n:04d}")
        assert forwarding.send_pending(director).problem is None
        queued_numbers = [int(m.params["seq"]) for m in receiver.unique()]
        assert queued_numbers == list(range(1, len(queued_numbers) + 1))

        pg = suite_house.pg
        upgrade_house(suite_house.profile, pg.superuser, pg.superuser_password)
        assert _has_policy(suite_house)
        counter = _counter(suite_house)
        director.log_now("case.open", "case", "2026-0009")
        assert _counter(suite_house) == counter + 1  # the director's row moved it
        assert forwarding.send_pending(director).problem is None
        assert receiver.unique()[-1].params["oid"] == "2026-0009"
    finally:
        receiver.stop()
