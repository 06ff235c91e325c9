"""Dates typed as dd-mm-jjjj everywhere (issue 18, point 3), beyond the intake: the agenda
wizard's meeting date, the parties' date dialogs, the plan's due dates and the live
meeting's due date. On 303c06b these were Qt's QDateEdit/QDateTimeEdit, which take no typed
"14-02-2027" as a whole and said nothing about a wrong date."""
# ruff: noqa: F811

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.domain.meetings import WizardStep
from app.services import parties as party_service
from app.vault.vault import OpenVault
from tests.ui.test_parties_ui import drive, screen  # noqa: F401
from tests.unit.handout_cases import as_process_director
from ui.date_edit import DateEdit
from ui.meetings.wizard import AgendaWizard
from ui.parties.screen import PartiesScreen


def test_the_meeting_date_is_typed_as_dd_mm_yyyy(qtbot: QtBot, admin_vault: OpenVault) -> None:
    wizard = AgendaWizard(as_process_director(admin_vault))
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.page_for(WizardStep.MEETING)
    assert isinstance(page.when, DateEdit)
    page.when.line.clear()
    qtbot.keyClicks(page.when.line, "12-03-2027")
    page.time.setTime(page.time.time().fromString("14:30", "HH:mm"))
    page.collect()
    assert wizard.draft.starts_at == datetime(2027, 3, 12, 14, 30)

    page.when.setText("31-02-2027")
    page.place.setText("Zaal 3")
    page.chair.setText("A. de Voorzitter")
    wizard.next()
    assert wizard.currentPage() is page
    assert page.error.text().startswith("Datum en tijd: ") and "dd-mm-jjjj" in page.error.text()
    wizard.clear()  # as a lock does: closing then asks nothing about the typed place


def test_a_party_date_is_typed_and_a_wrong_one_named_beside_it(
        screen: PartiesScreen, admin_vault: OpenVault) -> None:  # noqa: F811
    party = next(p for p in party_service.list_parties(admin_vault)
                 if party_service.standing(admin_vault, p.id).is_active(date(2024, 6, 1)))
    assert screen.select_party(party.id)
    seen: list[str] = []

    def end(dialog: QDialog) -> None:
        dialog.end_on.setText("1-6-20240")          # no date: refused beside the field
        dialog.accept()
        seen.append(dialog.errors.text("end_on"))
        dialog.end_on.setText("01-06-2024")
        dialog.accept()

    drive(screen, end)
    screen.end_button.click()
    assert seen and "dd-mm-jjjj" in seen[0] and "1-6-20240" in seen[0]
    assert not party_service.standing(admin_vault, party.id).is_active(date(2024, 6, 1))
