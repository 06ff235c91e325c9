"""The start-up hardening against core files and crash dumps, and the key locked in memory
(issue 25, point 2). What the kernel then does with a crash is in
``tests/reliability/test_no_core_dump.py``; here the pieces, each platform's included.

The Linux steps run in a child process (``prctl(PR_SET_DUMPABLE, 0)`` and a hard core limit
of 0 cannot be undone, and the test process must keep its own). The Windows steps cannot run
here: their calls are checked against a stand-in for ``ctypes.windll`` that records them.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app import keymem, process_guard
from app.vault.keyslots import KdfParams
from app.vault.vault import Vault

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="prctl and /proc are Linux's")
def test_on_linux_the_process_becomes_not_dumpable_with_core_size_zero() -> None:
    out = _run(
        "import resource\n"
        "from app import process_guard as g\n"
        "hard = resource.getrlimit(resource.RLIMIT_CORE)[1]\n"
        "resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))\n"
        "before = g.is_dumpable()\n"
        "r = g.harden_process()\n"
        "print(before, g.is_dumpable(), resource.getrlimit(resource.RLIMIT_CORE),\n"
        "      sorted(r.done), r.failed)\n")
    assert out.split("\n")[0] == "True False (0, 0) ['core_limit', 'not_dumpable'] []"


def test_the_entry_point_hardens_before_it_does_anything_else(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``casuskamer`` (GUI and command line alike, and the packaged program) starts in
    ``ui.launcher.main``: the hardening comes before the command line is even read."""
    from ui import launcher

    calls: list[str] = []
    monkeypatch.setattr(process_guard, "harden_process", lambda: calls.append("harden"))

    def cli(args: list[str], gui: object = None) -> int:
        calls.append("cli")
        return 0

    monkeypatch.setattr("app.cli.main", cli)
    assert launcher.main(["--help"]) == 0
    assert calls == ["harden", "cli"]


class _Recorder:
    """A stand-in for a DLL: every function called is recorded with its arguments."""

    def __init__(self, name: str, calls: list[tuple[str, tuple[Any, ...]]]) -> None:
        self._name = name
        self._calls = calls

    def __getattr__(self, function: str) -> Any:
        def call(*args: Any) -> int:
            self._calls.append((f"{self._name}.{function}", args))
            return 0x8000 if function == "GetErrorMode" else 0   # S_OK, or the old mode
        call.argtypes = None  # type: ignore[attr-defined]
        return call


@pytest.mark.parametrize("exe, excluded", [("/opt/casuskamer/casuskamer.exe", True),
                                           ("/opt/python/python.exe", False)])
def test_on_windows_error_reporting_keeps_no_heap_and_shows_no_box(
        monkeypatch: pytest.MonkeyPatch, exe: str, excluded: bool) -> None:
    calls: list[tuple[str, tuple[Any, ...]]] = []

    class WinDll:
        kernel32 = _Recorder("kernel32", calls)
        wer = _Recorder("wer", calls)

    monkeypatch.setattr(process_guard, "real_platform", lambda: "windows")
    monkeypatch.setattr(ctypes, "windll", WinDll(), raising=False)
    monkeypatch.setattr(sys, "executable", exe)
    report = process_guard.harden_process()
    called = dict(calls)
    # the error box off (SEM_NOGPFAULTERRORBOX 2, SEM_FAILCRITICALERRORS 1), the mode kept
    assert called["kernel32.SetErrorMode"] == (0x8000 | 0x0002 | 0x0001,)
    # WER_FAULT_REPORTING_FLAG_NOHEAP: no heap in a report of this process
    assert called["kernel32.WerSetFlags"] == (1,)
    if excluded:
        assert called["wer.WerAddExcludedApplication"] == ("casuskamer.exe", 0)
        assert sorted(report.done) == ["error_mode", "wer_excluded", "wer_no_heap"]
    else:
        assert "wer.WerAddExcludedApplication" not in called   # python.exe is shared
    assert report.ok
    # no POSIX call on Windows
    assert not any(name.startswith("libc") for name, _args in calls)


def test_the_module_imports_where_posix_modules_do_not_exist() -> None:
    out = _run(
        "import sys\n"
        "for name in ('resource', 'fcntl', 'termios', 'pwd', 'grp'):\n"
        "    sys.modules[name] = None\n"
        "import app.process_guard, app.keymem\n"
        "print('ok')\n")
    assert out.strip() == "ok"


def _locked_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmLck:"):
            return int(line.split()[1])
    raise AssertionError("no VmLck")


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/status")
def test_the_open_vaults_key_is_locked_in_memory_and_released_at_lock(tmp_path: Path) -> None:
    before = _locked_kib()
    opened = Vault.create(tmp_path / "kluis", "beheerder", "sleutel in het geheugen proef",
                          kdf=KdfParams())
    key = opened._key
    assert key is not None and keymem.is_pinned(key)
    assert _locked_kib() > before        # a page of it, not swapped out
    opened.lock()
    assert not keymem.is_pinned(key) and not any(key)
    assert _locked_kib() == before


def test_pinning_counts_pages_two_buffers_share() -> None:
    first, second = bytearray(b"\x01" * 16), bytearray(b"\x02" * 16)
    if not keymem.pin(first):
        pytest.skip("this machine does not allow locking memory")
    assert keymem.pin(second)
    keymem.wipe(first)
    assert keymem.is_pinned(second) and not keymem.is_pinned(first)
    keymem.wipe(second)
    assert not keymem.is_pinned(second)
