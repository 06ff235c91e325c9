"""The receipt offered after an import (issue 24, point 3), in the import dialog: after a
good import "Ontvangstbevestigingen voor de aanmelders" asks for a folder and writes each
new case's receipt for its referring party there, recorded in the disclosure log; it is not
offered before an import or after a refused one. Fails on HEAD 4caafe6 (no such button)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QPushButton

from app.services import disclosures, synthetic
from app.vault.vault import OpenVault
from tests.ui.cases_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    accounts_vault,
    cases_vault_template,
    director_vault,
)
from ui import dialogs
from ui.cases.import_dialog import ImportDialog


def _dialog(qtbot, vault: OpenVault, path: Path) -> ImportDialog:  # type: ignore[no-untyped-def]
    dialog = ImportDialog(vault)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_file(path)
    return dialog


def test_after_an_import_the_receipts_are_written_where_the_user_chooses(
        qtbot, director_vault: OpenVault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "aanmeldingen.json"
    path.write_text(json.dumps(synthetic.referral_file(synthetic.generate_referrals(2, 21))),
                    encoding="utf-8")
    dialog = _dialog(qtbot, director_vault, path)
    button = dialog.findChild(QPushButton, "import_receipts")
    assert button is not None and not button.isVisible()       # nothing imported yet
    with qtbot.waitSignal(dialog.import_done, timeout=20_000):
        dialog.import_button.click()
    numbers = list(dialog.numbers)
    assert len(numbers) == 2 and button.isVisible() and button.isEnabled()
    assert "Ontvangstbevestigingen" in button.text()
    folder = tmp_path / "ontvangst"
    folder.mkdir()
    with dialogs.scripted(folder, None) as script:
        button.click()
    assert script is not None
    assert [s.kind for s in script.shown] == ["folder", "inform"], script.shown
    assert "2 ontvangstbevestigingen" in script.shown[-1].text
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}_receipt.pdf"
                                                              for n in numbers)
    for number in numbers:
        assert (folder / f"{number}_receipt.pdf").read_bytes().startswith(b"%PDF")
        assert [d.action for d in disclosures.case_disclosures(director_vault, number)] == [
            "export.receipt"]
    assert not button.isEnabled()                               # once per import
    dialog.close()


def test_no_receipts_are_offered_after_a_refused_import(
        qtbot, director_vault: OpenVault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    referrals = synthetic.generate_referrals(2, 22)
    referrals[1]["subjects"][0]["bsn"] = "123456789"
    path = tmp_path / "kapot.json"
    path.write_text(json.dumps(synthetic.referral_file(referrals)), encoding="utf-8")
    dialog = _dialog(qtbot, director_vault, path)
    with qtbot.waitSignal(dialog.import_done, timeout=20_000):
        dialog.import_button.click()
    button = dialog.findChild(QPushButton, "import_receipts")
    assert button is not None and not button.isVisible()
    dialog.close()
