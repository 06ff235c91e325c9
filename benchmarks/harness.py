"""Timing, result rows, and the cached demo vaults the benchmarks run on."""

from __future__ import annotations

import gc
import os
import platform
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


def median_seconds(fn: Callable[[], Any], repeat: int = 7, warmup: int = 2,
                   before: Callable[[], Any] | None = None) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs after ``warmup`` runs; ``before``
    (untimed) runs before each, e.g. to empty a cache."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@dataclass
class Paired:
    """Seconds of ours and of the reference, measured as interleaved pairs: round ``i`` runs
    both (ours first in even rounds, the reference first in odd ones), so that a burst of
    other work on the machine lands on both sides of a pair alike."""

    ours: list[float]
    reference: list[float]

    @property
    def ratios(self) -> list[float]:
        return [o / r for o, r in zip(self.ours, self.reference) if r > 0]

    @property
    def ours_median(self) -> float:
        return statistics.median(self.ours)

    @property
    def reference_median(self) -> float:
        return statistics.median(self.reference)

    @property
    def ratio_median(self) -> float:
        return statistics.median(self.ratios)


def paired(ours: Callable[[], Any], reference: Callable[[], Any], rounds: int = 7,
           warmup: int = 1, before: Callable[[], Any] | None = None) -> Paired:
    """``rounds`` interleaved pairs after ``warmup`` untimed ones; ``before`` (untimed)
    runs before each timed call, e.g. to empty a cache."""
    for _ in range(warmup):
        ours()
        reference()
    out = Paired([], [])
    for i in range(rounds):
        sides = [(ours, out.ours), (reference, out.reference)]
        for fn, into in (sides if i % 2 == 0 else sides[::-1]):
            if before is not None:
                before()
            gc.collect()
            start = time.perf_counter()
            fn()
            into.append(time.perf_counter() - start)
    return out


def spread(values: list[float]) -> tuple[float, float]:
    """The spread the tables give: lowest and highest of the samples."""
    return (min(values), max(values)) if values else (0.0, 0.0)


@dataclass
class Row:
    what: str
    size: str
    ours: float              # in ``unit`` (the median when there are samples)
    reference: float | None  # same unit, measured in the same run
    unit: str                # "ms", "MB" or "s"
    budget: str              # e.g. "ratio <= 1.3", "<= 16 ms"
    ok: bool | None          # None in smoke runs (no budgets)
    note: str = ""
    #: the median of the per-pair ratios (interleaved pairs), and their lowest and highest
    ratio_median: float | None = None
    ratio_spread: tuple[float, float] | None = None
    #: lowest and highest of our samples, in ``unit``
    ours_spread: tuple[float, float] | None = None
    samples: int = 1

    @property
    def ratio(self) -> float | None:
        if self.ratio_median is not None:
            return self.ratio_median
        if self.reference in (None, 0):
            return None
        return self.ours / self.reference  # type: ignore[operator]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def ratio_row(what: str, size: str, pair: Paired, budget_ratio: float, smoke: bool,
              note: str = "", scale: float = 1000.0, unit: str = "ms",
              also_ok: bool = True, budget: str | None = None) -> Row:
    """A row from interleaved pairs, judged by the median per-pair ratio."""
    ratio = pair.ratio_median
    return Row(what, size, pair.ours_median * scale, pair.reference_median * scale, unit,
               budget or f"ratio <= {budget_ratio}",
               None if smoke else (ratio <= budget_ratio and also_ok), note,
               ratio_median=ratio, ratio_spread=spread(pair.ratios),
               ours_spread=(min(pair.ours) * scale, max(pair.ours) * scale),
               samples=len(pair.ours))


def machine() -> dict[str, Any]:
    """What the figures were measured on: cores, CPU model, load average at the start."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = []
    return {"cores": os.cpu_count(), "cpu": model, "load_average": load,
            "python": platform.python_version(), "platform": platform.platform()}


def commit() -> str:
    """The checked-out commit, with ``+dirty`` when the tree has changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


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


#: The size every row that says "100,000 cases" runs at: cases LISTED (not destroyed), with
#: the cases the demo's years of activity already destroyed on top (issue 23, point 1).
LISTED = 100_000


def listed_count(folder: Path) -> tuple[int, int]:
    """(listed, destroyed) cases in a vault."""
    vault = unlock(folder, ACCOUNT)
    try:
        with vault.read() as conn:
            row = conn.exec_driver_sql(
                "SELECT count(*) FILTER (WHERE state != 'destroyed'), "
                "count(*) FILTER (WHERE state = 'destroyed') FROM cases").one()
        return int(row[0]), int(row[1])
    finally:
        vault.lock(audit_it=False)


def listed_vault(listed: int, smoke: bool = False) -> Path:
    """A cached demo vault with at least ``listed`` cases in the case list (and the
    destroyed ones on top): ``casuskamer demo`` run again with further seeds until the list
    holds that many. A folder is used only once its ``complete`` marker is written."""
    folder = CACHE / f"{'smoke-' if smoke else ''}listed-{listed}-v{CACHE_VERSION}"
    if (folder / "complete").exists():
        return folder
    if folder.exists():
        import shutil

        shutil.rmtree(folder)  # a build that was cut off
    CACHE.mkdir(parents=True, exist_ok=True)
    seed, have, made = 2026, 0, 0
    while have < listed:
        # The share of made cases the demo keeps listed, from what it did so far.
        share = have / made if made else 0.55
        wanted = max(10, int((listed - have) / max(share, 0.05) * 1.02) + 1)
        subprocess.run([sys.executable, "-m", "ui.launcher", "demo", "--vault", str(folder),
                        "--cases", str(wanted), "--seed", str(seed)],
                       check=True, env=env_for_cli(), cwd=ROOT, stdout=subprocess.DEVNULL)
        made += wanted
        have, _destroyed = listed_count(folder)
        seed += 1
    (folder / "complete").write_text(f"{have}\n")
    return folder


def unlock(folder: Path, account: str = DIRECTOR,  # type: ignore[no-untyped-def]
           exclusive: bool = False):
    """The vault unlocked as ``account``; shared by default, so that benchmark runs side
    by side (a run on an older commit beside this one) can read the same cached vault."""
    os.environ["CASUSKAMER_KDF_SECONDS"] = "0"
    from app.vault.vault import Vault

    return Vault(folder).unlock(account, PASSPHRASE, exclusive=exclusive)
