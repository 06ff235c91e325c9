"""Every question and message box the program shows, and every file picker, goes through here.

This is the test seam (like KeePassXC's ``MessageBox::setNextAnswer``): a test says what the
user will answer before the code asks, and the box is never shown::

    with dialogs.scripted(True, Path("/tmp/plan.pdf")) as script:
        screen.export_button.click()
    assert script.shown[0].kind == "confirm"

Inside ``scripted``, ``confirm`` and the pickers take the next scripted answer (a test that
forgot one fails loudly instead of hanging on a modal box), and ``inform``/``warn``/``error``
only record what would have been shown. Outside it, real Qt dialogs are used.

File pickers are Qt's own (not the desktop's): a GTK picker adds every chosen file to the
desktop's "recently used" list, outside our control. Qt's picker in turn writes the folders
it visited to its own settings file (``QtProject.conf``); a folder may be named after a
family, so those entries are removed after every picker (:func:`_forget_visited`).

After a lock (``ui.locking.is_locked``) nothing of the ended session is shown: a question,
message or picker asked for a window (code that waited in a modal loop the lock closed, or a
window asking while it closes) is not shown; a question counts as cancelled. Parentless
messages (the crash handler's report) still show.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from app.i18n import _
from ui import locking


@dataclass(frozen=True)
class Shown:
    """One dialog the code asked for: its kind, title and text (for tests to check)."""

    kind: str
    title: str
    text: str


@dataclass
class Script:
    answers: deque[Any] = field(default_factory=deque)
    shown: list[Shown] = field(default_factory=list)

    def next_answer(self, kind: str) -> Any:
        if not self.answers:
            raise AssertionError(f"dialogs: no scripted answer for a {kind} dialog")
        return self.answers.popleft()


_script: Script | None = None


@contextmanager
def scripted(*answers: Any) -> Iterator[Script]:
    """Answer the next dialogs with ``answers`` (in order) and record every dialog asked for."""
    global _script
    previous = _script
    _script = Script(deque(answers))
    try:
        yield _script
    finally:
        _script = previous


def set_next_answer(answer: Any) -> None:
    """Queue one more answer in the running script (starting one if there is none)."""
    global _script
    if _script is None:
        _script = Script()
    _script.answers.append(answer)


def reset() -> None:
    """Forget any script (tests call this in teardown)."""
    global _script
    _script = None


def _record(kind: str, title: str, text: str) -> Script | None:
    if _script is not None:
        _script.shown.append(Shown(kind, title, text))
    return _script


def _session_ended(parent: QWidget | None) -> bool:
    """A window of a session that a lock ended asks something: show nothing."""
    return parent is not None and locking.is_locked()


# -- questions -------------------------------------------------------------------------------

def confirm(parent: QWidget | None, title: str, text: str, *, yes_label: str | None = None,
            destructive: bool = False, no_label: str | None = None) -> bool:
    """Ask a yes/no question; ``yes_label`` names the action ("Intrekken"), never just "OK";
    ``no_label`` replaces "Cancel" where the question is a plain yes or no ("Nee").

    ``destructive`` makes "Cancel" the default button, so Enter does not destroy anything.
    """
    script = _record("confirm", title, text)
    if script is not None:
        return bool(script.next_answer("confirm"))
    if _session_ended(parent):
        return False
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    yes = box.addButton(yes_label or _("Yes"), QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton(QMessageBox.StandardButton.Cancel)
    if no_label:
        no.setText(no_label)
    box.setDefaultButton(no if destructive else yes)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes


#: the answers of :func:`ask_to_save`
SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def ask_to_save(parent: QWidget | None, title: str, text: str) -> str:
    """Closing with changes: "Opslaan" / "Niet opslaan" / "Annuleren" (:data:`SAVE`,
    :data:`DISCARD` or :data:`CANCEL`). Save is the default; Escape cancels. Scripted, the
    answer is one of those three words."""
    script = _record("save_changes", title, text)
    if script is not None:
        answer = str(script.next_answer("save_changes"))
        if answer not in (SAVE, DISCARD, CANCEL):
            raise AssertionError(f"dialogs: {answer!r} is not save, discard or cancel")
        return answer
    if _session_ended(parent):
        return CANCEL
    buttons = QMessageBox.StandardButton
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      buttons.Save | buttons.Discard | buttons.Cancel, parent)
    # our words, so every window says the same three whatever Qt's catalogue has
    box.button(buttons.Save).setText(_("&Save"))
    box.button(buttons.Discard).setText(_("Do&n't save"))
    box.button(buttons.Cancel).setText(_("Cancel"))
    box.setDefaultButton(buttons.Save)
    box.setEscapeButton(buttons.Cancel)
    clicked = box.exec()
    return {buttons.Save.value: SAVE, buttons.Discard.value: DISCARD}.get(int(clicked), CANCEL)


def choose(parent: QWidget | None, title: str, label: str, options: list[str]) -> str | None:
    """Let the user pick one of ``options`` (shown as given); None when cancelled or when
    there is nothing to choose from. Scripted, the answer is the option itself (or None)."""
    script = _record("choose", title, label)
    if script is not None:
        answer = script.next_answer("choose")
        if answer is not None and answer not in options:
            raise AssertionError(f"dialogs: scripted choice {answer!r} is not an option")
        return answer if answer is None else str(answer)
    if not options or _session_ended(parent):
        return None
    chosen, ok = QInputDialog.getItem(parent, title, label, options, 0, False)
    return chosen if ok and chosen in options else None


# -- messages --------------------------------------------------------------------------------

def _message(kind: str, icon: QMessageBox.Icon, parent: QWidget | None, title: str, text: str,
             details: str = "") -> None:
    if _record(kind, title, text) is not None or _session_ended(parent):
        return
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setDetailedText(details)
    box.exec()


def inform(parent: QWidget | None, title: str, text: str) -> None:
    _message("inform", QMessageBox.Icon.Information, parent, title, text)


def warn(parent: QWidget | None, title: str, text: str) -> None:
    _message("warn", QMessageBox.Icon.Warning, parent, title, text)


def error(parent: QWidget | None, title: str, text: str, details: str = "") -> None:
    _message("error", QMessageBox.Icon.Critical, parent, title, text, details)


# -- file pickers ----------------------------------------------------------------------------

def _path_or_none(value: Any) -> Path | None:
    return Path(value) if value else None


#: Qt's picker, never the desktop's (see the module's docstring)
_PICKER = QFileDialog.Option.DontUseNativeDialog


def _forget_visited() -> None:
    """Remove the folders Qt's file picker remembered in its settings file."""
    settings = QSettings(QSettings.Scope.UserScope, "QtProject")
    settings.beginGroup("FileDialog")
    for key in ("history", "lastVisited"):
        settings.remove(key)
    settings.endGroup()
    settings.sync()


def choose_folder(parent: QWidget | None, title: str, start: Path | None = None) -> Path | None:
    script = _record("folder", title, str(start or ""))
    if script is not None:
        return _path_or_none(script.next_answer("folder"))
    if _session_ended(parent):
        return None
    chosen = QFileDialog.getExistingDirectory(
        parent, title, str(start or ""), QFileDialog.Option.ShowDirsOnly | _PICKER)
    _forget_visited()
    return _path_or_none(chosen)


def open_file(parent: QWidget | None, title: str, start: Path | None = None,
              file_filter: str = "") -> Path | None:
    script = _record("open", title, str(start or ""))
    if script is not None:
        return _path_or_none(script.next_answer("open"))
    if _session_ended(parent):
        return None
    chosen, _selected = QFileDialog.getOpenFileName(parent, title, str(start or ""), file_filter,
                                                    options=_PICKER)
    _forget_visited()
    return _path_or_none(chosen)


def save_file(parent: QWidget | None, title: str, suggested: Path | None = None,
              file_filter: str = "") -> Path | None:
    script = _record("save", title, str(suggested or ""))
    if script is not None:
        return _path_or_none(script.next_answer("save"))
    if _session_ended(parent):
        return None
    chosen, _selected = QFileDialog.getSaveFileName(parent, title, str(suggested or ""),
                                                    file_filter, options=_PICKER)
    _forget_visited()
    return _path_or_none(chosen)
