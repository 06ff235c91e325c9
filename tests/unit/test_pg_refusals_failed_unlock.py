"""A refused unlock on the house server is in the house's audit log too (NEN 7513, BIO:
failed logins are logged; issue 22, point 1: every service works on both engines).

On a vault folder each failed attempt is written, at the next successful unlock of the same
program, as an ``unlock`` row with result ``failed`` that names the account typed (never the
passphrase). On the server the workstation cannot write before a login succeeds either, so
the same holds there; and because the server refuses a wrong passphrase, an unknown account
and a revoked account alike (its login is dropped), the row gives one reason for all three:
nobody learns from the log which accounts exist. Fails on 45f1d89 (no row on the server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.roles import Role
from app.errors import WrongPassphrase
from app.services import accounts
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE, ROLE_ACCOUNTS, unlock_as

WRONG = "een verkeerde wachtzin voor de proef"


@pytest.fixture
def admin(suite_house: Any) -> Iterator[OpenVault]:
    opened = suite_house.fresh().unlock(suite_house.admin, suite_house.admin_passphrase,
                                        exclusive=False)
    yield opened
    if opened.is_open:
        opened.lock(audit_it=False)


def test_refused_unlocks_reach_the_audit_log_alike(admin: OpenVault) -> None:
    director = ROLE_ACCOUNTS[Role.PROCESS_DIRECTOR]
    centre = ROLE_ACCOUNTS[Role.INFORMATION_CENTRE]
    unlock_as(admin, Role.PROCESS_DIRECTOR).lock()
    unlock_as(admin, Role.INFORMATION_CENTRE).lock()
    accounts.revoke_account(admin, centre)
    house = admin.vault
    admin.lock()
    for account in (director, "niemand_bekend", centre):
        with pytest.raises(WrongPassphrase):
            house.unlock(account, WRONG)
    opened = house.unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        with opened.read() as conn:  # the administrator reads the whole log
            rows = conn.execute(select(audit_log).where(
                audit_log.c.action == "unlock", audit_log.c.result == "failed"
            ).order_by(audit_log.c.id)).mappings().all()
            last = conn.execute(select(audit_log.c.actor, audit_log.c.action).order_by(
                audit_log.c.id.desc()).limit(1)).one()
    finally:
        opened.lock()
    assert [r["object_id"] for r in rows] == [director, "niemand_bekend", centre]
    assert {json.loads(r["detail"])["reason"] for r in rows} == {"refused"}
    assert all(r["object_type"] == "account" and r["actor"] == "-" for r in rows)
    assert not any(WRONG in json.dumps({k: str(v) for k, v in r.items()}) for r in rows)
    # written by the successful unlock, before its own row
    assert tuple(last) == (ADMIN, "unlock")
