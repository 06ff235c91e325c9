"""The lock protocol between the shell and every screen or dialog.

A screen, wizard or dialog may implement either or both of:

``save_draft() -> None``
    Save what the user half filled in as a draft *in the vault* (through a service), so it
    comes back after unlocking. Called first, while the vault is still open.
``clear() -> None``
    Drop every piece of personal data the object holds (models, texts, caches). Called after
    all drafts are saved, just before the vault closes.

The shell finds these on every widget of the workspace and on every other window of the
program (dialogs, the meeting-room screen), calls them, closes those windows, clears the
clipboard if the program put something there, destroys the workspace and only then locks
the vault. ``clear`` is called only where *our* code defines it: Qt's own ``QLineEdit.clear``
and friends do not count as taking part (the widgets are destroyed anyway).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QObject, Qt
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


def save_drafts(objects: Iterable[QObject]) -> int:
    """Ask each taking part to save its draft; one failing must not stop the lock."""
    saved = 0
    for obj in objects:
        if takes_part(obj, "save_draft"):
            try:
                obj.save_draft()  # type: ignore[attr-defined]
                saved += 1
            except Exception:  # noqa: BLE001 - reported, and locking goes on
                sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    return saved


def clear_all(objects: Iterable[QObject]) -> None:
    for obj in objects:
        if takes_part(obj, "clear"):
            try:
                obj.clear()  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - reported, and locking goes on
                sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]


def close_windows(windows: Iterable[QWidget]) -> None:
    """Close dialogs (ending any modal loop as "cancelled") and other windows.

    Dialogs and parentless windows are destroyed too; popups (an open menu, a tooltip) are
    only closed, since they belong to widgets that live on.
    """
    for window in windows:
        popup = window.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip)
        if isinstance(window, QDialog):
            window.reject()
        if window.isVisible():
            window.close()
        if not popup and (isinstance(window, QDialog) or window.parent() is None):
            window.deleteLater()
