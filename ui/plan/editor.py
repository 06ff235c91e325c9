"""The plan-of-action editor for one case: case coordinator, goals per life domain, actions
(party, description, owner, due date, status, limited-to parties, progress notes), the
information need per party, closure criteria, the next meeting, and the history of versions.

The widget only shows and collects; ``app.services.plan`` checks and saves (one version per
save). It takes the ``OpenVault`` in its constructor and forgets everything on ``clear()``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.life_domains import LIFE_DOMAINS, LifeDomain
from app.domain.meetings import meeting_name
from app.domain.plan import (
    Action,
    ActionPlan,
    ActionStatus,
    CaseCoordinator,
    Goal,
    InformationNeed,
    ProgressNote,
    new_key,
    rebase,
    snapshot,
)
from app.errors import CasuskamerError, EditConflict
from app.formatting import format_moment
from app.i18n import _
from app.services import meetings as meeting_service
from app.services import plan as plan_service
from app.vault.vault import OpenVault
from ui import a11y, dialogs
from ui.date_edit import DateEdit
from ui.edit_conflict import offer_reload

KEY_ROLE = Qt.ItemDataRole.UserRole


def _date_edit(value: date | None) -> DateEdit:
    """A date that may stay empty (no due date, no next meeting): dd-mm-jjjj or a calendar."""
    return DateEdit(value)


class PlanEditor(QWidget):
    """Edit and save the plan of one case. ``load(number)`` then ``save()``."""

    def __init__(self, vault: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.case_number: str | None = None
        #: the plan the form is based on (its version is the one a save builds on)
        self.plan: ActionPlan | None = None
        #: the plan as last saved, to tell whether the form holds unsaved changes
        self._saved: ActionPlan | None = None
        #: the form's content with nothing changed; None while it holds unsaved edits
        self._baseline: dict[str, object] | None = None
        self.parties: list[tuple[int, str]] = []
        #: notes and limits of actions, by key (edited through the buttons, not the grid)
        self._notes: dict[str, tuple[ProgressNote, ...]] = {}
        self._limits: dict[str, frozenset[int]] = {}

        self.title = QLabel()
        self.title.setObjectName("planTitle")
        self.coordinator_party = QComboBox()
        self.coordinator_person = QLineEdit()
        self.coordinator_person.setPlaceholderText(_("Name of the case coordinator"))
        coordinator = QHBoxLayout()
        coordinator.addWidget(a11y.tie(QLabel(_("Part&y:")), self.coordinator_party))
        coordinator.addWidget(self.coordinator_party, 1)
        coordinator.addWidget(a11y.tie(QLabel(_("&Name:")), self.coordinator_person))
        coordinator.addWidget(self.coordinator_person, 1)

        self.goals = QTableWidget(0, 2)
        self.goals.setHorizontalHeaderLabels([_("Life domain"), _("Goal")])
        self.action_table = QTableWidget(0, 6)
        self.action_table.setHorizontalHeaderLabels([_("Party"), _("Action"), _("Owner"), _("Due"),
                                                _("Status"), _("Only for")])
        self.needs = QTableWidget(0, 2)
        self.needs.setHorizontalHeaderLabels([_("Party"), _("Needs to know")])
        for table in (self.goals, self.action_table, self.needs):
            table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.verticalHeader().setVisible(False)

        self.add_goal_button = QPushButton(_("Add goal"))
        self.remove_goal_button = QPushButton(_("Remove goal"))
        self.add_action_button = QPushButton(_("Add action"))
        self.remove_action_button = QPushButton(_("Remove action"))
        self.note_button = QPushButton(_("Add progress note\u2026"))
        self.limit_button = QPushButton(_("Limit to parties\u2026"))
        self.add_need_button = QPushButton(_("Add information need"))
        self.remove_need_button = QPushButton(_("Remove information need"))
        self.add_goal_button.clicked.connect(lambda: self._add_goal(None))
        self.remove_goal_button.clicked.connect(lambda: self._remove_row(self.goals))
        self.add_action_button.clicked.connect(lambda: self._add_action(None))
        self.remove_action_button.clicked.connect(lambda: self._remove_row(self.action_table))
        self.note_button.clicked.connect(self._ask_note)
        self.limit_button.clicked.connect(self._ask_limit)
        self.add_need_button.clicked.connect(lambda: self._add_need(None))
        self.remove_need_button.clicked.connect(lambda: self._remove_row(self.needs))

        self.closure = QPlainTextEdit()
        self.closure.setPlaceholderText(_("When may the case leave the house?"))
        self.next_meeting = _date_edit(None)
        self.next_meeting_note = QLineEdit()
        self.history = QListWidget()
        self.save_button = QPushButton(_("Save plan"))
        self.save_button.setToolTip(_("Save the plan (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        # Ctrl+S saves wherever the focus is in the editor
        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        self.save_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.save_shortcut.activated.connect(self.save)
        self.discard_button = QPushButton(_("Discard restored changes"))
        self.discard_button.clicked.connect(self.discard_restored)
        self.status = QLabel()
        #: shown at the top, where it is seen: edits kept at the last lock are back
        self.notice = QLabel()
        self.notice.setObjectName("planNotice")
        self.notice.setWordWrap(True)

        form = QFormLayout()
        form.addRow(_("Case coordinator"), coordinator)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        restored = QHBoxLayout()
        restored.addWidget(self.notice, 1)
        restored.addWidget(self.discard_button)
        layout.addLayout(restored)
        layout.addLayout(form)
        layout.addWidget(self._group(_("Goals per life domain"), self.goals,
                                     [self.add_goal_button, self.remove_goal_button]))
        layout.addWidget(self._group(_("Actions"), self.action_table,
                                     [self.add_action_button, self.remove_action_button,
                                      self.note_button, self.limit_button]))
        layout.addWidget(self._group(_("Information needs per party"), self.needs,
                                     [self.add_need_button, self.remove_need_button]))
        closing = QFormLayout()
        closing.addRow(_("Closure criteria"), self.closure)
        closing.addRow(_("Next meeting"), self.next_meeting)
        closing.addRow(_("Note on the next meeting"), self.next_meeting_note)
        layout.addLayout(closing)
        layout.addWidget(self._group(_("History"), self.history, []))
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.clear()

    @staticmethod
    def _group(title: str, body: QWidget, buttons: list[QPushButton]) -> QGroupBox:
        box = QGroupBox(title)
        inner = QVBoxLayout(box)
        inner.addWidget(body)
        if buttons:
            row = QHBoxLayout()
            for button in buttons:
                row.addWidget(button)
            row.addStretch(1)
            inner.addLayout(row)
        return box

    # -- filling ---------------------------------------------------------------------

    def clear(self) -> None:
        """Forget the case and every value shown (on lock or when the case closes)."""
        self.case_number = None
        self.plan = None
        self._saved = None
        self._baseline = None
        self.parties = []
        self._notes.clear()
        self._limits.clear()
        self.title.setText(_("No case chosen"))
        self.coordinator_party.clear()
        self.coordinator_person.clear()
        for table in (self.goals, self.action_table, self.needs):
            table.setRowCount(0)
        self.closure.clear()
        self.next_meeting.setDate(None)
        self.next_meeting_note.clear()
        self.history.clear()
        self.status.clear()
        self.notice.clear()
        self.notice.setVisible(False)
        self.discard_button.setVisible(False)
        self.setEnabled(False)

    def load(self, case_number: str, *,
             keep: tuple[ActionPlan, ActionPlan] | None = None) -> None:
        """Show the current plan of a case and its history, with this account's edits kept at
        the last lock put back (if any). With ``keep`` (the plan the form started from, and
        the form's edits) those edits are put on top of the current plan instead."""
        restored_notice = self.notice.text() if keep is not None else ""
        self.clear()
        plan = plan_service.get_plan(self.vault, case_number)
        draft = None if keep is not None else self._restorable(case_number)
        if keep is not None:
            shown = rebase(keep[0], keep[1], plan)
        else:
            shown = draft.plan if draft is not None else plan
        self.parties = plan_service.entitled_parties(self.vault, case_number)
        known = {pid for pid, _name in self.parties}
        names = plan_service.party_name_map(self.vault)
        # Parties already in the plan stay choosable even if they no longer take part.
        self.parties += sorted(((pid, names.get(pid, str(pid)))
                                for pid in plan.party_ids() | shown.party_ids()
                                if pid not in known), key=lambda p: p[1].casefold())
        self.case_number = case_number
        self._saved = plan
        self._fill(shown)
        # taken from the form itself, so the widgets' own handling of text (line breaks)
        # never counts as a change
        self._baseline = snapshot(self.collect()) if shown is plan else None
        if draft is not None:
            when = format_moment(draft.kept_at)
            self._show_notice(
                _("Changes not saved when the program locked ({when}) are back, put on top "
                  "of the newer version {version} saved since. Check them and choose "
                  "\u2018Save plan\u2019 to keep them.").format(when=when, version=plan.version)
                if draft.rebased else
                _("Changes not saved when the program locked ({when}) are back. Choose "
                  "\u2018Save plan\u2019 to keep them.").format(when=when))
        elif restored_notice:
            self._show_notice(restored_notice)
        self._show_history()
        self.setEnabled(True)

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(True)
        self.discard_button.setVisible(True)

    def _fill(self, plan: ActionPlan) -> None:
        self.plan = plan
        assert self.case_number is not None
        self.title.setText(_("Plan of action \u2013 case {number}")
                           .format(number=self.case_number))
        self.coordinator_party.addItem(_("(not appointed)"), None)
        for pid, name in self.parties:
            self.coordinator_party.addItem(name, pid)
        if plan.coordinator:
            self.coordinator_party.setCurrentIndex(
                self.coordinator_party.findData(plan.coordinator.party_id))
            self.coordinator_person.setText(plan.coordinator.person)
        for goal in plan.goals:
            self._add_goal(goal)
        for action in plan.actions:
            self._add_action(action)
        for need in plan.information_needs:
            self._add_need(need)
        self.closure.setPlainText(plan.closure_criteria)
        self.next_meeting.setDate(plan.next_meeting)
        self.next_meeting_note.setText(plan.next_meeting_note)

    def _restorable(self, number: str) -> plan_service.PlanDraft | None:
        """Edits kept at the last lock, if any (already put on top of a newer version)."""
        try:
            return plan_service.load_plan_draft(self.vault, number)
        except CasuskamerError:
            return None  # this role keeps no drafts

    def _date_problem(self) -> str:
        """The first date field holding a text that is no date (its one-line reason)."""
        fields = [self.next_meeting] + [self.action_table.cellWidget(row, 3)
                                        for row in range(self.action_table.rowCount())]
        for field in fields:
            if isinstance(field, DateEdit) and field.error():
                field.setFocus()
                return field.error()
        return ""

    @property
    def has_unsaved_changes(self) -> bool:
        if self._saved is None or self.plan is None:
            return False
        return self._baseline is None or snapshot(self.collect()) != self._baseline

    def save_draft(self) -> None:
        """Keep unsaved edits in the vault when the program locks (they come back on load)."""
        if self.has_unsaved_changes:
            plan_service.save_plan_draft(self.vault, self.collect())

    def discard_restored(self) -> None:
        """Throw away restored edits and show the plan as saved."""
        if self.case_number is None:
            return
        number = self.case_number
        plan_service.discard_plan_draft(self.vault, number)
        self.load(number)

    def discard_unsaved(self) -> None:
        """The user closes without saving: drop the edits and any kept draft of them."""
        if self.case_number is not None:
            plan_service.discard_plan_draft(self.vault, self.case_number)
        self.clear()

    def _show_history(self) -> None:
        self.history.clear()
        if self.case_number is None:
            return
        versions = plan_service.history(self.vault, self.case_number)
        # A version made by a meeting names it by date, time and place, not its number.
        meetings = ({m.id: meeting_name(m.starts_at, m.place)
                     for m in meeting_service.list_meetings(self.vault)}
                    if any(v.meeting_id is not None for v in versions) else {})
        for version in reversed(versions):
            head = _("Version {version}, {when}, {who}").format(
                version=version.version, when=format_moment(version.saved_at),
                who=version.saved_by)
            if version.meeting_id is not None and version.meeting_id in meetings:
                head += " \u00b7 " + meetings[version.meeting_id]
            self.history.addItem(head + "\n  " + "\n  ".join(version.changes or ["\u2013"]))

    def _party_combo(self, selected: int | None) -> QComboBox:
        combo = QComboBox()
        for pid, name in self.parties:
            combo.addItem(name, pid)
        if selected is not None:
            combo.setCurrentIndex(max(0, combo.findData(selected)))
        return combo

    def _add_goal(self, goal: Goal | None) -> None:
        row = self.goals.rowCount()
        self.goals.insertRow(row)
        domain = QComboBox()
        for value in LIFE_DOMAINS:
            domain.addItem(value.label, value.value)
        if goal:
            domain.setCurrentIndex(domain.findData(goal.life_domain.value))
        self.goals.setCellWidget(row, 0, domain)
        item = QTableWidgetItem(goal.description if goal else "")
        item.setData(KEY_ROLE, goal.key if goal else new_key())
        self.goals.setItem(row, 1, item)

    def _add_action(self, action: Action | None) -> None:
        row = self.action_table.rowCount()
        self.action_table.insertRow(row)
        key = action.key if action else new_key()
        self.action_table.setCellWidget(row, 0,
                                        self._party_combo(action.party_id if action else None))
        text = QTableWidgetItem(action.description if action else "")
        text.setData(KEY_ROLE, key)
        self.action_table.setItem(row, 1, text)
        self.action_table.setItem(row, 2, QTableWidgetItem(action.owner if action else ""))
        self.action_table.setCellWidget(row, 3, _date_edit(action.due if action else None))
        status = QComboBox()
        for value in ActionStatus:
            status.addItem(value.label, value.value)
        status.setCurrentIndex(status.findData((action.status if action
                                                else ActionStatus.OPEN).value))
        self.action_table.setCellWidget(row, 4, status)
        self._notes[key] = action.notes if action else ()
        self._limits[key] = action.limited_to if action else frozenset()
        limit = QTableWidgetItem(self._limit_text(key))
        limit.setFlags(limit.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.action_table.setItem(row, 5, limit)

    def _add_need(self, need: InformationNeed | None) -> None:
        row = self.needs.rowCount()
        self.needs.insertRow(row)
        self.needs.setCellWidget(row, 0, self._party_combo(need.party_id if need else None))
        item = QTableWidgetItem(need.description if need else "")
        item.setData(KEY_ROLE, need.key if need else new_key())
        self.needs.setItem(row, 1, item)

    def _limit_text(self, key: str) -> str:
        limits = self._limits.get(key, frozenset())
        if not limits:
            return _("every invited party")
        names = dict(self.parties)
        return ", ".join(sorted(names.get(p, str(p)) for p in limits))

    @staticmethod
    def _remove_row(table: QTableWidget) -> None:
        row = table.currentRow()
        if row >= 0:
            table.removeRow(row)

    def _current_action_key(self) -> str | None:
        row = self.action_table.currentRow()
        if row < 0:
            return None
        item = self.action_table.item(row, 1)
        return str(item.data(KEY_ROLE)) if item is not None else None

    def _ask_note(self) -> None:
        key = self._current_action_key()
        if key is None or self.case_number is None:
            return
        text, ok = QInputDialog.getMultiLineText(self, _("Progress note"), _("What happened?"))
        if ok and text.strip():
            self.add_progress_note(key, text)

    def add_progress_note(self, key: str, text: str) -> None:
        """Record a note on an action at once (its own version of the plan); edits in the
        form that are not saved yet stay in the form, on top of that new version."""
        assert self.case_number is not None and self._saved is not None
        keep = (self._saved, self.collect()) if self.has_unsaved_changes else None
        try:
            plan_service.add_progress_note(self.vault, self.case_number, key, text)
        except CasuskamerError as exc:
            dialogs.error(self, _("Progress note"), str(exc))
            return
        self.load(self.case_number, keep=keep)

    def _ask_limit(self) -> None:
        key = self._current_action_key()
        if key is None:
            return
        dialog = LimitDialog(self.parties, self._limits.get(key, frozenset()), self)
        if dialog.exec():
            self.set_limit(key, dialog.chosen())

    def set_limit(self, key: str, parties: frozenset[int]) -> None:
        self._limits[key] = parties
        for row in range(self.action_table.rowCount()):
            item = self.action_table.item(row, 1)
            if item is not None and item.data(KEY_ROLE) == key:
                cell = self.action_table.item(row, 5)
                if cell is not None:
                    cell.setText(self._limit_text(key))

    # -- saving ----------------------------------------------------------------------

    def _text(self, table: QTableWidget, row: int, column: int) -> str:
        item = table.item(row, column)
        return item.text() if item is not None else ""

    def collect(self) -> ActionPlan:
        """The plan as the form shows it."""
        assert self.plan is not None
        goals = []
        for row in range(self.goals.rowCount()):
            domain = self.goals.cellWidget(row, 0)
            item = self.goals.item(row, 1)
            assert isinstance(domain, QComboBox) and item is not None
            goals.append(Goal(str(item.data(KEY_ROLE)), LifeDomain(domain.currentData()),
                              item.text()))
        goal_keys = {g.key for g in goals}
        previous = {a.key: a for a in self.plan.actions}
        actions = []
        for row in range(self.action_table.rowCount()):
            party = self.action_table.cellWidget(row, 0)
            item = self.action_table.item(row, 1)
            due = self.action_table.cellWidget(row, 3)
            status = self.action_table.cellWidget(row, 4)
            assert isinstance(party, QComboBox) and isinstance(due, DateEdit)
            assert isinstance(status, QComboBox) and item is not None
            key = str(item.data(KEY_ROLE))
            old = previous.get(key)
            goal_key = old.goal_key if old is not None and old.goal_key in goal_keys else None
            actions.append(Action(
                key=key, party_id=int(party.currentData()), description=item.text(),
                owner=self._text(self.action_table, row, 2), due=due.date(),
                status=ActionStatus(status.currentData()), goal_key=goal_key,
                limited_to=self._limits.get(key, frozenset()),
                notes=self._notes.get(key, ())))
        needs = []
        for row in range(self.needs.rowCount()):
            party = self.needs.cellWidget(row, 0)
            item = self.needs.item(row, 1)
            assert isinstance(party, QComboBox) and item is not None
            needs.append(InformationNeed(str(item.data(KEY_ROLE)), int(party.currentData()),
                                         item.text()))
        coordinator_party = self.coordinator_party.currentData()
        coordinator = (CaseCoordinator(int(coordinator_party), self.coordinator_person.text())
                       if coordinator_party is not None else None)
        return replace(self.plan, goals=tuple(goals), actions=tuple(actions),
                       information_needs=tuple(needs), coordinator=coordinator,
                       closure_criteria=self.closure.toPlainText(),
                       next_meeting=self.next_meeting.date(),
                       next_meeting_note=self.next_meeting_note.text())

    def save(self) -> bool:
        """Save the form as the plan's next version; say why when it is refused."""
        if self.plan is None or self.case_number is None:
            return False
        wrong = self._date_problem()
        if wrong:
            dialogs.error(self, _("Plan not saved"), wrong)
            return False
        try:
            saved = plan_service.save_plan(self.vault, self.collect(), ends_draft=True)
        except EditConflict as exc:
            # saved by another session meanwhile (issue 22, point 4): never overwritten;
            # reloaded, the form's edits are put on top of the version saved since
            if offer_reload(self, _("Plan not saved"), exc) and self._saved is not None:
                self.load(self.case_number, keep=(self._saved, self.collect()))
                self._show_notice(_("Reloaded: your changes are put on top of the version "
                                    "saved in the meantime. Check them and choose "
                                    "\u2018Save plan\u2019 to keep them."))
            return False
        except CasuskamerError as exc:
            dialogs.error(self, _("Plan not saved"), str(exc))
            return False
        self.load(self.case_number)
        self.status.setText(_("Saved as version {version}.").format(version=saved.version))
        return True


class LimitDialog(QDialog):
    """Choose the parties an action is limited to (none checked: every invited party)."""

    def __init__(self, parties: list[tuple[int, str]], chosen: frozenset[int],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Limit to parties"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Only these parties see the action (and the party that "
                                  "carries it out). Check none for every invited party.")))
        self.boxes: list[tuple[int, QCheckBox]] = []
        for pid, name in parties:
            box = QCheckBox(name)
            box.setChecked(pid in chosen)
            layout.addWidget(box)
            self.boxes.append((pid, box))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> frozenset[int]:
        return frozenset(pid for pid, box in self.boxes if box.isChecked())
