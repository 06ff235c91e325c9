"""Retention: periods per protocol (the default shown as unconfirmed, zero or negative
refused), ``purge --due`` destroying only the cases that are due, and the tombstone keeping
a destroyed case in the figures."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main as cli_main
from app.domain.closure import ClosureDecision, CoordinatorAgreement, CriterionCheck, Outcome
from app.domain.lifecycle import CaseState
from app.domain.plan import ActionStatus
from app.domain.protocols import Protocol
from app.domain.retention import DEFAULT_MONTHS, add_months, destroy_on, is_due
from app.domain.roles import Role
from app.errors import PermissionDenied, ValidationError
from app.services import accounts as account_service
from app.services import closure as closure_service
from app.services import plan as plan_service
from app.services import retention as retention_service
from app.services import session
from app.services.cases import set_state
from app.store.case_tables import cases, subjects
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault, utcnow

from tests.pg_engine import vault_arg
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.unit.retention_fixtures import (DIRECTOR, DIRECTOR_PASSPHRASE,  # noqa: F401
                                           director_vault, make_case, party_id)


def close(vault: OpenVault, number: str, on: date,
          outcome: Outcome = Outcome.GOALS_REACHED) -> None:
    context = closure_service.closure_context(vault, number, today=on)
    decision = ClosureDecision(
        criteria=tuple(CriterionCheck(c.criterion, True) for c in context.criteria),
        agreement=CoordinatorAgreement("Sanne de Vries", party_id(vault, "gemeente-den-haag"),
                                       on),
        outcome=outcome)
    closure_service.close_case(vault, number, decision, closure_service.preview(vault, number),
                               today=on)


def test_months_arithmetic_and_due_dates() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
    assert destroy_on(date(2025, 9, 1), 24) == date(2027, 9, 1)
    assert not is_due(date(2025, 9, 1), 24, date(2027, 8, 31))
    assert is_due(date(2025, 9, 1), 24, date(2027, 9, 1))
    assert not is_due(None, 24, date(2099, 1, 1))


def test_periods_default_confirm_and_refuse_zero_or_negative(admin_vault: OpenVault) -> None:
    periods = retention_service.retention_periods(admin_vault)
    assert {p.protocol for p in periods} == set(Protocol)
    assert all(p.months == DEFAULT_MONTHS and not p.confirmed for p in periods)
    assert "bevestigen" in periods[0].label
    for bad in (0, -3):
        with pytest.raises(ValidationError) as refused:
            retention_service.set_retention_period(admin_vault, Protocol.RADICALISERING, bad)
        assert refused.value.field == "months"
        assert "minstens" in str(refused.value)
    with pytest.raises(ValidationError):
        retention_service.set_retention_period(admin_vault, Protocol.RADICALISERING, 10_000)
    set_ = retention_service.set_retention_period(admin_vault, Protocol.RADICALISERING, 60)
    assert set_.confirmed and set_.months == 60
    by_protocol = {p.protocol: p for p in retention_service.retention_periods(admin_vault)}
    assert by_protocol[Protocol.RADICALISERING].months == 60
    assert by_protocol[Protocol.RADICALISERING].confirmed
    assert not by_protocol[Protocol.JEUGDGROEPEN].confirmed


def test_only_the_admin_sets_periods(director_vault: OpenVault) -> None:  # noqa: F811
    with pytest.raises(PermissionDenied):
        retention_service.set_retention_period(director_vault, Protocol.JEUGDGROEPEN, 12)


def test_purge_due_destroys_only_the_due_cases_and_the_figures_keep_them(
        director_vault: OpenVault, vault_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # noqa: F811
    vault = director_vault
    today = date.today()
    start = add_months(today, -30)
    old = make_case(vault, surname="Oud", received=start, actions=[
        ("gemeente-den-haag", "op tijd", today + timedelta(days=30), ActionStatus.OPEN),
        ("politie", "te laat", start, ActionStatus.OPEN)])
    plan_service.set_action_status(vault, old.number, old.action_keys[0], ActionStatus.DONE)
    plan_service.set_action_status(vault, old.number, old.action_keys[1], ActionStatus.DONE)
    recent = make_case(vault, surname="Recent", received=start)
    still_open = make_case(vault, surname="Lopend", received=start)
    declined = make_case(vault, surname="Afgewezen", received=start, state=CaseState.INTAKE)
    # Closed 25 months ago: due (24 months); closed a month ago: not due.
    close(vault, old.number, add_months(today, -25), Outcome.GOALS_REACHED)
    close(vault, recent.number, add_months(today, -1), Outcome.TRANSFERRED)
    with vault.begin() as conn:
        set_state(conn, declined.id, CaseState.DECLINED, utcnow())   # ended today
    figures_before = closure_service.closure_figures(vault, start, today)
    assert figures_before.ended == 2 and figures_before.destroyed == 0

    vault.lock()
    os.environ["CASUSKAMER_PASSPHRASE"] = DIRECTOR_PASSPHRASE
    try:
        code = cli_main(["purge", "--vault", vault_arg(vault), "--account", DIRECTOR, "--due"])
    finally:
        os.environ.pop("CASUSKAMER_PASSPHRASE", None)
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.split() == [old.number]

    reopened = Vault(vault_dir).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    try:
        with reopened.read() as conn:
            states = dict(conn.execute(select(cases.c.number, cases.c.state)).all())
            names = set(conn.execute(select(subjects.c.surname)).scalars())
        assert states[old.number] == "destroyed"
        assert states[recent.number] == "closed"
        assert states[still_open.number] == "in_progress"
        assert states[declined.number] == "declined"
        assert "Oud" not in names and {"Recent", "Lopend", "Afgewezen"} <= names
        # The destroyed case still counts: its tombstone holds outcome and action counts.
        figures = closure_service.closure_figures(reopened, start, today)
        assert figures.ended == 2 and figures.destroyed == 1 and figures.closed == 2
        assert figures.by_outcome == {"goals_reached": 1, "transferred": 1}
        assert figures.actions_total == 2 and figures.actions_done == 2
        assert figures.actions_done_on_time == 1
        # A second purge the same day destroys nothing more.
        assert retention_service.purge_due(reopened) == []
        # Much later everything that ended is due; the open case never is.
        later = retention_service.purge_due(reopened, today=add_months(today, 30))
        assert set(later) == {recent.number, declined.number}
    finally:
        reopened.lock()


def test_purge_can_be_run_by_the_admin_account(admin_vault: OpenVault,
                                               vault_dir: Path) -> None:
    account_service.add_account(admin_vault, DIRECTOR, Role.PROCESS_DIRECTOR,
                                DIRECTOR_PASSPHRASE, kdf=KdfParams())
    admin_vault.lock()
    director = Vault(vault_dir).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    made = make_case(director)
    close(director, made.number, date(2020, 1, 6))
    director.lock()
    admin = session.after_unlock(Vault(vault_dir).unlock(ADMIN, ADMIN_PASSPHRASE))
    try:
        # Unlocking already ran the purge (closed in 2020, due in 2022); a purge now has
        # nothing left to do.
        assert admin.purged_at_unlock == [made.number]
        assert retention_service.purge_due(admin, today=date(2022, 1, 6)) == []
    finally:
        admin.lock()
