"""Timing, result rows, and the cached demo vaults the benchmarks run on."""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / "cache"
RESULTS = ROOT / "benchmarks" / "results"
PASSPHRASE = "benchmark-kluis-casuskamer"
ACCOUNT = "beheerder"
DIRECTOR = "procesregisseur"
#: Part of the cached vaults' folder names: raised when what ``casuskamer demo`` writes
#: changes, so that no benchmark runs on a vault an older demo built (2: closed cases'
#: search rows without the BSNs closure removed; 3: compact search rows, migration 0008;
#: 4: key slots with a key pair per account, so the data key can be changed).
CACHE_VERSION = 4


def median_seconds(fn: Callable[[], Any], repeat: int = 7, warmup: int = 2) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@dataclass
class Row:
    what: str
    size: str
    ours: float              # in ``unit``
    reference: float | None  # same unit, measured in the same run
    unit: str                # "ms", "MB" or "s"
    budget: str              # e.g. "ratio <= 1.5", "<= 16 ms"
    ok: bool | None          # None in smoke runs (no budgets)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.reference in (None, 0):
            return None
        return self.ours / self.reference  # type: ignore[operator]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def env_for_cli() -> dict[str, str]:
    return {**os.environ, "CASUSKAMER_PASSPHRASE": PASSPHRASE, "CASUSKAMER_KDF_SECONDS": "0"}


def demo_vault(cases: int, smoke: bool = False) -> tuple[Path, float | None]:
    """A cached demo vault with ``cases`` cases; the second value is how long
    ``casuskamer demo`` took when it had to build it now (None when cached)."""
    folder = CACHE / f"{'smoke-' if smoke else ''}vault-{cases}-v{CACHE_VERSION}"
    if (folder / "casuskamer.db").exists():
        return folder, None
    CACHE.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ui.launcher", "demo", "--vault", str(folder),
                    "--cases", str(cases), "--seed", "2026"],
                   check=True, env=env_for_cli(), cwd=ROOT, stdout=subprocess.DEVNULL)
    return folder, time.perf_counter() - start


def unlock(folder: Path, account: str = DIRECTOR):  # type: ignore[no-untyped-def]
    os.environ["CASUSKAMER_KDF_SECONDS"] = "0"
    from app.vault.vault import Vault

    return Vault(folder).unlock(account, PASSPHRASE)
