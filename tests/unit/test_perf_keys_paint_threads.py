"""The program paints on its GUI thread alone (issue 23, point 3: the painted keystroke).

Qt's raster engine hands a large fill to a pool of threads and waits for them; on a busy
two-core machine that wait made the case search's slowest keystrokes. The program switches
the pool off when ``ui`` is imported (before any window paints). Checked in a fresh process,
as the program starts: a large translucent fill (the kind a table's selection or background
is) must start no pool thread. Linux only: the threads are counted in /proc.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PAINT = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, sys.argv[1])
    import ui  # as the program does before it makes its windows
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
    app = QGuiApplication([])
    image = QImage(1200, 900, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for _ in range(3):
        painter.fillRect(0, 0, 1200, 900, QColor(255, 0, 0, 128))
    painter.end()
    names = [open(f"/proc/self/task/{t}/comm").read().strip()
             for t in os.listdir("/proc/self/task")]
    print(sum(1 for n in names if "pooled" in n))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="threads counted in /proc")
def test_a_large_fill_starts_no_paint_threads() -> None:
    env = {k: v for k, v in os.environ.items() if k != "QT_NO_GUI_THREADPOOL"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run([sys.executable, "-c", PAINT, str(ROOT)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0", f"Qt started {done.stdout.strip()} paint thread(s)"

