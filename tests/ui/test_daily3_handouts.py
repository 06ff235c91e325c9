"""Issue 25, point 4 in the handouts dialog: protection starts switched on, every recipient
gets its own password, shown once beside its party and copied only through the clipboard
guard; switching protection off asks first and is recorded.

On the old code (HEAD 303c06b) the box started unticked and one typed or generated password
protected the whole batch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from sqlalchemy import select

from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director, item, make_case, on_agenda, party_ids
from ui import dialogs
from ui.clipboard import SECRET_HINT_MIME
from ui.plan.handouts_dialog import HandoutsDialog

POLICE = "Politie regionale eenheid Den Haag"
PROBATION = "Reclassering Nederland"
CITY = "Den Haag"
THREE = (POLICE, PROBATION, CITY)


@pytest.fixture(autouse=True)
def _no_scripted_dialogs() -> Iterator[None]:
    dialogs.reset()
    yield
    dialogs.reset()


@pytest.fixture
def case(admin_vault: OpenVault) -> tuple[OpenVault, str, dict[str, int]]:
    vault = as_process_director(admin_vault)
    ids = party_ids(vault)
    number = make_case(vault, items=[
        item(ids[POLICE], "Melding politie", [ids[PROBATION], ids[CITY]], pre_meeting=True)])
    on_agenda(vault, number, [ids[name] for name in THREE])
    return vault, number, ids


def _make(qtbot, dialog: HandoutsDialog, folder: Path) -> None:  # type: ignore[no-untyped-def]
    folder.mkdir()
    with dialogs.scripted(folder):
        dialog.start()
        qtbot.waitUntil(lambda: dialog.batch_result is not None or dialog.error is not None,
                        timeout=30_000)
    assert dialog.error is None


def _details(vault: OpenVault, number: str) -> list[dict[str, object]]:
    with vault.read() as conn:
        rows = conn.execute(select(audit_log.c.detail).where(
            audit_log.c.action == "export.handout", audit_log.c.object_id == number,
            audit_log.c.result == "ok")).all()
    return [json.loads(r[0]) for r in rows]


def test_protection_starts_on_and_each_party_gets_its_own_password_shown_beside_it(
        qtbot, case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, number, _ids = case
    dialog = HandoutsDialog(vault)
    qtbot.addWidget(dialog)
    dialog.load(number)
    assert dialog.protect.isChecked()
    assert len(dialog.chosen()) == 3
    _make(qtbot, dialog, tmp_path / "uit")
    table = dialog.passwords
    assert table.rowCount() == 3 and not table.isHidden()
    parties = [table.item(row, 0).text() for row in range(3)]
    assert sorted(parties) == sorted(THREE)
    shown = dialog.shown_passwords()
    files = sorted((tmp_path / "uit").glob("*.pdf"))
    assert sorted(shown) == [f.name for f in files] and len(set(shown.values())) == 3
    # each beside its own party: the row's file is that party's, and opens with the row's
    # password only
    for row in range(3):
        file_name, password = table.item(row, 1).text(), table.item(row, 2).text()
        assert shown[file_name] == password
        for pdf_file in files:
            reader = PdfReader(str(pdf_file))
            assert reader.is_encrypted
            assert bool(reader.decrypt(password)) == (pdf_file.name == file_name)
    # the passwords never reach the audit log
    with vault.read() as conn:
        audit = "\n".join(str(r[0]) for r in conn.execute(select(audit_log.c.detail)))
    assert not any(password in audit for password in shown.values())
    assert all(d["protection"] == "per_recipient" for d in _details(vault, number))
    # copying goes through the clipboard guard (marked secret), by button and by Ctrl+C
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    table.cellWidget(1, 3).click()
    assert clipboard.text() == table.item(1, 2).text()
    assert bytes(clipboard.mimeData().data(SECRET_HINT_MIME)) == b"secret"
    clipboard.clear()
    table.setCurrentCell(2, 0)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == table.item(2, 2).text()
    assert bytes(clipboard.mimeData().data(SECRET_HINT_MIME)) == b"secret"
    clipboard.clear()
    # shown once: loading again (or a lock) empties the table
    dialog.load(number)
    assert dialog.passwords.rowCount() == 0 and dialog.shown_passwords() == {}
    assert dialog.protect.isChecked()


def test_switching_protection_off_asks_first_and_is_recorded(
        qtbot, case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, number, _ids = case
    dialog = HandoutsDialog(vault)
    qtbot.addWidget(dialog)
    dialog.load(number)
    with dialogs.scripted(False) as script:
        dialog.protect.click()
    assert script.shown[0].kind == "confirm" and dialog.protect.isChecked()
    with dialogs.scripted(True):
        dialog.protect.click()
    assert not dialog.protect.isChecked()
    _make(qtbot, dialog, tmp_path / "open")
    assert dialog.passwords.rowCount() == 0
    assert all(not PdfReader(str(p)).is_encrypted for p in (tmp_path / "open").glob("*.pdf"))
    details = _details(vault, number)
    assert len(details) == 3 and all(d["protection"] == "declined" for d in details)
    dialog.clear()
    assert dialog.protect.isChecked()
