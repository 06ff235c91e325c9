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
  forwards ``sort``), never by ``lessThan`` called a million times from C++;
- once a long list is in, Python's garbage collector no longer walks it (``settle_heap``):
  a full collection walked the whole program and the list, 50-60 ms at 100,000 cases, and
  when one fell inside a keystroke that keystroke took as long.
"""

from __future__ import annotations

import gc
import os
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from enum import IntEnum
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractProxyModel,
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetrics,
    QFontMetricsF,
    QIcon,
    QImage,
    QPainter,
    QPalette,
    QPixmap,
    QStaticText,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.formatting import format_date
from app.i18n import N_, _, current_language
from app.services.cases import CaseRow, CaseRows, fold_query
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

#: From this many rows, the heap is frozen once they are shown (see ``settle_heap``).
FREEZE_FROM_ROWS = 10_000

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


#: The roles ``CaseTableModel.data_at`` answers, and the columns, as plain numbers.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_SORT = int(SORT_ROLE)
_CASE_NUMBER = int(CASE_NUMBER_ROLE)
_STATE = int(STATE_ROLE)
_ANSWERED = frozenset({_DISPLAY, _TOOLTIP, _DECORATION, _ALIGNMENT, _FOREGROUND, _SORT,
                       _CASE_NUMBER, _STATE})
_COLUMN = tuple(Column)
_COLUMNS = len(_COLUMN)
_COUNTS = frozenset({Column.OPEN_ACTIONS, Column.OVERDUE_ACTIONS})
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
#: Every cell's flags, made once: the view asks them per painted cell, and combining two
#: PySide6 flags per call went through Python's enum machinery each time.
_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters (line breaks of a paste become spaces)."""
    if len(text) > limit:
        text = text[:limit]
        return " ".join(text.split()) + "\u2026"
    if "\n" in text or "\r" in text or "\t" in text:
        return " ".join(text.split())
    return text


def settle_heap() -> None:
    """Move every object alive now out of the garbage collector's sight (``gc.freeze``), after
    one full collection. Called when a long case list has been shown: from then on a full
    collection walks only what was made since, not the program's modules and widgets and the
    100,000 rows' lists and tables (50-60 ms, a stutter whenever it fell inside a keystroke).
    Frozen objects are still freed when nothing refers to them; what a freeze keeps is only
    garbage in reference cycles, so every freeze is lifted first (``release_heap``) and the
    collection before the next one frees what became garbage meanwhile."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def release_heap() -> None:
    """Lift ``settle_heap``'s freeze (on lock, when the list is dropped), so that the next
    collection frees every cycle the locked screens leave, personal data with them."""
    gc.unfreeze()


def _date_text(value: date | None) -> str:
    """As the reader's language writes dates (05-03-2026 in Dutch); sorting uses the date."""
    return format_date(value, empty="")


class CaseTableModel(QAbstractTableModel):
    """Every case the account may see, one row each, in the order of the ``Column`` enum."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: Sequence[CaseRow] = []
        self._icons: dict[CaseState, QIcon] = {}
        # Translated once per model: the same few labels for 100,000 rows.
        self._state_labels: dict[CaseState, str] = {}
        self._protocol_labels: dict[Protocol, str] = {}
        self._headers: list[str] = []
        #: each date as the reader's language writes it, made once per date (Babel's
        #: formatting took a tenth of a painted table's time in Python)
        self._date_texts: dict[date | None, str] = {}
        self._dates_language = ""
        self._translate()

    def _translate(self) -> None:
        self._state_labels = {s: s.label for s in CaseState}
        self._protocol_labels = {p: p.label for p in Protocol}
        self._headers = [c.header for c in Column]
        self._date_texts = {}

    def _date(self, value: date | None) -> str:
        language = current_language()
        if language != self._dates_language:      # the texts are the language's own
            self._date_texts, self._dates_language = {}, language
        text = self._date_texts.get(value)
        if text is None:
            text = self._date_texts[value] = _date_text(value)
        return text

    # -- content ----------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[CaseRow]) -> None:
        """Show ``rows``; a ``CaseRows`` answer is kept as it is, so that only the rows the
        view paints (or a sort or filter asks for) are ever built."""
        self.beginResetModel()
        self._rows = rows if isinstance(rows, CaseRows) else list(rows)
        self._translate()
        self.endResetModel()
        if len(self._rows) >= FREEZE_FROM_ROWS:
            settle_heap()

    def clear(self) -> None:
        """Drop every row (on lock): nothing personal is left in the model, and the heap's
        freeze is lifted so that the collector frees what the locked screens held."""
        self.beginResetModel()
        self._rows = []
        self.endResetModel()
        release_heap()

    def rows(self) -> Sequence[CaseRow]:
        return self._rows

    def row_at(self, row: int) -> CaseRow:
        return self._rows[row]

    def search_keys(self) -> list[str]:
        rows = self._rows
        if isinstance(rows, CaseRows):
            return rows.search_keys()  # without building a row per case
        return [r.search_key for r in rows]

    def common_prefix(self) -> str:
        """The longest beginning every row's search key shares (made once per answer)."""
        rows = self._rows
        if isinstance(rows, CaseRows):
            return rows.common_prefix()
        return os.path.commonprefix(self.search_keys()) if rows else ""

    def referring_parties(self) -> set[str]:
        """The names of the referring parties of the rows (for the party filter)."""
        rows = self._rows
        if isinstance(rows, CaseRows):
            return rows.referring_parties()
        return {r.referring_party for r in rows if r.referring_party}

    # -- the model interface ----------------------------------------------------------------

    def rowCount(self, parent: Index = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _NO_PARENT) -> int:
        return 0 if parent.isValid() else _COLUMNS

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
        return _CELL_FLAGS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        return self.data_at(index.row(), index.column(), role)

    def data_at(self, r: int, c: int, role: int = _DISPLAY) -> Any:
        """``data`` for row ``r`` and column ``c`` (the proxy asks this way: no index to
        make per cell painted). The view asks about ten roles per painted cell; the ones
        this model does not answer are turned away first, and roles and columns are
        compared as plain numbers (a PySide6 enum looked up per call costs more than the
        answer)."""
        if role not in _ANSWERED or not (0 <= r < len(self._rows) and 0 <= c < _COLUMNS):
            return None
        row = self._rows[r]
        column = _COLUMN[c]
        if role == _DISPLAY:
            return self._display(row, column)
        if role == _TOOLTIP:
            return self._tooltip(row, column)
        if role == _SORT:
            return sort_value(row, column)
        if role == _CASE_NUMBER:
            return row.number
        if role == _STATE:
            return row.state.value
        if role == _DECORATION:
            return self._state_icon(row.state) if column is Column.STATUS else None
        if role == _ALIGNMENT:
            return _RIGHT if column in _COUNTS else None
        if column is Column.OVERDUE_ACTIONS and row.overdue_actions > 0:  # foreground
            return QBrush(QColor(a11y.error_colour()))
        return None

    def multi_at(self, r: int, c: int,
                 span: QModelRoleDataSpan | QModelRoleData) -> None:
        """Every role the view asks for one cell, in one call (``multiData``): a painted
        cell costs one call into Python instead of one per role (about seven). Only the
        roles this model answers are filled in; every other role is cleared, since the view
        hands the same items from cell to cell (a role left alone would show the previous
        cell's icon, colour or alignment)."""
        if not (0 <= r < len(self._rows) and 0 <= c < _COLUMNS):
            return
        row = self._rows[r]
        column = _COLUMN[c]
        # The span iterates its items (PySide6 6.11; its type stubs do not say so).
        items = ((span,) if isinstance(span, QModelRoleData)
                 else cast(Iterable[QModelRoleData], span))
        for item in items:
            item.clearData()
            role = item.role()
            if role == _DISPLAY:
                item.setData(self._display(row, column))
            elif role == _DECORATION:
                if column is Column.STATUS:
                    item.setData(self._state_icon(row.state))
            elif role == _ALIGNMENT:
                if column in _COUNTS:
                    item.setData(_RIGHT)
            elif role == _FOREGROUND:
                if column is Column.OVERDUE_ACTIONS and row.overdue_actions > 0:
                    item.setData(QBrush(QColor(a11y.error_colour())))
            elif role in _ANSWERED:
                value = self.data_at(r, c, role)
                if value is not None:
                    item.setData(value)

    def multiData(self, index: Index,
                  roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        if index.isValid() and not index.parent().isValid():
            self.multi_at(index.row(), index.column(), roleDataSpan)

    def display_at(self, r: int, c: int) -> tuple[CaseRow, Column, str]:
        """Row ``r``'s row, column ``c`` and the cell's text (what the delegate paints)."""
        row = self._rows[r]
        column = _COLUMN[c]
        return row, column, self._display(row, column)

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
            return self._date(row.received)
        if column is Column.NEXT_MEETING:
            return self._date(row.next_meeting)
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
        rows = self._rows
        self.layoutAboutToBeChanged.emit()
        if isinstance(rows, CaseRows):
            # The column's values straight from the listing and the answer reordered as it
            # is: no row object is built for a sort (100,000 of them took memory and time).
            to_key = _value_key(Column(column))
            keys = list(map(to_key, rows.values_of(_FIELDS[Column(column)])))
            order_of = sorted(range(len(rows)), key=keys.__getitem__,
                              reverse=order == Qt.SortOrder.DescendingOrder)
            self._rows = rows.reordered(order_of)
        else:
            key = sort_key(Column(column), self)
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


#: The ``CaseRow`` field each column shows.
_FIELDS = {Column.NUMBER: "number", Column.MAIN_SUBJECT: "main_subject",
           Column.PROTOCOL: "protocol", Column.STATUS: "state",
           Column.REFERRING_PARTY: "referring_party", Column.RECEIVED: "received",
           Column.NEXT_MEETING: "next_meeting", Column.OPEN_ACTIONS: "open_actions",
           Column.OVERDUE_ACTIONS: "overdue_actions"}


def _value_key(column: Column) -> Callable[[Any], Any]:
    """What :func:`sort_key` sorts a row on, from the column's value alone."""
    if column is Column.NUMBER:
        return lambda n: (len(n), n)
    if column is Column.PROTOCOL:
        return {p: p.label.casefold() for p in Protocol}.__getitem__
    if column in (Column.MAIN_SUBJECT, Column.REFERRING_PARTY):
        return str.casefold
    if column is Column.STATUS:
        return STATE_ORDER.__getitem__
    if column is Column.RECEIVED:
        return date.toordinal
    if column is Column.NEXT_MEETING:
        return lambda d: d.toordinal() if d else 10**7
    return int


def sort_key(column: Column, model: CaseTableModel) -> Callable[[CaseRow], Any]:
    if column is Column.NUMBER:
        # ZVH-YYYY-NNNN sorts as text until a year passes 9,999 cases; compare the parts.
        return lambda r: (len(r.number), r.number)
    if column is Column.PROTOCOL:
        labels = {p: p.label.casefold() for p in Protocol}
        return lambda r: labels[r.protocol]
    return lambda r: sort_value(r, column)


class CaseFilterProxy(QAbstractProxyModel):
    """Status, protocol, referring party and search-box filters over a ``CaseTableModel``.

    Not a ``QSortFilterProxyModel``: that one asks ``filterAcceptsRow`` once per row from
    C++, and 100,000 calls into Python cost tens of milliseconds per keystroke. This proxy
    keeps the shown source rows as one ascending Python list, computed per filter change in
    plain list passes, and tells the view with one layout change (mapping any persistent
    index, such as the selection, by bisection).

    The search keeps the hits of every shorter query typed on the way to the current one,
    so typing on only looks at the previous hits and deleting a character shows the earlier
    hits again without a pass; a word inside the beginning every key shares (a case number
    typed: "zvh-20") needs no pass, and a one-character first word's hits are kept until
    new rows come.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._states: frozenset[CaseState] | None = None
        self._protocol: Protocol | None = None
        self._party: str | None = None
        self._query_words: tuple[str, ...] = ()
        #: per source row: its folded search key (``CaseRow.search_key``)
        self._keys: list[str] = []
        #: the queries typed on the way to the current one, with their hits (ascending
        #: source rows), shortest first
        self._trail: list[tuple[tuple[str, ...], list[int] | None]] = []
        #: the longest beginning every search key shares (the case numbers' "zvh-20"): a
        #: word inside it matches every row (made at the first search after new rows)
        self._common: str | None = None
        #: the hits of a one-character first word, kept until new rows come (typing a new
        #: search starts with one of a few dozen characters)
        self._char_hits: dict[str, list[int]] = {}
        #: shown source rows, ascending; None: every source row, in order
        self._shown: list[int] | None = None
        self._stale = True
        #: while the source sorts: the persistent indexes and the source rows they showed
        self._moving: list[tuple[QModelIndex, QPersistentModelIndex]] = []

    # -- wiring -----------------------------------------------------------------------------

    def _source_links(self, model: Any) -> tuple[tuple[Any, Any], ...]:
        """The source model's signals this proxy follows, each with its handler."""
        return ((model.modelAboutToBeReset, self._source_resetting),
                (model.modelReset, self._source_reset),
                (model.layoutAboutToBeChanged, self._source_relayouting),
                (model.layoutChanged, self._source_relayouted),
                (model.dataChanged, self._source_data_changed),
                (model.headerDataChanged, self.headerDataChanged))

    def setSourceModel(self, model: Any) -> None:
        old = self.sourceModel()
        self.beginResetModel()
        if old is not None:
            for signal, slot in self._source_links(old):
                signal.disconnect(slot)
        super().setSourceModel(model)
        if model is not None:
            for signal, slot in self._source_links(model):
                signal.connect(slot)
        self._stale = True
        self._refresh()
        self.endResetModel()

    def _model(self) -> CaseTableModel | None:
        model = self.sourceModel()
        return model if isinstance(model, CaseTableModel) else None

    def _source_resetting(self) -> None:
        self.beginResetModel()

    def _source_reset(self) -> None:
        self._stale = True
        self._refresh()
        self.endResetModel()

    def _source_relayouting(self, *args: Any) -> None:
        # The source sorts: remember which source row each persistent index showed.
        self.layoutAboutToBeChanged.emit()
        self._moving = [(p, QPersistentModelIndex(self.mapToSource(p)))
                        for p in self.persistentIndexList()]

    def _source_relayouted(self, *args: Any) -> None:
        # The source moved its own persistent indexes with its rows: follow them.
        moving, self._moving = self._moving, []
        self._stale = True
        self._refresh()
        old = [p for p, _s in moving]
        new = [self.mapFromSource(s) for _p, s in moving]
        if old:
            self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _source_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex,
                             roles: Sequence[int] = ()) -> None:
        if self.rowCount() and top_left.isValid() and bottom_right.isValid():
            self.dataChanged.emit(self.index(0, top_left.column()),
                                  self.index(self.rowCount() - 1, bottom_right.column()),
                                  list(roles))

    def _refresh(self) -> None:
        """New rows or a new order: the search words per row again, then the filters."""
        if not self._stale:
            return
        self._stale = False
        model = self._model()
        self._keys = model.search_keys() if model is not None else []
        self._trail = []
        self._common = None
        self._char_hits = {}
        self._shown = self._compute()

    # -- the filters ------------------------------------------------------------------------

    def set_states(self, states: Iterable[CaseState] | None) -> None:
        self._states = frozenset(states) if states is not None else None
        self._apply()

    def set_protocol(self, protocol: Protocol | None) -> None:
        self._protocol = protocol
        self._apply()

    def set_party(self, party_name: str | None) -> None:
        self._party = party_name
        self._apply()

    def set_search(self, text: str) -> None:
        """The search box's text: every word must occur in the case's number, a subject's
        names or BSN (case and accents ignored)."""
        words = tuple(fold_query(text).split())
        if words == self._query_words:
            return
        self._query_words = words
        self._apply()

    def search_text(self) -> tuple[str, ...]:
        return self._query_words

    def clear_filters(self) -> None:
        self._states = None
        self._protocol = None
        self._party = None
        self._query_words = ()
        self._apply()

    # -- the work ---------------------------------------------------------------------------

    def _search_hits(self) -> list[int] | None:
        """Source rows whose key holds every query word (None: every row, no search or
        only words every key holds)."""
        words = self._query_words
        if not words:
            self._trail = []
            return None
        # Back to a query typed on the way here (a character deleted): its hits as they were.
        while self._trail and not _extends(words, self._trail[-1][0]):
            self._trail.pop()
        if self._trail and self._trail[-1][0] == words:
            return self._trail[-1][1]
        keys = self._keys
        if self._common is None:
            model = self._model()
            self._common = model.common_prefix() if model is not None and keys else ""
        # A word inside the beginning every key shares narrows nothing (no pass for it).
        needed = sorted((w for w in words if w not in self._common), key=len, reverse=True)
        hits: list[int] | None = self._trail[-1][1] if self._trail else None
        if needed and hits is None:
            # One plain pass for the longest (rarest) word; the later passes only look at
            # what the earlier ones kept. A one-character word's hits are kept.
            first = needed.pop(0)
            cached = self._char_hits.get(first) if len(first) == 1 else None
            if cached is None:
                cached = [i for i, key in enumerate(keys) if first in key]
                if len(first) == 1:
                    self._char_hits[first] = cached
            hits = cached
        for w in needed:
            # Typing on: only the previous hits can still match.
            assert hits is not None
            hits = [i for i in hits if w in keys[i]]
        self._trail.append((words, hits))
        return hits

    def _compute(self) -> list[int] | None:
        hits = self._search_hits()
        states, protocol, party = self._states, self._protocol, self._party
        if states is None and protocol is None and party is None:
            return hits
        model = self._model()
        rows = model.rows() if model is not None else []
        candidates: Iterable[int] = hits if hits is not None else range(len(rows))
        return [i for i in candidates
                if (states is None or rows[i].state in states)
                and (protocol is None or rows[i].protocol is protocol)
                and (party is None or rows[i].referring_party == party)]

    def _apply(self) -> None:
        """Filter again and tell the view with one layout change."""
        if self._stale:
            self._refresh()
        shown = self._compute()
        if shown == self._shown:
            return  # typing on without changing which rows match: nothing to tell the view
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        sources = [self.mapToSource(p) for p in old]
        self._shown = shown
        if old:
            self.changePersistentIndexList(old, [self.mapFromSource(s) for s in sources])
        self.layoutChanged.emit()

    # -- the proxy interface ----------------------------------------------------------------

    def source_row(self, row: int) -> int:
        """The source row a shown row shows (no index made)."""
        shown = self._shown
        return row if shown is None else shown[row]

    def _source_count(self) -> int:
        model = self.sourceModel()
        return model.rowCount() if model is not None else 0

    def rowCount(self, parent: Index = _NO_PARENT) -> int:
        if parent.isValid():
            return 0
        if self._stale:
            self._refresh()
        return self._source_count() if self._shown is None else len(self._shown)

    def columnCount(self, parent: Index = _NO_PARENT) -> int:
        model = self.sourceModel()
        return 0 if parent.isValid() or model is None else model.columnCount()

    def index(self, row: int, column: int, parent: Index = _NO_PARENT) -> QModelIndex:
        # Asked once per painted cell: the counts without a call per bound.
        if self._stale:
            self._refresh()
        shown = self._shown
        rows = len(shown) if shown is not None else self._source_count()
        if not (0 <= row < rows and 0 <= column < _COLUMNS) or parent.isValid():
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, child: Index | None = None) -> Any:
        if child is None:
            return QObject.parent(self)
        return QModelIndex()

    def sibling(self, row: int, column: int, index: Index) -> QModelIndex:
        return self.index(row, column)

    def hasChildren(self, parent: Index = _NO_PARENT) -> bool:
        return not parent.isValid() and self.rowCount() > 0

    def mapToSource(self, proxy_index: Index) -> QModelIndex:
        model = self.sourceModel()
        if model is None or not proxy_index.isValid():
            return QModelIndex()
        row = proxy_index.row()
        shown = self._shown
        if shown is not None:
            if not 0 <= row < len(shown):
                return QModelIndex()
            row = shown[row]
        return model.index(row, proxy_index.column())

    def mapFromSource(self, source_index: Index) -> QModelIndex:
        if not source_index.isValid():
            return QModelIndex()
        row = source_index.row()
        shown = self._shown
        if shown is not None:
            at = bisect_left(shown, row)
            if at == len(shown) or shown[at] != row:
                return QModelIndex()
            row = at
        return self.index(row, source_index.column())

    # The view asks these per cell painted: answered straight from the source's row, without
    # the base class's ``mapToSource`` and source index per call.

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if role not in _ANSWERED:
            return None  # before any other work: most roles a view asks are not answered
        model = self._model()
        if model is None or not index.isValid():
            return None
        row = index.row()
        shown = self._shown
        if shown is not None:
            if not 0 <= row < len(shown):
                return None
            row = shown[row]
        return model.data_at(row, index.column(), role)

    def multiData(self, index: Index,
                  roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        """The view's roles for one cell in one call (see ``CaseTableModel.multi_at``)."""
        model = self._model()
        if model is None or not index.isValid():
            return
        row = index.row()
        shown = self._shown
        if shown is not None:
            if not 0 <= row < len(shown):
                return
            row = shown[row]
        model.multi_at(row, index.column(), roleDataSpan)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _CELL_FLAGS

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        model = self.sourceModel()
        if model is None or orientation != Qt.Orientation.Horizontal:
            return None
        return model.headerData(section, orientation, role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is the source model's (one Python sort on its list); the proxy keeps the
        source's order."""
        model = self.sourceModel()
        if model is not None:
            model.sort(column, order)


class CaseCellDelegate(QStyledItemDelegate):
    """Paints the Cases table's cells straight from its rows (issue 23, point 3).

    Qt's own delegate asks the model for seven roles per cell and lays out and elides each
    cell's text anew at every paint; a keystroke that changes the table's rows repaints about
    250 cells, and that took 10-11 ms of the GUI thread at 100,000 listed cases (6-7 ms
    this way). Here a cell reads its text from its row, and each text is elided and laid out
    once per column width and kept (a ``QStaticText``; dropped when new rows come, on lock,
    and when the font, palette or style changes). It draws what Qt's delegate draws for
    these cells: the selection's highlight, the text elided on the right, left-aligned
    (counts right-aligned), in the palette's text colour, the highlighted-text colour when
    selected and the error colour for overdue actions.

    It checks itself: at its first paint after a change of look it draws a cell both ways,
    selected and not, and steps aside for Qt's delegate if a pixel differs (a platform style
    that rounds its selection, say). The status column (its colour square), the cell with
    the keyboard focus (its focus frame), a disabled view and a right-to-left layout are
    always Qt's delegate's.
    """

    #: The kept texts are dropped when there are more than this many (cells seen while
    #: scrolling and typing; each holds its laid-out glyphs).
    KEEP = 4_000

    def __init__(self, proxy: CaseFilterProxy, view: QWidget) -> None:
        super().__init__(view)
        self._proxy = proxy
        self._texts: dict[tuple[str, int], tuple[QStaticText, float]] = {}
        #: margin, font metrics (whole and fractional), colours per active/inactive window,
        #: the error colour: taken from the view at its first paint after a change
        self._look: tuple[int, QFontMetrics, QFontMetricsF,
                          dict[bool, tuple[QBrush, QColor, QColor]], QColor] | None = None
        #: whether this delegate draws as Qt's does (None: not checked since the last change)
        self._same: bool | None = None
        #: the status cells as Qt's delegate paints them, per label, look and size (it lays
        #: out the label and scales the colour square anew per cell: a third of a painted
        #: table's delegate time); whether drawing them so matches (None: not checked)
        self._status_cells: dict[tuple[Any, ...], QPixmap] = {}
        self._status_same: bool | None = None
        self._plain = view.layoutDirection() == Qt.LayoutDirection.LeftToRight
        proxy.modelReset.connect(self.forget)
        view.installEventFilter(self)

    def forget(self) -> None:
        """Drop every kept text (new rows, or the lock: nothing personal is kept)."""
        self._texts = {}
        self._status_cells = {}

    def draws_itself(self) -> bool | None:
        """Whether the last check found this delegate drawing as Qt's (None: not checked)."""
        return self._same

    def eventFilter(self, watched: QObject, event: Any) -> bool:  # noqa: N802 - Qt's name
        if event.type() in _LOOK_CHANGES:
            self._look = None
            self._same = None
            self._texts = {}
            self._status_cells = {}
            self._status_same = None
            if isinstance(watched, QWidget):
                self._plain = watched.layoutDirection() == Qt.LayoutDirection.LeftToRight
        return False

    def _take_look(self, option: QStyleOptionViewItem) -> tuple[
            int, QFontMetrics, QFontMetricsF, dict[bool, tuple[QBrush, QColor, QColor]],
            QColor]:
        widget = option.widget
        style = widget.style() if widget is not None else None
        margin = (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
                  if style is not None else 3)
        palette = option.palette
        colours = {}
        for active in (True, False):
            group = QPalette.ColorGroup.Normal if active else QPalette.ColorGroup.Inactive
            # copies: the option and its palette are gone after this paint
            colours[active] = (QBrush(palette.brush(group, QPalette.ColorRole.Highlight)),
                               QColor(palette.color(group, QPalette.ColorRole.HighlightedText)),
                               QColor(palette.color(group, QPalette.ColorRole.Text)))
        font = option.font
        self._look = (margin, QFontMetrics(font), QFontMetricsF(font), colours,
                      QColor(a11y.error_colour()))
        return self._look

    def _check(self, option: QStyleOptionViewItem, index: Index,
               model: CaseTableModel) -> bool:
        """Draw this cell and a count cell of its row both ways, selected and not, into
        images: whether every pixel is the same."""
        for column in (index.column(), int(Column.OPEN_ACTIONS)):
            cell = self._proxy.index(index.row(), column)
            if not cell.isValid():
                continue
            for selected in (False, True):
                probe, theirs, ours = _probe(option, selected, QPalette.ColorRole.Base)
                with _painting(theirs) as painter:
                    super().paint(painter, probe, cell)
                with _painting(ours) as painter:
                    self._draw(painter, probe, probe.rect, probe.state.value, model,
                               cell.row(), column)
                if theirs != ours:
                    return False
        return True

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: Index) -> None:
        c = index.column()
        state = option.state.value  # a plain number: a PySide6 flag's "&" is an enum call
        model = self._proxy.sourceModel()
        if (state & _FOCUS or not state & _ENABLED or not self._plain
                or not isinstance(model, CaseTableModel)):
            super().paint(painter, option, index)
            return
        if c == _STATUS:
            if self._status_same is None:
                self._status_same = self._check_status(option, index, model)
            if self._status_same:
                painter.drawPixmap(option.rect.topLeft(),
                                   self._status_cell(option, index, state, model))
            else:
                super().paint(painter, option, index)
            return
        if self._same is None:
            self._look = None
            self._same = self._check(option, index, model)
        if not self._same:
            super().paint(painter, option, index)
            return
        self._draw(painter, option, option.rect, state, model, index.row(), c)

    def _status_cell(self, option: QStyleOptionViewItem, index: Index, state: int,
                     model: CaseTableModel) -> QPixmap:
        """The status cell as Qt's delegate paints it, on a transparent pixmap: made once
        per label, state, look and size."""
        rect = option.rect
        row, _column, label = model.display_at(self._proxy.source_row(index.row()), _STATUS)
        key = (label, row.state, rect.width(), rect.height(), state, option.features.value)
        cell = self._status_cells.get(key)
        if cell is None:
            if len(self._status_cells) > self.KEEP:
                self._status_cells = {}
            widget = option.widget
            ratio = widget.devicePixelRatioF() if widget is not None else 1.0
            cell = QPixmap(round(rect.width() * ratio), round(rect.height() * ratio))
            cell.setDevicePixelRatio(ratio)
            cell.fill(Qt.GlobalColor.transparent)
            probe = QStyleOptionViewItem(option)
            probe.rect = QRect(0, 0, rect.width(), rect.height())
            painter = QPainter(cell)
            try:
                super().paint(painter, probe, index)
            finally:
                painter.end()
            self._status_cells[key] = cell
        return cell

    def _check_status(self, option: QStyleOptionViewItem, index: Index,
                      model: CaseTableModel) -> bool:
        """Draw this status cell both ways, selected and not, into images: whether every
        pixel of the kept cell drawn over the row's background is Qt's."""
        for selected in (False, True):
            probe, theirs, ours = _probe(option, selected, QPalette.ColorRole.AlternateBase)
            with _painting(theirs) as painter:
                super().paint(painter, probe, index)
            kept = self._status_cell(probe, index, probe.state.value, model)
            with _painting(ours) as painter:
                painter.drawPixmap(probe.rect.topLeft(), kept)
            if theirs != ours:
                self._status_cells = {}
                return False
        return True

    def _draw(self, painter: QPainter, option: QStyleOptionViewItem, rect: QRect,
              state: int, model: CaseTableModel, r: int, c: int) -> None:
        row, column, text = model.display_at(self._proxy.source_row(r), c)
        margin, metrics, fractional, colours, error = self._look or self._take_look(option)
        width = rect.width() - 2 * margin
        kept = self._texts.get((text, width))
        if kept is None:
            if len(self._texts) > self.KEEP:
                self._texts = {}
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
            laid = QStaticText(shown)
            laid.setTextFormat(Qt.TextFormat.PlainText)  # a name is never markup
            kept = self._texts[(text, width)] = (laid, fractional.horizontalAdvance(shown))
        laid, advance = kept
        highlight, on_highlight, ink = colours[bool(state & _ACTIVE)]
        if state & _SELECTED:
            painter.fillRect(rect, highlight)
            painter.setPen(on_highlight)
        elif column is Column.OVERDUE_ACTIONS and row.overdue_actions > 0:
            painter.setPen(error)
        else:
            painter.setPen(ink)
        x = float(rect.x() + margin)
        if column in _COUNTS:  # right-aligned at a fraction of a pixel, as Qt lays out text
            x += width - advance
        painter.drawStaticText(QPointF(x, rect.y() + (rect.height() - metrics.height()) // 2),
                               laid)


def _probe(option: QStyleOptionViewItem, selected: bool,
           background: QPalette.ColorRole) -> tuple[QStyleOptionViewItem, QImage, QImage]:
    """A copy of ``option`` for a cell at the origin, selected or not, and two blank images
    of the cell at the screen's pixel ratio (as the cells are painted there), filled with
    the palette's ``background``: one for Qt's delegate, one for ours."""
    size = option.rect.size()
    widget = option.widget
    ratio = widget.devicePixelRatioF() if widget is not None else 1.0
    pixels = QSize(round(size.width() * ratio), round(size.height() * ratio))
    probe = QStyleOptionViewItem(option)
    probe.rect = QRect(0, 0, size.width(), size.height())
    probe.state = ((probe.state | _SELECTED_FLAG) if selected
                   else (probe.state & ~_SELECTED_FLAG))
    theirs, ours = (QImage(pixels, QImage.Format.Format_ARGB32_Premultiplied)
                    for _ in range(2))
    for image in (theirs, ours):
        image.setDevicePixelRatio(ratio)
        image.fill(probe.palette.color(background))
    return probe, theirs, ours


@contextmanager
def _painting(image: QImage) -> Iterator[QPainter]:
    painter = QPainter(image)
    try:
        yield painter
    finally:
        painter.end()


#: What makes the delegate take the view's margin, fonts and colours again.
_LOOK_CHANGES = frozenset({QEvent.Type.FontChange, QEvent.Type.PaletteChange,
                           QEvent.Type.StyleChange, QEvent.Type.LayoutDirectionChange,
                           QEvent.Type.ApplicationPaletteChange,
                           QEvent.Type.ApplicationFontChange})
_STATUS = int(Column.STATUS)
_SELECTED_FLAG = QStyle.StateFlag.State_Selected
#: the view's state flags as plain numbers (the delegate tests them per painted cell)
_FOCUS = QStyle.StateFlag.State_HasFocus.value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_SELECTED = QStyle.StateFlag.State_Selected.value


def _extends(words: tuple[str, ...], earlier: tuple[str, ...]) -> bool:
    """Whether every row matching ``words`` also matches ``earlier``: each earlier word is
    a part of the word at its place (typing on within a word, or adding words)."""
    return len(words) >= len(earlier) and all(e in w for e, w in zip(earlier, words))
