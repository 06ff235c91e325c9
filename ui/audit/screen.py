"""The audit log screen for the administrator acting for the privacy officer: filter by
period, account, action, case number, subject and "searched for", page through a million
rows without freezing, and export what the filter shows as CSV or JSON.

The model fetches a page (500 rows, newest first) when the view scrolls near its end
(``canFetchMore``/``fetchMore``); nothing else is held. Every read goes through
``app.services.audit_log``, which checks the role and logs the reading.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import CasuskamerError
from app.formatting import format_moment
from app.i18n import N_, _
from app.services import audit_log
from app.vault.vault import OpenVault
from ui import a11y, dialogs
from ui.date_edit import DateEdit

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    AT = 0
    ACTOR = 1
    ROLE = 2
    ORIGIN = 3
    ACTION = 4
    OBJECT = 5
    RESULT = 6
    DETAIL = 7


HEADERS = {
    Column.AT: N_("When"), Column.ACTOR: N_("Account"), Column.ROLE: N_("Role"),
    Column.ORIGIN: N_("Workstation"), Column.ACTION: N_("Action"),
    Column.OBJECT: N_("Object"), Column.RESULT: N_("Result"), Column.DETAIL: N_("Details"),
}


class AuditModel(QAbstractTableModel):
    """The rows of one filter, fetched a page at a time, newest first."""

    def __init__(self, vault: OpenVault, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.filter = audit_log.AuditFilter()
        self.rows: list[audit_log.AuditRow] = []
        self._more = False

    def load(self, flt: audit_log.AuditFilter) -> None:
        """Start over with ``flt``: the first page (logged as a reading of the log)."""
        self.beginResetModel()
        self.filter = flt
        self.rows = []
        self._more = False
        try:
            self.rows = audit_log.read_page(self.vault, flt)
            self._more = len(self.rows) == audit_log.PAGE
        finally:
            self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self.rows = []
        self._more = False
        self.endResetModel()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more or not self.rows:
            return
        page = audit_log.read_page(self.vault, self.filter, before_id=self.rows[-1].id,
                                   log_it=False)
        self._more = len(page) == audit_log.PAGE
        if page:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(page) - 1)
            self.rows.extend(page)
            self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(HEADERS[Column(section)])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.rows[index.row()]
        column = Column(index.column())
        if column is Column.AT:
            return format_moment(row.at.replace(tzinfo=None))
        if column is Column.OBJECT:
            return f"{row.object_type} {row.object_id}".strip()
        if column is Column.DETAIL:
            return ", ".join(f"{k}={v}" for k, v in sorted(row.detail.items()))
        return {Column.ACTOR: row.actor, Column.ROLE: row.role, Column.ORIGIN: row.origin,
                Column.ACTION: row.action, Column.RESULT: row.result}[column]


class AuditScreen(QWidget):
    def __init__(self, vault: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.setObjectName("audit_screen")
        # the one date input (dd-mm-jjjj, ISO, or the calendar); empty is no bound
        self.since = DateEdit(name="since")
        self.until = DateEdit(name="until")
        self.account = QComboBox()
        self.account.setObjectName("account")
        self.account.setEditable(True)
        self.action = QLineEdit()
        self.action.setObjectName("action")
        self.action.setPlaceholderText(_("e.g. export or case.view"))
        self.case = QLineEdit()
        self.case.setObjectName("case")
        self.case.setPlaceholderText("ZVH-2026-0042")
        self.subject = QSpinBox()
        self.subject.setObjectName("subject")
        self.subject.setRange(0, 2_000_000_000)
        self.subject.setSpecialValueText(_("any"))
        self.searched_for = QLineEdit()
        self.searched_for.setObjectName("searched_for")
        self.searched_for.setEchoMode(QLineEdit.EchoMode.Password)
        self.searched_for.setToolTip(_("Finds the searches for exactly this text. The log "
                                       "keeps a keyed hash of each search, never the text."))
        form = QFormLayout()
        period = QHBoxLayout()
        period.addWidget(self.since)
        period.addWidget(a11y.tie(QLabel(_("unt&il")), self.until))
        period.addWidget(self.until)
        form.addRow(a11y.tie(QLabel(_("&Period")), self.since), period)
        form.addRow(a11y.tie(QLabel(_("A&ccount")), self.account), self.account)
        form.addRow(a11y.tie(QLabel(_("Ac&tion")), self.action), self.action)
        form.addRow(a11y.tie(QLabel(_("Case &number")), self.case), self.case)
        form.addRow(a11y.tie(QLabel(_("S&ubject (id)")), self.subject), self.subject)
        form.addRow(a11y.tie(QLabel(_("Searched &for")), self.searched_for),
                    self.searched_for)
        self.show_button = QPushButton(_("&Show"))
        self.show_button.setObjectName("show")
        self.show_button.setDefault(True)
        self.export_button = QPushButton(_("&Export…"))
        self.export_button.setObjectName("export")
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(a11y.error_style())
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        self.model = AuditModel(vault, self)
        self.table = QTableView()
        self.table.setObjectName("audit_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # the short columns fit their text (a date and time on one line, seen under Xvfb);
        # the details take the rest
        for column in (Column.AT, Column.ACTOR, Column.ROLE, Column.ORIGIN, Column.ACTION,
                       Column.RESULT):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        a11y.name(self.table, _("Audit log"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("The audit log: who did what, when, from which workstation "
                                  "(NEN 7513). Reading it is logged too.")))
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        self.show_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.export)
        for edit in (self.since.line, self.until.line, self.action, self.case,
                     self.searched_for):
            edit.returnPressed.connect(self.refresh)
        try:
            self.account.addItems(["", *audit_log.accounts(vault)])
        except CasuskamerError as exc:
            self.message.setText(str(exc))
            return
        self.refresh()

    def current_filter(self) -> audit_log.AuditFilter:
        return audit_log.AuditFilter(
            since=self.since.value("since") if self.since.text().strip() else None,
            until=self.until.value("until") if self.until.text().strip() else None,
            account=self.account.currentText(), action=self.action.text(),
            case=self.case.text(), subject_id=self.subject.value() or None,
            searched_for=self.searched_for.text())

    def refresh(self) -> None:
        try:
            flt = self.current_filter()
            self.model.load(flt)
            total = audit_log.count(self.vault, flt)
        except CasuskamerError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(_("{count} rows").format(count=f"{total:n}"))
        self.message.setStyleSheet(a11y.secondary_style())

    def export(self) -> None:
        try:
            flt = self.current_filter()
        except CasuskamerError as exc:
            self.message.setText(str(exc))
            return
        chosen = dialogs.save_file(self, _("Export the audit log"), Path("auditlog.csv"),
                                   _("CSV (*.csv);;JSON (*.json)"))
        if chosen is None:
            return
        fmt = "json" if chosen.suffix.lower() == ".json" else "csv"
        part = chosen.with_name(chosen.name + ".part")
        try:
            with part.open("w", encoding="utf-8", newline="") as fh:
                for piece in audit_log.export(self.vault, flt, fmt):
                    fh.write(piece)
            part.replace(chosen)
        except (CasuskamerError, OSError) as exc:
            part.unlink(missing_ok=True)
            self.message.setText(str(exc))
            return
        self.message.setText(_("Exported to {file}.").format(file=chosen.name))

    def clear(self) -> None:
        """On lock: the rows and the typed search term go."""
        self.model.clear()
        self.searched_for.clear()
