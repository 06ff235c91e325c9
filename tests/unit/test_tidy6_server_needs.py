"""``SERVER_NEEDS`` (app/domain/roles.py) is applied by ``@entry_point`` itself: an entry added
there refuses the service on the house server with no call of its own in the service, audited
as the matrix's refusals are, and changes nothing on a vault file. The three services that
called ``check_on_server`` by hand, each naming its action again, no longer do."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain import roles
from app.domain.roles import Permission
from app.errors import PermissionDenied
from app.services import cases
from app.store.tables import audit_log
from app.vault import access
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director

ROOT = Path(__file__).resolve().parents[2]


def _denied(vault: OpenVault) -> list[dict[str, str]]:
    import json

    with vault.read() as conn:
        return [json.loads(d) for (d,) in conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "denied"))]


def test_a_new_entry_refuses_on_the_server_without_code_in_the_service(
        admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch) -> None:
    director = as_process_director(admin_vault)
    cases.list_cases(director)  # the matrix lets a process director list the cases
    monkeypatch.setitem(roles.SERVER_NEEDS, "cases.list_cases", Permission.MANAGE_ACCOUNTS)
    assert _denied(director) == []
    cases.list_cases(director)  # on a vault file the entry changes nothing
    monkeypatch.setattr(access, "on_server", lambda engine: True)
    with pytest.raises(PermissionDenied) as refused:
        cases.list_cases(director)
    assert director.actor.role.label in str(refused.value)
    assert _denied(director) == [{"action": "cases.list_cases",
                                  "permission": Permission.MANAGE_ACCOUNTS.value}]


def test_every_entry_has_its_words_and_no_service_names_its_action_again() -> None:
    assert set(roles.SERVER_REFUSALS) == set(roles.SERVER_NEEDS)
    for action in roles.SERVER_NEEDS:
        module = action.split(".", 1)[0]
        source = (ROOT / "app" / "services" / f"{module}.py").read_text(encoding="utf-8")
        assert "check_on_server" not in source, module
