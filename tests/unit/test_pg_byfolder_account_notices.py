"""Account notices on the house server (issue 17, point 4; issue 22, points 1 and 3).

The rule (issue 17): adding or revoking an account reaches every process director and
administrator at their next unlock, once, with who did it and when; the information centre
and the manager are told nothing. On the server, row-level security shows a role only the
audit rows about its own account (and, to who may see cases, the disclosure rows), so a
process director's session did not see the administrator's ``account.add`` and
``account.revoke`` rows and was told nothing: the notice the covenant's case-substance role
is to get (an account nobody notices is the finding of issue 17) never reached it there.
The server now lets the roles that are told read those rows, and no other row.

Fails on HEAD 45f1d89: the policy did not exist (the first test), the director's notices
were empty on the server (the second, server case), and the director read no account row
of another account (the third)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.domain.roles import Role
from app.services import accounts
from app.store import pg_roles
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.conftest import ROLE_ACCOUNTS, unlock_as
from tests.unit.pg_centre_fixtures import admin  # noqa: F401  (fixture: both engines)

#: Who is told, and of what (issue 17, point 4: "adding or revoking an account reaches every
#: process director and administrator at their next unlock").
TOLD = {Role.PROCESS_DIRECTOR, Role.ADMIN}
NOT_TOLD = {Role.INFORMATION_CENTRE, Role.MANAGER}


def test_the_servers_policy_lets_exactly_the_told_roles_read_the_account_changes() -> None:
    """The policy the server is given: on the audit table, for reading, to the group roles
    of the process director and the administrator only, rows about accounts that record an
    account added or revoked."""
    statements = pg_roles.session_policy_statements("server_key_slots", prefix="ckt")
    [policy] = [s for s in statements if s.startswith("CREATE POLICY account_notices ")]
    found = re.fullmatch(r"CREATE POLICY account_notices ON (\S+) FOR SELECT TO (.+?) "
                         r"USING \((.+)\)", policy)
    assert found is not None, policy
    table, roles, condition = found.groups()
    assert table.endswith(".audit_log") or table.endswith('."audit_log"'), table
    assert {r.strip() for r in roles.split(",")} == {pg_roles.group_role(r, "ckt")
                                                     for r in TOLD}
    assert "object_type = 'account'" in condition
    for action in ("'account.add'", "'account.revoke'"):
        assert action in condition
    # the program's own notices read no other action
    assert set(accounts.NOTICE_ACTIONS) <= set(pg_roles.ACCOUNT_NOTICE_ACTIONS)
    assert accounts.NOTICE_ROLES == TOLD


def _text(notices: list[Any]) -> list[str]:
    return [n.text() for n in notices]


def test_adding_and_revoking_reach_the_director_and_a_second_administrator_only(
        admin: OpenVault) -> None:  # noqa: F811
    """On both engines: every role has unlocked once and seen what came before; the first
    administrator adds a process director and revokes the manager. The director and a
    second administrator each get both notices once, naming the administrator; the centre
    and the manager get none."""
    sessions = {role: unlock_as(admin, role) for role in (Role.PROCESS_DIRECTOR,
                                                         Role.INFORMATION_CENTRE,
                                                         Role.MANAGER)}
    second = unlock_as(admin, Role.ADMIN, "tweedebeheer")
    for opened in (*sessions.values(), second, admin):
        accounts.account_notices(opened)  # what came before is seen
    accounts.add_account(admin, "nieuweregie", Role.PROCESS_DIRECTOR,
                         "door de beheerder bedacht 42", must_choose_passphrase=True)
    accounts.revoke_account(admin, ROLE_ACCOUNTS[Role.MANAGER])
    for opened in (sessions[Role.PROCESS_DIRECTOR], second):
        texts = _text(accounts.account_notices(opened))
        assert len(texts) == 2, texts
        assert texts[0].startswith("Nieuw account nieuweregie (procesregisseur), aangemaakt "
                                   f"door {ROLE_ACCOUNTS[Role.ADMIN]} op "), texts
        assert texts[1].startswith(f"Account {ROLE_ACCOUNTS[Role.MANAGER]} (manager) "
                                   f"ingetrokken door {ROLE_ACCOUNTS[Role.ADMIN]} op "), texts
        assert accounts.account_notices(opened) == []  # once
    assert accounts.account_notices(sessions[Role.INFORMATION_CENTRE]) == []


def test_on_the_server_the_told_roles_read_the_account_changes_and_nothing_more(
        suite_house: Any) -> None:
    """What each role's own session reads of the audit log on the server: the director and
    the administrator the rows of accounts added and revoked (the administrator, who reads
    the audit log, everything); the centre and the manager no such row about another
    account. Beyond those, the director reads no row of another account's doing that is not
    a notice or a disclosure (the server's second wall stays as narrow as before)."""
    first = suite_house.fresh().unlock(suite_house.admin, suite_house.admin_passphrase,
                                       exclusive=False)
    try:
        sessions = {role: unlock_as(first, role) for role in (Role.PROCESS_DIRECTOR,
                                                             Role.INFORMATION_CENTRE,
                                                             Role.MANAGER)}
        accounts.add_account(first, "derderegie", Role.PROCESS_DIRECTOR,
                             "door de beheerder bedacht 42")
        with first.read() as conn:
            everything = conn.execute(select(audit_log)).mappings().all()
        changes = {(r["action"], r["object_id"]) for r in everything
                   if r["object_type"] == "account" and r["action"] in ("account.add",
                                                                       "account.revoke")}
        assert ("account.add", "derderegie") in changes
        for role, opened in sessions.items():
            me = ROLE_ACCOUNTS[role]
            with opened.read() as conn:
                seen = conn.execute(select(audit_log)).mappings().all()
            about_others = {(r["action"], r["object_id"]) for r in seen
                            if r["object_type"] == "account" and r["object_id"] != me}
            if role in TOLD:
                assert about_others == {c for c in changes if c[1] != me}, role
            else:
                assert about_others == set(), role
            for row in seen:  # nothing else of another account's doing
                assert (row["object_type"] == "account" and row["object_id"] == me) \
                    or (role in TOLD and row["action"] in pg_roles.ACCOUNT_NOTICE_ACTIONS) \
                    or (row["object_type"] == "case"
                        and row["action"] in pg_roles.DISCLOSURE_ACTIONS), (role, dict(row))
            assert len(seen) < len(everything), role
    finally:
        first.lock(audit_it=False)
