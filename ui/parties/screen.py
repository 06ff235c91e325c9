"""The Parties screen: the register as a filterable table, the chosen party's details,
protocols, contact persons and history, and the administrator's actions (accession,
protocols, contacts, details, withdrawal or exclusion, Bijlage 1).

It is given the open vault and nothing else; every read and change goes through
``app.services.parties``. ``clear()`` drops everything it shows (the shell calls it on lock).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.parties import Contact, Party, PartyDomain, PartyType
from app.domain.protocols import Protocol
from app.domain.roles import Permission, may
from app.errors import CasuskamerError, NotFound
from app.formatting import format_moment
from app.i18n import _
from app.services import parties as party_service
from app.vault.vault import OpenVault
from ui import a11y, dialogs
from ui.parties.accession import AccessionWizard
from ui.parties.forms import (
    ContactDialog,
    DateDialog,
    DetailsDialog,
    EndParticipationDialog,
    MembershipDialog,
    SignatureDialog,
)
from ui.parties.model import PARTY_ID_ROLE, Column, PartyFilterProxy, PartyTableModel, format_date

#: Protocols that start empty in a new vault and need the administrator's attention.
PROMPTED_PROTOCOLS = (Protocol.RADICALISERING, Protocol.JEUGDGROEPEN)


def _labelled(text: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    label = QLabel(text)
    label.setBuddy(widget)
    widget.setAccessibleName(text.replace("&", "").rstrip(":"))
    layout.addWidget(label)
    layout.addWidget(widget)
    return box


class PartiesScreen(QWidget):
    def __init__(self, vault: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.setObjectName("partiesScreen")
        self.can_manage = may(vault.actor.role, Permission.MANAGE_PARTIES)
        self.can_see_contacts = may(vault.actor.role, Permission.VIEW_PARTIES)
        self._contacts: list[Contact] = []
        self._party: Party | None = None

        # -- filters --------------------------------------------------------------------
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("part of the name"))
        self.type_filter = QComboBox()
        self.type_filter.addItem(_("All types"), None)
        for t in PartyType:
            self.type_filter.addItem(t.label, t)
        self.domain_filter = QComboBox()
        self.domain_filter.addItem(_("All domains"), None)
        for d in PartyDomain:
            self.domain_filter.addItem(d.label, d)
        self.protocol_filter = QComboBox()
        self.protocol_filter.addItem(_("All protocols"), None)
        for p in Protocol:
            self.protocol_filter.addItem(p.label, p)
        self.active_filter = QComboBox()
        self.active_filter.addItem(_("Active and not active"), None)
        self.active_filter.addItem(_("Active today"), True)
        self.active_filter.addItem(_("Not active today"), False)
        # The search box keeps room for a name (it was squeezed to 20 pixels in English by
        # the four lists beside it); the lists give way, showing about 14 characters.
        self.search.setObjectName("parties_search")
        self.search.setMinimumWidth(self.search.fontMetrics().horizontalAdvance("m" * 16))
        for combo in (self.type_filter, self.domain_filter, self.protocol_filter,
                      self.active_filter):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)
        filters = QHBoxLayout()
        filters.addWidget(_labelled(_("&Search:"), self.search), 3)
        filters.addWidget(_labelled(_("T&ype:"), self.type_filter), 1)
        filters.addWidget(_labelled(_("Do&main:"), self.domain_filter), 1)
        filters.addWidget(_labelled(_("&Protocol:"), self.protocol_filter), 1)
        filters.addWidget(_labelled(_("S&tatus:"), self.active_filter), 1)
        self.search.textChanged.connect(self.apply_filters)
        for combo in (self.type_filter, self.domain_filter, self.protocol_filter,
                      self.active_filter):
            combo.currentIndexChanged.connect(self.apply_filters)

        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.prompt.setObjectName("protocolPrompt")
        self.prompt.setStyleSheet(a11y.NOTICE_STYLE)
        self.prompt.setVisible(False)

        # -- the table ------------------------------------------------------------------
        self.model = PartyTableModel(self)
        self.proxy = PartyFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName(_("Parties"))
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.count_label = QLabel()

        # -- the detail view ------------------------------------------------------------
        self.detail_title = QLabel()
        self.detail_title.setObjectName("partyTitle")
        self.detail_title.setStyleSheet("font-weight: bold; font-size: 14pt;")
        self.detail_title.setWordWrap(True)
        facts = QGroupBox(_("Details"))
        self.facts = QFormLayout(facts)
        self.fact_labels: dict[str, QLabel] = {}
        for key, text in (("type", _("Type:")), ("domain", _("Domain:")),
                          ("seat", _("Registered seat:")), ("address", _("Office address:")),
                          ("representative", _("Represented by:")),
                          ("status", _("Status:")), ("accession", _("Accession:"))):
            value = QLabel()
            value.setTextFormat(Qt.TextFormat.PlainText)  # register data: never markup
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            label = QLabel(text)
            label.setBuddy(value)
            value.setAccessibleName(text.rstrip(":"))
            self.facts.addRow(label, value)
            self.fact_labels[key] = value
        self.memberships = QTreeWidget()
        self.memberships.setHeaderLabels([_("Protocol"), _("From"), _("Until")])
        self.memberships.setRootIsDecorated(False)
        self.memberships.setAccessibleName(_("Protocol membership"))
        self.memberships.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.memberships.header().setStretchLastSection(False)
        self.contacts_view = QTreeWidget()
        self.contacts_view.setHeaderLabels([_("Name"), _("Function"), _("Phone"),
                                            _("E-mail"), _("Takes part in")])
        self.contacts_view.setRootIsDecorated(False)
        self.contacts_view.setAccessibleName(_("Contact persons"))
        self.history_view = QTreeWidget()
        self.history_view.setHeaderLabels([_("When"), _("What"), _("Who")])
        self.history_view.setRootIsDecorated(False)
        self.history_view.setAccessibleName(_("History"))
        self.history_view.header().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)

        # -- actions --------------------------------------------------------------------
        def button(text: str, slot: Any, name: str) -> QPushButton:
            b = QPushButton(text)
            b.setObjectName(name)
            b.setAccessibleName(text.replace("&", "").rstrip("…"))
            b.clicked.connect(slot)
            b.setVisible(self.can_manage)
            return b

        self.accession_button = button(_("&Accession…"), self.start_accession,
                                       "accessionButton")
        self.details_button = button(_("&Details…"), self.edit_details, "detailsButton")
        self.protocols_button = button(_("P&rotocols…"), self.edit_protocols,
                                       "protocolsButton")
        self.agreed_button = button(_("Steering group &agreed…"), self.record_agreement,
                                    "agreedButton")
        self.sign_button = button(_("Bijlage 1 si&gned…"), self.record_signature,
                                  "signButton")
        self.bijlage1_button = button(_("Bijlage 1 as &PDF…"), self.print_bijlage1,
                                      "bijlage1Button")
        self.end_button = button(_("&End participation…"), self.end_participation,
                                 "endButton")
        self.add_contact_button = button(_("Add &contact…"), self.add_contact,
                                         "addContactButton")
        self.edit_contact_button = button(_("Change c&ontact…"), self.edit_contact,
                                          "editContactButton")
        self.remove_contact_button = button(_("Remove contact"), self.remove_contact,
                                            "removeContactButton")

        party_actions = QHBoxLayout()
        for b in (self.details_button, self.protocols_button, self.agreed_button,
                  self.sign_button, self.bijlage1_button, self.end_button):
            party_actions.addWidget(b)
        party_actions.addStretch(1)
        contact_actions = QHBoxLayout()
        for b in (self.add_contact_button, self.edit_contact_button,
                  self.remove_contact_button):
            contact_actions.addWidget(b)
        contact_actions.addStretch(1)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addLayout(party_actions)
        detail_layout.addWidget(facts)
        detail_layout.addWidget(QLabel(_("Protocols")))
        detail_layout.addWidget(self.memberships, 1)
        self.contacts_box = QGroupBox(_("Contact persons (art. 10)"))
        contacts_layout = QVBoxLayout(self.contacts_box)
        contacts_layout.addWidget(self.contacts_view)
        contacts_layout.addLayout(contact_actions)
        self.contacts_box.setVisible(self.can_see_contacts)
        detail_layout.addWidget(self.contacts_box, 1)
        detail_layout.addWidget(QLabel(_("History")))
        detail_layout.addWidget(self.history_view, 1)
        self.detail = detail

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.accession_button)
        left_layout.addLayout(bottom)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([700, 500])

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.prompt)
        layout.addWidget(splitter, 1)
        self.refresh()

    # -- loading --------------------------------------------------------------------------

    def refresh(self, select_id: int | None = None) -> None:
        """Read the register again and keep (or move) the selection."""
        if select_id is None and self._party is not None:
            select_id = self._party.id
        register = party_service.list_parties(self.vault)
        today = date.today()
        self.model.set_parties(register, today)
        empty = [p for p in PROMPTED_PROTOCOLS
                 if not any(p in party.protocols_on(today) for party in register)]
        if empty:
            names = ", ".join(p.label for p in empty)
            self.prompt.setText(
                _("No party takes part in {protocols} yet. Record who does: choose a party "
                  "and click 'Protocols…'.").format(protocols=names)
                if self.can_manage else
                _("No party takes part in {protocols} yet. Ask the administrator to record "
                  "who does.").format(protocols=names))
        self.prompt.setVisible(bool(empty))
        self._update_count()
        self._party = None
        if select_id is not None:
            self.select_party(select_id)
        if self._party is None:
            self._show_party(None)

    def select_party(self, party_id: int) -> bool:
        row = self.model.row_of(party_id)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        return True

    def apply_filters(self) -> None:
        self.proxy.set_filters(
            party_type=self.type_filter.currentData(), domain=self.domain_filter.currentData(),
            protocol=self.protocol_filter.currentData(),
            active=self.active_filter.currentData(), text=self.search.text())
        self._update_count()

    def _update_count(self) -> None:
        self.count_label.setText(_("{shown} of {total} parties").format(
            shown=self.proxy.rowCount(), total=self.model.rowCount()))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        party_id = current.data(PARTY_ID_ROLE) if current.isValid() else None
        self._show_party(party_service.get_party(self.vault, int(party_id))
                         if party_id is not None else None)

    def _show_party(self, party: Party | None) -> None:
        self._party = party
        for tree in (self.memberships, self.contacts_view, self.history_view):
            tree.clear()
        self._contacts = []
        if party is None:
            self.detail_title.setText(_("Choose a party in the table."))
            for value in self.fact_labels.values():
                value.clear()
            self._update_buttons()
            return
        title = party.name
        if party.is_host_municipality:
            title += " " + _("(host municipality)")
        self.detail_title.setText(title)
        today = date.today()
        f = self.fact_labels
        f["type"].setText(party.party_type.label)
        f["domain"].setText(party.domain.label)
        f["seat"].setText(party.seat or "–")
        f["address"].setText(party.address or "–")
        f["representative"].setText(party.representative or "–")
        if party.active_from is None:
            status = _("Accession pending: not active")
        elif party.end_reason is not None and party.ended_on is not None:
            status = _("{reason} from {date}").format(reason=party.end_reason.label,
                                                     date=format_date(party.ended_on))
            if party.end_note:
                status += f" ({party.end_note})"
        elif party.is_active(today):
            status = _("Active since {date}").format(date=format_date(party.active_from))
        else:
            status = _("Active from {date}").format(date=format_date(party.active_from))
        f["status"].setText(status)
        steps = []
        if party.accession_requested_on:
            steps.append(_("requested {date}").format(
                date=format_date(party.accession_requested_on)))
        if party.steering_group_agreed_on:
            steps.append(_("steering group agreed {date}").format(
                date=format_date(party.steering_group_agreed_on)))
        if party.bijlage1_signed_on:
            steps.append(_("Bijlage 1 signed {date}").format(
                date=format_date(party.bijlage1_signed_on)))
        f["accession"].setText("; ".join(steps) or _("signatory of the covenant since "
                                                      "{date}").format(
            date=format_date(party.joined_on)))
        for m in sorted(party.memberships, key=lambda m: (list(Protocol).index(m.protocol),
                                                          m.start)):
            QTreeWidgetItem(self.memberships, [m.protocol.label, format_date(m.start),
                                               format_date(m.end) or "–"])
        if not party.memberships:
            QTreeWidgetItem(self.memberships, [_("Takes part in no protocol"), "", ""])
        if self.can_see_contacts:
            self._contacts = party_service.contacts(self.vault, party.id)
            for c in self._contacts:
                roles = [text for flag, text in (
                    (c.steering_group, _("steering group")),
                    (c.partner_board, _("partner board")),
                    (c.case_meetings, _("case meetings"))) if flag]
                QTreeWidgetItem(self.contacts_view, [c.name, c.function, c.phone, c.email,
                                                     ", ".join(roles)])
        for event in reversed(party_service.history(self.vault, party.id)):
            QTreeWidgetItem(self.history_view,
                            [format_moment(event.at), self._event_text(event), event.actor])
        self._update_buttons()

    @staticmethod
    def _event_text(event: Any) -> str:
        on = event.detail.get("on")
        text = str(event.label)
        if isinstance(on, str) and len(on) == 10:
            text += " " + _("on {date}").format(date=format_date(date.fromisoformat(on)))
        return text

    def _update_buttons(self) -> None:
        party = self._party
        has = party is not None
        pending = party is not None and party.active_from is None
        ended = party is not None and party.active_until is not None
        agreed = party is not None and party.steering_group_agreed_on is not None
        self.details_button.setEnabled(has)
        self.protocols_button.setEnabled(has and not pending)
        self.agreed_button.setEnabled(pending and not agreed)
        self.sign_button.setEnabled(pending and agreed)
        self.bijlage1_button.setEnabled(has)
        self.end_button.setEnabled(has and not pending and not ended)
        self.add_contact_button.setEnabled(has)
        self.edit_contact_button.setEnabled(has and bool(self._contacts))
        self.remove_contact_button.setEnabled(has and bool(self._contacts))

    def _selected_contact(self) -> Contact | None:
        item = self.contacts_view.currentItem()
        if item is None and self._contacts:
            return self._contacts[0] if len(self._contacts) == 1 else None
        if item is None:
            return None
        row = self.contacts_view.indexOfTopLevelItem(item)
        return self._contacts[row] if 0 <= row < len(self._contacts) else None

    # -- actions -------------------------------------------------------------------------

    def exec_dialog(self, dialog: QDialog) -> bool:
        """Run a dialog modally. The one seam for tests: they replace this with a function
        that fills the dialog in and clicks its buttons."""
        return bool(dialog.exec())

    def _run(self, dialog: QDialog) -> bool:
        accepted = self.exec_dialog(dialog)
        dialog.deleteLater()
        if accepted:
            self.refresh()
        return accepted

    def start_accession(self) -> None:
        wizard = AccessionWizard(self.vault, self)
        self.exec_dialog(wizard)
        wizard.deleteLater()
        # Even a wizard closed after a failed print has written the accession: show it
        # (unless a lock closed it: then there is nothing to show it in).
        if wizard.party_id is not None and self.vault.is_open:
            self.refresh(select_id=wizard.party_id)

    def edit_details(self) -> None:
        party = self._party
        if party is None:
            return
        dialog = DetailsDialog(party, self)
        dialog.submit = lambda: party_service.update_details(
            self.vault, party.id, dialog.form.details(), version=dialog.version)
        dialog.reload = lambda: dialog.show_record(party_service.get_party(self.vault,
                                                                           party.id))
        self._run(dialog)

    def edit_protocols(self) -> None:
        party = self._party
        if party is None:
            return
        dialog = MembershipDialog(party, self)
        dialog.submit = lambda: party_service.set_memberships(self.vault, party.id,
                                                              dialog.memberships())
        self._run(dialog)

    def record_agreement(self) -> None:
        party = self._party
        if party is None:
            return
        dialog = DateDialog(_("Steering group decision on {name}").format(name=party.name),
                            _("Steering group &agreed on:"), "steering_group_agreed_on", self)
        dialog.submit = lambda: party_service.record_steering_group_agreement(
            self.vault, party.id, dialog.value())
        self._run(dialog)

    def record_signature(self) -> None:
        party = self._party
        if party is None:
            return
        dialog = SignatureDialog(party, self)
        dialog.submit = lambda: party_service.record_signature(
            self.vault, party.id, dialog.value_signed(), dialog.protocols.chosen())
        self._run(dialog)

    def end_participation(self) -> None:
        party = self._party
        if party is None:
            return
        dialog = EndParticipationDialog(party, self)
        dialog.submit = lambda: party_service.end_participation(self.vault, party.id,
                                                                *dialog.values())
        self._run(dialog)

    def add_contact(self) -> None:
        party = self._party
        if party is None:
            return
        dialog = ContactDialog(party, None, self)
        dialog.submit = lambda: party_service.save_contact(self.vault, dialog.contact())
        self._run(dialog)

    def edit_contact(self) -> None:
        party, contact = self._party, self._selected_contact()
        if party is None or contact is None:
            return
        dialog = ContactDialog(party, contact, self)
        dialog.submit = lambda: party_service.save_contact(self.vault, dialog.contact())

        def reload() -> None:
            now = [c for c in party_service.contacts(self.vault, party.id) if c.id == contact.id]
            if not now:
                raise NotFound(_("This contact person no longer exists."))
            dialog.show_record(now[0])

        dialog.reload = reload
        self._run(dialog)

    def remove_contact(self) -> None:
        party, contact = self._party, self._selected_contact()
        if party is None or contact is None or contact.id is None:
            return
        if not dialogs.confirm(self, _("Remove contact person"),
                               _("Remove this contact person of {party}?").format(
                                   party=party.name),
                               yes_label=_("Remove"), destructive=True):
            return
        self._act(lambda: party_service.remove_contact(self.vault, party.id, contact.id))

    def print_bijlage1(self) -> None:
        party = self._party
        if party is None:
            return
        suggested = Path.home() / f"bijlage1-{party.short_name}.pdf"
        path = dialogs.save_file(self, _("Save Bijlage 1"), suggested,
                                 _("PDF documents (*.pdf)"))
        if path is not None:
            self._act(lambda: party_service.export_bijlage1(self.vault, party.id, path))

    def _act(self, action: Any) -> None:
        try:
            action()
        except (CasuskamerError, OSError) as exc:
            dialogs.error(self, _("Parties"), str(exc))
            return
        self.refresh()

    # -- locking -------------------------------------------------------------------------

    def clear(self) -> None:
        """Drop everything shown (the vault is about to lock)."""
        self._party = None
        self._contacts = []
        self.model.clear()
        for tree in (self.memberships, self.contacts_view, self.history_view):
            tree.clear()
        for value in self.fact_labels.values():
            value.clear()
        self.detail_title.clear()
        self.search.clear()
        self.prompt.clear()
        self.count_label.clear()
