"""On the house server every refusal is the service's own (issue 22, point 3: the database
enforces the roles too, as a second wall behind the program's permission matrix).

Every public service function is called under every role on a house with one case through
its whole life (as tests/unit/test_permission_matrix.py does on a vault file): the answer
is the matrix's, narrowed where the server's grants are (``SERVER_NEEDS``); each refusal is
audited as the service's own (``denied`` with the action and the permission it needs, the
same row as on a vault file), and no call gets as far as a statement the server's grants
refuse (the server's refusal row, detail ``server``). On 45f1d89 the drafts (the matrix let
every role keep drafts, the server's grants only the roles that register referrals or work
on cases), the retention purge and the session step's purge (the other roles' grants hold
no case table) and the demo fills reached the server's refusal; the session step's refusal
even locked the session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.roles import SERVER_NEEDS, Role, allowed_on_server
from app.services.audit_log import AuditFilter
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.pg_engine import audit_reader
from tests.unit.service_world import arguments, build_world, director_made, service_functions
from tests.unit.test_permission_matrix import ROLE_ORDER, call_as

#: The administrator's changes of the accounts and the data key: the vault file's matrix
#: test runs them; here they would end the other sessions of the sweep.
LEFT_OUT = frozenset({"accounts.change_data_key", "accounts.revoke_account"})


@pytest.fixture
def admin(suite_house: Any) -> Iterator[OpenVault]:
    opened = suite_house.fresh().unlock(suite_house.admin, suite_house.admin_passphrase,
                                        exclusive=False)
    yield opened
    if opened.is_open:
        opened.lock(audit_it=False)


def _refusals(vault: OpenVault) -> list[dict[str, Any]]:
    with audit_reader(vault) as conn:
        return [json.loads(detail or "{}") for detail in conn.execute(
            select(audit_log.c.detail).where(audit_log.c.result == "denied")
            .order_by(audit_log.c.id)).scalars()]


def test_every_refusal_on_the_house_server_is_the_services_own(admin: OpenVault,
                                                               tmp_path: Path) -> None:
    world = build_world(admin, tmp_path)
    values = {"vault": world.vault, **arguments(world, director_made(world)),
              "flt": AuditFilter(), "current": "niet de wachtzin", "new": "kort",
              "payload": {}, "item_ids": [world.held_item_id], "duration": 30}
    functions = service_functions()
    wrong: list[str] = []
    for role in ROLE_ORDER:
        as_role = world.vault if role is Role.PROCESS_DIRECTOR else unlock_as(world.vault,
                                                                               role)
        for name in sorted(set(functions) - LEFT_OUT):
            expected = allowed_on_server(role, name)
            before = len(_refusals(as_role))
            refused = call_as(as_role, name, functions[name], values)
            rows = _refusals(as_role)[before:]
            if any("server" in row for row in rows):
                wrong.append(f"{name} as {role.value}: refused by the server's grants")
            elif refused == expected:
                wrong.append(f"{name} as {role.value}: {'refused' if refused else 'allowed'},"
                             f" the matrix says {'yes' if expected else 'no'}")
            elif refused and [row.get("action") for row in rows] != [name]:
                wrong.append(f"{name} as {role.value}: refusal audited as {rows}")
            if not as_role.is_open:
                wrong.append(f"{name} as {role.value}: the session was locked")
                break
    assert not wrong, "\n".join(wrong)


def test_the_server_narrows_only_what_its_grants_hold_back() -> None:
    """``SERVER_NEEDS`` names actions of the matrix and narrows them (a role the matrix lets
    through is refused on the server), for what reads or writes the case tables: the
    information centre, the manager and the administrator are the roles narrowed."""
    from app.domain.roles import ACTIONS, allowed

    assert set(SERVER_NEEDS) <= set(ACTIONS)
    narrowed = {(action, role) for action in SERVER_NEEDS for role in Role
                if allowed(role, action) and not allowed_on_server(role, action)}
    assert {action for action, _role in narrowed} == set(SERVER_NEEDS)
    assert all(role is not Role.PROCESS_DIRECTOR for _action, role in narrowed)
