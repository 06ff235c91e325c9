"""File > Import referrals: pick a referral file (format ``casuskamer-referrals/2`` or /1, from a
house's web form), import it all or nothing, and show either the exact problem that refused
it (``referrals[3].subjects[0].bsn: fails the eleven-test``) or the new case numbers.

The file picker goes through ``ui.dialogs`` (the test seam); the import itself is
``app.services.referral_import.import_referrals``, which checks the role and audits.

Hostile files (issue 25, point 6): the whole import runs off the GUI thread (``ui.tasks``;
the vault's pool hands that thread its own connection, as the Cases list's background load
does) behind a progress dialog. While the file is being read it can be cancelled, and then
nothing is imported; once the check-and-write transaction has begun the dialog says so and
waits for it (all or nothing: a transaction cut off by a lock imports nothing either).
Every text here is plain text: a key or name from the file can never be read as markup,
and the file's name is shown with its control characters escaped.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.text_rules import escape_invisible
from app.errors import CasuskamerError
from app.i18n import _, ngettext
from app.services import referral_import
from app.vault.vault import OpenVault
from ui import a11y, dialogs, tasks


class _Run:
    """One import in the background: cancelled before it writes, or writing (then it can no
    longer be cancelled); the lock makes the two exclusive."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cancelled = False
        self.writing = False


class _Cancelled(Exception):
    pass


class ImportDialog(QDialog):
    """Choose a file, import it, read the outcome."""

    #: the new case numbers, in file order, after a successful import
    imported = Signal(list)
    #: an import started by :meth:`do_import` ended: True when every referral became a case
    import_done = Signal(bool)

    def __init__(self, vault: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_dialog")
        self.setWindowTitle(_("Import referrals"))
        self.vault = vault
        self.path: Path | None = None
        self.numbers: list[str] = []
        self.progress: QProgressDialog | None = None
        self._run: _Run | None = None  # the running import; a result is taken only while
        # it is still this one (cancel, lock or a new run drop it)

        intro = QLabel(_("Choose a referral file (JSON, format casuskamer-referrals/2, or "
                         "the older /1) as a web form of the house produces it. The file "
                         "is imported as a whole: if one referral in it is wrong, nothing "
                         "is imported and the problem is shown here. Imported referrals "
                         "become cases with the status \u201cReferred\u201d, ready for "
                         "intake. Information supplied by a party other than the referring "
                         "party is held with the narrowest terms until that party confirms "
                         "the terms the file asks for, in triage."))
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
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)  # a file's text: never markup
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
        # issue 24, point 3: the receipts for the referring parties, offered after an import
        self.receipts_button = self.buttons.addButton(
            _("&Receipts for the referring parties\u2026"),
            QDialogButtonBox.ButtonRole.ActionRole)
        self.receipts_button.setObjectName("import_receipts")
        self.receipts_button.setVisible(False)
        self.receipts_button.clicked.connect(self.write_receipts)
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
        self.receipts_button.setVisible(False)
        self.file_edit.setText(escape_invisible(str(path)))
        self.import_button.setEnabled(True)
        self._show(_("Press \u201cImport\u201d to import this file."), [], [])

    def do_import(self) -> bool:
        """Start importing the chosen file (True when started); :attr:`import_done` says
        how it ended. The file is read and checked in the background while a progress
        dialog, which can cancel it, shows."""
        if self.path is None or self._run is not None:
            return False
        self.import_button.setEnabled(False)
        self.choose_button.setEnabled(False)
        run = _Run()
        self._run = run
        progress = QProgressDialog(_("Reading and checking the referral file\u2026"),
                                   _("Cancel"), 0, 0, self)
        progress.setObjectName("import_progress")
        progress.setWindowTitle(_("Import referrals"))
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self.cancel_import)
        self.progress = progress
        progress.show()
        path, vault = self.path, self.vault

        def work() -> list[str]:  # off the GUI thread
            data = referral_import.read_referral_file(path)
            with run.lock:
                if run.cancelled:
                    raise _Cancelled
                run.writing = True
            return referral_import.import_referrals(vault, data)

        tasks.run_in_background(work, lambda numbers: self._imported(run, numbers),
                                lambda exc: self._failed(run, exc), context=self)
        return True

    def cancel_import(self) -> None:
        """Cancel the import while its file is being read: nothing is imported. Once it
        writes (one transaction) it can no longer be cancelled; the dialog says so."""
        run = self._run
        if run is None:
            return
        with run.lock:
            writing = run.writing
            run.cancelled = not writing
        if writing:
            if self.progress is not None:
                self.progress.setLabelText(_("Importing; this can no longer be cancelled. "
                                             "The referrals are checked and written as a "
                                             "whole\u2026"))
                self.progress.setCancelButton(None)
                self.progress.show()
            return
        self._end_run()
        self._show(_("Import cancelled; nothing was imported."), [], [])
        self.import_button.setEnabled(self.path is not None)
        self.import_done.emit(False)

    def _end_run(self) -> None:
        self._run = None
        if self.progress is not None:
            self.progress.canceled.disconnect(self.cancel_import)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        self.choose_button.setEnabled(True)

    def _failed(self, run: _Run, exc: BaseException) -> None:
        if run is not self._run:
            return  # cancelled meanwhile
        self._end_run()
        if isinstance(exc, _Cancelled):
            return
        if isinstance(exc, CasuskamerError):
            self._refused(exc)
        elif isinstance(exc, OSError):
            self._refused(CasuskamerError(_("The file {file} cannot be read: {reason}").format(
                file=escape_invisible(str(self.path)), reason=exc.strerror or type(exc).__name__)))
        else:
            self.import_button.setEnabled(self.path is not None)
            self.import_done.emit(False)
            raise exc
        self.import_done.emit(False)

    def _refused(self, exc: CasuskamerError) -> None:
        problems = [str(p) for p in getattr(exc, "problems", [])]
        self._show(_("Nothing was imported: {reason}").format(reason=str(exc)),
                   problems, [], refused=True)
        self.import_button.setEnabled(self.path is not None)

    def _imported(self, run: _Run, numbers: list[str]) -> None:
        """Back on the GUI thread: every referral became a case."""
        if run is not self._run:
            return  # the dialog was cleared meanwhile (lock): the list shows them
        self._end_run()
        self.numbers = list(numbers)
        self.import_button.setEnabled(False)
        self._show(ngettext("{n} referral imported; its case number:",
                            "{n} referrals imported; their case numbers:",
                            len(numbers)).format(n=len(numbers)), [], numbers)
        self.receipts_button.setVisible(bool(numbers))
        self.receipts_button.setEnabled(True)
        self.imported.emit(list(numbers))
        self.import_done.emit(True)

    def write_receipts(self) -> int:
        """Each imported case's receipt for its referring party, into a folder the user
        chooses (``ui.cases.referrer_documents.write_import_receipts``)."""
        from ui.cases.referrer_documents import write_import_receipts

        written = write_import_receipts(self, self.vault, list(self.numbers))
        if written:
            self.receipts_button.setEnabled(False)  # once per import: no second copies
        return written

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
        """Drop the file name, problems and numbers (on lock); a running import is
        dropped too."""
        if self._run is not None:
            self._end_run()
        self.path = None
        self.numbers = []
        self.receipts_button.setVisible(False)
        self.file_edit.clear()
        self.status_label.clear()
        self.problems.clear()
        self.numbers_list.clear()
