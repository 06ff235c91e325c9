"""The follow-up screen: every open action across all cases, overdue ones marked, filtered
by party and case through a proxy model, with a progress update on the selected action, and
a way to put the selected action's case (when it is in progress) on the agenda of a planned
meeting for a follow-up discussion (``app.services.meetings.add_item``).

The widget asks ``app.services.followup`` and ``app.services.meetings`` for the rows and for
each change; it decides nothing itself.
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
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.lifecycle import CaseState
from app.domain.meetings import DEFAULT_DURATION, DecisionType, MeetingState
from app.domain.plan import ActionStatus
from app.domain.roles import Permission, may
from app.errors import CasuskamerError
from app.formatting import format_date, format_datetime
from app.i18n import N_, _, ngettext
from app.services import followup
from app.services import meetings as meeting_service
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
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        # The action's text takes the room that is left; the rest fits what it holds.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.ACTION, QHeaderView.ResizeMode.Stretch)
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
        self.may_schedule = may(vault.actor.role, Permission.CASE_WORK)
        #: in-progress cases that may go on an agenda for a follow-up, by case number
        self.followup_candidates: dict[str, meeting_service.Candidate] = {}
        self.schedule = QPushButton(_("Put on the agenda of a &follow-up meeting\u2026"))
        self.schedule.setObjectName("schedule_followup")
        self.schedule.setVisible(self.may_schedule)
        self.schedule.setEnabled(False)
        self.schedule_note = QLabel("")
        self.schedule_note.setObjectName("schedule_note")
        self.schedule_note.setWordWrap(True)
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
        meeting_row = QHBoxLayout()
        meeting_row.addWidget(self.schedule_note, 1)
        meeting_row.addWidget(self.schedule)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(meeting_row)
        layout.addLayout(progress)
        self.party.currentIndexChanged.connect(self.apply_filter)
        self.case.textChanged.connect(self.apply_filter)
        self.save.clicked.connect(self.save_progress)
        self.schedule.clicked.connect(self.schedule_followup)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_args: self._selection_changed())
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
        self.followup_candidates = {}
        if self.may_schedule:
            try:
                self.followup_candidates = {
                    c.case_number: c for c in meeting_service.candidate_cases(self.vault)
                    if c.state is CaseState.IN_PROGRESS}
            except CasuskamerError:
                self.followup_candidates = {}
        self._selection_changed()

    def apply_filter(self) -> None:
        self.proxy.set_filter(self.party.currentData(), self.case.text())

    def selected(self) -> followup.OpenAction | None:
        indexes = self.table.selectionModel().selectedRows()
        if not indexes:
            return None
        value = self.proxy.data(indexes[0], Qt.ItemDataRole.UserRole)
        return value if isinstance(value, followup.OpenAction) else None

    def _selection_changed(self) -> None:
        action = self.selected()
        if action is None:
            self.schedule.setEnabled(False)
            self.schedule_note.setText("")
            return
        ready = action.case_number in self.followup_candidates
        self.schedule.setEnabled(ready)
        why = "" if ready else _(
            "Case {number} can be put on an agenda for a follow-up once it is in progress "
            "and not on an agenda already.").format(number=action.case_number)
        self.schedule.setToolTip(why)
        self.schedule_note.setText(why if self.may_schedule else "")

    def _planned_meetings(self) -> list[meeting_service.MeetingRow]:
        return [m for m in meeting_service.list_meetings(self.vault, include_finished=False)
                if m.state is MeetingState.PLANNED]

    def schedule_followup(self) -> int | None:
        """Put the selected action's case on a planned meeting (chosen through
        ``ui.dialogs.choose``) for a follow-up; returns the new agenda item's id."""
        action = self.selected()
        if action is None:
            dialogs.warn(self, _("Follow-up meeting"), _("Choose an action first."))
            return None
        candidate = self.followup_candidates.get(action.case_number)
        title = _("Follow-up meeting")
        if candidate is None:
            dialogs.warn(self, title, _(
                "Case {number} can be put on an agenda for a follow-up once it is in progress "
                "and not on an agenda already.").format(number=action.case_number))
            return None
        try:
            planned = self._planned_meetings()
        except CasuskamerError as refused:
            dialogs.error(self, title, str(refused))
            return None
        if not planned:
            dialogs.inform(self, title, _("There is no planned meeting. Plan one under "
                                          "Meetings first."))
            return None
        labels = [ngettext("{when} \u00b7 {place} ({n} case)", "{when} \u00b7 {place} ({n} cases)",
                           m.items).format(when=format_datetime(m.starts_at), place=m.place,
                                           n=m.items) for m in planned]
        chosen = dialogs.choose(self, title, _("Put case {number} on the agenda of the "
                                               "meeting:").format(number=action.case_number),
                                labels)
        if chosen is None:
            return None
        meeting = planned[labels.index(chosen)]
        routing = candidate.routing
        # A follow-up starts from the case's last agenda item; without one, from the plan.
        invitees = routing.invitees or tuple(sorted(
            {a.party_id for a in self.model.rows if a.case_number == action.case_number}))
        themes = routing.themes or (_("Progress of the plan of action"),)
        goal = routing.goal or _("Follow-up of the plan of action")
        try:
            item_id = meeting_service.add_item(
                self.vault, meeting.id, candidate.case_id, duration=DEFAULT_DURATION,
                goal=goal, themes=themes,
                decision_types=routing.decision_types or (DecisionType.JUDGING,),
                invited={party_id: "" for party_id in invitees})
        except CasuskamerError as refused:
            dialogs.error(self, _("The case was not put on the agenda"), str(refused))
            return None
        dialogs.inform(self, title, _("Case {number} is on the agenda of the meeting of "
                                      "{when}. Change the goal, themes or invitations under "
                                      "Meetings if needed.").format(
            number=action.case_number, when=format_datetime(meeting.starts_at)))
        if self.vault.is_open:      # a lock may have come while the message was open
            self.reload()
        return item_id

    def clear(self) -> None:
        """On lock: drop every action, party name and typed note."""
        self.model.set_rows([])
        self.followup_candidates = {}
        self.party.blockSignals(True)
        self.party.clear()
        self.party.blockSignals(False)
        self.case.blockSignals(True)
        self.case.clear()
        self.case.blockSignals(False)
        self.note.clear()
        self.notice.clear()
        self.schedule_note.clear()
        self.schedule.setEnabled(False)

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
