"""The process director's case screen: the referral (received, referring party and contact,
reason and question), the case (subjects, life domains, criteria), its triage, and its
information items, each with its source, category and a visible mark of who
may see it; the items can be filtered by source and category.

An action bar above the case starts the next step of the work on it (intake, triage, plan of
action, handouts, minutes, closure); each button follows the case's state and the role
(``ui.cases.case_actions.availability``) and says why when it does not work. After a step
that may change the case, the screen reads the case again and emits ``case_changed`` (the
Cases screen listens and refreshes its table). The intake is opened by whoever set
``intake_opener`` (the Cases screen, which owns the intake wizard).

The referral and triage stand beside the case in a scroll area above the items, split by a
splitter; the subjects table is as high as its rows. At 1280x720 every section is usable.
The window's size and the splitter's position are kept in ``ui.settings`` (geometry only,
nothing of the case).

Everything comes from one call to ``app.services.case_view.open_case`` (audited once per
opening); sorting and filtering go through a proxy model and never read the vault again.
The marks are computed by ``app.sharing.policy``; nothing here decides visibility.

A subject's BSN or address is copied with the subjects table's context menu or its
shortcut (``ActionId.COPY_BSN`` / ``COPY_ADDRESS``): the value comes from
``app.services.case_view.copy_subject_field`` (which checks the role and audits the copy)
and goes to the clipboard through the program's ``ClipboardGuard`` (marked as secret for
clipboard managers, emptied after 10 seconds and on lock). Ctrl+C in any of its tables
and labels (a cell of the subjects or items, a referral text) goes through the same guard,
by the program's copy filter (``ui.clipboard.CopyFilter``), audited as ``clipboard.copy``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from app.domain.closure import Outcome
from app.domain.information import Category
from app.domain.lifecycle import CaseState
from app.domain.roles import Permission, may
from app.domain.triage import Route, describe_item_terms
from app.errors import CasuskamerError
from app.formatting import format_date
from app.i18n import _
from app.services import case_view as case_view_service
from app.services.case_view import CaseView, CopyField, ItemRow
from app.vault.vault import OpenVault
from ui import a11y, changes, dialogs
from ui.actions import CASE_ACTIONS, ActionId, make_action, share_window_actions, shortcut_text
from ui.cases.case_actions import (
    Availability,
    MinutesDialog,
    PlanDialog,
    availability,
    open_subject_access,
    subject_access_available,
)
from ui.clipboard import CLEAR_AFTER_MS, ClipboardGuard, guard_for
from ui.settings import CASE_SPLITTER, CASE_WINDOW_GEOMETRY, Settings

#: Opens the intake wizard of a case and returns it (or None when it could not open).
IntakeOpener = Callable[[str], QWidget | None]

AnyIndex = QModelIndex | QPersistentModelIndex


class ItemColumn(IntEnum):
    SOURCE = 0
    CATEGORY = 1
    RECEIVED = 2
    TEXT = 3
    WHO_MAY_SEE = 4
    RESTRICTION = 5


def _headers() -> dict[ItemColumn, str]:
    return {ItemColumn.SOURCE: _("Source"), ItemColumn.CATEGORY: _("Category"),
            ItemColumn.RECEIVED: _("Received"), ItemColumn.TEXT: _("Information"),
            ItemColumn.WHO_MAY_SEE: _("Who may see it"),
            ItemColumn.RESTRICTION: _("Use restriction")}


SOURCE_ROLE = Qt.ItemDataRole.UserRole + 1
CATEGORY_ROLE = Qt.ItemDataRole.UserRole + 2
#: what the items sort on: the date itself for the received column, else the text shown
SORT_ROLE = Qt.ItemDataRole.UserRole + 3


class ItemsModel(QAbstractTableModel):
    """The case's items as the director's screen shows them (read-only)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ItemRow] = []

    def set_rows(self, rows: list[ItemRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> ItemRow:
        return self._rows[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ItemColumn)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(ItemColumn)):
            return _headers()[ItemColumn(section)]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = ItemColumn(index.column())
        if role == SOURCE_ROLE:
            return row.item.source_party_id
        if role == CATEGORY_ROLE:
            return row.item.category.value
        if role == SORT_ROLE:
            if column is ItemColumn.RECEIVED:
                return row.item.received.isoformat()
            role = Qt.ItemDataRole.DisplayRole
        if role == Qt.ItemDataRole.ToolTipRole and column is ItemColumn.WHO_MAY_SEE:
            return "\n".join([row.mark_text] + [
                f"{reason.label}" for _party, reason in row.mark.refused])
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column is ItemColumn.SOURCE:
            return row.source_name
        if column is ItemColumn.CATEGORY:
            return row.category_label
        if column is ItemColumn.RECEIVED:
            return format_date(row.item.received)
        if column is ItemColumn.TEXT:
            return row.item.text
        if column is ItemColumn.WHO_MAY_SEE:
            return row.mark_text
        return row.use_restriction


class ItemFilterProxy(QSortFilterProxyModel):
    """Filters the items by source party and by category (None: any)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source_party: int | None = None
        self.category: str | None = None

    def set_filters(self, source_party: int | None, category: str | None) -> None:
        self.beginFilterChange()
        self.source_party = source_party
        self.category = category
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        if self.source_party is not None and model.data(index, SOURCE_ROLE) != self.source_party:
            return False
        return self.category is None or model.data(index, CATEGORY_ROLE) == self.category


def ended_text(view: CaseView) -> str:
    """For a closed case its outcome, and for any ended case the day it is destroyed (as
    the retention rule gives it: ``CaseView.destroy_on``); empty for an open case."""
    case = view.case
    parts: list[str] = []
    if case.state is CaseState.CLOSED:
        outcome = _outcome_label(case.outcome)
        closed = format_date(case.closed_at.date()) if case.closed_at else "\u2013"
        parts.append(_("Closed on {date}; outcome: {outcome}.").format(date=closed,
                                                                      outcome=outcome))
    if view.destroy_on is not None and case.state is not CaseState.DESTROYED:
        parts.append(_("Destroyed on {date}, when its retention period ends.").format(
            date=format_date(view.destroy_on)))
    return " ".join(parts)


def invitees_text(view: CaseView) -> str:
    """The partners to invite, one a line: party, then the contact person's details."""
    lines = []
    for invitee in view.invitees:
        contact = ", ".join(p for p in (invitee.contact_name, invitee.contact_role,
                                        invitee.phone, invitee.email) if p)
        party = view.party_names.get(invitee.party_id, "?")
        lines.append(f"{party}: {contact}" if contact else party)
    return "\n".join(lines)


def informing_text(view: CaseView) -> str:
    """Per subject: informed (date, by whom) or the ground not to, or nothing recorded."""
    by_id = {s.id: s for s in view.case.subjects}
    lines = []
    for subject_id, value in view.informing.items():
        subject = by_id.get(subject_id)
        name = subject.display_name if subject is not None else "?"
        text = (value.describe(view.party_names) if value is not None
                else _("nothing recorded"))
        lines.append(f"{name}: {text}")
    return "\n".join(lines)


def _outcome_label(value: str | None) -> str:
    try:
        return Outcome(value).label if value else "\u2013"
    except ValueError:
        return str(value)


class CaseViewScreen(QWidget):
    """One case for the process director. ``clear()`` drops everything shown (on lock)."""

    #: a step on the case finished (the case may have changed): its number
    case_changed = Signal(str)

    def __init__(self, vault: OpenVault, number: str, parent: QWidget | None = None,
                 intake_opener: IntakeOpener | None = None,
                 settings: Settings | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case_view")
        #: where the window's size and the splitter's position are kept (geometry only)
        self.settings = settings if settings is not None else Settings()
        self._geometry_restored = False
        self.vault = vault
        self.number = number
        self.view: CaseView | None = None
        self.intake_opener = intake_opener
        #: the window a button of the bar opened (a wizard, the plan, ...), while it is open
        self.step_window: QWidget | None = None
        self.availability: dict[ActionId, Availability] = {}
        self._build_action_bar()

        self.header = QLabel()
        self.header.setObjectName("case_header")
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        font = self.header.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.header.setFont(font)
        # The referral as it came in: when, from whom (party and contact), why, and what
        # the referring party asks of the house.
        self.referral_fields: dict[str, QLabel] = {}
        for key in ("received", "referring_party", "referring_contact", "reason", "question"):
            label = QLabel()
            label.setObjectName(f"referral_{key}")
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
            self.referral_fields[key] = label
        # issue 24: the partners to invite (with their contact persons) and per subject
        # whether they were informed or the ground not to (read only, like the referral)
        for key in ("invitees", "informing"):
            label = QLabel()
            label.setObjectName(f"referral_{key}")
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
            self.referral_fields[key] = label
        self.subjects = QTableWidget(0, 5)
        self.subjects.setObjectName("subjects")
        self.subjects.setHorizontalHeaderLabels(
            [_("Name"), _("Role"), _("Date of birth"), _("BSN"), _("Address")])
        self.subjects.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.subjects.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.subjects.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.subjects.horizontalHeader().setStretchLastSection(True)
        self._build_copy_actions()
        self.copy_note = QLabel()
        self._note_follows_guard = False
        self.copy_note.setObjectName("copy_note")
        self.life_domains = QLabel()
        self.life_domains.setObjectName("life_domains")
        self.life_domains.setWordWrap(True)
        self.life_domains.setTextFormat(Qt.TextFormat.PlainText)
        self.criteria = QLabel()
        self.criteria.setObjectName("criteria")
        self.criteria.setWordWrap(True)
        self.criteria.setTextFormat(Qt.TextFormat.PlainText)
        self.triage = QLabel()
        self.triage.setObjectName("triage")
        self.triage.setWordWrap(True)
        self.triage.setTextFormat(Qt.TextFormat.PlainText)

        self.model = ItemsModel(self)
        self.proxy = ItemFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.items = QTableView()
        self.items.setObjectName("items")
        self.items.setModel(self.proxy)
        self.items.setSortingEnabled(True)
        self.items.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # The information, who may see it and its restriction share the room; the short
        # columns fit their contents, and a row grows to show its whole text (a case has
        # few items).
        header = self.items.horizontalHeader()
        for column in ItemColumn:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch
                                        if column >= ItemColumn.TEXT   # text, who, restriction
                                        else QHeaderView.ResizeMode.ResizeToContents)
        self.items.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.items.setWordWrap(True)
        self.source_filter = QComboBox()
        self.source_filter.setObjectName("source_filter")
        self.category_filter = QComboBox()
        self.category_filter.setObjectName("category_filter")
        self.source_filter.currentIndexChanged.connect(self._apply_filters)
        self.category_filter.currentIndexChanged.connect(self._apply_filters)
        self.items_note = QLabel()
        self.items_note.setObjectName("items_note")

        filters = QHBoxLayout()
        filters.addWidget(a11y.tie(QLabel(_("Source:")), self.source_filter))
        filters.addWidget(self.source_filter)
        filters.addWidget(a11y.tie(QLabel(_("Category:")), self.category_filter))
        filters.addWidget(self.category_filter)
        filters.addStretch(1)
        referral_box = QGroupBox(_("Referral"))
        referral_box.setObjectName("referral_box")
        referral_form = QFormLayout(referral_box)
        referral_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        for key, caption in (("received", _("Received:")),
                             ("referring_party", _("Referring party:")),
                             ("referring_contact", _("Contact:")),
                             ("reason", _("Reason for referral:")),
                             ("question", _("Question:")),
                             ("invitees", _("Partners to invite:")),
                             ("informing", _("Subjects informed:"))):
            field_label = QLabel(caption)
            field_label.setBuddy(self.referral_fields[key])
            referral_form.addRow(field_label, self.referral_fields[key])
        # issue 24: the receipt and the triage outcome for the referring party
        from ui.cases.referrer_documents import referrer_buttons

        referral_form.addRow("", referrer_buttons(self, self.vault, self.number))
        # Shown once a triage is decided here: the referring party is owed its outcome.
        self.outcome_hint = QLabel(_("The triage is decided: the referring party is owed its "
                                     "outcome. \u201cTriage outcome for the referrer\u2026\u201d "
                                     "writes it (only what that party may see)."))
        self.outcome_hint.setObjectName("triage_outcome_hint")
        self.outcome_hint.setWordWrap(True)
        self.outcome_hint.hide()
        referral_form.addRow("", self.outcome_hint)
        # issue 24: informing the subjects after intake (what the referrer reports later)
        self.informing_button = QPushButton(_("Record &informing of the subjects\u2026"))
        self.informing_button.setObjectName("record_informing")
        self.informing_button.clicked.connect(self.open_informing)
        referral_form.addRow("", self.informing_button)
        case_box = QGroupBox(_("Case"))
        case_box.setObjectName("case_box")
        case_form = QFormLayout(case_box)
        case_form.addRow(_("Subjects:"), self.subjects)
        case_form.addRow("", self.copy_note)
        case_form.addRow(_("Life domains:"), self.life_domains)
        case_form.addRow(_("Criteria:"), self.criteria)
        triage_box = QGroupBox(_("Triage"))
        triage_box.setObjectName("triage_box")
        QVBoxLayout(triage_box).addWidget(self.triage)
        items_box = QGroupBox(_("Information"))
        items_box.setObjectName("items_box")
        items_layout = QVBoxLayout(items_box)
        items_layout.setContentsMargins(6, 6, 6, 6)
        items_layout.addLayout(filters)
        items_layout.addWidget(self.items, 1)
        items_layout.addWidget(self.items_note)
        # The subjects table is as high as its rows (a one-row table took 150 pixels and
        # squeezed the items to about 40); the referral and the triage beside the case.
        self.subjects.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.subjects.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.items.setMinimumHeight(140)
        self.sections_box = QWidget()
        self.sections_box.setObjectName("case_sections")
        left = QVBoxLayout()
        left.addWidget(referral_box)
        left.addWidget(triage_box)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(case_box)
        right.addStretch(1)
        columns = QHBoxLayout(self.sections_box)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        self.sections = QScrollArea()
        self.sections.setObjectName("case_sections_scroll")
        self.sections.setWidgetResizable(True)
        self.sections.setFrameShape(QScrollArea.Shape.NoFrame)
        self.sections.setWidget(self.sections_box)
        # The scroll area is no Tab stop of its own: Tab goes through its fields.
        self.sections.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("case_splitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.sections)
        self.splitter.addWidget(items_box)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        # an ended case: its outcome and the day it is destroyed (the retention rule's date)
        self.ended = QLabel()
        self.ended.setObjectName("case_ended")
        self.ended.setTextFormat(Qt.TextFormat.PlainText)
        self.ended.setWordWrap(True)
        self.ended.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.ended)
        layout.addLayout(self.action_bar)
        layout.addWidget(self.splitter, 1)
        self.load()
        # a meeting in another window may move this case on or change its plan
        changes.follow(self, lambda number: number == self.number, self._changed_elsewhere,
                       shows_case_id=lambda case_id: (self.view is not None
                                                      and self.view.case.id == case_id))

    # -- the action bar ---------------------------------------------------------------------

    def _build_action_bar(self) -> None:
        handlers = {
            ActionId.CASE_INTAKE: self.open_intake, ActionId.CASE_TRIAGE: self.open_triage,
            ActionId.CASE_PLAN: self.open_plan, ActionId.CASE_HANDOUTS: self.open_handouts,
            ActionId.CASE_MINUTES: self.open_minutes, ActionId.CASE_CLOSURE: self.open_closure,
        }
        self.actions_by_id: dict[ActionId, QAction] = {}
        self.buttons: dict[ActionId, QPushButton] = {}
        self.action_bar = QHBoxLayout()
        for action_id in CASE_ACTIONS:
            action = make_action(self, action_id,
                                 partial(self._run, action_id, handlers[action_id]))
            self.addAction(action)
            button = QPushButton(action.text())
            button.setObjectName(f"button_{action_id.value}")
            button.clicked.connect(lambda _checked=False, a=action: a.trigger())
            self.actions_by_id[action_id] = action
            self.buttons[action_id] = button
            self.action_bar.addWidget(button)
        self.action_bar.addStretch(1)
        # Ctrl+L and F1 work in this window too (they are the main window's actions).
        share_window_actions(self)

    def _run(self, action_id: ActionId, handler: Callable[[], None]) -> None:
        if self.step_window is not None or not self.availability.get(
                action_id, Availability(False)).enabled:
            return
        handler()

    def _update_actions(self) -> None:
        state = self.view.case.state if self.view is not None else None
        role = self.vault.actor.role
        for action_id, action in self.actions_by_id.items():
            if state is None:
                found = Availability(False)
            else:
                found = availability(action_id, state, role)
                if action_id is ActionId.CASE_INTAKE and found.enabled \
                        and self.intake_opener is None:
                    found = Availability(False, _("Open the intake from the Cases screen."))
            self.availability[action_id] = found
            action.setEnabled(found.enabled)
            button = self.buttons[action_id]
            button.setEnabled(found.enabled)
            tip = action.toolTip() + " (" + shortcut_text(action_id) + ")" if found.enabled \
                else found.why
            button.setToolTip(tip)
            button.setAccessibleDescription(tip)

    def focus_first_action(self) -> None:
        for button in self.buttons.values():
            if button.isEnabled():
                button.setFocus()
                return

    def _show_step(self, window: QWidget, changes_case: bool = True) -> None:
        """Show a step's window in front of this one; read the case again when it closes."""
        self.step_window = window
        if isinstance(window, QWizard):
            # A wizard's own size hint is cramped for the criteria and routing pages.
            window.resize(max(window.width(), 820), max(window.height(), 600))
        window.setWindowModality(Qt.WindowModality.WindowModal)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        share_window_actions(window)
        if isinstance(window, QDialog):
            window.finished.connect(lambda _result: self._step_done(window, changes_case))
        window.show()
        window.raise_()
        window.activateWindow()

    def _changed_elsewhere(self) -> None:
        """Read the case again after another window changed it (not under an open step: its
        closing reads the case anyway)."""
        if self.step_window is not None or not self.vault.is_open or self.view is None:
            return
        try:
            self.load()
        except CasuskamerError as exc:
            dialogs.warn(self, _("Case"), str(exc))

    def _step_done(self, window: QWidget, changes_case: bool, announce: bool = True) -> None:
        """A step's window closed: read the case again and say it may have changed
        (``announce`` False when whoever opened the step refreshes on its own)."""
        if self.step_window is window:
            self.step_window = None
        if not changes_case or not self.vault.is_open or self.view is None:
            return
        try:
            self.load()
        except CasuskamerError as exc:
            dialogs.warn(self, _("Case"), str(exc))
            return
        if announce:
            self.case_changed.emit(self.number)
        self.focus_first_action()

    def _open(self, make: Callable[[], QWidget], changes_case: bool = True) -> QWidget | None:
        try:
            window = make()
        except CasuskamerError as exc:
            dialogs.warn(self, _("Case"), str(exc))
            return None
        self._show_step(window, changes_case)
        return window

    def open_intake(self) -> None:
        """Intake: the Cases screen opens (or resumes) its intake wizard for this case."""
        if self.intake_opener is None:
            return
        wizard = self.intake_opener(self.number)
        if isinstance(wizard, QDialog):
            self.step_window = wizard
            share_window_actions(wizard)
            # The Cases screen refreshes its table itself when its wizard finishes.
            wizard.finished.connect(lambda _result: self._step_done(wizard, True, False))
            wizard.raise_()
            wizard.activateWindow()

    def open_triage(self) -> None:
        from ui.triage.wizard import TriageWizard
        window = self._open(lambda: TriageWizard(self.vault, self.number, parent=self))
        if isinstance(window, TriageWizard):
            window.finished.connect(lambda _result: self._triage_done(window))

    def _triage_done(self, wizard: QWidget) -> None:
        """A triage decided here: point at the outcome for the referring party (issue 24:
        the referrer hears the outcome) with the hint and the keyboard focus; nothing is
        written until the director asks for the file."""
        if getattr(wizard, "finished_state", None) is None or not self.vault.is_open:
            return
        button = self.findChild(QPushButton, "export_triage_outcome")
        self.outcome_hint.show()
        if button is not None and button.isEnabled():
            button.clicked.connect(self.outcome_hint.hide)
            button.setFocus()

    def open_plan(self) -> None:
        self._open(lambda: PlanDialog(self.vault, self.number, parent=self))

    def open_handouts(self) -> None:
        from ui.plan.handouts_dialog import HandoutsDialog

        def make() -> QWidget:
            dialog = HandoutsDialog(self.vault, parent=self)
            dialog.load(self.number)
            dialog.resize(720, 520)
            return dialog
        self._open(make, changes_case=False)

    def open_minutes(self) -> None:
        self._open(lambda: MinutesDialog(self.vault, self.number, parent=self),
                   changes_case=False)

    def open_closure(self) -> None:
        """The closure wizard; with open plan actions it asks first (and opens nothing on
        No)."""
        from ui.closure.wizard import ClosureWizard
        try:
            wizard = ClosureWizard(self.vault, self.number, parent=self)
        except CasuskamerError as exc:
            dialogs.warn(self, _("Case"), str(exc))
            return
        if not wizard.confirm_start():
            wizard.deleteLater()
            return
        self._show_step(wizard, True)

    def open_informing(self) -> None:
        """Record whether each subject was informed, or the ground not to (issue 24)."""
        from ui.cases.informing_dialog import InformingDialog, SubjectLine

        if self.view is None or self.step_window is not None:
            return
        subjects = [SubjectLine(s.id, s.display_name) for s in self.view.case.subjects
                    if s.id is not None]
        self._open(lambda: InformingDialog(self.vault, self.number, subjects, parent=self))

    # -- copying a BSN or address -----------------------------------------------------------

    def _build_copy_actions(self) -> None:
        """Context menu and shortcuts of the subjects table."""
        self.copy_actions: dict[CopyField, QAction] = {}
        for field, action_id in ((CopyField.BSN, ActionId.COPY_BSN),
                                 (CopyField.ADDRESS, ActionId.COPY_ADDRESS)):
            action = make_action(self, action_id, partial(self.copy_subject_field, field))
            action.setEnabled(False)
            self.subjects.addAction(action)
            self.copy_actions[field] = action
        self.access_action = make_action(self, ActionId.SUBJECT_ACCESS,
                                         self.open_subject_access)
        self.access_action.setEnabled(False)
        self.subjects.addAction(self.access_action)
        self.subjects.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.subjects.itemSelectionChanged.connect(self._update_copy_actions)

    def _selected_subject_row(self) -> int | None:
        if self.view is None:
            return None
        rows = self.subjects.selectionModel().selectedRows()
        row = rows[0].row() if rows else -1
        return row if 0 <= row < len(self.view.case.subjects) else None

    def _update_copy_actions(self) -> None:
        row = self._selected_subject_row()
        subject = self.view.case.subjects[row] if self.view is not None and row is not None \
            else None
        self.copy_actions[CopyField.BSN].setEnabled(bool(subject and subject.bsn))
        self.copy_actions[CopyField.ADDRESS].setEnabled(bool(subject and subject.address))
        self.access_action.setEnabled(subject_access_available(
            self.vault.actor.role, subject.id if subject is not None else None))

    def open_subject_access(self) -> None:
        """The subject-access review of the chosen subject (AVG 15), as a step window."""
        row = self._selected_subject_row()
        if row is None or self.view is None or not self.access_action.isEnabled():
            return
        subject_id = self.view.case.subjects[row].id
        if subject_id is not None and self.step_window is None:
            self._open(lambda: open_subject_access(self.vault, subject_id, parent=self),
                       changes_case=False)

    def copy_subject_field(self, field: CopyField) -> bool:
        """Copy the selected subject's BSN or address (as sensitive); True when copied."""
        row = self._selected_subject_row()
        if row is None or self.view is None or not self.copy_actions[field].isEnabled():
            return False  # no subject chosen, or it has no such detail
        subject_id = self.view.case.subjects[row].id
        if subject_id is None:
            return False
        try:
            value = case_view_service.copy_subject_field(self.vault, self.number, subject_id,
                                                         field)
        except CasuskamerError as exc:
            dialogs.warn(self, _("Case"), str(exc))
            return False
        guard = guard_for(self)
        guard.copy_sensitive(value)
        if not self._note_follows_guard:
            # the note goes when the copy does (after its time, or at a lock)
            guard.cleared.connect(self.copy_note.clear)
            self._note_follows_guard = True
        self.copy_note.setText(
            _("Copied. The clipboard is emptied again after {seconds} seconds.").format(
                seconds=CLEAR_AFTER_MS // 1000))
        return True

    # -- reading the case -------------------------------------------------------------------

    def load(self) -> None:
        """Read the case once (one audited opening) and show it."""
        self.view = case_view_service.open_case(self.vault, self.number)
        view = self.view
        case = view.case
        self.header.setText(_("{number} · {protocol} · {state}").format(
            number=case.number, protocol=case.protocol.label, state=case.state.label))
        self.ended.setText(ended_text(view))
        self.ended.setVisible(bool(self.ended.text()))
        self.subjects.setRowCount(len(case.subjects))
        for row, subject in enumerate(case.subjects):
            for col, text in enumerate([subject.display_name, subject.role.label,
                                        format_date(subject.birth_date), subject.bsn or "",
                                        subject.address or ""]):
                self.subjects.setItem(row, col, QTableWidgetItem(text))
        # a handful of rows: every name, role and date in full (the address takes the rest)
        self.subjects.resizeColumnsToContents()
        self._fit_subjects()
        fields = self.referral_fields
        fields["received"].setText(format_date(case.received))
        fields["referring_party"].setText(case.referring_party_name or "\u2013")
        fields["referring_contact"].setText(case.referring_contact or "\u2013")
        fields["reason"].setText(case.reason or "\u2013")
        fields["question"].setText(case.question or "\u2013")
        fields["invitees"].setText(invitees_text(view) or "\u2013")
        fields["informing"].setText(informing_text(view) or "\u2013")
        # recorded while the case is open (closure blanks the grounds in words)
        self.informing_button.setEnabled(
            bool(case.subjects) and case.state not in (CaseState.CLOSED, CaseState.DESTROYED)
            and may(self.vault.actor.role, Permission.CASE_WORK))
        if case.subjects:
            self.subjects.selectRow(0)
        self._update_copy_actions()
        self.life_domains.setText("\n".join(f"{domain.label}: {text}"
                                            for domain, text in case.life_domains.items()))
        self.criteria.setText("\n".join(
            "{title}: {answer} ({why})".format(
                title=a.criterion.title, answer=_("yes") if a.met else _("no"),
                why=a.motivation) for a in case.criteria))
        self.triage.setText(self._triage_text(view))
        self.model.set_rows(list(view.items))
        self.source_filter.blockSignals(True)
        self.category_filter.blockSignals(True)
        self.source_filter.clear()
        self.source_filter.addItem(_("All sources"), None)
        for party_id, name in view.sources:
            self.source_filter.addItem(name, party_id)
        self.category_filter.clear()
        self.category_filter.addItem(_("All categories"), None)
        for category in Category:
            self.category_filter.addItem(category.label, category.value)
        self.source_filter.blockSignals(False)
        self.category_filter.blockSignals(False)
        self.items_note.setText("" if view.items_shown else _(
            "Only the process director sees the information items."))
        self._update_actions()

    def _fit_subjects(self, most: int = 6) -> None:
        """Make the subjects table as high as its rows (up to ``most``; more scroll)."""
        table = self.subjects
        table.resizeRowsToContents()
        rows = min(table.rowCount(), most)
        height = (table.horizontalHeader().sizeHint().height()
                  + sum(table.rowHeight(r) for r in range(rows)) + 2 * table.frameWidth())
        if table.rowCount() == 0:
            height += table.verticalHeader().defaultSectionSize()
        # Room for the horizontal scroll bar always: whether it shows is known only once
        # the window is laid out, and at 1000 px it covered the only row (seen under Xvfb).
        height += table.horizontalScrollBar().sizeHint().height()
        table.setFixedHeight(height + 2)

    # -- the window's size and the splitter (geometry only, never what is shown) -------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._geometry_restored:
            return
        self._geometry_restored = True
        if self.isWindow():
            geometry = self.settings.get(CASE_WINDOW_GEOMETRY)
            if not geometry.isEmpty():
                self.restoreGeometry(geometry)
        state = self.settings.get(CASE_SPLITTER)
        if state.isEmpty() or not self.splitter.restoreState(state):
            # The sections and the items share the height; the items at least a third.
            total = max(self.splitter.height(), 400)
            self.splitter.setSizes([total * 11 // 20, total * 9 // 20])

    def remember_geometry(self) -> None:
        """Keep the window's size and the splitter's position for the next case."""
        if not self._geometry_restored:
            return
        if self.isWindow():
            self.settings.set(CASE_WINDOW_GEOMETRY, QByteArray(self.saveGeometry()))
        self.settings.set(CASE_SPLITTER, QByteArray(self.splitter.saveState()))
        self.settings.sync()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        self.remember_geometry()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.remember_geometry()
        super().closeEvent(event)

    def _triage_text(self, view: CaseView) -> str:
        names = view.party_names
        lines = []
        for query in view.queries:
            if query.answer is None:
                lines.append(_("{party}: asked on {date}, no answer yet").format(
                    party=names.get(query.party_id, "?"), date=format_date(query.asked_on)))
            else:
                lines.append(_("{party}: asked on {asked}, answered on {answered}: "
                               "{answer}").format(
                    party=names.get(query.party_id, "?"), asked=format_date(query.asked_on),
                    answered=format_date(query.answered_on, empty=""),
                    answer=query.answer.label))
        pending = sum(1 for w in view.widening if w.pending)
        if pending:
            lines.append(_("Open requests to widen terms: {n}").format(n=pending))
        routing = view.routing
        if routing is not None:
            if routing.route is Route.TO_MEETING:
                # The sentence ends the goal itself; a goal typed with a full stop keeps one.
                lines.append(_("To a case meeting. Goal: {goal}. Invited: {parties}").format(
                    goal=routing.goal.strip().rstrip("."), parties=", ".join(
                        sorted(names.get(p, "?") for p in routing.invitees))))
            else:
                lines.append(_("Handled elsewhere: {reason}").format(reason=routing.reason))
        return "\n".join(lines) or _("No triage yet.")

    def terms_text(self, row: ItemRow) -> str:
        return describe_item_terms(row.item, self.view.party_names if self.view else {})

    def filter_items(self, source_party: int | None = None,
                     category: Category | None = None) -> None:
        """Set the filters (as the combo boxes do)."""
        self.source_filter.setCurrentIndex(max(self.source_filter.findData(source_party), 0))
        self.category_filter.setCurrentIndex(max(self.category_filter.findData(
            category.value if category is not None else None), 0))

    def _apply_filters(self) -> None:
        source = self.source_filter.currentData()
        category = self.category_filter.currentData()
        self.proxy.set_filters(int(source) if source is not None else None,
                               str(category) if category is not None else None)

    def visible_texts(self) -> list[str]:
        return [str(self.proxy.data(self.proxy.index(r, ItemColumn.TEXT)))
                for r in range(self.proxy.rowCount())]

    def clear(self) -> None:
        """On lock: drop every personal detail shown."""
        self.view = None
        self.model.set_rows([])
        self.subjects.setRowCount(0)
        self._update_copy_actions()
        # A guard of its own (shown without the main window): the shell clears only its own.
        own = self.findChild(ClipboardGuard, "own_clipboard_guard",
                             Qt.FindChildOption.FindDirectChildrenOnly)
        if own is not None:
            own.clear_if_ours()
        for label in (self.header, self.ended, self.life_domains, self.criteria, self.triage,
                      self.items_note, self.copy_note, *self.referral_fields.values()):
            label.clear()
        self.source_filter.clear()
        self.category_filter.clear()
        self.step_window = None
        self._update_actions()
