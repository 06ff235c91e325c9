"""Whose session purges at unlock on the house server has one rule: ``SERVER_NEEDS`` for
``retention.purge_due`` (app/domain/roles.py). The desktop program's session step
(``app.services.unlocking.session_step``) kept a copy of it (CASE_WORK written again), so a
change of the rule reached the command line's and the first run's step but not the desktop
program's. Here the rule is changed and the desktop program's step must follow it.

Written from the rule: with the purge needing VIEW_CASES, the sessions of the process
director and of the information centre purge (both hold VIEW_CASES), the administrator's and
the manager's do not; with it needing VIEW_FIGURES, the administrator's, the director's and
the manager's do, the centre's does not. The purge itself is replaced by a recorder (the
server's grants would refuse a real purge to a role without case work: that is the server's
second wall, not this rule)."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain import roles
from app.domain.roles import Permission, Role
from app.services import retention, session
from app.services.unlocking import session_step
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.unit.pg_centre_fixtures import admin  # noqa: F401  (fixture: here on the server)


def _purging_roles(admin: OpenVault, monkeypatch: pytest.MonkeyPatch) -> set[Role]:
    purged_by: list[Role] = []

    def recorder(vault: OpenVault, today: Any = None) -> list[str]:
        purged_by.append(vault.actor.role)
        return []

    monkeypatch.setattr(retention, "purge_due", recorder)
    monkeypatch.setattr(session, "_fill_pending_lookup_indexes", lambda vault: None)
    for role in Role:
        opened = admin if role is Role.ADMIN else unlock_as(admin, role)
        assert session_step(opened) is opened
        assert opened.is_open, role
    return set(purged_by)


@pytest.mark.parametrize("admin", ["server"], indirect=True)
@pytest.mark.parametrize(("needs", "purging"), [
    (Permission.CASE_WORK, {Role.PROCESS_DIRECTOR}),
    (Permission.VIEW_CASES, {Role.PROCESS_DIRECTOR, Role.INFORMATION_CENTRE}),
    (Permission.VIEW_FIGURES, {Role.ADMIN, Role.PROCESS_DIRECTOR, Role.MANAGER}),
])
def test_the_desktop_session_step_follows_the_one_rule(
        admin: OpenVault, monkeypatch: pytest.MonkeyPatch, needs: Permission,  # noqa: F811
        purging: set[Role]) -> None:
    monkeypatch.setitem(roles.SERVER_NEEDS, "retention.purge_due", needs)
    assert _purging_roles(admin, monkeypatch) == purging
