"""The layering rules that keep the program easy to change, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_app_never_imports_qt_or_ui() -> None:
    offenders = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in QT_MODULES or top == "ui":
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, offenders


def test_ui_writes_no_sql() -> None:
    """Widgets ask services; they never build queries or touch tables."""
    offenders = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        for name in _imports(path):
            if name.startswith(("sqlalchemy", "sqlcipher3", "sqlite3", "app.store")):
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, offenders


def test_core_imports_without_qt_loaded() -> None:
    import subprocess
    import sys

    code = ("import sys, app.cli, app.vault.vault, app.vault.maintenance, app.services.accounts;"
            "import app.store.schema;"
            "bad=[m for m in sys.modules if m.startswith(('PySide6','shiboken6'))];"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
