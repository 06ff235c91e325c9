"""Live mode of a case meeting: the process director's screen.

Left the agenda with a timer per item against its planned duration; in the middle the case
summary and every information item, each marked with who may see it and whether it is on
the meeting-room screen now; right the attendance (name, party, function, the time the
confidentiality statement was accepted, and who is absent for this item); below the live
minutes. While someone present keeps the meeting-room screen empty (their party may not see
the case, or they have not accepted the confidentiality statement), a box above the items
names each such person, their party and why, with one action to mark the selected person as
having left (Alt+M in English, Alt+V in Dutch; the list and the button are in the tab
order). The meeting-room screen (``ui.meetings.room``) is a second window on a chosen
monitor. Both screens are recomputed by ``app.services.meeting_room`` the moment the
attendance or the item changes; this widget decides nothing about visibility.

Keys: Ctrl+Right / PageDown next item, Ctrl+Left / PageUp previous item, B (outside a text
field) or Ctrl+B blank screen, Ctrl+N new agreement. What is being typed is saved as a draft
in the vault every few seconds and on lock; closing with unsaved minutes asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QCompleter,
                               QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPushButton,
                               QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from app.domain.meetings import (AUTOSAVE_SECONDS, EntryInput, EntryKind, MeetingState,
                                 MinutesEntry, confidentiality_statement, days_from_plan,
                                 item_timer, meeting_label, refusal_text,
                                 start_needs_question)
from app.domain.roles import allowed
from app.errors import CasuskamerError, EditConflict, TransitionRefused, ValidationError
from app.formatting import format_date, format_datetime, format_time
from app.i18n import _
from app.services import meeting_room as room_service
from app.services import meetings as svc
from app.services import meeting_live as live_svc
from app.services import minutes as minutes_svc
from app.services import parties as party_service
from app.vault.vault import OpenVault
from ui import a11y, changes, dialogs
from ui.date_edit import DateEdit
from ui.edit_conflict import offer_reload
from ui.meetings.room import MeetingRoomWindow


def _message(exc: CasuskamerError) -> str:
    """A refusal as the form shows it: a field's rule names the field."""
    return refusal_text(exc) if isinstance(exc, ValidationError) else str(exc)


class PartyBox(QComboBox):
    """A party chosen from a short list, or typed: "Den Haag" typed into the box finds the
    party (no Space-opens-the-list trap); an empty box is no party."""

    def __init__(self, placeholder: str) -> None:
        super().__init__()
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.lineEdit()
        assert line is not None
        line.setPlaceholderText(placeholder)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)

    def set_parties(self, parties: list[tuple[int, str]]) -> None:
        self.clear()
        for party_id, name in parties:
            self.addItem(name, party_id)
        completer = QCompleter([name for _id, name in parties], self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompleter(completer)
        self.reset_choice()

    def reset_choice(self) -> None:
        self.setCurrentIndex(-1)
        self.setEditText("")

    def party_id(self) -> int | None:
        """The party whose name is in the box (None: empty). A name that is none of the
        list's is refused, naming the field."""
        text = " ".join(self.currentText().split())
        if not text:
            return None
        for row in range(self.count()):
            if self.itemText(row).casefold() == text.casefold():
                return int(self.itemData(row))
        raise ValidationError(_("choose one of the parties invited to this meeting"),
                              field="party_id")


class LiveMeetingWindow(QWidget):
    """The director's screen for one meeting in session."""

    #: the list of people who keep the room screen empty grows up to this height
    BLOCKERS_MAX_HEIGHT = 160

    def __init__(self, vault: OpenVault, meeting_id: int) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.vault = vault
        self.meeting_id = meeting_id
        self.setObjectName("live_meeting")
        planned = svc.get_meeting(vault, meeting_id)
        if (planned.state is MeetingState.PLANNED
                and start_needs_question(planned, date.today())
                and not dialogs.confirm(
                    self, _("Start the meeting"),
                    _("This meeting is planned for {when}, {days} days from today. Start it "
                      "now? The minutes will carry today's date and time.").format(
                          when=format_datetime(planned.starts_at),
                          days=days_from_plan(planned, date.today())),
                    yes_label=_("Start now"))):
            raise TransitionRefused(_("The meeting was not started."))
        live_svc.start_meeting(vault, meeting_id)
        self.room = room_service.load_room(vault, meeting_id)
        self.setWindowTitle(_("{meeting} \u2013 process director").format(
            meeting=meeting_label(self.room.meeting)))
        self.current: int | None = None
        self.blanked = False
        #: what Ctrl+Z undoes in the minutes, newest last (kept until the meeting ends)
        self.undo_stack: list[tuple[str, int, MinutesEntry | None]] = []
        self.editing: int | None = None      # the entry being corrected in the form
        self.entry_values: dict[int, MinutesEntry] = {}
        #: the version of each entry as this window last wrote it (what an undo names, so
        #: that undoing never overwrites a colleague's correction made since; issue 22)
        self.own_versions: dict[int, int | None] = {}
        self.room_window = MeetingRoomWindow(on_blank_key=self.toggle_blank)
        self._build()
        self._shortcuts()
        self._fill_agenda()
        self._restore_draft()
        if self.room.meeting.items and self.current is None:
            self.go_to(0)
        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._update_timer)
        self.tick.start()
        self.autosave = QTimer(self)
        self.autosave.setInterval(AUTOSAVE_SECONDS * 1000)
        self.autosave.timeout.connect(self.save_draft)
        self.autosave.start()
        self._saved_payload: dict[str, object] | None = None

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.previous_button = QPushButton(_("\u2190 Previous case"))
        self.previous_button.setObjectName("previous")
        self.next_button = QPushButton(_("Next case \u2192"))
        self.next_button.setObjectName("next")
        self.blank_button = QPushButton(_("Blank screen (B)"))
        self.blank_button.setObjectName("blank")
        self.blank_button.setCheckable(True)
        self.screen_choice = QComboBox()
        self.screen_choice.setObjectName("screen_choice")
        for index, screen in enumerate(MeetingRoomWindow.screens()):
            self.screen_choice.addItem(_("Screen {n}: {name}").format(n=index + 1,
                                                                    name=screen.name()))
        self.show_room_button = QPushButton(_("Show meeting-room screen"))
        self.show_room_button.setObjectName("show_room")
        self.end_button = QPushButton(_("End meeting"))
        self.end_button.setObjectName("end_meeting")
        for widget in (self.previous_button, self.next_button, self.blank_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(a11y.tie(QLabel(_("Room &screen:")), self.screen_choice))
        for control in (self.screen_choice, self.show_room_button, self.end_button):
            bar.addWidget(control)
        self.screen_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.screen_choice.setMaximumWidth(180)
        outer.addLayout(bar)

        split = QSplitter(Qt.Orientation.Horizontal)
        # left: the agenda and the timer
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.agenda = QListWidget()
        self.agenda.setObjectName("agenda")
        self.agenda.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.agenda.setWordWrap(True)
        self.timer_label = QLabel("")
        self.timer_label.setObjectName("timer")
        self.timer_label.setStyleSheet("font-size: 13pt; font-weight: bold;")
        left_layout.addWidget(a11y.tie(QLabel(_("Agenda")), self.agenda))
        left_layout.addWidget(self.agenda, 1)
        left_layout.addWidget(self.timer_label)
        # middle: summary, items, minutes
        middle = QWidget()
        mid = QVBoxLayout(middle)
        mid.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel("")
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.room_state = QLabel("")
        self.room_state.setObjectName("room_state")
        self.room_state.setWordWrap(True)
        self.items = QTableWidget(0, 4)
        self.items.setObjectName("items")
        a11y.name(self.items, _("Information"))
        self.items.setHorizontalHeaderLabels([_("Information"), _("Source"),
                                              _("Meeting-room screen"), _("Who may see it")])
        self.items.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.items.setWordWrap(True)
        self.items.verticalHeader().setVisible(False)
        header = self.items.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.items.setColumnWidth(1, 105)
        self.items.setColumnWidth(2, 175)
        header.setMinimumSectionSize(60)
        mid.addWidget(self.summary)
        mid.addWidget(self.room_state)
        mid.addWidget(self._blocker_box())
        mid.addWidget(self.items, 3)
        mid.addWidget(self._minutes_box(), 2)
        # right: attendance
        right = self._attendance_box()
        split.addWidget(left)
        split.addWidget(middle)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 4)
        split.setStretchFactor(2, 2)
        split.setSizes([150, 600, 250])
        left.setMinimumWidth(150)
        right.setMinimumWidth(220)
        outer.addWidget(split, 1)

        self.previous_button.clicked.connect(self.previous_item)
        self.next_button.clicked.connect(self.next_item)
        self.blank_button.clicked.connect(lambda _c=False: self.toggle_blank())
        self.show_room_button.clicked.connect(self.show_room_screen)
        self.end_button.clicked.connect(self.end_meeting)
        self.agenda.currentRowChanged.connect(self._agenda_clicked)
        # Lists and tables would take B for their type-ahead search; here B blanks.
        for view in (self.agenda, self.items, self.blockers):
            view.installEventFilter(self)

    def _blocker_box(self) -> QGroupBox:
        """Who keeps the meeting-room screen empty, and why; one action: has left."""
        box = QGroupBox(_("Who keeps the meeting-room screen empty"))
        box.setObjectName("blocker_box")
        layout = QVBoxLayout(box)
        self.blockers = QListWidget()
        self.blockers.setObjectName("blockers")
        a11y.name(self.blockers, _("Who keeps the meeting-room screen empty"))
        self.blockers.setWordWrap(True)
        self.blockers.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.blockers.setStyleSheet(a11y.error_style())
        self.blocker_left_button = QPushButton(_("&Mark the selected person as having left"))
        self.blocker_left_button.setObjectName("blocker_left")
        self.blocker_left_button.clicked.connect(self.mark_blocker_left)
        layout.addWidget(self.blockers)
        layout.addWidget(self.blocker_left_button)
        box.setVisible(False)
        self.blocker_box = box
        return box

    def _minutes_box(self) -> QGroupBox:
        box = QGroupBox(_("Minutes"))
        layout = QVBoxLayout(box)
        form = QFormLayout()
        self.entry_kind = QComboBox()
        self.entry_kind.setObjectName("entry_kind")
        for kind in EntryKind:
            self.entry_kind.addItem(kind.label, kind.value)
        self.entry_text = QLineEdit()
        self.entry_text.setObjectName("entry_text")
        self.entry_party = PartyBox(_("(no party)"))
        self.entry_party.setObjectName("entry_party")
        self.entry_owner = QLineEdit()
        self.entry_owner.setObjectName("entry_owner")
        self.entry_due = DateEdit(date.today() + timedelta(days=14), name="entry_due")
        self.add_entry_button = QPushButton(_("Add to the minutes"))
        self.add_entry_button.setObjectName("add_entry")
        self.entry_error = QLabel("")
        self.entry_error.setObjectName("entry_error")
        self.entry_error.setStyleSheet(a11y.error_style())
        # Each field has its own visible label tied to it (Alt+letter, screen readers),
        # still on three rows.
        row = QHBoxLayout()
        row.addWidget(self.entry_kind)
        row.addWidget(a11y.tie(QLabel(_("Te&xt:")), self.entry_text))
        row.addWidget(self.entry_text, 1)
        form.addRow(a11y.tie(QLabel(_("Entry")), self.entry_kind), row)
        who = QHBoxLayout()
        who.addWidget(self.entry_party, 1)
        who.addWidget(a11y.tie(QLabel(_("Owner")), self.entry_owner))
        who.addWidget(self.entry_owner, 1)
        form.addRow(a11y.tie(QLabel(_("Party")), self.entry_party), who)
        when = QHBoxLayout()
        when.addWidget(self.entry_due)
        when.addStretch(1)
        when.addWidget(self.add_entry_button)
        form.addRow(a11y.tie(QLabel(_("Due")), self.entry_due), when)
        self.cancel_edit_button = QPushButton(_("Cancel the correction"))
        self.cancel_edit_button.setObjectName("cancel_edit")
        self.cancel_edit_button.setVisible(False)
        when.addWidget(self.cancel_edit_button)
        layout.addLayout(form)
        layout.addWidget(self.entry_error)
        self.entries = QListWidget()
        self.entries.setObjectName("entries")
        a11y.name(self.entries, _("Minutes so far"))
        self.entries.setWordWrap(True)
        layout.addWidget(self.entries, 1)
        actions = QHBoxLayout()
        self.edit_entry_button = QPushButton(_("Correct the selected entry"))
        self.edit_entry_button.setObjectName("edit_entry")
        self.delete_entry_button = QPushButton(_("Delete the selected entry"))
        self.delete_entry_button.setObjectName("delete_entry")
        self.undo_button = QPushButton(_("Undo (Ctrl+Z)"))
        self.undo_button.setObjectName("undo_minutes")
        self.undo_button.setEnabled(False)
        for widget in (self.edit_entry_button, self.delete_entry_button, self.undo_button):
            actions.addWidget(widget)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.add_entry_button.clicked.connect(self.add_entry)
        self.cancel_edit_button.clicked.connect(self.cancel_edit)
        self.edit_entry_button.clicked.connect(self.edit_selected_entry)
        self.delete_entry_button.clicked.connect(self.delete_selected_entry)
        self.undo_button.clicked.connect(self.undo)
        self.entries.itemActivated.connect(lambda _item: self.edit_selected_entry())
        for field in (self.entry_text, self.entry_owner):
            field.returnPressed.connect(self.add_entry)
        party_line = self.entry_party.lineEdit()
        assert party_line is not None
        party_line.returnPressed.connect(self.add_entry)
        return box

    def _attendance_box(self) -> QGroupBox:
        box = QGroupBox(_("Attendance"))
        layout = QVBoxLayout(box)
        self.attendance = QTableWidget(0, 2)
        self.attendance.setObjectName("attendance")
        self.attendance.setHorizontalHeaderLabels([_("Name"), _("This case")])
        self.attendance.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.attendance.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.attendance.verticalHeader().setVisible(False)
        self.attendance.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch)
        self.attendance.setWordWrap(True)
        layout.addWidget(self.attendance, 1)
        form = QFormLayout()
        # A contact person of an invited party fills the three fields; or type them.
        self.person_contact = QComboBox()
        self.person_contact.setObjectName("person_contact")
        # Long "name (party, function)" lines must not squeeze the form's labels.
        self.person_contact.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.person_contact.setMinimumContentsLength(12)
        self.person_name = QLineEdit()
        self.person_name.setObjectName("person_name")
        self.person_party = PartyBox(_("(choose a party)"))
        self.person_party.setObjectName("person_party")
        self.person_function = QLineEdit()
        self.person_function.setObjectName("person_function")
        self._fill_person_choices()
        form.addRow(a11y.tie(QLabel(_("Contact")), self.person_contact), self.person_contact)
        form.addRow(a11y.tie(QLabel(_("Name")), self.person_name), self.person_name)
        form.addRow(a11y.tie(QLabel(_("Party")), self.person_party), self.person_party)
        form.addRow(a11y.tie(QLabel(_("Function")), self.person_function),
                    self.person_function)
        layout.addLayout(form)
        self.person_contact.activated.connect(self._contact_chosen)
        for field in (self.person_name, self.person_function):
            field.returnPressed.connect(self.add_person)
        person_party_line = self.person_party.lineEdit()
        assert person_party_line is not None
        person_party_line.returnPressed.connect(self.add_person)
        self.add_person_button = QPushButton(_("Add and show the statement"))
        self.add_person_button.setObjectName("add_person")
        self.person_error = QLabel("")
        self.person_error.setObjectName("person_error")
        self.person_error.setStyleSheet(a11y.error_style())
        self.person_error.setWordWrap(True)
        buttons = QVBoxLayout()
        self.accept_button = QPushButton(_("Accepts confidentiality"))
        self.accept_button.setObjectName("accept")
        self.left_button = QPushButton(_("Has left"))
        self.left_button.setObjectName("left")
        self.absent_button = QPushButton(_("Absent for this case"))
        self.absent_button.setObjectName("absent")
        self.remove_person_button = QPushButton(_("Remove (entered by mistake)"))
        self.remove_person_button.setObjectName("remove_person")
        for widget in (self.accept_button, self.left_button, self.absent_button,
                       self.remove_person_button):
            buttons.addWidget(widget)
        # absent for one case is the process director's call (the matrix row of
        # meeting_live.set_absent_for_item): not offered to a role without it
        self.absent_button.setVisible(allowed(self.vault.actor.role,
                                              "meeting_live.set_absent_for_item"))
        layout.addWidget(self.add_person_button)
        layout.addWidget(self.person_error)
        layout.addLayout(buttons)
        self.attendance.installEventFilter(self)
        self.add_person_button.clicked.connect(self.add_person)
        self.accept_button.clicked.connect(self.accept_selected)
        self.left_button.clicked.connect(self.selected_left)
        self.absent_button.clicked.connect(self.selected_absent)
        self.remove_person_button.clicked.connect(self.remove_selected_person)
        return box

    def _invited_parties(self) -> list[tuple[int, str]]:
        """The parties invited to any case of this meeting, by name."""
        invited = {p for item in self.room.meeting.items for p in item.invited}
        names = self.room.party_names
        return sorted(((p, names.get(p, f"#{p}")) for p in invited),
                      key=lambda pair: pair[1].casefold())

    def _fill_person_choices(self) -> None:
        parties = self._invited_parties()
        self.person_party.set_parties(parties)
        self.person_contact.clear()
        self.person_contact.addItem(_("(type the name below)"), None)
        for party_id, party in parties:
            for contact in party_service.contacts(self.vault, party_id):
                label = f"{contact.name} ({party}" + (
                    f", {contact.function})" if contact.function else ")")
                self.person_contact.addItem(label, (contact.name, party_id,
                                                    contact.function))

    def _contact_chosen(self, index: int) -> None:
        chosen = self.person_contact.itemData(index)
        if not chosen:
            return
        name, party_id, function = chosen
        self.person_name.setText(name)
        self.person_party.setCurrentIndex(self.person_party.findData(party_id))
        self.person_function.setText(function)
        self.person_function.setFocus()

    def _shortcuts(self) -> None:
        def bind(keys: str, handler: Callable[[], object]) -> None:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(handler)

        bind("Ctrl+Right", self.next_item)
        bind("PgDown", self.next_item)
        bind("Ctrl+Left", self.previous_item)
        bind("PgUp", self.previous_item)
        bind("Ctrl+B", self.toggle_blank)
        bind("Ctrl+N", self.new_agreement)
        bind("Ctrl+Z", self.undo)

    # -- navigation ------------------------------------------------------------------

    def _fill_agenda(self) -> None:
        self.agenda.blockSignals(True)
        self.agenda.clear()
        for item, start in zip(self.room.meeting.items, self.room.meeting.item_starts()):
            self.agenda.addItem(f"{format_time(start)} \u00b7 {item.duration_minutes} min\n"
                                f"{item.case_number}\n{item.subject_initials}")
        self.agenda.blockSignals(False)

    def _agenda_clicked(self, row: int) -> None:
        if 0 <= row < len(self.room.meeting.items) and row != self._row():
            self.go_to(row)

    def _row(self) -> int:
        ids = [i.id for i in self.room.meeting.items]
        return ids.index(self.current) if self.current in ids else -1

    def go_to(self, row: int) -> None:
        items = self.room.meeting.items
        if not 0 <= row < len(items):
            return
        self.save_draft()
        item = items[row]
        try:
            live_svc.start_item(self.vault, item.id)
        except CasuskamerError as exc:
            dialogs.error(self, _("Case meeting"), str(exc))
            return
        self.current = item.id
        changes.announce(item.case_number)   # under discussion; the one before it finished
        self.room = room_service.refresh(self.vault, self.room)
        self.agenda.blockSignals(True)
        self.agenda.setCurrentRow(row)
        self.agenda.blockSignals(False)
        self._fill_parties_for_minutes()
        self._fill_entries()
        self.recompute()

    def next_item(self) -> None:
        self.go_to(self._row() + 1)

    def previous_item(self) -> None:
        self.go_to(self._row() - 1)

    # -- the two screens ---------------------------------------------------------------

    def recompute(self) -> None:
        """Recompute the director's and the meeting-room screen from the room as it is."""
        if self.current is None:
            screen = room_service.room_view(self.room, None)
            self.room_window.show_view(screen)
            self.room_state.setText(screen.status.text)
            self._fill_blockers(())
            return
        view = room_service.director_view(self.room, self.current, blanked=self.blanked)
        s = view.summary
        self.summary.setText("{position}. {number} \u00b7 {initials}\n{goal}\n{themes} \u00b7 "
                             "{types}\n{invited_label} {invited}".format(
                                 position=s.position, number=s.case_number,
                                 initials=s.subject_initials, goal=s.goal,
                                 themes=", ".join(s.themes), types=", ".join(s.decision_types),
                                 invited_label=_("Invited:"), invited=", ".join(s.invited)))
        # issue 24: whether the subjects were informed, or the ground not to (read only)
        from app.services.referral_contacts import informing_summary

        informed = informing_summary(self.vault, s.case_number)
        if informed:
            self.summary.setText(self.summary.text() + "\n" + _("Subjects informed: {lines}")
                                 .format(lines="; ".join(informed)))
        # One status, computed once by the service: the room window shows this same view.
        screen = room_service.room_view(self.room, self.current, blanked=self.blanked)
        self.room_state.setText(screen.status.text)
        self.room_state.setStyleSheet("" if screen.status.showing else a11y.error_style())
        self.items.setRowCount(len(view.items))
        for row, shown in enumerate(view.items):
            text = shown.text
            if shown.use_restriction:
                text += "\n" + _("Use restriction: {restriction}").format(
                    restriction=shown.use_restriction)
            # The service's words: "on the screen" only when the room shows it.
            cells = [text, shown.source_party, shown.room_text, shown.mark_text]
            for column, value in enumerate(cells):
                cell = QTableWidgetItem(value)
                if column == 2:
                    cell.setForeground(Qt.GlobalColor.darkGreen if shown.on_room_screen
                                       else Qt.GlobalColor.darkRed)
                self.items.setItem(row, column, cell)
        self.items.resizeRowsToContents()
        self._fill_blockers(view.blockers)
        self._fill_attendance(view)
        self.room_window.show_view(screen)
        self._update_timer()

    def _fill_attendance(self, view: room_service.DirectorView) -> None:
        self.attendance.setRowCount(len(view.presence))
        for row, line in enumerate(view.presence):
            attendee = self.room.attendees[row]
            accepted = (_("Confidentiality accepted {time}").format(
                time=format_time(attendee.confidentiality_accepted_at, seconds=True))
                if attendee.confidentiality_accepted_at
                else _("Confidentiality not yet accepted"))
            person = f"{line.name}\n{line.function} \u00b7 {line.party}"
            here = "{state}\n{accepted}".format(state=line.absent_label or _("Present"),
                                                accepted=accepted)
            if line.blocks:
                here += "\n" + _("Keeps the meeting-room screen empty: {reasons}").format(
                    reasons=line.blocks)
            for column, value in enumerate((person, here)):
                cell = QTableWidgetItem(value)
                cell.setData(Qt.ItemDataRole.UserRole, line.attendee_id)
                if column == 1 and (line.absent is not None or not line.accepted
                                    or line.blocks):
                    cell.setForeground(Qt.GlobalColor.darkRed)
                self.attendance.setItem(row, column, cell)
        self.attendance.resizeRowsToContents()

    def _fill_blockers(self, blockers: tuple[room_service.Blocker, ...]) -> None:
        """The people who keep the room screen empty; the selection stays on the same
        person, else on the first."""
        selected = self.blockers.currentItem()
        keep = selected.data(Qt.ItemDataRole.UserRole) if selected is not None else None
        had_focus = self.blockers.hasFocus() or self.blocker_left_button.hasFocus()
        self.blockers.clear()
        row_to_select = 0
        for row, blocker in enumerate(blockers):
            entry = QListWidgetItem(blocker.text)
            entry.setData(Qt.ItemDataRole.UserRole, blocker.attendee_id)
            self.blockers.addItem(entry)
            if blocker.attendee_id == keep:
                row_to_select = row
        if blockers:
            self.blockers.setCurrentRow(row_to_select)
            # As high as its lines, up to the cap: no empty band under one person.
            rows = sum(self.blockers.sizeHintForRow(r) for r in range(self.blockers.count()))
            self.blockers.setFixedHeight(min(rows + 2 * self.blockers.frameWidth() + 4,
                                             self.BLOCKERS_MAX_HEIGHT))
        self.blocker_box.setVisible(bool(blockers))
        if had_focus and not blockers:
            # The box went away with the focus in it: keep the keyboard in the attendance.
            self.attendance.setFocus()

    def mark_blocker_left(self) -> None:
        """Record that the selected blocking person has left the meeting."""
        entry = self.blockers.currentItem()
        if entry is None:
            return
        try:
            live_svc.attendee_left(self.vault, int(entry.data(Qt.ItemDataRole.UserRole)))
        except CasuskamerError as exc:
            dialogs.error(self, _("Case meeting"), str(exc))
            return
        self._after_attendance_change()

    def toggle_blank(self) -> None:
        self.blanked = not self.blanked
        self.blank_button.setChecked(self.blanked)
        # Blank first, everything else after: the screen must go dark at once.
        self.room_window.show_view(room_service.room_view(self.room, self.current,
                                                          blanked=self.blanked))
        self.recompute()

    def show_room_screen(self) -> None:
        screens = MeetingRoomWindow.screens()
        index = self.screen_choice.currentIndex()
        self.room_window.show_on(screens[index] if 0 <= index < len(screens) else None)
        self.recompute()

    def _update_timer(self) -> None:
        item = self.room.meeting.item(self.current) if self.current is not None else None
        if item is None:
            self.timer_label.setText("")
            return
        timer = item_timer(item, datetime.now())
        self.timer_label.setText(timer.text())
        self.timer_label.setStyleSheet("font-size: 13pt; font-weight: bold; color: {c};".format(
            c=a11y.error_colour() if timer.overrun else "palette(text)"))

    # -- attendance ------------------------------------------------------------------

    def _after_attendance_change(self) -> None:
        self.room = room_service.refresh(self.vault, self.room)
        self.recompute()

    def add_person(self) -> None:
        self.person_error.setText("")
        try:
            attendee_id = live_svc.add_attendee(self.vault, self.meeting_id,
                                                self.person_name.text(),
                                                self.person_party.party_id(),
                                                self.person_function.text())
        except CasuskamerError as exc:
            self.person_error.setText(_message(exc))
            return
        # Every field empty again, so the next person starts clean.
        self.person_name.clear()
        self.person_function.clear()
        self.person_party.reset_choice()
        self.person_contact.setCurrentIndex(0)
        self._ask_confidentiality(attendee_id)
        self._after_attendance_change()
        self.person_name.setFocus()

    def remove_selected_person(self) -> None:
        """Take a mistyped person off the list (not "has left": they were never here)."""
        attendee_id = self._selected_attendee()
        person = next((a for a in self.room.attendees if a.id == attendee_id), None)
        if person is None:
            return
        if not dialogs.confirm(self, _("Remove from the attendance"),
                               _("Remove {name} from the attendance list? Use this for a "
                                 "person entered by mistake; for someone who went away, use "
                                 "'Has left'.").format(name=person.name),
                               yes_label=_("Remove"), destructive=True):
            return
        try:
            live_svc.remove_attendee(self.vault, person.id)
        except CasuskamerError as exc:
            dialogs.error(self, _("Case meeting"), str(exc))
            return
        self._after_attendance_change()

    def _ask_confidentiality(self, attendee_id: int) -> None:
        if dialogs.confirm(self, _("Confidentiality statement"), confidentiality_statement(),
                           yes_label=_("Accept")):
            live_svc.accept_confidentiality(self.vault, attendee_id)

    def _selected_attendee(self) -> int | None:
        row = self.attendance.currentRow()
        cell = self.attendance.item(row, 0) if row >= 0 else None
        return int(cell.data(Qt.ItemDataRole.UserRole)) if cell is not None else None

    def select_attendee(self, attendee_id: int) -> None:
        for row in range(self.attendance.rowCount()):
            cell = self.attendance.item(row, 0)
            if cell is not None and int(cell.data(Qt.ItemDataRole.UserRole)) == attendee_id:
                self.attendance.selectRow(row)
                return

    def accept_selected(self) -> None:
        attendee_id = self._selected_attendee()
        if attendee_id is not None:
            self._ask_confidentiality(attendee_id)
            self._after_attendance_change()

    def selected_left(self) -> None:
        attendee_id = self._selected_attendee()
        if attendee_id is not None:
            gone = next((a for a in self.room.attendees if a.id == attendee_id), None)
            live_svc.attendee_left(self.vault, attendee_id,
                              returned=gone is not None and gone.left_at is not None)
            self._after_attendance_change()

    def selected_absent(self) -> None:
        attendee_id = self._selected_attendee()
        if attendee_id is not None and self.current is not None:
            person = next(a for a in self.room.attendees if a.id == attendee_id)
            live_svc.set_absent_for_item(self.vault, attendee_id, self.current,
                                    self.current not in person.absent_items)
            self._after_attendance_change()

    # -- minutes -----------------------------------------------------------------------

    def _fill_parties_for_minutes(self) -> None:
        item = self.room.meeting.item(self.current) if self.current is not None else None
        names = self.room.party_names
        invited = sorted(item.invited, key=lambda p: names.get(p, "").casefold()) \
            if item is not None else []
        self.entry_party.set_parties([(p, names.get(p, f"#{p}")) for p in invited])

    def _fill_entries(self) -> None:
        self.entries.clear()
        self.entry_values = {}
        if self.current is None:
            return
        names = self.room.party_names
        for entry in minutes_svc.entries(self.vault, self.current):
            parts = [entry.kind.label, entry.text]
            if entry.party_id is not None:
                parts.append(names.get(entry.party_id, ""))
            if entry.owner:
                parts.append(entry.owner)
            if entry.due:
                parts.append(format_date(entry.due))
            line = QListWidgetItem(" \u00b7 ".join(p for p in parts if p))
            line.setData(Qt.ItemDataRole.UserRole, entry.id)
            self.entries.addItem(line)
            self.entry_values[entry.id] = entry

    def new_agreement(self) -> None:
        self.entry_kind.setCurrentIndex(self.entry_kind.findData(EntryKind.ACTION.value))
        self.entry_text.setFocus()
        self.entry_text.selectAll()

    def _entry_input(self) -> EntryInput:
        due: date | None = None
        kind = EntryKind(self.entry_kind.currentData())
        if kind is EntryKind.ACTION:
            if self.entry_due.error():
                raise ValidationError(self.entry_due.error(), field="due")
            due = self.entry_due.date()
        return EntryInput(kind, self.entry_text.text(), self.entry_party.party_id(),
                          self.entry_owner.text(), due)

    def _clear_entry_form(self) -> None:
        """Every field of the form empty again (the party too: the next decision is not
        stored with the previous action's party)."""
        self.entry_text.clear()
        self.entry_owner.clear()
        self.entry_party.reset_choice()
        self.entry_due.setDate(date.today() + timedelta(days=14))
        self.editing = None
        self.add_entry_button.setText(_("Add to the minutes"))
        self.cancel_edit_button.setVisible(False)

    def add_entry(self) -> None:
        """Add the entry in the form (or, while correcting one, store the correction)."""
        if self.current is None:
            return
        self.entry_error.setText("")
        try:
            entry = self._entry_input()
            if self.editing is not None:
                before = self.entry_values[self.editing]
                stored = minutes_svc.edit_entry(self.vault, self.editing, entry,
                                                version=before.version)
                self.own_versions[stored.id] = stored.version
                self._push_undo("edit", self.editing, before)
            else:
                added = minutes_svc.add_entry(self.vault, self.current, entry)
                self.own_versions[added.id] = added.version
                self._push_undo("add", added.id, None)
        except EditConflict as exc:
            self._conflict(exc)
            return
        except CasuskamerError as exc:
            self.entry_error.setText(_message(exc))
            return
        self._clear_entry_form()
        self._fill_entries()
        self.save_draft()
        self.entry_text.setFocus()

    def _conflict(self, conflict: EditConflict) -> None:
        """Another session corrected the entry since this window read it (issue 22, point
        4): nothing was written. Say who and when; Reload shows the entries as they are now
        and keeps what is in the form (a correction stored then replaces the colleague's,
        as a choice made on what is there); Keep changes nothing on screen."""
        self.entry_error.setText(_message(conflict))
        if offer_reload(self, _("Live minutes"), conflict):
            self._fill_entries()
            if self.editing is not None and self.editing not in self.entry_values:
                # removed by the colleague: what is in the form can be added anew
                self.editing = None
                self.add_entry_button.setText(_("Add to the minutes"))
                self.cancel_edit_button.setVisible(False)
            self.entry_error.setText(_(
                "The list shows the entries as they are now; what you typed is still in the "
                "form."))

    def _selected_entry(self) -> MinutesEntry | None:
        line = self.entries.currentItem()
        if line is None:
            return None
        return self.entry_values.get(int(line.data(Qt.ItemDataRole.UserRole)))

    def edit_selected_entry(self) -> None:
        """Put the selected entry into the form to correct it; Add stores the correction."""
        entry = self._selected_entry()
        if entry is None:
            return
        self.editing = entry.id
        self.entry_kind.setCurrentIndex(self.entry_kind.findData(entry.kind.value))
        self.entry_text.setText(entry.text)
        if entry.party_id is not None:
            self.entry_party.setCurrentIndex(self.entry_party.findData(entry.party_id))
        else:
            self.entry_party.reset_choice()
        self.entry_owner.setText(entry.owner)
        if entry.due is not None:
            self.entry_due.setDate(entry.due)
        self.add_entry_button.setText(_("Store the correction"))
        self.cancel_edit_button.setVisible(True)
        self.entry_error.setText("")
        self.entry_text.setFocus()

    def cancel_edit(self) -> None:
        self._clear_entry_form()
        self.entry_error.setText("")

    def delete_selected_entry(self) -> None:
        entry = self._selected_entry()
        if entry is None:
            return
        try:
            minutes_svc.remove_entry(self.vault, entry.id, version=entry.version)
        except EditConflict as exc:
            self._conflict(exc)
            return
        except CasuskamerError as exc:
            self.entry_error.setText(_message(exc))
            return
        if self.editing == entry.id:
            self._clear_entry_form()
        self._push_undo("delete", entry.id, entry)
        self._fill_entries()

    def _push_undo(self, action: str, entry_id: int, before: MinutesEntry | None) -> None:
        self.undo_stack.append((action, entry_id, before))
        self.undo_button.setEnabled(True)

    def undo(self) -> None:
        """Undo the last change to the minutes (Ctrl+Z; until the meeting ends)."""
        if not self.undo_stack:
            return
        action, entry_id, before = self.undo_stack.pop()
        self.undo_button.setEnabled(bool(self.undo_stack))
        self.entry_error.setText("")
        try:
            if action == "add":
                minutes_svc.remove_entry(self.vault, entry_id,
                                         version=self.own_versions.get(entry_id))
            elif before is not None:
                again = EntryInput(before.kind, before.text, before.party_id, before.owner,
                                   before.due)
                if action == "edit":
                    undone = minutes_svc.edit_entry(
                        self.vault, entry_id, again, version=self.own_versions.get(entry_id),
                        today=min(date.today(), before.due or date.today()))
                    self.own_versions[entry_id] = undone.version
                else:
                    restored = minutes_svc.add_entry(self.vault, before.agenda_item_id, again,
                                             today=min(date.today(),
                                                       before.due or date.today()))
                    # Older steps name the entry by its id: it has a new one now.
                    self.undo_stack = [(a, restored.id if i == entry_id else i, b)
                                       for a, i, b in self.undo_stack]
                    self.own_versions[restored.id] = restored.version
        except EditConflict as exc:
            # a colleague changed the entry since: undoing would overwrite that; the step
            # is dropped, nothing written
            self._conflict(exc)
            return
        except CasuskamerError as exc:
            self.entry_error.setText(_message(exc))
            return
        if self.editing == entry_id:
            self._clear_entry_form()
        if before is not None and before.agenda_item_id != self.current:
            ids = [i.id for i in self.room.meeting.items]
            if before.agenda_item_id in ids:
                self.go_to(ids.index(before.agenda_item_id))
                return
        self._fill_entries()

    @property
    def has_unsaved_minutes(self) -> bool:
        return bool(self.entry_text.text().strip() or self.entry_owner.text().strip())

    # -- drafts, lock, closing -------------------------------------------------------------

    def _payload(self) -> dict[str, object]:
        return {"item": self.current, "kind": self.entry_kind.currentData(),
                "text": self.entry_text.text(), "party": self.entry_party.currentData(),
                "owner": self.entry_owner.text(),
                "due": (due.isoformat() if (due := self.entry_due.date()) is not None
                        else self.entry_due.text())}

    def save_draft(self) -> None:
        """Save what is being typed (autosave every few seconds, and on lock)."""
        if not self.vault.is_open:
            return
        payload = self._payload()
        if payload == self._saved_payload:
            return
        minutes_svc.save_live_draft(self.vault, self.meeting_id, payload)
        self._saved_payload = payload

    def _restore_draft(self) -> None:
        self._saved_payload = None
        draft = minutes_svc.load_live_draft(self.vault, self.meeting_id)
        if not draft:
            return
        ids = [i.id for i in self.room.meeting.items]
        if draft.get("item") in ids:
            self.go_to(ids.index(int(draft["item"])))
        index = self.entry_kind.findData(draft.get("kind"))
        if index >= 0:
            self.entry_kind.setCurrentIndex(index)
        self.entry_text.setText(str(draft.get("text", "")))
        index = self.entry_party.findData(draft.get("party"))
        if index >= 0:
            self.entry_party.setCurrentIndex(index)
        self.entry_owner.setText(str(draft.get("owner", "")))
        if draft.get("due"):
            self.entry_due.setText(str(draft["due"]))
            self.entry_due.normalise()

    def end_meeting(self) -> None:
        if not dialogs.confirm(self, _("End meeting"),
                               _("End the meeting? The minutes of every case discussed are "
                                 "stored with the case and the agreements go into the plan "
                                 "of action."), yes_label=_("End meeting")):
            return
        try:
            minutes_svc.end_meeting(self.vault, self.meeting_id)
        except CasuskamerError as exc:
            dialogs.error(self, _("End meeting"), str(exc))
            return
        changes.announce()   # minutes stored, agreements in the plans, cases moved on
        self.undo_stack.clear()
        self.entry_text.clear()
        self.entry_owner.clear()
        self._ended = True
        self.close()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_B and not event.modifiers()):
            self.toggle_blank()
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Reached only when no text field took the key: B blanks the room screen.
        if event.key() == Qt.Key.Key_B and not event.modifiers():
            self.toggle_blank()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if (self.vault.is_open and not getattr(self, "_ended", False)
                and self.has_unsaved_minutes
                and not dialogs.confirm(self, _("Close live mode"),
                                        _("The entry being typed has not been added to the "
                                          "minutes. Close anyway? It stays saved as a draft."),
                                        yes_label=_("Close"))):
            event.ignore()
            return
        if not getattr(self, "_cleared", False):
            self.save_draft()
        self.tick.stop()
        self.autosave.stop()
        self.room_window.close()
        super().closeEvent(event)

    def clear(self) -> None:
        """Drop every piece of personal data (on lock)."""
        self._cleared = True
        self.tick.stop()
        self.autosave.stop()
        self.room.clear()
        self.room_window.clear()
        self.room_window.close()
        for widget in (self.summary, self.room_state, self.timer_label):
            widget.clear()
        for table in (self.items, self.attendance):
            table.setRowCount(0)
        self.entries.clear()
        self.blockers.clear()
        self.blocker_box.setVisible(False)
        self.agenda.clear()
        self.entry_text.clear()
        self.entry_owner.clear()
        self.person_name.clear()
        self.person_function.clear()
        self.person_contact.clear()
        self.person_party.clear()
        self.entry_party.clear()
        self.entry_values = {}
        self.undo_stack.clear()
