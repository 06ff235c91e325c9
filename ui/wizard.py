"""The one page base of every wizard (issue 20, point 6).

A :class:`StepPage` renders one step of a wizard's :class:`app.domain.wizard.Flow`: its title
and explanation, and the step's *refusals* beside the fields they name. The page asks the
domain step for its refusals (``refusals()``: the step's check with the wizard's draft and
context), shows each next to its field (or, for a field the page did not register, in one
line for the page), gives keyboard focus to the first refused field, and lets the wizard move
on only when there is none. A gated step (``Step.gated``) keeps Next disabled until its check
finds nothing; the others check when Next is pressed. The page after this one is the flow's
``next_step`` (which may depend on the draft).

The pages of intake, triage, agenda, closure, first run and accession all derive from it
(``tests/ui/test_wizard_protocol_pages.py`` finds every wizard in ``ui/`` and checks).
A page tells the base where its draft is (``draft()``), what the check needs besides
(``context()``) and how its widgets are written into the draft (``collect()``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from app.domain.wizard import FieldError, Flow, Step
from app.i18n import _
from ui import a11y
from ui.date_edit import DateEdit


class StepPage(QWizardPage):
    """One step of a wizard's flow; shows the step's refusals beside their fields."""

    def __init__(self, flow: Flow[Any, Any], step_id: str, *,
                 error_name: str = "field_error", page_line_shown: bool = False) -> None:
        super().__init__()
        self.flow = flow
        #: the step of the domain's flow this page renders
        self.flow_step: Step[Any, Any] = flow.step(step_id)
        self.setObjectName(f"page_{self.flow_step.id}")
        self.setTitle(_(self.flow_step.title))
        self.setSubTitle(_(self.flow_step.explanation))
        self.error_labels: dict[str, QLabel] = {}
        self.field_widgets: dict[str, QWidget] = {}
        #: refusals of a field without a label of its own, and the page's own problems
        self.page_error = self.make_error_label("")
        self.page_error.setObjectName(error_name)
        #: the page's line stays in the layout when empty (pages that write to it directly)
        self.page_line_shown = page_line_shown
        self.page_error.setVisible(page_line_shown)

    # -- what the page is about: overridden per wizard -------------------------------------

    def draft(self) -> Any:
        """The wizard's draft the step's check reads."""
        return None

    def context(self) -> Any:
        """What the step's check needs besides the draft (today, the register, ...)."""
        return None

    def collect(self) -> None:
        """Write the page's widgets into the draft (before its check)."""

    def refusals(self) -> list[FieldError]:
        """Why the wizard may not leave this step now (empty: it may), as the domain says."""
        return self.flow.refusals(self.flow_step.id, self.draft(), self.context())

    # -- problems next to fields ------------------------------------------------------------

    def make_error_label(self, path: str) -> QLabel:
        label = QLabel("", self)   # a child of the page until a layout takes it
        label.setObjectName("field_error")
        label.setProperty("field", path)
        label.setWordWrap(True)
        label.setStyleSheet(a11y.error_style())
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setVisible(False)
        if path:
            self.error_labels[path] = label
        return label

    def with_error(self, path: str, widget: QWidget) -> QWidget:
        """The field with its (hidden until needed) problem line beneath it."""
        self.field_widgets[path] = widget
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(widget)
        layout.addWidget(self.make_error_label(path))
        return box

    def register_field(self, path: str, widget: QWidget, label: QLabel | None = None) -> None:
        """Name ``widget`` as the field ``path`` (its refusals focus it); ``label`` is where
        they are shown (the page's line when None)."""
        self.field_widgets[path] = widget
        if label is not None:
            self.error_labels[path] = label

    def forget_fields(self, prefix: str) -> None:
        for path in [p for p in self.error_labels if p.startswith(prefix)]:
            del self.error_labels[path]
        for path in [p for p in self.field_widgets if p.startswith(prefix)]:
            del self.field_widgets[path]

    def label_for(self, path: str) -> QLabel | None:
        """The label for ``path``, or for the nearest enclosing field that has one."""
        while path:
            if path in self.error_labels:
                return self.error_labels[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None

    def widget_for(self, path: str) -> QWidget | None:
        """The field ``path`` names, or the nearest enclosing field the page registered."""
        while path:
            if path in self.field_widgets:
                return self.field_widgets[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None

    def clear_errors(self) -> None:
        for label in [*self.error_labels.values(), self.page_error]:
            label.clear()
            label.setVisible(label is self.page_error and self.page_line_shown)
        for widget in self.field_widgets.values():
            widget.setAccessibleDescription("")

    def show_refusals(self, refusals: Iterable[FieldError]) -> None:
        """Show each refusal beside its field (the page's line for the others); keyboard
        focus goes to the first refused field."""
        self.clear_errors()
        first: QWidget | None = None
        for error in refusals:
            label = self.label_for(error.field) or self.page_error
            text = error.message if label is not self.page_error else self.describe(error)
            typed = self.field_widgets.get(error.field)
            if isinstance(typed, DateEdit) and typed.error():
                text = typed.error()  # how to type a date, not the draft's rule
            label.setTextFormat(Qt.TextFormat.PlainText)  # messages may quote what was typed
            label.setText(f"{label.text()}\n{text}" if label.text() else text)
            label.setVisible(True)
            widget = self.field_widgets.get(error.field)
            if widget is not None:
                widget.setAccessibleDescription(label.text())
                if first is None:
                    first = widget
        if first is not None:
            first.setFocus()

    #: the name the intake pages knew it by
    show_errors = show_refusals

    def show_problem(self, text: str) -> None:
        """A problem of the page as a whole (a service's refusal), in the page's line."""
        self.show_refusals([FieldError("", text)])

    def describe(self, error: FieldError) -> str:
        """A refusal shown on the page as a whole (not next to one field)."""
        return error.message

    def error_text(self, path: str) -> str:
        """The refusal shown beside ``path`` ("" for the page's line), "" when none."""
        label = self.error_labels.get(path) if path else self.page_error
        return label.text() if label is not None and not label.isHidden() else ""

    # -- moving on --------------------------------------------------------------------------

    def check_and_show(self) -> bool:
        """Write the widgets into the draft, ask the step and show its refusals; True when
        there are none."""
        self.collect()
        found = self.refusals()
        self.show_refusals(found)
        return not found

    def watch(self, *widgets: QWidget) -> None:
        """Re-ask whether Next may be enabled when one of ``widgets`` changes (gated steps)."""
        for widget in widgets:
            if isinstance(widget, (QLineEdit, QPlainTextEdit)):
                widget.textChanged.connect(self.completeChanged)
            elif isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(self.completeChanged)
            elif isinstance(widget, QAbstractButton):
                widget.toggled.connect(self.completeChanged)
            elif isinstance(widget, DateEdit):
                widget.line.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        if not super().isComplete():
            return False
        if not self.flow_step.gated:
            return True
        self.collect()
        return not self.refusals()

    def validatePage(self) -> bool:  # noqa: N802 (Qt's name)
        return self.check_and_show()

    def nextId(self) -> int:  # noqa: N802 (Qt's name)
        """The page of the flow's next step (which may depend on the draft)."""
        wizard = self.wizard()
        if wizard is None or self.flow_step.next is None:
            return super().nextId()
        following = self.flow.next_step(self.flow_step.id, self.draft())
        if following is None:
            return -1
        for page_id in wizard.pageIds():
            page = wizard.page(page_id)
            if isinstance(page, StepPage) and page.flow_step.id == following:
                return page_id
        return super().nextId()
