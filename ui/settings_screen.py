"""The Settings section: this workstation's preferences, the own account, and (for an
administrator) the vault's accounts and the retention period per protocol (a period not yet
set shows as the default the house must still confirm).

Preferences go to ``ui.settings`` (never personal data); accounts go through
``app.services.accounts``, which checks the role and writes the audit log. Sealing a key slot
takes about a second (Argon2id), and revoking an account changes the data key (seconds on a
large vault), so account changes run off the GUI thread. An administrator can also change
the data key on its own, and sees the vaults a restore replaced (kept beside the vault
folder) until removing them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.accounts import check_account_name
from app.domain.protocols import Protocol
from app.domain.retention import MAX_MONTHS, RetentionPeriod
from app.domain.roles import Permission, Role, may
from app.errors import CasuskamerError, ValidationError
from app.formatting import format_date
from app.i18n import _
from app.services import accounts as account_service
from app.services import retention as retention_service
from app.vault import maintenance
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault
from ui import a11y, dialogs
from ui.app_context import AppContext
from ui.forwarding_box import ForwardingBox
from ui.passphrase_pair import PassphrasePair, grow_to_fit, secret_field
from ui.settings import IDLE_LOCK_MINUTES, IDLE_MINUTES_MAX, IDLE_MINUTES_MIN, LANGUAGE
from ui.tasks import run_in_background

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


class _ServiceDialog(QDialog):
    """A dialog whose OK runs one service call off the GUI thread, then closes."""

    def __init__(self, title: str, ok_label: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(520)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        # The button names the action, not just "OK".
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_label)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        self.busy = QLabel("")
        self.error = QLabel("")
        self.error.setObjectName("service_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(a11y.error_style())
        self.error.setVisible(False)

    def _ok(self) -> None:
        try:
            work = self.prepare()
        except ValidationError:
            grow_to_fit(self)
            return  # the reason is already shown beside the field
        self.error.setVisible(False)
        self.buttons.setEnabled(False)
        self.busy.setText(_("One moment, the key is being sealed..."))
        run_in_background(work, self._done, self._failed, context=self)

    def prepare(self) -> Callable[[], None]:
        raise NotImplementedError

    def _done(self, _result: object) -> None:
        self.clear()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.busy.setText("")
        if not isinstance(exc, CasuskamerError):
            raise exc
        self.error.setText(str(exc))
        self.error.setVisible(True)
        grow_to_fit(self)

    def clear(self) -> None:
        """Lock protocol and after use: wipe every passphrase field."""
        for field in self.findChildren(QLineEdit):
            if field.echoMode() == QLineEdit.EchoMode.Password:
                field.clear()

    def reject(self) -> None:
        self.clear()
        super().reject()


class AddAccountDialog(_ServiceDialog):
    def __init__(self, vault: OpenVault, kdf: KdfParams | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(_("Add account"), _("Add"), parent)
        self.vault = vault
        self.kdf = kdf
        self.name = QLineEdit()
        self.name.setObjectName("account_name")
        self.name.setPlaceholderText(_("for example: jdevries"))
        self.role = QComboBox()
        self.role.setObjectName("role")
        for role in Role:
            self.role.addItem(role.label, role.value)
        self.role.setCurrentIndex(list(Role).index(Role.PROCESS_DIRECTOR))
        self.name_reason = QLabel("")
        self.name_reason.setObjectName("name_reason")
        self.name_reason.setStyleSheet(a11y.error_style())
        self.name_reason.setWordWrap(True)
        self.name_reason.setVisible(False)
        self.pair = PassphrasePair()
        form = self.pair.form
        form.insertRow(0, _("Account &name:"), self.name)
        form.insertRow(1, "", self.name_reason)
        form.insertRow(2, _("R&ole:"), self.role)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pair)
        QWidget.setTabOrder(self.name, self.role)
        QWidget.setTabOrder(self.role, self.pair.first)
        QWidget.setTabOrder(self.pair.first, self.pair.second)
        self.name.setFocus()
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)

    def prepare(self) -> Callable[[], None]:
        name = self.name.text().strip()
        try:
            check_account_name(name)
        except ValidationError as exc:
            self.name_reason.setText(str(exc))
            self.name_reason.setVisible(True)
            raise
        self.name_reason.setVisible(False)
        passphrase = self.pair.checked_value(name)
        role = Role(self.role.currentData())
        vault, kdf = self.vault, self.kdf
        self.pair.wipe()
        # the holder chooses their own passphrase at the first unlock (issue 17, point 4)
        return lambda: account_service.add_account(vault, name, role, passphrase, kdf=kdf,
                                                   must_choose_passphrase=True)


class ChangePassphraseDialog(_ServiceDialog):
    def __init__(self, vault: OpenVault, kdf: KdfParams | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(_("Change passphrase"), _("Change"), parent)
        self.vault = vault
        self.kdf = kdf
        self.current = secret_field("current_passphrase")
        self.pair = PassphrasePair()
        self.pair.form.insertRow(0, _("Account:"), QLabel(vault.actor.account))
        self.pair.form.insertRow(1, _("&Current passphrase:"), self.current)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pair)
        # Inserted rows join the focus chain last; the current passphrase comes first.
        QWidget.setTabOrder(self.current, self.pair.first)
        QWidget.setTabOrder(self.pair.first, self.pair.second)
        self.current.setFocus()
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)

    def prepare(self) -> Callable[[], None]:
        new = self.pair.checked_value(self.vault.actor.account)
        current = self.current.text()
        vault, kdf = self.vault, self.kdf
        self.clear()
        return lambda: account_service.change_passphrase(vault, current, new, kdf=kdf)


class SettingsScreen(QWidget):
    def __init__(self, vault: OpenVault, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_screen")
        self.vault = vault
        self.ctx = ctx
        self.dialog: QDialog | None = None

        # -- this workstation -------------------------------------------------------------
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(self.language.findData(ctx.settings.language))
        self.language.currentIndexChanged.connect(self._language_changed)
        self.language_note = QLabel(_("A new language takes effect the next time the program "
                                      "starts."))
        self.language_note.setWordWrap(True)
        self.language_note.setVisible(False)
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setObjectName("idle_minutes")
        self.idle_minutes.setRange(IDLE_MINUTES_MIN, IDLE_MINUTES_MAX)
        self.idle_minutes.setSuffix(_(" min"))
        self.idle_minutes.setValue(ctx.settings.idle_lock_minutes)
        self.idle_minutes.valueChanged.connect(self._idle_changed)
        workstation = QGroupBox(_("This workstation"))
        form = QFormLayout(workstation)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(_("&Language:"), self.language)
        form.addRow("", self.language_note)
        form.addRow(_("Lock after &idle time of:"), self.idle_minutes)
        # fixed by the IT department in the machine-wide settings file (ui.settings)
        for widget, locked in ((self.language, ctx.settings.is_locked(LANGUAGE)),
                               (self.idle_minutes, ctx.settings.is_locked(IDLE_LOCK_MINUTES))):
            if locked:
                widget.setEnabled(False)
                widget.setToolTip(_("Set for this workstation by your IT department."))

        # -- own account ------------------------------------------------------------------
        own = QGroupBox(_("My account"))
        own_layout = QHBoxLayout(own)
        own_layout.addWidget(QLabel(_("Signed in as {account} ({role})").format(
            account=vault.actor.account, role=vault.actor.role.label)), 1)
        self.change_button = QPushButton(_("Change &passphrase..."))
        self.change_button.setObjectName("change_passphrase")
        self.change_button.clicked.connect(self.open_change_passphrase)
        own_layout.addWidget(self.change_button)

        layout = QVBoxLayout(self)
        title = QLabel(_("Settings"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        layout.addWidget(workstation)
        layout.addWidget(own)

        # -- accounts (administrator) -----------------------------------------------------
        self.accounts_table: QTableWidget | None = None
        if may(vault.actor.role, Permission.MANAGE_ACCOUNTS):
            box = QGroupBox(_("Accounts"))
            box_layout = QVBoxLayout(box)
            table = QTableWidget(0, 4)
            table.setObjectName("accounts")
            table.setHorizontalHeaderLabels([_("Account"), _("Role"), _("Created"),
                                             _("Status")])
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            table.verticalHeader().setVisible(False)
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            self.accounts_table = table
            self.add_button = QPushButton(_("&Add account..."))
            self.add_button.setObjectName("add_account")
            self.add_button.clicked.connect(self.open_add_account)
            self.revoke_button = QPushButton(_("&Revoke..."))
            self.revoke_button.setObjectName("revoke_account")
            self.revoke_button.clicked.connect(self.revoke_selected)
            self.rekey_button = QPushButton(_("Change the data &key..."))
            self.rekey_button.setObjectName("change_data_key")
            self.rekey_button.setToolTip(_("A new key for the whole vault; every account keeps "
                                           "its passphrase. Copies made before stay on the "
                                           "old key."))
            self.rekey_button.clicked.connect(self.change_data_key)
            self.key_busy = QLabel("")
            self.key_busy.setObjectName("key_busy")
            buttons = QHBoxLayout()
            buttons.addWidget(self.add_button)
            buttons.addWidget(self.revoke_button)
            buttons.addWidget(self.rekey_button)
            buttons.addWidget(self.key_busy)
            buttons.addStretch(1)
            box_layout.addWidget(table)
            box_layout.addLayout(buttons)
            layout.addWidget(box, 1)
            self.refresh_accounts()

        # -- vaults a restore replaced (administrator) ------------------------------------
        self.replaced_box: QGroupBox | None = None
        if may(vault.actor.role, Permission.BACKUP):
            self.replaced_box = QGroupBox(_("Replaced vaults"))
            self.replaced_box.setObjectName("replaced_vaults")
            QVBoxLayout(self.replaced_box)
            layout.addWidget(self.replaced_box)
            self.refresh_replaced()

        # -- retention periods (administrator) --------------------------------------------
        self.retention_spins: dict[Protocol, QSpinBox] = {}
        self.retention_status: dict[Protocol, QLabel] = {}
        if may(vault.actor.role, Permission.MANAGE_SETTINGS):
            layout.addWidget(self._retention_box())
            self.refresh_retention()
            layout.addWidget(ForwardingBox(vault, self))  # the house's central log
        if self.accounts_table is None:
            layout.addStretch(1)

    # -- preferences ------------------------------------------------------------------------

    def _language_changed(self, _index: int) -> None:
        code = self.language.currentData()
        self.ctx.settings.language = code
        self.language_note.setVisible(True)

    def _idle_changed(self, minutes: int) -> None:
        self.ctx.settings.idle_lock_minutes = minutes
        self.ctx.idle.set_minutes(self.ctx.settings.idle_lock_minutes)

    # -- accounts ---------------------------------------------------------------------------

    def refresh_accounts(self) -> None:
        table = self.accounts_table
        if table is None:
            return
        try:
            rows = account_service.list_accounts(self.vault)
        except CasuskamerError as exc:
            dialogs.error(self, _("Accounts"), str(exc))
            return
        table.setRowCount(len(rows))
        for i, info in enumerate(rows):
            status = (_("revoked on {date}").format(date=info.revoked_at.date().isoformat())
                      if info.revoked_at else _("active"))
            cells = (info.name, info.role.label, info.created_at.date().isoformat(), status)
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, info.name)
                table.setItem(i, j, item)

    def selected_account(self) -> str | None:
        table = self.accounts_table
        if table is None or table.currentRow() < 0:
            return None
        item = table.item(table.currentRow(), 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def _open(self, dialog: QDialog, after: Callable[[], None] | None = None) -> None:
        self.dialog = dialog
        if after is not None:
            dialog.accepted.connect(after)
        dialog.open()

    def open_add_account(self) -> None:
        self._open(AddAccountDialog(self.vault, self.ctx.kdf, self), self.refresh_accounts)

    def open_change_passphrase(self) -> None:
        self._open(ChangePassphraseDialog(self.vault, self.ctx.kdf, self),
                   lambda: dialogs.inform(self, _("Change passphrase"),
                                          _("Your passphrase has been changed.")))

    def revoke_selected(self) -> None:
        name = self.selected_account()
        if name is None:
            dialogs.inform(self, _("Revoke account"), _("Choose an account in the list first."))
            return
        if not dialogs.confirm(
                self, _("Revoke account"),
                _("Revoke the account {name}? It can no longer unlock the vault. This cannot be "
                  "undone; add a new account if it is needed again.").format(name=name),
                yes_label=_("Revoke"), destructive=True):
            return
        vault = self.vault
        self._key_work(_("Revoke account"),
                       lambda: account_service.revoke_account(vault, name),
                       _("The account {name} is revoked.").format(name=name))

    def change_data_key(self) -> None:
        if not dialogs.confirm(
                self, _("Change the data key"),
                _("Give the vault a new data key? Every account keeps its passphrase; copies "
                  "of the vault or of its key-slot file made before can no longer open it. "
                  "No other program may have the vault open meanwhile."),
                yes_label=_("Change the key")):
            return
        vault = self.vault
        self._key_work(_("Change the data key"),
                       lambda: account_service.change_data_key(vault), "")

    def _key_work(self, title: str, work: Callable[[], account_service.KeyChange],
                  done_text: str) -> None:
        """Run a revocation or a key change off the GUI thread, then say what became of the
        data key."""
        self._set_key_busy(True)

        def finished(change: account_service.KeyChange) -> None:
            self._set_key_busy(False)
            self.refresh_accounts()
            line = (_("The data key was changed; every remaining account keeps its "
                      "passphrase.") if change.done else change.reason)
            dialogs.inform(self, title, f"{done_text}\n\n{line}".strip())

        def failed(exc: BaseException) -> None:
            self._set_key_busy(False)
            self.refresh_accounts()
            if not isinstance(exc, CasuskamerError):
                raise exc
            dialogs.error(self, title, str(exc))

        run_in_background(work, finished, failed, context=self)

    def _set_key_busy(self, busy: bool) -> None:
        for button in (self.add_button, self.revoke_button, self.rekey_button):
            button.setEnabled(not busy)
        self.key_busy.setText(_("One moment, the vault is being given a new key...")
                              if busy else "")

    # -- replaced vaults --------------------------------------------------------------------

    def refresh_replaced(self) -> None:
        box = self.replaced_box
        if box is None:
            return
        box_layout = box.layout()
        assert box_layout is not None
        while box_layout.count():
            item = box_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        kept = maintenance.replaced_vaults(self.vault.vault.folder)
        box.setVisible(bool(kept))
        for path in kept:
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            note = QLabel(_("A vault replaced by a restore on {date} is kept at {path}.")
                          .format(date=maintenance.replaced_date(path), path=path))
            note.setWordWrap(True)
            note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            remove = QPushButton(_("Remove..."))
            remove.setObjectName("remove_replaced")
            remove.clicked.connect(lambda _checked=False, p=path: self.remove_replaced(p))
            row_layout.addWidget(note, 1)
            row_layout.addWidget(remove)
            box_layout.addWidget(row)

    def remove_replaced(self, path: object) -> None:
        from pathlib import Path

        target = Path(str(path))
        if not dialogs.confirm(
                self, _("Remove replaced vault"),
                _("Delete the replaced vault kept at {path}? Everything in it that is not in "
                  "this vault (audit rows too) is then gone for good.").format(path=target),
                yes_label=_("Delete"), destructive=True):
            return
        try:
            maintenance.remove_replaced(self.vault, target)
        except CasuskamerError as exc:
            dialogs.error(self, _("Remove replaced vault"), str(exc))
        self.refresh_replaced()

    # -- retention periods ------------------------------------------------------------------

    def _retention_box(self) -> QGroupBox:
        box = QGroupBox(_("Retention periods"))
        form = QFormLayout(box)
        intro = QLabel(_("How long a case is kept after it ended, per protocol; then it is "
                         "destroyed. Until the house sets a period, the default applies and "
                         "is marked as still to be confirmed."))
        intro.setWordWrap(True)
        form.addRow(intro)
        for protocol in Protocol:
            spin = QSpinBox()
            spin.setObjectName(f"retention_{protocol.value}")
            spin.setRange(1, MAX_MONTHS)
            spin.setSuffix(_(" months"))
            status = QLabel("")
            status.setObjectName(f"retention_status_{protocol.value}")
            status.setWordWrap(True)
            row = QHBoxLayout()
            row.addWidget(spin)
            row.addWidget(status, 1)
            label = QLabel(protocol.label + ":")
            a11y.tie(label, spin)
            form.addRow(label, row)
            self.retention_spins[protocol] = spin
            self.retention_status[protocol] = status
        self.save_retention_button = QPushButton(_("&Save retention periods"))
        self.save_retention_button.setObjectName("save_retention")
        self.save_retention_button.setToolTip(_("Set (and so confirm) the period shown for "
                                                "every protocol"))
        self.save_retention_button.clicked.connect(self.save_retention)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_retention_button)
        form.addRow(buttons)
        return box

    def _retention_status(self, period: RetentionPeriod) -> str:
        if not period.confirmed:
            return _("Default – the house must still confirm this period.")
        return _("Set by {account} on {date}.").format(
            account=period.set_by or "?", date=format_date(period.set_at))

    def refresh_retention(self) -> None:
        try:
            periods = retention_service.retention_periods(self.vault)
        except CasuskamerError as exc:
            dialogs.error(self, _("Retention periods"), str(exc))
            return
        for period in periods:
            spin = self.retention_spins.get(period.protocol)
            if spin is None:
                continue
            spin.setValue(period.months)
            status = self.retention_status[period.protocol]
            status.setText(self._retention_status(period))
            status.setStyleSheet("" if period.confirmed else a11y.warning_style())

    def save_retention(self) -> bool:
        """Set every protocol's period to the value shown (confirming a default too)."""
        if not self.retention_spins:
            return False
        if not dialogs.confirm(
                self, _("Retention periods"),
                _("Set these retention periods? Cases are destroyed when their period has "
                  "passed since they ended."), yes_label=_("Set periods")):
            return False
        try:
            for protocol, spin in self.retention_spins.items():
                retention_service.set_retention_period(self.vault, protocol, spin.value())
        except CasuskamerError as exc:
            dialogs.error(self, _("Retention periods"), str(exc))
            self.refresh_retention()
            return False
        self.refresh_retention()
        return True

    def clear(self) -> None:
        """Lock protocol: drop the account list."""
        if self.accounts_table is not None:
            self.accounts_table.setRowCount(0)
