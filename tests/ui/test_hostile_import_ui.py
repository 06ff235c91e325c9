"""Issue 25, point 6 on screen: the import dialog shows a hostile file's keys as plain text
(a key ``<b>3 referrals imported: ZVH-2026-0001</b>`` showed as that message while nothing
was imported), and reads and checks the file off the GUI thread behind a progress dialog
that can cancel it (a 300 MB file froze the window)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from app.services import cases as case_service
from app.services import referral_import, synthetic
from app.vault.vault import OpenVault
from tests.ui.cases_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    accounts_vault,
    cases_vault_template,
    director_vault,
)
from ui.cases.import_dialog import ImportDialog

FAKE = "<b>3 referrals imported: ZVH-2026-0001</b>"


def write(tmp_path: Path, data: Any, name: str = "aanmeldingen.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def open_dialog(qtbot, vault: OpenVault, path: Path) -> ImportDialog:  # type: ignore[no-untyped-def]
    dialog = ImportDialog(vault)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_file(path)
    return dialog


def shown_as_markup(label: QLabel) -> bool:
    """Whether the label would render its text as rich text (what Qt decides for AutoText)."""
    text_format = label.textFormat()
    return text_format == Qt.TextFormat.RichText or (
        text_format == Qt.TextFormat.AutoText and Qt.mightBeRichText(label.text()))


def test_a_key_with_markup_is_shown_as_the_text_it_is(qtbot, director_vault: OpenVault,
                                                      tmp_path: Path) -> None:
    data = synthetic.referral_file(synthetic.generate_referrals(1, 11))
    data[FAKE] = 1
    dialog = open_dialog(qtbot, director_vault, write(tmp_path, data))
    with qtbot.waitSignal(dialog.import_done, timeout=20_000) as done:
        dialog.do_import()
    assert done.args == [False]
    assert FAKE in dialog.status_label.text()
    assert not shown_as_markup(dialog.status_label)
    assert case_service.list_cases(director_vault) == []


def test_a_file_name_with_controls_is_shown_escaped(qtbot, director_vault: OpenVault,
                                                    tmp_path: Path) -> None:
    path = write(tmp_path, {"x": 1}, name="aanmelding\u202enosj.json")
    dialog = open_dialog(qtbot, director_vault, path)
    assert "\u202e" not in dialog.file_edit.text() and "\\u202e" in dialog.file_edit.text()
    with qtbot.waitSignal(dialog.import_done, timeout=20_000):
        dialog.do_import()
    assert "\u202e" not in dialog.status_label.text()


def test_every_label_of_the_dialog_that_shows_data_is_plain_text(
        qtbot, director_vault: OpenVault, tmp_path: Path) -> None:
    data = synthetic.referral_file(synthetic.generate_referrals(1, 11))
    data["referrals"][0]["<i>x</i>"] = 1
    dialog = open_dialog(qtbot, director_vault, write(tmp_path, data))
    with qtbot.waitSignal(dialog.import_done, timeout=20_000):
        dialog.do_import()
    markup = [label.objectName() for label in dialog.findChildren(QLabel)
              if "<" in label.text() and shown_as_markup(label)]
    assert markup == []


@pytest.fixture
def slow_read(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The file read blocks until the test releases it (at most 10 s)."""
    release = threading.Event()
    real = referral_import.read_referral_file

    def blocking(path: Any) -> Any:
        release.wait(10)
        return real(path)

    monkeypatch.setattr(referral_import, "read_referral_file", blocking)
    return release


def test_the_file_is_read_off_the_gui_thread_and_can_be_cancelled(
        qtbot, director_vault: OpenVault, tmp_path: Path, slow_read: threading.Event) -> None:
    path = write(tmp_path, synthetic.referral_file(synthetic.generate_referrals(2, 11)))
    dialog = open_dialog(qtbot, director_vault, path)
    try:
        assert dialog.do_import()  # returns while the read is still blocked
        QApplication.processEvents()  # the window still answers
        assert dialog.progress is not None and dialog.progress.isVisible()
        assert not dialog.import_button.isEnabled()
        with qtbot.waitSignal(dialog.import_done, timeout=5_000) as done:
            dialog.progress.findChild(QPushButton).click()  # its Cancel button
        assert done.args == [False]
    finally:
        slow_read.set()
    qtbot.wait(300)  # the read ends; its result must go to no one
    assert case_service.list_cases(director_vault) == []
    assert dialog.numbers_list.count() == 0
    assert dialog.import_button.isEnabled()


def test_after_the_background_read_the_import_lands(qtbot, director_vault: OpenVault,
                                                    tmp_path: Path,
                                                    slow_read: threading.Event) -> None:
    path = write(tmp_path, synthetic.referral_file(synthetic.generate_referrals(2, 11)))
    dialog = open_dialog(qtbot, director_vault, path)
    assert dialog.do_import()
    assert case_service.list_cases(director_vault) == []
    with qtbot.waitSignal(dialog.import_done, timeout=20_000) as done:
        slow_read.set()
    assert done.args == [True]
    assert dialog.progress is None
    assert len(case_service.list_cases(director_vault)) == 2
    assert dialog.numbers_list.count() == 2


def test_once_it_writes_the_import_cannot_be_cancelled_and_says_so(
        qtbot, director_vault: OpenVault, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancelling must never claim "nothing was imported" while the transaction goes on:
    once writing has begun the dialog says it can no longer be cancelled, and the import
    lands whole."""
    release = threading.Event()
    writing = threading.Event()
    real = referral_import.import_referrals

    def slow_import(vault: OpenVault, data: Any) -> list[str]:
        writing.set()
        release.wait(10)
        return real(vault, data)

    monkeypatch.setattr(referral_import, "import_referrals", slow_import)
    path = write(tmp_path, synthetic.referral_file(synthetic.generate_referrals(2, 11)))
    dialog = open_dialog(qtbot, director_vault, path)
    before = dialog.status_label.text()
    try:
        assert dialog.do_import()
        qtbot.waitUntil(writing.is_set, timeout=10_000)
        assert dialog.progress is not None
        reading_text = dialog.progress.labelText()
        dialog.progress.findChild(QPushButton).click()
        assert dialog.progress is not None and dialog.progress.isVisible()
        assert dialog.progress.labelText() != reading_text  # it says why it goes on
        assert not any(b.isVisible() for b in dialog.progress.findChildren(QPushButton))
        assert dialog.status_label.text() == before
        with qtbot.waitSignal(dialog.import_done, timeout=20_000) as done:
            release.set()
    finally:
        release.set()
    assert done.args == [True]
    assert len(case_service.list_cases(director_vault)) == 2
