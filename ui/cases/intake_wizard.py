"""The intake wizard: a QWizard that renders the intake steps of ``app.domain.intake``.

The steps, their order, the draft they fill in and every validation rule live in
``app.domain.intake`` (no Qt); this module only shows them. Each page writes its widgets into
the ``IntakeDraft``, asks its step of ``app.domain.intake.FLOW`` (the one wizard protocol,
``ui.wizard.StepPage``) whether it may move on, shows each problem next to
its field (the ``FieldError.field`` path, e.g. ``subjects[0].bsn``), and saves the draft in
the vault (``app.services.intake.save_draft``) as the user goes. On the summary page the one
service call ``submit_intake`` accepts the case for triage, declines it, registers it for a
later intake, or keeps it as a draft.

For the lock protocol (``ui.locking``) the wizard implements ``save_draft()`` (the draft goes
into the vault, and reopens from the Cases screen on the page the user was on) and
``clear()`` (every typed text is dropped).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from app.domain.cases import SubjectRole, parse_date
from app.domain.criteria import (
    CRITERIA,
    Criterion,
    CriterionAnswer,
    criteria_introduction,
    is_complex_case,
)
from app.domain import intake as intake_domain
from app.domain.intake import (
    STEPS,
    CriterionEntry,
    FieldError,
    IntakeContext,
    IntakeDraft,
    IntakeOutcome,
    IntakeStep,
    SubjectEntry,
    step_index,
    validate_outcome,
)
from app.domain.life_domains import LifeDomain
from app.domain.protocols import Protocol
from app.domain.roles import Permission, may
from app.errors import CasuskamerError, EditConflict, ValidationError
from app.formatting import format_date, format_time
from app.i18n import _
from app.services import intake as intake_service
from app.services import parties as party_service
from app.vault.vault import OpenVault
from ui import a11y, dialogs, wizard_steps
from ui.date_edit import DateEdit
from ui.edit_conflict import offer_reload
from ui.wizard import StepPage

#: Longest text a one-line field takes (Qt's default, 32,767, would cut a long paste).
LINE_MAX = 100_000


def line_edit(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setMaxLength(LINE_MAX)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


def text_edit(name: str, lines: int = 4, grows: bool = False) -> QPlainTextEdit:
    """A free-text field ``lines`` high; ``grows`` lets it take the room a page has left
    (otherwise it scrolls, so ten of them fit on one page)."""
    edit = QPlainTextEdit()
    edit.setObjectName(name)
    edit.setTabChangesFocus(True)
    height = edit.fontMetrics().lineSpacing() * lines + 14
    if grows:
        edit.setMinimumHeight(height)
    else:
        edit.setFixedHeight(height)
    return edit


def scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    # Not a Tab stop of its own: Tab goes to the fields inside, and the area scrolls to them.
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return area


def set_date_text(edit: DateEdit, text: str) -> None:
    """Show a draft's date (kept as ISO) the way every screen shows dates; a text that was
    no date stays as typed, so its problem can be shown."""
    try:
        edit.setDate(parse_date(text, "date") if text.strip() else None)
    except ValidationError:
        edit.setText(text)


def date_text(edit: DateEdit) -> str:
    """A date field for the draft: ISO when it holds a date, else the text as typed (the
    step's check then refuses it, and the page shows the field's own reason)."""
    value = edit.date()
    return value.isoformat() if value is not None else edit.text().strip()


def shown_date(text: str) -> str:
    """A draft's ISO date as the program shows dates (dd-mm-jjjj); other text as it is."""
    try:
        return format_date(parse_date(text, "date"))
    except ValidationError:
        return text


def _draft_has_content(draft: IntakeDraft) -> bool:
    """Whether anything was typed or chosen (an untouched wizard leaves no draft behind)."""
    if draft.case_number or draft.protocol or draft.referring_party_id is not None:
        return True
    texts = [draft.referring_contact, draft.reason, draft.question, draft.decline_reason,
             draft.decline_advice, *draft.life_domains.values()]
    for subject in draft.subjects:
        texts += [subject.given_names, subject.surname, subject.birth_date, subject.bsn,
                  subject.address]
    return any(t.strip() for t in texts) or any(
        c.met is not None or c.motivation.strip() for c in draft.criteria.values())


class IntakePage(StepPage):
    """One intake step (``app.domain.intake.FLOW``): loads its widgets from the draft,
    stores them back; the base shows the step's refusals beside their fields."""

    step: IntakeStep

    def __init__(self, owner: IntakeWizard) -> None:
        super().__init__(intake_domain.FLOW, self.step)
        self.owner = owner
        #: filled from the draft at least once (a page never shown has nothing to store)
        self.loaded = False

    def draft(self) -> IntakeDraft:
        return self.owner.draft

    def context(self) -> IntakeContext:
        return self.owner.ctx

    def collect(self) -> None:
        self.store(self.owner.draft)

    # -- draft ------------------------------------------------------------------------------

    def load(self, draft: IntakeDraft) -> None:
        raise NotImplementedError

    def store(self, draft: IntakeDraft) -> None:
        raise NotImplementedError

    def clear_fields(self) -> None:
        """Drop every typed text (on lock)."""
        for edit in self.findChildren(QLineEdit):
            edit.clear()
        for text in self.findChildren(QPlainTextEdit):
            text.clear()
        for browser in self.findChildren(QTextBrowser):
            browser.clear()
        self.clear_errors()

    # -- QWizardPage ------------------------------------------------------------------------

    def initializePage(self) -> None:
        self.load(self.owner.draft)
        self.loaded = True

    def cleanupPage(self) -> None:
        # Going back keeps what was typed (Qt's default would reset the page).
        if not self.owner.is_cleared:
            self.store(self.owner.draft)

    def validatePage(self) -> bool:
        return self.owner.leave_page(self)


# -- the pages ----------------------------------------------------------------------------------

class ProtocolPage(IntakePage):
    step = IntakeStep.PROTOCOL

    def __init__(self, owner: IntakeWizard) -> None:
        super().__init__(owner)
        self.group = QButtonGroup(self)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[Protocol, QRadioButton] = {}
        for protocol in Protocol:
            button = QRadioButton(protocol.label)
            button.setObjectName(f"protocol_{protocol.value}")
            self.group.addButton(button)
            self.buttons[protocol] = button
            column.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.with_error("protocol", box))
        layout.addWidget(self.page_error)
        layout.addStretch(1)

    def load(self, draft: IntakeDraft) -> None:
        self.group.setExclusive(False)
        for protocol, button in self.buttons.items():
            button.setChecked(draft.protocol == protocol.value)
        self.group.setExclusive(True)

    def store(self, draft: IntakeDraft) -> None:
        chosen = [p for p, b in self.buttons.items() if b.isChecked()]
        draft.protocol = chosen[0].value if chosen else ""

    def clear_fields(self) -> None:
        super().clear_fields()
        self.group.setExclusive(False)
        for button in self.buttons.values():
            button.setChecked(False)
        self.group.setExclusive(True)


class ReferringPartyPage(IntakePage):
    step = IntakeStep.REFERRING_PARTY

    def __init__(self, owner: IntakeWizard) -> None:
        super().__init__(owner)
        self.party_combo = QComboBox()
        self.party_combo.setObjectName("referring_party")
        self.party_combo.setAccessibleName(_("Referring party"))
        self.contact_combo = QComboBox()
        self.contact_combo.setObjectName("referring_contact")
        self.contact_combo.setEditable(True)
        self.contact_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.contact_combo.setAccessibleName(_("Contact person"))
        contact_edit = self.contact_combo.lineEdit()
        assert contact_edit is not None
        contact_edit.setMaxLength(LINE_MAX)
        contact_edit.setPlaceholderText(_("Name of the contact person at the referring party"))
        self.received_edit = DateEdit(name="received")
        self.received_edit.setAccessibleName(_("Received on"))
        self.no_parties = QLabel("")
        self.no_parties.setWordWrap(True)
        self.no_parties.setVisible(False)
        form = QFormLayout()
        form.addRow(_("Received on"), self.with_error("received", self.received_edit))
        form.addRow(_("Referring party"), self.with_error("referring_party", self.party_combo))
        form.addRow(_("Contact person"),
                    self.with_error("referring_contact", self.contact_combo))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.no_parties)
        layout.addWidget(self.page_error)
        layout.addStretch(1)
        self.party_combo.currentIndexChanged.connect(lambda _i: self._party_chosen())
        self.received_edit.line.editingFinished.connect(self._received_changed)

    def _on(self) -> date:
        return self.received_edit.date() or self.owner.today

    def _fill_parties(self, protocol_value: str, keep: int | None) -> None:
        self.party_combo.blockSignals(True)
        self.party_combo.clear()
        self.party_combo.addItem(_("Choose the referring party"), None)
        choices: list[intake_service.PartyChoice] = []
        try:
            protocol = Protocol(protocol_value)
        except ValueError:
            protocol = None
        if protocol is not None:
            try:
                choices = intake_service.eligible_parties(self.owner.vault, protocol, self._on())
            except CasuskamerError as exc:
                self.page_error.setText(str(exc))
                self.page_error.setVisible(True)
        for choice in choices:
            self.party_combo.addItem(choice.name, choice.id)
        if keep is not None and self.party_combo.findData(keep) < 0:
            # The draft's party is no longer eligible: keep it visible so the reason shows
            # beside it, instead of silently dropping the choice.
            try:
                name = party_service.get_party(self.owner.vault, keep).name
            except CasuskamerError:
                name = _("(unknown party)")
            self.party_combo.addItem(name, keep)
        found = self.party_combo.findData(keep) if keep is not None else 0
        self.party_combo.setCurrentIndex(max(found, 0))
        self.party_combo.blockSignals(False)
        self.no_parties.setText(_("No party takes part in this protocol on this date.")
                                if protocol is not None and not choices else "")
        self.no_parties.setVisible(protocol is not None and not choices)
        self._party_chosen(keep_contact=True)

    def _received_changed(self) -> None:
        self._fill_parties(self.owner.draft.protocol, self.party_combo.currentData())

    def _party_chosen(self, keep_contact: bool = False) -> None:
        typed = self.contact_combo.currentText()
        self.contact_combo.blockSignals(True)
        self.contact_combo.clear()
        party_id = self.party_combo.currentData()
        if party_id is not None:
            try:
                for contact in party_service.contacts(self.owner.vault, int(party_id)):
                    label = contact.name
                    self.contact_combo.addItem(label)
            except CasuskamerError:
                pass  # no contacts to offer: the name can still be typed
        self.contact_combo.setEditText(typed if keep_contact else "")
        self.contact_combo.blockSignals(False)

    def load(self, draft: IntakeDraft) -> None:
        set_date_text(self.received_edit, draft.received)
        self._fill_parties(draft.protocol, draft.referring_party_id)
        self.contact_combo.setEditText(draft.referring_contact)

    def store(self, draft: IntakeDraft) -> None:
        draft.received = date_text(self.received_edit)
        party = self.party_combo.currentData()
        draft.referring_party_id = int(party) if party is not None else None
        draft.referring_contact = self.contact_combo.currentText()

    def clear_fields(self) -> None:
        super().clear_fields()
        self.party_combo.clear()
        self.contact_combo.clear()


class SubjectForm(QGroupBox):
    """One subject's fields, with its "already known" line."""

    def __init__(self, page: SubjectsPage, index: int) -> None:
        super().__init__()
        self.page = page
        self.index = index
        self.setObjectName(f"subject_{index}")
        prefix = f"subjects[{index}]"
        self.prefix = prefix
        self.given_names = line_edit("given_names")
        self.surname = line_edit("surname")
        self.birth_date = DateEdit(name="birth_date")
        self.bsn = line_edit("bsn", _("nine digits"))
        self.address = line_edit("address")
        self.role = QComboBox()
        self.role.setObjectName("role")
        for role in SubjectRole:
            self.role.addItem(role.label, role.value)
        self.known = QLabel("")
        self.known.setObjectName("already_known")
        self.known.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.known.setVisible(False)
        self.remove_button = QPushButton(_("Remove this subject"))
        self.remove_button.setObjectName("remove_subject")
        self.remove_button.clicked.connect(lambda: page.remove_subject(self))
        form = QFormLayout(self)
        form.addRow(_("Given names"), page.with_error(f"{prefix}.given_names", self.given_names))
        form.addRow(_("Surname"), page.with_error(f"{prefix}.surname", self.surname))
        form.addRow(_("Birth date"), page.with_error(f"{prefix}.birth_date", self.birth_date))
        form.addRow(_("BSN"), page.with_error(f"{prefix}.bsn", self.bsn))
        form.addRow(_("Address"), page.with_error(f"{prefix}.address", self.address))
        form.addRow(_("Role in the family system"),
                    page.with_error(f"{prefix}.role", self.role))
        form.addRow("", self.known)
        remove_row = QHBoxLayout()
        remove_row.addStretch(1)
        remove_row.addWidget(self.remove_button)
        form.addRow("", remove_row)
        for edit in (self.bsn, self.surname, self.birth_date.line):
            edit.editingFinished.connect(self.check_known)
        self.renumber(index)

    def renumber(self, index: int) -> None:
        self.index = index
        self.setTitle(_("Subject {n}").format(n=index + 1))

    def entry(self) -> SubjectEntry:
        return SubjectEntry(self.given_names.text(), self.surname.text(),
                            date_text(self.birth_date), self.bsn.text().strip(),
                            self.address.text(), str(self.role.currentData()))

    def set_entry(self, entry: SubjectEntry) -> None:
        self.given_names.setText(entry.given_names)
        self.surname.setText(entry.surname)
        set_date_text(self.birth_date, entry.birth_date)
        self.bsn.setText(entry.bsn)
        self.address.setText(entry.address)
        found = self.role.findData(entry.role)
        self.role.setCurrentIndex(max(found, 0))

    def check_known(self) -> None:
        """Ask the vault whether this person is in a case it still holds; show only the
        case number, status and dates."""
        bsn = self.bsn.text().strip()
        surname = self.surname.text().strip()
        birth = self.birth_date.date()
        if not bsn and not (surname and birth):
            self.known.setVisible(False)
            return
        try:
            found = intake_service.already_known(
                self.page.owner.vault, bsn=bsn or None, surname=surname or None,
                birth_date=birth, exclude_case=self.page.owner.draft.case_number)
        except CasuskamerError as exc:
            self.known.setText(str(exc))
            self.known.setVisible(True)
            return
        self.known.setText(known_text(found))
        # A match must catch the eye; "not known" stays quiet.
        self.known.setStyleSheet(a11y.NOTICE_STYLE if found else "")
        self.known.setVisible(True)


def known_text(found: list[intake_service.KnownCase]) -> str:
    if not found:
        return _("Not known in the cases the house still holds.")
    lines = [_("Already known:")]
    for case in found:
        if case.closed_at is not None:
            lines.append(_("{number}, {status}, received {received}, closed {closed}").format(
                number=case.number, status=case.state.label,
                received=format_date(case.received), closed=format_date(case.closed_at.date())))
        else:
            lines.append(_("{number}, {status}, received {received}").format(
                number=case.number, status=case.state.label,
                received=format_date(case.received)))
    return "\n".join(lines)


class SubjectsPage(IntakePage):
    step = IntakeStep.SUBJECTS

    def __init__(self, owner: IntakeWizard) -> None:
        super().__init__(owner)
        self.forms: list[SubjectForm] = []
        self.holder = QWidget()
        self.column = QVBoxLayout(self.holder)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.addStretch(1)
        self.add_button = QPushButton(_("Add a subject"))
        self.add_button.setObjectName("add_subject")
        self.add_button.clicked.connect(self._add_clicked)
        subjects_error = self.make_error_label("subjects")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        self.scroll_area = scrolled(self.holder)
        layout = QVBoxLayout(self)
        layout.addWidget(subjects_error)
        layout.addWidget(self.scroll_area, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.page_error)

    def _add_clicked(self) -> None:
        # The first subject is the main subject; a family's next person is most often a child.
        role = SubjectRole.CHILD if self.forms else SubjectRole.MAIN_SUBJECT
        form = self.add_subject(SubjectEntry(role=role.value))
        form.given_names.setFocus()
        QTimer.singleShot(0, lambda: self.scroll_area.ensureWidgetVisible(form))

    def add_subject(self, entry: SubjectEntry) -> SubjectForm:
        form = SubjectForm(self, len(self.forms))
        form.set_entry(entry)
        self.forms.append(form)
        self.column.insertWidget(self.column.count() - 1, form)
        self._update_remove()
        return form

    def remove_subject(self, form: SubjectForm) -> None:
        entry = form.entry()
        typed = [entry.given_names, entry.surname, entry.birth_date, entry.bsn, entry.address]
        if any(t.strip() for t in typed) and not dialogs.confirm(
                self, _("Remove subject"),
                _("Remove {subject} and everything typed for this person?").format(
                    subject=form.title()),
                yes_label=_("Remove"), destructive=True):
            return
        entries = [f.entry() for f in self.forms if f is not form]
        self._set_entries(entries)

    def _update_remove(self) -> None:
        for form in self.forms:
            form.remove_button.setVisible(len(self.forms) > 1)

    def _set_entries(self, entries: list[SubjectEntry]) -> None:
        for form in self.forms:
            self.column.removeWidget(form)
            form.deleteLater()
        self.forms = []
        self.forget_fields("subjects[")
        for entry in entries or [SubjectEntry()]:
            self.add_subject(entry)
        self.clear_errors()

    def load(self, draft: IntakeDraft) -> None:
        self._set_entries(list(draft.subjects))

    def store(self, draft: IntakeDraft) -> None:
        draft.subjects = [form.entry() for form in self.forms]

    def clear_fields(self) -> None:
        super().clear_fields()
        for form in self.forms:
            form.known.clear()


class ProblemsPage(IntakePage):
    step = IntakeStep.PROBLEMS

    def __init__(self, owner: IntakeWizard) -> None:
        super().__init__(owner)
        self.reason = text_edit("reason", 5)
        self.reason.setAccessibleName(_("Reason for the referral"))
        self.domains: dict[LifeDomain, QPlainTextEdit] = {}
        body = QWidget()
        form = QFormLayout(body)
        form.addRow(_("Reason for the referral"), self.with_error("reason", self.reason))
        hint = QLabel(_("Describe briefly the problems on each life domain that applies; "
                        "leave the others empty."))
        hint.setWordWrap(True)
        form.addRow(hint)
        for domain in LifeDomain:
            edit = text_edit(f"life_domain_{domain.value}", 2)
            edit.setAccessibleName(domain.label)
            self.domains[domain] = edit
            form.addRow(domain.label, self.with_error(f"life_domains.{domain.value}", edit))
        layout = QVBoxLayout(self)
        layout.addWidget(scrolled(body), 1)
        layout.addWidget(self.page_error)

    def load(self, draft: IntakeDraft) -> None:
        self.reason.setPlainText(draft.reason)
        for domain, edit in self.domains.items():
            edit.setPlainText(draft.life_domains.get(domain.value, ""))

    def store(self, draft: IntakeDraft) -> None:
        draft.reason = self.reason.toPlainText()
        draft.life_domains = {d.value: e.toPlainText() for d, e in self.domains.items()
                              if e.toPlainText().strip()}


class CriterionBox(QGroupBox):
    def __init__(self, page: CriteriaPage, criterion: Criterion) -> None:
        super().__init__(f"{CRITERIA.index(criterion) + 1}. {criterion.title}")
        self.criterion = criterion
        self.setObjectName(f"criterion_{criterion.value}")
        text = QLabel(f"\u201c{criterion.text}\u201d")
        text.setObjectName("covenant_text")
        text.setWordWrap(True)
        self.met = QRadioButton(_("Met"))
        self.met.setObjectName("met")
        self.not_met = QRadioButton(_("Not met"))
        self.not_met.setObjectName("not_met")
        self.group = QButtonGroup(self)
        self.group.addButton(self.met)
        self.group.addButton(self.not_met)
        answers = QWidget()
        row = QHBoxLayout(answers)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.met)
        row.addWidget(self.not_met)
        row.addStretch(1)
        self.motivation = text_edit("motivation", 2)
        self.motivation.setAccessibleName(_("Motivation"))
        path = f"criteria.{criterion.value}"
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(page.with_error(path, answers))
        layout.addWidget(a11y.tie(QLabel(_("Motivation")), self.motivation))
        layout.addWidget(page.with_error(f"{path}.motivation", self.motivation))
        self.met.toggled.connect(lambda _on: page.update_conclusion())
        self.not_met.toggled.connect(lambda _on: page.update_conclusion())

    def entry(self) -> CriterionEntry:
        met = True if self.met.isChecked() else False if self.not_met.isChecked() else None
        return CriterionEntry(met, self.motivation.toPlainText())

    def set_entry(self, entry: CriterionEntry) -> None:
        self.group.setExclusive(False)
        self.met.setChecked(entry.met is True)
        self.not_met.setChecked(entry.met is False)
        self.group.setExclusive(True)
        self.motivation.setPlainText(entry.motivation)


class CriteriaPage(IntakePage):
    step = IntakeStep.CRITERIA

    def __init__(self, owner: IntakeWizard) -> None:
        super().__init__(owner)
        body = QWidget()
        column = QVBoxLayout(body)
        intro = QLabel(criteria_introduction())
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.boxes: dict[Criterion, CriterionBox] = {}
        for criterion in CRITERIA:
            box = CriterionBox(self, criterion)
            self.boxes[criterion] = box
            column.addWidget(box)
        column.addStretch(1)
        self.conclusion = QLabel("")
        self.conclusion.setObjectName("criteria_conclusion")
        self.conclusion.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(scrolled(body), 1)
        layout.addWidget(self.conclusion)
        layout.addWidget(self.page_error)

    def update_conclusion(self) -> None:
        draft = IntakeDraft(criteria={c.value: b.entry() for c, b in self.boxes.items()})
        answers = draft.criterion_answers()
        if any(a.met is None for a in answers) or len(answers) < len(CRITERIA):
            self.conclusion.setText(_("Answer all four criteria; a case is complex when "
                                      "criterion 1 or 2 is met, and 3 and 4 are met."))
        # The conclusion follows the answers alone; a missing motivation is the page's
        # own problem, shown beside its field when the user moves on.
        elif is_complex_case([CriterionAnswer(a.criterion, a.met, "-") for a in answers]):
            self.conclusion.setText(_("By these answers, this is a complex case."))
        else:
            self.conclusion.setText(_("By these answers, this is not a complex case."))

    def load(self, draft: IntakeDraft) -> None:
        for criterion, box in self.boxes.items():
            box.set_entry(draft.criteria.get(criterion.value) or CriterionEntry())
        self.update_conclusion()

    def store(self, draft: IntakeDraft) -> None:
        draft.criteria = {c.value: b.entry() for c, b in self.boxes.items()
                          if b.entry().met is not None or b.entry().motivation.strip()}

    def clear_fields(self) -> None:
        super().clear_fields()
        for box in self.boxes.values():
            box.set_entry(CriterionEntry())


class QuestionPage(IntakePage):
    step = IntakeStep.QUESTION

    def __init__(self, owner: IntakeWizard) -> None:
        super().__init__(owner)
        self.question = text_edit("question", 6, grows=True)
        self.question.setAccessibleName(_("Question to the house"))
        layout = QVBoxLayout(self)
        question_label = QLabel(_("What should the case meeting achieve, in the referring "
                                  "party's words?"))
        layout.addWidget(a11y.tie(question_label, self.question))
        layout.addWidget(self.with_error("question", self.question), 1)
        layout.addWidget(self.page_error)

    def load(self, draft: IntakeDraft) -> None:
        self.question.setPlainText(draft.question)

    def store(self, draft: IntakeDraft) -> None:
        draft.question = self.question.toPlainText()


class SummaryPage(IntakePage):
    step = IntakeStep.SUMMARY

    def __init__(self, owner: IntakeWizard) -> None:
        super().__init__(owner)
        self.summary = QTextBrowser()
        self.summary.setObjectName("summary")
        a11y.name(self.summary, _("Summary"))
        self.summary.setOpenLinks(False)
        role = owner.vault.actor.role
        self.group = QButtonGroup(self)
        self.outcome_buttons: dict[IntakeOutcome, QRadioButton] = {}
        outcomes = QWidget()
        row = QHBoxLayout(outcomes)
        row.setContentsMargins(0, 0, 0, 0)
        allowed = {
            IntakeOutcome.ACCEPT: may(role, Permission.CASE_WORK),
            IntakeOutcome.DECLINE: may(role, Permission.CASE_WORK),
            IntakeOutcome.REGISTER: may(role, Permission.REGISTER_REFERRAL),
        }
        # Keeping a draft is the "Keep as draft and close" button, on every page.
        for outcome in (IntakeOutcome.ACCEPT, IntakeOutcome.DECLINE, IntakeOutcome.REGISTER):
            button = QRadioButton(outcome.label)
            button.setObjectName(f"outcome_{outcome.value}")
            button.setEnabled(allowed[outcome])
            button.setVisible(allowed[outcome])
            self.group.addButton(button)
            self.outcome_buttons[outcome] = button
            row.addWidget(button)
            button.toggled.connect(lambda _on: self._outcome_changed())
        row.addStretch(1)
        self.decline_reason = text_edit("decline_reason", 3)
        self.decline_reason.setAccessibleName(_("Reason for declining"))
        self.decline_advice = text_edit("decline_advice", 3)
        self.decline_advice.setAccessibleName(_("Advice to the referring party"))
        self.decline_box = QWidget()
        decline_form = QFormLayout(self.decline_box)
        decline_form.setContentsMargins(0, 0, 0, 0)
        decline_form.addRow(_("Reason for declining"),
                            self.with_error("decline_reason", self.decline_reason))
        decline_form.addRow(_("Advice to the referring party"),
                            self.with_error("decline_advice", self.decline_advice))
        self.decline_box.setVisible(False)
        # issue 22, point 4: after a reload because a colleague rewrote the registration,
        # what this user had typed, read-only, to copy back (copies go through the guard)
        self.kept_label = QLabel(_("Your text, not saved (to copy):"))
        self.kept = QPlainTextEdit()
        self.kept.setObjectName("kept_text")
        self.kept.setReadOnly(True)
        self.kept.setAccessibleName(_("Your text, not saved (to copy):"))
        self.kept_label.setBuddy(self.kept)
        for widget in (self.kept_label, self.kept):
            widget.setVisible(False)
        default = next((o for o in (IntakeOutcome.ACCEPT, IntakeOutcome.REGISTER)
                        if allowed[o]), None)
        if default is not None:
            self.outcome_buttons[default].setChecked(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.with_error("outcome", outcomes))
        layout.addWidget(self.decline_box)
        layout.addWidget(self.kept_label)
        layout.addWidget(self.kept)
        layout.addWidget(self.page_error)
        self.setFinalPage(True)

    def show_kept(self, text: str) -> None:
        self.kept.setPlainText(text)
        for widget in (self.kept_label, self.kept):
            widget.setVisible(bool(text))

    def outcome(self) -> IntakeOutcome:
        for outcome, button in self.outcome_buttons.items():
            if button.isChecked():
                return outcome
        return IntakeOutcome.KEEP_DRAFT

    def choose(self, outcome: IntakeOutcome) -> None:
        if outcome is IntakeOutcome.KEEP_DRAFT:
            self.group.setExclusive(False)
            for button in self.outcome_buttons.values():
                button.setChecked(False)
            self.group.setExclusive(True)
        else:
            self.outcome_buttons[outcome].setChecked(True)

    def _outcome_changed(self) -> None:
        outcome = self.outcome()
        self.decline_box.setVisible(outcome is IntakeOutcome.DECLINE)
        wizard = self.wizard()
        if wizard is not None:
            wizard.setButtonText(QWizard.WizardButton.FinishButton, outcome.label)

    def initializePage(self) -> None:
        super().initializePage()
        self._outcome_changed()

    def load(self, draft: IntakeDraft) -> None:
        self.summary.setHtml(self.owner.summary_html())
        self.decline_reason.setPlainText(draft.decline_reason)
        self.decline_advice.setPlainText(draft.decline_advice)

    def store(self, draft: IntakeDraft) -> None:
        draft.decline_reason = self.decline_reason.toPlainText()
        draft.decline_advice = self.decline_advice.toPlainText()

    def describe(self, error: FieldError) -> str:
        parts = error.field.split(".")
        if parts[0] == "criteria" and len(parts) > 1:
            try:
                return f"{Criterion(parts[1]).title}: {error.message}"
            except ValueError:
                pass
        return error.message

    def validatePage(self) -> bool:
        return self.owner.submit(self.outcome())


PAGE_CLASSES: dict[IntakeStep, Callable[[IntakeWizard], IntakePage]] = {
    IntakeStep.PROTOCOL: ProtocolPage,
    IntakeStep.REFERRING_PARTY: ReferringPartyPage,
    IntakeStep.SUBJECTS: SubjectsPage,
    IntakeStep.PROBLEMS: ProblemsPage,
    IntakeStep.CRITERIA: CriteriaPage,
    IntakeStep.QUESTION: QuestionPage,
    IntakeStep.SUMMARY: SummaryPage,
}


def _partners_page(wizard: IntakeWizard) -> IntakePage:
    """Issue 24: the page of the partners to invite and the informing lives in its own
    module, built on IntakePage above (on ui.wizard.StepPage); imported when a wizard is
    built, so that importing either module first works (no import circle at load time)."""
    from ui.cases.intake_partners import PartnersPage

    return PartnersPage(wizard)


PAGE_CLASSES[IntakeStep.PARTNERS] = _partners_page


class IntakeWizard(QWizard):
    """The intake of one referral: a new one, a registered (imported) case, or a draft."""

    #: emitted once the summary's choice was carried out (or the draft kept)
    submitted = Signal(object)

    def __init__(self, vault: OpenVault, draft: IntakeDraft | None = None,
                 draft_id: int | None = None, parent: QWidget | None = None,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("intake_wizard")
        # The title never names the case or a person (it shows in task bars and switchers).
        self.setWindowTitle(_("Intake"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        # the same words as the triage wizard's (Qt's Cancel is "Annuleren")
        self.setButtonText(QWizard.WizardButton.CustomButton1, _("Save draft and close"))
        custom = self.button(QWizard.WizardButton.CustomButton1)
        self.customButtonClicked.connect(self._custom_button)
        self.vault = vault
        self.today = today or date.today()
        self.draft = draft or IntakeDraft(received=self.today.isoformat())
        #: the intake of a case registered before (it existed already)
        self.existing_case = bool(self.draft.case_number)
        self.draft_id = draft_id
        self.result_of_submit: intake_service.SubmitResult | None = None
        #: what the user had typed before a reload after an edit conflict (else "")
        self.kept_text = ""
        self._ctx: IntakeContext | None = None
        self._resuming = False
        self._cleared = False
        self.pages: dict[IntakeStep, IntakePage] = {}
        for step in STEPS:
            page = PAGE_CLASSES[step](self)
            self.pages[step] = page
            self.setPage(step_index(step), page)
        self.steps = wizard_steps.install(self)
        #: the draft as last saved (or opened), to know whether closing loses anything
        self._baseline = self._comparable(self.draft)
        # Ctrl+S keeps what is typed as a draft, from any field, without closing.
        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        self.save_shortcut.activated.connect(self.save_now)
        custom.setToolTip(_("Save what you typed as a draft; it reopens from the Cases "
                            "screen (Ctrl+S saves without closing)"))
        self.setStartId(0)
        self.resize(860, 680)
        # Form rows hold a field with its problem line: tie each label to the field itself.
        a11y.tie_labels(self)

    # -- context ----------------------------------------------------------------------------

    @property
    def ctx(self) -> IntakeContext:
        if self._ctx is None:
            self._ctx = intake_service.intake_context(self.vault, self.today)
        return self._ctx

    def page_for(self, step: IntakeStep) -> IntakePage:
        return self.pages[step]

    @property
    def is_cleared(self) -> bool:
        return self._cleared

    @property
    def created_case_number(self) -> str | None:
        """The number of the case this intake made or decided (None for a kept draft)."""
        result = self.result_of_submit
        if result is None or result.outcome is IntakeOutcome.KEEP_DRAFT:
            return None
        return result.case_number

    def current_step(self) -> IntakeStep:
        page = self.currentPage()
        return page.step if isinstance(page, IntakePage) else STEPS[0]

    def error_text(self, path: str, step: IntakeStep | None = None) -> str:
        """The problem shown next to field ``path`` (on ``step``, default the current one)."""
        return self.pages[step or self.current_step()].error_text(path)

    # -- moving between pages ---------------------------------------------------------------

    def leave_page(self, page: IntakePage) -> bool:
        """Store the page, save the draft, and say whether the page's rules let it go."""
        page.collect()
        errors = page.refusals()
        page.show_refusals(errors)
        following = IntakeStep(intake_domain.FLOW.next_step(page.step, self.draft) or page.step)
        self.draft.step = (page.step if errors else following).value
        if not self._resuming:
            self._save()
        return not errors

    def resume(self) -> None:
        """Go to the page the draft was left on, through the pages before it (each checked,
        so the wizard stops at the first one with a problem)."""
        target = step_index(IntakeStep(self.draft.step))
        self._resuming = True
        try:
            while self.currentId() < target:
                before = self.currentId()
                self.next()
                if self.currentId() == before:
                    break
        finally:
            self._resuming = False
            self._mark_saved()

    def _custom_button(self, which: int) -> None:
        if which == QWizard.WizardButton.CustomButton1.value:
            self.keep_as_draft()

    def keep_as_draft(self) -> None:
        self._store_all()
        self.draft.step = self.current_step().value
        try:
            self.result_of_submit = intake_service.submit_intake(
                self.vault, self.draft, IntakeOutcome.KEEP_DRAFT, self.draft_id)
        except CasuskamerError as exc:
            page = self.currentPage()
            if isinstance(page, IntakePage):
                page.show_errors([FieldError("", str(exc))])
            return
        self.draft_id = self.result_of_submit.draft_id
        self.submitted.emit(self.result_of_submit)
        # QWizard.done(Accepted) would first validate the current page; a draft is kept as
        # it is, problems and all.
        QDialog.done(self, QDialog.DialogCode.Accepted.value)

    # -- the summary ------------------------------------------------------------------------

    def submit(self, outcome: IntakeOutcome) -> bool:
        page = self.pages[IntakeStep.SUMMARY]
        page.store(self.draft)
        self.draft.step = IntakeStep.SUMMARY.value
        problems = [] if outcome is IntakeOutcome.KEEP_DRAFT else validate_outcome(
            self.draft, outcome)
        if problems:
            page.show_errors(problems)
            self._save()
            return False
        try:
            result = intake_service.submit_intake(self.vault, self.draft, outcome,
                                                  self.draft_id, self.ctx)
        except EditConflict as exc:
            # another session rewrote the case's registration since this draft read it:
            # nothing was written; the draft (with the user's text) is kept, and the user
            # may reload the case as it is now (issue 22, point 4)
            page.show_errors([FieldError("", str(exc))])
            self._save()
            if offer_reload(self, self.windowTitle(), exc):
                self.reload_case()
            return False
        except ValidationError as exc:
            page.show_errors([FieldError(exc.field or "", str(exc))])
            self._save()
            return False
        except CasuskamerError as exc:
            page.show_errors([FieldError("", str(exc))])
            self._save()
            return False
        page.clear_errors()
        self.result_of_submit = result
        if result.draft_id is not None:
            self.draft_id = result.draft_id
        else:
            self.draft_id = None
        self.submitted.emit(result)
        return True

    def reload_case(self) -> None:
        """Load the registered case anew (as another session saved it), keeping what this
        user typed visible beside it to copy: the registration on every page becomes the
        case's; the intake's own decision (the criteria answered, a reason and advice to
        decline) stays as typed, it is no part of the registration. The draft is saved
        with the case's current version, so the next submission is built on it."""
        number = self.draft.case_number
        if number is None:
            return
        page = self.pages[IntakeStep.SUMMARY]
        typed = self.typed_text()
        try:
            fresh = intake_service.case_as_draft(self.vault, number)
        except CasuskamerError as exc:
            page.show_errors([FieldError("", str(exc))])
            return
        fresh.criteria = self.draft.criteria
        fresh.decline_reason = self.draft.decline_reason
        fresh.decline_advice = self.draft.decline_advice
        fresh.step = IntakeStep.SUMMARY.value
        self.draft = fresh
        for each in self.pages.values():
            if each.loaded:
                each.load(fresh)
        self._save()
        self.kept_text = typed
        if isinstance(page, SummaryPage):
            page.show_kept(typed)
        page.show_errors([FieldError("", _(
            "The case is shown as it is now. Your own text is below to copy; go back to a "
            "page to make your change again."))])

    def typed_text(self) -> str:
        """The draft as the user typed it, as plain text (the summary's rows, then the
        partners to invite and the informing), for the box to copy from."""
        document = QTextDocument()
        document.setHtml(self.summary_html())
        lines = [document.toPlainText().strip()]
        for invitee in self.draft.invitees:
            lines.append(" \u00b7 ".join(p for p in (invitee.contact_name, invitee.contact_role,
                                                     invitee.phone, invitee.email)
                                          if p.strip()))
        for informing in self.draft.informing:
            lines.append(" \u00b7 ".join(p for p in (informing.informed,
                                                     informing.informed_on,
                                                     informing.ground, informing.ground_text,
                                                     informing.review_on) if p.strip()))
        return "\n".join(line for line in lines if line)

    def summary_html(self) -> str:
        d = self.draft
        e = html.escape

        def row(label: str, value: str) -> str:
            shown = e(value).replace("\n", "<br>") if value.strip() else "<i>\u2014</i>"
            # Left to right like the rest of the page: a value that starts in Arabic script
            # would otherwise turn its whole cell around (the name itself still reads RTL).
            return (f"<tr><th align='left' valign='top'>{e(label)}</th>"
                    f"<td><p dir='ltr' style='margin:0'>{shown}</p></td></tr>")

        try:
            protocol = Protocol(d.protocol).label
        except ValueError:
            protocol = ""
        referring = self.pages[IntakeStep.REFERRING_PARTY]
        party = referring.party_combo.currentText() \
            if isinstance(referring, ReferringPartyPage) and d.referring_party_id is not None \
            else ""
        parts = ["<table cellspacing='4'>",
                 row(_("Protocol"), protocol), row(_("Received on"), shown_date(d.received)),
                 row(_("Referring party"), party), row(_("Contact person"), d.referring_contact)]
        for i, s in enumerate(d.subjects):
            try:
                role = SubjectRole(s.role).label
            except ValueError:
                role = s.role
            details = [f"{s.given_names} {s.surname}".strip(), role,
                       _("born {date}").format(date=shown_date(s.birth_date))
                       if s.birth_date else "",
                       _("BSN {bsn}").format(bsn=s.bsn) if s.bsn else "", s.address]
            parts.append(row(_("Subject {n}").format(n=i + 1),
                             "\n".join(p for p in details if p.strip())))
        parts.append(row(_("Reason for the referral"), d.reason))
        for domain in LifeDomain:
            text = d.life_domains.get(domain.value, "")
            if text.strip():
                parts.append(row(domain.label, text))
        for criterion in CRITERIA:
            entry = d.criteria.get(criterion.value) or CriterionEntry()
            answer = {True: _("Met"), False: _("Not met"), None: _("Not answered")}[entry.met]
            parts.append(row(criterion.title, f"{answer}\n{entry.motivation}".strip()))
        parts.append(row(_("Question to the house"), d.question))
        parts.append("</table>")
        return "".join(parts)

    # -- drafts and the lock protocol -------------------------------------------------------

    def _store_all(self) -> None:
        for page in self.pages.values():
            if page.loaded:
                page.store(self.draft)

    @staticmethod
    def _comparable(draft: IntakeDraft) -> dict[str, object]:
        data = asdict(draft)
        data.pop("step", None)  # where the user is is no change to the content
        return data

    def _mark_saved(self) -> None:
        self._baseline = self._comparable(self.draft)

    @property
    def has_unsaved_changes(self) -> bool:
        """Whether anything typed since the last save (page change, Ctrl+S) would be lost."""
        if self._cleared or self.result_of_submit is not None:
            return False
        self._store_all()
        return (_draft_has_content(self.draft)
                and self._comparable(self.draft) != self._baseline)

    def save_now(self) -> bool:
        """Ctrl+S: the draft saved in the vault, the wizard stays open; says so beside the
        steps (or why not)."""
        try:
            self.save_draft()
        except CasuskamerError as exc:
            self.steps.say(str(exc))
            return False
        self.steps.say(_("Draft saved at {time}.").format(time=format_time(datetime.now()))
                       if self.draft_id is not None else _("Nothing to save yet."))
        return True

    def _save(self) -> None:
        if self._cleared or not _draft_has_content(self.draft):
            return
        try:
            self.draft_id = intake_service.save_draft(self.vault, self.draft, self.draft_id)
            self._mark_saved()
        except CasuskamerError as exc:
            page = self.currentPage()
            if isinstance(page, IntakePage):
                page.page_error.setText(str(exc))
                page.page_error.setVisible(True)

    def save_draft(self) -> None:
        """Save what is on every page now as a draft in the vault (on lock, on closing)."""
        if self._cleared or self.result_of_submit is not None:
            return
        self._store_all()
        self.draft.step = self.current_step().value
        if not _draft_has_content(self.draft):
            return
        self.draft_id = intake_service.save_draft(self.vault, self.draft, self.draft_id)
        self._mark_saved()

    def clear(self) -> None:
        """Drop every typed text and the draft held in memory (on lock)."""
        self._cleared = True
        self.kept_text = ""
        for page in self.pages.values():
            page.clear_fields()
        self.draft = IntakeDraft()
        self._ctx = None

    def reject(self) -> None:
        """Closing with changes asks Opslaan / Niet opslaan / Annuleren (Opslaan keeps them
        in the draft, which reopens from the Cases screen; what was saved on an earlier page
        stays either way). On lock the wizard is cleared first and asks nothing. After a
        reload, the user's own text shown to copy is in no draft: closing asks first."""
        if (self.kept_text and not self._cleared and self.result_of_submit is None
                and not dialogs.confirm(
                    self, _("Close the intake"),
                    _("Your own text from before the reload is not saved anywhere. Close "
                      "anyway?"), yes_label=_("Close"), destructive=True)):
            return
        if self.has_unsaved_changes:
            answer = dialogs.ask_to_save(
                self, _("Unsaved changes"),
                _("The intake has changes that have not been saved. Save them in the "
                  "draft?"))
            if answer == dialogs.CANCEL:
                return
            if answer == dialogs.SAVE and not self.save_now():
                return
        super().reject()


def buttons_of(wizard: IntakeWizard) -> dict[str, QAbstractButton]:
    """The wizard's navigation buttons by name (for tests and keyboard checks)."""
    names = {"next": QWizard.WizardButton.NextButton, "back": QWizard.WizardButton.BackButton,
             "finish": QWizard.WizardButton.FinishButton,
             "cancel": QWizard.WizardButton.CancelButton,
             "draft": QWizard.WizardButton.CustomButton1}
    return {k: wizard.button(v) for k, v in names.items()}
