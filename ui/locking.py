"""The lock protocol between the shell and every screen or dialog.

A screen, wizard or dialog may implement either or both of:

``save_draft() -> None``
    Save what the user half filled in as a draft *in the vault* (through a service), so it
    comes back after unlocking. Called first, while the vault is still open.
``clear() -> None``
    Drop every piece of personal data the object holds (models, texts, caches). Called after
    all drafts are saved, just before the vault closes.

The shell finds these on every widget of the workspace and on every other window of the
program (dialogs, the meeting-room screen), saves the drafts, drops the key, and then clears
and closes those windows, clears the clipboard if the program put something there and
destroys the workspace. Each object's step runs on its own: one that fails cannot stop the
others, and its failure is reported only after the lock is complete (as a scrubbed report:
type and frames, no message, no values), never by a dialog that would hold the lock up with
data on screen. ``clear`` is called only where *our* code defines it: Qt's own ``QLineEdit.clear``
and friends do not count as taking part (the widgets are destroyed anyway).

The lock key (Ctrl+L) works in every window of the program, modal or not, through one
application-wide key filter (:class:`LockKeys`), installed by the main window while a vault
is open: a window shortcut works only in its own window, and a modal dialog (a message box,
a file picker, a wizard run with ``exec()``) shadows even an application shortcut. The lock
it starts is deferred to the event loop, so the widget that received the key is not
destroyed under its own key handler. A lock that comes while code waits in a modal loop
closes that dialog as "cancelled"; when the loop returns, the code after it finds the vault
locked (:func:`is_locked`), and ``ui.dialogs`` shows no further question or message for the
session that ended (a question counts as cancelled).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterable
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QCoreApplication, QEvent, QKeyCombination, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QWidget


@runtime_checkable
class DraftHolder(Protocol):
    def save_draft(self) -> None: ...


@runtime_checkable
class Clearable(Protocol):
    def clear(self) -> None: ...


def _defined_by_us(obj: object, name: str) -> bool:
    """True when ``name`` is implemented in Python code of ours, not inherited from Qt."""
    for cls in type(obj).__mro__:
        if name in vars(cls):
            return not cls.__module__.startswith(("PySide6", "shiboken6"))
    return False


def takes_part(obj: object, name: str) -> bool:
    return callable(getattr(obj, name, None)) and _defined_by_us(obj, name)


def other_windows(main: QWidget) -> list[QWidget]:
    """Every window of the program other than ``main`` (dialogs, wizards, second screens)."""
    return [w for w in QApplication.topLevelWidgets()
            if w is not main and w.isWindow() and w.isVisible()]


def participants(roots: Iterable[QObject]) -> list[QObject]:
    """Each root and its descendants, outermost first, without duplicates."""
    seen: set[int] = set()
    found: list[QObject] = []
    for root in roots:
        for obj in [root, *root.findChildren(QObject)]:
            if id(obj) not in seen:
                seen.add(id(obj))
                found.append(obj)
    return found


class LockStepFailed(Exception):
    """A screen's draft or clear step failed during a lock; the message is the scrubbed
    report (type and frames of the original error, no message, no values)."""


#: Set by the crash handler (``ui.crash.install``): takes a scrubbed report. Without it the
#: report goes to ``sys.excepthook`` as a :class:`LockStepFailed` without a traceback.
failure_reporter: Callable[[str], None] | None = None
_pending: list[str] = []


def _scrubbed(exc: BaseException) -> str:
    """Type and frames only; the traceback (whose frames hold widgets and their data) is
    dropped here, so nothing of it outlives the lock."""
    lines = ["Traceback (most recent call last):"]
    for frame in traceback.extract_tb(exc.__traceback__):
        lines.append(f"  in {frame.name}, line {frame.lineno}")
    lines.append(f"{type(exc).__module__}.{type(exc).__qualname__} (during a lock)")
    return "\n".join(lines)


def _run_step(obj: QObject, name: str) -> bool:
    try:
        getattr(obj, name)()
        return True
    except Exception as exc:  # noqa: BLE001 - reported after the lock, and locking goes on
        _pending.append(_scrubbed(exc))
        del exc
        return False


def save_drafts(objects: Iterable[QObject]) -> int:
    """Ask each taking part to save its draft; one failing must not stop the lock."""
    return sum(1 for obj in objects
               if takes_part(obj, "save_draft") and _run_step(obj, "save_draft"))


def clear_all(objects: Iterable[QObject]) -> None:
    """Ask each taking part to drop its data; one failing must not stop the others."""
    for obj in objects:
        if takes_part(obj, "clear"):
            _run_step(obj, "clear")


def report_failures_later() -> None:
    """Report the failures of this lock once it is complete (from the event loop)."""
    if not _pending:
        return
    reports, _pending[:] = list(_pending), []

    def report() -> None:
        for text in reports:
            if failure_reporter is not None:
                failure_reporter(text)
            else:
                sys.excepthook(LockStepFailed, LockStepFailed(text), None)

    QTimer.singleShot(0, report)


def close_windows(windows: Iterable[QWidget]) -> None:
    """Close dialogs (ending any modal loop as "cancelled") and other windows.

    Dialogs and parentless windows are destroyed too; popups (an open menu, a tooltip) are
    only closed, since they belong to widgets that live on.
    """
    for window in windows:
        try:
            popup = window.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip)
            if isinstance(window, QDialog):
                window.reject()
            if window.isVisible():
                window.close()
            if window.isVisible():
                # It refused (a "close without saving?" that may not ask now): hidden all
                # the same, which also ends a modal loop it runs in.
                window.hide()
        except Exception as exc:  # noqa: BLE001 - the window is destroyed all the same
            _pending.append(_scrubbed(exc))
            del exc
            popup = False
        if not popup and (isinstance(window, QDialog) or window.parent() is None):
            window.deleteLater()


# -- locked or not, and the lock key in every window -------------------------------------------

_locked = False


def note_locked() -> None:
    """The main window locked: the session's windows are gone (see :func:`is_locked`)."""
    global _locked
    _locked = True


def note_unlocked() -> None:
    global _locked
    _locked = False


def is_locked() -> bool:
    """True from a lock until the next unlock. Code that waited in a modal loop (a message
    box, a picker, a dialog run with ``exec()``) checks this when the loop returns: the lock
    closed the dialog, cleared the screens and dropped the key meanwhile."""
    return _locked


_MODIFIER_KEYS = frozenset({Qt.Key.Key_Control, Qt.Key.Key_Shift, Qt.Key.Key_Alt,
                            Qt.Key.Key_Meta, Qt.Key.Key_AltGr, Qt.Key.Key_unknown})


class LockKeys(QObject):
    """The lock key in any window of the program: an application-wide event filter.

    It takes the key's ``ShortcutOverride`` (so no shortcut of any window, and no modal
    dialog's shadow, gets in between) and its ``KeyPress``, and starts ``lock`` from the event
    loop (a zero timer), not inside the key handler of a widget the lock destroys. Only while
    ``active()`` (a vault is open); other keys pass untouched.
    """

    def __init__(self, sequence: QKeySequence, lock: Callable[[], None],
                 active: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sequence = QKeySequence(sequence)
        self._lock = lock
        self._active = active
        self._pending = False
        self._installed = False

    def start(self) -> None:
        app = QCoreApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True

    def stop(self) -> None:
        app = QCoreApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def matches(self, event: QKeyEvent) -> bool:
        key = event.key()
        if self.sequence.isEmpty() or key in _MODIFIER_KEYS or key == 0:
            return False
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        pressed = QKeySequence(QKeyCombination(modifiers, Qt.Key(key)))
        return pressed.matches(self.sequence) == QKeySequence.SequenceMatch.ExactMatch

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if not isinstance(event, QKeyEvent) or not self.matches(event) or not self._active():
            return False
        event.accept()
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self, self._fire)
        return True

    def _fire(self) -> None:
        self._pending = False
        if self._active():
            self._lock()
