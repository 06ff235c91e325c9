"""Every copy out of the program goes through one guard (issue 25, point 1; issue 21, point 3).

**The guard** (:class:`ClipboardGuard`), like KeePassXC's ``gui/Clipboard.cpp``: the copy is
marked as secret for clipboard managers, cleared after 10 seconds, and cleared on lock and
quit, but in every case only if the clipboard still holds what we put there (the user may
have copied something of their own since). The marks, per platform
(:func:`secret_formats`, the platform from ``app.platform.current_platform``):

* Windows: ``ExcludeClipboardContentFromMonitorProcessing`` (clipboard monitors and history
  leave it alone), ``CanIncludeInClipboardHistory`` = DWORD 0 (not in Win+V history) and
  ``CanUploadToCloudClipboard`` = DWORD 0 (not synced to other devices), as password
  managers set them; Qt passes ``application/x-qt-windows-mime;value="NAME"`` on as the
  registered clipboard format NAME.
* macOS: ``org.nspasteboard.ConcealedType`` (the nspasteboard.org convention clipboard
  managers honour). Qt would put an unknown MIME type on the pasteboard as
  ``com.trolltech.anymime.…``, so a small converter (:func:`_install_mac_converter`, Qt's
  ``QUtiMimeConverter`` where this Qt offers it) maps ``application/x-nspasteboard-concealed-
  type`` to that pasteboard type. Where it does not, the copy is still cleared after 10 s.
* Linux: ``x-kde-passwordManagerHint`` = ``secret`` (Klipper, and the managers that copied
  its convention).

**Every route out** goes through it, through one application-wide event filter
(:class:`CopyFilter`), installed by the main window, so a new screen is covered without anyone
remembering to:

* the copy and cut keys (``QKeySequence.Copy``/``Cut``: Ctrl+C, Ctrl+Insert, Ctrl+X,
  Shift+Del) in any table, list or tree (the current cell's text, as Qt itself would copy
  it), text field, text area, spin or combo box, and selectable label: the filter takes the
  key and copies the selection through the guard instead;
* the standard context menus of text fields, text areas and selectable labels: their Copy
  and Cut go through the guard (the menu is otherwise Qt's own);
* drag and drop: no view lets a row be dragged out (``setDragEnabled(False)`` on every item
  view and text field as it is polished), and a left press in a label or text area first drops
  its selection, so dragging only selects and never carries text to another program;
* the X11 primary selection (selecting text puts it there, for a middle click elsewhere):
  the guard empties it as soon as the program owns it;
* anything else of ours that puts text on the clipboard (a route not thought of): the guard
  sees the clipboard change while the program owns it and marks, times and audits it too.

Each copy by the filter is audited through ``app.services.clipboard_log.record_copy``: the
kind of field (the window's class, the view's object name, the column) and the case number
when the copy comes from a case's window; never the value. The case screen's "Copy BSN" and
"Copy address" are audited by their own service (``subject.copy``); a handout's password
(``ui.plan.handouts_dialog``) is a password, not personal data, and is not audited.

A screen finds the program's guard with :func:`guard_for`, up its parent chain (the main
window offers it as ``clipboard_guard``), so that the shell's lock clears what it copied.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QClipboard, QContextMenuEvent, QGuiApplication, QKeyEvent
from PySide6.QtGui import QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from app.i18n import _
from app.platform import Platform, current_platform
from app.services import clipboard_log
from app.vault.vault import OpenVault

log = logging.getLogger(__name__)

CLEAR_AFTER_MS = 10_000
SECRET_HINT_MIME = "x-kde-passwordManagerHint"
#: how Qt names a Windows clipboard format that is not a MIME type
WINDOWS_FORMAT = 'application/x-qt-windows-mime;value="{}"'
#: the MIME type our macOS converter puts on the pasteboard as ``org.nspasteboard.ConcealedType``
MAC_CONCEALED_MIME = "application/x-nspasteboard-concealed-type"
MAC_CONCEALED_UTI = "org.nspasteboard.ConcealedType"
_DWORD_0 = (0).to_bytes(4, "little")
_DWORD_1 = (1).to_bytes(4, "little")


def secret_formats(platform: Platform | None = None) -> dict[str, bytes]:
    """The extra formats that mark a copy as secret on ``platform`` (default: this one)."""
    platform = platform or current_platform()
    if platform == "windows":
        return {
            WINDOWS_FORMAT.format("ExcludeClipboardContentFromMonitorProcessing"): _DWORD_1,
            WINDOWS_FORMAT.format("CanIncludeInClipboardHistory"): _DWORD_0,
            WINDOWS_FORMAT.format("CanUploadToCloudClipboard"): _DWORD_0,
        }
    if platform == "macos":
        return {MAC_CONCEALED_MIME: b"1"}
    return {SECRET_HINT_MIME: b"secret"}


def secret_mime_data(text: str, platform: Platform | None = None) -> QMimeData:
    """``text`` as clipboard data, marked secret for ``platform``'s clipboard managers."""
    data = QMimeData()
    data.setText(text)
    for name, value in secret_formats(platform).items():
        data.setData(name, value)
    return data


_mac_converter: object | None = None


def _install_mac_converter() -> None:
    """On macOS, put :data:`MAC_CONCEALED_MIME` on the pasteboard as the concealed type
    (once; nothing where this Qt has no ``QUtiMimeConverter``, e.g. on Linux and Windows)."""
    global _mac_converter
    if _mac_converter is not None or current_platform() != "macos":
        return
    from PySide6 import QtGui

    base = getattr(QtGui, "QUtiMimeConverter", None)
    if base is None:
        log.debug("no QUtiMimeConverter: the concealed mark goes out under Qt's own name")
        _mac_converter = False
        return

    class Concealed(base):  # type: ignore[misc,valid-type]
        def canConvert(self, mime: str, uti: str) -> bool:  # noqa: N802
            return mime == MAC_CONCEALED_MIME and uti == MAC_CONCEALED_UTI

        def mimeForUti(self, uti: str) -> str:  # noqa: N802
            return MAC_CONCEALED_MIME if uti == MAC_CONCEALED_UTI else ""

        def utiForMime(self, mime: str) -> str:  # noqa: N802
            return MAC_CONCEALED_UTI if mime == MAC_CONCEALED_MIME else ""

        def convertToMime(self, mime: str, data: list[Any], uti: str) -> Any:  # noqa: N802
            return bytes(data[0]) if data else b""

        def convertFromMime(self, mime: str, data: Any, uti: str) -> list[Any]:  # noqa: N802
            return [data]

    _mac_converter = Concealed()


@dataclass(frozen=True)
class CopySource:
    """Where a copy came from, for its audit row: the kind of field and the case, never the
    value. ``field`` holds only letters, digits and ``_ . : / -``."""

    field: str
    case: str | None = None


#: Writes the audit row of one copy (set by the shell while a vault is open).
Auditor = Callable[[CopySource], None]


class ClipboardGuard(QObject):
    """Remembers what the program copied and clears it when asked or when time runs out."""

    #: what the program copied is no longer on the clipboard (cleared, or replaced by the user)
    cleared = Signal()

    def __init__(self, parent: QObject | None = None, clear_after_ms: int = CLEAR_AFTER_MS
                 ) -> None:
        super().__init__(parent)
        self._ours: str | None = None
        self._setting = False
        #: writes the audit row of a copy with a source (the shell sets it); None: no row
        self.auditor: Auditor | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(clear_after_ms)
        self._timer.timeout.connect(self.clear_if_ours)
        _install_mac_converter()
        if QGuiApplication.instance() is not None:
            clipboard = QGuiApplication.clipboard()
            clipboard.dataChanged.connect(self._clipboard_changed)
            clipboard.selectionChanged.connect(self._selection_changed)

    @property
    def holds_ours(self) -> bool:
        return self._ours is not None

    @property
    def clear_after_ms(self) -> int:
        return self._timer.interval()

    def set_clear_after_ms(self, ms: int) -> None:
        self._timer.setInterval(ms)

    def copy_sensitive(self, text: str, source: CopySource | None = None) -> None:
        """Put ``text`` on the clipboard marked secret, to be cleared after the time and at a
        lock; with a ``source``, write its audit row (kind of field and case, no value)."""
        data = secret_mime_data(text)
        self._setting = True
        try:
            QGuiApplication.clipboard().setMimeData(data, QClipboard.Mode.Clipboard)
        finally:
            self._setting = False
        self._ours = text
        self._timer.start()
        if source is not None and self.auditor is not None:
            try:
                self.auditor(source)
            except Exception as exc:  # noqa: BLE001 - a copy must not break on its audit row
                log.warning("the copy's audit row was not written: %s", type(exc).__name__)

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

    # -- the safety net: whatever else of ours reaches the clipboard ------------------------

    def _owns(self, mode: QClipboard.Mode) -> bool:
        clipboard = QGuiApplication.clipboard()
        if mode == QClipboard.Mode.Selection:
            return clipboard.ownsSelection()
        return clipboard.ownsClipboard()

    def _clipboard_changed(self) -> None:
        """The clipboard changed: if this program put text there other than through
        :meth:`copy_sensitive` (a route the filter does not know), mark, time and audit it."""
        if self._setting or not self._owns(QClipboard.Mode.Clipboard):
            return
        clipboard = QGuiApplication.clipboard()
        data = clipboard.mimeData(QClipboard.Mode.Clipboard)
        if data is None or not data.hasText():
            return
        if all(data.hasFormat(name) for name in secret_formats()):
            return  # marked already
        focus = QApplication.focusWidget()
        source = describe_source(focus) if focus is not None else CopySource("other")
        text = data.text()
        QTimer.singleShot(0, self, lambda: self.copy_sensitive(text, source))

    def _selection_changed(self) -> None:
        """X11's primary selection: the program never offers what is selected in it."""
        clipboard = QGuiApplication.clipboard()
        if clipboard.supportsSelection() and self._owns(QClipboard.Mode.Selection):
            clipboard.clear(QClipboard.Mode.Selection)


def guard_for(widget: QWidget) -> ClipboardGuard:
    """The guard of the window ``widget`` belongs to: the nearest ancestor's
    ``clipboard_guard`` (the main window's), else the one of the program's copy filter, else
    one of ``widget``'s own (a screen shown on its own; it clears it in its ``clear``)."""
    ancestor: QWidget | None = widget
    while ancestor is not None:
        found = getattr(ancestor, "clipboard_guard", None)
        if isinstance(found, ClipboardGuard):
            return found
        ancestor = ancestor.parentWidget()
    installed = installed_filter()
    if installed is not None:
        return installed.guard
    own = widget.findChild(ClipboardGuard, "own_clipboard_guard",
                           Qt.FindChildOption.FindDirectChildrenOnly)
    if own is None:
        own = ClipboardGuard(widget)
        own.setObjectName("own_clipboard_guard")
    return own


# -- where a copy comes from -------------------------------------------------------------------

_SAFE = re.compile(r"[^A-Za-z0-9_.:/-]")


def _code(text: str) -> str:
    return _SAFE.sub("", text)[:60]


def case_of(widget: QWidget) -> str | None:
    """The case number of the case's window ``widget`` is in (its ``number``), else None."""
    ancestor: QWidget | None = widget
    while ancestor is not None:
        number = getattr(ancestor, "number", None)
        if isinstance(number, str) and number:
            return _code(number)
        ancestor = ancestor.parentWidget()
    return None


def describe_source(widget: QWidget, column: int | None = None) -> CopySource:
    """The kind of field ``widget`` is, for an audit row: ``Window/name[:column]``, made of
    class and object names only (the nearest named ancestor's when it has none)."""
    named: QWidget | None = widget
    while named is not None and not named.objectName():
        named = named.parentWidget()
    name = named.objectName() if named is not None else ""
    name = name or type(widget).__name__
    field = f"{type(widget.window()).__name__}/{name}"
    if column is not None:
        field += f":{column}"
    return CopySource(_code(field), case_of(widget))


# -- what each kind of widget would copy --------------------------------------------------------

def _text_widget(widget: QWidget) -> QWidget | None:
    """The widget whose text a copy key or context menu in ``widget`` is about (a spin or
    combo box's line edit, a text area for its viewport), or None when it holds none."""
    if isinstance(widget, (QAbstractSpinBox, QComboBox)):
        return widget.findChild(QLineEdit)
    parent = widget.parentWidget()
    if isinstance(parent, (QTextEdit, QPlainTextEdit)) and parent.viewport() is widget:
        return parent
    if isinstance(widget, QLabel):
        selectable = widget.textInteractionFlags() & (
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        return widget if selectable else None
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)):
        return widget
    return None


def selected_text(widget: QWidget) -> str:
    """What the copy key copies in ``widget`` (empty: nothing)."""
    if isinstance(widget, QLineEdit):
        if widget.echoMode() != QLineEdit.EchoMode.Normal:
            return ""  # a passphrase field: never copied
        return widget.selectedText()
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        return widget.textCursor().selectedText().replace("\u2029", "\n").replace(
            "\u2028", "\n")
    if isinstance(widget, QLabel):
        return widget.selectedText()
    return ""


def _remove_selection(widget: QWidget) -> None:
    """Cut's second half: take the selected text out of an editable field."""
    if isinstance(widget, QLineEdit) and not widget.isReadOnly():
        widget.del_()
    elif isinstance(widget, (QTextEdit, QPlainTextEdit)) and not widget.isReadOnly():
        cursor = widget.textCursor()
        cursor.removeSelectedText()
        widget.setTextCursor(cursor)


def _clear_selection(widget: QWidget) -> None:
    if isinstance(widget, QLabel) and widget.hasSelectedText():
        widget.setSelection(0, 0)
    elif isinstance(widget, (QTextEdit, QPlainTextEdit)) and widget.textCursor().hasSelection():
        cursor = widget.textCursor()
        cursor.clearSelection()
        widget.setTextCursor(cursor)


class CopyFilter(QObject):
    """The application-wide event filter that routes every copy through ``guard``."""

    def __init__(self, guard: ClipboardGuard, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.guard = guard

    # -- copying ---------------------------------------------------------------------------

    def copy_from(self, widget: QWidget, cut: bool = False) -> bool:
        """Copy what the copy key would copy in ``widget``, through the guard; True when
        something was copied."""
        if isinstance(widget, QAbstractItemView):
            index = widget.currentIndex()
            model = widget.model()
            if not index.isValid() or model is None:
                return False
            value = model.data(index, Qt.ItemDataRole.DisplayRole)
            text = "" if value is None else str(value)
            source = describe_source(widget, index.column())
        else:
            target = _text_widget(widget)
            if target is None:
                return False
            text = selected_text(target)
            source = describe_source(target)
        if not text:
            return False
        self.guard.copy_sensitive(text, source)
        if cut and not isinstance(widget, QAbstractItemView):
            target = _text_widget(widget)
            if target is not None:
                _remove_selection(target)
        return True

    @staticmethod
    def _handles(widget: QWidget) -> bool:
        if getattr(type(widget), "guards_own_copy", False):
            return False  # it copies through the guard itself (ui.plan.handouts_dialog)
        return isinstance(widget, QAbstractItemView) or _text_widget(widget) is not None

    def _copy_key(self, widget: QWidget, event: QKeyEvent) -> bool:
        copy = event.matches(QKeySequence.StandardKey.Copy)
        cut = not copy and event.matches(QKeySequence.StandardKey.Cut)
        if not (copy or cut) or not self._handles(widget):
            return False
        event.accept()
        if event.type() == QEvent.Type.KeyPress:
            self.copy_from(widget, cut=cut)
        return True

    # -- context menus ---------------------------------------------------------------------

    def _context_menu(self, widget: QWidget, event: QContextMenuEvent) -> bool:
        target = _text_widget(widget)
        if target is None or isinstance(widget, QAbstractItemView):
            return False
        owner = target if target is not widget and isinstance(target, QAbstractScrollArea) \
            else widget
        if owner.contextMenuPolicy() != Qt.ContextMenuPolicy.DefaultContextMenu:
            return False
        menu = self.menu_for(target)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(event.globalPos())
        event.accept()
        return True

    def menu_for(self, target: QWidget) -> QMenu:
        """The text widget's standard context menu with Copy and Cut through the guard (for
        a label, whose standard menu Qt keeps to itself: Copy and Select all)."""
        if isinstance(target, (QLineEdit, QTextEdit, QPlainTextEdit)):
            menu = target.createStandardContextMenu()
        else:
            menu = QMenu(target)
            copy = QAction(_("&Copy"), menu)
            copy.setObjectName("edit-copy")
            menu.addAction(copy)
            select_all = QAction(_("Select &all"), menu)
            select_all.setObjectName("select-all")
            assert isinstance(target, QLabel)
            select_all.triggered.connect(
                lambda: target.setSelection(0, len(target.text())))
            menu.addAction(select_all)
        has_text = bool(selected_text(target))
        for action in list(menu.actions()):
            name = action.objectName()
            if name not in ("edit-copy", "edit-cut"):
                continue
            ours = QAction(action.text(), menu)
            ours.setObjectName(name)
            ours.setShortcut(action.shortcut())
            ours.setEnabled(has_text and (name == "edit-copy" or action.isEnabled()))
            ours.triggered.connect(
                lambda _checked=False, cut=(name == "edit-cut"): self.copy_from(target, cut))
            menu.insertAction(action, ours)
            menu.removeAction(action)
        return menu

    # -- dragging ---------------------------------------------------------------------------

    @staticmethod
    def no_drag(widget: QWidget) -> None:
        """Rows and text are never dragged out of the program."""
        if isinstance(widget, (QAbstractItemView, QLineEdit)):
            widget.setDragEnabled(False)

    @staticmethod
    def _press(widget: QWidget, event: QMouseEvent) -> None:
        """A left press in a label or text area drops its selection first: dragging then
        selects anew instead of carrying the selected text out."""
        if event.button() != Qt.MouseButton.LeftButton or \
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            return
        target = _text_widget(widget)
        if isinstance(target, (QLabel, QTextEdit, QPlainTextEdit)):
            _clear_selection(target)

    # -- the filter ------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind not in _WATCHED or not isinstance(watched, QWidget):
            return False
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and \
                isinstance(event, QKeyEvent):
            return self._copy_key(watched, event)
        if kind == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent):
            return self._context_menu(watched, event)
        if kind == QEvent.Type.Polish:
            self.no_drag(watched)
        elif kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            self._press(watched, event)
        return False


_WATCHED = frozenset({QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress,
                      QEvent.Type.ContextMenu, QEvent.Type.Polish,
                      QEvent.Type.MouseButtonPress})
_installed: CopyFilter | None = None


def install_copy_filter(guard: ClipboardGuard, parent: QObject,
                        vault: Callable[[], OpenVault | None] | None = None) -> CopyFilter:
    """Route every copy of the program through ``guard`` (once per application; a new main
    window takes over), audited in the vault ``vault()`` returns while it is open. Widgets
    that exist already have their drags switched off now."""
    global _installed
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    previous = _installed
    if previous is not None and shiboken6.isValid(previous):
        app.removeEventFilter(previous)
    copy_filter = CopyFilter(guard, parent)
    app.installEventFilter(copy_filter)
    _installed = copy_filter
    if vault is not None:
        guard.auditor = lambda source: _audit(vault(), source)
    for window in QApplication.topLevelWidgets():
        for widget in [window, *window.findChildren(QWidget)]:
            CopyFilter.no_drag(widget)
    return copy_filter


def installed_filter() -> CopyFilter | None:
    """The program's copy filter, while its main window lives."""
    if _installed is not None and shiboken6.isValid(_installed):
        return _installed
    return None


def _audit(opened: OpenVault | None, source: CopySource) -> None:
    if opened is not None and opened.is_open:
        clipboard_log.record_copy(opened, source.field, source.case)


def context_menu_at(widget: QWidget, pos: QPoint | None = None) -> QContextMenuEvent:
    """A mouse context-menu event for ``widget`` (at ``pos``, else its middle), for tests
    and for keyboard users' Menu key alike."""
    where = pos if pos is not None else widget.rect().center()
    return QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where, widget.mapToGlobal(where))
