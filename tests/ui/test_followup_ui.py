"""pytest-qt: the follow-up screen lists open actions across cases, marks the overdue ones,
filters by party and case, and saves a progress update through the plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from pytestqt.qtbot import QtBot

from app.domain.plan import ActionStatus
from app.services import followup
from app.services import plan as plan_service
from app.vault.vault import OpenVault
from ui import dialogs
from ui.followup.screen import Column, FollowUpScreen, OpenActionsModel

from tests.unit.retention_fixtures import director_vault, make_case, party_id  # noqa: F401


@pytest.fixture(autouse=True)
def _no_scripted_dialogs() -> Iterator[None]:
    dialogs.reset()
    yield
    dialogs.reset()


def test_open_actions_filters_and_progress(qtbot: QtBot, qtmodeltester: Any,
                                           director_vault: OpenVault) -> None:  # noqa: F811
    vault = director_vault
    today = date.today()
    first = make_case(vault, actions=[
        ("gemeente-den-haag", "huisbezoek", today - timedelta(days=3), ActionStatus.OPEN),
        ("politie", "signalen delen", today + timedelta(days=3), ActionStatus.IN_PROGRESS),
        ("politie", "al klaar", today - timedelta(days=30), ActionStatus.DONE)])
    second = make_case(vault, surname="Tweede", actions=[
        ("politie", "buurtonderzoek", None, ActionStatus.OPEN)])
    notice = followup.overdue_notice(vault)
    assert (notice.overdue_actions, notice.cases, notice.due_soon) == (1, 1, 1)
    assert "1 actie is over de datum" in notice.text()

    screen = FollowUpScreen(vault)
    qtbot.addWidget(screen)
    qtmodeltester.check(screen.model)
    assert screen.proxy.rowCount() == 3                     # the done one is not open
    top = screen.proxy.index(0, Column.DUE)
    assert top.data().endswith("(3 dagen over de datum)")
    assert isinstance(screen.proxy.data(top, Qt.ItemDataRole.ForegroundRole), QBrush)
    assert screen.proxy.index(2, Column.DUE).data() == "\u2013"   # no due date: last
    assert "1 actie is over de datum" in screen.notice.text()

    police = party_id(vault, "politie")
    screen.party.setCurrentIndex(screen.party.findData(police))
    assert screen.proxy.rowCount() == 2
    qtbot.keyClicks(screen.case, second.number[-4:])
    assert screen.proxy.rowCount() == 1
    assert screen.proxy.index(0, Column.ACTION).data() == "buurtonderzoek"
    screen.case.clear()
    screen.party.setCurrentIndex(0)

    # Progress: a note and "done" on the overdue action, saved as a new plan version.
    screen.table.selectRow(0)
    with dialogs.scripted() as script:
        qtbot.mouseClick(screen.save, Qt.MouseButton.LeftButton)   # nothing written yet
    assert script.shown[0].kind == "error"
    screen.table.selectRow(0)
    qtbot.keyClicks(screen.note, "Huisbezoek gedaan")
    screen.status.setCurrentIndex(screen.status.findData(ActionStatus.DONE))
    qtbot.mouseClick(screen.save, Qt.MouseButton.LeftButton)
    assert screen.proxy.rowCount() == 2
    plan = plan_service.get_plan(vault, first.number)
    done = plan.action(first.action_keys[0])
    assert done is not None and done.status is ActionStatus.DONE
    assert [n.text for n in done.notes] == ["Huisbezoek gedaan"]
    assert screen.notice.text() == ""


def test_model_is_empty_without_rows(qtmodeltester: Any) -> None:
    model = OpenActionsModel()
    qtmodeltester.check(model)
    assert model.rowCount() == 0
