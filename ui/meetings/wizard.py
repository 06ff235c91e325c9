"""The agenda wizard: renders the steps of ``app.domain.meetings.WIZARD_STEPS`` (meeting,
cases, order and times, goal/themes/decisions, invitations, review). Each page checks its
step of ``app.domain.meetings.FLOW`` (``ui.wizard.StepPage``) and shows the reason beside
the page instead of a modal box; the
service ``plan_meeting`` is called once, at the end. What is typed is saved as a draft in
the vault (``save_draft``) and comes back after an unlock.
"""

from __future__ import annotations

from typing import Any

from datetime import datetime

from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPlainTextEdit, QPushButton, QSpinBox, QTextBrowser, QTimeEdit,
                               QVBoxLayout, QWidget, QWizard)

from app.domain.triage import ASK_BEFORE_INVITING, QueryAnswer
from app.domain.meetings import (MAX_DURATION, MIN_DURATION, AgendaDraft, DecisionType,
                                 DraftItem, WizardStep, WIZARD_STEPS)
from app.domain import meetings as meetings_domain
from app.errors import CasuskamerError
from app.formatting import format_datetime, format_time
from app.i18n import _
from app.services import meetings as svc
from app.vault.vault import OpenVault
from ui import a11y, changes, dialogs, wizard_steps
from ui.date_edit import DateEdit
from ui.triage.wizard import confirm_invitation
from ui.wizard import StepPage



def _enter_per_case_page(page: Any) -> None:
    """Fill a per-case page's case picker with the agenda's cases (number and initials
    only) and show the first; used by both pages that edit one agenda item at a time."""
    page._shown = -1
    page.case.blockSignals(True)
    page.case.clear()
    for item in page.wizard_.draft.items:
        page.case.addItem(f"{item.case_number} \u00b7 {item.subject_initials}")
    page.case.blockSignals(False)
    page.case.setCurrentIndex(0)
    page.show_item(0)

class AgendaPage(StepPage):
    """One step of ``app.domain.meetings.FLOW``: its widgets fill ``wizard.draft``; leaving
    it runs the step's check (the base shows the refusal in the page's line)."""

    def __init__(self, wizard: AgendaWizard, step: WizardStep) -> None:
        super().__init__(meetings_domain.FLOW, step, error_name="error", page_line_shown=True)
        self.wizard_ = wizard
        self.step = step
        self.body = QVBoxLayout(self)
        self.error = self.page_error

    def finish_layout(self) -> None:
        self.body.addWidget(self.error)

    def enter(self) -> None:
        """Fill the widgets from the draft (called when the page is shown)."""

    def draft(self) -> AgendaDraft:
        return self.wizard_.draft

    def initializePage(self) -> None:
        self.clear_errors()
        self.enter()

    def validatePage(self) -> bool:
        if not self.check_and_show():
            return False
        self.wizard_.save_draft()
        return True


class MeetingPage(AgendaPage):
    def __init__(self, wizard: AgendaWizard) -> None:
        super().__init__(wizard, WizardStep.MEETING)
        form = QFormLayout()
        # the date as every screen types it (dd-mm-jjjj, or the calendar), the time beside it
        self.when = DateEdit(name="starts_at", required=True)
        self.time = QTimeEdit()
        self.time.setObjectName("starts_at_time")
        self.time.setDisplayFormat("HH:mm")
        self.when.setAccessibleName(_("Date"))
        when = QHBoxLayout()
        when.setContentsMargins(0, 0, 0, 0)
        when.addWidget(self.when, 1)
        when.addWidget(a11y.tie(QLabel(_("Time")), self.time))
        when.addWidget(self.time)
        self.place = QLineEdit()
        self.place.setObjectName("place")
        self.chair = QLineEdit()
        self.chair.setObjectName("chair")
        form.addRow(a11y.tie(QLabel(_("Date and time")), self.when), when)
        form.addRow(_("Place"), self.place)
        form.addRow(_("Chair"), self.chair)
        self.register_field("starts_at", self.when)
        self.register_field("place", self.place)
        self.register_field("chair", self.chair)
        self.body.addLayout(form)
        self.finish_layout()

    def enter(self) -> None:
        draft = self.wizard_.draft
        start = draft.starts_at or datetime.now().replace(minute=0, second=0, microsecond=0)
        self.set_start(start)
        self.place.setText(draft.place)
        self.chair.setText(draft.chair)

    def set_start(self, start: datetime) -> None:
        self.when.setDate(start.date())
        self.time.setTime(QTime(start.hour, start.minute))

    def collect(self) -> None:
        draft = self.wizard_.draft
        day, at = self.when.date(), self.time.time()
        # a text that is no date keeps the last good start; the page names the problem
        if day is not None:
            draft.starts_at = datetime(day.year, day.month, day.day, at.hour(), at.minute())
        draft.place, draft.chair = self.place.text(), self.chair.text()

    def validatePage(self) -> bool:
        if self.when.error():
            self.show_problem(_("Date and time: {problem}").format(problem=self.when.error()))
            self.when.setFocus()
            return False
        return super().validatePage()


class CasesPage(AgendaPage):
    def __init__(self, wizard: AgendaWizard) -> None:
        super().__init__(wizard, WizardStep.CASES)
        self.cases = QListWidget()
        self.cases.setObjectName("cases")
        self.body.addWidget(a11y.tie(QLabel(_("&Cases ready for a meeting:")), self.cases))
        self.body.addWidget(self.cases)
        self.register_field("items", self.cases)
        self.finish_layout()

    def enter(self) -> None:
        chosen = {i.case_id for i in self.wizard_.draft.items}
        self.cases.clear()
        for candidate in self.wizard_.candidates:
            row = QListWidgetItem(f"{candidate.case_number} \u00b7 "
                                  f"{candidate.subject_initials} \u00b7 {candidate.kind.label}")
            row.setData(Qt.ItemDataRole.UserRole, candidate.case_id)
            row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            row.setCheckState(Qt.CheckState.Checked if candidate.case_id in chosen
                              else Qt.CheckState.Unchecked)
            self.cases.addItem(row)

    def collect(self) -> None:
        draft = self.wizard_.draft
        kept = {i.case_id: i for i in draft.items}
        by_id = {c.case_id: c for c in self.wizard_.candidates}
        items: list[DraftItem] = []
        for index in range(self.cases.count()):
            row = self.cases.item(index)
            if row.checkState() is not Qt.CheckState.Checked:
                continue
            case_id = int(row.data(Qt.ItemDataRole.UserRole))
            if case_id in kept:
                items.append(kept[case_id])
                continue
            c = by_id[case_id]
            # Goal, themes, decision types and invitees carried over from triage.
            items.append(DraftItem(c.case_id, c.case_number, c.subject_initials, c.kind,
                                   goal=c.routing.goal, themes=list(c.routing.themes),
                                   decision_types=list(c.routing.decision_types),
                                   invited={p: "" for p in c.routing.invitees}))
        draft.items = items


class OrderPage(AgendaPage):
    def __init__(self, wizard: AgendaWizard) -> None:
        super().__init__(wizard, WizardStep.ORDER)
        self.order = QListWidget()
        self.order.setObjectName("order")
        row = QHBoxLayout()
        self.up = QPushButton(_("Up"))
        self.up.setObjectName("up")
        self.down = QPushButton(_("Down"))
        self.down.setObjectName("down")
        self.duration = QSpinBox()
        self.duration.setObjectName("duration")
        self.duration.setRange(1, MAX_DURATION * 2)
        self.duration.setSuffix(" min")
        row.addWidget(self.up)
        row.addWidget(self.down)
        row.addStretch(1)
        row.addWidget(a11y.tie(QLabel(_("Duration")), self.duration))
        row.addWidget(self.duration)
        self.body.addWidget(a11y.tie(QLabel(_("&Order of the cases:")), self.order))
        self.body.addWidget(self.order)
        self.body.addLayout(row)
        self.finish_layout()
        self.up.clicked.connect(lambda: self.move_item(-1))
        self.down.clicked.connect(lambda: self.move_item(1))
        self.order.currentRowChanged.connect(self._row_changed)
        self.duration.valueChanged.connect(self._duration_changed)

    def enter(self) -> None:
        self._fill(0)

    def _fill(self, current: int) -> None:
        draft = self.wizard_.draft
        self.order.blockSignals(True)
        self.order.clear()
        for item, start in zip(draft.items, draft.starts()):
            self.order.addItem(f"{format_time(start)}  {item.case_number} \u00b7 "
                               f"{item.subject_initials}  ({item.duration_minutes} min)")
        self.order.blockSignals(False)
        if draft.items:
            self.order.setCurrentRow(max(0, min(current, len(draft.items) - 1)))
            self._row_changed(self.order.currentRow())

    def _row_changed(self, row: int) -> None:
        items = self.wizard_.draft.items
        if 0 <= row < len(items):
            self.duration.blockSignals(True)
            self.duration.setValue(items[row].duration_minutes)
            self.duration.blockSignals(False)

    def _duration_changed(self, value: int) -> None:
        row = self.order.currentRow()
        items = self.wizard_.draft.items
        if 0 <= row < len(items):
            items[row].duration_minutes = value
            self._fill(row)

    def move_item(self, delta: int) -> None:
        items = self.wizard_.draft.items
        row = self.order.currentRow()
        target = row + delta
        if 0 <= row < len(items) and 0 <= target < len(items):
            items[row], items[target] = items[target], items[row]
            self._fill(target)


class DetailsPage(AgendaPage):
    def __init__(self, wizard: AgendaWizard) -> None:
        super().__init__(wizard, WizardStep.DETAILS)
        self.case = QComboBox()
        self.case.setObjectName("case")
        self.goal = QPlainTextEdit()
        self.goal.setObjectName("goal")
        self.goal.setMaximumHeight(90)
        self.themes = QLineEdit()
        self.themes.setObjectName("themes")
        self.themes.setPlaceholderText(_("Themes, separated by commas"))
        self.kinds = {d: QCheckBox(d.label) for d in DecisionType}
        form = QFormLayout()
        form.addRow(_("Case"), self.case)
        form.addRow(_("Goal"), self.goal)
        form.addRow(_("Themes"), self.themes)
        kinds = QHBoxLayout()
        for d, box in self.kinds.items():
            box.setObjectName(f"decision_{d.value}")
            kinds.addWidget(box)
        form.addRow(_("Decisions"), kinds)
        self.body.addLayout(form)
        self.finish_layout()
        self._shown = -1
        self.case.currentIndexChanged.connect(self.show_item)

    def enter(self) -> None:
        _enter_per_case_page(self)

    def _store(self) -> None:
        items = self.wizard_.draft.items
        if 0 <= self._shown < len(items):
            item = items[self._shown]
            item.goal = self.goal.toPlainText()
            item.themes = [t.strip() for t in self.themes.text().split(",") if t.strip()]
            item.decision_types = [d for d, box in self.kinds.items() if box.isChecked()]

    def show_item(self, index: int) -> None:
        self._store()
        items = self.wizard_.draft.items
        if not 0 <= index < len(items):
            return
        item = items[index]
        self._shown = index
        self.goal.setPlainText(item.goal)
        self.themes.setText(", ".join(item.themes))
        for d, box in self.kinds.items():
            box.setChecked(d in item.decision_types)

    def collect(self) -> None:
        self._store()


class InvitationsPage(AgendaPage):
    def __init__(self, wizard: AgendaWizard) -> None:
        super().__init__(wizard, WizardStep.INVITATIONS)
        self.case = QComboBox()
        self.case.setObjectName("case")
        self.parties = QListWidget()
        self.parties.setObjectName("parties")
        self.body.addWidget(a11y.tie(QLabel(_("C&ase:")), self.case))
        self.body.addWidget(self.case)
        self.body.addWidget(a11y.tie(QLabel(_("&Invited parties:")), self.parties))
        self.body.addWidget(self.parties)
        self.finish_layout()
        self._shown = -1
        self._answers: dict[int, QueryAnswer | None] = {}
        self.case.currentIndexChanged.connect(self.show_item)
        self.parties.itemChanged.connect(self._party_ticked)

    def enter(self) -> None:
        _enter_per_case_page(self)

    def _store(self) -> None:
        items = self.wizard_.draft.items
        if not 0 <= self._shown < len(items):
            return
        item = items[self._shown]
        invited: dict[int, str] = {}
        for index in range(self.parties.count()):
            row = self.parties.item(index)
            if row.checkState() is Qt.CheckState.Checked:
                party_id = int(row.data(Qt.ItemDataRole.UserRole))
                invited[party_id] = item.invited.get(party_id, "")
        item.invited = invited

    def show_item(self, index: int) -> None:
        self._store()
        items = self.wizard_.draft.items
        if not 0 <= index < len(items):
            return
        item = items[index]
        self._shown = index
        self.parties.clear()
        day = (self.wizard_.draft.starts_at or datetime.now()).date()
        # Entitlement is the policy's answer (through the service); refused parties are
        # shown greyed out with the reason, never offered.
        # issue 24: the referral's proposed partners are marked (the policy still decides)
        from app.errors import CasuskamerError
        from app.services.referral_contacts import proposed_invitees

        try:
            proposed = set(proposed_invitees(self.wizard_.vault, item.case_id))
        except CasuskamerError:
            proposed = set()
        choices = svc.invitee_choices(self.wizard_.vault, item.case_id, day)
        self._answers = {c.party_id: c.triage_answer for c in choices}
        for choice in choices:
            text = choice.name if choice.allowed else f"{choice.name} \u2013 {choice.reason}"
            if choice.party_id in proposed:
                text = _("{party} \u2013 proposed by the referring party").format(party=text)
            row = QListWidgetItem(text)
            row.setData(Qt.ItemDataRole.UserRole, choice.party_id)
            if choice.allowed:
                row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                row.setCheckState(Qt.CheckState.Checked if choice.party_id in item.invited
                                  else Qt.CheckState.Unchecked)
            else:
                row.setFlags(Qt.ItemFlag.NoItemFlags)
                item.invited.pop(choice.party_id, None)
            self.parties.addItem(row)

    def _party_ticked(self, row: QListWidgetItem) -> None:
        """Ticking a party that answered "not known" or declined in triage asks first, as
        triage does (issue 18, point 4); "no" leaves it unticked."""
        if row.checkState() != Qt.CheckState.Checked:
            return
        party_id = int(row.data(Qt.ItemDataRole.UserRole))
        answer = self._answers.get(party_id)
        if answer is None or answer not in ASK_BEFORE_INVITING:
            return
        name = row.text().split(" \u2013 ")[0]
        if not confirm_invitation(self, name, answer):
            self.parties.blockSignals(True)
            row.setCheckState(Qt.CheckState.Unchecked)
            self.parties.blockSignals(False)

    def check(self, party_id: int, checked: bool = True) -> None:
        """Tick a party for the case shown (for keyboard users and tests alike)."""
        for index in range(self.parties.count()):
            row = self.parties.item(index)
            if int(row.data(Qt.ItemDataRole.UserRole)) == party_id:
                row.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def collect(self) -> None:
        self._store()


class ReviewPage(AgendaPage):
    def __init__(self, wizard: AgendaWizard) -> None:
        super().__init__(wizard, WizardStep.REVIEW)
        self.summary = QTextBrowser()
        self.summary.setObjectName("summary")
        a11y.name(self.summary, _("Summary"))
        self.body.addWidget(self.summary)
        self.finish_layout()

    def enter(self) -> None:
        draft = self.wizard_.draft
        names = svc.party_names(self.wizard_.vault)
        lines = ["{when} \u00b7 {place} \u00b7 {chair}".format(
            when=format_datetime(draft.starts_at, empty=""),
            place=draft.place, chair=draft.chair), ""]
        for item, start in zip(draft.items, draft.starts()):
            lines.append(f"{format_time(start)}  {item.case_number} \u00b7 "
                         f"{item.subject_initials} ({item.duration_minutes} min)")
            lines.append(f"    {item.goal}")
            lines.append("    " + ", ".join(item.themes) + " \u00b7 "
                         + ", ".join(d.label for d in item.decision_types))
            lines.append("    " + ", ".join(sorted(names.get(p, "") for p in item.invited)))
        self.summary.setPlainText("\n".join(lines))

    def validatePage(self) -> bool:
        try:
            self.wizard_.meeting_id = svc.plan_meeting(self.wizard_.vault, self.wizard_.draft)
        except CasuskamerError as exc:
            self.show_problem(str(exc))
            return False
        changes.announce()   # the cases on the agenda have a next meeting now
        return True


PAGES = {
    WizardStep.MEETING: MeetingPage, WizardStep.CASES: CasesPage, WizardStep.ORDER: OrderPage,
    WizardStep.DETAILS: DetailsPage, WizardStep.INVITATIONS: InvitationsPage,
    WizardStep.REVIEW: ReviewPage,
}


class AgendaWizard(QWizard):
    """Prepare a case meeting. ``meeting_id`` is set once the meeting is planned."""

    def __init__(self, vault: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.setWindowTitle(_("New case meeting"))
        self.setObjectName("agenda_wizard")
        self.setMinimumSize(720, 520)
        self.meeting_id: int | None = None
        self.draft = svc.load_agenda_draft(vault) or AgendaDraft()
        self.candidates = svc.candidate_cases(vault)
        # Cases in a draft that are no longer ready are dropped, not planned blindly.
        ready = {c.case_id for c in self.candidates}
        self.draft.items = [i for i in self.draft.items if i.case_id in ready]
        self.pages: dict[WizardStep, AgendaPage] = {}
        for step in WIZARD_STEPS:
            page = PAGES[step](self)
            self.pages[step] = page
            self.addPage(page)
        self.steps = wizard_steps.install(self)
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Plan the meeting"))
        # Ctrl+S keeps what is typed as the draft, from any field, without closing.
        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        self.save_shortcut.activated.connect(self.save_now)
        self._cleared = False
        #: the draft as last saved (or opened), to know whether closing loses anything
        self._saved = self.draft.to_json()

    def page_for(self, step: WizardStep) -> AgendaPage:
        return self.pages[step]

    def save_draft(self) -> None:
        if self.meeting_id is None and self.vault.is_open and not self._cleared:
            svc.save_agenda_draft(self.vault, self.draft)
            self._saved = self.draft.to_json()

    def save_now(self) -> None:
        """Ctrl+S: the page's fields into the draft and the draft saved; said beside the
        steps."""
        page = self.currentPage()
        if isinstance(page, AgendaPage):
            page.collect()
        try:
            self.save_draft()
        except CasuskamerError as exc:
            self.steps.say(str(exc))
            return
        self.steps.say(_("Draft saved at {time}.").format(time=format_time(datetime.now())))

    @property
    def has_unsaved_changes(self) -> bool:
        """Something typed or chosen on the page shown since the last save (each Next
        saves); a start time alone, as the first page proposes it, is nothing typed."""
        if self._cleared or self.meeting_id is not None or not self.vault.is_open:
            return False
        page = self.currentPage()
        if isinstance(page, AgendaPage):
            page.collect()
        draft = self.draft
        typed = bool(draft.place.strip() or draft.chair.strip() or draft.items)
        return typed and draft.to_json() != self._saved

    def reject(self) -> None:
        """Closing with changes asks Opslaan / Niet opslaan / Annuleren. The Cancel button
        throws the draft away (unless the answer is Opslaan); closing the window otherwise,
        or on lock, keeps what was saved."""
        if not self._cleared and self.meeting_id is None and self.vault.is_open:
            cancel_button = self.sender() is self.button(QWizard.WizardButton.CancelButton)
            answer = dialogs.DISCARD
            if self.has_unsaved_changes:
                answer = dialogs.ask_to_save(
                    self, _("Unsaved changes"),
                    _("The agenda has changes that have not been saved. Save them in the "
                      "draft?"))
                if answer == dialogs.CANCEL:
                    return
                if answer == dialogs.SAVE:
                    self.save_draft()
            if cancel_button and answer == dialogs.DISCARD:
                svc.discard_agenda_draft(self.vault)
        super().reject()

    def clear(self) -> None:
        self._cleared = True
        self.draft = AgendaDraft()
        self.candidates = []
        for page in self.pages.values():
            # One type per call: PySide6 6.11 refuses a tuple (a TypeError that once stopped
            # the lock with this wizard's case data on screen).
            for line in page.findChildren(QLineEdit):
                line.clear()
            for text in page.findChildren(QPlainTextEdit):
                text.clear()
            for listing in page.findChildren(QListWidget):
                listing.clear()



__all__ = ["MIN_DURATION", "AgendaWizard"]
