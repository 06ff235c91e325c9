"""Keyboard and screen-reader helpers every screen can use.

Qt gives a field its accessible name (what a screen reader says) from the label whose buddy it
is, but only when that label is the field's sibling and the buddy is the field itself. Many
forms wrap a field in a container (a field with its error line beneath it, a row of two
fields), so the label's buddy is the container: Alt+letter then focuses nothing and the
screen reader says nothing. ``tie_labels`` repairs that for a whole screen after it is
built; ``name`` gives a widget without a visible label (a table under a heading, a list) its
spoken name.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def spoken(text: str) -> str:
    """A label's text as a name: no mnemonic ampersand, no trailing colon, no markup."""
    plain = text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()
    return plain[:-1].rstrip() if plain.endswith(":") else plain


def focus_target(widget: QWidget) -> QWidget:
    """The widget that really takes the keyboard focus for ``widget``: its focus proxy, or,
    for a container that takes no focus itself, the first focusable widget inside it."""
    seen: set[int] = set()
    proxy = widget.focusProxy()
    while proxy is not None and id(widget) not in seen:
        seen.add(id(widget))
        widget = proxy
        proxy = widget.focusProxy()
    if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
        return widget
    for child in widget.findChildren(QWidget):
        if child.focusPolicy() & Qt.FocusPolicy.TabFocus and child.focusProxy() is None:
            return child
    return widget


def tie(label: QLabel, widget: QWidget) -> QLabel:
    """Make ``label`` the visible label of ``widget``: its buddy and its spoken name."""
    target = focus_target(widget)
    label.setBuddy(target)
    if not target.accessibleName():
        target.setAccessibleName(spoken(label.text()))
    return label


def tie_labels(root: QWidget) -> None:
    """Point every label in ``root`` that has a buddy at the field itself, and give that
    field the label's text as its accessible name when it has none."""
    for label in root.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None and label.text().strip():
            tie(label, buddy)


def name(widget: QWidget, text: str) -> QWidget:
    """Give ``widget`` a spoken name (for a table or list whose heading is not a label)."""
    widget.setAccessibleName(spoken(text))
    return widget


# -- colours that stay readable in the light and the dark scheme ---------------------------

def is_dark() -> bool:
    """Whether the program is drawn in a dark scheme (the system's choice, through Qt 6.5+
    ``QStyleHints.colorScheme``, or a dark palette chosen by the platform theme)."""
    from PySide6.QtGui import QGuiApplication, QPalette

    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    if app.styleHints().colorScheme() == Qt.ColorScheme.Dark:
        return True
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def error_colour() -> str:
    """Red for problems: dark red on a light window, light red on a dark one (both above
    4.5:1 contrast)."""
    return "#ff8a80" if is_dark() else "#b00020"


def warning_colour() -> str:
    return "#ffcc80" if is_dark() else "#8a5300"


def secondary_colour() -> str:
    """Grey for secondary text (a folder, a hint): Qt's ``mid`` grey is below 3:1 against
    the window in both schemes; these two are above 4.5:1."""
    return "#b0b0b0" if is_dark() else "#5f5f5f"


def secondary_style() -> str:
    return f"color: {secondary_colour()};"


def error_style(bold: bool = False) -> str:
    return f"color: {error_colour()};" + (" font-weight: bold;" if bold else "")


def warning_style() -> str:
    return f"color: {warning_colour()};"


#: A highlighted notice on its own light background: the text colour is fixed with it, so a
#: dark scheme (light text) does not put light text on the light box.
NOTICE_STYLE = ("background: #fff4ce; color: #1a1a1a; padding: 6px; border: 1px solid "
                "#c9a227; border-radius: 3px;")
