"""The intake wizard's page "Partners to invite and informing" (issue 24).

The partners the referring party proposes to invite, each a party taking part in the
case's protocol with its contact person (name, role, phone, e-mail); and per subject whether
the subject was informed that the case is discussed (date, by which party) or not, with a
ground from the fixed list and a date to look again. Thin: the rules are
``app.domain.intake.check_partners``'s, which names the field of every problem; this page
shows each beside its field. Keyboard: Tab through the fields; "Add partner" (Alt+A).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.intake import IntakeDraft, IntakeStep, InformingEntry, InviteeEntry
from app.domain.protocols import Protocol
from app.domain.referral_contacts import Ground
from app.errors import CasuskamerError
from app.i18n import _
from app.services import intake as intake_service
from app.services import parties as party_service
from ui.cases.intake_wizard import IntakePage, date_text, set_date_text
from ui.date_edit import DateEdit

if TYPE_CHECKING:
    from ui.cases.intake_wizard import IntakeWizard


class InviteeRow(QWidget):
    """One partner to invite: the party and its contact person."""

    def __init__(self, page: PartnersPage, index: int) -> None:
        super().__init__()
        self.page = page
        self.setObjectName(f"invitee_{index}")
        self.party = QComboBox()
        self.party.setObjectName("invitee_party")
        self.party.setAccessibleName(_("Party to invite"))
        self.name = QLineEdit()
        self.name.setObjectName("invitee_contact_name")
        self.name.setPlaceholderText(_("Contact person"))
        self.name.setAccessibleName(_("Contact person"))
        self.role = QLineEdit()
        self.role.setObjectName("invitee_contact_role")
        self.role.setPlaceholderText(_("Role"))
        self.role.setAccessibleName(_("Role of the contact person"))
        self.phone = QLineEdit()
        self.phone.setObjectName("invitee_phone")
        self.phone.setPlaceholderText(_("Phone"))
        self.phone.setAccessibleName(_("Phone"))
        self.email = QLineEdit()
        self.email.setObjectName("invitee_email")
        self.email.setPlaceholderText(_("E-mail"))
        self.email.setAccessibleName(_("E-mail"))
        self.remove = QPushButton(_("Remove"))
        self.remove.setObjectName("invitee_remove")
        self.remove.clicked.connect(lambda: page.remove_row(self))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.index = index
        prefix = f"invitees[{index}]"
        layout.addWidget(page.with_error(f"{prefix}.party", self.party), 3)
        layout.addWidget(page.with_error(f"{prefix}.contact_name", self.name), 3)
        layout.addWidget(page.with_error(f"{prefix}.contact_role", self.role), 2)
        layout.addWidget(page.with_error(f"{prefix}.phone", self.phone), 2)
        layout.addWidget(page.with_error(f"{prefix}.email", self.email), 3)
        layout.addWidget(self.remove)

    def fill_parties(self, choices: list[tuple[int, str]], keep: int | None) -> None:
        self.party.clear()
        self.party.addItem(_("Choose a party"), None)
        for party_id, name in choices:
            self.party.addItem(name, party_id)
        if keep is not None and self.party.findData(keep) < 0:
            # no longer in the protocol: kept visible so the refusal shows beside it
            self.party.addItem(self.page.party_name(keep), keep)
        self.party.setCurrentIndex(max(self.party.findData(keep), 0) if keep is not None
                                   else 0)

    def entry(self) -> InviteeEntry:
        party = self.party.currentData()
        return InviteeEntry(int(party) if party is not None else None, self.name.text(),
                            self.role.text(), self.phone.text(), self.email.text())

    def set_entry(self, entry: InviteeEntry, choices: list[tuple[int, str]]) -> None:
        self.fill_parties(choices, entry.party_id)
        self.name.setText(entry.contact_name)
        self.role.setText(entry.contact_role)
        self.phone.setText(entry.phone)
        self.email.setText(entry.email)


class InformingBox(QGroupBox):
    """Whether one subject was informed, or the ground not to."""

    def __init__(self, page: PartnersPage, index: int, title: str) -> None:
        super().__init__(title)
        self.setObjectName(f"informing_{index}")
        prefix = f"subjects[{index}].informing"
        self.informed = QComboBox()
        self.informed.setObjectName("informing_informed")
        self.informed.setAccessibleName(_("Informed about the case"))
        for text, value in ((_("Not recorded yet"), ""), (_("Informed"), "yes"),
                            (_("Not informed"), "no")):
            self.informed.addItem(text, value)
        self.informed_on = DateEdit(name="informed_on")
        self.informed_on.setAccessibleName(_("Informed on"))
        self.informed_by = QComboBox()
        self.informed_by.setObjectName("informing_informed_by")
        self.informed_by.setAccessibleName(_("Informed by"))
        self.ground = QComboBox()
        self.ground.setObjectName("informing_ground")
        self.ground.setAccessibleName(_("Ground not to inform"))
        self.ground.addItem(_("Choose a ground"), "")
        for ground in Ground:
            self.ground.addItem(ground.label, ground.value)
        self.ground_text = QLineEdit()
        self.ground_text.setObjectName("informing_ground_text")
        self.ground_text.setAccessibleName(_("The ground in words"))
        self.review_on = DateEdit(name="review_on")
        self.review_on.setAccessibleName(_("Look again on"))
        form = QFormLayout(self)
        form.addRow(_("Informed?"), page.with_error(f"{prefix}.informed", self.informed))
        form.addRow(_("Informed on"), page.with_error(f"{prefix}.informed_on",
                                                      self.informed_on))
        form.addRow(_("Informed by"), page.with_error(f"{prefix}.informed_by",
                                                      self.informed_by))
        form.addRow(_("Ground not to inform"), page.with_error(f"{prefix}.ground",
                                                               self.ground))
        form.addRow(_("The ground in words"), page.with_error(f"{prefix}.ground_text",
                                                              self.ground_text))
        form.addRow(_("Look again on"), page.with_error(f"{prefix}.review_on",
                                                        self.review_on))
        self.informed.currentIndexChanged.connect(lambda _i: self._enable())
        self._enable()

    def _enable(self) -> None:
        value = self.informed.currentData()
        yes: tuple[QWidget, ...] = (self.informed_on, self.informed_by)
        no: tuple[QWidget, ...] = (self.ground, self.ground_text, self.review_on)
        for widget in yes:
            widget.setEnabled(value == "yes")
        for widget in no:
            widget.setEnabled(value == "no")

    def set_entry(self, entry: InformingEntry, parties: list[tuple[int, str]]) -> None:
        self.informed.setCurrentIndex(max(self.informed.findData(entry.informed), 0))
        set_date_text(self.informed_on, entry.informed_on)
        self.informed_by.clear()
        self.informed_by.addItem(_("Choose a party"), None)
        for party_id, name in parties:
            self.informed_by.addItem(name, party_id)
        if entry.informed_by is not None:
            self.informed_by.setCurrentIndex(max(self.informed_by.findData(entry.informed_by),
                                                 0))
        self.ground.setCurrentIndex(max(self.ground.findData(entry.ground), 0))
        self.ground_text.setText(entry.ground_text)
        set_date_text(self.review_on, entry.review_on)
        self._enable()

    def entry(self) -> InformingEntry:
        by = self.informed_by.currentData()
        return InformingEntry(str(self.informed.currentData() or ""),
                              date_text(self.informed_on), int(by) if by is not None else None,
                              str(self.ground.currentData() or ""), self.ground_text.text(),
                              date_text(self.review_on))


class PartnersPage(IntakePage):
    step = IntakeStep.PARTNERS

    def __init__(self, owner: IntakeWizard) -> None:
        super().__init__(owner)
        self.rows: list[InviteeRow] = []
        self.boxes: list[InformingBox] = []
        self.rows_box = QVBoxLayout()
        self.add_button = QPushButton(_("&Add partner"))
        self.add_button.setObjectName("add_invitee")
        self.add_button.clicked.connect(lambda: self.add_row(InviteeEntry()))
        self.informing_box = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Partners to invite (each is checked again against the "
                                  "sharing policy when the agenda is made):")))
        layout.addLayout(self.rows_box)
        layout.addWidget(self.add_button)
        layout.addWidget(QLabel(_("Informing the subjects (AVG art. 13/14):")))
        layout.addLayout(self.informing_box)
        layout.addWidget(self.page_error)
        layout.addStretch(1)
        self._choices: list[tuple[int, str]] = []
        self._all: list[tuple[int, str]] = []

    def party_name(self, party_id: int) -> str:
        for pid, name in self._all:
            if pid == party_id:
                return name
        return _("(unknown party)")

    def _load_choices(self, draft: IntakeDraft) -> None:
        self._choices = []
        self._all = []
        try:
            self._all = [(p.id, p.name) for p in party_service.list_parties(self.owner.vault)]
            protocol = Protocol(draft.protocol)
            on = self.owner.today
            self._choices = [(c.id, c.name) for c in
                             intake_service.eligible_parties(self.owner.vault, protocol, on)]
        except (CasuskamerError, ValueError):
            pass  # no protocol chosen (yet): nothing to offer; the rule says why on Next

    def add_row(self, entry: InviteeEntry) -> InviteeRow:
        row = InviteeRow(self, len(self.rows))
        row.set_entry(entry, self._choices)
        self.rows.append(row)
        self.rows_box.addWidget(row)
        row.party.setFocus()
        return row

    def remove_row(self, row: InviteeRow) -> None:
        entries = [r.entry() for r in self.rows if r is not row]
        self._set_rows(entries)

    def _set_rows(self, entries: list[InviteeEntry]) -> None:
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        self.forget_fields("invitees[")
        for entry in entries:
            self.add_row(entry)

    def load(self, draft: IntakeDraft) -> None:
        self._load_choices(draft)
        self._set_rows(list(draft.invitees))
        for box in self.boxes:
            box.setParent(None)
            box.deleteLater()
        self.boxes = []
        self.forget_fields("subjects[")
        for j, subject in enumerate(draft.subjects):
            name = " ".join(p for p in (subject.given_names, subject.surname) if p.strip())
            box = InformingBox(self, j, name or _("Subject {n}").format(n=j + 1))
            box.set_entry(draft.informing[j] if j < len(draft.informing)
                          else InformingEntry(), self._all)
            self.boxes.append(box)
            self.informing_box.addWidget(box)

    def store(self, draft: IntakeDraft) -> None:
        draft.invitees = [row.entry() for row in self.rows]
        draft.informing = [box.entry() for box in self.boxes]
