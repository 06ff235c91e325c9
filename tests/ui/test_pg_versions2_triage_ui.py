"""The triage wizard when a colleague recorded the same party's answer meanwhile (issue 22,
point 4; review gap G2): the wizard's answer is refused with who and when, nothing of it is
written, and the user chooses: reload (the colleague's answer shows, the user's own answer
and date stay chosen, to record again) or keep the screen as it is. Never a silent
overwrite, nothing the user chose lost."""
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app.domain.roles import Role
from app.domain.triage import QueryAnswer
from app.services import triage
from tests.conftest import unlock_as
from tests.ui.test_triage_ui import TODAY, case  # noqa: F401
from ui import dialogs
from ui.triage.wizard import TriageWizard

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")

_OPEN: list[TriageWizard] = []


@pytest.fixture(autouse=True)
def _cleared_after(qtbot: QtBot) -> Iterator[None]:
    yield
    while _OPEN:
        wizard = _OPEN.pop()
        if shiboken6.isValid(wizard):
            if wizard.vault.is_open:
                wizard.clear()
            wizard.close()
            wizard.deleteLater()


def _answering(qtbot: QtBot, case: tuple) -> tuple[TriageWizard, int]:
    """The wizard on its answers step, one party asked; a colleague (another process
    director's session) records that party's answer after the wizard read it."""
    vault, _ids, number = case
    wizard = TriageWizard(vault, number, today=TODAY)
    _OPEN.append(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    party = wizard.ctx.eligible[0].id
    wizard.asked_on.setDate(TODAY - timedelta(days=5))
    for i in range(wizard.asked_list.count()):
        if wizard.asked_list.item(i).data(Qt.ItemDataRole.UserRole) == party:
            wizard.asked_list.item(i).setCheckState(Qt.CheckState.Checked)
    wizard.next()
    colleague = unlock_as(vault, Role.PROCESS_DIRECTOR, "collega")
    read = next(q for q in triage.triage_context(colleague, number, TODAY, audit=False)
                .queries if q.party_id == party)
    triage.record_answer(colleague, number, party, QueryAnswer.KNOWN, TODAY, TODAY,
                         version=read.version)
    # the user chooses another answer, dated the day before, and records it
    wizard.select_answer_party(party)
    wizard.answer_kind.setCurrentIndex(wizard.answer_kind.findData(
        QueryAnswer.DECLINED.value))
    wizard.answered_on.setDate(TODAY - timedelta(days=1))
    return wizard, party


def _stored(case: tuple, party: int) -> tuple[QueryAnswer | None, date | None]:
    vault, _ids, number = case
    query = next(q for q in triage.triage_context(vault, number, TODAY, audit=False).queries
                 if q.party_id == party)
    return query.answer, query.answered_on


def _record(qtbot: QtBot, wizard: TriageWizard) -> None:
    qtbot.mouseClick(wizard.findChild(QPushButton, "record_answer"),
                     Qt.MouseButton.LeftButton)


def test_reload_shows_the_colleague_s_answer_and_keeps_the_user_s(qtbot: QtBot,
                                                                  case: tuple) -> None:
    wizard, party = _answering(qtbot, case)
    with dialogs.scripted(True) as script:
        _record(qtbot, wizard)
    assert [s.kind for s in script.shown] == ["confirm"]
    assert "collega" in script.shown[0].text
    # nothing of the refused answer was written: the colleague's stands
    assert _stored(case, party) == (QueryAnswer.KNOWN, TODAY)
    # reloaded: the status line shows the colleague's answer, the user's answer and date are
    # still chosen, and the page says why
    assert QueryAnswer.KNOWN.label in wizard.answer_status.text()
    assert wizard.answer_kind.currentData() == QueryAnswer.DECLINED.value
    assert wizard.answered_on.date() == TODAY - timedelta(days=1)
    errors = [p.error.text() for p in wizard.pages.values() if p.error.text()]
    assert any("collega" in text for text in errors), errors
    # recorded again, on what is there now: it goes through
    with dialogs.scripted() as script:
        _record(qtbot, wizard)
    assert script.shown == []
    assert _stored(case, party) == (QueryAnswer.DECLINED, TODAY - timedelta(days=1))


def test_keeping_the_screen_writes_nothing_and_loses_nothing(qtbot: QtBot,
                                                             case: tuple) -> None:
    wizard, party = _answering(qtbot, case)
    with dialogs.scripted(False) as script:
        _record(qtbot, wizard)
    assert [s.kind for s in script.shown] == ["confirm"]
    assert _stored(case, party) == (QueryAnswer.KNOWN, TODAY)
    assert wizard.answer_kind.currentData() == QueryAnswer.DECLINED.value
    assert wizard.answered_on.date() == TODAY - timedelta(days=1)
    # pressed again without a reload, it is refused again: still no silent overwrite
    with dialogs.scripted(False) as script:
        _record(qtbot, wizard)
    assert len(script.shown) == 1
    assert _stored(case, party) == (QueryAnswer.KNOWN, TODAY)
