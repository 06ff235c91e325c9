"""The handouts dialog: one action makes a PDF for every party invited to a case's current
meeting, optionally password-protected, on a worker thread with a progress dialog that can
be cancelled.

Who may receive a handout is the sharing policy's answer (``handouts.outlook``), shown per
invitee with its reason; the dialog decides nothing itself. It says whether the handouts
are made before the case meeting (the pre-meeting view only) or after its start, and a case
on no meeting's agenda gets no handouts at all (the dialog says why). A generated password
is shown once, in the dialog.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import CasuskamerError
from app.export import pdf
from app.i18n import _, ngettext
from app.services import handouts
from app.export.handout import phase_label, phase_note
from app.services.handouts import BatchResult
from app.vault.vault import OpenVault
from ui import a11y, dialogs
from ui.tasks import run_in_background


class _Progress(QObject):
    """Carries the worker's progress to the GUI thread (a queued signal)."""

    step = Signal(int, int, str)


class HandoutsDialog(QDialog):
    """Make the handouts of one case. ``clear()`` empties it (on lock)."""

    def __init__(self, vault: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.case_number: str | None = None
        self.meeting_id: int | None = None
        self.invited = False
        self.result: BatchResult | None = None
        self.error: BaseException | None = None
        self.running = False
        self._cancel = threading.Event()
        self._progress_dialog: QProgressDialog | None = None
        self._signals = _Progress()
        self._signals.step.connect(self._on_step)

        self.setWindowTitle(_("Handouts"))
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.phase = QLabel()
        self.phase.setWordWrap(True)
        self.phase.setObjectName("handout_phase")
        self.recipients = QListWidget()
        self.folder = QLineEdit()
        self.folder.setReadOnly(True)
        self.folder_button = QPushButton(_("Choose folder\u2026"))
        self.folder_button.clicked.connect(self._choose_folder)
        self.protect = QCheckBox(_("Protect each PDF with a password"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("password (at least {n} characters)")
                                         .format(n=pdf.MIN_PASSWORD_LENGTH))
        self.generate_button = QPushButton(_("Generate"))
        self.generate_button.clicked.connect(self._generate)
        self.generated = QLabel()
        self.generated.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.make_button = self.buttons.addButton(_("Make handouts"),
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.make_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)

        folder_row = QHBoxLayout()
        folder_row.addWidget(a11y.tie(QLabel(_("&Folder:")), self.folder))
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.folder_button)
        password_row = QHBoxLayout()
        password_row.addWidget(self.protect)
        password_row.addWidget(a11y.tie(QLabel(_("Pass&word:")), self.password))
        password_row.addWidget(self.password, 1)
        password_row.addWidget(self.generate_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.phase)
        layout.addWidget(a11y.tie(QLabel(_("&Recipients:")), self.recipients))
        layout.addWidget(self.recipients, 1)
        layout.addLayout(folder_row)
        layout.addLayout(password_row)
        layout.addWidget(self.generated)
        layout.addWidget(self.outcome)
        layout.addWidget(self.buttons)

    # -- filling ---------------------------------------------------------------------

    def clear(self) -> None:
        self._cancel.set()
        self.case_number = None
        self.meeting_id = None
        self.result = None
        self.error = None
        self.recipients.clear()
        self.folder.clear()
        self.password.clear()
        self.protect.setChecked(False)
        self.generated.clear()
        self.outcome.clear()
        self.intro.clear()
        self.phase.clear()
        self.invited = False
        self.make_button.setEnabled(True)

    def load(self, case_number: str, meeting_id: int | None = None) -> None:
        """Show who would receive a handout, each with the policy's answer."""
        self.clear()
        self._cancel = threading.Event()
        self.case_number = case_number
        self.meeting_id = meeting_id
        found = handouts.outlook(self.vault, case_number, meeting_id)
        self.invited = found.on_agenda
        if found.reason is not None:
            self.intro.setText(_("No handouts for case {number}: {reason}.").format(
                number=case_number, reason=found.reason.label))
            self.make_button.setEnabled(False)
            return
        self.intro.setText(_("One handout for every party invited to the meeting on case "
                             "{number}.").format(number=case_number))
        self.phase.setText(_("Handouts {phase}. {note}").format(
            phase=phase_label(found.meeting_started), note=phase_note(found.meeting_started)))
        for recipient in found.recipients:
            if recipient.allowed:
                text = recipient.name
            else:
                text = _("{party} \u2013 no handout: {reason}").format(
                    party=recipient.name, reason=recipient.reason.label)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, recipient.party_id)
            if recipient.allowed:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
            else:
                item.setFlags(item.flags() & ~(Qt.ItemFlag.ItemIsEnabled
                                               | Qt.ItemFlag.ItemIsUserCheckable))
            self.recipients.addItem(item)
        self.make_button.setEnabled(any(r.allowed for r in found.recipients))

    def chosen(self) -> list[int]:
        result = []
        for row in range(self.recipients.count()):
            item = self.recipients.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                result.append(int(item.data(Qt.ItemDataRole.UserRole)))
        return result

    def _choose_folder(self) -> None:
        folder = dialogs.choose_folder(self, _("Folder for the handouts"))
        if folder is not None:
            self.folder.setText(str(folder))

    def _generate(self) -> None:
        password = pdf.generate_password()
        self.protect.setChecked(True)
        self.password.setText(password)
        # Shown once, here; never stored.
        self.generated.setText(_("Password: {password} \u2013 write it down or pass it on "
                                 "by another route than the PDF.").format(password=password))

    # -- running ---------------------------------------------------------------------

    def start(self) -> None:
        """Make the handouts off the GUI thread, with a progress dialog that can cancel."""
        if self.case_number is None or self.running:
            return
        if not self.folder.text():
            self._choose_folder()
            if not self.folder.text():
                return
        party_ids = self.chosen()
        if not party_ids:
            dialogs.warn(self, _("Handouts"), _("Choose at least one party."))
            return
        password = self.password.text() if self.protect.isChecked() else None
        if password is not None:
            try:
                pdf.check_password(password)
            except CasuskamerError as exc:
                dialogs.error(self, _("Handouts"), str(exc))
                return
        number, meeting, out_dir = self.case_number, self.meeting_id, Path(self.folder.text())
        self._cancel = threading.Event()
        cancel = self._cancel
        signals = self._signals
        progress = QProgressDialog(_("Making handouts\u2026"), _("Cancel"), 0, len(party_ids),
                                   self)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.canceled.connect(cancel.set)
        self._progress_dialog = progress
        self.running = True
        self.make_button.setEnabled(False)

        def work() -> BatchResult:
            return handouts.export_handouts(
                self.vault, number, party_ids, out_dir, meeting_id=meeting, password=password,
                progress=lambda done, total, name: signals.step.emit(done, total, name),
                cancelled=cancel.is_set)

        run_in_background(work, self._done, self._failed, context=self)

    def cancel(self) -> None:
        self._cancel.set()

    def _on_step(self, done: int, total: int, name: str) -> None:
        if self._progress_dialog is not None:
            if self._progress_dialog.wasCanceled():
                self._cancel.set()
                return
            if name:
                self._progress_dialog.setLabelText(name)
            # setValue may run the event loop (modal dialog), and with it _done: last.
            self._progress_dialog.setValue(done)

    def _finish(self) -> None:
        self.running = False
        self.make_button.setEnabled(True)
        if self._progress_dialog is not None:
            self._progress_dialog.canceled.disconnect()
            self._progress_dialog.close()
            self._progress_dialog.deleteLater()
            self._progress_dialog = None

    def _done(self, result: Any) -> None:
        self._finish()
        self.result = result
        count = len(result.exported)
        lines = [ngettext("{count} handout written.", "{count} handouts written.", count)
                 .format(count=count)]
        lines += [refusal.message for refusal in result.refused]
        if result.cancelled:
            lines.append(_("Cancelled: the handouts not yet made were skipped."))
        self.outcome.setText("\n".join(lines))

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        self.error = exc
        message = str(exc) if isinstance(exc, CasuskamerError) else _(
            "The handouts could not be made.")
        dialogs.error(self, _("Handouts"), message)
