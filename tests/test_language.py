"""The language setting: English gives English texts in our screens and in Qt's own buttons,
Dutch gives Dutch ones (Qt's through its bundled ``qtbase_nl.qm``), and dates and numbers are
written as each language writes them, in the Cases table and the PDFs too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit

from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.export.plan_pdf import fmt_date
from app.formatting import (
    format_date,
    format_datetime,
    format_moment,
    format_number,
    format_time,
)
from app.i18n import _, current_language, set_language
from app.services.cases import CaseRow
from app.vault.vault import Vault
from ui.cases.case_table import CaseTableModel, Column
from ui.main import install_qt_translation
from ui.unlock import UnlockScreen


@pytest.fixture
def qt_language(qapp: QApplication) -> Iterator[object]:
    """Install Qt's translation for a language the way the program does at start, and take
    it out again afterwards (the test process is shared)."""
    installed = []

    def install(language: str) -> None:
        set_language(language)
        translator = install_qt_translation(qapp, language)
        if translator is not None:
            installed.append(translator)

    yield install
    for translator in installed:
        qapp.removeTranslator(translator)
    install_qt_translation(qapp, "en")  # the default locale back to plain English
    set_language("nl")


def buttons() -> dict[str, str]:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel
                           | QDialogButtonBox.StandardButton.Yes
                           | QDialogButtonBox.StandardButton.Close)
    texts = {name: box.button(getattr(QDialogButtonBox.StandardButton, name)).text()
             .replace("&", "") for name in ("Cancel", "Yes", "Close")}
    box.deleteLater()
    return texts


def test_english_then_dutch_in_our_texts_and_in_qts_buttons(qt_language) -> None:  # type: ignore[no-untyped-def]
    qt_language("en")
    assert current_language() == "en"
    assert _("The vault is locked.") == "The vault is locked."
    screen = UnlockScreen(Vault(Path("/nonexistent-casuskamer-vault")))
    assert screen.button.text() == "Unlock"
    assert buttons() == {"Cancel": "Cancel", "Yes": "Yes", "Close": "Close"}
    screen.deleteLater()

    qt_language("nl")
    assert _("The vault is locked.") == "De kluis is vergrendeld."
    screen = UnlockScreen(Vault(Path("/nonexistent-casuskamer-vault")))
    assert screen.button.text() == "Ontgrendelen"
    # Qt's own buttons and context menus speak Dutch through qtbase_nl.qm.
    assert buttons() == {"Cancel": "Annuleren", "Yes": "Ja", "Close": "Sluiten"}
    edit = QLineEdit()
    menu = edit.createStandardContextMenu()
    entries = [a.text().replace("&", "").split("\t")[0] for a in menu.actions() if a.text()]
    assert "Plakken" in entries and "Paste" not in entries
    menu.deleteLater()
    edit.deleteLater()
    screen.deleteLater()


def test_dates_times_and_numbers_per_language() -> None:
    day, moment = date(2026, 3, 5), datetime(2026, 3, 5, 9, 7, 30)
    set_language("nl")
    assert format_date(day) == "05-03-2026"
    assert format_datetime(moment) == "05-03-2026 09:07"
    assert format_time(moment, seconds=True) == "09:07:30"
    assert format_number(1234567.5) == "1.234.567,5"
    assert format_number(2.5, decimals=2) == "2,50"
    assert format_date(None) == "\u2013" and format_date(None, empty="") == ""
    set_language("en")
    assert format_date(day) == "05/03/2026"
    assert format_datetime(moment) == "05/03/2026 09:07"
    assert format_number(1234567.5) == "1,234,567.5"
    # an explicit language wins over the current one
    assert format_date(day, language="nl") == "05-03-2026"
    set_language("nl")


def test_recorded_moments_are_shown_in_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The vault records saves and audit rows in UTC; a Dutch workstation shows them in
    Dutch time (winter +1, summer +2), across midnight too. Entered times are left alone."""
    import time

    monkeypatch.setenv("TZ", "Europe/Amsterdam")
    time.tzset()
    try:
        set_language("nl")
        assert format_moment(datetime(2026, 11, 29, 23, 47)) == "30-11-2026 00:47"
        assert format_moment("2026-07-01T08:00:00") == "01-07-2026 10:00"
        assert format_moment(None) == "\u2013"
        assert format_datetime(datetime(2026, 11, 29, 23, 47)) == "29-11-2026 23:47"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_cases_table_and_pdf_dates_follow_the_language(qapp: QApplication) -> None:
    row = CaseRow(1, "ZVH-2026-0001", "Jansen, Anna", Protocol.INTEGRALE_VEILIGHEID,
                  CaseState.TRIAGE, "Den Haag", date(2026, 3, 2), date(2026, 4, 15), 3, 1,
                  "zvh-2026-0001 anna jansen")
    model = CaseTableModel()
    model.set_rows([row])
    set_language("nl")
    assert model.index(0, Column.RECEIVED).data() == "02-03-2026"
    assert model.index(0, Column.NEXT_MEETING).data() == "15-04-2026"
    assert fmt_date(date(2026, 3, 2)) == "02-03-2026"
    set_language("en")
    assert model.index(0, Column.RECEIVED).data() == "02/03/2026"
    assert fmt_date(date(2026, 3, 2)) == "02/03/2026"
    set_language("nl")
