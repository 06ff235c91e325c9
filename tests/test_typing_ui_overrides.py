"""No attribute of a ui/ widget hides a Qt method (issue 20, point 7): ``PlanEditor.actions``
(a table) hid ``QWidget.actions()``, which ``ui/actions.py`` calls on every widget, and
``ClosureWizard.result`` hid ``QDialog.result()``. mypy --strict over ui/ (make lint) reports
such an assignment; this test finds it without mypy, in every ui module's source."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from pathlib import Path

from PySide6.QtCore import QObject

import ui

UI = Path(ui.__file__).resolve().parent


def _modules() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages([str(UI)], "ui."))


def _assigned_on_self(cls: type) -> set[str]:
    """Names the class's methods assign as ``self.<name> = ...`` (or annotate)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):
        return set()
    names = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name) \
                        and part.value.id == "self":
                    names.add(part.attr)
    return names


def _qt_methods(cls: type) -> dict[str, str]:
    """Callable attributes ``cls`` inherits from PySide6 classes: name -> the Qt class."""
    found: dict[str, str] = {}
    for base in reversed(cls.__mro__):
        if base.__module__.startswith(("PySide6.", "Shiboken")):
            for name, value in vars(base).items():
                if callable(value) and not name.startswith("__"):
                    found[name] = base.__name__
    return found


def test_no_ui_attribute_hides_a_qt_method() -> None:
    hidden = []
    for name in _modules():
        module = importlib.import_module(name)
        for _n, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != name or not issubclass(cls, QObject):
                continue
            qt = _qt_methods(cls)
            for attr in sorted(_assigned_on_self(cls) & qt.keys()):
                hidden.append(f"{name}.{cls.__name__}.{attr} hides {qt[attr]}.{attr}()")
    assert not hidden, "\n".join(hidden)


def test_the_check_finds_a_hidden_method() -> None:
    """Not vacuous: a widget that keeps a table in ``self.actions`` is found."""
    from PySide6.QtWidgets import QTableWidget, QWidget

    class Editor(QWidget):
        def __init__(self) -> None:
            super().__init__()
            self.actions = QTableWidget()  # type: ignore[assignment]

    assert "actions" in _assigned_on_self(Editor) & _qt_methods(Editor).keys()
