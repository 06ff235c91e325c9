"""Informing the subjects after intake (issue 24, point 2): from the case screen a dialog
records per subject "informed" (date, party) or "not informed" (a ground from the list and a
date to look again), by keyboard; "not informed" without a ground is refused beside the
ground field and nothing is written; the case screen then shows what was recorded. Fails on
HEAD 4caafe6 (no such dialog, no button)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

from app.services import referral_contacts
from app.services.referral_import import FORMAT, import_referrals
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director
from ui import dialogs
from ui.cases.case_view import CaseViewScreen
from ui.cases.informing_dialog import InformingDialog

TODAY = date(2026, 11, 29)


@pytest.fixture
def imported(admin_vault: OpenVault) -> tuple[OpenVault, str]:
    vault = as_process_director(admin_vault)
    [number] = import_referrals(vault, {"format": FORMAT, "referrals": [{
        "external_ref": "WEB-31", "referring_party": "Den Haag",
        "protocol": "integrale_veiligheid", "received": "2026-11-20",
        "reason": "Zorgen.", "question": "Plan.",
        "subjects": [
            {"given_names": "Anna", "surname": "Bakker", "birth_date": "1984-03-02",
             "role": "main_subject"},
            {"given_names": "Bram", "surname": "Bakker", "birth_date": "2012-05-06",
             "role": "child"}]}]}, today=TODAY)
    return vault, number


def _choose(combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, (text, [combo.itemText(i) for i in range(combo.count())])
    combo.setCurrentIndex(index)


def _errors(dialog: InformingDialog) -> dict[tuple[int, str], str]:
    return {(i, str(label.property("field"))): label.text()
            for i, box in enumerate(dialog.boxes)
            for label in box.findChildren(QLabel, "field_error") if label.isVisible()}


def test_informing_is_recorded_after_intake_and_shown(imported, qtbot) -> None:  # type: ignore[no-untyped-def]
    vault, number = imported
    screen = CaseViewScreen(vault, number)
    qtbot.addWidget(screen)
    screen.show()
    assert "niets vastgelegd" in screen.referral_fields["informing"].text()
    button = screen.findChild(QPushButton, "record_informing")
    assert button is not None and button.isEnabled()
    button.click()
    dialog = screen.step_window
    assert isinstance(dialog, InformingDialog)
    assert "Bakker" not in dialog.windowTitle()          # no name in a window title
    first, second = dialog.boxes
    # the first subject: informed on 20-11-2026 by Den Haag, typed as a user types
    _choose(first.informed, "Geïnformeerd")
    qtbot.keyClicks(first.informed_on.line, "20-11-2026")
    _choose(first.informed_by, "Den Haag")
    # the second: not informed, but the ground forgotten
    _choose(second.informed, "Niet geïnformeerd")
    qtbot.keyClicks(second.review_on.line, "01-03-2027")
    assert not first.ground.isEnabled() and second.ground.isEnabled()
    qtbot.keyClick(dialog.save_button, Qt.Key.Key_Space)
    assert dialog.isVisible()
    errors = _errors(dialog)
    assert list(errors) == [(1, "ground")], errors
    assert dialog.focusWidget() is second.ground     # the field with the problem
    # nothing was written: not even the first subject, whose entry was right
    assert all(v is None for v in referral_contacts.case_informing(vault, number).values())
    _choose(second.ground, "lopend strafrechtelijk onderzoek")
    qtbot.keyClick(dialog.save_button, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    shown = screen.referral_fields["informing"].text()
    lines = shown.splitlines()
    assert lines[0] == "Bakker, Anna: Geïnformeerd op 20-11-2026 door Den Haag", shown
    assert lines[1].startswith("Bakker, Bram: Niet geïnformeerd: lopend strafrechtelijk "
                               "onderzoek"), shown
    assert "01-03-2027" in lines[1]
    stored = referral_contacts.case_informing(vault, number)
    assert [v is not None and v.informed for v in stored.values()] == [True, False]
    screen.clear()


def test_a_typed_date_that_is_no_date_is_named(imported, qtbot) -> None:  # type: ignore[no-untyped-def]
    vault, number = imported
    screen = CaseViewScreen(vault, number)
    qtbot.addWidget(screen)
    screen.open_informing()
    dialog = screen.step_window
    assert isinstance(dialog, InformingDialog)
    first = dialog.boxes[0]
    _choose(first.informed, "Geïnformeerd")
    qtbot.keyClicks(first.informed_on.line, "31-02-2026")
    _choose(first.informed_by, "Den Haag")
    assert dialog.save() is False
    assert list(_errors(dialog)) == [(0, "informed_on")]
    # in the future: refused on the date as well
    first.informed_on.setDate(date(2099, 1, 1))
    assert dialog.save() is False
    assert list(_errors(dialog)) == [(0, "informed_on")]
    with dialogs.scripted(dialogs.DISCARD):
        dialog.reject()
    assert not dialog.isVisible()
    assert all(v is None for v in referral_contacts.case_informing(vault, number).values())
    screen.clear()


def test_esc_with_changes_asks_before_anything_is_lost(imported, qtbot) -> None:  # type: ignore[no-untyped-def]
    vault, number = imported
    screen = CaseViewScreen(vault, number)
    qtbot.addWidget(screen)
    screen.show()
    screen.open_informing()
    dialog = screen.step_window
    assert isinstance(dialog, InformingDialog)
    # nothing changed: Esc closes at once, asking nothing
    with dialogs.scripted() as script:
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert script is not None and script.shown == [] and not dialog.isVisible()
    screen.open_informing()
    dialog = screen.step_window
    assert isinstance(dialog, InformingDialog)
    first = dialog.boxes[0]
    _choose(first.informed, "Niet geïnformeerd")
    _choose(first.ground, "veiligheid van de betrokkene of anderen")
    qtbot.keyClicks(first.review_on.line, "01-03-2027")
    with dialogs.scripted(dialogs.CANCEL) as script:
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert [s.kind for s in script.shown] == ["save_changes"]
    assert dialog.isVisible()                               # go on editing: nothing lost
    with dialogs.scripted(dialogs.SAVE):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert "veiligheid" in screen.referral_fields["informing"].text()
    [value, other] = referral_contacts.case_informing(vault, number).values()
    assert value is not None and value.ground is not None and other is None
    screen.clear()
