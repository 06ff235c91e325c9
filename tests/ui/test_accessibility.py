"""Keyboard and screen-reader use: walk the tab order of every screen and check that each
widget the keyboard can reach has an accessible name (what a screen reader says), and that
each input has a visible label tied to it (``QLabel.setBuddy``, which also gives it its
Alt+letter and, in Qt, its accessible name).

Screens walked: the unlock screen; the main window's sections for a process director, an
administrator and a manager; every page of the intake, triage, agenda, closure, accession
and first-run wizards; the meetings screen, the live meeting and the meeting-room window;
the case view, the plan editor, the handouts dialog and the follow-up screen; help and About.

Pages of a wizard are checked without clicking through them: a widget belongs to a page when
it is visible *relative to* that page, so each page's fields are walked in the wizard's own
focus chain (the order Tab follows) whichever page is on screen.
"""

# Fixtures are imported from shell_fixtures, so pytest sees them as parameters here.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
    QWizard,
)

from app.domain.roles import Role
from app.services import accounts as account_service
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.ui.shell_fixtures import (  # noqa: F401 - fixtures
    _no_scripted_dialogs,
    ctx,
    make_window,
    settings,
)
from tests.unit.meeting_fixtures import (
    GGZ,
    MUNICIPALITY,
    POLICE,
    as_process_director,
    draft_for,
    item,
    party_ids,
    routed_case,
)
from ui import a11y
from ui import help as program_help
from ui.main_window import MainWindow

#: Inputs: a user types or chooses a value in them, so a visible label must say what.
INPUTS = (QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit)


def owner(widget: QWidget) -> QWidget:
    """The widget the user meets: the line edit inside a spin box or editable combo box
    belongs to that box (its label is tied to the box)."""
    parent = widget.parentWidget()
    while parent is not None and (parent.focusProxy() is widget
                                  or isinstance(parent, (QAbstractSpinBox, QComboBox))):
        widget, parent = parent, parent.parentWidget()
    return widget


def tab_chain(root: QWidget, scope: QWidget | None = None) -> list[QWidget]:
    """The widgets Tab visits in ``root``'s window, in that order, limited to those shown
    (relative to ``scope`` when given: a wizard page that is not the current one)."""
    window = root.window()
    scope = scope or window
    chain: list[QWidget] = []
    seen: set[int] = set()
    widget = window.nextInFocusChain()
    while id(widget) not in seen and widget is not window:
        seen.add(id(widget))
        if (widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                and widget.focusProxy() is None
                and (widget is scope or scope.isAncestorOf(widget))
                and widget.isVisibleTo(scope)):
            chain.append(owner(widget))
        widget = widget.nextInFocusChain()
    return list(dict.fromkeys(chain))


def accessible_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    name = interface.text(QAccessible.Text.Name) if interface is not None else ""
    return (name or widget.accessibleName()).strip()


def describe(widget: QWidget) -> str:
    return f"{type(widget).__name__}({widget.objectName() or '?'})"


def problems(root: QWidget, scope: QWidget | None = None) -> list[str]:
    """What a keyboard or screen-reader user would miss in ``root``'s tab order."""
    scope = scope or root.window()
    labels = [label for label in root.window().findChildren(QLabel)
              if label.buddy() is not None]
    found = []
    for widget in tab_chain(root, scope):
        if not accessible_name(widget):
            found.append(f"{describe(widget)}: no accessible name")
        if isinstance(widget, INPUTS) and not (
                isinstance(widget, (QTextEdit, QPlainTextEdit)) and widget.isReadOnly()):
            tied = [lb for lb in labels if lb.buddy() is widget and lb.isVisibleTo(scope)
                    and lb.text().strip()]
            if not tied:
                found.append(f"{describe(widget)}: no visible label tied to it")
    return found


def check(root: QWidget, scope: QWidget | None = None, at_least: int = 1) -> list[QWidget]:
    chain = tab_chain(root, scope)
    assert len(chain) >= at_least, f"only {len(chain)} widgets reachable by Tab"
    found = problems(root, scope)
    assert not found, "\n".join(found)
    return chain


def check_wizard(wizard: QWizard, qtbot: object) -> int:
    """Every page of a wizard, and its buttons; returns how many pages were walked."""
    qtbot.addWidget(wizard)  # type: ignore[attr-defined]
    wizard.show()
    pages = [wizard.page(page_id) for page_id in wizard.pageIds()]
    found = [f"page {page.title()!r}: {problem}" for page in pages
             for problem in problems(page, page)]
    assert not found, f"{type(wizard).__name__}:\n" + "\n".join(found)
    # The buttons (Back, Next, Finish, Cancel) speak too.
    for button in (wizard.button(b) for b in (QWizard.WizardButton.NextButton,
                                              QWizard.WizardButton.CancelButton)):
        assert accessible_name(button)
    return len(pages)


# -- a vault with something on every screen ------------------------------------------------

@pytest.fixture
def world(admin_vault: OpenVault) -> Iterator[tuple[OpenVault, dict[str, int], list[str], int]]:
    """A process director's view of a vault with routed cases and one planned meeting."""
    from app.services import meetings as meeting_service

    pd = as_process_director(admin_vault)
    ids = party_ids(pd)
    p, g, m = ids[POLICE], ids[GGZ], ids[MUNICIPALITY]
    made = [routed_case(pd, "Jan", "de Vries", invitees=[p, g, m], items=[
                item(p, "Melding huiselijk geweld", [g, m])]),
            routed_case(pd, "Fatma", "Yıldız", invitees=[g, m], items=[
                item(g, "Opname geweest", [m])])]
    meeting_id = meeting_service.plan_meeting(pd, draft_for(made, [p, g, m]))
    yield pd, ids, [number for _id, number in made], meeting_id


# -- the shell ----------------------------------------------------------------------------

def test_unlock_screen(make_window: Callable[..., MainWindow], locked_vault: OpenVault,
                       qtbot: object) -> None:
    window = make_window()
    screen = window.unlock_screen
    chain = check(screen, at_least=3)
    # Account, passphrase, then the button: the order of the form.
    order = [w for w in chain if screen.isAncestorOf(w)]
    assert order[:3] == [screen.account, screen.passphrase, screen.button]


@pytest.fixture
def locked_vault(admin_vault: OpenVault) -> OpenVault:
    account_service.add_account(admin_vault, "manager1", Role.MANAGER,
                                "cijfers zonder namen graag", kdf=KdfParams())
    account_service.add_account(admin_vault, "regisseur", Role.PROCESS_DIRECTOR,
                                "casus regie vraagt rust", kdf=KdfParams())
    admin_vault.lock()
    return admin_vault


@pytest.mark.parametrize("account,passphrase", [
    ("regisseur", "casus regie vraagt rust"),
    (ADMIN, ADMIN_PASSPHRASE),
    ("manager1", "cijfers zonder namen graag"),
])
def test_main_window_sections(make_window: Callable[..., MainWindow], locked_vault: OpenVault,
                              vault_dir: Path, account: str, passphrase: str) -> None:
    opened = Vault(vault_dir).unlock(account, passphrase)
    window = make_window(opened=opened)
    workspace = window.workspace
    assert workspace is not None
    found = []
    for section in workspace.section_ids():
        assert window.go_to(section)
        screen = workspace.pages.currentWidget()
        found += [f"section {section}: {problem}" for problem in problems(screen)]
    assert not found, f"{account}:\n" + "\n".join(found)
    # The navigation itself is reachable and named.
    assert workspace.nav in tab_chain(workspace) and accessible_name(workspace.nav)


def test_help_and_about(make_window: Callable[..., MainWindow], locked_vault: OpenVault,
                        vault_dir: Path) -> None:
    window = make_window(opened=Vault(vault_dir).unlock(ADMIN, ADMIN_PASSPHRASE))
    window.show_help()
    check(window.help_dialog, at_least=3)
    window.show_about()
    check(window.about_dialog, at_least=3)


def test_first_run_wizard(qtbot: object, tmp_path: Path) -> None:
    from ui.first_run import FirstRunWizard

    assert check_wizard(FirstRunWizard(tmp_path / "new", kdf=KdfParams()), qtbot) >= 2


# -- cases --------------------------------------------------------------------------------

def test_intake_wizard_and_case_view(world: tuple[OpenVault, dict[str, int], list[str], int],
                                     qtbot: object) -> None:
    from ui.cases.case_view import CaseViewScreen
    from ui.cases.intake_wizard import IntakeWizard

    vault, _ids, numbers, _meeting = world
    assert check_wizard(IntakeWizard(vault), qtbot) >= 5
    view = CaseViewScreen(vault, numbers[0])
    qtbot.addWidget(view)  # type: ignore[attr-defined]
    view.show()
    check(view, at_least=2)


def test_triage_wizard(admin_vault: OpenVault, qtbot: object) -> None:
    from app.domain.criteria import Criterion, CriterionAnswer
    from app.domain.intake import IntakeOutcome
    from app.services import intake
    from tests.unit.handout_cases import make_case
    from ui.triage.wizard import TriageWizard

    vault = as_process_director(admin_vault)
    number = make_case(vault)
    intake.decide_intake(vault, number, IntakeOutcome.ACCEPT,
                         [CriterionAnswer(c, True, "ja") for c in Criterion])
    assert check_wizard(TriageWizard(vault, number), qtbot) >= 3


def test_closure_wizard_and_follow_up(qtbot: object, admin_vault: OpenVault,
                                      vault_dir: Path) -> None:
    from app.domain.plan import ActionStatus
    from tests.unit.retention_fixtures import make_case
    from ui.closure.wizard import ClosureWizard
    from ui.followup.screen import FollowUpScreen

    vault = as_process_director(admin_vault)
    made = make_case(vault, actions=[("gemeente-den-haag", "Schuldhulp regelen", None,
                                      ActionStatus.OPEN)])
    assert check_wizard(ClosureWizard(vault, made.number), qtbot) >= 4
    screen = FollowUpScreen(vault)
    qtbot.addWidget(screen)  # type: ignore[attr-defined]
    screen.show()
    check(screen, at_least=2)


# -- meetings, plan, handouts -------------------------------------------------------------

def test_meeting_screens(world: tuple[OpenVault, dict[str, int], list[str], int],
                         qtbot: object) -> None:
    from ui.meetings.live import LiveMeetingWindow
    from ui.meetings.screen import MeetingsScreen
    from ui.meetings.wizard import AgendaWizard

    vault, _ids, _numbers, meeting_id = world
    screen = MeetingsScreen(vault)
    qtbot.addWidget(screen)  # type: ignore[attr-defined]
    screen.show()
    check(screen, at_least=2)
    assert check_wizard(AgendaWizard(vault), qtbot) >= 5
    live = LiveMeetingWindow(vault, meeting_id)
    qtbot.addWidget(live)  # type: ignore[attr-defined]
    qtbot.addWidget(live.room_window)  # type: ignore[attr-defined]
    live.show()
    check(live, at_least=8)
    live.room_window.show_on(None, full_screen=False)
    assert not problems(live.room_window)
    live.close()


def test_plan_editor_and_handouts(world: tuple[OpenVault, dict[str, int], list[str], int],
                                  qtbot: object) -> None:
    from ui.plan.editor import PlanEditor
    from ui.plan.handouts_dialog import HandoutsDialog

    vault, _ids, numbers, _meeting = world
    editor = PlanEditor(vault)
    qtbot.addWidget(editor)  # type: ignore[attr-defined]
    editor.show()
    editor.load(numbers[0])
    check(editor, at_least=6)
    dialog = HandoutsDialog(vault)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.show()
    check(dialog, at_least=2)


# -- parties ------------------------------------------------------------------------------

def test_accession_wizard(admin_vault: OpenVault, qtbot: object) -> None:
    from ui.parties.accession import AccessionWizard

    assert check_wizard(AccessionWizard(admin_vault), qtbot) >= 2


# -- the help itself ----------------------------------------------------------------------

def test_f1_finds_the_screen_the_focus_is_in(world: tuple[OpenVault, dict[str, int], list[str],
                                                          int], qtbot: object) -> None:
    from ui.plan.editor import PlanEditor

    vault, _ids, _numbers, _meeting = world
    editor = PlanEditor(vault)
    qtbot.addWidget(editor)  # type: ignore[attr-defined]
    field = next(w for w in tab_chain(editor) if isinstance(w, INPUTS))
    assert program_help.topic_for(field) == "plan"
    assert program_help.topic_for(QLabel("los")) is None
    every_screen = {name for topic in program_help.TOPICS for name in topic.screens}
    import ui.cases.screen
    import ui.meetings.live
    for module, name in ((ui.cases.screen, "CasesScreen"), (ui.meetings.live,
                                                            "LiveMeetingWindow")):
        assert hasattr(module, name) and name in every_screen
    app = QApplication.instance()
    assert app is not None


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    q = QColor(colour)
    return 0.2126 * channel(q.red()) + 0.7152 * channel(q.green()) + 0.0722 * channel(q.blue())


def _contrast(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("window", ["#efefef", "#ffffff", "#2b2b2b", "#1e1e1e"])
def test_status_colours_are_readable_in_either_scheme(qapp: QApplication, window: str) -> None:
    """Error, warning and secondary text keep WCAG AA contrast (4.5:1) on a light and on a
    dark window: the colour follows the scheme the palette says the program is in."""
    before = qapp.palette()
    palette = QPalette(before)
    palette.setColor(QPalette.ColorRole.Window, QColor(window))
    qapp.setPalette(palette)
    try:
        assert a11y.is_dark() is (QColor(window).lightness() < 128)
        for colour in (a11y.error_colour(), a11y.warning_colour(), a11y.secondary_colour()):
            assert _contrast(colour, window) >= 4.5, (colour, window)
    finally:
        qapp.setPalette(before)
