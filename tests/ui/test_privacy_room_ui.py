"""The live-meeting window with a person whose party may not see the case (issue 16, point 3;
covenant 12.2e, 9.2 and 17).

The director adds, through the attendance form, a person of a party that is not invited to
the case. Nobody counts them absent on their own: the meeting-room window shows nothing of
the case (no item, no case number, no initials, no goal), the director's window names the
person, their party and why, never marks an item "on the meeting-room screen" meanwhile,
and offers one keyboard-reachable action to record that the person has left; after it the
room window shows again what the invited parties may see.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QListWidget, QWidget

from app.i18n import _
from app.services import meeting_room as room_service
from app.services import meetings as svc
from app.services import meeting_live as live_svc
from app.sharing.policy import Reason
from app.vault.vault import OpenVault
from tests.ui.test_accessibility import problems
from tests.unit.meeting_fixtures import (GGZ, MUNICIPALITY, POLICE, as_process_director,
                                         draft_for, item, party_ids, routed_case)
from ui import dialogs
from ui.meetings.live import LiveMeetingWindow

GOAL = "Beeld vormen"                # draft_for's goal for every agenda item
SHARED = {"Melding huiselijk geweld", "Behandeling gestart"}
ALL_TEXTS = SHARED | {"Schuldhulp aangevraagd"}


@pytest.fixture(autouse=True)
def _no_scripted_dialogs() -> Iterator[None]:
    dialogs.reset()
    yield
    dialogs.reset()


@pytest.fixture
def meeting(admin_vault: OpenVault) -> tuple[OpenVault, dict[str, int], str, int]:
    pd = as_process_director(admin_vault)
    ids = party_ids(pd)
    p, g, m = ids[POLICE], ids[GGZ], ids[MUNICIPALITY]
    case = routed_case(pd, "Jan", "de Vries", invitees=[p, g], items=[
        item(p, "Melding huiselijk geweld", [g]),
        item(g, "Behandeling gestart", [p]),
        item(m, "Schuldhulp aangevraagd", [p])])
    # The municipality is invited to another case of the meeting, not to this one: the
    # attendance form offers only the parties invited to the meeting's cases (issue 18).
    other = routed_case(pd, "Piet", "Bakker", invitees=[m])
    draft = draft_for([case, other], [p, g])
    draft.items[1].invited = {m: "Toelichting"}
    meeting_id = svc.plan_meeting(pd, draft)
    return pd, ids, case[1], meeting_id


def add_person(live: LiveMeetingWindow, name: str, party_id: int, accept: bool) -> None:
    live.person_name.setText(name)
    live.person_party.setCurrentIndex(live.person_party.findData(party_id))
    live.person_function.setText("functie")
    with dialogs.scripted(accept):
        live.add_person_button.click()
    assert not live.person_error.text()


def room_window_texts(window: QWidget) -> list[str]:
    """Every text the room window shows: its labels and the rows of its lists."""
    texts = [label.text() for label in window.findChildren(QLabel) if label.text()]
    for listing in window.findChildren(QListWidget):
        texts.extend(listing.item(row).text() for row in range(listing.count()))
    return texts


def screen_column(live: LiveMeetingWindow) -> list[str]:
    """The director's "Meeting-room screen" column, row by row."""
    cells = (live.items.item(row, 2) for row in range(live.items.rowCount()))
    return [cell.text() if cell is not None else "" for cell in cells]


def test_12_2e_9_2_17_live_window_with_a_person_whose_party_is_not_invited(
        qtbot: object, meeting: tuple[OpenVault, dict[str, int], str, int]) -> None:
    vault, ids, number, meeting_id = meeting
    live = LiveMeetingWindow(vault, meeting_id)
    qtbot.addWidget(live)  # type: ignore[attr-defined]
    live.show()
    live.room_window.show_on(None, full_screen=False)
    qtbot.addWidget(live.room_window)  # type: ignore[attr-defined]
    add_person(live, "K. Jansen", ids[POLICE], True)
    add_person(live, "P. Smit", ids[GGZ], True)
    assert set(live.room_window.shown_texts()) == SHARED

    # A person of the municipality (active, in the protocol, not invited) sits down.
    add_person(live, "R. Bos", ids[MUNICIPALITY], True)
    guest = next(a for a in live_svc.list_attendees(vault, meeting_id) if a.name == "R. Bos")
    assert guest.left_at is None

    # The room window shows nothing of the case: no item, no summary.
    room = live.room_window
    assert room.is_blank and room.shown_texts() == []
    assert not room.title.text() and not room.goal.text() and not room.meta.text()
    assert room.items.count() == 0
    shown = " ".join(room_window_texts(room))
    for secret in (number, "J. de V.", GOAL, *ALL_TEXTS):
        assert secret not in shown
    assert room.blank_reason.text() == room_service.Blank.PRESENT_NOT_ENTITLED.label

    # The director's window: who blocks, their party and why; nothing marked "on screen".
    assert live.blocker_box.isVisible()
    assert live.blockers.count() == 1
    line = live.blockers.item(0).text()
    assert "R. Bos" in line and MUNICIPALITY in line and Reason.NOT_INVITED.label in line
    assert live.blockers.item(0).data(Qt.ItemDataRole.UserRole) == guest.id
    on_screen = _("On the meeting-room screen")
    column = screen_column(live)
    assert len(column) == 3 and on_screen not in column
    assert room_service.Blank.PRESENT_NOT_ENTITLED.label in live.room_state.text()
    assert not problems(live.blocker_box, live)        # named, tied, in the tab order

    # One action, by keyboard: Tab from the list reaches it, its mnemonic triggers it.
    live.activateWindow()
    qtbot.waitUntil(live.isActiveWindow)  # type: ignore[attr-defined]
    live.blockers.setFocus()
    qtbot.keyClick(live.blockers, Qt.Key.Key_Tab)  # type: ignore[attr-defined]
    assert QApplication.focusWidget() is live.blocker_left_button
    label = live.blocker_left_button.text()
    assert "&" in label
    mnemonic = label[label.index("&") + 1].upper()
    qtbot.keyClick(live, getattr(Qt.Key, f"Key_{mnemonic}"),  # type: ignore[attr-defined]
                   Qt.KeyboardModifier.AltModifier)
    # A mnemonic "animates" the click: it lands a moment later.
    qtbot.waitUntil(lambda: not live.blocker_box.isVisible())  # type: ignore[attr-defined]
    gone = next(a for a in live_svc.list_attendees(vault, meeting_id) if a.id == guest.id)
    assert gone.left_at is not None
    assert set(live.room_window.shown_texts()) == SHARED
    assert not live.blocker_box.isVisible()
    column = screen_column(live)
    assert column.count(on_screen) == 2


def test_17_person_of_an_uninvited_party_who_declines_the_statement_is_named_with_both(
        qtbot: object, meeting: tuple[OpenVault, dict[str, int], str, int]) -> None:
    vault, ids, _number, meeting_id = meeting
    live = LiveMeetingWindow(vault, meeting_id)
    qtbot.addWidget(live)  # type: ignore[attr-defined]
    qtbot.addWidget(live.room_window)  # type: ignore[attr-defined]
    live.show()
    add_person(live, "K. Jansen", ids[POLICE], True)
    add_person(live, "R. Bos", ids[MUNICIPALITY], False)
    assert live.room_window.is_blank and live.room_window.shown_texts() == []
    line = live.blockers.item(0).text()
    assert Reason.NOT_INVITED.label in line
    assert _("Has not accepted the confidentiality statement") in line
    # The button acts on the selected person.
    live.blockers.setCurrentRow(0)
    live.blocker_left_button.click()
    # Only the police remain: every item is shared with the police or supplied by it.
    assert set(live.room_window.shown_texts()) == ALL_TEXTS
    assert not live.blocker_box.isVisible()
    # On lock the names of blocking people go with everything else.
    add_person(live, "S. de Wit", ids[MUNICIPALITY], True)
    assert live.blockers.count() == 1
    live.clear()
    assert live.blockers.count() == 0 and not live.blocker_box.isVisible()
