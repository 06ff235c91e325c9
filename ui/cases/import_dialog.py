"""File > Import referrals: pick a referral file (format ``casuskamer-referrals/1``, from a
house's web form), import it all or nothing, and show either the exact problem that refused
it (``referrals[3].subjects[0].bsn: fails the eleven-test``) or the new case numbers.

The file picker goes through ``ui.dialogs`` (the test seam); the import itself is
``app.services.referral_import.import_referrals``, which checks the role and audits.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import CasuskamerError
from app.i18n import _, ngettext
from app.services import referral_import
from app.vault.vault import OpenVault
from ui import a11y, dialogs


class ImportDialog(QDialog):
    """Choose a file, import it, read the outcome."""

    #: the new case numbers, in file order, after a successful import
    imported = Signal(list)

    def __init__(self, vault: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_dialog")
        self.setWindowTitle(_("Import referrals"))
        self.vault = vault
        self.path: Path | None = None
        self.numbers: list[str] = []

        intro = QLabel(_("Choose a referral file (JSON, format casuskamer-referrals/1) as a "
                         "web form of the house produces it. The file is imported as a "
                         "whole: if one referral in it is wrong, nothing is imported and "
                         "the problem is shown here. Imported referrals become cases with "
                         "the status \u201cReferred\u201d, ready for intake. Information "
                         "supplied by a party other than the referring party is held with "
                         "the narrowest terms until that party confirms the terms the file "
                         "asks for, in triage."))
        intro.setWordWrap(True)
        self.file_edit = QLineEdit()
        self.file_edit.setObjectName("import_file")
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText(_("No file chosen"))
        self.choose_button = QPushButton(_("Choose file\u2026"))
        self.choose_button.setObjectName("choose_file")
        self.choose_button.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.choose_button)

        self.status_label = QLabel("")
        self.status_label.setObjectName("import_status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = QPlainTextEdit()
        self.problems.setObjectName("import_problems")
        self.problems.setReadOnly(True)
        self.problems.setVisible(False)
        self.numbers_list = QListWidget()
        self.numbers_list.setObjectName("new_case_numbers")
        self.numbers_list.setVisible(False)

        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton(_("Import"),
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("do_import")
        self.import_button.setEnabled(False)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.import_button.clicked.connect(self.do_import)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(file_row)
        layout.addWidget(self.status_label)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.numbers_list, 1)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(640, 420)

    def choose_file(self) -> Path | None:
        chosen = dialogs.open_file(self, _("Import referrals"),
                                   self.path.parent if self.path else Path.home(),
                                   file_filter=_("Referral files (*.json);;All files (*)"))
        if chosen is not None:
            self.set_file(chosen)
        return chosen

    def set_file(self, path: Path) -> None:
        self.path = path
        self.file_edit.setText(str(path))
        self.import_button.setEnabled(True)
        self._show(_("Press \u201cImport\u201d to import this file."), [], [])

    def do_import(self) -> bool:
        """Import the chosen file; True when every referral in it became a case."""
        if self.path is None:
            return False
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            numbers = referral_import.import_referrals(self.vault, self.path)
        except CasuskamerError as exc:
            problems = [str(p) for p in getattr(exc, "problems", [])]
            self._show(_("Nothing was imported: {reason}").format(reason=str(exc)),
                       problems, [], refused=True)
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.numbers = list(numbers)
        self.import_button.setEnabled(False)
        self._show(ngettext("{n} referral imported; its case number:",
                            "{n} referrals imported; their case numbers:",
                            len(numbers)).format(n=len(numbers)), [], numbers)
        self.imported.emit(list(numbers))
        return True

    def _show(self, status: str, problems: list[str], numbers: list[str],
              refused: bool = False) -> None:
        self.status_label.setText(status)
        self.status_label.setStyleSheet(a11y.error_style(bold=True) if refused else "")
        self.problems.setPlainText("\n".join(problems))
        self.problems.setVisible(len(problems) > 1)
        self.numbers_list.clear()
        self.numbers_list.addItems(numbers)
        self.numbers_list.setVisible(bool(numbers))

    def clear(self) -> None:
        """Drop the file name, problems and numbers (on lock)."""
        self.path = None
        self.numbers = []
        self.file_edit.clear()
        self.status_label.clear()
        self.problems.clear()
        self.numbers_list.clear()
