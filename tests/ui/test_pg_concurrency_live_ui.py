"""Screens follow other workstations' saves (issue 22, point 4): the relay
(``ui.live_updates.LiveUpdates``) takes an announcement from the listener thread onto the GUI
thread, and the Cases table and the Meetings screen read again when their window is active.
The announcement is made here as the listener makes it (``Change``); the listener itself is
tested on the throwaway server in tests/unit/test_pg_concurrency_live.py."""

from __future__ import annotations

import threading

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from app.domain.live_changes import Change
from app.domain.roles import Role
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.ui.test_cases_screen import make_screen, register, shown_numbers
from tests.ui.cases_fixtures import (  # noqa: F401
    accounts_vault,
    cases_vault_template,
    director_vault,
)
from tests.unit.handout_cases import as_process_director, make_case, party_ids, plan_meeting
from tests.unit.handout_cases import route_to_meeting
from ui.live_updates import LiveUpdates
from ui.meetings.screen import MeetingsScreen


def _activate(window: object) -> None:
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))  # type: ignore[arg-type]


def test_the_case_list_reads_again_on_another_workstations_save(
        qtbot, director_vault: OpenVault) -> None:  # type: ignore[no-untyped-def]
    first = register(director_vault, "Piet", "Jansen")
    screen = make_screen(qtbot, director_vault)
    assert shown_numbers(screen) == [first]
    relay = LiveUpdates(screen)
    # "another workstation" registers a case: here another session on the same data
    other = unlock_as(director_vault, Role.PROCESS_DIRECTOR, "collega")
    second = register(other, "Fatma", "Yıldız")
    assert shown_numbers(screen) == [first]            # nothing read yet

    # the listener thread hands the announcement over (not the GUI thread)
    sender = threading.Thread(target=relay.received.emit, args=(
        Change(frozenset({"cases", "subjects"}), (("case", second),), "elsewhere"),))
    sender.start()
    sender.join()
    _activate(screen.window())
    qtbot.waitUntil(lambda: set(shown_numbers(screen)) == {first, second}, timeout=5000)


def test_the_meetings_screen_reads_again_on_another_workstations_meeting(
        qtbot, admin_vault: OpenVault) -> None:  # type: ignore[no-untyped-def]
    vault = as_process_director(admin_vault)
    ids = party_ids(vault)
    invited = [ids["Den Haag"]]
    number = make_case(vault)
    route_to_meeting(vault, number, invited)
    screen = MeetingsScreen(vault)
    qtbot.addWidget(screen)
    screen.show()
    assert screen.model.rowCount() == 0
    relay = LiveUpdates(screen)
    meeting_id = plan_meeting(vault, number, invited)
    relay.received.emit(Change(frozenset({"meetings", "agenda_items"}),
                               (("meeting", str(meeting_id)),), "elsewhere"))
    _activate(screen.window())
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=5000)
    assert screen.selected_meeting_id() == meeting_id


def test_a_party_save_elsewhere_leaves_the_case_list_alone(
        qtbot, director_vault: OpenVault) -> None:  # type: ignore[no-untyped-def]
    first = register(director_vault, "Piet", "Jansen")
    screen = make_screen(qtbot, director_vault)
    relay = LiveUpdates(screen)
    other = unlock_as(director_vault, Role.PROCESS_DIRECTOR, "collega")
    register(other, "Fatma", "Yıldız")
    relay.deliver(Change(frozenset({"parties"}), (("party", "3"),), "elsewhere"))
    _activate(screen.window())
    assert shown_numbers(screen) == [first]            # not read again: no case changed
