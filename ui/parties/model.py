"""The party register as a Qt table model, and the proxy that filters it by type, domain,
protocol, active or not, and name (filtering through the proxy, never by rebuilding)."""

from __future__ import annotations

from datetime import date
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from app.domain.parties import Party, PartyDomain, PartyType
from app.domain.protocols import Protocol
from app.i18n import _

Index = QModelIndex | QPersistentModelIndex

#: Custom role: the party's id (int) in every column.
PARTY_ID_ROLE = Qt.ItemDataRole.UserRole + 1
#: Custom role: a value that sorts right (ISO dates, lower-case names).
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


class Column(IntEnum):
    NAME = 0
    TYPE = 1
    DOMAIN = 2
    PROTOCOLS = 3
    ACTIVE_FROM = 4
    ACTIVE_UNTIL = 5


def _header(column: Column) -> str:
    return {
        Column.NAME: _("Name"),
        Column.TYPE: _("Type"),
        Column.DOMAIN: _("Domain"),
        Column.PROTOCOLS: _("Protocols"),
        Column.ACTIVE_FROM: _("Active from"),
        Column.ACTIVE_UNTIL: _("Active until"),
    }[column]


def format_date(value: date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


class PartyTableModel(QAbstractTableModel):
    """One row per party; ``on`` is the day the protocol column and 'active' refer to."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._parties: list[Party] = []
        self._on = date.today()

    # -- data in and out ----------------------------------------------------------------

    def set_parties(self, parties: list[Party], on: date | None = None) -> None:
        self.beginResetModel()
        self._parties = list(parties)
        self._on = on or date.today()
        self.endResetModel()

    def clear(self) -> None:
        """Drop every party (on lock)."""
        self.set_parties([])

    def party_at(self, row: int) -> Party | None:
        return self._parties[row] if 0 <= row < len(self._parties) else None

    def row_of(self, party_id: int) -> int:
        for row, party in enumerate(self._parties):
            if party.id == party_id:
                return row
        return -1

    @property
    def on(self) -> date:
        return self._on

    # -- QAbstractTableModel --------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._parties)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(Column)):
            return _header(Column(section))
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._parties):
            return None
        party = self._parties[index.row()]
        column = Column(index.column())
        if role == PARTY_ID_ROLE:
            return party.id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(party, column)
        if role == SORT_ROLE:
            if column == Column.ACTIVE_FROM:
                return party.active_from.isoformat() if party.active_from else "9999"
            if column == Column.ACTIVE_UNTIL:
                return party.active_until.isoformat() if party.active_until else "9999"
            return self._display(party, column).lower()
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.PROTOCOLS:
            return "\n".join(p.label for p in party.protocols_on(self._on)) or None
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.NAME and \
                party.is_host_municipality:
            return _("Host municipality")
        if role == Qt.ItemDataRole.FontRole and column == Column.NAME and \
                not party.is_active(self._on):
            from PySide6.QtGui import QFont
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def _display(self, party: Party, column: Column) -> str:
        if column == Column.NAME:
            return party.name
        if column == Column.TYPE:
            return party.party_type.label
        if column == Column.DOMAIN:
            return party.domain.label
        if column == Column.PROTOCOLS:
            return ", ".join(protocol_short_label(p) for p in party.protocols_on(self._on))
        if column == Column.ACTIVE_FROM:
            return format_date(party.active_from) or _("pending")
        return format_date(party.active_until)


def protocol_short_label(protocol: Protocol) -> str:
    """A short name for a table cell; the tooltip carries the full one."""
    return {
        Protocol.INTEGRALE_VEILIGHEID: _("Integrated safety"),
        Protocol.RADICALISERING: _("Radicalisation"),
        Protocol.JEUGDGROEPEN: _("Youth groups"),
    }[protocol]


class PartyFilterProxy(QSortFilterProxyModel):
    """Filters on type, domain, protocol (on the model's day), active or not, and text."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.party_type: PartyType | None = None
        self.domain: PartyDomain | None = None
        self.protocol: Protocol | None = None
        self.active: bool | None = None
        self.text = ""
        self.setSortRole(SORT_ROLE)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_filters(self, *, party_type: PartyType | None = None,
                    domain: PartyDomain | None = None, protocol: Protocol | None = None,
                    active: bool | None = None, text: str = "") -> None:
        # Qt 6.9 brought begin/endFilterChange; older Qt only knows invalidateFilter.
        modern = hasattr(self, "beginFilterChange")
        if modern:
            self.beginFilterChange()
        self.party_type, self.domain, self.protocol = party_type, domain, protocol
        self.active, self.text = active, text.strip().lower()
        if modern:
            self.endFilterChange()
        else:
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, PartyTableModel):
            return True
        party = model.party_at(source_row)
        if party is None:
            return False
        on = model.on
        if self.party_type is not None and party.party_type != self.party_type:
            return False
        if self.domain is not None and party.domain != self.domain:
            return False
        if self.protocol is not None and self.protocol not in party.protocols_on(on):
            return False
        if self.active is not None and party.is_active(on) != self.active:
            return False
        return not self.text or self.text in party.name.lower() or \
            self.text in party.short_name
