"""No two mnemonics clash in one window (issue 18, point 5): Alt+V on the agenda wizard's
"Volgorde en tijden" focused a list instead of pressing Volgende. Every kind of window,
dialog and wizard the program shows (the enumeration of test_lock_every_window: a kind
without an opener fails there) is opened over the same world, in Dutch (with Qt's own
Dutch, as the program starts) and in English; every wizard page is visited; and the
mnemonics of what is visible together (buttons, labels, group boxes, tabs, the menu bar, and
the wizard's own buttons of that page) are collected. A letter used twice fails, naming the
window, the page and the texts.
"""
# ruff: noqa: F811

from __future__ import annotations

import importlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QGroupBox,
    QLabel,
    QMainWindow,
    QMenuBar,
    QTabBar,
    QWidget,
    QWizard,
)
from pytestqt.qtbot import QtBot

from app.i18n import set_language
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
from ui.main import install_qt_translation
from ui.main_window import MainWindow

_every = importlib.import_module("tests.ui.test_lock_every_window")
world_template = _every.world_template
world = _every.world
Env = _every.Env
OPENERS = _every.OPENERS
KINDS = _every.KINDS
SHOWN = _every.SHOWN
_find = _every._find

_MNEMONIC = re.compile(r"&([^&\s])")


def mnemonic(text: str) -> str | None:
    found = _MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def _shown_in(widget: QWidget, top: QWidget) -> bool:
    return widget.isVisibleTo(top) and widget.isEnabled()


def collect(top: QWidget, extra: list[str] = ()) -> dict[str, list[str]]:  # type: ignore[assignment]
    """letter -> the texts that use it, among what shows together in ``top``."""
    keys: dict[str, list[str]] = defaultdict(list)

    def add(text: str) -> None:
        key = mnemonic(text)
        if key:
            keys[key].append(text)

    for widget in top.findChildren(QWidget):
        if not _shown_in(widget, top):
            continue
        labelled = isinstance(widget, QLabel) and widget.buddy() is not None
        if isinstance(widget, QAbstractButton) or labelled:
            add(widget.text())
        elif isinstance(widget, QGroupBox):
            add(widget.title())
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                if widget.isTabVisible(index):
                    add(widget.tabText(index))
        elif isinstance(widget, QMenuBar):
            for action in widget.actions():
                if action.isVisible():
                    add(action.text())
    for text in extra:
        add(text)
    return keys


def clashes(where: str, keys: dict[str, list[str]]) -> list[str]:
    return [f"{where}: Alt+{key.upper()} is {' / '.join(repr(t) for t in texts)}"
            for key, texts in sorted(keys.items()) if len(texts) > 1]


def wizard_clashes(name: str, wizard: QWizard) -> list[str]:
    """Every page of the wizard, with the buttons that page shows (Next on all but the last,
    Finish on the last, Back after the first)."""
    problems: list[str] = []
    ids = wizard.pageIds()
    for position, page_id in enumerate(ids):
        page = wizard.page(page_id)
        buttons = [wizard.buttonText(QWizard.WizardButton.CancelButton)]
        if wizard.testOption(QWizard.WizardOption.HaveCustomButton1):
            buttons.append(wizard.buttonText(QWizard.WizardButton.CustomButton1))
        if position > 0:
            buttons.append(wizard.buttonText(QWizard.WizardButton.BackButton))
        last = position == len(ids) - 1 or page.isFinalPage()
        buttons.append(wizard.buttonText(QWizard.WizardButton.FinishButton if last
                                         else QWizard.WizardButton.NextButton))
        problems += clashes(f"{name}, page {position + 1} ({page.title() or page.objectName()})",
                            collect(page, buttons))
    return problems


@pytest.fixture(params=["nl", "en"])
def language(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    lang = request.param
    set_language(lang)
    translator = install_qt_translation(qapp, lang)
    yield lang
    if translator is not None:
        from PySide6.QtCore import QTranslator

        for gaps in translator.findChildren(QTranslator):
            qapp.removeTranslator(gaps)
        qapp.removeTranslator(translator)
    install_qt_translation(qapp, "en")
    set_language("nl")


def _look(env: object, name: str) -> list[str]:
    """Open kind ``name`` as the program does, collect its clashes once it shows, close it."""
    kind, opener = KINDS[name], OPENERS[name]
    assert callable(opener)
    problems: list[str] = []
    done: list[bool] = []
    tries = [0]

    def when_shown() -> None:
        window = _find(kind, env.window)  # type: ignore[attr-defined]
        if window is None:
            tries[0] += 1
            if tries[0] < 300:
                QTimer.singleShot(10, when_shown)
            else:
                problems.append(f"{name} did not show")
                done.append(True)
            return
        try:
            if isinstance(window, QWizard):
                problems.extend(wizard_clashes(name, window))
            else:
                problems.extend(clashes(name, collect(window)))
        finally:
            done.append(True)
            sweeper.start()

    def sweep() -> None:
        """Close what the opener showed, and whatever it shows next (a picker after the
        import dialog), until it returns."""
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
        env.qtbot.waitUntil(lambda: bool(done), timeout=8000)  # type: ignore[attr-defined]
        sweep()
    finally:
        sweeper.stop()
    return problems


def test_the_check_sees_a_clash(qtbot: QtBot) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    QGroupBox("&Volgorde en tijden", page)
    assert clashes("x", collect(page, ["&Volgende >"])) != []
    assert clashes("x", collect(page, ["< &Terug"])) == []
    assert mnemonic("Zoeken && vinden") is None and mnemonic("Op&slaan") == "s"


@pytest.mark.parametrize("name", SHOWN)
def test_no_mnemonic_clash_in_any_window(
        qtbot: QtBot, ctx: AppContext, world: object, make_window: Callable[..., MainWindow],
        tmp_path: Path, language: str, name: str) -> None:
    env = Env(qtbot, ctx, make_window(world.vault), world, tmp_path)  # type: ignore[attr-defined]
    problems = _look(env, name)
    assert not problems, "\n".join(problems)
