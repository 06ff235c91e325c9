"""The retention purge on the house server is the case work's (a documented server choice,
tests/pg_suite_marks.SERVER_CHOICE; README, "How the data is protected"; docs/house-server.md).

The covenant puts the cleaning of the dossier with the process director: after the
de-escalation the director and the case coordinator decide on, the dossier "geschoond wordt
van alle niet langer noodzakelijke informatie, en uiteindelijk verdwijnt" (1.10; 12.1: the
director is responsible for the process). On a vault file every unlock runs the purge (one
file, the key opens every table). On the server the administrator's, the centre's and the
manager's roles may not touch the case tables (issue 22, point 3), so their sessions leave
the purge to the next session of a role that works on the cases: a case that is due stays
until then, and is destroyed at that unlock.

Written from that rule on one case closed in 2020 (due two years later)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from app.domain.closure import ClosureDecision, CoordinatorAgreement, CriterionCheck, Outcome
from app.domain.lifecycle import CaseState
from app.domain.roles import Role
from app.services import closure as closure_service
from app.services.unlocking import session_step
from app.store import cases as case_rows
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.unit.retention_fixtures import make_case, party_id


@pytest.fixture
def admin(suite_house: Any) -> Iterator[OpenVault]:
    opened = suite_house.fresh().unlock(suite_house.admin, suite_house.admin_passphrase,
                                        exclusive=False)
    yield opened
    if opened.is_open:
        opened.lock(audit_it=False)


def _close(vault: OpenVault, number: str, on: date) -> None:
    context = closure_service.closure_context(vault, number, today=on)
    closure_service.close_case(vault, number, ClosureDecision(
        criteria=tuple(CriterionCheck(c.criterion, True) for c in context.criteria),
        agreement=CoordinatorAgreement("Sanne de Vries", party_id(vault, "gemeente-den-haag"),
                                       on),
        outcome=Outcome.GOALS_REACHED), closure_service.preview(vault, number), today=on)


def _state(director: OpenVault, number: str) -> str:
    with director.read() as conn:
        row = case_rows.state_and_number(conn, case_rows.id_by_number(conn, number) or 0)
    assert row is not None
    return row[0]


def test_only_a_session_of_the_case_work_purges_on_the_house_server(admin: OpenVault) -> None:
    director = unlock_as(admin, Role.PROCESS_DIRECTOR)
    made = make_case(director)
    _close(director, made.number, date(2020, 1, 6))
    for role in (Role.ADMIN, Role.INFORMATION_CENTRE, Role.MANAGER):
        other = admin if role is Role.ADMIN else unlock_as(admin, role)
        assert not session_step(other).purged_at_unlock, role
        assert _state(director, made.number) == CaseState.CLOSED.value, role
    again = session_step(unlock_as(admin, Role.PROCESS_DIRECTOR))
    assert again.purged_at_unlock == [made.number]
    assert _state(director, made.number) == CaseState.DESTROYED.value
