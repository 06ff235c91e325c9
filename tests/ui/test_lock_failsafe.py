"""A lock cannot fail (issue 17, point 7).

Found by an outside review: with the agenda wizard open, the idle lock and Ctrl+L stopped on
"Er ging iets mis in het programma" (``AgendaWizard.clear`` passed a tuple to
``findChildren``, a TypeError on PySide6 6.11), and the workspace stayed unlocked with case
data on screen until someone clicked OK. Now the key goes first, every window is cleared on
its own, and a failure is reported only after the lock, scrubbed.
"""
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from app.vault.vault import OpenVault
from tests.ui.cases_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    accounts_vault,
    cases_vault_template,
    director_vault,
)
from tests.ui.shell_fixtures import (  # noqa: F401
    ctx,
    make_window,
    no_quick_check,
    settings,
)
from ui import locking
from ui.main_window import MainWindow
from ui.meetings.screen import MeetingsScreen

# shares no word with the canaries of test_lock_complete, whose whole-process scan runs in
# the same session
CANARY = "Pimpelmees Boomklever"


@pytest.fixture
def reports(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    got: list[str] = []
    monkeypatch.setattr(locking, "failure_reporter", got.append, raising=False)
    yield got


def _live_texts() -> list[str]:
    return [w.text() for w in QApplication.allWidgets() if isinstance(w, QLineEdit)]


def test_lock_with_the_agenda_wizard_open_completes(
        qtbot: QtBot, make_window: Callable[..., MainWindow], director_vault: OpenVault,
        reports: list[str], no_quick_check: None) -> None:
    window = make_window(opened=director_vault)
    assert window.workspace is not None
    assert window.go_to("meetings")
    screen = window.workspace.screens["meetings"]
    assert isinstance(screen, MeetingsScreen)
    screen.new_meeting()
    wizard = screen.wizard
    assert wizard is not None
    qtbot.waitExposed(wizard)
    place = wizard.findChild(QLineEdit, "place")
    assert place is not None
    place.setText(CANARY)
    assert CANARY in _live_texts()

    window.lock()

    assert not director_vault.is_open
    assert window.workspace is None
    qtbot.waitUntil(lambda: CANARY not in _live_texts(), timeout=2000)
    qtbot.wait(20)
    assert reports == []


class _Broken(QDialog):
    """A window whose clearing fails, with personal data in the error's message."""

    def clear(self) -> None:
        raise RuntimeError(f"kon {CANARY} niet wissen")


def test_one_window_failing_to_clear_does_not_stop_the_lock(
        qtbot: QtBot, make_window: Callable[..., MainWindow], director_vault: OpenVault,
        reports: list[str], no_quick_check: None) -> None:
    window = make_window(opened=director_vault)
    broken = _Broken()
    field = QLineEdit(CANARY, broken)
    assert field.text() == CANARY
    broken.show()

    window.lock()

    # the key went and the workspace is gone, although one window failed
    assert not director_vault.is_open
    assert window.workspace is None
    assert reports == []            # not during the lock
    qtbot.waitUntil(lambda: len(reports) == 1, timeout=2000)
    assert "RuntimeError" in reports[0] and "clear" in reports[0]
    assert CANARY not in reports[0] and "niet wissen" not in reports[0]
    qtbot.waitUntil(lambda: CANARY not in _live_texts(), timeout=2000)
