"""Issue 18, point 5: a visible focus ring on every input, multi-line fields included.

The application style sheet (ui.focus_style, installed by ui.main.run_gui) must have a
``:focus`` rule for every kind of input the program makes or subclasses in ui/, and the
ring must really be drawn under the Fusion style, in a light and in a high-contrast scheme,
while the same field without the focus shows none. On the old code (HEAD 303c06b) there was
no application style sheet at all: a focused QPlainTextEdit looked exactly like one without
the focus."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QSpinBox,
    QStyleFactory,
    QTableWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
import PySide6.QtWidgets as widgets

from ui import focus_style

UI = Path(__file__).resolve().parents[2] / "ui"
INPUT_BASES = (QLineEdit, QTextEdit, QPlainTextEdit, QComboBox, QAbstractSpinBox,
               QAbstractItemView, QAbstractSlider, QCalendarWidget)


def _is_input(cls: type) -> bool:
    if issubclass(cls, QHeaderView):
        return False                      # a table's header, not an input of its own
    if issubclass(cls, QAbstractButton):
        return issubclass(cls, (QCheckBox, widgets.QRadioButton))
    return issubclass(cls, INPUT_BASES)


def inputs_in_ui() -> set[str]:
    """Every Qt input class the program's ui/ makes (``QLineEdit(``) or subclasses
    (``class X(QPlainTextEdit)``)."""
    found: set[str] = set()
    for path in UI.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in re.findall(r"\b(Q[A-Z]\w+)\(", text) + re.findall(
                r"class \w+\(([^)]*)\)", text):
            for part in re.findall(r"Q[A-Z]\w+", name):
                cls = getattr(widgets, part, None)
                if isinstance(cls, type) and issubclass(cls, QWidget) and _is_input(cls):
                    found.add(part)
    return found


def test_the_sheet_has_a_focus_rule_for_every_input_class_in_ui() -> None:
    found = inputs_in_ui()
    # the kinds the issue names are among them, multi-line fields included (the program's
    # date field, ui.date_edit.DateEdit, is a QLineEdit with a calendar)
    assert {"QLineEdit", "QPlainTextEdit", "QComboBox", "QSpinBox", "QTableView",
            "QListWidget", "QCheckBox"} <= found
    sheet = focus_style.style_sheet()
    missing = sorted(name for name in found
                     if not re.search(rf"(?<![\w]){name}:focus\b", sheet))
    assert not missing, f"inputs without a :focus rule: {missing}"


# -- drawn under Fusion, in a light and a high-contrast scheme --------------------------------

def _light() -> QPalette:
    return QStyleFactory.create("Fusion").standardPalette()


def _high_contrast() -> QPalette:
    """White on black with a yellow highlight, as a high-contrast desktop theme gives."""
    palette = QPalette()
    black, white = QColor("#000000"), QColor("#ffffff")
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base,
                 QPalette.ColorRole.Button, QPalette.ColorRole.AlternateBase):
        palette.setColor(role, black)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText, QPalette.ColorRole.Mid):
        palette.setColor(role, white)
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#ffff00"))
    palette.setColor(QPalette.ColorRole.HighlightedText, black)
    return palette


def _luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF()))


# The drawing is checked in a process of its own: it replaces the application's style, palette
# and style sheet, which repolishes every widget still alive in the process. In the shared
# test process (pytest-xdist runs whole files one after another in two workers) that once
# crashed a CI run inside QApplication.setStyleSheet, on widgets earlier tests had left.

def _ring_pixel(widget: QWidget) -> QColor:
    image = widget.grab().toImage()
    return image.pixelColor(0, image.height() // 2)


def _wait(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the field did not take the focus")
        QGuiApplication.processEvents()
        time.sleep(0.01)


def draw_rings(scheme: str) -> dict[str, object]:
    """In this (fresh) process: Fusion, the scheme's palette, the program's sheet installed
    as ui.main does; each kind of input drawn without and with the focus. Returns the ring
    colour expected and, per input, the pixel at its left edge before and after focusing."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setStyle(QStyleFactory.create("Fusion"))
    palette = _light() if scheme == "light" else _high_contrast()
    app.setPalette(palette)
    focus_style.install(app)
    expected = QColor(focus_style.DARK_RING) if palette.color(
        QPalette.ColorRole.Window).lightness() < 128 else palette.color(
        QPalette.ColorRole.Highlight)
    window = QWidget()
    layout = QVBoxLayout(window)
    combo = QComboBox()
    combo.addItems(["Den Haag", "Delft"])
    table = QTableWidget(2, 2)
    fields: list[QWidget] = [QLineEdit("tekst"), QPlainTextEdit("regel 1\nregel 2"),
                             QTextEdit("opmaak"), combo, QSpinBox(), QDateEdit(),
                             QListWidget(), table, QCheckBox("Akkoord")]
    for field in fields:
        layout.addWidget(field)
    window.show()
    QGuiApplication.processEvents()
    window.activateWindow()
    _wait(window.isActiveWindow)
    drawn = []
    for field in fields:
        other = fields[0] if field is not fields[0] else fields[1]
        other.setFocus()
        _wait(other.hasFocus)
        before = _ring_pixel(field)
        field.setFocus()
        _wait(field.hasFocus)
        after = _ring_pixel(field)
        drawn.append({"name": type(field).__name__, "before": before.name(),
                      "after": after.name()})
    window.close()
    return {"expected": expected.name(),
            "base": palette.color(QPalette.ColorRole.Base).name(),
            "window": palette.color(QPalette.ColorRole.Window).name(),
            "drawn": drawn}


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "high contrast"])
def test_the_ring_is_drawn_and_visible_under_fusion(scheme: str) -> None:
    root = Path(__file__).resolve().parents[2]
    child = subprocess.run(
        [sys.executable, "-c",
         "import json, sys; from tests.ui.test_daily3_focus import draw_rings; "
         "print(json.dumps(draw_rings(sys.argv[1])))", scheme],
        cwd=root, capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert child.returncode == 0, child.stderr[-2000:]
    result = json.loads(child.stdout.strip().splitlines()[-1])
    expected = QColor(result["expected"])
    # the expected ring, written from the scheme: the palette's highlight on a light window,
    # the light yellow on a dark one (the high-contrast scheme's window is black)
    assert result["expected"] == (focus_style.DARK_RING if scheme == "high contrast"
                                  else _light().color(QPalette.ColorRole.Highlight).name())
    # visible: at least 3:1 against the field and the window (WCAG non-text contrast)
    assert contrast(expected, QColor(result["base"])) >= 3
    assert contrast(expected, QColor(result["window"])) >= 3
    assert len(result["drawn"]) == 9
    for field in result["drawn"]:
        assert field["after"] == result["expected"], field
        assert field["before"] != result["expected"], field
