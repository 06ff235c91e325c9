"""Copying sensitive text (a BSN, an address) to the clipboard, and taking it back.

Like KeePassXC's ``gui/Clipboard.cpp``: the copy is marked as secret for clipboard managers
(``x-kde-passwordManagerHint``), cleared after a while, and cleared on lock and quit, but in
every case only if the clipboard still holds what we put there (the user may have copied
something of their own since).

A screen finds the program's guard with :func:`guard_for`, up its parent chain (the main
window offers it as ``clipboard_guard``), so that the shell's lock clears what it copied.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtWidgets import QWidget

CLEAR_AFTER_MS = 10_000
SECRET_HINT_MIME = "x-kde-passwordManagerHint"


class ClipboardGuard(QObject):
    """Remembers what the program copied and clears it when asked or when time runs out."""

    #: what the program copied is no longer on the clipboard (cleared, or replaced by the user)
    cleared = Signal()

    def __init__(self, parent: QObject | None = None, clear_after_ms: int = CLEAR_AFTER_MS
                 ) -> None:
        super().__init__(parent)
        self._ours: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(clear_after_ms)
        self._timer.timeout.connect(self.clear_if_ours)

    @property
    def holds_ours(self) -> bool:
        return self._ours is not None

    def copy_sensitive(self, text: str) -> None:
        data = QMimeData()
        data.setText(text)
        data.setData(SECRET_HINT_MIME, b"secret")
        QGuiApplication.clipboard().setMimeData(data, QClipboard.Mode.Clipboard)
        self._ours = text
        self._timer.start()

    def clear_if_ours(self) -> None:
        self._timer.stop()
        if self._ours is None:
            return
        clipboard = QGuiApplication.clipboard()
        if clipboard.text(QClipboard.Mode.Clipboard) == self._ours:
            clipboard.clear(QClipboard.Mode.Clipboard)
        if clipboard.supportsSelection() and \
                clipboard.text(QClipboard.Mode.Selection) == self._ours:
            clipboard.clear(QClipboard.Mode.Selection)
        self._ours = None
        self.cleared.emit()


def guard_for(widget: QWidget) -> ClipboardGuard:
    """The guard of the window ``widget`` belongs to: the nearest ancestor's
    ``clipboard_guard`` (the main window's), else one of ``widget``'s own (a screen shown on
    its own; it clears it in its ``clear``)."""
    ancestor: QWidget | None = widget
    while ancestor is not None:
        found = getattr(ancestor, "clipboard_guard", None)
        if isinstance(found, ClipboardGuard):
            return found
        ancestor = ancestor.parentWidget()
    own = widget.findChild(ClipboardGuard, "own_clipboard_guard",
                           Qt.FindChildOption.FindDirectChildrenOnly)
    if own is None:
        own = ClipboardGuard(widget)
        own.setObjectName("own_clipboard_guard")
    return own
