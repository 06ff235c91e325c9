"""The follow-up list after the query-mix work of issue 23 (point 2) answers as the rule says
(behaviour, not timing): every open action of an open case, soonest due first, the undated
ones last, ties by case number and then party name; an action is overdue when its due day
is before today, by the number of days since; the audit row counts the overdue ones (and
names no case or person). The expected answer is computed here from the tables themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.services import followup
from app.vault.vault import OpenVault

from tests.unit.demo_house import make_demo_house, unlocked

DIRECTOR, PASSPHRASE = "regisseur", "de open acties op volgorde graag"
TODAY = date.today()
OPEN_STATES = ("referred", "intake", "triage", "scheduled", "in_progress")


def _undated_actions(admin: OpenVault) -> None:
    """A few open actions without a due day, so the undated order is exercised too."""
    with admin.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE plan_actions SET due = NULL WHERE id IN (SELECT a.id FROM plan_actions a"
            " JOIN plans pl ON pl.id = a.plan_id JOIN cases c ON c.id = pl.case_id"
            " WHERE a.status IN ('open', 'in_progress') AND c.state IN"
            f" ({','.join(repr(s) for s in OPEN_STATES)}) ORDER BY a.id LIMIT 5)")


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_house(tmp_path_factory.mktemp("followup") / "kluis", cases=300,
                           seed=11, today=TODAY, director=DIRECTOR, passphrase=PASSPHRASE,
                           adjust=_undated_actions)


@pytest.fixture
def director(demo_folder: Path) -> Iterator[OpenVault]:
    with unlocked(demo_folder, DIRECTOR, PASSPHRASE) as opened:
        yield opened


def _expected(vault: OpenVault) -> list[tuple[str, str, date | None, bool, int]]:
    states = ",".join(f"'{s}'" for s in OPEN_STATES)
    with vault.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT c.number, p.name, a.due FROM plan_actions a JOIN plans pl ON pl.id ="
            " a.plan_id JOIN cases c ON c.id = pl.case_id JOIN parties p ON p.id = a.party_id"
            f" WHERE a.status IN ('open', 'in_progress') AND c.state IN ({states})").all()
    out = []
    for number, party, due_text in rows:
        due = date.fromisoformat(due_text) if due_text else None
        late = due is not None and due < TODAY
        out.append((number, party, due, late, (TODAY - due).days if late and due else 0))
    dated = sorted((r for r in out if r[2] is not None), key=lambda r: (r[2], r[0], r[1]))
    undated = sorted((r for r in out if r[2] is None), key=lambda r: (r[0], r[1]))
    return dated + undated


def test_open_actions_in_order_with_their_overdue_days(director: OpenVault) -> None:
    expected = _expected(director)
    found = followup.open_actions(director, today=TODAY)
    assert [(a.case_number, a.party, a.due, a.overdue, a.days_overdue)
            for a in found] == expected
    assert any(a.due is None for a in found) and any(a.overdue for a in found)
    assert any(a.due is not None and not a.overdue for a in found)


def test_the_audit_row_counts_the_overdue_actions(director: OpenVault) -> None:
    late = sum(1 for r in _expected(director) if r[3])
    followup.open_actions(director, today=TODAY)
    with director.read() as conn:
        detail = conn.exec_driver_sql(
            "SELECT detail FROM audit_log WHERE action = 'followup.list' ORDER BY id DESC"
            " LIMIT 1").scalar()
    assert json.loads(detail)["overdue"] == late
