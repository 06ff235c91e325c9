"""Every wizard shows its steps and where you are (issue 18, point 4). On 303c06b no wizard
did: the intake, triage, agenda, closure, first-run and accession wizards showed one page at
a time with nothing saying how many there were. Each is opened as the program opens it
(the openers of test_lock_every_window, over its world), and must show the one shared step
list with "Stap n van N: <the page's title>" for the page it shows.
"""
# ruff: noqa: F811

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QWizard
from pytestqt.qtbot import QtBot

from tests.ui.cases_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    cases_vault_template,
)
from tests.ui.shell_fixtures import (  # noqa: F401
    ctx,
    make_window,
    no_quick_check,
    settings,
)
from ui.app_context import AppContext
from ui.main_window import MainWindow
from ui.wizard_steps import StepList, steps_of

_every = importlib.import_module("tests.ui.test_lock_every_window")
world_template = _every.world_template
world = _every.world
_no_check_on_a_timer = _every._no_check_on_a_timer
Env = _every.Env
OPENERS = _every.OPENERS
KINDS = _every.KINDS
_find = _every._find

WIZARDS = sorted(name for name, kind in KINDS.items()
                 if isinstance(kind, type) and issubclass(kind, QWizard))

#: the offscreen platform cannot raise a window (the program raises the windows it opens)
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")



def test_the_six_wizards_are_all_found() -> None:
    assert {name.rsplit(".", 1)[1] for name in WIZARDS} >= {
        "IntakeWizard", "TriageWizard", "AgendaWizard", "ClosureWizard", "FirstRunWizard",
        "AccessionWizard"}


def _steps_shown(env: object, name: str) -> tuple[str, str, bool, int]:
    """Open wizard ``name``; its step header, the expected one, whether the list shows, and
    the number of step lines."""
    kind, opener = KINDS[name], OPENERS[name]
    assert callable(opener)
    seen: list[tuple[str, str, bool, int]] = []
    tries = [0]

    def when_shown() -> None:
        window = _find(kind, env.window)  # type: ignore[attr-defined]
        if window is None:
            tries[0] += 1
            if tries[0] < 300:
                QTimer.singleShot(10, when_shown)
            else:
                seen.append(("", "did not show", False, 0))
            return
        assert isinstance(window, QWizard)
        steps = steps_of(window)
        ids = list(window.pageIds())
        page = window.currentPage()
        position = ids.index(window.currentId()) + 1
        expected = f"Stap {position} van {len(ids)}: {page.title()}"
        if steps is None:
            seen.append(("", expected, False, 0))
        else:
            assert isinstance(steps, StepList)
            lines = [label for label in steps.steps if not label.isHidden()]
            seen.append((steps.header.text(), expected, steps.isVisible(), len(lines)))
        sweeper.start()

    def sweep() -> None:
        for window in QApplication.topLevelWidgets():
            if not window.isVisible() or window is env.window:  # type: ignore[attr-defined]
                continue
            if isinstance(window, QDialog):
                window.reject()
            elif not isinstance(window, QMainWindow) or window.isWindow():
                window.close()

    sweeper = QTimer()
    sweeper.setInterval(20)
    sweeper.timeout.connect(sweep)
    QTimer.singleShot(0, when_shown)
    try:
        opener(env)
        env.qtbot.waitUntil(lambda: bool(seen), timeout=8000)  # type: ignore[attr-defined]
        sweep()
    finally:
        sweeper.stop()
    return seen[0]


@pytest.mark.parametrize("name", WIZARDS)
def test_every_wizard_says_which_step_of_how_many(
        qtbot: QtBot, ctx: AppContext, world: object, make_window: Callable[..., MainWindow],
        tmp_path: Path, name: str) -> None:
    env = Env(qtbot, ctx, make_window(world.vault), world, tmp_path)  # type: ignore[attr-defined]
    header, expected, visible, lines = _steps_shown(env, name)
    assert header == expected and visible, name
    total = int(expected.split(" van ")[1].split(":")[0])
    assert lines == total, "one line per step"
