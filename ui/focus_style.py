"""A visible focus ring on every input (issue 18, point 5), as one application style sheet.

Several styles (Fusion among them) draw no focus ring at all on a multi-line field or a
list, and only a faint one on a line edit, so a keyboard user could not see where typing
would go. The sheet gives every kind of input a 2-pixel ring in the palette's highlight
colour while it has the focus: the system's own choice in a high-contrast theme, Fusion's
blue on a light window, and in a dark scheme a light yellow that stands out on dark grey
(both well above WCAG's 3:1 for non-text). Unfocused, the same inputs keep a 1-pixel frame
plus 1 pixel of padding, so the ring takes no more room and nothing moves when the focus
does.

:data:`INPUT_CLASSES` lists every input class the program uses (a test reads ``ui/`` for
inputs made or subclassed and fails on one without a ``:focus`` rule here).
:func:`install` sets the sheet on the application (``ui.main.run_gui``), after any sheet
already set, and again when the colour scheme changes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from app.resources import resource_path
from ui import a11y

#: Inputs drawn with a frame: the ring replaces the frame while focused.
FRAMED = ("QLineEdit", "QTextEdit", "QPlainTextEdit", "QTextBrowser", "QComboBox",
          "QAbstractSpinBox", "QSpinBox", "QDoubleSpinBox", "QDateEdit", "QTimeEdit",
          "QDateTimeEdit", "QListView", "QListWidget", "QTableView", "QTableWidget",
          "QTreeView", "QTreeWidget")
#: Inputs without a frame of their own (a box or circle and its text): the ring goes round
#: the whole control.
UNFRAMED = ("QCheckBox", "QRadioButton", "QSlider")
#: Every input class that gets a ring (what the test checks against ``ui/``).
INPUT_CLASSES = FRAMED + UNFRAMED + ("QCalendarWidget",)

#: The ring's width in pixels (WCAG 2.4.11/2.4.13 ask for at least 2 CSS pixels).
RING = 2
#: The ring's colour in a dark scheme (Fusion's dark highlight is too close to its window).
DARK_RING = "#ffd54f"


def ring_colour() -> str:
    """The ring's colour as style sheet text: the palette's highlight (the user's or the
    high-contrast theme's choice), or a light yellow in a dark scheme."""
    return DARK_RING if a11y.is_dark() else "palette(highlight)"


def style_sheet(colour: str | None = None) -> str:
    """The focus rules for every input in :data:`INPUT_CLASSES`."""
    colour = colour or ring_colour()
    framed = ", ".join(FRAMED)
    framed_focus = ", ".join(f"{c}:focus" for c in FRAMED)
    unframed = ", ".join(UNFRAMED)
    unframed_focus = ", ".join(f"{c}:focus" for c in UNFRAMED)
    return (
        f"/* casuskamer focus ring */\n"
        f"{framed} {{ border: 1px solid palette(mid); padding: 1px; }}\n"
        f"{framed_focus} {{ border: {RING}px solid {colour}; padding: 0px; }}\n"
        f"{unframed} {{ border: {RING}px solid transparent; border-radius: 3px; }}\n"
        f"{unframed_focus} {{ border: {RING}px solid {colour}; }}\n"
        f"QCalendarWidget:focus {{ border: {RING}px solid {colour}; }}\n"
        # A spin box with a frame of the sheet's draws its arrows from the sheet too
        "QAbstractSpinBox::up-button, QAbstractSpinBox::down-button "
        "{ width: 16px; border: none; }\n"
        f"QAbstractSpinBox::up-arrow {{ image: url({_icon('spin-up.svg')}); "
        "width: 9px; height: 6px; }\n"
        f"QAbstractSpinBox::down-arrow {{ image: url({_icon('spin-down.svg')}); "
        "width: 9px; height: 6px; }\n"
    )


MARK = "/* casuskamer focus ring */"


def _icon(name: str) -> str:
    """An icon's path as a style sheet's url() takes it (forward slashes on Windows too)."""
    return resource_path("icons", name).as_posix()


def install(app: QApplication) -> None:
    """Put the focus rules on the application, after whatever sheet it has (replacing an
    earlier copy of ours), and again when the colour scheme changes."""
    current = app.styleSheet()
    if MARK in current:
        current = current[:current.index(MARK)]
    app.setStyleSheet(current + style_sheet())
    if not app.property("casuskamer_focus_ring"):
        app.setProperty("casuskamer_focus_ring", True)
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: install(app))
