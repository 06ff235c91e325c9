"""One case walked through the program as a process director would, through the real main
window: a referral registered, the intake accepted from the case screen's action bar, triage
routing it to a meeting, the plan edited, a lock (Ctrl+L) in the middle that clears the case
screen, handouts for the invited parties, the meeting held, its minutes read, and the case
closed; the action bar following the case's state and the role; the Cases table refreshing
after each step. Then the Follow-up section putting a case in progress on a planned meeting,
the overdue notice and the vault's quick check after an unlock, and the retention periods in
Settings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLineEdit,
    QRadioButton,
    QWizard,
)
from pytestqt.qtbot import QtBot

from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.information import Category
from app.domain.intake import IntakeOutcome, IntakeStep
from app.domain.lifecycle import CaseState
from app.domain.meetings import (
    AgendaDraft,
    DecisionType,
    DraftItem,
    EntryInput,
    EntryKind,
    ItemKind,
)
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.domain.triage import Route, RoutingDecision, TriageStep
from app.services import cases as case_service
from app.services import intake, meetings, plan, retention, triage
from app.services import meeting_live
from app.services import minutes as meeting_minutes
from app.vault import maintenance
from app.vault.vault import OpenVault, Vault
from tests.ui.cases_fixtures import (  # noqa: F401
    CENTRE,
    CENTRE_PASSPHRASE,
    DIRECTOR,
    DIRECTOR_PASSPHRASE,
    _no_scripted_dialogs,
    accounts_vault,
    cases_vault_template,
    director_vault,
)
from tests.ui.shell_fixtures import (  # noqa: F401
    ctx,
    make_window,
    no_quick_check,
    settings,
)
from tests.unit.handout_cases import item, make_case, party_ids
from ui import dialogs
from ui.actions import CASE_ACTIONS, ActionId, shortcut_conflicts, spec
from ui.cases.case_actions import availability
from ui.cases.case_table import CASE_NUMBER_ROLE, STATE_ROLE
from ui.cases.case_view import CaseViewScreen
from ui.cases.screen import CasesScreen
from ui.closure.wizard import ClosureWizard
from ui.followup.screen import FollowUpScreen
from ui.main_window import MainWindow
from ui.plan.handouts_dialog import HandoutsDialog
from ui.triage.wizard import TriageWizard

TODAY = date.today()
POLICE, VT, CITY = "Politie regionale eenheid Den Haag", "Veilig Thuis", "Den Haag"


@pytest.fixture(autouse=True)
def _no_check_on_a_timer(no_quick_check: None) -> None:
    """The quick check after an unlock is started by hand in these tests."""


# -- helpers ----------------------------------------------------------------------------------

def referral(vault: OpenVault) -> str:
    ids = party_ids(vault)
    return make_case(vault, received=TODAY - timedelta(days=5), items=[
        item(ids[POLICE], "Twee meldingen huiselijk geweld", [ids[VT]],
             category=Category.POLICE)])


def cases_screen(window: MainWindow) -> CasesScreen:
    assert window.workspace is not None
    assert window.go_to("cases")
    screen = window.workspace.screens["cases"]
    assert isinstance(screen, CasesScreen)
    return screen


def open_case_view(window: MainWindow, number: str) -> CaseViewScreen:
    screen = cases_screen(window)
    screen.refresh()
    screen.open_case(number)
    views = [v for v in screen.findChildren(CaseViewScreen) if v.isVisible()]
    assert len(views) == 1
    return views[0]


def table_state(screen: CasesScreen, number: str) -> CaseState:
    for row in range(screen.proxy.rowCount()):
        index = screen.proxy.index(row, 0)
        if index.data(CASE_NUMBER_ROLE) == number:
            return CaseState(index.data(STATE_ROLE))
    raise AssertionError(f"{number} not in the Cases table")


def stored_state(vault: OpenVault, number: str) -> CaseState:
    with vault.read() as conn:
        return case_service.current_state(conn, case_service.case_id_for(conn, number))[0]


def enabled(view: CaseViewScreen) -> set[ActionId]:
    return {a for a, button in view.buttons.items() if button.isEnabled()}


def wizard_next(qtbot: QtBot, wizard: QWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)


def make_active(qtbot: QtBot, widget) -> None:  # type: ignore[no-untyped-def]
    widget.activateWindow()
    widget.raise_()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget.window(), timeout=3000)


def hold_meeting(vault: OpenVault, number: str, invited: dict[int, str],
                 agreement_party: int) -> int:
    """The case's meeting planned, held (one agreement recorded) and ended, as the meetings
    area does it; returns the meeting's id."""
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number)
    starts = datetime.combine(TODAY + timedelta(days=1), datetime.min.time()).replace(hour=10)
    meeting_id = meetings.plan_meeting(vault, AgendaDraft(
        starts_at=starts, place="Zaal 1", chair="A. de Voorzitter", items=[
            DraftItem(case_id, number, "", ItemKind.FIRST, 30, "Samen een plan maken",
                      ["Veiligheid"], [DecisionType.DECIDING], invited)]))
    return meeting_id


def run_meeting(vault: OpenVault, meeting_id: int, agreement_party: int) -> None:
    meeting = meetings.get_meeting(vault, meeting_id)
    meeting_live.start_meeting(vault, meeting_id)
    item_id = meeting.items[0].id
    meeting_live.start_item(vault, item_id)
    meeting_minutes.add_entry(vault, item_id, EntryInput(
        EntryKind.ACTION, "Huisbezoek afleggen", agreement_party, "M. de Boer",
        TODAY + timedelta(days=14)))
    meeting_minutes.add_entry(vault, item_id, EntryInput(EntryKind.DECISION,
                                                  "Casus blijft in het ZVH"))
    meeting_minutes.finish_item(vault, item_id)
    meeting_minutes.end_meeting(vault, meeting_id)


# -- the whole way, through the GUI -----------------------------------------------------------

def test_one_case_from_referral_to_closure_through_the_case_screen(
        qtbot: QtBot, director_vault: OpenVault, make_window, tmp_path: Path) -> None:  # noqa: F811
    vault = director_vault
    ids = party_ids(vault)
    number = referral(vault)
    window = make_window(vault)
    screen = cases_screen(window)
    screen.refresh()
    assert table_state(screen, number) is CaseState.REFERRED

    # -- the case screen of a referred case: only the intake works, the rest says why --------
    view = open_case_view(window, number)
    assert enabled(view) == {ActionId.CASE_INTAKE}
    why = view.buttons[ActionId.CASE_TRIAGE].toolTip()
    assert "intake" in why and CaseState.REFERRED.label in why
    assert view.buttons[ActionId.CASE_CLOSURE].toolTip()
    # every button has its registered shortcut, and none clashes with another
    assert shortcut_conflicts() == {}
    for action_id in CASE_ACTIONS:
        assert view.actions_by_id[action_id].shortcut().toString() == spec(action_id).shortcut
    assert spec(ActionId.GO_FOLLOWUP).shortcut == "Ctrl+6"

    # -- intake, resumed from the Cases screen's wizard, accepted for triage -----------------
    view.buttons[ActionId.CASE_INTAKE].click()
    wizard = screen.wizard
    assert wizard is not None and view.step_window is wizard
    # the registered referral has no contact person yet: the wizard stops there first
    assert wizard.current_step() is IntakeStep.REFERRING_PARTY
    wizard.page_for(IntakeStep.REFERRING_PARTY).contact_combo.setEditText("Ingrid de Graaf")
    while wizard.current_step() is not IntakeStep.CRITERIA:
        before = wizard.current_step()
        wizard_next(qtbot, wizard)
        assert wizard.current_step() is not before, before
    page = wizard.page_for(IntakeStep.CRITERIA)
    for criterion, box in page.boxes.items():
        box.met.click()
        box.motivation.setPlainText(f"Motivering bij {criterion.value}.")
    wizard_next(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.QUESTION
    wizard_next(qtbot, wizard)
    # the partners to invite and the informing (issue 24): nothing proposed, nothing told
    assert wizard.current_step() is IntakeStep.PARTNERS
    wizard_next(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.SUMMARY
    with qtbot.waitSignal(wizard.finished, timeout=5000):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton),
                         Qt.MouseButton.LeftButton)
    assert wizard.result_of_submit.state is CaseState.TRIAGE
    # both the case screen and the table followed
    assert view.view is not None and view.view.case.state is CaseState.TRIAGE
    assert table_state(screen, number) is CaseState.TRIAGE
    assert enabled(view) == {ActionId.CASE_TRIAGE}

    # -- triage: two parties asked and answered, routed to a case meeting --------------------
    with qtbot.waitSignal(view.case_changed, timeout=5000):
        view.buttons[ActionId.CASE_TRIAGE].click()
        triage_wizard = view.step_window
        assert isinstance(triage_wizard, TriageWizard)
        for party in (ids[POLICE], ids[VT]):
            triage_wizard.check_party_to_ask(party)
        triage_wizard.findChild(type(view.buttons[ActionId.CASE_TRIAGE]), "record_asked").click()
        wizard_next(qtbot, triage_wizard)
        assert triage_wizard.currentPage().step is TriageStep.ANSWERS
        for party in (ids[POLICE], ids[VT]):
            triage_wizard.select_answer_party(party)
            triage_wizard.answer_kind.setCurrentIndex(triage_wizard.answer_kind.findData("known"))
            triage_wizard.findChild(type(view.buttons[ActionId.CASE_TRIAGE]),
                                    "record_answer").click()
        wizard_next(qtbot, triage_wizard)
        assert triage_wizard.currentPage().step is TriageStep.REVIEW
        wizard_next(qtbot, triage_wizard)
        assert triage_wizard.currentPage().step is TriageStep.ROUTING
        triage_wizard.goal_edit.setPlainText("Eén plan voor de veiligheid van het gezin")
        triage_wizard.themes_edit.setPlainText("Veiligheid\nWonen")
        triage_wizard.decision_checks[DecisionType.DECIDING].setChecked(True)
        for party in (ids[POLICE], ids[VT]):
            triage_wizard.check_invitee(party)
        wizard_next(qtbot, triage_wizard)
        assert triage_wizard.currentPage().step is TriageStep.SUMMARY
        qtbot.mouseClick(triage_wizard.button(QWizard.WizardButton.FinishButton),
                         Qt.MouseButton.LeftButton)
    assert stored_state(vault, number) is CaseState.SCHEDULED
    assert view.view.case.state is CaseState.SCHEDULED and view.step_window is None
    assert table_state(screen, number) is CaseState.SCHEDULED
    assert enabled(view) == {ActionId.CASE_PLAN, ActionId.CASE_HANDOUTS,
                             ActionId.CASE_MINUTES}
    assert "Veiligheid" not in view.buttons[ActionId.CASE_CLOSURE].toolTip()
    # the referring party is owed the outcome: the screen says so (issue 24)
    assert not view.outcome_hint.isHidden()

    # -- the plan, half typed, and then Ctrl+L: the case screen is emptied, the key dropped --
    view.buttons[ActionId.CASE_PLAN].click()
    plan_dialog = view.step_window
    assert plan_dialog is not None and plan_dialog.objectName() == "plan_dialog"
    plan_dialog.editor.coordinator_person.setText("Sanne de Vries")
    make_active(qtbot, plan_dialog)
    # The lock runs from the event loop once the key's own handler is done; the widgets are
    # deleted after it, so they are looked at the moment the lock is complete.
    seen: list[tuple[object, ...]] = []

    def at_the_lock() -> None:
        assert shiboken6.isValid(view)
        # the dialog is closed and may be gone already (then it holds nothing either)
        dialog = ((plan_dialog.editor.coordinator_person.text(), plan_dialog.isVisible())
                  if shiboken6.isValid(plan_dialog) else ("", False))
        seen.append((view.header.text(), view.model.rowCount(), view.subjects.rowCount(),
                     view.view, any(b.isEnabled() for b in view.buttons.values()), *dialog))

    window.locked.connect(at_the_lock)
    qtbot.keyClick(plan_dialog, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(seen) and not vault.is_open and window.workspace is None,
                    timeout=3000)
    assert seen == [("", 0, 0, None, False, "", False)]
    # nothing half typed was saved as a plan version behind the user's back
    vault = Vault(vault.vault.folder).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    assert plan.get_plan(vault, number).version == 0
    window.open_workspace(vault)

    # -- back in: the plan edited and saved ---------------------------------------------------
    view = open_case_view(window, number)
    screen = cases_screen(window)
    with qtbot.waitSignal(view.case_changed, timeout=5000):
        view.buttons[ActionId.CASE_PLAN].click()
        editor = view.step_window.editor
        editor.coordinator_party.setCurrentIndex(editor.coordinator_party.findData(ids[VT]))
        editor.coordinator_person.setText("Sanne de Vries")
        editor.add_action_button.click()
        combo = editor.action_table.cellWidget(0, 0)
        assert isinstance(combo, QComboBox)
        combo.setCurrentIndex(combo.findData(ids[POLICE]))
        editor.action_table.item(0, 1).setText("Wijkagent gaat op huisbezoek")
        editor.action_table.item(0, 2).setText("J. Bakker")
        editor.closure.setPlainText("Het gezin is drie maanden veilig")
        assert editor.save()
        view.step_window.reject()
    saved = plan.get_plan(vault, number)
    assert saved.version == 1 and saved.coordinator is not None
    assert saved.coordinator.person == "Sanne de Vries"

    # -- the meeting is planned; handouts for the invited parties ----------------------------
    meeting_id = hold_meeting(vault, number, {ids[POLICE]: "Meldingen", ids[VT]: "Zorg"},
                              ids[POLICE])
    view.buttons[ActionId.CASE_HANDOUTS].click()
    handouts_dialog = view.step_window
    assert isinstance(handouts_dialog, HandoutsDialog) and handouts_dialog.invited
    assert sorted(handouts_dialog.chosen()) == sorted([ids[POLICE], ids[VT]])
    out = tmp_path / "handouts"
    out.mkdir()
    with dialogs.scripted(out):
        handouts_dialog.start()
        qtbot.waitUntil(lambda: handouts_dialog.batch_result is not None
                        or handouts_dialog.error is not None, timeout=20000)
    assert handouts_dialog.error is None
    assert len(handouts_dialog.batch_result.exported) == 2
    assert len(list(out.glob("*.pdf"))) == 2
    handouts_dialog.reject()
    assert view.step_window is None

    # -- the meeting is held; the case screen shows its minutes ------------------------------
    run_meeting(vault, meeting_id, ids[POLICE])
    view.load()
    assert view.view.case.state is CaseState.IN_PROGRESS
    assert enabled(view) == {ActionId.CASE_PLAN, ActionId.CASE_HANDOUTS,
                             ActionId.CASE_MINUTES, ActionId.CASE_CLOSURE}
    view.buttons[ActionId.CASE_MINUTES].click()
    minutes = view.step_window
    assert minutes is not None and minutes.count == 1
    text = minutes.text.toPlainText()
    assert "Samen een plan maken" in text and "Huisbezoek afleggen" in text
    assert "Zaal 1" in text and "A. de Voorzitter" in text
    minutes.reject()

    # -- closure (afschaling) ----------------------------------------------------------------
    with qtbot.waitSignal(view.case_changed, timeout=5000):
        with dialogs.scripted(True) as asked:   # the plan's action is still open: go on
            view.buttons[ActionId.CASE_CLOSURE].click()
        assert "open actie" in asked.shown[0].text
        closure = view.step_window
        assert isinstance(closure, ClosureWizard)
        page = closure.currentPage()
        assert page.objectName() == "page_criteria"
        page.findChild(QComboBox, "criterion_0_met").setCurrentIndex(1)
        page.findChild(QLineEdit, "criterion_0_note").setText("Geen meldingen meer")
        wizard_next(qtbot, closure)
        page = closure.currentPage()
        assert page.objectName() == "page_decision"
        assert page.findChild(QLineEdit, "coordinator_name").text() == "Sanne de Vries"
        wizard_next(qtbot, closure)
        page = closure.currentPage()
        assert page.objectName() == "page_outcome"
        page.findChild(QRadioButton, "outcome_partly_reached").setChecked(True)
        wizard_next(qtbot, closure)
        assert closure.currentPage().objectName() == "page_preview"
        wizard_next(qtbot, closure)
        assert closure.currentPage().objectName() == "page_confirm"
        with dialogs.scripted(True) as script:
            qtbot.mouseClick(closure.button(QWizard.WizardButton.FinishButton),
                             Qt.MouseButton.LeftButton)
        assert script.shown[0].kind == "confirm" and number in script.shown[0].text
    assert closure.closure_result is not None
    assert stored_state(vault, number) is CaseState.CLOSED
    assert view.view.case.state is CaseState.CLOSED
    assert table_state(screen, number) is CaseState.CLOSED
    assert enabled(view) == {ActionId.CASE_MINUTES}
    assert CaseState.CLOSED.label in view.buttons[ActionId.CASE_CLOSURE].toolTip()
    window.lock()


def test_a_case_window_closes_from_the_keyboard(
        qtbot: QtBot, director_vault: OpenVault, make_window) -> None:  # noqa: F811
    number = referral(director_vault)
    view = open_case_view(make_window(director_vault), number)
    close = [a for a in view.actions() if a.objectName() == "action_close_window"]
    assert len(close) == 1 and close[0].shortcut().toString() == "Ctrl+W"
    close[0].trigger()
    assert not view.isVisible()
    assert shortcut_conflicts() == {}


def test_the_bar_follows_the_role() -> None:
    """The information centre registers new referrals (the Cases screen), but neither
    reopens a registered case's intake nor reads its minutes (issue 16: case substance is
    the process director's), and does no case work."""
    centre, director = Role.INFORMATION_CENTRE, Role.PROCESS_DIRECTOR
    assert not availability(ActionId.CASE_INTAKE, CaseState.REFERRED, centre).enabled
    for action in (ActionId.CASE_TRIAGE, ActionId.CASE_PLAN, ActionId.CASE_CLOSURE,
                   ActionId.CASE_MINUTES):
        found = availability(action, CaseState.IN_PROGRESS, centre)
        assert not found.enabled and centre.label in found.why
    assert availability(ActionId.CASE_INTAKE, CaseState.REFERRED, director).enabled
    assert availability(ActionId.CASE_MINUTES, CaseState.IN_PROGRESS, director).enabled
    # the lifecycle decides for the director
    assert availability(ActionId.CASE_TRIAGE, CaseState.TRIAGE, director).enabled
    assert not availability(ActionId.CASE_TRIAGE, CaseState.SCHEDULED, director).enabled
    assert availability(ActionId.CASE_CLOSURE, CaseState.IN_PROGRESS, director).enabled
    for state in CaseState:
        if state is not CaseState.IN_PROGRESS:
            assert availability(ActionId.CASE_CLOSURE, state, director).why


# -- follow-up, the notice at unlock, the quick check ------------------------------------------

def case_in_progress(vault: OpenVault, overdue: bool = False) -> tuple[str, int]:
    """A case through intake, triage and one meeting, with one open action in its plan
    (overdue when asked); returns its number and the meeting's id."""
    ids = party_ids(vault)
    number = referral(vault)
    intake.decide_intake(vault, number, IntakeOutcome.ACCEPT,
                         [CriterionAnswer(c, True, "ja") for c in Criterion])
    triage.decide_routing(vault, number, RoutingDecision(
        Route.TO_MEETING, "Beeld vormen", ("Veiligheid",), (DecisionType.IMAGE_FORMING,),
        frozenset({ids[POLICE]})))
    meeting_id = hold_meeting(vault, number, {ids[POLICE]: ""}, ids[POLICE])
    run_meeting(vault, meeting_id, ids[POLICE])
    if overdue:
        from dataclasses import replace
        current = plan.get_plan(vault, number)
        late = tuple(replace(a, due=TODAY - timedelta(days=3)) for a in current.actions)
        plan.save_plan(vault, replace(current, actions=late))
    return number, meeting_id


def scheduled_elsewhere(vault: OpenVault) -> int:
    """Another case on a planned meeting next week; returns that meeting's id."""
    ids = party_ids(vault)
    number = referral(vault)
    intake.decide_intake(vault, number, IntakeOutcome.ACCEPT,
                         [CriterionAnswer(c, True, "ja") for c in Criterion])
    triage.decide_routing(vault, number, RoutingDecision(
        Route.TO_MEETING, "Beeld vormen", ("Wonen",), (DecisionType.IMAGE_FORMING,),
        frozenset({ids[CITY]})))
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number)
    starts = datetime.combine(TODAY + timedelta(days=7), datetime.min.time()).replace(hour=14)
    return meetings.plan_meeting(vault, AgendaDraft(
        starts_at=starts, place="Zaal 2", chair="A. de Voorzitter", items=[
            DraftItem(case_id, number, "", ItemKind.FIRST, 30, "Beeld vormen", ["Wonen"],
                      [DecisionType.IMAGE_FORMING], {ids[CITY]: ""})]))


def test_follow_up_section_puts_a_case_in_progress_on_a_meeting_and_unlock_notices(
        qtbot: QtBot, director_vault: OpenVault, make_window, monkeypatch) -> None:  # noqa: F811
    vault = director_vault
    number, _first_meeting = case_in_progress(vault, overdue=True)
    planned = scheduled_elsewhere(vault)
    window = make_window(vault)

    # the notice at unlock: counts only (counted off the GUI thread, shown when done)
    qtbot.waitUntil(lambda: window.workspace.notice("overdue") is not None, timeout=10_000)
    banner = window.workspace.notice("overdue")
    assert banner is not None
    assert banner.text().startswith("1 ") and number not in banner.text()
    assert "Huisbezoek" not in banner.text()
    banner.close_button.click()
    assert window.workspace.notice("overdue") is None

    # Ctrl+6 (the registered action) shows the follow-up screen
    window.actions_by_id[ActionId.GO_FOLLOWUP].trigger()
    assert window.workspace.current_section() == "followup"
    screen = window.workspace.screens["followup"]
    assert isinstance(screen, FollowUpScreen)
    assert screen.model.rowCount() == 1
    assert not screen.schedule.isEnabled()           # nothing selected yet
    screen.table.selectRow(0)
    assert screen.schedule.isEnabled()
    # the meetings offered go through the dialogs seam; the first time the user cancels
    offered: list[str] = []
    real_choose = dialogs.choose

    def spy(parent, title, label, options):  # type: ignore[no-untyped-def]
        offered.extend(options)
        return real_choose(parent, title, label, options)
    monkeypatch.setattr(dialogs, "choose", spy)
    with dialogs.scripted(None) as script:
        assert screen.schedule_followup() is None
    assert script.shown[0].kind == "choose" and number in script.shown[0].text
    assert len(offered) == 1 and "Zaal 2" in offered[0]
    assert len(meetings.get_meeting(vault, planned).items) == 1
    with dialogs.scripted(offered[0]) as script:
        item_id = screen.schedule_followup()
    assert item_id is not None
    assert any(s.kind == "inform" and number in s.text for s in script.shown)
    meeting = meetings.get_meeting(vault, planned)
    assert [i.case_number for i in meeting.items][-1] == number
    assert meeting.items[-1].kind is ItemKind.FOLLOW_UP
    assert stored_state(vault, number) is CaseState.SCHEDULED
    # on an agenda now: no second time
    screen.table.selectRow(0)
    assert not screen.schedule.isEnabled() and screen.schedule_note.text()

    # the quick check after the unlock, off the GUI thread: sound
    with qtbot.waitSignal(window.vault_checked, timeout=20000) as sound:
        window.start_quick_check()
    assert sound.args == [True] and window.workspace.notice("vault_check") is None

    # ... and when it finds a problem: a warning that says to restore the backup
    def damaged(opened: OpenVault, quick: bool = False) -> maintenance.VerifyReport:
        assert quick
        return maintenance.VerifyReport(problems=["Database check: page 7 is broken"])
    monkeypatch.setattr(maintenance, "verify", damaged)
    with dialogs.scripted() as script, qtbot.waitSignal(window.vault_checked,
                                                        timeout=20000) as found:
        window.start_quick_check()
    assert found.args == [False]
    warning = window.workspace.notice("vault_check")
    assert warning is not None and "back-up" in warning.text()
    assert script.shown[0].kind == "warn"

    # Ctrl+L clears the follow-up screen and drops the notices with the workspace
    assert screen.model.rowCount() == 1
    make_active(qtbot, window)
    seen: list[tuple[int, int]] = []
    window.locked.connect(lambda: seen.append((screen.model.rowCount(), screen.party.count())))
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.workspace is None and not vault.is_open, timeout=3000)
    assert seen == [(0, 0)]     # emptied when the lock completed (deleted after)


def test_information_centre_is_not_offered_the_follow_up(
        qtbot: QtBot, accounts_vault: Path, make_window) -> None:  # noqa: F811
    """The actions' texts are the plans' (issue 16): no Follow-up section for the
    information centre, and nothing to go to."""
    opened = Vault(accounts_vault).unlock(CENTRE, CENTRE_PASSPHRASE)
    window = make_window(opened)
    assert "followup" not in window.workspace.section_ids()
    assert not window.go_to("followup")
    window.lock()


def test_settings_show_and_set_the_retention_periods(
        qtbot: QtBot, admin_vault: OpenVault, make_window) -> None:  # noqa: F811
    window = make_window(admin_vault)
    assert window.go_to("settings")
    screen = window.workspace.screens["settings"]
    status = screen.retention_status[Protocol.RADICALISERING]
    assert "bevestigen" in status.text()           # the default, to be confirmed
    screen.retention_spins[Protocol.RADICALISERING].setValue(60)
    with dialogs.scripted(False):
        assert not screen.save_retention()
    assert not retention.retention_periods(admin_vault)[0].confirmed
    with dialogs.scripted(True):
        assert screen.save_retention()
    periods = {p.protocol: p for p in retention.retention_periods(admin_vault)}
    assert periods[Protocol.RADICALISERING].months == 60
    assert all(p.confirmed for p in periods.values())
    assert "bevestigen" not in status.text() and "beheerder" in status.text()
    window.lock()
