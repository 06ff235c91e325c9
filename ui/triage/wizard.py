"""The triage wizard: renders the steps of ``app.domain.triage`` for one case.

Facts (who was asked, answers, items, widening requests and answers) are recorded through
``app.services.triage`` the moment the process director enters them, because they happen
over days; the wizard's position and the routing decision being prepared are saved as a
draft on every page change, on "Save draft" and on lock (:meth:`TriageWizard.clear`), and
come back when the wizard is opened again. Finishing makes the routing decision.
Nothing here decides who may see what: the marks come from ``app.sharing.policy``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox,
                               QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QListView, QListWidget, QListWidgetItem,
                               QPlainTextEdit, QStyle,
                               QPushButton, QRadioButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget, QWizard)

from app.domain.information import Category, SharingTerms
from app.domain.lifecycle import CaseState
from app.domain.meetings import DecisionType
from app.domain import triage as triage_domain
from app.domain.triage import (ASK_BEFORE_INVITING, STEP_ORDER, NewItem, QueryAnswer, Route,
                               RoutingDecision, TriageDraft, TriageStep, WideningAnswer,
                               describe_concerns, describe_item_terms, parse_themes)
from app.errors import CasuskamerError, EditConflict, ValidationError
from app.formatting import format_date, format_time
from app.i18n import _, ngettext
from app.services import triage as triage_service
from app.services.triage import TriageContext
from app.sharing.policy import describe_mark, who_may_see, CaseContext
from app.vault.vault import OpenVault
from ui import a11y, dialogs, wizard_steps
from ui.date_edit import DateEdit
from ui.edit_conflict import offer_reload
from ui.wizard import StepPage


def _pydate(edit: DateEdit, field: str) -> date:
    """The date typed or picked; ``ValidationError`` naming the field when it is none."""
    try:
        return edit.value(field)
    except ValidationError as exc:
        raise ValidationError(_("{field}: {problem}").format(field=edit.accessibleName(),
                                                             problem=exc), field) from None


def _date_edit(value: date, name: str) -> DateEdit:
    """A date as every screen types it (dd-mm-jjjj, ISO, or the calendar)."""
    edit = DateEdit(value, name=name, required=True)
    return edit




def confirm_invitation(parent: QWidget, party: str, answer: QueryAnswer) -> bool:
    """Ask before inviting a party that answered "not known" or declined to share."""
    return dialogs.confirm(
        parent, _("Invite this party?"),
        _("{party} answered \u201c{answer}\u201d when asked about this case. Invite it to "
          "the case meeting all the same?").format(party=party, answer=answer.label),
        yes_label=_("&Yes, invite"))


class PartyFilter(QWidget):
    """A search box above a party list: typing hides the parties whose name does not hold
    the text. The list shows its parties in as many columns as fit, so all 34 fit on a
    page; Down in the search box goes into the list."""

    def __init__(self, listing: QListWidget, label: str, name: str, rows: int = 8) -> None:
        super().__init__()
        self.listing = listing
        self.search = QLineEdit()
        self.search.setObjectName(f"{name}_filter")
        self.search.setPlaceholderText(_("Type to filter the parties"))
        self.search.setClearButtonEnabled(True)
        a11y.name(self.search, _("Filter {list}").format(list=a11y.spoken(label)))
        self.search.textChanged.connect(lambda _t: self.apply())
        self.search.returnPressed.connect(self._to_list)
        self.search.installEventFilter(self)
        # the columns follow the list's own width (known only after the layout placed it)
        listing.viewport().installEventFilter(self)
        listing.setFlow(QListView.Flow.LeftToRight)
        listing.setWrapping(True)
        listing.setResizeMode(QListView.ResizeMode.Adjust)
        listing.setMinimumHeight((listing.fontMetrics().lineSpacing() + 6) * rows)
        search_row = QHBoxLayout()
        search_row.addWidget(a11y.tie(QLabel(_("Filter:")), self.search))
        search_row.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(search_row)
        layout.addWidget(listing, 1)

    def apply(self) -> None:
        """Hide what does not match the search text (after every refill too)."""
        wanted = self.search.text().strip().casefold()
        for i in range(self.listing.count()):
            entry = self.listing.item(i)
            entry.setHidden(bool(wanted) and wanted not in entry.text().casefold())
        self._columns()

    def _columns(self) -> None:
        """Cells as wide as the longest name, as many side by side as the list is wide."""
        widest = max((self.listing.fontMetrics().horizontalAdvance(self.listing.item(i).text())
                      for i in range(self.listing.count())), default=100) + 60
        # less the room Qt keeps for a scroll bar, or the last column wraps to a new row
        bar = self.listing.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        room = max(self.listing.viewport().width() - bar - 8, 1)
        columns = max(1, room // widest)
        grid = QSize(room // columns, self.listing.fontMetrics().lineSpacing() + 6)
        if grid != self.listing.gridSize():
            self.listing.setGridSize(grid)


    def _to_list(self) -> None:
        self.listing.setFocus()
        for i in range(self.listing.count()):
            if not self.listing.item(i).isHidden():
                self.listing.setCurrentRow(i)
                break

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.listing.viewport() and event.type() == QEvent.Type.Resize:
            self._columns()
            return False
        if (watched is self.search and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Down):
            self._to_list()
            return True
        return super().eventFilter(watched, event)


def _checked_ids(widget: QListWidget) -> set[int]:
    return {int(widget.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked}


class TriagePage(StepPage):
    """A page for one step of ``app.domain.triage.FLOW``; the wizard does the work, the base
    shows the step's refusals in the page's line."""

    def __init__(self, wizard: TriageWizard, step: TriageStep) -> None:
        super().__init__(triage_domain.FLOW, step, error_name="error", page_line_shown=True)
        self.triage = wizard
        self.step = step
        self.error = self.page_error
        self.error.setStyleSheet("color: #b00020;")

    def draft(self) -> TriageDraft:
        return self.triage.current_draft()

    def context(self) -> triage_domain.TriageCheck:
        ctx = self.triage.ctx
        return triage_domain.TriageCheck(tuple(ctx.queries), ctx.standings, ctx.case.protocol,
                                         self.triage.today)

    def validatePage(self) -> bool:
        return self.triage.leave_step(self.step)


class TriageWizard(QWizard):
    """Triage of one case, for the process director."""

    def __init__(self, vault: OpenVault, number: str, parent: QWidget | None = None,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.number = number
        self.today = today or date.today()
        self.setObjectName("triage_wizard")
        self.setWindowTitle(_("Triage of {number}").format(number=number))
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setButtonText(QWizard.WizardButton.CustomButton1, _("Save draft and close"))
        self.customButtonClicked.connect(self._on_custom_button)
        self.ctx: TriageContext = triage_service.triage_context(vault, number, self.today)
        self.draft = triage_service.load_draft(vault, number) or TriageDraft(number)
        self.finished_state: object = None
        self.pages: dict[TriageStep, TriagePage] = {}
        self._build_parties()
        self._build_answers()
        self._build_review()
        self._build_routing()
        self._build_summary()
        for step in STEP_ORDER:
            self.setPage(STEP_ORDER.index(step), self.pages[step])
        self.setStartId(STEP_ORDER.index(self.draft.step))
        self._show_routing(self.draft.routing)
        self.invitee_list.itemChanged.connect(self._invitee_changed)
        self.refresh(reread=False)
        self.currentIdChanged.connect(self._on_page_changed)
        self.steps = wizard_steps.install(self)
        self._cleared = False
        #: the routing as last saved (or opened), to know whether closing loses anything
        self._saved_routing = self._routing_from_widgets()
        # Ctrl+S keeps the draft (and records the parties ticked as asked), from any field.
        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        self.save_shortcut.activated.connect(self.save_now)
        self.button(QWizard.WizardButton.CustomButton1).setToolTip(
            _("Save the draft and close; Ctrl+S saves without closing"))
        self.resize(1000, 700)

    # -- shared ----------------------------------------------------------------------------

    def name(self, party_id: int | None) -> str:
        if party_id is None:
            return ""
        return self.ctx.party_names.get(party_id, f"#{party_id}")

    def _run(self, page: TriagePage, action: Callable[[], object], *,
             conflicts: bool = False) -> bool:
        """Call a service; show its refusal on the page instead of raising (``conflicts``:
        an ``EditConflict`` is raised on, for the caller to offer the reload)."""
        try:
            action()
        except CasuskamerError as exc:
            if conflicts and isinstance(exc, EditConflict):
                raise
            page.error.setText(str(exc))
            return False
        page.error.setText("")
        self.refresh()
        return True

    def refresh(self, reread: bool = True) -> None:
        if reread:
            self.ctx = triage_service.triage_context(self.vault, self.number, self.today,
                                                     audit=False)
        self._fill_parties()
        self._fill_answers()
        self._fill_review()
        self._fill_summary()

    def current_draft(self) -> TriageDraft:
        page = self.currentPage()
        step = page.step if isinstance(page, TriagePage) else self.draft.step
        return TriageDraft(self.number, step, self._routing_from_widgets())

    def save_draft(self) -> None:
        if self.finished_state is not None or getattr(self, "_cleared", False):
            return  # decided, or cleared by a lock: nothing of the ended session to keep
        self.draft = self.current_draft()
        triage_service.save_draft(self.vault, self.draft)
        self._saved_routing = self.draft.routing

    @property
    def has_unsaved_changes(self) -> bool:
        """Parties ticked but not recorded as asked, or a routing not saved in the draft."""
        if self._cleared or self.finished_state is not None:
            return False
        return bool(self.unrecorded_asked()) or \
            self._routing_from_widgets() != self._saved_routing

    def save_now(self) -> bool:
        """Ctrl+S: the ticked parties recorded as asked and the draft saved; the wizard
        stays open and says so beside its steps."""
        if self.unrecorded_asked() and not self._record_asked():
            self.steps.say(self.pages[TriageStep.PARTIES].error.text())
            return False
        try:
            self.save_draft()
        except CasuskamerError as exc:
            self.steps.say(str(exc))
            return False
        self.steps.say(_("Draft saved at {time}.").format(time=format_time(datetime.now())))
        return True

    def reject(self) -> None:
        """Closing with changes asks Opslaan / Niet opslaan / Annuleren."""
        if self.has_unsaved_changes:
            answer = dialogs.ask_to_save(
                self, _("Unsaved changes"),
                _("The triage has changes that have not been saved. Save them in the "
                  "draft?"))
            if answer == dialogs.CANCEL:
                return
            if answer == dialogs.SAVE and not self.save_now():
                return
        super().reject()

    def _on_page_changed(self, _page_id: int) -> None:
        if self.currentPage() is not None:
            self.save_draft()

    def _on_custom_button(self, which: int) -> None:
        if which == int(QWizard.WizardButton.CustomButton1.value):
            self.save_draft()
            self.done(QWizard.DialogCode.Rejected)

    def clear(self) -> None:
        """On lock: keep the work as a draft, then drop everything shown."""
        try:
            if self.vault.is_open:
                self.save_draft()
        finally:
            self._cleared = True
            for widget in (self.asked_list, self.shared_list, self.invitee_list,
                           self.item_concerns):
                widget.clear()
            self.items_table.setRowCount(0)
            self.goal_edit.clear()
            self.themes_edit.clear()
            self.reason_edit.clear()
            self.item_text.clear()
            self.summary.clear()
            self.close()

    def leave_step(self, step: TriageStep) -> bool:
        page = self.pages[step]
        # Next records the parties ticked as asked (no separate button press needed).
        if step is TriageStep.PARTIES and self.unrecorded_asked() and not self._record_asked():
            return False
        draft = self.current_draft()
        problems = page.refusals()
        page.show_refusals(problems)
        if problems:
            return False
        if step is TriageStep.SUMMARY:
            return self._finish(page, draft)
        return True

    def _finish(self, page: TriagePage, draft: TriageDraft) -> bool:
        try:
            self.finished_state = triage_service.decide_routing(
                self.vault, self.number, draft.routing, self.today)
        except CasuskamerError as exc:
            page.error.setText(str(exc))
            return False
        return True

    # -- step 1: parties to ask ------------------------------------------------------------

    def _build_parties(self) -> None:
        page = TriagePage(self, TriageStep.PARTIES)
        self.asked_list = QListWidget()
        self.asked_list.setObjectName("parties_to_ask")
        self.asked_filter = PartyFilter(self.asked_list, _("&Parties to ask:"), "parties_to_ask")
        self.asked_on = _date_edit(self.today, "asked_on")
        page.register_field("parties", self.asked_list)
        record = QPushButton(_("Record as asked"))
        record.setObjectName("record_asked")
        record.clicked.connect(self._record_asked)
        form = QFormLayout()
        form.addRow(_("Asked on:"), self.asked_on)
        layout = QVBoxLayout(page)
        # issue 24: subjects not informed without a recorded ground are flagged here
        self.informing_flag = QLabel()
        self.informing_flag.setObjectName("informing_flag")
        self.informing_flag.setWordWrap(True)
        self.informing_flag.setStyleSheet(a11y.error_style())
        layout.addWidget(self.informing_flag)
        hint = QLabel(_("Tick the parties asked; Next records them as asked on the date "
                        "below."))
        hint.setWordWrap(True)
        layout.addWidget(a11y.tie(QLabel(_("&Parties to ask:")), self.asked_list))
        layout.addWidget(self.asked_filter, 1)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(record)
        layout.addWidget(page.error)
        self.pages[TriageStep.PARTIES] = page

    def _fill_parties(self) -> None:
        asked = {q.party_id: q for q in self.ctx.queries}
        self.asked_list.clear()
        for choice in self.ctx.eligible:
            if choice.id in asked:
                text = _("{party}: asked on {date}").format(
                    party=choice.name, date=format_date(asked[choice.id].asked_on))
            elif choice.items_supplied:
                text = ngettext("{party} (already supplied {n} item)",
                                "{party} (already supplied {n} items)",
                                choice.items_supplied).format(party=choice.name,
                                                              n=choice.items_supplied)
            else:
                text = choice.name
            if choice.id in self.ctx.proposed:
                text = _("{party} – proposed by the referring party").format(party=text)
            entry = QListWidgetItem(text)
            entry.setData(Qt.ItemDataRole.UserRole, choice.id)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Checked if choice.id in asked
                                else Qt.CheckState.Unchecked)
            self.asked_list.addItem(entry)
        self.asked_filter.apply()
        flagged = len(self.ctx.uninformed)
        self.informing_flag.setText(ngettext(
            "{n} subject is not informed about the case and no ground not to inform is "
            "recorded: ask the referring party (AVG art. 13/14).",
            "{n} subjects are not informed about the case and no ground not to inform is "
            "recorded: ask the referring party (AVG art. 13/14).", flagged).format(n=flagged)
            if flagged else "")
        self.informing_flag.setVisible(bool(flagged))

    def check_party_to_ask(self, party_id: int) -> None:
        for i in range(self.asked_list.count()):
            entry = self.asked_list.item(i)
            if entry.data(Qt.ItemDataRole.UserRole) == party_id:
                entry.setCheckState(Qt.CheckState.Checked)

    def unrecorded_asked(self) -> list[int]:
        """The parties ticked as asked that are not recorded yet."""
        asked = {q.party_id for q in self.ctx.queries}
        return sorted(_checked_ids(self.asked_list) - asked)

    def _record_asked(self) -> bool:
        wanted = self.unrecorded_asked()
        page = self.pages[TriageStep.PARTIES]

        def run() -> None:
            on = _pydate(self.asked_on, "asked_on")
            for party_id in wanted:
                triage_service.record_query(self.vault, self.number, party_id, on, self.today)
        return self._run(page, run)

    # -- step 2: answers and items ---------------------------------------------------------

    def _build_answers(self) -> None:
        page = TriagePage(self, TriageStep.ANSWERS)
        self.answer_party = QComboBox()
        self.answer_party.setObjectName("answer_party")
        self.answer_party.currentIndexChanged.connect(lambda _i: self._fill_item_terms())
        self.answer_status = QLabel()
        self.answer_status.setObjectName("answer_status")
        self.answer_kind = QComboBox()
        self.answer_kind.setObjectName("answer_kind")
        # no answer chosen until the user chooses one (for each party anew)
        self.answer_kind.addItem(_("\u2013 choose the answer \u2013"), None)
        for answer in QueryAnswer:
            self.answer_kind.addItem(answer.label, answer.value)
        self.answered_on = _date_edit(self.today, "answered_on")
        record = QPushButton(_("Record answer"))
        record.setObjectName("record_answer")
        record.clicked.connect(self._record_answer)
        answer_form = QFormLayout()
        answer_form.addRow(_("Party:"), self.answer_party)
        answer_form.addRow("", self.answer_status)
        answer_form.addRow(_("Answer:"), self.answer_kind)
        answer_form.addRow(_("Answered on:"), self.answered_on)
        answer_form.addRow("", record)

        items_box = QGroupBox(_("Information supplied by this party"))
        self.item_category = QComboBox()
        self.item_category.setObjectName("item_category")
        for category in Category:
            self.item_category.addItem(category.label, category.value)
        self.item_text = QPlainTextEdit()
        self.item_text.setObjectName("item_text")
        self.item_received = _date_edit(self.today, "item_received")
        self.shared_list = QListWidget()
        self.shared_list.setObjectName("item_shared_with")
        self.shared_filter = PartyFilter(self.shared_list, _("Shared with:"), "item_shared_with",
                                         rows=4)
        self.item_pre = QCheckBox(_("May be viewed before the meeting"))
        self.item_pre.setObjectName("item_pre_meeting_view")
        self.item_screen = QCheckBox(_("May be shown on the meeting screen"))
        self.item_screen.setObjectName("item_meeting_screen")
        self.item_restriction = QLineEdit()
        self.item_restriction.setObjectName("item_use_restriction")
        # Whom the item concerns: the whole household (default) or the subjects checked;
        # Space toggles the current entry, so the list works from the keyboard.
        self.item_concerns = QListWidget()
        self.item_concerns.setObjectName("item_concerns")
        a11y.name(self.item_concerns, _("Concerns"))
        self.item_concerns.itemChanged.connect(self._concerns_changed)
        add = QPushButton(_("Add information"))
        add.setObjectName("add_item")
        add.clicked.connect(self._add_item)
        item_form = QFormLayout(items_box)
        item_form.addRow(_("Category:"), self.item_category)
        item_form.addRow(_("Text:"), self.item_text)
        item_form.addRow(_("Received on:"), self.item_received)
        item_form.addRow(a11y.tie(QLabel(_("Shared with:")), self.shared_list),
                         self.shared_filter)
        item_form.addRow("", self.item_pre)
        item_form.addRow("", self.item_screen)
        item_form.addRow(_("Use restriction:"), self.item_restriction)
        item_form.addRow(a11y.tie(QLabel(_("C&oncerns:")), self.item_concerns),
                         self.item_concerns)
        item_form.addRow("", add)

        self._fill_concerns()
        layout = QVBoxLayout(page)
        layout.addLayout(answer_form)
        layout.addWidget(items_box)
        layout.addWidget(page.error)
        self.pages[TriageStep.ANSWERS] = page

    def _selected_answer_party(self) -> int | None:
        value = self.answer_party.currentData()
        return int(value) if value is not None else None

    def select_answer_party(self, party_id: int) -> None:
        self.answer_party.setCurrentIndex(self.answer_party.findData(party_id))

    def _fill_answers(self) -> None:
        current = self._selected_answer_party()
        self.answer_party.blockSignals(True)
        self.answer_party.clear()
        for query in self.ctx.queries:
            self.answer_party.addItem(self.name(query.party_id), query.party_id)
        if current is not None and self.answer_party.findData(current) >= 0:
            self.answer_party.setCurrentIndex(self.answer_party.findData(current))
        self.answer_party.blockSignals(False)
        self._fill_item_terms()

    def _fill_item_terms(self) -> None:
        source = self._selected_answer_party()
        query = next((q for q in self.ctx.queries if q.party_id == source), None)
        if query is None:
            self.answer_status.setText("")
        elif query.answer is None:
            self.answer_status.setText(_("Asked on {date}; no answer yet.").format(
                date=format_date(query.asked_on)))
        else:
            self.answer_status.setText(_("Answered on {date}: {answer}").format(
                date=format_date(query.answered_on, empty=""),
                answer=query.answer.label))
        # The answer box shows this party's answer, or none: never the previous party's.
        recorded = query.answer.value if query is not None and query.answer else None
        self.answer_kind.setCurrentIndex(max(self.answer_kind.findData(recorded), 0))
        self.shared_list.clear()
        for choice in self.ctx.eligible:
            if choice.id == source:
                continue
            entry = QListWidgetItem(choice.name)
            entry.setData(Qt.ItemDataRole.UserRole, choice.id)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Unchecked)       # narrowest by default
            self.shared_list.addItem(entry)
        self.shared_filter.apply()

    def _fill_concerns(self) -> None:
        """The whole household (checked) and each subject of the case (unchecked)."""
        self.item_concerns.blockSignals(True)
        self.item_concerns.clear()
        household = QListWidgetItem(_("The whole household"))
        household.setData(Qt.ItemDataRole.UserRole, None)
        household.setFlags(household.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        household.setCheckState(Qt.CheckState.Checked)
        self.item_concerns.addItem(household)
        for subject in self.ctx.case.subjects:
            entry = QListWidgetItem(_("{name} ({role})").format(
                name=subject.display_name, role=subject.role.label))
            entry.setData(Qt.ItemDataRole.UserRole, subject.id)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Unchecked)
            self.item_concerns.addItem(entry)
        self.item_concerns.setCurrentRow(0)
        self.item_concerns.blockSignals(False)

    def _concerns_changed(self, changed: QListWidgetItem) -> None:
        """The whole household and single subjects exclude each other: checking one side
        unchecks the other."""
        if changed.checkState() != Qt.CheckState.Checked:
            return
        whole = changed.data(Qt.ItemDataRole.UserRole) is None
        self.item_concerns.blockSignals(True)
        for i in range(self.item_concerns.count()):
            entry = self.item_concerns.item(i)
            if (entry.data(Qt.ItemDataRole.UserRole) is None) != whole:
                entry.setCheckState(Qt.CheckState.Unchecked)
        self.item_concerns.blockSignals(False)

    def check_concerns(self, subject_ids: frozenset[int] | None) -> None:
        """Check the whole household (None) or exactly these subjects (as a click does)."""
        for i in range(self.item_concerns.count()):
            entry = self.item_concerns.item(i)
            value = entry.data(Qt.ItemDataRole.UserRole)
            wanted = value is None if subject_ids is None else value in subject_ids
            entry.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)

    def chosen_concerns(self) -> frozenset[int] | None:
        """None for the whole household, else the subjects checked (maybe none: the
        service then refuses, naming the field)."""
        checked = [self.item_concerns.item(i).data(Qt.ItemDataRole.UserRole)
                   for i in range(self.item_concerns.count())
                   if self.item_concerns.item(i).checkState() == Qt.CheckState.Checked]
        if None in checked:
            return None
        return frozenset(int(v) for v in checked)

    def check_shared_with(self, party_id: int) -> None:
        for i in range(self.shared_list.count()):
            entry = self.shared_list.item(i)
            if entry.data(Qt.ItemDataRole.UserRole) == party_id:
                entry.setCheckState(Qt.CheckState.Checked)

    def _record_answer(self) -> None:
        party = self._selected_answer_party()
        page = self.pages[TriageStep.ANSWERS]
        if party is None:
            page.error.setText(_("Ask a party first."))
            return
        if self.answer_kind.currentData() is None:
            page.error.setText(_("Answer: choose what the party answered."))
            self.answer_kind.setFocus()
            return
        answer = QueryAnswer(self.answer_kind.currentData())
        read = next((q for q in self.ctx.queries if q.party_id == party), None)
        try:
            # the query as this screen read it: a colleague's answer saved since is never
            # overwritten silently (issue 22, point 4)
            self._run(page, lambda: triage_service.record_answer(
                self.vault, self.number, party, answer,
                _pydate(self.answered_on, "answered_on"), self.today,
                version=read.version if read is not None else None), conflicts=True)
        except EditConflict as exc:
            page.error.setText(str(exc))
            if offer_reload(self, self.windowTitle(), exc):
                self._reload_keeping_answer(page, exc, party, answer)

    def _reload_keeping_answer(self, page: TriagePage, conflict: EditConflict, party: int,
                               answer: QueryAnswer) -> None:
        """Show the query as it is now (the colleague's answer in the status line) and put
        the user's own answer and date back on top, to record again or leave."""
        typed = self.answered_on.date()
        try:
            self.refresh()
        except CasuskamerError as gone:
            page.error.setText(str(gone))
            return
        self.select_answer_party(party)
        self.answer_kind.setCurrentIndex(max(self.answer_kind.findData(answer.value), 0))
        self.answered_on.setDate(typed)
        page.error.setText(str(conflict))

    def _add_item(self) -> None:
        party = self._selected_answer_party()
        page = self.pages[TriageStep.ANSWERS]
        if party is None:
            page.error.setText(_("Ask a party first."))
            return
        def add() -> None:
            item = NewItem(party, Category(self.item_category.currentData()),
                           self.item_text.toPlainText(),
                           _pydate(self.item_received, "item_received"),
                           SharingTerms(frozenset(_checked_ids(self.shared_list)),
                                        self.item_pre.isChecked(), self.item_screen.isChecked(),
                                        self.item_restriction.text()),
                           concerns=self.chosen_concerns())
            triage_service.add_item(self.vault, self.number, item, self.today)
        if self._run(page, add):
            self.item_text.clear()
            self.item_restriction.clear()
            self.item_pre.setChecked(False)
            self.item_screen.setChecked(False)
            self.check_concerns(None)

    # -- step 3: review and widening -------------------------------------------------------

    def _build_review(self) -> None:
        page = TriagePage(self, TriageStep.REVIEW)
        self.items_table = QTableWidget(0, 6)
        self.items_table.setObjectName("items_table")
        a11y.name(self.items_table, _("Information"))
        self.items_table.setHorizontalHeaderLabels(
            [_("Source"), _("Category"), _("Information"), _("Terms"), _("Who may see it"),
             _("Concerns")])
        self.items_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.items_table.horizontalHeader().setStretchLastSection(True)

        box = QGroupBox(_("Ask the source party to widen its terms"))
        self.widen_item = QComboBox()
        self.widen_item.setObjectName("widen_item")
        self.widen_party = QComboBox()
        self.widen_party.setObjectName("widen_party")
        self.widen_pre = QCheckBox(_("Viewing before the meeting"))
        self.widen_pre.setObjectName("widen_pre_meeting_view")
        self.widen_screen = QCheckBox(_("The meeting screen"))
        self.widen_screen.setObjectName("widen_meeting_screen")
        ask = QPushButton(_("Record request"))
        ask.setObjectName("request_widening")
        ask.clicked.connect(self._request_widening)
        form = QFormLayout(box)
        form.addRow(_("Information:"), self.widen_item)
        form.addRow(_("Also share with:"), self.widen_party)
        form.addRow("", self.widen_pre)
        form.addRow("", self.widen_screen)
        form.addRow("", ask)

        answer_box = QGroupBox(_("Answer of the source party"))
        self.pending_request = QComboBox()
        self.pending_request.setObjectName("pending_request")
        self.widen_answer = QComboBox()
        self.widen_answer.setObjectName("widen_answer")
        for answer in WideningAnswer:
            self.widen_answer.addItem(answer.label, answer.value)
        self.widen_answered_by = QLineEdit()
        self.widen_answered_by.setObjectName("widen_answered_by")
        self.widen_answered_on = _date_edit(self.today, "widen_answered_on")
        record = QPushButton(_("Record answer"))
        record.setObjectName("answer_widening")
        record.clicked.connect(self._answer_widening)
        answer_form = QFormLayout(answer_box)
        answer_form.addRow(_("Request:"), self.pending_request)
        answer_form.addRow(_("Answer:"), self.widen_answer)
        answer_form.addRow(_("Answered by:"), self.widen_answered_by)
        answer_form.addRow(_("Answered on:"), self.widen_answered_on)
        answer_form.addRow("", record)

        row = QHBoxLayout()
        row.addWidget(box)
        row.addWidget(answer_box)
        layout = QVBoxLayout(page)
        layout.addWidget(self.items_table)
        layout.addLayout(row)
        layout.addWidget(page.error)
        self.pages[TriageStep.REVIEW] = page

    def _context(self) -> CaseContext:
        invitees = self._routing_from_widgets().invitees or None
        # What the terms will mean once the case is on the agenda with these invitees, from
        # the meeting's start on (the marks name the pre-meeting view apart).
        return CaseContext(self.ctx.case.id, self.ctx.case.protocol, self.today,
                           state=CaseState.SCHEDULED,
                           invited=frozenset(invitees) if invitees else None,
                           meeting_started=True)

    def _fill_review(self) -> None:
        names = self.ctx.party_names
        context = self._context()
        self.items_table.setRowCount(len(self.ctx.items))
        for row, it in enumerate(self.ctx.items):
            mark = who_may_see(it, context, self.ctx.standings)
            cells = [self.name(it.source_party_id), it.category.label, it.text,
                     describe_item_terms(it, names), describe_mark(mark, names),
                     describe_concerns(it.concerns, self.ctx.case.subjects)]
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, it.id)
                self.items_table.setItem(row, col, cell)
        self.widen_item.clear()
        for it in self.ctx.items:
            snippet = it.text if len(it.text) <= 40 else it.text[:39] + "…"
            self.widen_item.addItem(f"{self.name(it.source_party_id)}: {snippet}", it.id)
        self.widen_party.clear()
        self.widen_party.addItem(_("(no party)"), None)
        for choice in self.ctx.eligible:
            self.widen_party.addItem(choice.name, choice.id)
        self.pending_request.clear()
        for request in self.ctx.widening:
            if request.pending:
                item = next((i for i in self.ctx.items if i.id == request.item_id), None)
                what = [self.name(request.party_id)] if request.party_id else []
                if request.want_pre_meeting_view:
                    what.append(_("pre-meeting view"))
                if request.want_meeting_screen:
                    what.append(_("meeting screen"))
                self.pending_request.addItem(_("{source}, asked {date}: {what}").format(
                    source=self.name(item.source_party_id) if item else "?",
                    date=format_date(request.requested_on), what=", ".join(what)), request.id)

    def _request_widening(self) -> None:
        page = self.pages[TriageStep.REVIEW]
        item_id = self.widen_item.currentData()
        if item_id is None:
            page.error.setText(_("There is no information to widen yet."))
            return
        party = self.widen_party.currentData()
        pre, screen = self.widen_pre.isChecked(), self.widen_screen.isChecked()
        self._run(page, lambda: triage_service.request_widening(
            self.vault, self.number, int(item_id),
            party_id=int(party) if party is not None else None, pre_meeting_view=pre,
            meeting_screen=screen, today=self.today))

    def _answer_widening(self) -> None:
        page = self.pages[TriageStep.REVIEW]
        request_id = self.pending_request.currentData()
        if request_id is None:
            page.error.setText(_("There is no open request."))
            return
        answer = WideningAnswer(self.widen_answer.currentData())
        who = self.widen_answered_by.text()
        if self._run(page, lambda: triage_service.answer_widening(
                self.vault, self.number, int(request_id), answer,
                _pydate(self.widen_answered_on, "widen_answered_on"), who, self.today)):
            self.widen_answered_by.clear()

    # -- step 4: routing -------------------------------------------------------------------

    def _build_routing(self) -> None:
        page = TriagePage(self, TriageStep.ROUTING)
        self.route_meeting = QRadioButton(Route.TO_MEETING.label)
        self.route_meeting.setObjectName("route_to_meeting")
        self.route_elsewhere = QRadioButton(Route.ELSEWHERE.label)
        self.route_elsewhere.setObjectName("route_elsewhere")
        group = QButtonGroup(page)
        group.addButton(self.route_meeting)
        group.addButton(self.route_elsewhere)
        self.route_meeting.setChecked(True)

        self.meeting_box = QGroupBox(Route.TO_MEETING.label)
        self.goal_edit = QPlainTextEdit()
        self.goal_edit.setObjectName("goal")
        self.themes_edit = QPlainTextEdit()
        self.themes_edit.setObjectName("themes")
        self.themes_edit.setPlaceholderText(_("One theme per line"))
        self.decision_checks: dict[DecisionType, QCheckBox] = {}
        types_row = QHBoxLayout()
        for kind in DecisionType:
            check = QCheckBox(kind.label)
            check.setObjectName(f"decision_{kind.value}")
            self.decision_checks[kind] = check
            types_row.addWidget(check)
        self.invitee_list = QListWidget()
        self.invitee_list.setObjectName("invitees")
        self.invitee_filter = PartyFilter(self.invitee_list, _("Parties to invite:"),
                                          "invitees", rows=6)
        # goal and themes scroll past three lines, so the parties to invite keep their room
        for edit in (self.goal_edit, self.themes_edit):
            edit.setMaximumHeight(edit.fontMetrics().lineSpacing() * 3 + 14)
        for choice in self.ctx.eligible:
            entry = QListWidgetItem(choice.name)
            entry.setData(Qt.ItemDataRole.UserRole, choice.id)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            # issue 24: the referral's proposed partners start ticked (ctx.proposed holds
            # only those the sharing policy's may_be_invited allows today)
            entry.setCheckState(Qt.CheckState.Checked if choice.id in self.ctx.proposed
                                else Qt.CheckState.Unchecked)
            self.invitee_list.addItem(entry)
        meeting_form = QFormLayout(self.meeting_box)
        meeting_form.addRow(_("Goal of the meeting:"), self.goal_edit)
        meeting_form.addRow(_("Themes:"), self.themes_edit)
        meeting_form.addRow(_("Decisions to take:"), types_row)
        meeting_form.addRow(a11y.tie(QLabel(_("Parties to invite:")), self.invitee_list),
                            self.invitee_filter)

        self.elsewhere_box = QGroupBox(Route.ELSEWHERE.label)
        self.elsewhere_party = QComboBox()
        self.elsewhere_party.setObjectName("elsewhere_party")
        self.elsewhere_party.addItem(_("(no party)"), None)
        for party_id, party_name in sorted(self.ctx.party_names.items(),
                                           key=lambda kv: kv[1].casefold()):
            self.elsewhere_party.addItem(party_name, party_id)
        self.elsewhere_chain = QLineEdit()
        self.elsewhere_chain.setObjectName("elsewhere_chain")
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("elsewhere_reason")
        self.reason_edit.setMaximumHeight(self.reason_edit.fontMetrics().lineSpacing() * 3 + 14)
        elsewhere_form = QFormLayout(self.elsewhere_box)
        elsewhere_form.addRow(_("By party:"), self.elsewhere_party)
        elsewhere_form.addRow(_("Or by chain:"), self.elsewhere_chain)
        elsewhere_form.addRow(_("Why:"), self.reason_edit)

        self.route_meeting.toggled.connect(self._route_toggled)
        layout = QVBoxLayout(page)
        layout.addWidget(self.route_meeting)
        layout.addWidget(self.meeting_box)
        layout.addWidget(self.route_elsewhere)
        layout.addWidget(self.elsewhere_box)
        layout.addWidget(page.error)
        # the routing's refusals move the focus to the field they name
        for path, widget in (("goal", self.goal_edit), ("themes", self.themes_edit),
                             ("decision_types", next(iter(self.decision_checks.values()))),
                             ("invitees", self.invitee_list),
                             ("elsewhere", self.elsewhere_party), ("reason", self.reason_edit)):
            page.register_field(path, widget)
        self.pages[TriageStep.ROUTING] = page
        self._route_toggled(True)

    def _route_toggled(self, _checked: bool) -> None:
        to_meeting = self.route_meeting.isChecked()
        self.meeting_box.setEnabled(to_meeting)
        self.elsewhere_box.setEnabled(not to_meeting)

    def _invitee_changed(self, entry: QListWidgetItem) -> None:
        """Ticking a party that answered "not known" or declined asks first."""
        if entry.checkState() != Qt.CheckState.Checked:
            return
        party_id = int(entry.data(Qt.ItemDataRole.UserRole))
        query = next((q for q in self.ctx.queries if q.party_id == party_id), None)
        if query is None or query.answer not in ASK_BEFORE_INVITING:
            return
        assert query.answer is not None
        if not confirm_invitation(self, self.name(party_id), query.answer):
            self.invitee_list.blockSignals(True)
            entry.setCheckState(Qt.CheckState.Unchecked)
            self.invitee_list.blockSignals(False)

    def check_invitee(self, party_id: int) -> None:
        for i in range(self.invitee_list.count()):
            entry = self.invitee_list.item(i)
            if entry.data(Qt.ItemDataRole.UserRole) == party_id:
                entry.setCheckState(Qt.CheckState.Checked)

    def _routing_from_widgets(self) -> RoutingDecision:
        route = Route.TO_MEETING if self.route_meeting.isChecked() else Route.ELSEWHERE
        party = self.elsewhere_party.currentData()
        return RoutingDecision(
            route=route, goal=self.goal_edit.toPlainText(),
            themes=parse_themes(self.themes_edit.toPlainText()),
            decision_types=tuple(k for k, c in self.decision_checks.items() if c.isChecked()),
            invitees=frozenset(_checked_ids(self.invitee_list)),
            elsewhere_party_id=int(party) if party is not None else None,
            elsewhere_chain=self.elsewhere_chain.text(),
            reason=self.reason_edit.toPlainText())

    def _show_routing(self, routing: RoutingDecision) -> None:
        (self.route_meeting if routing.route is Route.TO_MEETING
         else self.route_elsewhere).setChecked(True)
        self.goal_edit.setPlainText(routing.goal)
        self.themes_edit.setPlainText("\n".join(routing.themes))
        for kind, check in self.decision_checks.items():
            check.setChecked(kind in routing.decision_types)
        for party_id in routing.invitees:
            self.check_invitee(party_id)
        index = self.elsewhere_party.findData(routing.elsewhere_party_id)
        self.elsewhere_party.setCurrentIndex(max(index, 0))
        self.elsewhere_chain.setText(routing.elsewhere_chain)
        self.reason_edit.setPlainText(routing.reason)

    # -- step 5: summary -------------------------------------------------------------------

    def _build_summary(self) -> None:
        page = TriagePage(self, TriageStep.SUMMARY)
        page.setFinalPage(True)
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(page)
        layout.addWidget(self.summary)
        layout.addWidget(page.error)
        self.pages[TriageStep.SUMMARY] = page

    def initializePage(self, page_id: int) -> None:
        super().initializePage(page_id)
        self._fill_review()
        self._fill_summary()

    def _fill_summary(self) -> None:
        routing = self._routing_from_widgets()
        lines = [_("Case {number}").format(number=self.number)]
        answered = sum(1 for q in self.ctx.queries if q.answered)
        lines.append(_("Parties asked: {asked}, answered: {answered}").format(
            asked=len(self.ctx.queries), answered=answered))
        lines.append(_("Information items: {n}").format(n=len(self.ctx.items)))
        pending = sum(1 for w in self.ctx.widening if w.pending)
        lines.append(_("Open requests to widen terms: {n}").format(n=pending))
        lines.append(_("Routing: {route}").format(route=routing.route.label))
        if routing.route is Route.TO_MEETING:
            lines.append(_("Goal: {goal}").format(goal=routing.goal.strip()))
            lines.append(_("Themes: {themes}").format(themes="; ".join(routing.themes)))
            lines.append(_("Decisions to take: {types}").format(
                types=", ".join(d.label for d in routing.decision_types)))
            lines.append(_("Invited: {parties}").format(parties=", ".join(
                sorted(self.name(p) for p in routing.invitees))))
        else:
            lines.append(_("Handled by: {who}").format(who=", ".join(
                x for x in (self.name(routing.elsewhere_party_id),
                            routing.elsewhere_chain.strip()) if x)))
            lines.append(_("Why: {reason}").format(reason=routing.reason.strip()))
        self.summary.setText("\n".join(lines))
