"""Locking from every window of the program (issue 17, point 7, "Locking that cannot fail").

Found by an outside review: the live-meeting window and the agenda wizard did not react to
Ctrl+L at all (the Lock action's shortcut worked only in the main window, and a modal dialog
shadows even an application shortcut). Now Ctrl+L works in every top-level window and
dialog, modal or not, and a lock leaves nothing of the session in any of them.

The windows are enumerated from the code, so a new one is included without anyone
remembering to: every class in ``ui`` that is a QDialog (wizards included) or a QMainWindow,
every widget of ours that makes itself a window (``Qt.WindowType.Window``) or is made one
elsewhere in ``ui`` (``view.setWindowFlag(Qt.WindowType.Window, True)``: the case window),
and every Qt dialog class that ``ui`` shows (message boxes, input dialogs, file pickers, the
progress dialog). Each kind has an opener below that opens it the way the program does, over
a workspace full of canaries (the world of ``test_lock_complete``: names, BSNs, addresses,
items, minutes, plan texts, and here an agenda goal), with a canary typed into its first
text field. A kind without an opener fails ``test_every_window_kind_has_an_opener``, by name.

Then the lock comes by each route: Ctrl+L pressed in that window (every kind), the idle
time and the desktop's screen saver (a few kinds: the agenda wizard, the live meeting, a
message box, a wizard run with ``exec()`` and a case window). Afterwards no canary is in any
live widget's text or window title, in any live item model or on the clipboard; the key is
gone; no window of the session is left; nothing failed during the lock, and the code that
waited in a modal loop went on without a traceback (pytest-qt fails a test on an exception in
a Qt callback).
"""
# Fixtures are imported from the fixture modules, so pytest sees them as parameters here.
# ruff: noqa: F811

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest
import shiboken6
from PySide6.QtCore import QTimer, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QProgressDialog,
    QTextEdit,
    QWidget,
    QWizard,
)
from pytestqt.qtbot import QtBot

import ui
from app.vault.keyslots import KdfParams
from app.vault.vault import Vault
from tests.ui.cases_fixtures import (  # noqa: F401
    DIRECTOR,
    DIRECTOR_PASSPHRASE,
    _no_scripted_dialogs,
    cases_vault_template,
)
from tests.ui.shell_fixtures import (  # noqa: F401
    ctx,
    make_window,
    no_quick_check,
    settings,
)
from ui import dialogs, locking
from ui.app_context import AppContext
from ui.cases.case_actions import PlanDialog
from ui.cases.case_view import CaseViewScreen
from ui.cases.screen import CasesScreen
from ui.first_run import FirstRunWizard
from ui.main_window import MainWindow
from ui.meetings.live import LiveMeetingWindow
from ui.meetings.screen import MeetingsScreen
from ui.parties.screen import PartiesScreen
from ui.plan.editor import PlanEditor
from ui.plan.handouts_dialog import HandoutsDialog
from ui.settings_screen import SettingsScreen

# test_lock_complete's world and searches. Imported with importlib, not an import statement:
# PySide6 hooks ``__import__`` and reads the source of each module imported through it (into
# linecache), and that test scans the whole process for its canaries, source lines included.
_complete = importlib.import_module("tests.ui.test_lock_complete")
CANARY: dict[str, str] = _complete.CANARY
World = _complete.World
build_world = _complete.build_world
clipboard_texts = _complete.clipboard_texts
make_active = _complete.make_active
model_hits = _complete.model_hits
settle = _complete.settle
widget_hits = _complete.widget_hits

#: Canaries of this test besides test_lock_complete's (none contains one of those, so that
#: test's scan of the whole process does not find these).
EXTRA = {
    "x_goal": "Tapuitdoel beeld van het gezin",     # the agenda item's goal
    "x_typed": "Roodborsttapuit typte dit",         # typed into the window under test
}


def every_canary() -> dict[str, str]:
    """Made when asked, never kept: test_lock_complete scans the whole process for its own
    canaries (leaving out only its table), and a module-level copy would be found there."""
    return {**CANARY, **EXTRA}

#: Qt's own base classes: the program's subclasses are the kinds, not these.
_QT_BASES = (QDialog, QWizard, QMainWindow)


# -- the kinds of window, from the code -----------------------------------------------------

def ui_modules() -> list[ModuleType]:
    return [importlib.import_module(info.name)
            for info in pkgutil.walk_packages(ui.__path__, "ui.")]


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _says_window(nodes: list[ast.expr]) -> bool:
    """The arguments name ``Qt.WindowType.Window``."""
    return any(isinstance(n, ast.Attribute) and n.attr == "Window"
               and isinstance(n.value, ast.Attribute) and n.value.attr == "WindowType"
               for arg in nodes for n in ast.walk(arg))


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id     # ``QInputDialog.getItem(...)``: the class is the receiver
    return None


def _window_classes_in(module: ModuleType) -> set[type]:
    """Classes this module's code makes windows of, found in its source:
    a class whose constructor passes ``Qt.WindowType.Window`` to its base or sets it on
    itself; an instance given that flag (``x = Cls(...); x.setWindowFlag(...Window...)``);
    and Qt's own dialog classes it shows (called, or a static ``getItem``-like function)."""
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    scope = vars(module)
    imported: dict[str, tuple[str, str]] = {}    # imports inside functions too
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                imported.setdefault(alias.asname or alias.name, (node.module, alias.name))
    found: set[type] = set()

    def resolve(name: str | None) -> type | None:
        obj = scope.get(name or "")
        if obj is None and name in imported:
            where, what = imported[name]
            try:
                obj = getattr(importlib.import_module(where), what, None)
            except ImportError:       # an optional import the program copes without
                return None
        return obj if inspect.isclass(obj) else None

    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
                func = call.func
                if (isinstance(func, ast.Attribute)
                        and func.attr in ("__init__", "setWindowFlag", "setWindowFlags")
                        and (func.attr == "__init__" or (isinstance(func.value, ast.Name)
                                                         and func.value.id == "self"))
                        and _says_window(call.args)):
                    cls = resolve(node.name)
                    if cls is not None:
                        found.add(cls)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            made: dict[str, str] = {}
            for n in ast.walk(node):
                if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call):
                    callee = _called_name(n.value)
                    for target in n.targets:
                        if isinstance(target, ast.Name) and callee:
                            made[target.id] = callee
            for n in ast.walk(node):
                if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                        and n.func.attr in ("setWindowFlag", "setWindowFlags")
                        and isinstance(n.func.value, ast.Name)
                        and n.func.value.id in made and _says_window(n.args)):
                    cls = resolve(made[n.func.value.id])
                    assert cls is not None, (
                        f"{module.__name__}: {made[n.func.value.id]} is made a window, but "
                        "this test cannot tell which class that is")
                    found.add(cls)
        if isinstance(node, ast.Call):
            cls = resolve(_called_name(node))
            if (cls is not None and cls.__module__.startswith("PySide6")
                    and issubclass(cls, QDialog) and cls not in _QT_BASES):
                found.add(cls)
    return found


def window_kinds() -> dict[str, type]:
    """Every kind of top-level window the program has, by qualified class name."""
    kinds: dict[str, type] = {}
    for module in ui_modules():
        for obj in vars(module).values():
            if (inspect.isclass(obj) and obj.__module__ == module.__name__
                    and issubclass(obj, _QT_BASES)):
                kinds[_name(obj)] = obj
        for cls in _window_classes_in(module):
            kinds[_name(cls)] = cls
    return kinds


# -- the world, once per module ---------------------------------------------------------------

@dataclass(frozen=True)
class Template:
    folder: Path
    triage_number: str
    progress_number: str
    meeting_id: int


@pytest.fixture(scope="module")
def world_template(cases_vault_template: Path,
                   tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The canary world made once (through the services, as the process director) and
    locked; each test works on a copy of its files."""
    folder = tmp_path_factory.mktemp("every-window") / "kluis"
    shutil.copytree(cases_vault_template, folder,
                    ignore=shutil.ignore_patterns("*.lock", "*-wal", "*-shm"))
    opened = Vault(folder).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    try:
        world = build_world(opened, agenda_goal=EXTRA["x_goal"])
    finally:
        opened.lock(audit_it=False)
    return Template(folder, world.triage_number, world.progress_number, world.meeting_id)


@pytest.fixture
def world(world_template: Template, tmp_path: Path) -> Iterator[World]:
    folder = tmp_path / "kluis"     # the folder the shell's context (vault_dir) names
    shutil.copytree(world_template.folder, folder,
                    ignore=shutil.ignore_patterns("*.lock", "*-wal", "*-shm"))
    opened = Vault(folder).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    yield World(opened, world_template.triage_number, world_template.progress_number,
                world_template.meeting_id)
    if opened.is_open:
        opened.lock(audit_it=False)


@pytest.fixture
def reports(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    got: list[str] = []
    monkeypatch.setattr(locking, "failure_reporter", got.append, raising=False)
    return got


@pytest.fixture(autouse=True)
def _no_check_on_a_timer(no_quick_check: None) -> None:
    """The vault's quick check after an unlock is not what these tests are about."""


# -- opening each kind as the program does ----------------------------------------------------

@dataclass
class Env:
    qtbot: QtBot
    ctx: AppContext
    window: MainWindow
    world: World
    tmp: Path
    keep: list[QWidget] = field(default_factory=list)

    def screen(self, section: str) -> QWidget:
        assert self.window.go_to(section), section
        assert self.window.workspace is not None
        return self.window.workspace.screens[section]

    def cases(self) -> CasesScreen:
        screen = self.screen("cases")
        assert isinstance(screen, CasesScreen)
        return screen

    def view(self, which: str) -> CaseViewScreen:
        """The case window of the case in triage or of the case in progress."""
        number = self.world.triage_number if which == "triage" else self.world.progress_number
        cases = self.cases()
        found = [v for v in cases.findChildren(CaseViewScreen)
                 if v.number == number and v.isVisible()]
        if not found:
            cases.open_case(number)
            found = [v for v in cases.findChildren(CaseViewScreen)
                     if v.number == number and v.isVisible()]
        assert found, f"the case window of {which} did not open"
        return found[0]

    def meetings(self) -> MeetingsScreen:
        screen = self.screen("meetings")
        assert isinstance(screen, MeetingsScreen)
        screen.refresh(self.world.meeting_id)
        screen.select_meeting(self.world.meeting_id)
        return screen

    def live(self) -> LiveMeetingWindow:
        live = self.meetings().start_live()
        assert live is not None
        return live

    def parties(self) -> PartiesScreen:
        screen = self.screen("parties")
        assert isinstance(screen, PartiesScreen)
        screen.refresh()
        first = screen.model.party_at(0)
        assert first is not None and first.id is not None
        assert screen.select_party(first.id)
        return screen

    def plan_editor(self) -> PlanEditor:
        view = self.view("progress")
        view.open_plan()
        dialog = view.step_window
        assert isinstance(dialog, PlanDialog)
        dialog.editor.action_table.setCurrentCell(0, 1)
        return dialog.editor

    def handouts(self) -> HandoutsDialog:
        view = self.view("progress")
        view.open_handouts()
        dialog = view.step_window
        assert isinstance(dialog, HandoutsDialog)
        return dialog

    def settings(self) -> SettingsScreen:
        screen = self.screen("settings")
        assert isinstance(screen, SettingsScreen)
        return screen


def _first_run(env: Env) -> None:
    wizard = FirstRunWizard(env.tmp / "nieuwe-kluis", kdf=KdfParams())
    env.keep.append(wizard)
    wizard.show()


def _closure(env: Env) -> None:
    """The closure wizard, the plan's open actions' question answered (go on)."""
    with dialogs.scripted(True):
        env.view("progress").open_closure()


def _progress(env: Env) -> None:
    # As the handouts dialog makes it while the PDFs are written off the GUI thread.
    dialog = env.handouts()
    progress = QProgressDialog(EXTRA["x_typed"], "Annuleren", 0, 3, dialog)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(0)
    progress.show()


#: Base classes the program never shows themselves (their subclasses are kinds of their own).
BASE = "base class"

#: How each kind is opened; an opener may block (a dialog run with ``exec()``) until the
#: lock closes what it opened.
OPENERS: dict[str, Callable[[Env], object] | str] = {
    "ui.main_window.MainWindow": lambda env: env.cases(),
    "ui.cases.case_view.CaseViewScreen": lambda env: env.view("triage"),
    "ui.cases.case_actions.PlanDialog": lambda env: env.view("progress").open_plan(),
    "ui.cases.case_actions.MinutesDialog": lambda env: env.view("progress").open_minutes(),
    "ui.triage.wizard.TriageWizard": lambda env: env.view("triage").open_triage(),
    "ui.closure.wizard.ClosureWizard": lambda env: _closure(env),
    "ui.plan.handouts_dialog.HandoutsDialog": lambda env: env.handouts(),
    "ui.cases.subject_access_review.SubjectAccessReviewDialog":
        lambda env: env.view("triage").open_subject_access(),
    "ui.cases.informing_dialog.InformingDialog":
        lambda env: env.view("triage").open_informing(),
    "ui.cases.intake_wizard.IntakeWizard": lambda env: env.cases().new_referral(),
    "ui.cases.import_dialog.ImportDialog": lambda env: env.cases().import_referrals(),
    "ui.meetings.wizard.AgendaWizard": lambda env: env.meetings().new_meeting(),
    "ui.meetings.live.LiveMeetingWindow": lambda env: env.live(),
    "ui.meetings.room.MeetingRoomWindow": lambda env: env.live().show_room_screen(),
    "ui.parties.accession.AccessionWizard": lambda env: env.parties().start_accession(),
    "ui.parties.forms.ServiceDialog": BASE,
    "ui.parties.forms.DetailsDialog": lambda env: env.parties().edit_details(),
    "ui.parties.forms.MembershipDialog": lambda env: env.parties().edit_protocols(),
    "ui.parties.forms.DateDialog": lambda env: env.parties().record_agreement(),
    "ui.parties.forms.SignatureDialog": lambda env: env.parties().record_signature(),
    "ui.parties.forms.EndParticipationDialog": lambda env: env.parties().end_participation(),
    "ui.parties.forms.ContactDialog": lambda env: env.parties().add_contact(),
    "ui.plan.editor.LimitDialog": lambda env: env.plan_editor()._ask_limit(),
    "ui.help.HelpDialog": lambda env: env.window.show_help(),
    "ui.help.AboutDialog": lambda env: env.window.show_about(),
    "ui.settings_screen._ServiceDialog": BASE,
    "ui.settings_screen.AddAccountDialog": lambda env: env.settings().open_add_account(),
    "ui.settings_screen.ChangePassphraseDialog": lambda env: env.window.change_passphrase(),
    "ui.first_run.FirstRunWizard": _first_run,
    # Qt's own dialogs, as ui.dialogs and the screens show them (all modal, run with exec()).
    "PySide6.QtWidgets.QMessageBox": lambda env: dialogs.confirm(
        env.view("triage"), "Casus", EXTRA["x_typed"]),
    "PySide6.QtWidgets.QInputDialog": lambda env: env.plan_editor()._ask_note(),
    "PySide6.QtWidgets.QFileDialog": lambda env: env.handouts()._choose_folder(),
    "PySide6.QtWidgets.QProgressDialog": _progress,
}

KINDS = window_kinds()
SHOWN = sorted(k for k, opener in OPENERS.items() if opener != BASE)
#: the kinds that show the meeting's agenda goal and minutes
SHOW_THE_MEETING = ("ui.meetings.live.LiveMeetingWindow", "ui.meetings.room.MeetingRoomWindow")


def test_every_window_kind_has_an_opener() -> None:
    missing = sorted(set(KINDS) - set(OPENERS))
    assert not missing, (
        "windows without an opener in tests/ui/test_lock_every_window.py (add one, so that "
        f"locking is tested in them): {', '.join(missing)}")
    stale = sorted(set(OPENERS) - set(KINDS))
    assert not stale, f"openers of windows the program no longer has: {', '.join(stale)}"
    for name, opener in OPENERS.items():
        if opener == BASE:
            assert any(cls is not KINDS[name] and issubclass(cls, KINDS[name])
                       for cls in KINDS.values()), f"{name} is no base of another window"


def test_the_enumeration_finds_windows_of_every_sort() -> None:
    """The control for the enumeration: dialogs, wizards, the main window, widgets that make
    themselves windows, one made a window by another screen, and Qt's modal boxes."""
    assert {"ui.cases.case_actions.PlanDialog", "ui.meetings.wizard.AgendaWizard",
            "ui.main_window.MainWindow", "ui.meetings.live.LiveMeetingWindow",
            "ui.meetings.room.MeetingRoomWindow", "ui.cases.case_view.CaseViewScreen",
            "PySide6.QtWidgets.QMessageBox", "PySide6.QtWidgets.QFileDialog"} <= set(KINDS)
    assert "ui.cases.screen.CasesScreen" not in KINDS     # a section, not a window


# -- locking in each ----------------------------------------------------------------------------

def _visible_windows(main: MainWindow) -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets()
            if w.isVisible() and w is not main
            and w.windowType() not in (Qt.WindowType.ToolTip, Qt.WindowType.Popup)]


def _find(kind: type, main: MainWindow) -> QWidget | None:
    if kind is MainWindow:
        return main
    shown = [w for w in _visible_windows(main) if type(w) is kind]
    return shown[-1] if shown else None


def _type_canary(window: QWidget) -> bool:
    """Type the canary into the window's first editable text field; False if it has none."""
    fields = [w for w in window.findChildren(QWidget)
              if isinstance(w, (QLineEdit, QPlainTextEdit, QTextEdit)) and w.isVisible()
              and w.isEnabled() and not w.isReadOnly()
              # a spin box's or combo box's own line edit takes only what fits it
              and not isinstance(w.parentWidget(), (QAbstractSpinBox, QComboBox))]
    if not fields:
        return False
    target = fields[0]
    if isinstance(target, QLineEdit):
        target.setText(EXTRA["x_typed"])
    else:
        target.setPlainText(EXTRA["x_typed"])
    return True


@dataclass
class Run:
    shown: str = ""          # the class of the window found
    typed: bool = False
    before: set[str] = field(default_factory=set)
    problem: str | None = None


#: how soon a route must have locked (the idle route's timer is set to 200 ms)
LOCK_WITHIN_MS = 1500


def _lock_in(env: Env, name: str, route: str) -> Run:
    """Open the kind ``name``, and once it shows, fill it and lock by ``route``."""
    kind, opener = KINDS[name], OPENERS[name]
    assert callable(opener)
    run = Run()
    tries = [0]

    def when_shown() -> None:
        window = _find(kind, env.window)
        if window is None:
            tries[0] += 1
            if tries[0] < 300:
                QTimer.singleShot(10, when_shown)
            else:
                run.problem = f"{name} did not show"
                env.window.lock()           # end any modal loop the opener waits in
            return
        try:
            run.shown = type(window).__name__
            run.typed = _type_canary(window)
            run.before = widget_hits(every_canary()) | model_hits(every_canary())
            # Should the route not lock, say so and lock (a modal loop must end, or the test
            # would wait in it for ever).
            QTimer.singleShot(LOCK_WITHIN_MS, lambda: not_locked(window))
            if route == "ctrl_l":
                make_active(env.qtbot, window)       # the user works in it
                target = window.focusWidget() or window
                env.qtbot.keyClick(target, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
            elif route == "idle":
                env.ctx.idle.set_interval_ms(200)
            else:
                env.ctx.screensaver.on_active_changed(True)
        except Exception as exc:  # noqa: BLE001 - said after the lock, which must come
            run.problem = f"{type(exc).__name__}: {exc}"
            env.window.lock()

    def not_locked(window: QWidget) -> None:
        if env.world.vault.is_open:
            run.problem = f"{route} did not lock from {type(window).__name__}"
            env.window.lock()

    QTimer.singleShot(0, when_shown)
    opener(env)      # may block in a modal loop until the lock ends it
    env.qtbot.waitUntil(lambda: run.problem is not None or not env.world.vault.is_open,
                        timeout=8000)
    return run


def _assert_locked_and_clean(env: Env, run: Run, name: str, reports: list[str]) -> None:
    assert run.problem is None, run.problem
    opened = env.world.vault
    env.qtbot.waitUntil(lambda: env.window.opened is None, timeout=3000)
    settle()
    # the key: gone
    assert not opened.is_open and opened._key is None
    assert env.window.workspace is None
    assert env.window.stack.currentWidget() is env.window.unlock_screen
    # no window of the session left, no canary anywhere on screen, in a model or clipboard
    assert not [type(w).__name__ for w in _visible_windows(env.window)]
    assert not widget_hits(every_canary()), f"after locking from {name}"
    assert not model_hits(every_canary()), f"after locking from {name}"
    assert not [t for t in clipboard_texts() for c in every_canary().values() if c in t]
    assert reports == []


@pytest.mark.parametrize("name", SHOWN)
def test_ctrl_l_in_every_window_locks_and_leaves_nothing(
        qtbot: QtBot, ctx: AppContext, world: World, make_window: Callable[..., MainWindow],
        reports: list[str], tmp_path: Path, name: str) -> None:
    env = Env(qtbot, ctx, make_window(world.vault), world, tmp_path)
    run = _lock_in(env, name, "ctrl_l")
    assert run.problem is None, run.problem
    # the control: the canaries were there, in this window too when it has a text field
    assert {"t_surname", "p_surname"} <= run.before, run.before
    if run.typed:
        assert "x_typed" in run.before
    if name in SHOW_THE_MEETING:
        assert {"x_goal", "p_minutes"} <= run.before, run.before
    _assert_locked_and_clean(env, run, name, reports)


@pytest.mark.parametrize("route", ["idle", "screen_saver"])
@pytest.mark.parametrize("name", SHOWN)
def test_idle_and_screen_saver_lock_in_every_window(
        qtbot: QtBot, ctx: AppContext, world: World, make_window: Callable[..., MainWindow],
        reports: list[str], tmp_path: Path, name: str, route: str) -> None:
    env = Env(qtbot, ctx, make_window(world.vault), world, tmp_path)
    run = _lock_in(env, name, route)
    assert run.problem is None, run.problem
    assert "t_surname" in run.before
    _assert_locked_and_clean(env, run, name, reports)


def test_after_a_lock_the_ended_session_asks_and_says_nothing(
        qtbot: QtBot, ctx: AppContext, world: World, make_window: Callable[..., MainWindow],
        reports: list[str], tmp_path: Path) -> None:
    """Code that waited in a modal loop goes on when the lock ends it; what it then asks or
    says for a window of the ended session is not shown over the unlock screen (a question
    counts as cancelled, a picker as nothing chosen). A parentless message (the crash
    handler's report of a lock step that failed) still shows."""
    window = make_window(world.vault)
    view = Env(qtbot, ctx, window, world, tmp_path).view("triage")
    shown: list[str] = []

    def close_any_box() -> None:
        box = QApplication.activeModalWidget()
        if box is not None:
            shown.append(type(box).__name__)
            box.close()

    closer = QTimer()
    closer.timeout.connect(close_any_box)
    closer.start(50)
    window.lock()
    assert dialogs.confirm(view, "Casus", EXTRA["x_typed"]) is False
    dialogs.error(view, "Casus", EXTRA["x_typed"])
    assert dialogs.choose(view, "Casus", EXTRA["x_typed"], ["een", "twee"]) is None
    assert dialogs.save_file(view, "Casus", None) is None
    assert shown == []
    dialogs.error(None, "Casus", "report")
    assert shown == ["QMessageBox"]
    closer.stop()


class _Refuses(QDialog):
    """A dialog that will not close while it holds something (as the plan editor's
    "close without saving?" does), run with exec()."""

    def reject(self) -> None:
        return


def test_a_dialog_that_refuses_to_close_is_closed_by_the_lock(
        qtbot: QtBot, ctx: AppContext, world: World, make_window: Callable[..., MainWindow],
        reports: list[str]) -> None:
    window = make_window(world.vault)
    dialog = _Refuses(window)
    QLineEdit(EXTRA["x_typed"], dialog)
    problems: list[str] = []

    def press() -> None:
        make_active(qtbot, dialog)
        qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    def still_open() -> None:
        # (this may fire after the test, once the dialog is deleted: then it is closed)
        if shiboken6.isValid(dialog) and dialog.isVisible():
            problems.append("the dialog was still open after the lock")
            QDialog.done(dialog, 0)

    QTimer.singleShot(0, press)
    QTimer.singleShot(LOCK_WITHIN_MS, still_open)
    dialog.exec()          # returns once the lock has closed it
    assert problems == []
    assert window.opened is None and not world.vault.is_open
    settle()
    assert "x_typed" not in widget_hits(every_canary())
    assert reports == []
