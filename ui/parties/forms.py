"""The Parties screen's forms: an organisation's details, protocol membership, a contact
person, the end of a party's participation, and the signature of Bijlage 1.

Each form shows a refusal from the register (a ``ValidationError``) beside the field it names
and moves the focus there. Every input has a label tied to it (``setBuddy``) and an
accessible name. The forms only collect values; the screen calls the service.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.parties import (
    Contact,
    EndReason,
    MembershipPeriod,
    Party,
    PartyDetails,
    PartyDomain,
    PartyType,
)
from app.domain.protocols import Protocol
from app.errors import CasuskamerError, EditConflict, ValidationError
from app.i18n import _
from ui import a11y
from ui.date_edit import DateEdit
from ui.edit_conflict import offer_reload

def date_edit(name: str, value: date | None = None) -> DateEdit:
    """A required date (dd-mm-jjjj typed or picked), today unless ``value`` is given."""
    edit = DateEdit(value or date.today(), required=True)
    edit.setAccessibleName(name)
    return edit


class FieldErrors:
    """Error labels beside fields, keyed by the ``field`` names the services use."""

    def __init__(self) -> None:
        self._labels: dict[str, QLabel] = {}
        self._widgets: dict[str, QWidget] = {}
        self.general = self._make_label()

    @staticmethod
    def _make_label() -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setStyleSheet(a11y.error_style())
        label.setVisible(False)
        return label

    def add(self, field: str, widget: QWidget) -> QLabel:
        label = self._make_label()
        label.setAccessibleName(_("Error"))
        self._labels[field] = label
        self._widgets[field] = widget
        return label

    def label(self, field: str) -> QLabel | None:
        """The label beside ``field`` (None when the form has no such field)."""
        return self._labels.get(field)

    def widget(self, field: str) -> QWidget | None:
        """The field's widget (None when the form has no such field)."""
        return self._widgets.get(field)

    def clear(self) -> None:
        for label in [*self._labels.values(), self.general]:
            label.clear()
            label.setVisible(False)

    def show(self, error: CasuskamerError) -> str:
        """Show ``error`` beside its field (or in general); return the field shown at."""
        field = error.field if isinstance(error, ValidationError) else None
        label = self._labels.get(field or "", self.general)
        label.setTextFormat(Qt.TextFormat.PlainText)  # a message may quote what was typed
        label.setText(str(error))
        label.setVisible(True)
        widget = self._widgets.get(field or "")
        if widget is not None:
            widget.setAccessibleDescription(str(error))
            widget.setFocus()
        return field or ""

    def text(self, field: str) -> str:
        label = self._labels.get(field, self.general)
        return label.text()

    def has(self, field: str) -> bool:
        return field in self._labels


def _row(form: QFormLayout, text: str, widget: QWidget, errors: FieldErrors | None = None,
         field: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    if not widget.accessibleName():
        widget.setAccessibleName(text.replace("&", "").rstrip(":"))
    if errors is not None and field is not None:
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(widget)
        inner.addWidget(errors.add(field, widget))
        form.addRow(label, box)
    else:
        form.addRow(label, widget)
    return label


class PartyDetailsForm(QWidget):
    """Name, short name, type, domain, seat, address and representative."""

    def __init__(self, errors: FieldErrors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.short_name = QLineEdit()
        self.short_name.setPlaceholderText(_("made from the name"))
        self.party_type = QComboBox()
        for t in PartyType:
            self.party_type.addItem(t.label, t)
        self.domain = QComboBox()
        for d in PartyDomain:
            self.domain.addItem(d.label, d)
        self.seat = QLineEdit()
        self.address = QLineEdit()
        self.representative = QLineEdit()
        self.representative.setPlaceholderText(_("name, function"))
        _row(form, _("&Name of the organisation:"), self.name, errors, "name")
        _row(form, _("S&hort name (for file names):"), self.short_name, errors, "short_name")
        _row(form, _("&Type:"), self.party_type, errors, "party_type")
        _row(form, _("&Domain:"), self.domain, errors, "domain")
        _row(form, _("Registered &seat:"), self.seat, errors, "seat")
        _row(form, _("Office &address:"), self.address, errors, "address")
        _row(form, _("&Represented by:"), self.representative, errors, "representative")

    def set_details(self, party: Party) -> None:
        self.name.setText(party.name)
        self.short_name.setText(party.short_name)
        self.party_type.setCurrentIndex(self.party_type.findData(party.party_type))
        self.domain.setCurrentIndex(self.domain.findData(party.domain))
        self.seat.setText(party.seat)
        self.address.setText(party.address)
        self.representative.setText(party.representative)

    def details(self) -> PartyDetails:
        return PartyDetails(
            name=self.name.text(), party_type=PartyType(self.party_type.currentData()),
            domain=PartyDomain(self.domain.currentData()), seat=self.seat.text(),
            address=self.address.text(), representative=self.representative.text(),
            short_name=self.short_name.text())


class ServiceDialog(QDialog):
    """A dialog whose OK runs ``submit`` (a service call); a refusal stays in the dialog,
    beside the field it concerns."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.errors = FieldErrors()
        self.submit: Callable[[], Any] | None = None
        #: shows the record as it is now (after another session saved it meanwhile)
        self.reload: Callable[[], None] | None = None
        #: the version of the record the dialog edits, as read (None: no check)
        self.version: int | None = None
        self.layout_ = QVBoxLayout(self)
        # what the user typed before a reload, kept to copy (issue 22, point 4)
        self.kept_label = QLabel(_("Your text, not saved (to copy):"))
        self.kept = QPlainTextEdit()
        self.kept.setReadOnly(True)
        self.kept.setAccessibleName(self.kept_label.text())
        self.kept_label.setBuddy(self.kept)
        for widget in (self.kept_label, self.kept):
            widget.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.kept_label)
        self.layout_.addWidget(self.kept)
        self.layout_.addWidget(self.errors.general)
        self.layout_.addWidget(self.buttons)

    def typed_text(self) -> str:
        """What the user typed in the dialog's text fields, one per line."""
        return "\n".join(w.text() for w in self.findChildren(QLineEdit) if w.text())

    def accept(self) -> None:
        self.errors.clear()
        if self.submit is not None:
            try:
                self.submit()
            except EditConflict as exc:
                # saved by another session meanwhile: nothing was written; the dialog stays
                # open with the user's text, and a reload keeps that text beside the record
                self.errors.show(exc)
                if self.reload is not None and offer_reload(self, self.windowTitle(), exc):
                    typed = self.typed_text()
                    try:
                        self.reload()
                    except CasuskamerError as gone:
                        self.errors.show(gone)
                    self.kept.setPlainText(typed)
                    for widget in (self.kept_label, self.kept):
                        widget.setVisible(True)
                return
            except CasuskamerError as exc:
                self.errors.show(exc)
                return
        super().accept()


class DetailsDialog(ServiceDialog):
    def __init__(self, party: Party, parent: QWidget | None = None) -> None:
        super().__init__(_("Details of {name}").format(name=party.name), parent)
        self.form = PartyDetailsForm(self.errors)
        self.show_record(party)
        self.layout_.addWidget(self.form)
        self.finish_layout()

    def show_record(self, party: Party) -> None:
        """The party's details as read, and the version a save names."""
        self.form.set_details(party)
        self.version = party.version


class MembershipDialog(ServiceDialog):
    """Per protocol: takes part or not, from and until. Earlier, closed periods are kept."""

    def __init__(self, party: Party, parent: QWidget | None = None) -> None:
        super().__init__(_("Protocols of {name}").format(name=party.name), parent)
        self.party = party
        grid = QGridLayout()
        grid.addWidget(QLabel(_("Protocol")), 0, 0)
        grid.addWidget(QLabel(_("From")), 0, 1)
        grid.addWidget(QLabel(_("Until (last day)")), 0, 2)
        self.rows: dict[Protocol, tuple[QCheckBox, DateEdit, QCheckBox, DateEdit]] = {}
        self._kept: list[MembershipPeriod] = []
        default_start = party.active_from or date.today()
        for i, protocol in enumerate(Protocol, start=1):
            periods = sorted((m for m in party.memberships if m.protocol == protocol),
                             key=lambda m: m.start)
            current = periods[-1] if periods else None
            self._kept += periods[:-1]
            takes_part = QCheckBox(protocol.label)
            takes_part.setChecked(current is not None)
            start = date_edit(_("{protocol}: from").format(protocol=protocol.label),
                              current.start if current else default_start)
            has_end = QCheckBox(_("ends"))
            has_end.setAccessibleName(_("{protocol}: ends").format(protocol=protocol.label))
            has_end.setChecked(current is not None and current.end is not None)
            end = date_edit(_("{protocol}: until").format(protocol=protocol.label),
                            (current.end if current and current.end else
                             party.active_until or date.today()))
            end.setEnabled(has_end.isChecked())
            has_end.toggled.connect(end.setEnabled)
            ends = QHBoxLayout()
            ends.addWidget(has_end)
            ends.addWidget(end)
            grid.addWidget(takes_part, i, 0)
            grid.addWidget(start, i, 1)
            grid.addLayout(ends, i, 2)
            self.rows[protocol] = (takes_part, start, has_end, end)
        self.layout_.addLayout(grid)
        error_label = self.errors.add("memberships", self.rows[Protocol.INTEGRALE_VEILIGHEID][0])
        self.layout_.addWidget(error_label)
        self.finish_layout()

    def memberships(self) -> list[MembershipPeriod]:
        chosen = list(self._kept)
        for protocol, (takes_part, start, has_end, end) in self.rows.items():
            if takes_part.isChecked():
                chosen.append(MembershipPeriod(
                    protocol, start.value("memberships"),
                    end.value("memberships") if has_end.isChecked() else None))
        return chosen


class ContactDialog(ServiceDialog):
    def __init__(self, party: Party, contact: Contact | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(_("Contact person of {name}").format(name=party.name), parent)
        self.party = party
        self.contact_id = contact.id if contact else None
        self.version = contact.version if contact else None
        box = QWidget()
        form = QFormLayout(box)
        self.name = QLineEdit(contact.name if contact else "")
        self.function = QLineEdit(contact.function if contact else "")
        self.phone = QLineEdit(contact.phone if contact else "")
        self.email = QLineEdit(contact.email if contact else "")
        self.steering_group = QCheckBox(_("Steering group"))
        self.partner_board = QCheckBox(_("Partner board"))
        self.case_meetings = QCheckBox(_("Case meetings"))
        for check, value in ((self.steering_group, contact and contact.steering_group),
                             (self.partner_board, contact and contact.partner_board),
                             (self.case_meetings, contact and contact.case_meetings)):
            check.setChecked(bool(value))
            check.setAccessibleName(check.text())
        _row(form, _("&Name:"), self.name, self.errors, "name")
        _row(form, _("&Function:"), self.function, self.errors, "function")
        _row(form, _("&Phone:"), self.phone, self.errors, "phone")
        _row(form, _("&E-mail:"), self.email, self.errors, "email")
        sits = QWidget()
        sits_layout = QVBoxLayout(sits)
        sits_layout.setContentsMargins(0, 0, 0, 0)
        for check in (self.steering_group, self.partner_board, self.case_meetings):
            sits_layout.addWidget(check)
        label = QLabel(_("Takes part in:"))
        label.setBuddy(self.steering_group)
        form.addRow(label, sits)
        self.layout_.addWidget(box)
        self.finish_layout()

    def contact(self) -> Contact:
        return Contact(party_id=self.party.id, name=self.name.text(),
                       function=self.function.text(), phone=self.phone.text(),
                       email=self.email.text(), steering_group=self.steering_group.isChecked(),
                       partner_board=self.partner_board.isChecked(),
                       case_meetings=self.case_meetings.isChecked(), id=self.contact_id,
                       version=self.version)

    def show_record(self, contact: Contact) -> None:
        """The contact person as read now, and the version a save names."""
        for line, value in ((self.name, contact.name), (self.function, contact.function),
                            (self.phone, contact.phone), (self.email, contact.email)):
            line.setText(value)
        for check, on in ((self.steering_group, contact.steering_group),
                          (self.partner_board, contact.partner_board),
                          (self.case_meetings, contact.case_meetings)):
            check.setChecked(on)
        self.version = contact.version


class EndParticipationDialog(ServiceDialog):
    """Withdrawal (art. 21.3) or exclusion (art. 23.2)."""

    def __init__(self, party: Party, parent: QWidget | None = None) -> None:
        super().__init__(_("End the participation of {name}").format(name=party.name),
                         parent)
        explanation = QLabel(_("From the end date on, the party cannot be invited and "
                               "receives nothing. Information it supplied earlier keeps "
                               "the terms it set."))
        explanation.setWordWrap(True)
        self.layout_.addWidget(explanation)
        box = QWidget()
        form = QFormLayout(box)
        self.reason = QComboBox()
        for reason in EndReason:
            self.reason.addItem(reason.label, reason)
        self.end_on = date_edit(_("End date"))
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(70)
        _row(form, _("&Reason:"), self.reason, self.errors, "reason")
        _row(form, _("&End date (first day without participation):"), self.end_on,
             self.errors, "end_on")
        _row(form, _("&Note (e.g. the letter's reference):"), self.note, self.errors, "note")
        self.layout_.addWidget(box)
        self.finish_layout()

    def values(self) -> tuple[date, EndReason, str]:
        return (self.end_on.value("end_on"), EndReason(self.reason.currentData()),
                self.note.toPlainText())


class ProtocolChoice(QWidget):
    """Check boxes for the protocols a party takes part in from its signature."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.checks: dict[Protocol, QCheckBox] = {}
        for protocol in Protocol:
            check = QCheckBox(protocol.label)
            check.setAccessibleName(protocol.label)
            check.setChecked(protocol == Protocol.INTEGRALE_VEILIGHEID)
            layout.addWidget(check)
            self.checks[protocol] = check

    def chosen(self) -> list[Protocol]:
        return [p for p, check in self.checks.items() if check.isChecked()]


class SignatureDialog(ServiceDialog):
    """Records the signed Bijlage 1 of a pending accession."""

    def __init__(self, party: Party, parent: QWidget | None = None) -> None:
        super().__init__(_("Signed Bijlage 1 of {name}").format(name=party.name), parent)
        box = QWidget()
        form = QFormLayout(box)
        self.signed_on = date_edit(_("Signed on"))
        self.protocols = ProtocolChoice()
        _row(form, _("&Signed on:"), self.signed_on, self.errors, "signed_on")
        label = QLabel(_("Takes part in:"))
        label.setBuddy(self.protocols.checks[Protocol.INTEGRALE_VEILIGHEID])
        form.addRow(label, self.protocols)
        self.layout_.addWidget(box)
        self.finish_layout()

    def value_signed(self) -> date:
        return self.signed_on.value("signed_on")


class DateDialog(ServiceDialog):
    """One date, e.g. the day the steering group agreed to an accession."""

    def __init__(self, title: str, label: str, field: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        box = QWidget()
        form = QFormLayout(box)
        self.on = date_edit(label.replace("&", "").rstrip(":"))
        self.field = field
        _row(form, label, self.on, self.errors, field)
        self.layout_.addWidget(box)
        self.finish_layout()

    def value(self) -> date:
        return self.on.value(self.field)
