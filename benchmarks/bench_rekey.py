"""Changing the data key (what a revocation does) on the full-size demo vault: copy the
database, re-key the copy (``PRAGMA rekey``), give every account the new key, swap. Timed on
a copy of the cached vault, against a plain copy of its database file (the least any change
of key that never touches the live file in place must do)."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.harness import ACCOUNT, Row, demo_vault, median_seconds, unlock

#: a revocation may take this long at 100,000 cases (it runs off the GUI thread)
BUDGET_SECONDS = 60.0


def _copy_file(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    shutil.copyfile(source, target)
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def rows(cases: int, smoke: bool) -> list[Row]:
    from app.services import accounts

    cached, _ = demo_vault(cases, smoke)
    with tempfile.TemporaryDirectory(prefix="bench-rekey-", dir=cached.parent) as tmp:
        folder = Path(tmp) / "kluis"
        shutil.copytree(cached, folder, ignore=shutil.ignore_patterns("casuskamer.lock"))
        vault = unlock(folder, ACCOUNT, exclusive=True)  # a change of key needs it
        try:
            size_mb = (folder / "casuskamer.db").stat().st_size / 1e6
            times: list[float] = []
            for _ in range(1 if smoke else 3):
                start = time.perf_counter()
                change = accounts.change_data_key(vault)
                times.append(time.perf_counter() - start)
                assert change.done, change.reason
            ours = sorted(times)[len(times) // 2]
        finally:
            vault.lock()
        reference = median_seconds(
            lambda: _copy_file(folder / "casuskamer.db", Path(tmp) / "copy.db"),
            repeat=1 if smoke else 3, warmup=0 if smoke else 1)
    return [Row("change of the data key (revocation): copy, rekey, swap", f"{cases} cases",
                ours, reference, "s", f"<= {BUDGET_SECONDS:.0f} s",
                None if smoke else ours <= BUDGET_SECONDS,
                note=f"database {size_mb:.0f} MB; reference: a plain copy of the file")]
