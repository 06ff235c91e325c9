"""The Cases screen: every case in one sortable table, filters for status, protocol and
referring party, a search box over number, name and BSN that answers as you type, the
account's intake drafts, and the way into the intake wizard and the referral import.

The screen only shows what ``app.services.cases.list_cases`` returns and asks
``app.services.intake`` for drafts; the services check the role and audit every read. A role
without ``CASE_SUBSTANCE`` (the information centre) gets the register from the service (the
main subject's initials, searchable by number and initials) and is not offered the case
screen or the intake of a registered case: activating a case says so instead.
Plug it into the main window with ``lambda vault: CasesScreen(vault)``.
"""

from __future__ import annotations

import time
from datetime import date
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QEventLoop,
    QObject,
    QItemSelectionModel,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.lifecycle import OPEN_STATES, CaseState
from app.domain.protocols import Protocol
from app.domain.roles import Permission, may
from app.errors import CasuskamerError
from app.formatting import format_date
from app.i18n import _, ngettext
from app.services import audit_log
from app.services import cases as case_service
from app.services import intake as intake_service
from app.services.cases import CaseRow
from app.vault.vault import OpenVault
from ui import a11y, changes, dialogs
from ui.actions import ActionId, make_action
from ui.cases.case_table import (
    CASE_NUMBER_ROLE,
    STATE_ROLE,
    CaseCellDelegate,
    CaseFilterProxy,
    CaseTableModel,
    Column,
)
from ui.tasks import run_in_background

#: From this many cases on, the search waits for a pause in typing before filtering (one
#: filter pass over 100,000 rows takes a few milliseconds, see the benchmark: no house
#: comes near this).
DEBOUNCE_FROM_ROWS = 1_000_000
DEBOUNCE_MS = 120
#: A search is logged once the typing has paused this long (not per keystroke), with the
#: number of hits and a keyed hash of the text (``app.services.audit_log.log_search``).
SEARCH_SETTLED_MS = 1500

#: Cases shown at once when the screen opens or refreshes; the rest load in the background,
#: starting ``LOAD_REST_AFTER_MS`` after the table's first paint (the load holds Python's
#: lock for much of its work: begun on a clock from the refresh, it fell inside a slow
#: first frame on a busy machine and made it slower still), or ``REST_WITHOUT_PAINT_MS``
#: after the refresh when the table is not painted by then (a screen not shown).
FIRST_ROWS = 300
LOAD_REST_AFTER_MS = 100
REST_WITHOUT_PAINT_MS = 1_000
#: While the rest loads, a search typed waits this long for the next keystroke, then asks
#: the service for the newest ``FIRST_ROWS`` matches among every case (off the GUI thread).
LOADING_SEARCH_MS = 60

#: Widths of the columns whose content is free text, in "M" widths; the others are sized on
#: what they hold (a case number, a date, a status), so the table reads well at any font size.
COLUMN_CHARS = {Column.PROTOCOL: 10, Column.REFERRING_PARTY: 13}

#: Cases whose intake is still to be done (the wizard opens on them).
INTAKE_STATES = frozenset({CaseState.REFERRED, CaseState.INTAKE})

_OPEN = "open"


class CasesScreen(QWidget):
    """The Cases section of the main window."""

    #: a case outside intake was activated (double-click or Enter): its number
    open_case_requested = Signal(str)
    #: every case is in the table (after a load in the background)
    loaded = Signal()

    def __init__(self, vault: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: the rest of the cases is still loading in the background
        self.loading = False
        self._generation = 0
        self.setObjectName("cases_screen")
        self.vault = vault
        role = vault.actor.role
        self.may_register = may(role, Permission.REGISTER_REFERRAL)
        #: the case screen and the intake of a registered case show the case's substance
        self.may_open = may(role, Permission.CASE_SUBSTANCE)
        self.wizard: QWidget | None = None
        self.import_dialog: QWidget | None = None

        heading = QLabel(_("Cases"))
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)

        self.new_button = QPushButton(_("New referral\u2026"))
        self.new_button.setObjectName("new_referral")
        self.new_button.setToolTip(_("Register a referral with the intake wizard"))
        self.new_button.clicked.connect(self.new_referral)
        self.intake_button = QPushButton(_("Intake\u2026"))
        self.intake_button.setObjectName("open_intake")
        self.intake_button.setToolTip(_("Do the intake of the selected referred case"))
        self.intake_button.clicked.connect(self.open_intake_of_selected)
        self.import_action = QAction(_("Import referrals\u2026"), self)
        self.import_action.setObjectName("action_import_referrals")
        self.import_action.setToolTip(_("Import referrals from a file of a web form"))
        self.import_action.triggered.connect(lambda _checked=False: self.import_referrals())
        self.import_button = QPushButton(self.import_action.text())
        self.import_button.setObjectName("import_referrals")
        self.import_button.setToolTip(self.import_action.toolTip())
        self.import_button.clicked.connect(self.import_action.trigger)
        for widget in (self.new_button, self.import_button):
            widget.setVisible(self.may_register)
        self.import_action.setEnabled(self.may_register)
        self.intake_button.setVisible(self.may_register and self.may_open)
        self.intake_button.setEnabled(False)

        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.intake_button)
        top.addWidget(self.import_button)
        top.addWidget(self.new_button)

        # -- drafts ---------------------------------------------------------------------------
        self.drafts_label = QLabel(_("Your intake drafts"))
        self.drafts_list = QListWidget()
        self.drafts_list.setObjectName("drafts")
        a11y.tie(self.drafts_label, self.drafts_list)

        self.drafts_list.itemActivated.connect(lambda _item: self.open_selected_draft())
        self.open_draft_button = QPushButton(_("Open draft"))
        self.open_draft_button.setObjectName("open_draft")
        self.open_draft_button.clicked.connect(self.open_selected_draft)
        self.discard_draft_button = QPushButton(_("Discard draft\u2026"))
        self.discard_draft_button.setObjectName("discard_draft")
        self.discard_draft_button.clicked.connect(self.discard_selected_draft)
        draft_buttons = QVBoxLayout()
        draft_buttons.addWidget(self.open_draft_button)
        draft_buttons.addWidget(self.discard_draft_button)
        draft_buttons.addStretch(1)
        drafts_row = QHBoxLayout()
        drafts_row.addWidget(self.drafts_list, 1)
        drafts_row.addLayout(draft_buttons)
        self.drafts_box = QWidget()
        drafts_layout = QVBoxLayout(self.drafts_box)
        drafts_layout.setContentsMargins(0, 0, 0, 0)
        drafts_layout.addWidget(self.drafts_label)
        drafts_layout.addLayout(drafts_row)
        self.drafts_box.setVisible(False)

        # -- filters --------------------------------------------------------------------------
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("case_search")
        self.search_edit.setPlaceholderText(
            _("Search by case number, name or BSN") if self.may_open
            else _("Search by case number or initials"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(_("Search cases"))
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("status_filter")
        self.status_combo.setAccessibleName(_("Status"))
        self.protocol_combo = QComboBox()
        self.protocol_combo.setObjectName("protocol_filter")
        self.protocol_combo.setAccessibleName(_("Protocol"))
        self.protocol_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.protocol_combo.setMinimumContentsLength(14)
        self.party_combo = QComboBox()
        self.party_combo.setObjectName("party_filter")
        self.party_combo.setAccessibleName(_("Referring party"))
        self.party_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.party_combo.setMinimumContentsLength(18)
        self.count_label = QLabel("")
        self.count_label.setObjectName("case_count")
        self._fill_fixed_filters()

        # Every filter has a visible label tied to it (Alt+letter, and what a screen reader
        # says); the placeholder text alone disappears as soon as one types.
        # Two rows (search, then the three lists), so that at 200 % scaling or in a narrow
        # window no label is squeezed over its neighbour.
        filters = QVBoxLayout()
        search_row = QHBoxLayout()
        search_row.addWidget(a11y.tie(QLabel(_("&Search:")), self.search_edit))
        search_row.addWidget(self.search_edit, 1)
        lists_row = QHBoxLayout()
        lists_row.addWidget(a11y.tie(QLabel(_("S&tatus:")), self.status_combo))
        lists_row.addWidget(self.status_combo, 1)
        lists_row.addWidget(a11y.tie(QLabel(_("P&rotocol:")), self.protocol_combo))
        lists_row.addWidget(self.protocol_combo, 1)
        lists_row.addWidget(a11y.tie(QLabel(_("Referring part&y:")), self.party_combo))
        lists_row.addWidget(self.party_combo, 1)
        filters.addLayout(search_row)
        filters.addLayout(lists_row)

        # -- the table ------------------------------------------------------------------------
        self.model = CaseTableModel(self)
        self.proxy = CaseFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("case_table")
        a11y.name(self.table, _("Cases"))
        self.table.setModel(self.proxy)
        # cells painted straight from the rows (a keystroke repaints about 250 of them)
        self.table.setItemDelegate(CaseCellDelegate(self.proxy, self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setHighlightSections(False)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        # Fixed row heights: the view never measures 100,000 rows.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        self._size_columns()
        header = self.table.horizontalHeader()
        # The main subject's name is what people look for: it takes the room that is left.
        header.setSectionResizeMode(Column.MAIN_SUBJECT, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(4 * self.fontMetrics().horizontalAdvance("M"))
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_args: self._selection_changed())

        self.message_label = QLabel("")
        self.message_label.setObjectName("cases_message")
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setWordWrap(True)
        self.message_label.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.drafts_box)
        layout.addLayout(filters)
        layout.addWidget(self.message_label)
        layout.addWidget(self.table, 1)
        # why the count can be lower than the cases ever made (the demo says how many went)
        self.count_note = QLabel(_("Cases destroyed after their retention period are not "
                                   "listed; the figures still count them."))
        self.count_note.setObjectName("case_count_note")
        self.count_note.setStyleSheet(a11y.secondary_style())
        self.count_note.setWordWrap(True)
        count_row = QHBoxLayout()
        count_row.addWidget(self.count_label)
        count_row.addWidget(self.count_note, 1)
        layout.addLayout(count_row)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.timeout.connect(self.apply_search)
        #: while the rest loads: the newest cases shown first (shown again when the search
        #: box is emptied before the load is done)
        self._first_rows: Sequence[CaseRow] = []
        self._loading_search_timer = QTimer(self)
        self._loading_search_timer.setSingleShot(True)
        self._loading_search_timer.timeout.connect(self._search_while_loading)
        self._settled_timer = QTimer(self)
        self._settled_timer.setSingleShot(True)
        self._settled_timer.timeout.connect(self.log_settled_search)
        self._logged_search = ""
        self.search_edit.textChanged.connect(self._search_typed)
        self.status_combo.currentIndexChanged.connect(self._status_chosen)
        self.protocol_combo.currentIndexChanged.connect(self._protocol_chosen)
        self.party_combo.currentIndexChanged.connect(self._party_chosen)
        # Not on rowsInserted/rowsRemoved: one filter change can announce thousands of runs.
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)

        refresh = QAction(_("Refresh"), self)
        refresh.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        refresh.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh.triggered.connect(lambda _checked=False: self.refresh())
        self.addAction(refresh)
        # Ctrl+F is the main window's (ui.actions FIND_CASE: from any screen, to this box);
        # Enter in the box opens the selected case, else the first one found.
        self.search_edit.returnPressed.connect(self.open_from_search)

        self.refresh()
        # a meeting in another window moves cases on and gives them a next meeting
        changes.follow(self, lambda _number: True, self.refresh)

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        header_metrics = self.table.horizontalHeader().fontMetrics()
        em = metrics.horizontalAdvance("M")
        pad = em + 8

        def fits(*texts: str) -> int:
            return max(metrics.horizontalAdvance(t) for t in texts) + pad

        def header(column: Column) -> int:
            # room for the text, the margins and the sort arrow
            return header_metrics.horizontalAdvance(column.header) + 30

        widest_date = format_date(date(2026, 12, 31))
        widths = {
            Column.NUMBER: max(fits("ZVH-2026-0000"), header(Column.NUMBER)),
            Column.STATUS: fits(*(s.label for s in CaseState)) + 16,
            Column.RECEIVED: max(fits(widest_date), header(Column.RECEIVED)),
            Column.NEXT_MEETING: fits(widest_date),
            Column.OPEN_ACTIONS: header(Column.OPEN_ACTIONS),
            Column.OVERDUE_ACTIONS: header(Column.OVERDUE_ACTIONS),
        }
        widths.update({c: n * em for c, n in COLUMN_CHARS.items()})
        for column, width in widths.items():
            self.table.setColumnWidth(column, width)

    # -- loading ----------------------------------------------------------------------------

    def _fill_fixed_filters(self) -> None:
        self.status_combo.addItem(_("All statuses"), None)
        self.status_combo.addItem(_("Open cases"), _OPEN)
        for state in CaseState:
            if state is not CaseState.DESTROYED:
                self.status_combo.addItem(state.label, state.value)
        self.protocol_combo.addItem(_("All protocols"), None)
        for protocol in Protocol:
            self.protocol_combo.addItem(protocol.label, protocol.value)
        self.party_combo.addItem(_("All referring parties"), None)

    def refresh(self) -> None:
        """Load every case again (after an intake, an import, or F5), keeping the filters and
        the selected case.

        The newest ``FIRST_ROWS`` cases are shown at once; when there are more, the rest
        load off the GUI thread (a second or so at 100,000 cases) and replace them, so the
        window stays usable meanwhile.
        """
        self._generation += 1
        selected = self.selected_case_number()
        rows: Sequence[CaseRow]
        try:
            rows = case_service.list_cases(self.vault, limit=FIRST_ROWS)
        except CasuskamerError as exc:
            self._show_message(str(exc))
            rows = []
        else:
            self._show_message("")
        self.loading = len(rows) >= FIRST_ROWS
        self._first_rows = rows if self.loading else []
        self._show_rows(rows, selected)
        if self.loading and self.proxy.search_text():
            self._loading_search_timer.start(0)  # a search kept from before the refresh
        self.refresh_drafts()
        if self.loading:
            # After the window has painted what it has: the load holds Python's lock for
            # much of its work, and the first paint should not wait for it.
            self._load_rest_after_paint(self._generation)

    def _load_rest_after_paint(self, generation: int) -> None:
        """Start loading the rest ``LOAD_REST_AFTER_MS`` after the table's next paint (or
        ``REST_WITHOUT_PAINT_MS`` from now, if it is not painted by then)."""
        viewport = self.table.viewport()
        watcher = _AfterPaint(viewport)

        def start() -> None:
            if watcher.started:
                return
            watcher.started = True
            viewport.removeEventFilter(watcher)
            watcher.deleteLater()
            QTimer.singleShot(LOAD_REST_AFTER_MS, self,
                              lambda: self._load_rest(generation))

        watcher.painted.connect(start)
        QTimer.singleShot(REST_WITHOUT_PAINT_MS, watcher, start)

    def _load_rest(self, generation: int) -> None:
        if generation != self._generation or not self.vault.is_open:
            return
        vault = self.vault
        # once: the table keeps every case; the decrypted pages are not kept beside it
        run_in_background(lambda: _prepared(case_service.list_cases(vault, once=True)),
                          lambda found: self._all_loaded(generation, found),
                          lambda exc: self._load_failed(generation, exc), context=self)

    def _show_rows(self, rows: Sequence[CaseRow], selected: str | None) -> None:
        self.model.set_rows(rows)
        self._fill_parties(sorted(self.model.referring_parties(), key=str.casefold))
        if selected:
            self.select_case(selected)
        self._update_count()

    def _all_loaded(self, generation: int, rows: Sequence[CaseRow]) -> None:
        if generation != self._generation or not self.vault.is_open:
            return  # refreshed again or locked meanwhile: a newer load (or none) counts
        self.loading = False
        self._first_rows = []
        self._loading_search_timer.stop()
        self._show_rows(rows, self.selected_case_number())
        self.loaded.emit()

    def _load_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.loading = False
        if not isinstance(exc, CasuskamerError):
            raise exc
        self._show_message(str(exc))
        self._update_count()
        self.loaded.emit()

    def search_covers_all(self) -> bool:
        """Whether a search typed now reaches every listed case: from the first rows on.
        While the rest still loads, the search box asks the service, which searches every
        case (:meth:`_search_while_loading`); once loaded, the table holds them all."""
        return self.vault.is_open

    def _search_while_loading(self) -> None:
        """The search box's text while the rest loads: the newest matches among every case
        from the service, shown until the whole list arrives (then the table filters it)."""
        if not self.loading or not self.vault.is_open:
            return
        text = self.search_edit.text()
        generation = self._generation
        if not self.proxy.search_text():
            if self.model.rows() is not self._first_rows:
                self.model.set_rows(self._first_rows)  # the newest cases again
                self._update_count()
            return
        vault = self.vault
        run_in_background(
            lambda: _prepared(case_service.list_cases(vault, search=text, limit=FIRST_ROWS)),
            lambda found: self._searched(generation, text, found),
            lambda exc: self._search_failed(generation, exc), context=self)

    def _searched(self, generation: int, text: str, rows: Sequence[CaseRow]) -> None:
        if (generation != self._generation or not self.loading or not self.vault.is_open
                or text != self.search_edit.text()):
            return  # loaded, refreshed, locked or typed on meanwhile: not this answer
        selected = self.selected_case_number()
        self.model.set_rows(rows)
        if selected:
            self.select_case(selected)
        self._update_count()

    def _search_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        if not isinstance(exc, CasuskamerError):
            raise exc
        self._show_message(str(exc))

    def wait_until_loaded(self, timeout_ms: int = 30_000) -> bool:
        """Wait (processing events) until every case is in the table (tests, benchmarks)."""
        deadline = time.monotonic() + timeout_ms / 1000
        while self.loading and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.002)
        return not self.loading

    def _fill_parties(self, names: list[str]) -> None:
        current = self.party_combo.currentData()
        self.party_combo.blockSignals(True)
        self.party_combo.clear()
        self.party_combo.addItem(_("All referring parties"), None)
        for name in names:
            self.party_combo.addItem(name, name)
        found = self.party_combo.findData(current) if current is not None else 0
        self.party_combo.setCurrentIndex(max(found, 0))
        self.party_combo.blockSignals(False)
        if current is not None and found < 0:
            self.proxy.set_party(None)

    def refresh_drafts(self) -> None:
        self.drafts_list.clear()
        if not self.may_register:
            self.drafts_box.setVisible(False)
            return
        try:
            found = intake_service.list_drafts(self.vault)
        except CasuskamerError as exc:
            self._show_message(str(exc))
            found = []
        for info in found:
            item = QListWidgetItem(info.label)
            item.setData(Qt.ItemDataRole.UserRole, info.id)
            self.drafts_list.addItem(item)
        if found:
            self.drafts_list.setCurrentRow(0)
            # As tall as its drafts, up to four; the table keeps the room.
            shown = min(len(found), 4)
            self.drafts_list.setFixedHeight(
                shown * self.drafts_list.sizeHintForRow(0)
                + 2 * self.drafts_list.frameWidth() + 2 * shown * self.drafts_list.spacing() + 8)
        self.drafts_box.setVisible(bool(found))

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    def _update_count(self, *args: Any) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        if self.loading and self.proxy.search_text():
            self.count_label.setText(_("{n} found so far (the newest); loading the other "
                                       "cases…").format(n=shown))
        elif self.loading:
            self.count_label.setText(_("The newest {n} cases; loading the others…")
                                     .format(n=total))
        elif shown == total:
            self.count_label.setText(ngettext("{n} case", "{n} cases", total).format(n=total))
        else:
            self.count_label.setText(ngettext("{shown} of {n} case", "{shown} of {n} cases",
                                              total).format(shown=shown, n=total))

    # -- filters ----------------------------------------------------------------------------

    def _search_typed(self, _text: str) -> None:
        self._settled_timer.start(SEARCH_SETTLED_MS)
        if self.loading:
            # The rows at hand are filtered at once; the service searches every case.
            self._loading_search_timer.start(LOADING_SEARCH_MS)
        if self.model.rowCount() >= DEBOUNCE_FROM_ROWS:
            self._search_timer.start(DEBOUNCE_MS)
        else:
            self.apply_search()

    def log_settled_search(self) -> None:
        """Audit the search once typing has paused: the hits and a keyed hash, no text."""
        self._settled_timer.stop()
        text = self.search_edit.text()
        if text.strip() == self._logged_search.strip() or not self.vault.is_open:
            return
        self.apply_search()
        self._logged_search = text
        hits = self.proxy.rowCount()
        numbers = ([str(self.proxy.index(r, Column.NUMBER).data(CASE_NUMBER_ROLE))
                    for r in range(hits)] if hits <= audit_log.NAMED_HITS else None)
        try:
            audit_log.log_search(self.vault, "cases", text, hits, numbers)
        except CasuskamerError as exc:
            self.message_label.setText(str(exc))

    def apply_search(self) -> None:
        """Filter on the search box's text now."""
        self._search_timer.stop()
        self.proxy.set_search(self.search_edit.text())
        self._update_count()

    def _status_chosen(self, _index: int) -> None:
        value = self.status_combo.currentData()
        if value is None:
            self.proxy.set_states(None)
        elif value == _OPEN:
            self.proxy.set_states(OPEN_STATES)
        else:
            self.proxy.set_states({CaseState(value)})
        self._update_count()

    def _protocol_chosen(self, _index: int) -> None:
        value = self.protocol_combo.currentData()
        self.proxy.set_protocol(Protocol(value) if value else None)
        self._update_count()

    def _party_chosen(self, _index: int) -> None:
        self.proxy.set_party(self.party_combo.currentData())
        self._update_count()

    # -- selection --------------------------------------------------------------------------

    def selected_case_number(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        value = rows[0].data(CASE_NUMBER_ROLE)
        return str(value) if value else None

    def _selected_state(self) -> CaseState | None:
        rows = self.table.selectionModel().selectedRows()
        return CaseState(rows[0].data(STATE_ROLE)) if rows else None

    def select_case(self, number: str) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, Column.NUMBER)
            if index.data(CASE_NUMBER_ROLE) == number:
                self.table.selectionModel().select(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows)
                self.table.scrollTo(index)
                return True
        return False

    def _selection_changed(self) -> None:
        self.intake_button.setEnabled(self.may_register and self.may_open
                                      and self._selected_state() in INTAKE_STATES)

    def _activated(self, index: QModelIndex) -> None:
        number = index.data(CASE_NUMBER_ROLE)
        state = index.data(STATE_ROLE)
        if not number:
            return
        if self.may_register and self.may_open and CaseState(state) in INTAKE_STATES:
            self.open_intake(str(number))
        else:
            self.open_case(str(number))

    def focus_search(self) -> None:
        """The search box, focused with its text selected (Ctrl+F)."""
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def open_from_search(self) -> None:
        """Enter in the search box: filter now, then open the selected case, or else the
        first one the search found (the only one, typically), as a double-click would."""
        self.apply_search()
        rows = self.table.selectionModel().selectedRows()
        if rows:
            index = rows[0]
        elif self.proxy.rowCount() > 0:
            index = self.proxy.index(0, Column.NUMBER)
            self.table.selectionModel().select(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
        else:
            self._show_message(_("No case matches the search."))
            return
        self._activated(index)

    def _register_only(self) -> bool:
        """For a role that sees the register only: say why a case does not open (no window,
        no call that would be refused); True when that was the case."""
        if self.may_open:
            return False
        self._show_message(_("Your role ({role}) sees the case register and the meetings' "
                             "logistics only: a case's subjects, texts, plan and minutes are "
                             "for the process director.").format(
                                 role=self.vault.actor.role.label))
        return True

    def open_case(self, number: str) -> None:
        """Open the case screen (of the triage area) in its own window."""
        if self._register_only():
            return
        self.open_case_requested.emit(number)
        try:
            from ui.cases.case_view import CaseViewScreen
        except ImportError:
            return
        for shown in self.findChildren(CaseViewScreen):
            # A double-click also counts as "activated": one window per case, brought forward.
            if shown.number == number and shown.isVisible():
                shown.raise_()
                shown.activateWindow()
                return
        try:
            view = CaseViewScreen(self.vault, number, parent=self,
                                  intake_opener=self.open_intake)
        except CasuskamerError as exc:
            dialogs.warn(self, _("Cases"), str(exc))
            return
        # A step done from the case screen (triage, closure, ...) changes the table.
        view.case_changed.connect(lambda _number: self.refresh())
        view.setWindowFlag(Qt.WindowType.Window, True)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        # The case number holds nothing personal; it may stand in a window title.
        view.setWindowTitle(number)
        view.addAction(make_action(view, ActionId.CLOSE_WINDOW, view.close))
        view.resize(1000, 720)
        view.show()

    # -- intake and import ------------------------------------------------------------------

    def _show_wizard(self, wizard: Any) -> None:
        from ui.cases.intake_wizard import IntakeWizard
        assert isinstance(wizard, IntakeWizard)
        if self.wizard is not None:
            self.wizard.close()
        self.wizard = wizard
        wizard.finished.connect(lambda _result: self._wizard_done(wizard))
        wizard.setWindowModality(Qt.WindowModality.WindowModal)
        wizard.show()
        wizard.resume()

    def _wizard_done(self, wizard: QWidget) -> None:
        if self.wizard is wizard:
            self.wizard = None
        self.refresh()
        from ui.cases.intake_wizard import IntakeWizard
        number = wizard.created_case_number if isinstance(wizard, IntakeWizard) else None
        if number:
            self.show_new_case(number, existing=getattr(wizard, "existing_case", False))

    def show_new_case(self, number: str, existing: bool = False) -> None:
        """After an intake: the case selected and its number said (a search or filter that
        would hide it is cleared first)."""
        if self.search_edit.text():
            self.search_edit.clear()
            self.apply_search()
        if not self.select_case(number):
            for combo in (self.status_combo, self.protocol_combo, self.party_combo):
                combo.setCurrentIndex(max(combo.findData(None), 0))
            self.select_case(number)
        self._show_message((_("The intake of case {number} is recorded; the case is "
                              "selected.") if existing else
                            _("Case {number} has been created and is selected."))
                           .format(number=number))

    def new_referral(self) -> None:
        from ui.cases.intake_wizard import IntakeWizard
        self._show_wizard(IntakeWizard(self.vault, parent=self))

    def open_intake(self, number: str) -> QWidget | None:
        """Start or resume the intake of a registered case; returns the wizard shown."""
        from ui.cases.intake_wizard import IntakeWizard
        if self._register_only():
            return None
        try:
            draft, draft_id = intake_service.draft_for_case(self.vault, number)
        except CasuskamerError as exc:
            dialogs.warn(self, _("Intake"), str(exc))
            return None
        self._show_wizard(IntakeWizard(self.vault, draft=draft, draft_id=draft_id, parent=self))
        return self.wizard

    def open_intake_of_selected(self) -> None:
        number = self.selected_case_number()
        if number:
            self.open_intake(number)

    def _selected_draft_id(self) -> int | None:
        item = self.drafts_list.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def open_draft(self, draft_id: int) -> None:
        from ui.cases.intake_wizard import IntakeWizard
        try:
            draft = intake_service.load_draft(self.vault, draft_id)
        except CasuskamerError as exc:
            dialogs.warn(self, _("Intake"), str(exc))
            self.refresh_drafts()
            return
        self._show_wizard(IntakeWizard(self.vault, draft=draft, draft_id=draft_id, parent=self))

    def open_selected_draft(self) -> None:
        draft_id = self._selected_draft_id()
        if draft_id is not None:
            self.open_draft(draft_id)

    def discard_selected_draft(self) -> None:
        draft_id = self._selected_draft_id()
        if draft_id is None:
            return
        if not dialogs.confirm(self, _("Discard draft"),
                               _("Discard this draft? What was typed in it is lost."),
                               yes_label=_("Discard"), destructive=True):
            return
        try:
            intake_service.discard_draft(self.vault, draft_id)
        except CasuskamerError as exc:
            dialogs.warn(self, _("Discard draft"), str(exc))
        self.refresh_drafts()

    def import_referrals(self) -> None:
        """File > Import referrals: the dialog picks the file and imports it."""
        from ui.cases.import_dialog import ImportDialog
        dialog = ImportDialog(self.vault, parent=self)
        self.import_dialog = dialog
        dialog.imported.connect(lambda _numbers: self.refresh())
        dialog.finished.connect(lambda _result: setattr(self, "import_dialog", None))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()
        dialog.choose_file()

    # -- the lock protocol ------------------------------------------------------------------

    def save_draft(self) -> None:
        """On lock, while the vault is still open: a search typed just before is logged."""
        if self._settled_timer.isActive():
            self.log_settled_search()

    def clear(self) -> None:
        """Drop every case, draft title and search text (on lock)."""
        self._generation += 1  # a load still running finds no one to show its rows to
        self.loading = False
        self._first_rows = []
        self._loading_search_timer.stop()
        self._search_timer.stop()
        self._settled_timer.stop()
        self._logged_search = ""
        self.search_edit.blockSignals(True)
        self.search_edit.clear()
        self.search_edit.blockSignals(False)
        self.proxy.clear_filters()
        self.model.clear()
        self.drafts_list.clear()
        self.party_combo.blockSignals(True)
        self.party_combo.clear()
        self.party_combo.blockSignals(False)
        self.count_label.clear()
        self.message_label.clear()


class _AfterPaint(QObject):
    """Tells (``painted``) when the widget it watches has handled a paint event."""

    painted = Signal()

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.started = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's
        if event.type() == QEvent.Type.Paint and not self.started:
            # a filter sees the event before the widget paints: tell once it has
            QTimer.singleShot(0, self, self.painted.emit)
        return False


def _prepared(rows: case_service.CaseRows) -> case_service.CaseRows:
    """``rows`` with what the search box needs made (in the loader's thread, not the
    GUI's): the beginning every search key shares (a pass over every key, 10-20 ms at
    100,000 cases, which otherwise fell on the first keystroke)."""
    rows.search_keys()
    rows.common_prefix()
    return rows
