"""Tests change role by unlocking as an account of that role (issue 20, point 7), never by
assigning ``vault.actor``: ``tests.conftest.unlock_as`` opens the vault through the account's
key slot, so the role is the one the slot and the accounts table give it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.roles import Role
from app.errors import PermissionDenied
from app.services import accounts as account_service
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.conftest import unlock_as

TESTS = Path(__file__).resolve().parents[1]


def test_each_role_is_a_real_account_of_that_role(admin_vault: OpenVault) -> None:
    for role in (Role.PROCESS_DIRECTOR, Role.INFORMATION_CENTRE, Role.MANAGER):
        opened = unlock_as(admin_vault, role)
        assert opened.actor.role is role
        # the account exists in the vault, with that role, like one an administrator added
        known = {a.name: a.role for a in account_service.list_accounts(admin_vault)}
        assert known[opened.actor.account] is role
    # the administrator's own session is untouched
    assert admin_vault.actor.role is Role.ADMIN and admin_vault.is_open


def test_the_role_comes_from_the_account_not_from_the_test(admin_vault: OpenVault) -> None:
    manager = unlock_as(admin_vault, Role.MANAGER)
    with pytest.raises(PermissionDenied):
        account_service.add_account(manager, "iemand", Role.ADMIN,
                                    "blauwe reiger vangt zeven vissen")
    # unlocking again finds the account made the first time
    again = unlock_as(admin_vault, Role.MANAGER)
    assert again.actor == manager.actor
    with admin_vault.read() as conn:
        unlocks = conn.execute(select(audit_log.c.actor).where(
            audit_log.c.action == "unlock")).scalars().all()
    assert unlocks.count("manager") == 2, "each switch is a real unlock, audited"


def test_an_account_is_added_by_an_administrator_when_the_vault_is_not_one(
        admin_vault: OpenVault) -> None:
    director = unlock_as(admin_vault, Role.PROCESS_DIRECTOR)
    centre = unlock_as(director, Role.INFORMATION_CENTRE)
    assert centre.actor.role is Role.INFORMATION_CENTRE
    assert director.actor.role is Role.PROCESS_DIRECTOR


def test_the_session_that_goes_on_holds_the_folder(admin_vault: OpenVault) -> None:
    """hold_folder: the account the test goes on as holds the vault folder, so locking it
    lets the vault be unlocked again exclusively (as the unlock screen and commands do)."""
    director = unlock_as(admin_vault, Role.PROCESS_DIRECTOR, hold_folder=True)
    assert director.holds_folder_lock and not admin_vault.holds_folder_lock
    unlock_as(director, Role.ADMIN)            # a call in another role leaves it where it is
    assert director.holds_folder_lock
    director.lock(audit_it=False)
    again = admin_vault.vault.unlock("regisseur", "blauwe reiger vangt zeven vissen")
    assert again.holds_folder_lock
    again.lock(audit_it=False)


# That no test assigns ``vault.actor`` is checked by tests/unit/test_seam_vault_roles.py
# (from the syntax tree, with no file left out now that the reliability worker unlocks too).
