"""Issue 18, point 4: closing a case with open plan actions asks first ("Deze casus heeft
nog N open acties. Toch afsluiten?", Ja/Nee); the last closure page shows the case number
to check (it said "Controleer het casusnummer" with nothing to check); a closed case shows
its outcome and its destruction date on the case screen. Each failed on the old code (HEAD
303c06b): the wizard opened without a word, the last page had no number of its own, and
the case screen showed only the state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.domain.closure import ClosureDecision, CoordinatorAgreement, CriterionCheck, Outcome
from app.domain.plan import ActionStatus
from app.services import closure as closure_service
from app.vault.vault import OpenVault
from tests.unit.retention_fixtures import director_vault, make_case, party_id  # noqa: F401
from ui import dialogs
from ui.cases.case_view import CaseViewScreen
from ui.closure.wizard import ClosureWizard

DAY = date(2025, 9, 1)


@pytest.fixture(autouse=True)
def _no_scripted_dialogs() -> Iterator[None]:
    dialogs.reset()
    yield
    dialogs.reset()


def _screen(qtbot: QtBot, vault: OpenVault, number: str) -> CaseViewScreen:
    screen = CaseViewScreen(vault, number)
    qtbot.addWidget(screen)
    screen.show()
    return screen


def test_closing_with_open_actions_asks_first_and_no_opens_nothing(
        qtbot: QtBot, director_vault: OpenVault) -> None:  # noqa: F811
    vault = director_vault
    made = make_case(vault, actions=[
        ("gemeente-den-haag", "huisbezoek", DAY, ActionStatus.OPEN),
        ("politie", "melding nabellen", DAY, ActionStatus.IN_PROGRESS),
        ("politie", "dossier opvragen", DAY, ActionStatus.DONE)])
    screen = _screen(qtbot, vault, made.number)
    with dialogs.scripted(False) as script:
        screen.open_closure()
    assert [s.kind for s in script.shown] == ["confirm"]
    assert script.shown[0].text == "Deze casus heeft nog 2 open acties. Toch afsluiten?"
    assert screen.step_window is None
    with dialogs.scripted(True):
        screen.open_closure()
    assert isinstance(screen.step_window, ClosureWizard)
    screen.step_window.reject()


def test_no_question_without_open_actions(qtbot: QtBot,
                                          director_vault: OpenVault) -> None:  # noqa: F811
    made = make_case(director_vault, actions=[
        ("gemeente-den-haag", "huisbezoek", DAY, ActionStatus.DONE)])
    screen = _screen(qtbot, director_vault, made.number)
    with dialogs.scripted() as script:     # no answer scripted: a question would fail
        screen.open_closure()
    assert script.shown == [] and isinstance(screen.step_window, ClosureWizard)
    screen.step_window.reject()


def test_the_last_page_shows_the_number_to_check_and_the_destruction_date(
        qtbot: QtBot, director_vault: OpenVault) -> None:  # noqa: F811
    made = make_case(director_vault, actions=[
        ("gemeente-den-haag", "huisbezoek", DAY, ActionStatus.OPEN)])
    wizard = ClosureWizard(director_vault, made.number, today=DAY)
    qtbot.addWidget(wizard)
    page = wizard.pages[list(wizard.pages)[-1]]
    number = page.findChild(QLabel, "confirm_case_number")
    assert number is not None and number.text() == made.number
    assert "casusnummer hieronder" in page.subTitle()
    # 24 months (the default period) after closing on 1 September 2025
    assert page.findChild(QLabel, "confirm_destroy_on").text() == "01-09-2027"
    assert page.findChild(QLabel, "confirm_open_actions").text() == (
        "1 actie van het plan staat nog open")


def test_a_closed_case_shows_its_outcome_and_destruction_date(
        qtbot: QtBot, director_vault: OpenVault) -> None:  # noqa: F811
    vault = director_vault
    made = make_case(vault)
    closed_on = date.today() - timedelta(days=3)
    context = closure_service.closure_context(vault, made.number, today=closed_on)
    decision = ClosureDecision(
        criteria=tuple(CriterionCheck(c.criterion, True, "ok") for c in context.criteria),
        agreement=CoordinatorAgreement("Sanne de Vries", party_id(vault, "gemeente-den-haag"),
                                       closed_on),
        outcome=Outcome.GOALS_REACHED)
    closure_service.close_case(vault, made.number, decision,
                               closure_service.preview(vault, made.number), today=closed_on)
    screen = _screen(qtbot, vault, made.number)
    # the default period: 24 months after the day the case closed
    destroy = date(closed_on.year + 2, closed_on.month, min(closed_on.day, 28)) \
        if (closed_on.month, closed_on.day) == (2, 29) else \
        date(closed_on.year + 2, closed_on.month, closed_on.day)
    text = screen.ended.text()
    assert screen.ended.isVisible()
    assert "uitkomst: Doelen bereikt" in text
    assert f"Wordt vernietigd op {destroy:%d-%m-%Y}" in text
