"""File pickers leave no folder names behind: Qt's picker remembers visited folders in its
own settings file (``QtProject.conf``), outside the vault, and a folder may be named after
a family. A real picker is opened (no scripted answer), accepted, and the file read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from ui import dialogs

FOLDER = "Dossier-familie-Kanarie"


def _accept_when_shown(choose: Callable[[QFileDialog], bool]) -> None:
    """Accept the picker once it is up (it runs its own modal loop); ``choose`` says
    whether it could, else it is tried again a moment later."""
    def attempt() -> None:
        pickers = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QFileDialog) and w.isVisible()]
        if not pickers or not choose(pickers[0]):
            QTimer.singleShot(20, attempt)
    QTimer.singleShot(20, attempt)


@pytest.mark.parametrize("kind", ["folder", "open", "save"])
def test_a_picker_remembers_no_folder_name(qapp: QApplication, tmp_path: Path,
                                           kind: str) -> None:
    folder = tmp_path / FOLDER
    folder.mkdir()
    (folder / "verwijzing.json").write_text("{}", encoding="utf-8")
    settings_file = Path(QSettings(QSettings.Scope.UserScope, "QtProject").fileName())
    dialogs.reset()

    def choose(picker: QFileDialog) -> bool:
        assert picker.testOption(QFileDialog.Option.DontUseNativeDialog), "Qt's own picker"
        if kind != "folder":
            # typed into the name field, as a user would
            name = picker.findChild(QLineEdit, "fileNameEdit")
            assert name is not None
            # (saving as a new name: an existing one would ask to overwrite first)
            name.setText("verwijzing.json" if kind == "open" else "nieuw.json")
        picker.accept()
        return True

    _accept_when_shown(choose)
    if kind == "folder":
        chosen = dialogs.choose_folder(None, "Map kiezen", folder)
    elif kind == "open":
        chosen = dialogs.open_file(None, "Bestand openen", folder, "JSON (*.json)")
    else:
        chosen = dialogs.save_file(None, "Opslaan als", folder / "nieuw.json", "JSON (*.json)")
    assert chosen is not None and FOLDER in str(chosen), "the picker really ran"
    assert settings_file.exists(), "Qt wrote its picker settings (the check can fail)"
    assert FOLDER not in settings_file.read_text(encoding="utf-8", errors="replace")
