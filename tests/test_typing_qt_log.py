"""A Qt warning fails the test that caused it (issue 20, point 7): pyproject's pytest settings
set pytest-qt's ``qt_log_level_fail = "WARNING"`` and list the few expected warnings by their
text. Checked by running pytest, with the project's own settings, on two small tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

INNER = '''
from PySide6.QtCore import qWarning


def test_a_real_warning(qtbot):
    qWarning("QTextCursor::setPosition: Position '873' out of range")


def test_an_expected_warning(qtbot):
    qWarning("This plugin does not support propagateSizeHints()")
    qWarning("This plugin does not support raise()")
'''


def test_a_qt_warning_fails_the_test_and_an_expected_one_does_not(tmp_path: Path) -> None:
    inner = tmp_path / "test_inner.py"
    inner.write_text(INNER, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), "-rA", str(inner)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    out = done.stdout + done.stderr
    assert "FAILED test_inner.py::test_a_real_warning" in out, out
    assert "Qt messages with level WARNING or above emitted" in out, out
    assert "PASSED test_inner.py::test_an_expected_warning" in out, out
    assert "1 failed, 1 passed" in out, out
