"""The benchmarks run at tiny sizes (no budgets), so they cannot silently rot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_benchmark_runs_at_smoke_size() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout
    assert "query mix" in table and "casuskamer demo" in table and "audit chain" in table
    assert "case search box" in table and "usable main window" in table
    assert "peak memory" in table
    assert "failed" not in result.stderr
