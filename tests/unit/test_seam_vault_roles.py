"""Issue 20, point 7: tests change role by unlocking as an account of that role, never by
assigning ``vault.actor`` (a role assigned so skips what the vault decides at unlock: the
account's row, its revocation, its role in the database, the login row)."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import select

from app.domain.roles import Role
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import audit_reader
from tests.conftest import ADMIN
from tests.reliability.case_write_points import DIRECTOR, acting

TESTS = Path(__file__).resolve().parents[1]


def _actor_assignments(source: str) -> list[int]:
    """The lines that assign to an attribute named ``actor`` (``x.actor = ...``)."""
    found: list[int] = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and part.attr == "actor" \
                        and isinstance(part.ctx, ast.Store):
                    found.append(node.lineno)
    return found


def test_the_check_finds_an_assigned_actor() -> None:
    source = "vault.actor = Actor('regie', Role.MANAGER)\nx = vault.actor\nvault.actors = 1\n"
    assert _actor_assignments(source) == [1]


def test_no_test_assigns_the_actor() -> None:
    found = [f"{path.relative_to(TESTS)}:{line}" for path in sorted(TESTS.rglob("*.py"))
             for line in _actor_assignments(path.read_text(encoding="utf-8"))]
    assert found == [], "unlock as an account of that role instead (tests.conftest.unlock_as, "\
        "tests.reliability.case_write_points.acting): " + ", ".join(found)


def test_acting_is_a_session_of_the_directors_own_account(admin_vault: OpenVault) -> None:
    """The reliability suite's ``acting`` hands out a session unlocked as the process
    director's account (its role from the vault, its own login row); the administrator's
    session is left as it was."""
    with acting(admin_vault) as director:
        assert director is not admin_vault
        assert (director.actor.account, director.actor.role) == (DIRECTOR.account,
                                                                 Role.PROCESS_DIRECTOR)
        assert (admin_vault.actor.account, admin_vault.actor.role) == (ADMIN, Role.ADMIN)
        with audit_reader(director) as conn:
            login = conn.execute(select(audit_log.c.actor, audit_log.c.action).where(
                audit_log.c.id == director.login_row_id)).one()
        assert tuple(login) == (DIRECTOR.account, "unlock")
    assert not director.is_open
    assert admin_vault.is_open
