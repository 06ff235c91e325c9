"""The handouts dialog: one action makes a PDF for every party invited to a case's current
meeting, each protected by that party's own password, on a worker thread with a progress
dialog that can be cancelled.

Who may receive a handout is the sharing policy's answer (``handouts.outlook``), shown per
invitee with its reason; the dialog decides nothing itself. It says whether the handouts
are made before the case meeting (the pre-meeting view only) or after its start, and a case
on no meeting's agenda gets no handouts at all (the dialog says why).

Passwords follow ``app.services.handout_passwords``: protection starts switched on, every
recipient gets its own generated password, shown once beside its party (with a Copy button
that goes through the clipboard guard; Ctrl+C in the table too) and gone when the dialog is
cleared, closed or loaded again. Switching protection off asks first, and the choice is
recorded in the disclosure rows.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import CasuskamerError
from app.i18n import _, ngettext
from app.services import handout_passwords, handouts
from app.domain.views import phase_label, phase_note
from app.services.handout_passwords import PartyPassword
from app.services.handouts import BatchResult
from app.vault.vault import OpenVault
from ui import a11y, clipboard, dialogs
from ui.tasks import run_in_background


class _Progress(QObject):
    """Carries the worker's progress to the GUI thread (a queued signal)."""

    step = Signal(int, int, str)


class PasswordTable(QTableWidget):
    """The batch's passwords, one row per party: party, file, password and a Copy button.
    Copying (the button, or Ctrl+C on a row) goes through the clipboard guard, never as
    plain text; the rows cannot be dragged out."""

    COLUMNS = 4
    #: its Ctrl+C copies the row's password through the guard itself (ui.clipboard.CopyFilter)
    guards_own_copy = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, self.COLUMNS, parent)
        self.setHorizontalHeaderLabels([_("Party"), _("File"), _("Password"), ""])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        # the party and the password in full; a long file name gives way in its middle
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setWordWrap(False)
        self._passwords: list[str] = []
        self.setAccessibleName(_("Passwords per party"))

    def show_passwords(self, entries: list[PartyPassword]) -> None:
        self.clear_passwords()
        self.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            self._passwords.append(entry.password)
            for column, text in enumerate((entry.party, entry.file, entry.password)):
                cell = QTableWidgetItem(text)
                if column == 2:    # read aloud or typed over: one width per character
                    cell.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
                self.setItem(row, column, cell)
            button = QPushButton(_("Copy"))
            button.setAccessibleName(_("Copy the password for {party}").format(
                party=entry.party))
            button.clicked.connect(lambda _checked=False, r=row: self.copy_row(r))
            self.setCellWidget(row, 3, button)
        self.setVisible(bool(entries))

    def clear_passwords(self) -> None:
        self._passwords.clear()
        self.clearContents()
        self.setRowCount(0)
        self.setVisible(False)

    def password_of(self, row: int) -> str:
        return self._passwords[row]

    def copy_row(self, row: int) -> None:
        if 0 <= row < len(self._passwords):
            clipboard.guard_for(self).copy_sensitive(self._passwords[row])

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_row(self.currentRow())
            event.accept()
            return
        super().keyPressEvent(event)


class HandoutsDialog(QDialog):
    """Make the handouts of one case. ``clear()`` empties it (on lock)."""

    def __init__(self, vault: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.case_number: str | None = None
        self.meeting_id: int | None = None
        self.invited = False
        self.batch_result: BatchResult | None = None
        self.error: BaseException | None = None
        self.running = False
        self._issued: handout_passwords.PerRecipient | None = None
        self._names: dict[int, str] = {}
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
        self.protect = QCheckBox(_("&Protect each PDF with its party's own password"))
        self.protect.setChecked(True)
        self.protect.toggled.connect(self._protection_toggled)
        self.declined = False
        self._asking = False
        self.protect_note = QLabel(_("Each party gets its own new password, shown here once "
                                     "when the handouts are made. Pass it on by another "
                                     "route than the PDF."))
        self.protect_note.setWordWrap(True)
        self.passwords = PasswordTable()
        self.passwords.setVisible(False)
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
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.phase)
        layout.addWidget(a11y.tie(QLabel(_("&Recipients:")), self.recipients))
        layout.addWidget(self.recipients, 1)
        layout.addLayout(folder_row)
        layout.addWidget(self.protect)
        layout.addWidget(self.protect_note)
        layout.addWidget(self.passwords, 1)
        layout.addWidget(self.outcome)
        layout.addWidget(self.buttons)

    # -- filling ---------------------------------------------------------------------

    def clear(self) -> None:
        self._cancel.set()
        self.case_number = None
        self.meeting_id = None
        self.batch_result = None
        self.error = None
        self.recipients.clear()
        self.folder.clear()
        self.passwords.clear_passwords()
        self._asking = True           # back to the default without asking
        self.protect.setChecked(True)
        self._asking = False
        self.declined = False
        self.outcome.clear()
        self.intro.clear()
        self.phase.clear()
        self._names = {}
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
        self._names = {r.party_id: r.name for r in found.recipients}
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

    def _protection_toggled(self, on: bool) -> None:
        """Switching protection off is the rare case: it asks first (Cancel by default)."""
        if self._asking:
            return
        if on:
            self.declined = False
            return
        agreed = dialogs.confirm(
            self, _("Handouts without a password"),
            _("Without a password anyone who gets hold of a file can read it. Make the "
              "handouts without a password? This is recorded in the disclosure log."),
            yes_label=_("Without password"), destructive=True)
        if agreed:
            self.declined = True
            return
        self._asking = True
        self.protect.setChecked(True)
        self._asking = False

    def shown_passwords(self) -> dict[str, str]:
        """File name -> password, as shown in the table now (for the user's eyes only)."""
        shown = {}
        for row in range(self.passwords.rowCount()):
            name = self.passwords.item(row, 1)
            if name is not None:
                shown[name.text()] = self.passwords.password_of(row)
        return shown

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
        self.passwords.clear_passwords()
        passwords = handout_passwords.PerRecipient() if self.protect.isChecked() else None
        declined = passwords is None and self.declined
        self._issued = passwords
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
                self.vault, number, party_ids, out_dir, meeting_id=meeting,
                passwords=passwords, declined=declined,
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
        self.batch_result = result
        issued = self._issued
        self._issued = None
        entries = handout_passwords.pair(result, issued.issued() if issued else {},
                                         self._names)
        if issued is not None:
            issued.forget()
        self.passwords.show_passwords(entries)
        count = len(result.exported)
        lines = [ngettext("{count} handout written.", "{count} handouts written.", count)
                 .format(count=count)]
        if entries:
            lines.append(_("Each party's password is shown only here, now: copy it or note "
                           "it before you close this window."))
        lines += [refusal.message for refusal in result.refused]
        if result.cancelled:
            lines.append(_("Cancelled: the handouts not yet made were skipped."))
        self.outcome.setText("\n".join(lines))

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        self._issued = None
        self.error = exc
        message = str(exc) if isinstance(exc, CasuskamerError) else _(
            "The handouts could not be made.")
        dialogs.error(self, _("Handouts"), message)
