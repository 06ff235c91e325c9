"""The Qt item models behind the Cases table: one row per case, filtered and sorted fast.

``CaseTableModel`` holds the ``CaseRow`` values ``app.services.cases.list_cases`` returns (one
query for every case) and shows them through a column enum. ``CaseFilterProxy`` narrows them
by status, protocol, referring party and the search box.

Why it stays quick at 100,000 cases:

- the search compares against precomputed, folded search keys (``CaseRow.search_key``:
  number, every subject's names and BSN), held in a plain list; one list comprehension per
  keystroke answers which rows match, and a query that extends the previous one only looks
  at the rows that matched before;
- the proxy's ``filterAcceptsRow`` then only reads that answer (one list lookup), so the
  cost per keystroke is Qt's own pass over the rows (see ``benchmarks/bench_case_filter.py``);
- sorting is done by the source model on its Python list with one key function (the proxy
  forwards ``sort``), never by ``lessThan`` called a million times from C++.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap

from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.formatting import format_date
from app.i18n import N_, _
from app.services.cases import CaseRow, fold_query
from ui import a11y

Index = QModelIndex | QPersistentModelIndex

#: The parent of every row of a flat table.
_NO_PARENT = QModelIndex()

#: Role holding a cell's sort value (dates and counts as themselves, texts folded).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: Role holding the row's case number (for actions on the selected case).
CASE_NUMBER_ROLE = Qt.ItemDataRole.UserRole + 2
#: Role holding the row's ``CaseState``.
STATE_ROLE = Qt.ItemDataRole.UserRole + 3

#: From this many rows coming or going at once, the proxy relayouts instead of announcing
#: each run of rows (see ``CaseFilterProxy._refilter``).
BULK_CHANGE_ROWS = 2_000

#: A pasted text can be any length; a cell shows this much and the tooltip a little more.
DISPLAY_LIMIT = 160
TOOLTIP_LIMIT = 600


class Column(IntEnum):
    NUMBER = 0
    MAIN_SUBJECT = 1
    PROTOCOL = 2
    STATUS = 3
    REFERRING_PARTY = 4
    RECEIVED = 5
    NEXT_MEETING = 6
    OPEN_ACTIONS = 7
    OVERDUE_ACTIONS = 8

    @property
    def header(self) -> str:
        return _(COLUMN_HEADERS[self])


COLUMN_HEADERS = {
    Column.NUMBER: N_("Case number"),
    Column.MAIN_SUBJECT: N_("Main subject"),
    Column.PROTOCOL: N_("Protocol"),
    Column.STATUS: N_("Status"),
    Column.REFERRING_PARTY: N_("Referring party"),
    Column.RECEIVED: N_("Received"),
    Column.NEXT_MEETING: N_("Next meeting"),
    Column.OPEN_ACTIONS: N_("Open actions"),
    Column.OVERDUE_ACTIONS: N_("Overdue"),
}

#: The lifecycle's order, so that sorting on status follows the case's progress.
STATE_ORDER = {state: i for i, state in enumerate(CaseState)}

#: A colour per status, always beside the status's name (colour alone tells nothing to
#: someone who cannot tell these colours apart).
STATE_COLOURS = {
    CaseState.REFERRED: "#1f77b4",
    CaseState.INTAKE: "#17becf",
    CaseState.TRIAGE: "#ff7f0e",
    CaseState.SCHEDULED: "#9467bd",
    CaseState.IN_PROGRESS: "#2ca02c",
    CaseState.CLOSED: "#7f7f7f",
    CaseState.DESTROYED: "#3b3b3b",
    CaseState.DECLINED: "#d62728",
    CaseState.ROUTED_ELSEWHERE: "#8c564b",
}


def shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters (line breaks of a paste become spaces)."""
    if len(text) > limit:
        text = text[:limit]
        return " ".join(text.split()) + "\u2026"
    if "\n" in text or "\r" in text or "\t" in text:
        return " ".join(text.split())
    return text


def _date_text(value: date | None) -> str:
    """As the reader's language writes dates (05-03-2026 in Dutch); sorting uses the date."""
    return format_date(value, empty="")


class CaseTableModel(QAbstractTableModel):
    """Every case the account may see, one row each, in the order of the ``Column`` enum."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CaseRow] = []
        self._icons: dict[CaseState, QIcon] = {}
        # Translated once per model: the same few labels for 100,000 rows.
        self._state_labels: dict[CaseState, str] = {}
        self._protocol_labels: dict[Protocol, str] = {}
        self._headers: list[str] = []
        self._translate()

    def _translate(self) -> None:
        self._state_labels = {s: s.label for s in CaseState}
        self._protocol_labels = {p: p.label for p in Protocol}
        self._headers = [c.header for c in Column]

    # -- content ----------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[CaseRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._translate()
        self.endResetModel()

    def clear(self) -> None:
        """Drop every row (on lock): nothing personal is left in the model."""
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def rows(self) -> list[CaseRow]:
        return self._rows

    def row_at(self, row: int) -> CaseRow:
        return self._rows[row]

    def search_keys(self) -> list[str]:
        return [r.search_key for r in self._rows]

    # -- the model interface ----------------------------------------------------------------

    def rowCount(self, parent: Index = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._headers[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and Column(section) in (
                Column.OPEN_ACTIONS, Column.OVERDUE_ACTIONS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self._rows) and 0 <= c < len(Column)):
            return None
        row = self._rows[r]
        column = Column(c)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == SORT_ROLE:
            return sort_value(row, column)
        if role == CASE_NUMBER_ROLE:
            return row.number
        if role == STATE_ROLE:
            return row.state.value
        if role == Qt.ItemDataRole.DecorationRole and column is Column.STATUS:
            return self._state_icon(row.state)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
                Column.OPEN_ACTIONS, Column.OVERDUE_ACTIONS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if (role == Qt.ItemDataRole.ForegroundRole and column is Column.OVERDUE_ACTIONS
                and row.overdue_actions > 0):
            return QBrush(QColor(a11y.error_colour()))
        return None

    def _display(self, row: CaseRow, column: Column) -> str:
        if column is Column.NUMBER:
            return row.number
        if column is Column.MAIN_SUBJECT:
            return shorten(row.main_subject, DISPLAY_LIMIT)
        if column is Column.PROTOCOL:
            return self._protocol_labels[row.protocol]
        if column is Column.STATUS:
            return self._state_labels[row.state]
        if column is Column.REFERRING_PARTY:
            return shorten(row.referring_party, DISPLAY_LIMIT)
        if column is Column.RECEIVED:
            return _date_text(row.received)
        if column is Column.NEXT_MEETING:
            return _date_text(row.next_meeting)
        if column is Column.OPEN_ACTIONS:
            return str(row.open_actions)
        return str(row.overdue_actions)

    def _tooltip(self, row: CaseRow, column: Column) -> str | None:
        if column is Column.MAIN_SUBJECT and len(row.main_subject) > 40:
            return shorten(row.main_subject, TOOLTIP_LIMIT)
        if column is Column.REFERRING_PARTY and len(row.referring_party) > 40:
            return shorten(row.referring_party, TOOLTIP_LIMIT)
        if column is Column.PROTOCOL:
            return self._protocol_labels[row.protocol]
        if column is Column.OVERDUE_ACTIONS and row.overdue_actions:
            return _("Actions past their due date")
        return None

    def _state_icon(self, state: CaseState) -> QIcon:
        icon = self._icons.get(state)
        if icon is None:
            pixmap = QPixmap(12, 12)
            pixmap.fill(QColor(STATE_COLOURS[state]))
            icon = QIcon(pixmap)
            self._icons[state] = icon
        return icon

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows in Python with one key function (stable, so equal keys keep the
        newest-first order of the list)."""
        if not 0 <= column < len(Column) or not self._rows:
            return
        key = sort_key(Column(column), self)
        rows = self._rows
        self.layoutAboutToBeChanged.emit()
        order_of = sorted(range(len(rows)), key=lambda i: key(rows[i]),
                          reverse=order == Qt.SortOrder.DescendingOrder)
        self._rows = [rows[i] for i in order_of]
        old = self.persistentIndexList()
        if old:
            position = [0] * len(rows)
            for new_row, old_row in enumerate(order_of):
                position[old_row] = new_row
            self.changePersistentIndexList(
                old, [self.index(position[p.row()], p.column()) for p in old])
        self.layoutChanged.emit()


def sort_value(row: CaseRow, column: Column) -> Any:
    """What a column sorts on: dates as dates (empty last), counts as numbers, the case
    number in number order, texts case- and accent-insensitively."""
    if column is Column.NUMBER:
        return row.number
    if column is Column.MAIN_SUBJECT:
        return row.main_subject.casefold()
    if column is Column.PROTOCOL:
        return row.protocol.value
    if column is Column.STATUS:
        return STATE_ORDER[row.state]
    if column is Column.REFERRING_PARTY:
        return row.referring_party.casefold()
    if column is Column.RECEIVED:
        return row.received.toordinal()
    if column is Column.NEXT_MEETING:
        return row.next_meeting.toordinal() if row.next_meeting else 10**7
    if column is Column.OPEN_ACTIONS:
        return row.open_actions
    return row.overdue_actions


def sort_key(column: Column, model: CaseTableModel) -> Callable[[CaseRow], Any]:
    if column is Column.NUMBER:
        # ZVH-YYYY-NNNN sorts as text until a year passes 9,999 cases; compare the parts.
        return lambda r: (len(r.number), r.number)
    if column is Column.PROTOCOL:
        labels = {p: p.label.casefold() for p in Protocol}
        return lambda r: labels[r.protocol]
    return lambda r: sort_value(r, column)


class CaseFilterProxy(QSortFilterProxyModel):
    """Status, protocol, referring party and search-box filters over a ``CaseTableModel``.

    Each filter change computes, in one pass over plain lists, which source rows pass; Qt's
    pass over the rows then only reads that answer.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._states: frozenset[CaseState] | None = None
        self._protocol: Protocol | None = None
        self._party: str | None = None
        self._query_words: tuple[str, ...] = ()
        self._keys: list[str] = []
        #: per source row: passes every filter; None: no filter set, every row passes
        self._accepted: list[bool] | None = None
        #: the rows the last search matched (for narrowing when the query only grows)
        self._search_hits: list[int] | None = None
        self._stale = True
        self._count = 0
        #: what Qt last filtered with (to skip a pass that would change nothing)
        self._applied: list[bool] | None = None
        self._applied_all = False
        self.setDynamicSortFilter(False)

    # -- wiring -----------------------------------------------------------------------------

    def setSourceModel(self, model: Any) -> None:
        old = self.sourceModel()
        if old is not None:
            old.modelAboutToBeReset.disconnect(self._source_changing)
            old.layoutAboutToBeChanged.disconnect(self._source_changing)
        if model is not None:
            model.modelAboutToBeReset.connect(self._source_changing)
            model.layoutAboutToBeChanged.connect(self._source_changing)
        self._stale = True
        super().setSourceModel(model)

    def _model(self) -> CaseTableModel | None:
        model = self.sourceModel()
        return model if isinstance(model, CaseTableModel) else None

    def _source_changing(self, *args: Any) -> None:
        """The rows are about to change (new rows, or a new order): what was computed per
        row index is void; the next row Qt asks about recomputes it (once)."""
        self._stale = True

    def _refresh_if_stale(self) -> None:
        if self._stale:
            self._stale = False
            # New rows or a new order: Qt rebuilds its own mapping, so nothing is "applied".
            self._applied = None
            self._applied_all = False
            model = self._model()
            self._keys = model.search_keys() if model is not None else []
            self._search_hits = None
            self._recompute(narrow=False)

    # -- the filters ------------------------------------------------------------------------

    def set_states(self, states: Iterable[CaseState] | None) -> None:
        self._states = frozenset(states) if states is not None else None
        self._recompute(narrow=False)
        self._refilter()

    def set_protocol(self, protocol: Protocol | None) -> None:
        self._protocol = protocol
        self._recompute(narrow=False)
        self._refilter()

    def set_party(self, party_name: str | None) -> None:
        self._party = party_name
        self._recompute(narrow=False)
        self._refilter()

    def set_search(self, text: str) -> None:
        """The search box's text: every word must occur in the case's number, a subject's
        names or BSN (case and accents ignored)."""
        words = tuple(fold_query(text).split())
        if words == self._query_words:
            return
        previous = self._query_words
        self._query_words = words
        # Typing on: every new word extends or follows an old one, so only earlier hits can
        # still match.
        narrow = bool(previous) and len(words) >= len(previous) and all(
            w.startswith(p) if i == len(previous) - 1 else w == p
            for i, (p, w) in enumerate(zip(previous, words)))
        self._recompute(narrow=narrow)
        self._refilter()

    def search_text(self) -> tuple[str, ...]:
        return self._query_words

    def clear_filters(self) -> None:
        self._states = None
        self._protocol = None
        self._party = None
        self._query_words = ()
        self._search_hits = None
        self._recompute(narrow=False)
        self._refilter()

    # -- the work ---------------------------------------------------------------------------

    def _recompute(self, narrow: bool) -> None:
        if self._stale:
            self._refresh_if_stale()
            return
        model = self._model()
        rows = model.rows() if model is not None else []
        keys = self._keys
        words = self._query_words
        if words:
            if narrow and self._search_hits is not None:
                candidates: Iterable[int] = self._search_hits
            else:
                candidates = range(len(keys))
            # One plain comprehension per word, longest (rarest) word first: each pass
            # looks only at what the previous one kept.
            hits = list(candidates)
            for w in sorted(words, key=len, reverse=True):
                hits = [i for i in hits if w in keys[i]]
            self._search_hits = hits
        else:
            self._search_hits = None
        states, protocol, party = self._states, self._protocol, self._party
        if self._search_hits is None and states is None and protocol is None and party is None:
            self._accepted = None
            return
        accepted = [False] * len(rows)
        chosen: Iterable[int] = self._search_hits if self._search_hits is not None else range(
            len(rows))
        for i in chosen:
            row = rows[i]
            if states is not None and row.state not in states:
                continue
            if protocol is not None and row.protocol is not protocol:
                continue
            if party is not None and row.referring_party != party:
                continue
            accepted[i] = True
        self._accepted = accepted

    def _refilter(self) -> None:
        self._refresh_if_stale()
        accepted = self._accepted
        if accepted == self._applied and (accepted is not None or self._applied_all):
            # Typing on without changing which rows match (a common case: the hits were
            # already narrowed down): Qt's pass over every row would change nothing.
            return
        self._applied = None if accepted is None else list(accepted)
        self._applied_all = accepted is None
        shown = self._count
        self._count = len(self._keys) if accepted is None else sum(accepted)
        if abs(self._count - shown) > BULK_CHANGE_ROWS:
            # Thousands of scattered rows come or go: one relayout is far cheaper than Qt
            # announcing every contiguous run of them to the view one by one.
            self.invalidate()
        else:
            self.beginFilterChange()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if self._stale:
            self._refresh_if_stale()
        accepted = self._accepted
        if accepted is None:
            return True
        return source_row < len(accepted) and accepted[source_row]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is the source model's (one Python sort, not a C++ sort calling back into
        Python per comparison); the proxy keeps the source's order."""
        model = self.sourceModel()
        if model is not None:
            model.sort(column, order)
