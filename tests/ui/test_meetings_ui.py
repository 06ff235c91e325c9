"""Click through the agenda wizard for a meeting with three cases, then run it live:
attendance with the confidentiality statement, a party that leaves before the second case
(the meeting-room screen follows, checked item by item against the policy), the blank
screen, keyboard navigation, agreements that land on the case's plan, and closing with
unsaved minutes asking first."""

from __future__ import annotations

from datetime import date, timedelta
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QWizard

from app.domain.meetings import EntryKind, WizardStep
from app.services import meeting_room as room_service
from app.services import meetings as svc
from app.services import meeting_live as live_svc
from app.services import minutes as minutes_svc
from app.services import plan as plan_service
from app.sharing.policy import MeetingRoom, Setting, decide
from app.vault.vault import OpenVault
from tests.unit.meeting_fixtures import (GGZ, MUNICIPALITY, POLICE, TOMORROW_10,
                                         as_process_director, item, party_ids, routed_case)
from ui import dialogs
from ui.meetings.live import LiveMeetingWindow
from ui.meetings.screen import MeetingsScreen
from ui.meetings.wizard import AgendaWizard


@pytest.fixture(autouse=True)
def _no_scripted_dialogs() -> Iterator[None]:
    dialogs.reset()
    yield
    dialogs.reset()


@pytest.fixture
def three(admin_vault: OpenVault) -> tuple[OpenVault, dict[str, int], list[str]]:
    pd = as_process_director(admin_vault)
    ids = party_ids(pd)
    p, g, m = ids[POLICE], ids[GGZ], ids[MUNICIPALITY]
    invitees = [p, g, m]
    numbers = [
        routed_case(pd, "Jan", "de Vries", invitees=invitees, items=[
            item(p, "Melding huiselijk geweld", [g, m]),
            item(g, "Zorgmijding", [m]),
            item(m, "Schuldhulp aangevraagd", [p, g])])[1],
        routed_case(pd, "Fatma", "Yıldız", invitees=invitees, items=[
            item(g, "Opname geweest", [m]),
            item(p, "Aangifte bedreiging", [g, m])])[1],
        routed_case(pd, "Kees", "Bakker", invitees=[g, m], items=[
            item(m, "Huurachterstand", [g])])[1],
    ]
    return pd, ids, numbers


def allowed_texts(live: LiveMeetingWindow) -> set[str]:
    """What the policy, asked directly, allows on the room screen for the current item."""
    room = live.room
    agenda_item = room.item(live.current)  # type: ignore[arg-type]
    present = room_service.present_parties(room.attendees, agenda_item)
    case = room.context(agenda_item)
    if not present or room_service.awaiting_confidentiality(room.attendees, agenda_item):
        return set()
    return {i.text for i in room.cases[agenda_item.case_id].items
            if decide(i, MeetingRoom(present), Setting.MEETING_SCREEN, case, room.standings)}


def run_wizard(qtbot: object, vault: OpenVault, ids: dict[str, int]) -> int:
    wizard = AgendaWizard(vault)
    qtbot.addWidget(wizard)  # type: ignore[attr-defined]
    wizard.show()
    meeting = wizard.page_for(WizardStep.MEETING)
    meeting.set_start(TOMORROW_10)
    meeting.place.setText("Zaal 3, ZVH Haaglanden")
    # A missing chair is refused on the page itself, with the reason.
    wizard.next()
    assert wizard.currentPage() is meeting and meeting.error.text()
    meeting.chair.setText("A. de Regisseur")
    wizard.next()
    cases = wizard.page_for(WizardStep.CASES)
    assert wizard.currentPage() is cases and cases.cases.count() == 3
    wizard.next()
    assert wizard.currentPage() is cases and cases.error.text()        # nothing chosen
    for row in range(3):
        cases.cases.item(row).setCheckState(Qt.CheckState.Checked)
    wizard.next()
    order = wizard.page_for(WizardStep.ORDER)
    # Candidates come newest first; put them in number order: oldest case first.
    order.order.setCurrentRow(2)
    order.up.click()
    order.up.click()
    order.order.setCurrentRow(2)
    order.up.click()
    order.duration.setValue(25)
    numbers = [i.case_number for i in wizard.draft.items]
    assert numbers == sorted(numbers)
    assert wizard.draft.items[1].duration_minutes == 25
    assert "10:30" in order.order.item(1).text() and "10:55" in order.order.item(2).text()
    wizard.next()
    details = wizard.page_for(WizardStep.DETAILS)
    assert details.goal.toPlainText() == "Een gezamenlijk beeld van de situatie"
    assert details.themes.text() == "wonen, schulden"
    details.goal.setPlainText("Afspraken maken over veiligheid thuis")
    wizard.next()
    invitations = wizard.page_for(WizardStep.INVITATIONS)
    checked = {int(invitations.parties.item(r).data(Qt.ItemDataRole.UserRole))
               for r in range(invitations.parties.count())
               if invitations.parties.item(r).checkState() is Qt.CheckState.Checked}
    assert checked == {ids[POLICE], ids[GGZ], ids[MUNICIPALITY]}      # from triage
    wizard.next()
    review = wizard.page_for(WizardStep.REVIEW)
    assert "Afspraken maken over veiligheid thuis" in review.summary.toPlainText()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.meeting_id is not None
    return wizard.meeting_id


def test_wizard_then_live_meeting(qtbot: object, three: tuple[OpenVault, dict[str, int],
                                                               list[str]]) -> None:
    vault, ids, numbers = three
    meeting_id = run_wizard(qtbot, vault, ids)
    meeting = svc.get_meeting(vault, meeting_id)
    assert [i.case_number for i in meeting.items] == numbers
    assert meeting.items[0].goal == "Afspraken maken over veiligheid thuis"

    live = LiveMeetingWindow(vault, meeting_id)
    qtbot.addWidget(live)  # type: ignore[attr-defined]
    live.show()
    live.room_window.show_on(None, full_screen=False)
    qtbot.addWidget(live.room_window)  # type: ignore[attr-defined]
    assert live.current == meeting.items[0].id
    assert live.room_window.is_blank                       # nobody present yet

    # Attendance: the statement is shown to each and accepted (with the time recorded).
    people = [("K. Jansen", POLICE, "Wijkagent"), ("P. Smit", GGZ, "SPV"),
              ("R. Bos", MUNICIPALITY, "Beleidsadviseur")]
    for name, party, function in people:
        live.person_name.setText(name)
        live.person_party.setCurrentIndex(live.person_party.findData(ids[party]))
        live.person_function.setText(function)
        with dialogs.scripted(True) as script:
            live.add_person_button.click()
        assert script.shown[0].kind == "confirm" and "niet openbaar" in script.shown[0].text
    # Someone without a party is refused beside the form.
    live.person_name.setText("Onbekend")
    live.person_function.setText("gast")
    live.add_person_button.click()
    assert live.person_error.text()
    assert all(a.has_accepted for a in live_svc.list_attendees(vault, meeting_id))
    assert set(live.room_window.shown_texts()) == allowed_texts(live) == {
        "Melding huiselijk geweld", "Schuldhulp aangevraagd"}

    # The police leave before the second case.
    police = next(a.id for a in live.room.attendees if a.party_id == ids[POLICE])
    live.select_attendee(police)
    live.left_button.click()
    assert set(live.room_window.shown_texts()) == allowed_texts(live) == {
        "Melding huiselijk geweld", "Schuldhulp aangevraagd", "Zorgmijding"}
    live.activateWindow()
    qtbot.waitUntil(live.isActiveWindow)  # type: ignore[attr-defined]
    live.agenda.setFocus()
    qtbot.keyClick(live.agenda, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    assert live.current == meeting.items[1].id
    assert set(live.room_window.shown_texts()) == allowed_texts(live) == {
        "Opname geweest", "Aangifte bedreiging"}
    # Item by item, every screen matches the policy for those present.
    for row in range(3):
        live.go_to(row)
        assert set(live.room_window.shown_texts()) == allowed_texts(live)
    live.activateWindow()
    qtbot.waitUntil(live.isActiveWindow)  # type: ignore[attr-defined]
    qtbot.keyClick(live.agenda, Qt.Key.Key_PageUp)  # type: ignore[attr-defined]
    assert live.current == meeting.items[1].id

    # Blank screen: B on the room screen, the button, and B on the director's screen.
    qtbot.keyClick(live.room_window, Qt.Key.Key_B)  # type: ignore[attr-defined]
    assert live.room_window.is_blank and live.room_window.shown_texts() == []
    live.blank_button.click()
    assert not live.room_window.is_blank and live.room_window.shown_texts()
    live.items.setFocus()
    qtbot.keyClick(live.items, Qt.Key.Key_B)  # type: ignore[attr-defined]
    assert live.room_window.is_blank
    live.toggle_blank()
    assert not live.room_window.is_blank

    # Live minutes: Ctrl+N starts an agreement; a date in the past is refused.
    live.go_to(0)
    live.activateWindow()
    qtbot.waitUntil(live.isActiveWindow)  # type: ignore[attr-defined]
    qtbot.keyClick(live.agenda, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    assert EntryKind(live.entry_kind.currentData()) is EntryKind.ACTION
    qtbot.keyClicks(live.entry_text, "Huisbezoek afleggen")  # type: ignore[attr-defined]
    live.entry_party.setCurrentIndex(live.entry_party.findData(ids[GGZ]))
    live.entry_owner.setText("P. Smit")
    live.entry_due.setDate(QDate.currentDate().addDays(-1))
    live.add_entry_button.click()
    assert live.entry_error.text() and live.entries.count() == 0
    due = date.today() + timedelta(days=10)
    live.entry_due.setDate(QDate(due.year, due.month, due.day))
    live.add_entry_button.click()
    assert live.entries.count() == 1 and not live.entry_text.text()

    # What is being typed survives: it is in the vault as a draft.
    live.entry_text.setText("Nog niet toegevoegd")
    live.save_draft()
    assert minutes_svc.load_live_draft(vault, meeting_id)["text"] == "Nog niet toegevoegd"
    # Closing with unsaved minutes asks first.
    with dialogs.scripted(False) as script:
        live.close()
    assert live.isVisible() and script.shown[0].kind == "confirm"
    live.entry_text.clear()

    with dialogs.scripted(True):
        live.end_button.click()
    assert not live.isVisible()
    plan = plan_service.get_plan(vault, numbers[0])
    assert [(a.description, a.party_id, a.owner, a.due) for a in plan.actions] == [
        ("Huisbezoek afleggen", ids[GGZ], "P. Smit", due)]
    stored = minutes_svc.case_minutes(vault, numbers[0])
    assert stored and stored[0].body["entries"][0]["text"] == "Huisbezoek afleggen"


def test_meetings_screen_lists_and_edits_the_agenda(
        qtbot: object, three: tuple[OpenVault, dict[str, int], list[str]]) -> None:
    vault, ids, numbers = three
    meeting_id = run_wizard(qtbot, vault, ids)
    screen = MeetingsScreen(vault)
    qtbot.addWidget(screen)  # type: ignore[attr-defined]
    screen.show()
    assert screen.model.rowCount() == 1 and screen.selected_meeting_id() == meeting_id
    assert screen.agenda.count() == 3
    screen.agenda.setCurrentRow(2)
    screen.up_button.click()
    assert [i.case_number for i in svc.get_meeting(vault, meeting_id).items] == [
        numbers[0], numbers[2], numbers[1]]
    with dialogs.scripted(True):
        screen.agenda.setCurrentRow(0)
        screen.remove_button.click()
    assert screen.agenda.count() == 2
    screen.save_draft()
    screen.clear()
    assert screen.model.rowCount() == 0 and screen.agenda.count() == 0
