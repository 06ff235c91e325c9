"""The subject-access review (AVG art. 15): the process director goes through the draft of
one person's export item by item before any PDF exists.

The draft comes from ``app.services.subject_access``: every item that concerns the person,
with the sharing policy's review flags (use restriction, other subjects, police or judicial
data, supplier not agreed), and the referral's texts per life domain (always marked: they
describe the whole household; the category column names the life domain). For each item
the director chooses include, a redacted version (written in the text field) or withhold
with a ground; items without a flag start as
"include", flagged ones undecided. "Make the PDF" works only once every flagged item is
decided; the service checks it all again (and refuses a draft whose data changed since).

Keyboard: the items table has the focus first (arrows choose an item); every decision,
field and button has a mnemonic (Alt and its underlined letter), one of them goes to the
next item still to decide, and Tab leaves the redacted text.

On lock the dialog takes part like every other window (``ui.locking``): ``clear()`` drops
the draft, the person, the table and every typed text before the vault closes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.views import Ground, SubjectMatch
from app.errors import CasuskamerError
from app.i18n import _, ngettext
from app.services import subject_access as sa
from app.services.subject_access import (
    Choice,
    DraftItem,
    ItemDecision,
    SubjectAccessDraft,
)
from app.vault.vault import OpenVault
from ui import a11y, dialogs

AnyIndex = QModelIndex | QPersistentModelIndex

#: the model's columns
CASE, SOURCE, CATEGORY, TEXT, FLAGS, DECISION = range(6)


def decision_text(item: DraftItem) -> str:
    """The decision as the table shows it."""
    decision = item.decision
    if decision is None:
        return _("To decide") if item.flags else Choice.INCLUDE.label
    if item.decided and decision.choice is Choice.WITHHOLD and decision.ground is not None:
        return _("{choice} ({ground})").format(choice=decision.choice.label,
                                               ground=decision.ground.label)
    return decision.choice.label


class ReviewModel(QAbstractTableModel):
    """The draft's items, one row each. ``clear()`` empties it (on lock)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[DraftItem] = []

    def set_items(self, items: tuple[DraftItem, ...]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def update_items(self, items: tuple[DraftItem, ...]) -> None:
        """The same rows with new decisions."""
        self.items = list(items)
        if self.items:
            self.dataChanged.emit(self.index(0, DECISION),
                                  self.index(len(self.items) - 1, DECISION))

    def clear(self) -> None:
        self.set_items(())

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 6

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return [_("Case"), _("Supplied by"), _("Category"), _("Information"),
                    _("To review because"), _("Decision")][section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole,
                    Qt.ItemDataRole.ToolTipRole):
            column = index.column()
            if column == CASE:
                return item.case_number
            if column == SOURCE:
                return item.source
            if column == CATEGORY:
                return item.kind_label
            if column == TEXT:
                return item.text
            if column == FLAGS:
                return "\n".join(f.label for f in item.flags) or _("nothing to review")
            return decision_text(item)
        return None


class SubjectAccessReviewDialog(QDialog):
    """Review one person's subject-access draft and make the PDF from it."""

    def __init__(self, vault: OpenVault, match: SubjectMatch, draft: SubjectAccessDraft,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("subject_access_review")
        # no name in a window title: the case numbers are not personal
        self.setWindowTitle(_("Subject-access request \u2013 review"))
        self.vault = vault
        self.match: SubjectMatch | None = match
        self.draft: SubjectAccessDraft | None = draft
        self.written: sa.SubjectExport | None = None
        #: redacted texts typed per item, kept while the director moves between items
        self._typed: dict[int, str] = {}
        self._filling = False

        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.model = ReviewModel(self)
        self.table = QTableView()
        self.table.setObjectName("review_items")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        for column in range(6):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch
                                        if column in (TEXT, FLAGS)
                                        else QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        a11y.name(self.table, _("Items"))

        self.original = QPlainTextEdit()
        self.original.setObjectName("review_original")
        self.original.setReadOnly(True)
        lines = self.original.fontMetrics().lineSpacing()
        self.original.setMinimumHeight(lines * 3)
        self.original.setMaximumHeight(lines * 6)
        self.flags = QLabel()
        self.flags.setObjectName("review_flags")
        self.flags.setWordWrap(True)
        self.flags.setTextFormat(Qt.TextFormat.PlainText)
        # a wrapped label must keep the height of its lines when the box is tight
        self.flags.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.include = QRadioButton(_("&Include as it is"))
        self.redact = QRadioButton(_("Include a &redacted version"))
        self.withhold = QRadioButton(_("&Withhold"))
        self.choices = QButtonGroup(self)
        for button, choice in ((self.include, Choice.INCLUDE), (self.redact, Choice.REDACT),
                               (self.withhold, Choice.WITHHOLD)):
            button.setObjectName(f"choice_{choice.value}")
            self.choices.addButton(button)
            button.toggled.connect(self._edited)
        self.redacted = QPlainTextEdit()
        self.redacted.setObjectName("review_redacted")
        self.redacted.setTabChangesFocus(True)
        self.redacted.setMinimumHeight(lines * 3)
        self.redacted.setMaximumHeight(lines * 8)
        self.redacted.textChanged.connect(self._edited)
        self.ground = QComboBox()
        self.ground.setObjectName("review_ground")
        self.ground.addItem(_("(choose a ground)"), None)
        for ground in Ground:
            self.ground.addItem(ground.label, ground.value)
        self.ground.currentIndexChanged.connect(self._edited)
        self.problem = QLabel()
        self.problem.setObjectName("review_problem")
        self.problem.setWordWrap(True)
        self.problem.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.status = QLabel()
        self.status.setObjectName("review_status")

        self.next_button = QPushButton(_("&Next to decide"))
        self.next_button.setObjectName("review_next")
        self.next_button.clicked.connect(self.next_undecided)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(_("&Make the PDF\u2026"),
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("review_export")
        self.export_button.clicked.connect(self.export)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)

        decision_box = QGroupBox(_("Decision for the chosen item"))
        form = QVBoxLayout(decision_box)
        form.addWidget(a11y.tie(QLabel(_("Original text:")), self.original))
        form.addWidget(self.original, 1)
        form.addWidget(self.flags)
        choice_row = QHBoxLayout()
        choice_row.addWidget(self.include)
        choice_row.addWidget(self.redact)
        choice_row.addWidget(self.withhold)
        choice_row.addStretch(1)
        form.addLayout(choice_row)
        form.addWidget(a11y.tie(QLabel(_("Re&dacted text (what the subject gets):")),
                                self.redacted))
        form.addWidget(self.redacted, 1)
        ground_row = QHBoxLayout()
        ground_row.addWidget(a11y.tie(QLabel(_("&Ground for withholding:")), self.ground))
        ground_row.addWidget(self.ground, 1)
        form.addLayout(ground_row)
        form.addWidget(self.problem)

        items_part = QWidget()
        items_layout = QVBoxLayout(items_part)
        items_layout.setContentsMargins(0, 0, 0, 0)
        items_layout.addWidget(a11y.tie(QLabel(_("I&tems that concern the person:")),
                                        self.table))
        items_layout.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(items_part)
        splitter.addWidget(decision_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.next_button)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        # issue 24: whether the person was informed that the case is discussed, or the
        # ground not to (AVG 13/14) -- the review weighs it (AVG 15, 23)
        self.informing = QLabel()
        self.informing.setObjectName("review_informing")
        self.informing.setWordWrap(True)
        self.informing.setTextFormat(Qt.TextFormat.PlainText)
        from app.services.referral_contacts import informing_lines

        self.informing.setText(_("Informed about the case: {lines}").format(
            lines="; ".join(informing_lines(vault, list(match.subject_ids))) or "\u2013"))
        layout.addWidget(self.informing)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

        self.intro.setText(_(
            "The items below concern the person who asked for access, in case(s) {cases}. "
            "Items marked in the column \u201cTo review because\u201d need your decision: "
            "include them, include a redacted version, or withhold them with a ground. A "
            "withheld item appears in the PDF only by its category and supplier, with the "
            "supplier as the party to ask.").format(cases=", ".join(draft.case_numbers)))
        self.model.set_items(draft.items)
        self.table.selectionModel().currentRowChanged.connect(self._show_row)
        self.resize(1040, 720)
        if draft.items:
            self.table.selectRow(0)
        self._show_row()
        self._update_status()
        self.table.setFocus()

    # -- the chosen item ---------------------------------------------------------------------

    def current_item(self) -> DraftItem | None:
        row = self.table.currentIndex().row()
        return self.model.items[row] if 0 <= row < len(self.model.items) else None

    def _show_row(self, *_args: object) -> None:
        item = self.current_item()
        self._filling = True
        try:
            self.choices.setExclusive(False)
            for button in (self.include, self.redact, self.withhold):
                button.setChecked(False)
                button.setEnabled(item is not None)
            self.choices.setExclusive(True)
            self.original.setPlainText(item.text if item is not None else "")
            self.flags.setText(
                "" if item is None else
                _("To review because: {flags}").format(
                    flags="; ".join(f.label for f in item.flags)) if item.flags
                else _("Nothing to review: included unless you decide otherwise."))
            decision = item.decision if item is not None else None
            if decision is not None:
                {Choice.INCLUDE: self.include, Choice.REDACT: self.redact,
                 Choice.WITHHOLD: self.withhold}[decision.choice].setChecked(True)
            typed = ""
            if item is not None:
                typed = self._typed.get(item.item_id, decision.redacted_text
                                        if decision is not None else "")
            self.redacted.setPlainText(typed)
            ground = decision.ground if decision is not None else None
            self.ground.setCurrentIndex(self.ground.findData(ground.value) if ground else 0)
        finally:
            self._filling = False
        self._enable_fields()
        self._show_problem()

    def _chosen(self) -> Choice | None:
        for button, choice in ((self.include, Choice.INCLUDE), (self.redact, Choice.REDACT),
                               (self.withhold, Choice.WITHHOLD)):
            if button.isChecked():
                return choice
        return None

    def _enable_fields(self) -> None:
        choice = self._chosen()
        self.redacted.setEnabled(choice is Choice.REDACT)
        self.ground.setEnabled(choice is Choice.WITHHOLD)

    def _typed_decision(self, item: DraftItem) -> ItemDecision | None:
        choice = self._chosen()
        if choice is None:
            return None
        value = self.ground.currentData()
        return ItemDecision(choice, self.redacted.toPlainText() if choice is Choice.REDACT
                            else "", Ground(value) if value else None)

    def _edited(self, *_args: object) -> None:
        """The director changed the decision of the chosen item: keep it in the draft when
        it can stand, else mark the item undecided (and say why)."""
        if self._filling or self.draft is None:
            return
        item = self.current_item()
        if item is None:
            return
        if self._chosen() is Choice.REDACT and not self.redacted.toPlainText() \
                and self.sender() is self.redact:
            # start from the original, so the director only strikes out what must go
            self._filling = True
            self.redacted.setPlainText(item.text)
            self._filling = False
        if self._chosen() is Choice.REDACT:
            self._typed[item.item_id] = self.redacted.toPlainText()
        decision = self._typed_decision(item)
        if decision is not None and decision.problem(item.text) is not None:
            decision = None
        self.draft = self.draft.decide(item.item_id, decision)
        self.model.update_items(self.draft.items)
        self._enable_fields()
        self._show_problem()
        self._update_status()

    def _show_problem(self) -> None:
        item = self.current_item()
        decision = self._typed_decision(item) if item is not None else None
        problem = decision.problem(item.text) if decision is not None and item is not None \
            else None
        if item is not None and decision is None and item.flags:
            problem = _("Choose a decision for this item.")
        self.problem.setText(problem or "")

    def _update_status(self) -> None:
        if self.draft is None:
            self.status.clear()
            self.export_button.setEnabled(False)
            self.next_button.setEnabled(False)
            return
        left = len(self.draft.undecided)
        self.status.setText(ngettext(
            "{n} item, {marked} marked for review; {left} still to decide.",
            "{n} items, {marked} marked for review; {left} still to decide.",
            len(self.draft.items)).format(n=len(self.draft.items),
                                          marked=self.draft.flagged, left=left))
        self.export_button.setEnabled(left == 0)
        self.next_button.setEnabled(left > 0)

    def next_undecided(self) -> None:
        """Go to the next item still to decide (after the chosen one, wrapping round)."""
        if self.draft is None:
            return
        count = len(self.draft.items)
        start = self.table.currentIndex().row()
        for step in range(1, count + 1):
            row = (start + step) % count
            if not self.draft.items[row].decided:
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, 0))
                self.include.setFocus()
                return

    # -- the PDF -----------------------------------------------------------------------------

    def export(self) -> None:
        """Ask where, and make the PDF from the reviewed draft (the service checks it)."""
        if self.draft is None or self.match is None or not self.draft.reviewed:
            return
        suggested = Path(f"inzage-{self.draft.case_numbers[0]}.pdf"
                         if self.draft.case_numbers else "inzage.pdf")
        path = dialogs.save_file(self, _("Save the subject-access PDF"), suggested,
                                 _("PDF files (*.pdf)"))
        if path is None:
            return
        try:
            self.written = sa.export_subject_access(self.vault, path, self.draft,
                                                    match=self.match)
        except CasuskamerError as exc:
            dialogs.error(self, _("Subject-access request"), str(exc))
            return
        dialogs.inform(self, _("Subject-access request"),
                       _("Written: {path} (SHA-256 {sha})").format(
                           path=self.written.path, sha=self.written.sha256))
        self._forget()
        self.accept()

    # -- closing and locking -----------------------------------------------------------------

    def reject(self) -> None:
        """Close; with decisions taken only after the user says so (Esc must not lose the
        review). After a lock (``clear``) nothing is asked."""
        changed = self.draft is not None and any(
            i.decision is not None and i.flags for i in self.draft.items)
        if changed and not dialogs.confirm(
                self, _("Subject-access request"),
                _("Close the review without making the PDF? Your decisions are not kept."),
                yes_label=_("Close without the PDF"), destructive=True):
            return
        self._forget()
        super().reject()

    def _forget(self) -> None:
        self.draft = None
        self.match = None
        self._typed.clear()

    def clear(self) -> None:
        """Drop every piece of personal data (on lock): the draft, the person, the table
        and the typed texts."""
        self._forget()
        self.written = None
        self._filling = True
        try:
            self.model.clear()
            self.original.clear()
            self.redacted.clear()
            self.flags.clear()
            self.intro.clear()
            self.problem.clear()
        finally:
            self._filling = False
        self._update_status()


def open_review(vault: OpenVault, subject_id: int,
                parent: QWidget | None = None) -> SubjectAccessReviewDialog:
    """Find the person one case's subject is (across cases) and open the review of their
    draft; the services' refusals (role, more than one person) are raised as they are."""
    match = sa.find_subject(vault, subject_id=subject_id)
    draft = sa.draft_subject_access(vault, match)
    return SubjectAccessReviewDialog(vault, match, draft, parent)
