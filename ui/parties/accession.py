"""The accession wizard (covenant art. 20): the organisation's details, the request and the
steering group's decision, then Bijlage 1: printed as a PDF ready to sign and, once signed,
its date recorded, from which the party is active.

The pages only collect and check (their steps are ``app.domain.accession.FLOW``, rendered by
``ui.wizard.StepPage``); the register is written once, on Finish, through
``app.services.parties.record_accession``. A refusal sends the user back to the page and
field it concerns. Printing Bijlage 1 happens after that one write, so the form shows the
register's own record (and the print is logged).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from app.domain import accession
from app.domain.accession import AccessionDraft, AccessionStep
from app.errors import CasuskamerError
from app.i18n import _
from app.services import parties as party_service
from app.vault.vault import OpenVault
from ui import dialogs, wizard_steps
from ui.parties.forms import (
    FieldErrors,
    PartyDetailsForm,
    ProtocolChoice,
    _row,
    date_edit,
)
from ui.wizard import StepPage

PAGE_DETAILS, PAGE_DECISION, PAGE_SIGNATURE = range(3)

#: Which page holds the field a service names, to send the user back to it.
FIELD_PAGES = {"name": PAGE_DETAILS, "short_name": PAGE_DETAILS, "party_type": PAGE_DETAILS,
               "domain": PAGE_DETAILS, "seat": PAGE_DETAILS, "address": PAGE_DETAILS,
               "representative": PAGE_DETAILS, "requested_on": PAGE_DECISION,
               "steering_group_agreed_on": PAGE_DECISION, "signed_on": PAGE_SIGNATURE}


class AccessionPage(StepPage):
    """A step of ``app.domain.accession.FLOW``; its refusals appear beside the fields of the
    wizard's forms (the labels of ``FieldErrors``)."""

    def __init__(self, wizard: AccessionWizard, step: AccessionStep) -> None:
        super().__init__(accession.FLOW, step)
        self.owner = wizard

    def adopt_fields(self) -> None:
        """Show the step's refusals beside the form's own fields (call once they exist)."""
        for path in self.flow_step.fields:
            widget = self.owner.errors.widget(path)
            if widget is not None:
                self.register_field(path, widget, self.owner.errors.label(path))

    def draft(self) -> AccessionDraft:
        return self.owner.accession_draft()

    def validatePage(self) -> bool:
        self.owner.errors.clear()
        return self.check_and_show()


class AccessionWizard(QWizard):
    def __init__(self, vault: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.party_id: int | None = None
        self.pdf_path: Path | None = None
        self.errors = FieldErrors()
        self.setWindowTitle(_("Accession of a new party"))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)

        details = AccessionPage(self, AccessionStep.DETAILS)
        self.details_form = PartyDetailsForm(self.errors)
        layout = QVBoxLayout(details)
        layout.addWidget(self.details_form)
        layout.addWidget(details.page_error)

        decision = AccessionPage(self, AccessionStep.DECISION)
        form = QFormLayout(decision)
        self.requested_on = date_edit(_("Request received on"))
        self.agreed = QCheckBox(_("The steering group has agreed"))
        self.agreed.setAccessibleName(self.agreed.text())
        self.agreed_on = date_edit(_("Steering group agreed on"))
        self.agreed_on.setEnabled(False)
        self.agreed.toggled.connect(self.agreed_on.setEnabled)
        _row(form, _("Request &received on:"), self.requested_on, self.errors, "requested_on")
        form.addRow("", self.agreed)
        _row(form, _("Steering group &agreed on:"), self.agreed_on, self.errors,
             "steering_group_agreed_on")
        form.addRow(decision.page_error)

        signature = AccessionPage(self, AccessionStep.SIGNATURE)
        form = QFormLayout(signature)
        self.print_form = QCheckBox(_("Save Bijlage 1 as PDF, ready to sign"))
        self.print_form.setAccessibleName(self.print_form.text())
        self.print_form.setChecked(True)
        self.signed = QCheckBox(_("The signed Bijlage 1 has been received"))
        self.signed.setAccessibleName(self.signed.text())
        self.signed_on = date_edit(_("Signed on"))
        self.signed_on.setEnabled(False)
        self.signed.toggled.connect(self.signed_on.setEnabled)
        self.protocols = ProtocolChoice()
        self.protocols.setEnabled(False)
        self.signed.toggled.connect(self.protocols.setEnabled)
        form.addRow("", self.print_form)
        form.addRow("", self.signed)
        _row(form, _("&Signed on:"), self.signed_on, self.errors, "signed_on")
        protocols_label = QLabel(_("Takes part in:"))
        protocols_label.setBuddy(next(iter(self.protocols.checks.values())))
        form.addRow(protocols_label, self.protocols)
        form.addRow(self.errors.general)
        form.addRow(signature.page_error)

        for page_id, page in ((PAGE_DETAILS, details), (PAGE_DECISION, decision),
                              (PAGE_SIGNATURE, signature)):
            page.adopt_fields()
            self.setPage(page_id, page)
        wizard_steps.install(self)

    def accession_draft(self) -> AccessionDraft:
        """What the pages hold, for their steps' checks (a date that is no date: None)."""
        return AccessionDraft(name=self.details_form.name.text(),
                              requested_on=self.requested_on.date(),
                              agreed=self.agreed.isChecked(),
                              agreed_on=self.agreed_on.date())

    def accept(self) -> None:
        """Write the accession once; print Bijlage 1 if asked; stay open on a refusal."""
        self.errors.clear()
        if self.party_id is None:
            try:
                agreed_on = (self.agreed_on.value("steering_group_agreed_on")
                             if self.agreed.isChecked() else None)
                signed_on = (self.signed_on.value("signed_on")
                             if self.signed.isChecked() else None)
                self.party_id = party_service.record_accession(
                    self.vault, self.details_form.details(),
                    requested_on=self.requested_on.value("requested_on"),
                    steering_group_agreed_on=agreed_on, signed_on=signed_on,
                    protocols=self.protocols.chosen() if signed_on else ())
            except CasuskamerError as exc:
                field = self.errors.show(exc)
                page = FIELD_PAGES.get(field)
                if page is not None and page != self.currentId():
                    while self.currentId() > page:
                        self.back()
                    self.errors.show(exc)
                return
        if self.print_form.isChecked() and not self._print():
            return
        super().accept()

    def _print(self) -> bool:
        assert self.party_id is not None
        party = party_service.get_party(self.vault, self.party_id)
        suggested = Path.home() / f"bijlage1-{party.short_name}-{date.today():%Y%m%d}.pdf"
        path = dialogs.save_file(self, _("Save Bijlage 1"), suggested,
                                 _("PDF documents (*.pdf)"))
        if path is None:
            return True          # the accession is recorded; printing can wait
        try:
            party_service.export_bijlage1(self.vault, self.party_id, path)
        except (CasuskamerError, OSError) as exc:
            dialogs.error(self, _("Save Bijlage 1"), str(exc))
            return False
        self.pdf_path = path
        return True

    def clear(self) -> None:
        """Drop what was typed (on lock)."""
        for edit in (self.details_form.name, self.details_form.short_name,
                     self.details_form.seat, self.details_form.address,
                     self.details_form.representative):
            edit.clear()

