"""The one StepPage base (issue 20, point 6): it asks the domain step for its refusals,
shows each beside the field it names (the page's line for a field without one), puts the
keyboard focus on the first refused field, lets Next go on only when there is none (a gated
step keeps Next disabled meanwhile) and goes to the step the flow names next."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWizard

from app.domain.wizard import FieldError, Flow, Step
from ui.wizard import StepPage


@dataclass
class Order:
    name: str = ""
    town: str = ""
    kind: str = ""
    notes: list[str] = field(default_factory=list)


def _who(order: Order, _ctx: None) -> list[FieldError]:
    found = []
    if not order.name:
        found.append(FieldError("name", "Give a name."))
    if not order.town:
        found.append(FieldError("town", "Give a town."))
    if order.name == "x":
        found.append(FieldError("", "Not this one."))
    return found


def _kind(order: Order, _ctx: None) -> list[FieldError]:
    return [] if order.kind else [FieldError("kind", "Choose a kind.")]


FLOW: Flow[Order, None] = Flow("orders", [
    Step("who", "Besteller-stap", "Wie bestelt", _who, ("name", "town")),
    Step("kind", "Kind", "What kind", _kind, ("kind",), gated=True,
         next=lambda order: "done" if order.kind == "quick" else "extra"),
    Step("extra", "Extra", "More", lambda _o, _c: [], ()),
    Step("done", "Done", "Ready", lambda _o, _c: [], ()),
])


class OrderPage(StepPage):
    def __init__(self, wizard: OrderWizard, step_id: str) -> None:
        super().__init__(FLOW, step_id)
        self.owner = wizard
        self.edits: dict[str, QLineEdit] = {}
        layout = QVBoxLayout(self)
        for path in self.flow_step.fields:
            edit = QLineEdit()
            edit.setObjectName(path)
            self.edits[path] = edit
            layout.addWidget(self.with_error(path, edit))
        layout.addWidget(self.page_error)
        self.watch(*self.edits.values())

    def draft(self) -> Order:
        return self.owner.order

    def collect(self) -> None:
        for path, edit in self.edits.items():
            setattr(self.owner.order, path, edit.text())


class OrderWizard(QWizard):
    def __init__(self) -> None:
        super().__init__()
        self.order = Order()
        self.pages = [OrderPage(self, step_id) for step_id in FLOW.ids()]
        for page in self.pages:
            self.addPage(page)


def test_refusals_show_beside_their_fields_and_the_first_gets_the_focus(qtbot: object) -> None:
    wizard = OrderWizard()
    qtbot.addWidget(wizard)  # type: ignore[attr-defined]
    wizard.show()
    page = wizard.pages[0]
    assert page.title() == "Besteller-stap"
    page.edits["name"].setText("Piet")
    wizard.next()
    assert wizard.currentPage() is page            # refused: it stays
    assert page.error_text("town") == "Give a town."
    assert page.error_text("name") == ""
    assert wizard.focusWidget() is page.edits["town"]
    page.edits["name"].setText("x")
    page.edits["town"].setText("Delft")
    wizard.next()
    assert wizard.currentPage() is page
    assert page.error_text("") == "Not this one."  # no field named: the page's line
    page.edits["name"].setText("Piet")
    wizard.next()
    assert wizard.currentPage() is wizard.pages[1]
    assert page.error_text("") == "" and page.error_text("town") == ""


def test_a_gated_step_enables_next_only_when_it_may_and_its_next_depends_on_the_draft(
        qtbot: object) -> None:
    wizard = OrderWizard()
    qtbot.addWidget(wizard)  # type: ignore[attr-defined]
    wizard.show()
    wizard.pages[0].edits["name"].setText("Piet")
    wizard.pages[0].edits["town"].setText("Delft")
    wizard.next()
    kind = wizard.pages[1]
    assert wizard.currentPage() is kind
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    kind.edits["kind"].setText("quick")
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.next()
    assert wizard.currentPage() is wizard.pages[3]      # "quick" skips the extra step
    wizard.back()
    kind.edits["kind"].setText("slow")
    wizard.next()
    assert wizard.currentPage() is wizard.pages[2]
