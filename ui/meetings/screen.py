"""The Meetings screen: every case meeting (date, place, chair, state, number of cases), the
chosen meeting's agenda with its editing (reorder, move a case to another meeting, take it
off), the agenda wizard for a new meeting, the agenda PDFs per party, and live mode.

It is given the open vault and nothing else; every read and change goes through
``app.services.meetings``. ``clear()`` drops everything it shows (the shell calls it on lock).

The information centre sees the meetings' logistics only (the service gives it the agenda
without goals or themes): the agenda wizard, the editing of the agenda, live mode (minutes)
and the agendas per party (which carry each case's goal) are not offered to a role without
``CASE_WORK`` / ``CASE_SUBSTANCE``, and asked for anyway they say why.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QInputDialog,
                               QLabel, QListWidget, QPushButton, QSplitter, QTableView,
                               QVBoxLayout, QWidget)

from app.domain.meetings import MeetingState, meeting_file_stamp
from app.domain.roles import Permission, may
from app.errors import CasuskamerError
from app.formatting import format_datetime, format_time
from app.i18n import N_, _
from app.services import meetings as svc
from app.services.meetings import MeetingRow
from app.vault.vault import OpenVault
from ui import a11y, changes, dialogs
from ui.meetings.live import LiveMeetingWindow
from ui.meetings.wizard import AgendaWizard

_Index = QModelIndex | QPersistentModelIndex

#: The parent of every row of a flat table (one shared default, as in ui/cases/case_table.py).
_NO_PARENT = QModelIndex()


class MeetingTableModel(QAbstractTableModel):
    """The meetings as a table: date and time, place, chair, state, cases."""

    HEADERS = (N_("Date and time"), N_("Place"), N_("Chair"), N_("State"), N_("Cases"))

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[MeetingRow] = []

    def set_rows(self, rows: list[MeetingRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.HEADERS):
            return _(self.HEADERS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        return (format_datetime(row.starts_at), row.place, row.chair,
                row.state.label, str(row.items))[index.column()]


def meeting_order(rows: list[MeetingRow]) -> list[MeetingRow]:
    """The meetings by date and time, the latest first."""
    return sorted(rows, key=lambda r: (r.starts_at, r.id), reverse=True)


def next_meeting(rows: list[MeetingRow]) -> int | None:
    """The meeting to choose first: the soonest one not yet held (else the latest held)."""
    open_ones = [r for r in rows if r.state is not MeetingState.FINISHED]
    if open_ones:
        return min(open_ones, key=lambda r: (r.starts_at, r.id)).id
    return rows[0].id if rows else None


class MeetingsScreen(QWidget):
    """The Meetings section of the main window."""

    def __init__(self, vault: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.setObjectName("meetings_screen")
        self.model = MeetingTableModel()
        self.table = QTableView()
        self.table.setObjectName("meetings")
        a11y.name(self.table, _("Meetings"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        # The date and time on one line, in full (they wrapped in a narrow column); the place
        # takes the room that is left.
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(len(MeetingTableModel.HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column == 1
                                        else QHeaderView.ResizeMode.ResizeToContents)
        self.agenda = QListWidget()
        self.agenda.setObjectName("meeting_agenda")
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)

        self.new_button = QPushButton(_("New meeting (agenda wizard)..."))
        self.new_button.setObjectName("new_meeting")
        self.live_button = QPushButton(_("Start live mode"))
        self.live_button.setObjectName("live")
        self.pdf_button = QPushButton(_("Agendas per party..."))
        self.pdf_button.setObjectName("agendas")
        self.up_button = QPushButton(_("Up"))
        self.up_button.setObjectName("item_up")
        self.down_button = QPushButton(_("Down"))
        self.down_button.setObjectName("item_down")
        self.move_button = QPushButton(_("Move to another meeting..."))
        self.move_button.setObjectName("item_move")
        self.remove_button = QPushButton(_("Take off the agenda"))
        self.remove_button.setObjectName("item_remove")

        role = vault.actor.role
        #: the agenda is the process director's to make and change (covenant 12.2c-e)
        self.may_edit = may(role, Permission.CASE_WORK)
        #: live mode shows and takes minutes; an agenda PDF carries each case's goal
        self.may_see_substance = may(role, Permission.CASE_SUBSTANCE)
        self.new_button.setVisible(self.may_edit)
        self.live_button.setVisible(self.may_edit and self.may_see_substance)
        self.pdf_button.setVisible(self.may_see_substance)
        for button in (self.up_button, self.down_button, self.move_button,
                       self.remove_button):
            button.setVisible(self.may_edit)

        top = QHBoxLayout()
        for button in (self.new_button, self.live_button, self.pdf_button):
            top.addWidget(button)
        top.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(a11y.tie(QLabel(_("Agenda")), self.agenda))
        right_layout.addWidget(self.agenda, 1)
        edit = QHBoxLayout()
        for button in (self.up_button, self.down_button, self.move_button, self.remove_button):
            edit.addWidget(button)
        right_layout.addLayout(edit)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(right)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)

        self.new_button.clicked.connect(self.new_meeting)
        self.live_button.clicked.connect(self.start_live)
        self.pdf_button.clicked.connect(self.export_agendas)
        self.up_button.clicked.connect(lambda: self.shift_item(-1))
        self.down_button.clicked.connect(lambda: self.shift_item(1))
        self.move_button.clicked.connect(self.move_item)
        self.remove_button.clicked.connect(self.remove_item)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.show_agenda())
        self.wizard: AgendaWizard | None = None
        self.live: LiveMeetingWindow | None = None
        self.refresh()
        # another workstation planned or changed a meeting (issue 22, point 4)
        changes.follow_meetings(self, self.refresh)

    # -- reading -----------------------------------------------------------------------

    def refresh(self, select_id: int | None = None) -> None:
        """Read the meetings again: one order by date, the latest first (a planned meeting
        above the ones held, 2023 at the bottom), and the next meeting chosen unless
        ``select_id`` (or the one chosen before) is still there."""
        keep = select_id if select_id is not None else self.selected_meeting_id()
        self.model.set_rows(meeting_order(svc.list_meetings(self.vault)))
        ids = [r.id for r in self.model.rows]
        if keep not in ids:
            keep = next_meeting(self.model.rows)
        if keep in ids:
            self.table.selectRow(ids.index(keep))
            self.table.scrollTo(self.model.index(ids.index(keep), 0))
        self.show_agenda()

    def selected_meeting_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.model.rows[rows[0].row()].id

    def select_meeting(self, meeting_id: int) -> None:
        self.refresh(meeting_id)

    def show_agenda(self) -> None:
        self.agenda.clear()
        meeting_id = self.selected_meeting_id()
        self._meeting = svc.get_meeting(self.vault, meeting_id) if meeting_id else None
        if self._meeting is None:
            return
        for item, start in zip(self._meeting.items, self._meeting.item_starts()):
            self.agenda.addItem(f"{format_time(start)}  {item.case_number} \u00b7 "
                                f"{item.subject_initials} \u00b7 {item.kind.label} "
                                f"({item.duration_minutes} min)")
        editable = self._meeting.state is MeetingState.PLANNED
        for button in (self.up_button, self.down_button, self.move_button,
                       self.remove_button):
            button.setEnabled(editable)
        self.live_button.setEnabled(self._meeting.state is not MeetingState.FINISHED)

    # -- actions -----------------------------------------------------------------------

    def _run(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except CasuskamerError as exc:
            self.message.setText(str(exc))
            return False
        self.message.setText("")
        changes.announce()   # the next meeting of the cases involved
        return True

    def _not_for_this_role(self, allowed: bool) -> bool:
        """Say why, when this role may not do what was asked; True when it may not."""
        if allowed:
            return False
        self.message.setText(_("Your role ({role}) sees the meetings' logistics only: the "
                               "agenda's goals and themes, the minutes and the agendas per "
                               "party are for the process director.").format(
                                   role=self.vault.actor.role.label))
        return True

    def new_meeting(self) -> None:
        if self._not_for_this_role(self.may_edit):
            return
        self.wizard = AgendaWizard(self.vault, self)
        self.wizard.finished.connect(self._wizard_done)
        self.wizard.open()

    def _wizard_done(self, _result: int) -> None:
        wizard = self.wizard
        self.wizard = None
        if wizard is not None and wizard.meeting_id is not None:
            self.refresh(wizard.meeting_id)
            if dialogs.confirm(self, _("Agendas per party"),
                               _("The meeting is planned. Make the agenda PDF for each "
                                 "invited party now?"), yes_label=_("Make agendas")):
                self.export_agendas()

    def export_agendas(self) -> list[Path]:
        """One agenda PDF per invited party, into a folder the user picks. Which cases stand
        on each party's agenda is the sharing policy's answer (``app.services.agenda``); a
        party entitled to none is refused with the reason, and the summary says so."""
        from app.services.agenda import export_agenda

        meeting = getattr(self, "_meeting", None)
        if meeting is None or self._not_for_this_role(self.may_see_substance):
            return []
        folder = dialogs.choose_folder(self, _("Folder for the agendas"))
        if folder is None:
            return []
        written: list[Path] = []
        problems: list[str] = []
        parties = sorted({p for item in meeting.items for p in item.invited})
        names = svc.party_names(self.vault)
        for party_id in parties:
            # The file name holds the meeting's date and time and the party, never a case,
            # a person or the place (a room may carry a person's name).
            safe = "".join(ch if ch.isalnum() else "-" for ch in names.get(party_id, "party"))
            out = folder / "agenda-overleg-{when}-{party}.pdf".format(
                when=meeting_file_stamp(meeting.starts_at), party=safe.strip("-"))
            try:
                export_agenda(self.vault, meeting.id, party_id, out)
            except CasuskamerError as refused:      # AgendaRefused names the reason
                problems.append(str(refused))
                continue
            written.append(out)
        lines = [_("{count} agendas written to {folder}.").format(count=len(written),
                                                                  folder=folder)]
        dialogs.inform(self, _("Agendas per party"), "\n".join(lines + problems))
        return written

    def _selected_item_index(self) -> int:
        return self.agenda.currentRow()

    def shift_item(self, delta: int) -> None:
        meeting = getattr(self, "_meeting", None)
        row = self._selected_item_index()
        if meeting is None or not 0 <= row < len(meeting.items):
            return
        target = row + delta
        if not 0 <= target < len(meeting.items):
            return
        ids = [i.id for i in meeting.items]
        ids[row], ids[target] = ids[target], ids[row]
        if self._run(lambda: svc.reorder(self.vault, meeting.id, ids)):
            self.refresh(meeting.id)
            self.agenda.setCurrentRow(target)

    def move_item(self, to_meeting_id: int | None = None) -> None:
        meeting = getattr(self, "_meeting", None)
        row = self._selected_item_index()
        if meeting is None or not 0 <= row < len(meeting.items):
            return
        if not to_meeting_id:
            others = [r for r in self.model.rows
                      if r.id != meeting.id and r.state is MeetingState.PLANNED]
            labels = [f"{format_datetime(r.starts_at)} \u00b7 {r.place}" for r in others]
            if not others:
                self.message.setText(_("There is no other planned meeting."))
                return
            label, ok = QInputDialog.getItem(self, _("Move to another meeting"),
                                             _("Meeting"), labels, 0, False)
            if not ok:
                return
            to_meeting_id = others[labels.index(label)].id
        item_id = meeting.items[row].id
        if self._run(lambda: svc.move_item(self.vault, item_id, int(to_meeting_id))):
            self.refresh(meeting.id)

    def remove_item(self) -> None:
        meeting = getattr(self, "_meeting", None)
        row = self._selected_item_index()
        if meeting is None or not 0 <= row < len(meeting.items):
            return
        item = meeting.items[row]
        if not dialogs.confirm(self, _("Take off the agenda"),
                               _("Take case {number} off this agenda? It stays ready for "
                                 "another meeting.").format(number=item.case_number),
                               yes_label=_("Take off"), destructive=True):
            return
        if self._run(lambda: svc.remove_item(self.vault, item.id)):
            self.refresh(meeting.id)

    def start_live(self) -> LiveMeetingWindow | None:
        meeting_id = self.selected_meeting_id()
        if meeting_id is None or self._not_for_this_role(self.may_edit
                                                         and self.may_see_substance):
            return None
        try:
            self.live = LiveMeetingWindow(self.vault, meeting_id)
        except CasuskamerError as exc:
            self.message.setText(str(exc))
            return None
        self.live.resize(1280, 800)
        self.live.show()
        return self.live

    # -- lock --------------------------------------------------------------------------

    def save_draft(self) -> None:
        if self.wizard is not None:
            self.wizard.save_draft()
        if self.live is not None:
            self.live.save_draft()

    def clear(self) -> None:
        self.model.set_rows([])
        self.agenda.clear()
        self.message.clear()
        self._meeting = None
        if self.wizard is not None:
            self.wizard.clear()
        if self.live is not None:
            self.live.clear()
