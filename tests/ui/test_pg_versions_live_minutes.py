"""The live minutes screen when a colleague (another workstation or window) corrected the
same entry meanwhile (issue 22, point 4): storing the correction is refused with who and
when, the user chooses to reload or keep, and nothing typed is lost; undo never overwrites a
colleague's correction made since."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from app.domain.meetings import EntryInput, EntryKind
from app.domain.roles import Role
from app.services import minutes as minutes_svc
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.ui.test_live_meeting import open_live, plan
from ui import dialogs
from ui.meetings.live import LiveMeetingWindow

COLLEAGUE = "collega"
DUE = date.today() + timedelta(days=14)


@pytest.fixture(autouse=True)
def _no_scripted_dialogs() -> Iterator[None]:
    dialogs.reset()
    yield
    dialogs.reset()


@pytest.fixture
def screen(qtbot, admin_vault: OpenVault  # type: ignore[no-untyped-def]
           ) -> tuple[LiveMeetingWindow, OpenVault, int, dict[str, int]]:
    vault, ids, meeting_id = plan(admin_vault)
    live = open_live(qtbot, vault, meeting_id)
    assert live.current is not None
    colleague = unlock_as(vault, Role.PROCESS_DIRECTOR, COLLEAGUE)
    minutes_svc.add_entry(vault, live.current, EntryInput(
        EntryKind.NOTE, "Gezin heeft schulden", None, "", None))
    live._fill_entries()
    return live, colleague, live.current, ids


def _colleague_corrects(colleague: OpenVault, item_id: int, text: str) -> None:
    [theirs] = minutes_svc.entries(colleague, item_id)
    minutes_svc.edit_entry(colleague, theirs.id, EntryInput(EntryKind.NOTE, text, None, "",
                                                            None), version=theirs.version)


def test_a_stale_correction_is_refused_and_reload_keeps_the_typed_text(screen) -> None:  # type: ignore[no-untyped-def]
    live, colleague, item_id, _ids = screen
    live.entries.setCurrentRow(0)
    live.edit_entry_button.click()
    _colleague_corrects(colleague, item_id, "Gezin heeft hoge schulden (collega)")
    live.entry_text.setText("Gezin heeft schulden bij drie partijen")

    with dialogs.scripted(True) as script:
        live.add_entry_button.click()
    [asked] = script.shown
    assert asked.kind == "confirm" and COLLEAGUE in asked.text
    # nothing of the stale correction written: the colleague's stands
    assert [e.text for e in minutes_svc.entries(colleague, item_id)] == [
        "Gezin heeft hoge schulden (collega)"]
    # reloaded: the list shows the colleague's text, the form still holds the user's
    assert any("(collega)" in live.entries.item(i).text() for i in range(live.entries.count()))
    assert live.entry_text.text() == "Gezin heeft schulden bij drie partijen"
    assert live.editing is not None
    # stored again, as a choice made on what is there now, it goes through
    live.add_entry_button.click()
    assert [e.text for e in minutes_svc.entries(colleague, item_id)] == [
        "Gezin heeft schulden bij drie partijen"]
    assert not live.entry_text.text()


def test_keeping_my_text_changes_nothing_on_screen(screen) -> None:  # type: ignore[no-untyped-def]
    live, colleague, item_id, _ids = screen
    live.entries.setCurrentRow(0)
    live.edit_entry_button.click()
    _colleague_corrects(colleague, item_id, "Versie van de collega")
    live.entry_text.setText("Mijn versie")
    with dialogs.scripted(False):
        live.add_entry_button.click()
    assert live.entry_text.text() == "Mijn versie"
    assert COLLEAGUE in live.entry_error.text()
    assert [e.text for e in minutes_svc.entries(colleague, item_id)] == [
        "Versie van de collega"]
    live.cancel_edit()      # (closing with text in the form would ask)


def test_deleting_an_entry_a_colleague_corrected_is_refused(screen) -> None:  # type: ignore[no-untyped-def]
    live, colleague, item_id, _ids = screen
    _colleague_corrects(colleague, item_id, "Toch belangrijk (collega)")
    live.entries.setCurrentRow(0)
    with dialogs.scripted(True) as script:
        live.delete_entry_button.click()
    [asked] = script.shown
    assert COLLEAGUE in asked.text
    assert [e.text for e in minutes_svc.entries(colleague, item_id)] == [
        "Toch belangrijk (collega)"]
    assert live.entries.count() == 1 and "(collega)" in live.entries.item(0).text()


def test_undo_does_not_overwrite_a_colleague_s_later_correction(screen) -> None:  # type: ignore[no-untyped-def]
    live, colleague, item_id, _ids = screen
    live.entries.setCurrentRow(0)
    live.edit_entry_button.click()
    live.entry_text.setText("Mijn correctie")
    live.add_entry_button.click()
    assert not live.entry_error.text()
    _colleague_corrects(colleague, item_id, "Daarna de collega")
    with dialogs.scripted(False):
        live.undo()
    assert [e.text for e in minutes_svc.entries(colleague, item_id)] == ["Daarna de collega"]
    assert COLLEAGUE in live.entry_error.text()
