"""A full disk at every write point (issue 23, point 8).

The write points are taken from the code's own list (``write_points.POINTS``, which the
case-work points in ``case_write_points`` join on import), so a point added there is
covered here too, plus the unlock itself (its login row, migrations check, lock file and
holder note). The vault lives on a small tmpfs; before each injection the WAL is
checkpointed and truncated (so any write must grow a file) and the disk is filled to
within a few bytes or kilobytes of full, then the point does its work through the
services. Each time:

* the work is done (it fitted: it must then be there, whole), or the user gets a clear
  error: a ``CasuskamerError`` with a one-line message (a change of the data key that
  cannot be made says so as its reason) -- never another exception;
* once there is room again the vault unlocks and verifies, nothing is half-written (the
  whole-or-nothing checks of the crash test) and no temporary file is left anywhere on the
  disk;
* at the end every acknowledged piece of work is still there.
"""

from __future__ import annotations

import random
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.errors import CasuskamerError, WriteFailed
from app.services import retention, session
from app.vault import maintenance
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.reliability.conftest import Counts
from tests.reliability.test_disk_full import Disk, _mount
from tests.reliability.write_points import POINTS, halves

UNLOCK = "vault.unlock"
#: bytes left free before each injection (full: every point with each of them)
FULL_LEAVES = (0, 500, 2_000, 20_000, 150_000)
CI_LEAVES = (0,)
#: the normal run injects at every CI_STRIDE-th point (a different third each day)
CI_STRIDE = 3
#: the points that change the data key report a refusal as ``change.done`` False with a
#: reason; the write point asserts it, so the reason arrives as the assertion's message
KEY_CHANGES = ("account.revoke_rekey", "vault.rekey")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Disk]:
    folder = tmp_path / f"klein-{uuid.uuid4().hex[:6]}"
    real = _mount(folder, "16m")
    try:
        yield Disk(folder, real, folder / "ballast")
    finally:
        if real:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def _strays(root: Path) -> list[str]:
    """Temporary files anywhere on the disk: the program's atomic writes (``.tmp``), export
    parts (``.part``), backup staging (``ck-backup-``)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and (p.name.endswith((".tmp", ".part"))
                                      or p.name.startswith("ck-backup-")))


def _unlock(folder: Path) -> OpenVault:
    return session.after_unlock(Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE))


def _tidy(root: Path, name: str, tag: str) -> None:
    """Room for the next injections: a backup checked is deleted (exports stay: their
    disclosure rows are checked against them)."""
    if name == "vault.backup":
        Path(tag).unlink(missing_ok=True)


@pytest.mark.timeout(1800)
def test_a_full_disk_at_every_write_point(small_disk: Disk, full: bool,
                                          counts: Counts) -> None:
    if not small_disk.real:
        pytest.skip("needs a small tmpfs (mounting needs root)")
    started = time.perf_counter()
    names = sorted(POINTS) + [UNLOCK]
    if full:
        plan = [(name, leave) for leave in FULL_LEAVES for name in names]
    else:
        offset = time.gmtime().tm_yday % CI_STRIDE
        plan = [(name, leave) for leave in CI_LEAVES for name in names[offset::CI_STRIDE]]
    folder = small_disk.folder / "kluis"
    created = Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    session.after_unlock(created, created=True)
    created.lock()
    opened: OpenVault | None = _unlock(folder)
    rng = random.Random(20261207)
    refused: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    acknowledged: list[tuple[str, str]] = []
    unclear: list[tuple[str, int, str]] = []
    try:
        for n, (name, leave) in enumerate(plan, start=1):
            assert opened is not None
            if name != UNLOCK:
                retention.checkpoint(opened)  # the WAL truncated: any write grows a file
            else:
                opened.lock()
                opened = None
            small_disk.fill(leave=leave)
            error: Exception | None = None
            clear = True
            tag = ""
            try:
                if name == UNLOCK:
                    opened = _unlock(folder)
                    tag = str(opened.login_row_id)
                else:
                    tag = POINTS[name].do(opened, 100_000 + n, rng)
            except CasuskamerError as exc:
                error = exc
            except AssertionError as exc:
                if name not in KEY_CHANGES:
                    raise
                error = exc  # change.done False: its reason is the message
            except Exception as exc:  # noqa: BLE001 - not a clear error: gathered, told below
                unclear.append((name, leave, f"{type(exc).__name__}: {exc}"[:300]))
                error, clear = exc, False
            finally:
                small_disk.free()
            counts.add("disk full (every point): injections")
            if error is not None and clear:
                message = str(error)
                assert message.strip() and "\n" not in message.strip(), (name, message)
                assert "Traceback" not in message and "sqlite" not in message.lower(), (
                    name, message)
                refused[name] += 1
                kinds[type(error).__name__] += 1
            elif error is None:
                acknowledged.append((name, tag))
            # room again: the vault unlocks, verifies, nothing half-written, no strays
            if opened is not None:
                opened.lock()
            opened = _unlock(folder)
            report = maintenance.verify(opened, quick=True)
            assert report.sound, (name, leave, report.problems)
            half = halves(opened)
            assert not half, (name, leave, half)
            strays = _strays(small_disk.folder)
            assert not strays, (name, leave, strays)
            if error is None and name != UNLOCK:
                assert POINTS[name].present(opened, tag), (name, tag, "acknowledged, lost")
                _tidy(small_disk.folder, name, tag)
        assert opened is not None
        assert maintenance.verify(opened).sound
        gone = [(n, t) for n, t in acknowledged
                if n not in (UNLOCK, "vault.backup", "draft.autosave")
                and not POINTS[n].present(opened, t)]
        assert not gone, gone
    finally:
        if opened is not None:
            opened.lock()
    counts.add("disk full (every point): unclear errors (not a CasuskamerError)", len(unclear))
    assert not unclear, unclear
    counts.add("disk full (every point): write points", len({n for n, _ in plan}))
    counts.add("disk full (every point): refused with a clear message", sum(refused.values()))
    counts.add("disk full (every point): fitted, then checked present",
               len(acknowledged))
    counts.add("disk full (every point): points refused at least once", len(refused))
    for kind, k in kinds.items():
        counts.add(f"disk full (every point): refusals as {kind}", k)
    counts.add("disk full (every point): seconds", int(time.perf_counter() - started))
    # every point writes: with the WAL truncated and nothing left free, each was refused
    unrefused = sorted({n for n, _ in plan} - set(refused))
    assert not unrefused, unrefused
    if full:
        assert sum(refused.values()) >= 100, refused
        assert kinds[WriteFailed.__name__] > 0
