"""The live meeting as a chair with partners in the room uses it (issue 18, points 1-2;
covenant 8.4 on the minutes, 9.2 and 17 on the meeting-room screen and the statement).

A minutes entry corrected and deleted mid-meeting and brought back with Ctrl+Z; the party
field empty after each entry; a refusal naming its field; an attendee chosen from the
invited parties' contacts, a party typed into its box ("Den Haag", with a space), Enter
adding, every field cleared, a mistyped attendee removed; the room screen's one status in
both windows through nobody, waiting, showing, blank; a meeting started a week early asks
first; the window is named by the meeting's date, time and place, not its number.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication

from app.domain.meetings import EntryKind, meeting_label
from app.domain.parties import Contact
from app.errors import TransitionRefused
from app.i18n import _
from app.services import meetings as svc
from app.services import meeting_live as live_svc
from app.services import minutes as minutes_svc
from app.services import parties as party_service
from app.services.meeting_room import StatusKind
from app.vault.vault import OpenVault
from tests.unit.meeting_fixtures import (GGZ, MUNICIPALITY, POLICE, as_process_director,
                                         draft_for, item, party_ids, routed_case)
from ui import dialogs
from ui.meetings.live import LiveMeetingWindow

SHARED = {"Melding huiselijk geweld", "Behandeling gestart"}


@pytest.fixture(autouse=True)
def _no_scripted_dialogs() -> Iterator[None]:
    dialogs.reset()
    yield
    dialogs.reset()


def plan(admin_vault: OpenVault, starts_at: datetime | None = None
         ) -> tuple[OpenVault, dict[str, int], int]:
    ids = party_ids(admin_vault)
    # Contact persons are kept by whoever keeps the register (the administrator here).
    party_service.save_contact(admin_vault, Contact(ids[POLICE], "Kees de Boer", "Wijkagent",
                                                    case_meetings=True))
    party_service.save_contact(admin_vault, Contact(ids[GGZ], "Lotte Visser", "SPV",
                                                    case_meetings=True))
    pd = as_process_director(admin_vault)
    p, g, m = ids[POLICE], ids[GGZ], ids[MUNICIPALITY]
    case = routed_case(pd, "Jan", "de Vries", invitees=[p, g, m], items=[
        item(p, "Melding huiselijk geweld", [g]),
        item(g, "Behandeling gestart", [p])])
    draft = draft_for([case], [p, g, m]) if starts_at is None else draft_for(
        [case], [p, g, m], starts_at=starts_at)
    return pd, ids, svc.plan_meeting(pd, draft)


@pytest.fixture
def planned(admin_vault: OpenVault) -> tuple[OpenVault, dict[str, int], int]:
    return plan(admin_vault)


def open_live(qtbot: object, vault: OpenVault, meeting_id: int) -> LiveMeetingWindow:
    live = LiveMeetingWindow(vault, meeting_id)
    qtbot.addWidget(live)  # type: ignore[attr-defined]
    qtbot.addWidget(live.room_window)  # type: ignore[attr-defined]
    live.resize(1280, 720)
    live.show()
    live.room_window.show_on(None, full_screen=False)
    return live


def add_person(live: LiveMeetingWindow, name: str, party: str, accept: bool = True) -> None:
    live.person_name.setText(name)
    live.person_party.setEditText(party)
    live.person_function.setText("functie")
    with dialogs.scripted(accept):
        live.add_person_button.click()
    assert not live.person_error.text()


def entry_lines(live: LiveMeetingWindow) -> list[str]:
    return [live.entries.item(r).text() for r in range(live.entries.count())]


def test_8_4_an_entry_corrected_and_deleted_mid_meeting_and_undone_with_ctrl_z(
        qtbot: object, planned: tuple[OpenVault, dict[str, int], int]) -> None:
    vault, ids, meeting_id = planned
    live = open_live(qtbot, vault, meeting_id)
    item_id = live.current
    assert item_id is not None
    due = date.today() + timedelta(days=10)

    # An action for the GGZ; afterwards the party field is empty again.
    live.entry_kind.setCurrentIndex(live.entry_kind.findData(EntryKind.ACTION.value))
    live.entry_text.setText("Huisbezoek afleggen")
    live.entry_party.setEditText(GGZ)
    live.entry_owner.setText("Lotte Visser")
    live.entry_due.setDate(QDate(due.year, due.month, due.day))
    live.add_entry_button.click()
    assert not live.entry_error.text()
    assert live.entry_party.currentText() == "" and live.entry_party.currentIndex() == -1
    assert not live.entry_text.text() and not live.entry_owner.text()
    # A decision added next is not stored with the GGZ (the complaint: "(Den Haag)").
    live.entry_kind.setCurrentIndex(live.entry_kind.findData(EntryKind.DECISION.value))
    live.entry_text.setText("Casus blijft in het overleg")
    qtbot.keyClick(live.entry_text, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    first, decision = minutes_svc.entries(vault, item_id)
    assert first.party_id == ids[GGZ] and decision.party_id is None

    # A case coordinator without an executor: the refusal names the field.
    live.entry_kind.setCurrentIndex(live.entry_kind.findData(EntryKind.COORDINATOR.value))
    live.entry_party.setEditText(POLICE)
    live.add_entry_button.click()
    assert live.entry_error.text().startswith(_("Owner") + ":")
    live.cancel_edit()

    # Correct the action: select it, edit, store.
    live.entries.setCurrentRow(0)
    live.edit_entry_button.click()
    assert live.entry_text.text() == "Huisbezoek afleggen"
    assert live.entry_party.currentData() == ids[GGZ]
    live.entry_text.setText("Huisbezoek samen afleggen")
    live.add_entry_button.click()
    assert not live.entry_error.text()
    assert [e.text for e in minutes_svc.entries(vault, item_id)] == [
        "Huisbezoek samen afleggen", "Casus blijft in het overleg"]
    assert live.add_entry_button.text() == _("Add to the minutes")

    # Delete the decision.
    live.entries.setCurrentRow(1)
    live.delete_entry_button.click()
    assert [e.text for e in minutes_svc.entries(vault, item_id)] == ["Huisbezoek samen afleggen"]

    # Ctrl+Z (focus outside a text field): the deletion, then the correction, undone.
    live.activateWindow()
    qtbot.waitUntil(live.isActiveWindow)  # type: ignore[attr-defined]
    live.entries.setFocus()
    qtbot.keyClick(live.entries, Qt.Key.Key_Z,  # type: ignore[attr-defined]
                   Qt.KeyboardModifier.ControlModifier)
    assert sorted(e.text for e in minutes_svc.entries(vault, item_id)) == [
        "Casus blijft in het overleg", "Huisbezoek samen afleggen"]
    qtbot.keyClick(live.entries, Qt.Key.Key_Z,  # type: ignore[attr-defined]
                   Qt.KeyboardModifier.ControlModifier)
    assert sorted(e.text for e in minutes_svc.entries(vault, item_id)) == [
        "Casus blijft in het overleg", "Huisbezoek afleggen"]
    assert sorted(entry_lines(live))[1].startswith(EntryKind.DECISION.label) or any(
        "Huisbezoek afleggen" in line for line in entry_lines(live))
    # Undo the two additions too; the undo button then has nothing left.
    live.undo()
    live.undo()
    assert minutes_svc.entries(vault, item_id) == [] and live.entries.count() == 0
    assert not live.undo_button.isEnabled()

    # After the meeting ends there is nothing to undo.
    live.entry_kind.setCurrentIndex(live.entry_kind.findData(EntryKind.NOTE.value))
    live.entry_text.setText("Laatste notitie")
    live.add_entry_button.click()
    with dialogs.scripted(True):
        live.end_button.click()
    assert live.undo_stack == []


def test_17_attendee_from_the_contacts_typed_party_enter_adds_fields_cleared_removed(
        qtbot: object, planned: tuple[OpenVault, dict[str, int], int]) -> None:
    vault, ids, meeting_id = planned
    live = open_live(qtbot, vault, meeting_id)
    # Only the parties invited to the meeting's cases are offered.
    offered = {live.person_party.itemText(r) for r in range(live.person_party.count())}
    assert offered == {POLICE, GGZ, MUNICIPALITY}
    contacts = [live.person_contact.itemText(r) for r in range(live.person_contact.count())]
    assert any("Kees de Boer" in c and POLICE in c for c in contacts)

    # Chosen from the contacts: name, party and function filled in; Enter adds.
    row = next(r for r, c in enumerate(contacts) if "Kees de Boer" in c)
    live.person_contact.setCurrentIndex(row)
    live.person_contact.activated.emit(row)
    assert live.person_name.text() == "Kees de Boer"
    assert live.person_party.currentText() == POLICE
    assert live.person_function.text() == "Wijkagent"
    with dialogs.scripted(True):
        qtbot.keyClick(live.person_function, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    # Every field is empty again: the next name does not run into this one.
    assert not live.person_name.text() and not live.person_function.text()
    assert live.person_party.currentText() == "" and live.person_contact.currentIndex() == 0

    # A name typed, and the party typed into its box, space and all ("Den Haag").
    live.activateWindow()
    qtbot.waitUntil(live.isActiveWindow)  # type: ignore[attr-defined]
    qtbot.keyClicks(live.person_name, "Lotte Visser")  # type: ignore[attr-defined]
    party_line = live.person_party.lineEdit()
    party_line.setFocus()
    qtbot.keyClicks(party_line, MUNICIPALITY)  # type: ignore[attr-defined]
    assert live.person_party.currentText() == MUNICIPALITY
    live.person_function.setText("Beleidsadviseur")
    with dialogs.scripted(True):
        qtbot.keyClick(live.person_name, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    assert not live.person_error.text()
    people = {(a.name, a.party_id) for a in live_svc.list_attendees(vault, meeting_id)}
    assert people == {("Kees de Boer", ids[POLICE]), ("Lotte Visser", ids[MUNICIPALITY])}

    # A party that is not invited is refused, naming the field.
    live.person_name.setText("Iemand")
    live.person_party.setEditText(ids and "Openbaar Ministerie")
    live.person_function.setText("Officier")
    live.add_person_button.click()
    assert live.person_error.text().startswith(_("Party") + ":")

    # The mistyped one is taken off the list (not "has left").
    wrong = next(a.id for a in live_svc.list_attendees(vault, meeting_id)
                 if a.name == "Lotte Visser")
    live.select_attendee(wrong)
    with dialogs.scripted(True):
        live.remove_person_button.click()
    assert [a.name for a in live_svc.list_attendees(vault, meeting_id)] == ["Kees de Boer"]
    assert live.attendance.rowCount() == 1


def test_9_2_17_the_room_status_in_both_windows_through_waiting_showing_and_blank(
        qtbot: object, planned: tuple[OpenVault, dict[str, int], int]) -> None:
    vault, _ids, meeting_id = planned
    live = open_live(qtbot, vault, meeting_id)
    room = live.room_window
    on_screen = _("On the meeting-room screen")

    def column() -> list[str]:
        return [live.items.item(r, 2).text() for r in range(live.items.rowCount())]

    def same() -> StatusKind:
        status = room.status
        assert status is not None
        assert live.room_state.text() == status.text        # one value, both windows
        return status.kind

    assert same() is StatusKind.NOBODY_PRESENT and room.is_blank

    # Waiting: the director's window and the room window name who must still accept.
    add_person(live, "Kees de Boer", POLICE, accept=False)
    assert same() is StatusKind.WAITING
    assert "Kees de Boer" in live.room_state.text()
    assert "Kees de Boer" in room.blank_reason.text()
    assert room.is_blank and room.shown_texts() == []
    assert on_screen not in column()

    # Showing: N of M.
    live.select_attendee(live.room.attendees[0].id)
    with dialogs.scripted(True):
        live.accept_button.click()
    assert same() is StatusKind.SHOWING
    assert set(room.shown_texts()) == SHARED
    assert live.room_state.text() == _("Meeting-room screen: showing {count} of {total} "
                                       "items").format(count=2, total=2)
    assert column() == [on_screen, on_screen]

    # Blank with B: both windows say blank; no item says "shown".
    live.activateWindow()
    qtbot.waitUntil(live.isActiveWindow)  # type: ignore[attr-defined]
    live.items.setFocus()
    qtbot.keyClick(live.items, Qt.Key.Key_B)  # type: ignore[attr-defined]
    assert same() is StatusKind.BLANKED
    assert room.is_blank and room.blank_reason.text() == ""
    assert on_screen not in column()
    qtbot.keyClick(live.items, Qt.Key.Key_B)  # type: ignore[attr-defined]
    assert same() is StatusKind.SHOWING and set(room.shown_texts()) == SHARED


def test_starting_a_week_early_asks_first_and_the_title_names_date_time_and_place(
        qtbot: object, admin_vault: OpenVault) -> None:
    week = (datetime.now() + timedelta(days=7)).replace(hour=14, minute=30, second=0,
                                                        microsecond=0)
    vault, _ids, meeting_id = plan(admin_vault, starts_at=week)
    with dialogs.scripted(False) as script, pytest.raises(TransitionRefused):
        LiveMeetingWindow(vault, meeting_id)
    assert script.shown and script.shown[0].kind == "confirm"
    assert svc.get_meeting(vault, meeting_id).started_at is None
    with dialogs.scripted(True):
        live = open_live(qtbot, vault, meeting_id)
    meeting = svc.get_meeting(vault, meeting_id)
    assert meeting.started_at is not None and meeting.started_at.date() == date.today()
    title = live.windowTitle()
    assert meeting_label(meeting) in title
    assert not title.startswith("{} {} ".format(_("Case meeting"), meeting_id))
    assert "14:30" in title


def test_a_meeting_on_its_day_starts_without_a_question(
        qtbot: object, planned: tuple[OpenVault, dict[str, int], int]) -> None:
    vault, _ids, meeting_id = planned                   # planned for tomorrow
    with dialogs.scripted() as script:
        open_live(qtbot, vault, meeting_id)
    assert script.shown == []


def test_looked_at(qtbot: object, planned: tuple[OpenVault, dict[str, int], int],
                   tmp_path: object) -> None:
    """Both windows grabbed at 1280x720 (saved when LIVE_GRAB_DIR is set, for a person to
    look at): they render with attendance, minutes and a status."""
    import os
    from pathlib import Path

    vault, _ids, meeting_id = planned
    live = open_live(qtbot, vault, meeting_id)
    add_person(live, "Kees de Boer", POLICE)
    add_person(live, "Lotte Visser", GGZ, accept=False)
    live.entry_kind.setCurrentIndex(live.entry_kind.findData(EntryKind.NOTE.value))
    live.entry_text.setText("Notitie over de aanpak")
    live.add_entry_button.click()
    assert not live.entry_error.text() and live.entries.count() == 1
    live.room_window.resize(1280, 720)
    QApplication.processEvents()
    out = Path(os.environ.get("LIVE_GRAB_DIR") or str(tmp_path))
    assert live.grab().save(str(out / "live.png"))
    assert live.room_window.grab().save(str(out / "room_waiting.png"))
    live.select_attendee(live.room.attendees[1].id)
    with dialogs.scripted(True):
        live.accept_button.click()
    QApplication.processEvents()
    assert live.grab().save(str(out / "live_showing.png"))
    assert live.room_window.grab().save(str(out / "room_showing.png"))
