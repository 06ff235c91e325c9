"""The screens when another session saved the same record meanwhile (issue 22, point 4):
the save is refused with who and when, the user chooses to reload, and nothing typed is lost
(the plan editor puts the user's edits on top of the version saved since; the party
register's dialog stays open with the user's text and shows the record as it is now)."""

from __future__ import annotations

from dataclasses import replace
import pytest

from app.domain.roles import Role
from app.services import parties as party_service
from app.services import plan as plan_service
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.unit.handout_cases import as_process_director, make_case
from ui import dialogs
from ui.parties import PartiesScreen
from ui.parties.forms import DetailsDialog
from ui.plan.editor import PlanEditor

COLLEAGUE = "collega"


@pytest.fixture
def case(admin_vault: OpenVault) -> tuple[OpenVault, OpenVault, str]:
    vault = as_process_director(admin_vault)
    number = make_case(vault)
    return vault, unlock_as(vault, Role.PROCESS_DIRECTOR, COLLEAGUE), number


def test_the_plan_editor_refuses_a_stale_save_and_reloads_keeping_the_edit(
        qtbot, case) -> None:  # type: ignore[no-untyped-def]
    vault, colleague, number = case
    editor = PlanEditor(vault)
    qtbot.addWidget(editor)
    editor.load(number)
    # the colleague saves the same plan on another workstation
    theirs = plan_service.get_plan(colleague, number)
    plan_service.save_plan(colleague, replace(theirs, closure_criteria="Drie maanden stabiel"))

    editor.next_meeting_note.setText("Evaluatie met de school")
    with dialogs.scripted(True) as script:
        assert not editor.save()
    [asked] = script.shown
    assert asked.kind == "confirm" and COLLEAGUE in asked.text
    stored = plan_service.get_plan(vault, number)
    assert stored.closure_criteria == "Drie maanden stabiel"       # not overwritten
    assert stored.next_meeting_note != "Evaluatie met de school"   # the stale save wrote nothing
    # reloaded: the colleague's change shown, the user's own edit kept on top
    assert editor.closure.toPlainText() == "Drie maanden stabiel"
    assert editor.next_meeting_note.text() == "Evaluatie met de school"
    assert editor.save()
    stored = plan_service.get_plan(vault, number)
    assert (stored.closure_criteria, stored.next_meeting_note) == (
        "Drie maanden stabiel", "Evaluatie met de school")


def test_keeping_my_text_leaves_the_form_as_typed(qtbot, case) -> None:  # type: ignore[no-untyped-def]
    vault, colleague, number = case
    editor = PlanEditor(vault)
    qtbot.addWidget(editor)
    editor.load(number)
    theirs = plan_service.get_plan(colleague, number)
    plan_service.save_plan(colleague, replace(theirs, closure_criteria="Drie maanden stabiel"))
    editor.closure.setPlainText("Mijn eigen criteria")
    with dialogs.scripted(False):
        assert not editor.save()
    assert editor.closure.toPlainText() == "Mijn eigen criteria"
    assert plan_service.get_plan(vault, number).closure_criteria == "Drie maanden stabiel"


def test_the_party_dialog_refuses_a_stale_save_and_keeps_the_typed_text(
        qtbot, admin_vault: OpenVault) -> None:  # type: ignore[no-untyped-def]
    other = unlock_as(admin_vault, Role.ADMIN, "beheer2")
    screen = PartiesScreen(admin_vault)
    qtbot.addWidget(screen)
    party = party_service.list_parties(admin_vault)[0]
    assert screen.select_party(party.id)
    seen: list[DetailsDialog] = []

    def run(dialog: DetailsDialog) -> bool:
        seen.append(dialog)
        # meanwhile another administrator saves the same party's seat
        fresh = party_service.get_party(other, party.id)
        party_service.update_details(other, party.id, replace(
            dialog.form.details(), seat="Leiden"), version=fresh.version)
        dialog.form.seat.setText("Zwolle")
        with dialogs.scripted(True) as script:
            dialog.accept()
        [asked] = script.shown
        assert asked.kind == "confirm" and "beheer2" in asked.text
        return dialog.result() == DetailsDialog.DialogCode.Accepted

    screen.exec_dialog = run  # type: ignore[method-assign]
    screen.edit_details()
    [dialog] = seen
    assert dialog.result() != DetailsDialog.DialogCode.Accepted    # stays open, not saved
    assert party_service.get_party(admin_vault, party.id).seat == "Leiden"
    # reloaded: the record as it is now, the user's own text beside it to copy
    assert dialog.form.seat.text() == "Leiden"
    assert dialog.kept.isVisibleTo(dialog) and "Zwolle" in dialog.kept.toPlainText()
    assert "beheer2" in dialog.errors.general.text()
