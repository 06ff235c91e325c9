"""Click through the plan editor (goals, actions, limits, needs, coordinator, save, history,
progress note) and the handouts dialog (on a worker thread, with progress, refusals shown,
password generated once, cancel)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QComboBox

from app.domain.parties import EndReason
from app.domain.plan import ActionStatus
from app.domain.roles import Role
from app.services import cases as case_service
from app.services import meetings as meeting_service
from app.services import parties as party_service
from app.services import plan as plan_service
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.unit.handout_cases import as_process_director, item, make_case, on_agenda, party_ids
from ui import dialogs
from ui.plan.editor import PlanEditor
from ui.plan.handouts_dialog import HandoutsDialog


@pytest.fixture
def case(admin_vault: OpenVault) -> tuple[OpenVault, str, dict[str, int]]:
    ids = party_ids(admin_vault)
    party_service.end_participation(admin_vault, ids["Stichting Barka"], date(2026, 11, 20),
                                    EndReason.WITHDRAWAL)
    vault = as_process_director(admin_vault)
    number = make_case(vault, items=[
        item(ids["Politie regionale eenheid Den Haag"], "Melding <b>huiselijk geweld</b>",
             [ids["Reclassering Nederland"]])])
    return vault, number, ids


def _select(combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, text
    combo.setCurrentIndex(index)


def test_edit_save_history_and_clear(qtbot, case) -> None:  # type: ignore[no-untyped-def]
    vault, number, ids = case
    editor = PlanEditor(vault)
    qtbot.addWidget(editor)
    assert not editor.isEnabled()
    editor.load(number)
    names = [editor.coordinator_party.itemText(i) for i in range(editor.coordinator_party.count())]
    assert "Reclassering Nederland" in names and "Stichting Barka" not in names
    _select(editor.coordinator_party, "Reclassering Nederland")
    editor.coordinator_person.setText("Łukasz Wiśniewski")
    editor.add_goal_button.click()
    editor.goals.item(0, 1).setText("Woning behouden")
    editor.add_action_button.click()
    _select(editor.action_table.cellWidget(0, 0), "Den Haag")
    editor.action_table.item(0, 1).setText("Betalingsregeling treffen")
    editor.action_table.item(0, 2).setText("M. de Boer")
    editor.add_action_button.click()
    _select(editor.action_table.cellWidget(1, 0), "Reclassering Nederland")
    editor.action_table.item(1, 1).setText("Toezicht afstemmen")
    key = editor.action_table.item(1, 1).data(0x0100)
    editor.set_limit(key, frozenset({ids["Politie regionale eenheid Den Haag"]}))
    assert editor.action_table.item(1, 5).text() == "Politie regionale eenheid Den Haag"
    editor.add_need_button.click()
    editor.needs.item(0, 1).setText("Stand strafzaak")
    editor.closure.setPlainText("Drie maanden stabiel")
    assert editor.save()
    plan = plan_service.get_plan(vault, number)
    assert plan.version == 1 and plan.coordinator is not None
    assert plan.coordinator.person == "Łukasz Wiśniewski"
    assert [a.description for a in plan.actions] == ["Betalingsregeling treffen",
                                                     "Toezicht afstemmen"]
    assert plan.actions[1].limited_to == {ids["Politie regionale eenheid Den Haag"]}
    assert "versie 1" in editor.status.text()
    # Status change and a progress note: each a version, both in the history.
    status = editor.action_table.cellWidget(0, 4)
    status.setCurrentIndex(status.findData(ActionStatus.IN_PROGRESS.value))
    assert editor.save()
    editor.add_progress_note(plan.actions[0].key, "Eerste gesprek gevoerd")
    assert plan_service.get_plan(vault, number).version == 3
    history = [editor.history.item(i).text() for i in range(editor.history.count())]
    assert history[0].startswith("Versie 3") and "Voortgang vastgelegd" in history[0]
    assert "Open \u2192 In uitvoering" in history[1]
    # An empty action description is refused with the reason, nothing saved.
    editor.add_action_button.click()
    with dialogs.scripted() as script:
        assert not editor.save()
    assert script.shown[0].kind == "error" and "mag niet leeg zijn" in script.shown[0].text
    assert plan_service.get_plan(vault, number).version == 3
    editor.clear()
    assert editor.goals.rowCount() == 0 and editor.history.count() == 0
    assert editor.coordinator_person.text() == "" and not editor.isEnabled()


LEAVER = "Leger des Heils reclassering"


@pytest.fixture
def scheduled(case):  # type: ignore[no-untyped-def]
    """The case on tomorrow's meeting with the police, probation and a party that withdrew
    today, after it was invited."""
    vault, number, ids = case
    on_agenda(vault, number, [ids["Politie regionale eenheid Den Haag"],
                              ids["Reclassering Nederland"], ids[LEAVER]])
    party_service.end_participation(unlock_as(vault, Role.ADMIN), ids[LEAVER], date.today(),
                                    EndReason.WITHDRAWAL)
    return vault, number, ids


def test_handouts_dialog_runs_off_the_gui_thread(qtbot, scheduled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, number, ids = scheduled
    invited = frozenset({ids["Politie regionale eenheid Den Haag"],
                         ids["Reclassering Nederland"], ids[LEAVER]})
    dialog = HandoutsDialog(vault)
    qtbot.addWidget(dialog)
    dialog.load(number)
    texts = [dialog.recipients.item(i).text() for i in range(dialog.recipients.count())]
    assert any(t.startswith(f"{LEAVER} \u2013 geen hand-out") and "uitgetreden" in t
               for t in texts)
    assert "vóór het casusoverleg" in dialog.phase.text()
    assert sorted(dialog.chosen()) == sorted(invited - {ids[LEAVER]})
    assert dialog.protect.isChecked()        # on by default, one password per party
    out = tmp_path / "uit"
    out.mkdir()
    with dialogs.scripted(out):
        dialog.start()
        qtbot.waitUntil(lambda: dialog.batch_result is not None or dialog.error is not None,
                        timeout=20_000)
    assert dialog.error is None and dialog.batch_result is not None
    files = sorted(out.iterdir())
    assert len(files) == 2 and all("_handout_" in f.name for f in files)
    shown = dialog.shown_passwords()
    reader = PdfReader(str(files[0]))
    assert reader.is_encrypted and reader.decrypt(shown[files[0].name]) != 0
    assert "2 hand-outs geschreven." in dialog.outcome.text()
    dialog.clear()
    assert dialog.recipients.count() == 0 and dialog.shown_passwords() == {}
    assert dialog.phase.text() == ""


def test_handouts_dialog_can_be_cancelled(qtbot, case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, number, _ids = case
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number)
    everyone = [c.party_id for c in meeting_service.invitee_choices(vault, case_id,
                                                                     date.today())
                if c.allowed]
    on_agenda(vault, number, everyone)
    dialog = HandoutsDialog(vault)
    qtbot.addWidget(dialog)
    dialog.load(number)
    total = len(dialog.chosen())
    assert total > 10
    dialog.folder.setText(str(tmp_path))
    # The user presses Cancel on the progress dialog as soon as the first file is reported.
    dialog._signals.step.connect(lambda *_a: dialog._progress_dialog
                                 and dialog._progress_dialog.cancel())
    dialog.start()
    qtbot.waitUntil(lambda: dialog.batch_result is not None or dialog.error is not None,
                    timeout=30_000)
    assert dialog.error is None and dialog.batch_result is not None
    assert dialog.batch_result.cancelled
    written = [p for p in tmp_path.iterdir() if p.suffix == ".pdf"]
    assert 1 <= len(written) < total
    assert len(written) == len(dialog.batch_result.exported)
    assert "Geannuleerd" in dialog.outcome.text()


def _plan_with_content(vault: OpenVault, number: str, ids: dict[str, int]) -> None:
    plan_service.record_agreement(vault, number, party_id=ids["Reclassering Nederland"],
                                  description="Toezicht afstemmen", due=date(2026, 12, 20))


def test_unsaved_edits_survive_a_lock_as_a_draft(qtbot, case) -> None:  # type: ignore[no-untyped-def]
    """The lock asks every editor for its draft: the plan's unsaved edits are kept in the
    vault and come back the next time the plan is opened, until saved or discarded."""
    vault, number, ids = case
    _plan_with_content(vault, number, ids)
    editor = PlanEditor(vault)
    qtbot.addWidget(editor)
    editor.load(number)
    assert not editor.has_unsaved_changes, "a form just loaded equals the saved plan"
    editor.save_draft()
    assert plan_service.load_plan_draft(vault, number) is None, "nothing to keep"
    editor.closure.setPlainText("Zes maanden zonder incidenten")
    assert editor.has_unsaved_changes
    editor.save_draft()          # what the lock does, then it clears the editor
    editor.clear()
    assert editor.closure.toPlainText() == ""

    reopened = PlanEditor(vault)
    qtbot.addWidget(reopened)
    reopened.load(number)
    assert reopened.closure.toPlainText() == "Zes maanden zonder incidenten"
    assert reopened.discard_button.isVisibleTo(reopened)
    assert "Plan opslaan" in reopened.notice.text() and "teruggezet" in reopened.notice.text()
    assert reopened.has_unsaved_changes
    assert reopened.save()
    saved = plan_service.get_plan(vault, number)
    assert saved.closure_criteria == "Zes maanden zonder incidenten" and saved.version == 2
    assert plan_service.load_plan_draft(vault, number) is None, "saving ends the draft"

    reopened.next_meeting_note.setText("Na de zomer")
    reopened.save_draft()
    reopened.load(number)
    reopened.discard_restored()
    assert reopened.next_meeting_note.text() == ""
    assert plan_service.load_plan_draft(vault, number) is None


def test_kept_edits_go_on_top_of_what_was_saved_since(  # type: ignore[no-untyped-def]
        qtbot, case) -> None:
    """Locked with unsaved edits, then the meeting records an agreement (a new version):
    the agreement does not end the draft, and reopening puts the edits on top of it, so
    saving keeps both."""
    vault, number, ids = case
    _plan_with_content(vault, number, ids)
    editor = PlanEditor(vault)
    qtbot.addWidget(editor)
    editor.load(number)
    editor.closure.setPlainText("Mijn wijziging")
    editor.save_draft()
    editor.clear()
    plan_service.record_agreement(vault, number, party_id=ids["Reclassering Nederland"],
                                  description="Elders opgeslagen")
    assert plan_service.load_plan_draft(vault, number) is not None, "a meeting's save keeps it"
    with dialogs.scripted() as script:
        editor.load(number)
    assert not script.shown, "nothing to ask: nothing is lost either way"
    assert editor.closure.toPlainText() == "Mijn wijziging"
    assert "versie 2" in editor.notice.text()
    assert editor.save()
    saved = plan_service.get_plan(vault, number)
    assert saved.closure_criteria == "Mijn wijziging" and saved.version == 3
    assert [a.description for a in saved.actions] == ["Toezicht afstemmen", "Elders opgeslagen"]


def test_a_progress_note_keeps_the_edits_in_the_form(  # type: ignore[no-untyped-def]
        qtbot, case) -> None:
    vault, number, ids = case
    _plan_with_content(vault, number, ids)
    editor = PlanEditor(vault)
    qtbot.addWidget(editor)
    editor.load(number)
    key = editor.action_table.item(0, 1).data(0x0100)
    editor.action_table.item(0, 2).setText("J. de Vries")
    editor.add_progress_note(key, "Eerste gesprek gevoerd")
    assert editor.action_table.item(0, 2).text() == "J. de Vries", "the edit is still there"
    assert editor.has_unsaved_changes
    assert editor.save()
    action = plan_service.get_plan(vault, number).actions[0]
    assert action.owner == "J. de Vries"
    assert [n.text for n in action.notes] == ["Eerste gesprek gevoerd"]
    # Without edits the form simply shows the new version.
    editor.add_progress_note(key, "Tweede gesprek")
    assert not editor.has_unsaved_changes


def test_closing_the_plan_window_with_unsaved_edits_asks_first(  # type: ignore[no-untyped-def]
        qtbot, case) -> None:
    from ui.cases.case_actions import PlanDialog

    vault, number, ids = case
    _plan_with_content(vault, number, ids)
    window = PlanDialog(vault, number)
    qtbot.addWidget(window)
    window.show()
    window.editor.closure.setPlainText("Nog niet opgeslagen")
    with dialogs.scripted(dialogs.CANCEL) as script:
        window.reject()
    assert window.isVisible() and script.shown[0].kind == "save_changes"
    with dialogs.scripted(dialogs.DISCARD):
        window.reject()
    assert not window.isVisible()
    assert plan_service.get_plan(vault, number).closure_criteria == ""
    # Cleared first (as the lock does): it closes without asking.
    again = PlanDialog(vault, number)
    qtbot.addWidget(again)
    again.show()
    again.editor.closure.setPlainText("Bij vergrendelen bewaard")
    again.editor.save_draft()
    again.clear()
    with dialogs.scripted() as script:
        again.reject()
    assert not again.isVisible() and not script.shown
    assert plan_service.load_plan_draft(vault, number) is not None
