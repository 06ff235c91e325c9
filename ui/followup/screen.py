"""The follow-up screen: every open action across all cases, overdue ones marked, filtered
by party and case through a proxy model, with a progress update on the selected action.

The widget asks ``app.services.followup`` for the rows and for each update; it decides
nothing itself.
"""

from __future__ import annotations

from datetime import date
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.plan import ActionStatus
from app.errors import CasuskamerError
from app.formatting import format_date
from app.i18n import N_, _
from app.services import followup
from app.vault.vault import OpenVault
from ui import a11y, dialogs

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    DUE = 0
    CASE = 1
    PARTY = 2
    ACTION = 3
    OWNER = 4
    STATUS = 5
    NOTES = 6


HEADERS = {
    Column.DUE: N_("Due"), Column.CASE: N_("Case"), Column.PARTY: N_("Party"),
    Column.ACTION: N_("Action"), Column.OWNER: N_("Owner"), Column.STATUS: N_("Status"),
    Column.NOTES: N_("Notes"),
}



class OpenActionsModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[followup.OpenAction] = []

    def set_rows(self, rows: list[followup.OpenAction]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(Column)):
            return _(HEADERS[Column(section)])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        action = self.rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column is Column.DUE:
                if action.due is None:
                    return "\u2013"
                text = format_date(action.due)
                if action.overdue:
                    text += " " + _("(overdue {days} d)").format(days=action.days_overdue)
                return text
            return {Column.CASE: action.case_number, Column.PARTY: action.party,
                    Column.ACTION: action.description, Column.OWNER: action.owner,
                    Column.STATUS: action.status.label,
                    Column.NOTES: str(action.notes)}.get(column)
        if role == Qt.ItemDataRole.ForegroundRole and action.overdue:
            return QBrush(QColor(a11y.error_colour()))
        if role == Qt.ItemDataRole.UserRole:
            return action
        return None


class ActionFilterProxy(QSortFilterProxyModel):
    """Narrows the rows to one party and/or a case-number fragment."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.party_id: int | None = None
        self.case_text = ""

    def set_filter(self, party_id: int | None, case_text: str) -> None:
        self.beginFilterChange()
        self.party_id = party_id
        self.case_text = case_text.strip().upper()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, OpenActionsModel)
        action = model.rows[row]
        if self.party_id is not None and action.party_id != self.party_id:
            return False
        return not self.case_text or self.case_text in action.case_number


class FollowUpScreen(QWidget):
    def __init__(self, vault: OpenVault, today: date | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("followup_screen")
        self.vault = vault
        self.today = today
        self.model = OpenActionsModel(self)
        self.proxy = ActionFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.party = QComboBox()
        self.party.setObjectName("party_filter")
        self.case = QLineEdit()
        self.case.setObjectName("case_filter")
        self.case.setPlaceholderText(_("Case number"))
        self.notice = QLabel("")
        self.notice.setObjectName("overdue_notice")
        self.table = QTableView()
        self.table.setObjectName("actions_table")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.status = QComboBox()
        self.status.setObjectName("progress_status")
        self.status.addItem(_("(status unchanged)"), None)
        for status in ActionStatus:
            self.status.addItem(status.label, status)
        self.note = QPlainTextEdit()
        self.note.setObjectName("progress_note")
        self.note.setPlaceholderText(_("Progress note"))
        self.save = QPushButton(_("Save progress"))
        self.save.setObjectName("save_progress")
        filters = QHBoxLayout()
        filters.addWidget(a11y.tie(QLabel(_("Party")), self.party))
        filters.addWidget(self.party, 1)
        filters.addWidget(a11y.tie(QLabel(_("Case")), self.case))
        filters.addWidget(self.case, 1)
        a11y.name(self.table, _("Open actions"))
        progress = QHBoxLayout()
        note_column = QVBoxLayout()
        note_column.addWidget(a11y.tie(QLabel(_("Progress &note:")), self.note))
        note_column.addWidget(self.note)
        progress.addLayout(note_column, 3)
        side = QVBoxLayout()
        side.addWidget(a11y.tie(QLabel(_("New s&tatus:")), self.status))
        side.addWidget(self.status)
        side.addWidget(self.save)
        side.addStretch(1)
        progress.addLayout(side, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(progress)
        self.party.currentIndexChanged.connect(self.apply_filter)
        self.case.textChanged.connect(self.apply_filter)
        self.save.clicked.connect(self.save_progress)
        self.reload()

    def reload(self) -> None:
        rows = followup.open_actions(self.vault, today=self.today)
        self.model.set_rows(rows)
        chosen = self.party.currentData()
        self.party.blockSignals(True)
        self.party.clear()
        self.party.addItem(_("All parties"), None)
        for pid, name in sorted({(a.party_id, a.party) for a in rows}, key=lambda p: p[1]):
            self.party.addItem(name, pid)
        self.party.setCurrentIndex(max(0, self.party.findData(chosen)))
        self.party.blockSignals(False)
        self.apply_filter()
        self.notice.setText(followup.overdue_notice(self.vault, self.today).text())

    def apply_filter(self) -> None:
        self.proxy.set_filter(self.party.currentData(), self.case.text())

    def selected(self) -> followup.OpenAction | None:
        indexes = self.table.selectionModel().selectedRows()
        if not indexes:
            return None
        value = self.proxy.data(indexes[0], Qt.ItemDataRole.UserRole)
        return value if isinstance(value, followup.OpenAction) else None

    def save_progress(self) -> None:
        action = self.selected()
        if action is None:
            dialogs.warn(self, _("Progress"), _("Choose an action first."))
            return
        try:
            followup.record_progress(self.vault, action.case_number, action.action_key,
                                     note=self.note.toPlainText(),
                                     status=self.status.currentData())
        except CasuskamerError as refused:
            dialogs.error(self, _("Progress was not saved"), str(refused))
            return
        self.note.clear()
        self.status.setCurrentIndex(0)
        self.reload()
