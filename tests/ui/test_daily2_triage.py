"""Triage that guides (issue 18, point 4), clicked as a process director does it.

On 303c06b: ticking six parties and pressing Volgende said "Bevraag ten minste één partij"
until "Vastleggen als bevraagd" was pressed; switching party kept the previous party's
answer selected; the party lists were four rows tall for 34 parties, with no way to filter;
a party that answered "niet bekend" was invited without a word; dates were yyyy-MM-dd; the
wizard did not say which step it was on; Ctrl+S did nothing and closing lost ticked parties
without asking.
"""
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QListWidget, QPushButton
from pytestqt.qtbot import QtBot

from app.domain.triage import QueryAnswer, TriageStep
from app.services import triage
from tests.ui.test_triage_ui import TODAY, case  # noqa: F401
from ui import dialogs
from ui.triage.wizard import TriageWizard
from ui.wizard_steps import steps_of

_OPEN: list[TriageWizard] = []

#: the offscreen platform cannot raise a window (the program raises the windows it opens)
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")



@pytest.fixture(autouse=True)
def _cleared_after(qtbot: QtBot) -> Iterator[None]:
    """A wizard left with changes is cleared (as by a lock) so closing asks nothing."""
    yield
    while _OPEN:
        wizard = _OPEN.pop()
        if shiboken6.isValid(wizard):
            if wizard.vault.is_open:
                wizard.clear()
            wizard.close()
            wizard.deleteLater()


def _wizard(qtbot: QtBot, case: tuple) -> TriageWizard:
    vault, _ids, number = case
    wizard = TriageWizard(vault, number, today=TODAY)
    _OPEN.append(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def _tick(listing: QListWidget, party_id: int) -> None:
    for i in range(listing.count()):
        if listing.item(i).data(Qt.ItemDataRole.UserRole) == party_id:
            listing.item(i).setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(f"party {party_id} not in the list")


def _visible(listing: QListWidget) -> list[str]:
    return [listing.item(i).text() for i in range(listing.count())
            if not listing.item(i).isHidden()]


def _ask(wizard: TriageWizard, parties: list[int]) -> None:
    for party in parties:
        _tick(wizard.asked_list, party)
    wizard.next()


def test_next_records_the_parties_ticked_as_asked(qtbot: QtBot, case: tuple) -> None:
    vault, ids, number = case
    wizard = _wizard(qtbot, case)
    six = [c.id for c in wizard.ctx.eligible[:6]]
    wizard.asked_on.setText("16-11-2026")       # typed as every screen shows dates
    for party in six:
        _tick(wizard.asked_list, party)
    wizard.next()                                # no "Record as asked" pressed
    assert wizard.pages[TriageStep.PARTIES].error.text() == ""
    assert wizard.currentPage().step is TriageStep.ANSWERS
    asked = {q.party_id: q.asked_on for q in triage.triage_context(
        vault, number, TODAY, audit=False).queries}
    assert asked == {party: date(2026, 11, 16) for party in six}


def test_a_date_that_is_no_date_is_named_and_nothing_recorded(qtbot: QtBot,
                                                              case: tuple) -> None:
    vault, _ids, number = case
    wizard = _wizard(qtbot, case)
    wizard.asked_on.setText("16-13-2026")
    _ask(wizard, [wizard.ctx.eligible[0].id])
    assert wizard.currentPage().step is TriageStep.PARTIES
    assert "dd-mm-jjjj" in wizard.pages[TriageStep.PARTIES].error.text()
    assert triage.triage_context(vault, number, TODAY, audit=False).queries == ()


def test_switching_party_shows_that_partys_answer_or_none(qtbot: QtBot, case: tuple) -> None:
    wizard = _wizard(qtbot, case)
    first, second, third = (c.id for c in wizard.ctx.eligible[:3])
    _ask(wizard, [first, second, third])
    assert wizard.currentPage().step is TriageStep.ANSWERS
    wizard.select_answer_party(first)
    wizard.answer_kind.setCurrentIndex(wizard.answer_kind.findData(QueryAnswer.DECLINED.value))
    qtbot.mouseClick(wizard.findChild(QPushButton, "record_answer"), Qt.MouseButton.LeftButton)
    # the second party has not answered: nothing chosen (not the first party's answer)
    wizard.select_answer_party(second)
    assert wizard.answer_kind.currentData() is None
    # chosen but not recorded for the second, then on to the third: none again
    wizard.answer_kind.setCurrentIndex(wizard.answer_kind.findData(QueryAnswer.KNOWN.value))
    wizard.select_answer_party(third)
    assert wizard.answer_kind.currentData() is None
    # back to the first: its own recorded answer
    wizard.select_answer_party(first)
    assert wizard.answer_kind.currentData() == QueryAnswer.DECLINED.value
    # recording with no answer chosen is refused, naming the field
    wizard.select_answer_party(second)
    qtbot.mouseClick(wizard.findChild(QPushButton, "record_answer"), Qt.MouseButton.LeftButton)
    assert wizard.pages[TriageStep.ANSWERS].error.text().startswith("Antwoord:")
    answered = {q.party_id: q.answer for q in wizard.ctx.queries}
    assert answered == {first: QueryAnswer.DECLINED, second: None, third: None}


def test_the_party_list_shows_every_party_and_filters(qtbot: QtBot, case: tuple) -> None:
    wizard = _wizard(qtbot, case)
    listing = wizard.asked_list
    eligible = wizard.ctx.eligible
    assert len(eligible) >= 30
    QApplication.processEvents()
    inside = listing.viewport().rect()
    shown = [listing.item(i) for i in range(listing.count())
             if inside.contains(listing.visualItemRect(listing.item(i)))]
    assert len(shown) == len(eligible), "every party in sight, no scrolling"
    qtbot.keyClicks(wizard.asked_filter.search, "politie")
    assert _visible(listing) and all("politie" in t.lower() for t in _visible(listing))
    assert len(_visible(listing)) < len(eligible)
    wizard.asked_filter.search.clear()
    assert len(_visible(listing)) == len(eligible)
    # the invitees and the "shared with" lists have the same search box
    for box in (wizard.invitee_filter, wizard.shared_filter):
        box.search.setText("veilig thuis")
        assert _visible(box.listing) and all("veilig thuis" in t.lower()
                                             for t in _visible(box.listing))
        box.search.clear()


def test_inviting_a_party_that_answered_not_known_asks_first(qtbot: QtBot,
                                                             case: tuple) -> None:
    vault, _ids, number = case
    wizard = _wizard(qtbot, case)
    unknown, declined, known = (c.id for c in wizard.ctx.eligible[:3])
    _ask(wizard, [unknown, declined, known])
    for party, answer in ((unknown, QueryAnswer.NOT_KNOWN), (declined, QueryAnswer.DECLINED),
                          (known, QueryAnswer.KNOWN)):
        triage.record_answer(vault, number, party, answer, TODAY, TODAY)
    wizard.refresh()

    def checked(party: int) -> bool:
        return any(wizard.invitee_list.item(i).data(Qt.ItemDataRole.UserRole) == party
                   and wizard.invitee_list.item(i).checkState() == Qt.CheckState.Checked
                   for i in range(wizard.invitee_list.count()))

    with dialogs.scripted(False) as script:
        wizard.check_invitee(unknown)
    assert [s.kind for s in script.shown] == ["confirm"]
    assert "Niet bekend bij de partij" in script.shown[0].text or "niet bekend" in \
        script.shown[0].text.lower()
    assert not checked(unknown), "Nee leaves the party uninvited"
    with dialogs.scripted(True) as script:
        wizard.check_invitee(declined)
    assert len(script.shown) == 1 and checked(declined)
    with dialogs.scripted() as script:
        wizard.check_invitee(known)
    assert script.shown == [] and checked(known), "a party that knows the family: no question"


def test_the_triage_says_which_step_of_how_many(qtbot: QtBot, case: tuple) -> None:
    wizard = _wizard(qtbot, case)
    steps = steps_of(wizard)
    assert steps is not None and steps.isVisible()
    assert steps.header.text() == f"Stap 1 van 5: {wizard.currentPage().title()}"
    _ask(wizard, [wizard.ctx.eligible[0].id])
    assert steps.header.text() == f"Stap 2 van 5: {wizard.currentPage().title()}"


def test_ctrl_s_and_closing_with_changes(qtbot: QtBot, case: tuple) -> None:
    vault, _ids, number = case
    wizard = _wizard(qtbot, case)
    wizard.raise_()
    wizard.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard, timeout=3000)
    party = wizard.ctx.eligible[0].id
    _tick(wizard.asked_list, party)
    assert wizard.has_unsaved_changes
    wizard.asked_list.setFocus()
    with dialogs.scripted() as script:
        qtbot.keyClick(wizard.asked_list, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert script.shown == [] and wizard.isVisible()
    assert {q.party_id for q in wizard.ctx.queries} == {party}
    assert triage.load_draft(vault, number) is not None
    assert not wizard.has_unsaved_changes
    steps = steps_of(wizard)
    assert steps is not None and "Concept opgeslagen" in steps.note.text()

    second = wizard.ctx.eligible[1].id
    _tick(wizard.asked_list, second)
    with dialogs.scripted(dialogs.CANCEL) as script:
        wizard.reject()
    assert [s.kind for s in script.shown] == ["save_changes"] and wizard.isVisible()
    with dialogs.scripted(dialogs.SAVE):
        wizard.reject()
    assert not wizard.isVisible()
    queries = triage.triage_context(vault, number, TODAY, audit=False).queries
    assert {q.party_id for q in queries} == {party, second}

    again = _wizard(qtbot, case)
    assert again.currentPage().step is TriageStep.PARTIES
    _tick(again.asked_list, wizard.ctx.eligible[2].id)
    with dialogs.scripted(dialogs.DISCARD):
        again.reject()
    assert not again.isVisible()
    assert len(triage.triage_context(vault, number, TODAY, audit=False).queries) == 2
