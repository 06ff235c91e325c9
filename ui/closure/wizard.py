"""The closure wizard (afschaling): one page per step of ``app.domain.closure.STEPS``.

Pages only render and gather; the rules are the steps of ``app.domain.closure.FLOW``
(their refusals shown on the page by ``ui.wizard.StepPage`` when Next is pressed), and the
one call that closes is ``app.services.closure.close_case``, made once on Finish after a
confirmation that names the case (through ``ui.dialogs``, the test seam). The preview page
shows exactly the preview the service will check, recomputed whenever an extra kind of data
is ticked.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from app.domain import closure as closure_domain
from app.domain.closure import (
    OPTIONAL_REMOVALS,
    STEPS,
    ClosureDecision,
    ClosurePreview,
    CoordinatorAgreement,
    Outcome,
    Removal,
    Step,
    StepId,
)
from app.domain.wizard import FieldError
from app.errors import CasuskamerError
from app.formatting import format_date
from app.i18n import _, ngettext
from app.services import closure as closure_service
from app.vault.vault import OpenVault
from ui import a11y, dialogs, wizard_steps
from ui.date_edit import DateEdit
from ui.wizard import StepPage


class ClosurePage(StepPage):
    """A page for one step of ``app.domain.closure.FLOW``: ``store()`` writes its widgets
    into the wizard's decision; the base shows the step's refusals (in the page's line)."""

    def __init__(self, wizard: ClosureWizard, step: Step) -> None:
        super().__init__(closure_domain.FLOW, step.id, error_name="errors")
        self.owner = wizard
        self.step = step
        self.layout_ = QVBoxLayout(self)
        #: the refusals of this page, one per line
        self.errors = self.page_error

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.errors)
        self.layout_.addStretch(1)

    def store(self) -> None:  # pragma: no cover - every page overrides it
        raise NotImplementedError

    def draft(self) -> ClosureDecision:
        return self.owner.decision

    def context(self) -> closure_domain.ClosureCheck:
        return closure_domain.ClosureCheck(self.owner.today, self.owner.party_ids)

    def collect(self) -> None:
        self.store()


class CriteriaPage(ClosurePage):
    def __init__(self, wizard: ClosureWizard, step: Step) -> None:
        super().__init__(wizard, step)
        form = QFormLayout()
        self.met: list[QComboBox] = []
        self.notes: list[QLineEdit] = []
        for i, check in enumerate(wizard.decision.criteria):
            combo = QComboBox()
            combo.setObjectName(f"criterion_{i}_met")
            combo.addItem(_("\u2013 choose \u2013"), None)
            combo.addItem(_("Met"), True)
            combo.addItem(_("Not met"), False)
            if check.met is not None:
                combo.setCurrentIndex(combo.findData(check.met))
            note = QLineEdit(check.note)
            note.setObjectName(f"criterion_{i}_note")
            label = QLabel(check.criterion)
            label.setWordWrap(True)
            form.addRow(a11y.tie(label, combo), combo)
            form.addRow(a11y.tie(QLabel(_("Note:")), note), note)
            self.met.append(combo)
            self.notes.append(note)
            self.register_field(f"criteria.{i}", combo)
        if not wizard.decision.criteria:
            form.addRow(QLabel(_("The plan of action has no closure criteria.")))
        self.reason = QPlainTextEdit(wizard.decision.reason)
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText(_("Why the case closes although not every criterion "
                                         "is met"))
        form.addRow(_("Reason"), self.reason)
        self.register_field("reason", self.reason)
        self.layout_.addLayout(form)
        self.finish_layout()

    def store(self) -> None:
        decision = self.owner.decision
        for i, (combo, note) in enumerate(zip(self.met, self.notes)):
            decision = decision.with_criterion(i, combo.currentData(), note.text())
        self.owner.decision = replace(decision, reason=self.reason.toPlainText())


class DecisionPage(ClosurePage):
    def __init__(self, wizard: ClosureWizard, step: Step) -> None:
        super().__init__(wizard, step)
        form = QFormLayout()
        decider = QLabel(_("{account} (process director)").format(
            account=wizard.vault.actor.account))
        form.addRow(_("Decided by"), decider)
        agreement = wizard.decision.agreement
        self.name = QLineEdit(agreement.name)
        self.name.setObjectName("coordinator_name")
        self.party = QComboBox()
        self.party.setObjectName("coordinator_party")
        self.party.addItem(_("\u2013 choose \u2013"), None)
        for choice in wizard.context.parties:
            self.party.addItem(choice.name, choice.id)
        if agreement.party_id is not None:
            self.party.setCurrentIndex(max(0, self.party.findData(agreement.party_id)))
        self.agreed_on = DateEdit(agreement.agreed_on or wizard.today, name="agreed_on",
                                  required=True)
        form.addRow(_("Case coordinator"), self.name)
        form.addRow(_("Party of the case coordinator"), self.party)
        form.addRow(_("Agreed on"), self.agreed_on)
        self.register_field("agreement.name", self.name)
        self.register_field("agreement.party", self.party)
        self.register_field("agreement.date", self.agreed_on)
        self.layout_.addLayout(form)
        self.finish_layout()

    def store(self) -> None:
        self.owner.decision = replace(self.owner.decision, agreement=CoordinatorAgreement(
            self.name.text(), self.party.currentData(), self.agreed_on.date()))

    def validatePage(self) -> bool:
        if self.agreed_on.error():  # a typed text that is no date: say how to type it
            self.show_refusals([FieldError("agreement.date", self.agreed_on.error())])
            return False
        return super().validatePage()


class OutcomePage(ClosurePage):
    def __init__(self, wizard: ClosureWizard, step: Step) -> None:
        super().__init__(wizard, step)
        self.group = QButtonGroup(self)
        self.buttons: dict[Outcome, QRadioButton] = {}
        for outcome in Outcome:
            button = QRadioButton(outcome.label)
            button.setObjectName(f"outcome_{outcome.value}")
            button.setChecked(outcome is wizard.decision.outcome)
            self.group.addButton(button)
            self.buttons[outcome] = button
            self.layout_.addWidget(button)
            if len(self.buttons) == 1:
                self.register_field("outcome", button)
        self.finish_layout()

    def store(self) -> None:
        chosen = next((o for o, b in self.buttons.items() if b.isChecked()), None)
        self.owner.decision = replace(self.owner.decision, outcome=chosen)


class PreviewPage(ClosurePage):
    """What goes: every kind of data about the case that is removed now, each with its count
    (and what it is), the optional kinds each with what ticking it would take, and what is
    kept. The page scrolls when the list is longer than the window."""

    def __init__(self, wizard: ClosureWizard, step: Step) -> None:
        super().__init__(wizard, step)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        self.removed = QLabel("")
        self.removed.setObjectName("removed")
        self.removed.setWordWrap(True)
        self.removed.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.removed)
        column.addWidget(QLabel(_("You may also remove now:")))
        # what each optional kind would take, counted once when the page is made
        available = closure_service.preview(wizard.vault, wizard.case_number,
                                             OPTIONAL_REMOVALS)
        self.extra: dict[Removal, QCheckBox] = {}
        for removal in OPTIONAL_REMOVALS:
            line = available.line(removal)
            count = line.count if line is not None else 0
            box = QCheckBox(_("{kind}: {count}").format(kind=removal.label, count=count))
            box.setObjectName(f"remove_{removal.value}")
            box.setChecked(removal in wizard.decision.extra_removals)
            box.toggled.connect(self.refresh)
            what = removal.help
            if line is not None and line.details:
                what += " (" + ", ".join(line.details) + ")"
            box.setToolTip(what)
            box.setAccessibleDescription(what)
            help_text = QLabel(what)
            help_text.setObjectName(f"help_{removal.value}")
            help_text.setWordWrap(True)
            help_text.setStyleSheet(a11y.secondary_style())
            help_text.setContentsMargins(24, 0, 0, 4)
            self.extra[removal] = box
            column.addWidget(box)
            column.addWidget(help_text)
        kept = QLabel(_("Kept until the retention period ends:") + "\n" + "\n".join(
            "\u2022 " + _(label) for label in wizard.context.preview.kept)
            + "\n" + _("The notes and the reason you write in this wizard are kept in the "
                       "closure record: write them without naming the family."))
        kept.setObjectName("kept")
        kept.setWordWrap(True)
        column.addWidget(kept)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("preview_scroll")
        # Only a frame to scroll in: Tab goes to the choices inside it, which it scrolls to.
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.layout_.addWidget(scroll, 1)
        self.layout_.addWidget(self.errors)
        self.show_preview(wizard.shown)

    def chosen(self) -> frozenset[Removal]:
        return frozenset(r for r, box in self.extra.items() if box.isChecked())

    def refresh(self) -> None:
        self.owner.shown = closure_service.preview(self.owner.vault, self.owner.case_number,
                                                   self.chosen())
        self.show_preview(self.owner.shown)

    def show_preview(self, shown: ClosurePreview) -> None:
        lines = [_("Removed now:")]
        for line in shown.lines:
            text = f"\u2022 {line.removal.label}: {line.count}"
            if line.details:
                text += " ({details})".format(details=", ".join(line.details))
            lines.append(text)
        self.removed.setText("\n".join(lines))

    def store(self) -> None:
        self.owner.decision = replace(self.owner.decision, extra_removals=self.chosen())


class ConfirmPage(ClosurePage):
    """The last page: the case to check (its number large, with its protocol), the outcome,
    the open actions, and the day its retention period ends."""

    def __init__(self, wizard: ClosureWizard, step: Step) -> None:
        super().__init__(wizard, step)
        self.setSubTitle(_("Check that this is the case you mean to close: compare the case "
                           "number below with the case screen or the referral. Closing "
                           "starts the retention period."))
        form = QFormLayout()
        self.number = QLabel(wizard.context.case_number)
        self.number.setObjectName("confirm_case_number")
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.number.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.number.setFont(font)
        form.addRow(_("Case number:"), self.number)
        form.addRow(_("Protocol:"), QLabel(wizard.context.protocol.label))
        self.outcome = QLabel("")
        self.outcome.setObjectName("confirm_outcome")
        form.addRow(_("Outcome:"), self.outcome)
        if wizard.context.open_actions:
            still_open = QLabel(ngettext("{n} action of the plan is still open",
                                         "{n} actions of the plan are still open",
                                         wizard.context.open_actions)
                                .format(n=wizard.context.open_actions))
            still_open.setObjectName("confirm_open_actions")
            still_open.setStyleSheet(a11y.warning_style())
            form.addRow(_("Open actions:"), still_open)
        self.destroy_on = QLabel(format_date(wizard.context.destroy_on_if_closed_today))
        self.destroy_on.setObjectName("confirm_destroy_on")
        form.addRow(_("Destroyed on:"), self.destroy_on)
        self.layout_.addLayout(form)
        self.summary = QLabel("")
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.layout_.addWidget(self.summary)
        self.finish_layout()

    def initializePage(self) -> None:
        context = self.owner.context
        outcome = self.owner.decision.outcome
        self.outcome.setText(outcome.label if outcome else "\u2013")
        self.summary.setText(_("Case {number} will be closed with the outcome \u201c{outcome}"
                               "\u201d. Its retention period ends on {date}; then the case is "
                               "destroyed.").format(
            number=context.case_number, outcome=outcome.label if outcome else "\u2013",
            date=format_date(context.destroy_on_if_closed_today)))

    def store(self) -> None:
        pass


PAGE_TYPES: dict[StepId, type[ClosurePage]] = {
    StepId.CRITERIA: CriteriaPage, StepId.DECISION: DecisionPage, StepId.OUTCOME: OutcomePage,
    StepId.PREVIEW: PreviewPage, StepId.CONFIRM: ConfirmPage,
}


class ClosureWizard(QWizard):
    """Close one case. ``result`` holds the service's answer after a successful Finish."""

    def __init__(self, vault: OpenVault, case_number: str, today: date | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("closure_wizard")
        self.vault = vault
        self.today = today or date.today()
        self.context = closure_service.closure_context(vault, case_number, self.today)
        self.case_number = self.context.case_number
        self.party_ids = frozenset(p.id for p in self.context.parties)
        kept = closure_service.load_closure_draft(vault, self.context)
        self.decision: ClosureDecision = kept or self.context.initial_decision()
        self.shown: ClosurePreview = (
            closure_service.preview(vault, self.case_number, kept.extra_removals)
            if kept is not None and kept.extra_removals else self.context.preview)
        self.closure_result: closure_service.ClosureResult | None = None
        self.setWindowTitle(_("Close case {number}").format(number=self.case_number))
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Close the case"))
        self.pages: dict[StepId, ClosurePage] = {}
        for step in STEPS:
            page = PAGE_TYPES[step.id](self, step)
            self.pages[step.id] = page
            self.addPage(page)
        wizard_steps.install(self)
        #: the answers as the pages hold them before anyone touches them
        self._untouched = self._collected()
        if kept is not None:
            first = self.pages[STEPS[0].id]
            first.setSubTitle(_("Your answers from before the program locked are back.") + " "
                              + first.subTitle())

    def confirm_start(self) -> bool:
        """Closing a case whose plan still has open actions asks first (Ja / Nee, No the
        default); True when there are none or the user goes on."""
        count = self.context.open_actions
        if not count:
            return True
        return dialogs.confirm(
            self.parentWidget(), _("Close case {number}").format(number=self.case_number),
            ngettext("This case still has {n} open action. Close it anyway?",
                     "This case still has {n} open actions. Close it anyway?", count)
            .format(n=count), yes_label=_("Yes"), no_label=_("No"), destructive=True)

    def save_draft(self) -> None:
        """Keep the answers given so far in the vault when the program locks (they come back
        the next time the wizard opens; closing the case removes them)."""
        if self._collected() != self._untouched:
            closure_service.save_closure_draft(self.vault, self.case_number, self.decision)

    def _collected(self) -> ClosureDecision:
        """The decision as every page's widgets hold it now."""
        for page in self.pages.values():
            page.store()
        return self.decision

    def accept(self) -> None:
        if not dialogs.confirm(
                self, _("Close case {number}").format(number=self.case_number),
                _("Close case {number} now? The data listed in the preview is removed for "
                  "good.").format(number=self.case_number),
                yes_label=_("Close the case"), destructive=True):
            return
        try:
            self.closure_result = closure_service.close_case(
                self.vault, self.case_number, self.decision, self.shown, self.today)
        except CasuskamerError as refused:
            dialogs.error(self, _("The case was not closed"), str(refused))
            return
        super().accept()
