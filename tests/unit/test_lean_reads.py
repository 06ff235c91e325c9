"""The reads that were made lean for 100,000 cases give what the plain way gives: the Cases
table's rows (also its newest few), the cases due for destruction at unlock, and the overdue
notice, on a demo vault with a few years of activity, each against a straightforward oracle
(a query per case, or the follow-up list)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.lifecycle import CaseState
from app.services import cases as case_service
from app.services import followup, retention
from app.store.case_tables import cases
from app.vault.vault import OpenVault
from tests.unit.demo_house import make_demo_house, unlocked

DIRECTOR, PASSPHRASE = "regisseur", "lijsten lezen zonder omwegen"
TODAY = date.today()


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_house(tmp_path_factory.mktemp("lean") / "kluis", cases=160,
                           seed=4, today=TODAY, director=DIRECTOR, passphrase=PASSPHRASE)


@pytest.fixture
def director(demo_folder: Path) -> Iterator[OpenVault]:
    with unlocked(demo_folder, DIRECTOR, PASSPHRASE) as opened:
        yield opened


def _oracle_rows(vault: OpenVault) -> dict[str, tuple[object, ...]]:
    """Next meeting and action counts per case number, a query per case."""
    today = TODAY.isoformat()
    found = {}
    with vault.read() as conn:
        for case_id, number, state in conn.exec_driver_sql(
                "SELECT id, number, state FROM cases WHERE state != 'destroyed'").fetchall():
            meeting = conn.exec_driver_sql(
                "SELECT min(date(m.starts_at)) FROM agenda_items ai JOIN meetings m "
                "ON m.id = ai.meeting_id WHERE ai.case_id = ? AND m.state != 'finished' "
                "AND date(m.starts_at) >= ?", (case_id, today)).scalar()
            planned = conn.exec_driver_sql(
                "SELECT next_meeting FROM plans WHERE case_id = ?", (case_id,)).scalar()
            actions = conn.exec_driver_sql(
                "SELECT a.due FROM plan_actions a JOIN plans p ON p.id = a.plan_id "
                "WHERE p.case_id = ? AND a.status IN ('open', 'in_progress')",
                (case_id,)).fetchall()
            ended = not CaseState(state).is_open
            coming = meeting or planned
            found[number] = (
                date.fromisoformat(str(coming)[:10]) if coming else None,
                0 if ended else len(actions),
                0 if ended else sum(1 for (due,) in actions if due and str(due) < today))
    return found


def test_the_case_list_matches_a_query_per_case_and_its_newest_part(
        director: OpenVault) -> None:
    rows = case_service.list_cases(director)
    oracle = _oracle_rows(director)
    assert [r.number for r in rows] == sorted(oracle, key=lambda n: (n[4:8], len(n), n),
                                              reverse=True)
    assert {r.number: (r.next_meeting, r.open_actions, r.overdue_actions)
            for r in rows} == oracle
    # the demo has all of these, or the comparison shows little
    assert any(r.next_meeting for r in rows) and any(r.overdue_actions for r in rows)
    assert case_service.list_cases(director, limit=25) == rows[:25]
    assert case_service.list_cases(director, limit=0) == []


@pytest.mark.parametrize("days_later", [0, 200, 500, 800, 3000])
def test_due_cases_are_the_cases_whose_destruction_date_has_come(
        director: OpenVault, days_later: int) -> None:
    today = TODAY + timedelta(days=days_later)
    with director.read() as conn:
        expected = []
        for case_id, number in conn.execute(select(cases.c.id, cases.c.number).where(
                cases.c.state != CaseState.DESTROYED.value)
                .order_by(cases.c.number_year, cases.c.number_seq)):
            due = retention.destruction_date(conn, case_id)
            if due is not None and today >= due:
                expected.append(number)
        assert [d.number for d in retention.due_cases(conn, today)] == expected
    if days_later == 3000:
        assert expected, "far enough ahead, every ended case is due"


def test_the_overdue_notice_counts_what_the_follow_up_list_shows(director: OpenVault) -> None:
    listed = followup.open_actions(director, today=TODAY)
    soon = TODAY + timedelta(days=followup.DUE_SOON_DAYS)
    late = [a for a in listed if a.overdue]
    notice = followup.overdue_notice(director, today=TODAY)
    assert notice.overdue_actions == len(late) > 0
    assert notice.cases == len({a.case_number for a in late})
    assert notice.due_soon == sum(1 for a in listed if a.due and TODAY <= a.due <= soon)
