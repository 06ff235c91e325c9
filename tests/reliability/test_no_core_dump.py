"""A crash of the unlocked program writes no core file (issue 25, point 2).

Found by the second outside review: killed while unlocked, the program left a core file
holding the raw data key and the subjects' names and BSNs. Now the program's entry point
(``ui.launcher.main``, which the ``casuskamer`` command and the packaged program run) first
makes the process not dumpable and sets its core size limit to 0 (``app.process_guard``).

Each test starts the program's start-up in a child process (this file run as a module: the
entry point, then an unlock of a vault, a subject's name and BSN read into memory, and a
line "ready"), with core dumps allowed for the child: its core size
limit raised to the hard limit (``ulimit -c unlimited``) before the entry point runs. Then:

* the child, unlocked, is not dumpable (``prctl(PR_GET_DUMPABLE)`` is 0) and its core limit
  is 0, read by the parent from ``/proc/PID/limits``;
* killed with SIGABRT it leaves no core file, where ``/proc/sys/kernel/core_pattern`` names
  a file. The control, the same child without the entry point, does leave a core file, and
  it holds the raw data key and the canary name the child held (so the test can see a core
  when there is one).
  Where ``core_pattern`` pipes to a handler (systemd-coredump, apport), the core is not in a
  file the test can look for: then only the first test's checks apply, and the second says
  so by skipping.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.vault.keyslots import KdfParams
from app.vault.vault import Vault
from tests.reliability.conftest import Counts

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="core files as Linux makes them")

ACCOUNT = "beheerder"
PASSPHRASE = "kern bestand proef wachtzin"
#: in the child's memory while it is unlocked (as a subject's name would be)
CANARY_NAME = "Kernvlinder-Dumpstra"
ROOT = Path(__file__).resolve().parents[2]


# -- the child ------------------------------------------------------------------------------------

def _child(mode: str, folder: str) -> None:
    """Start as the program does (``guarded``) or not (``control``), unlock, hold data, wait."""
    if mode == "guarded":
        import contextlib
        import io

        from ui.launcher import main

        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["--help"]) == 0      # the entry point's start-up, then its help
    from app import process_guard

    opened = Vault(Path(folder)).unlock(ACCOUNT, PASSPHRASE)
    held = [CANARY_NAME + " 999999990"]       # a subject's name and BSN, as a screen holds
    assert opened.is_open
    dumpable = process_guard.is_dumpable()
    sys.stdout.write(f"ready dumpable={int(bool(dumpable))} held={len(held)}\n")
    sys.stdout.flush()
    while True:
        signal.pause()


# -- the parent ------------------------------------------------------------------------------------

def _allow_cores() -> None:
    """In the child before anything runs: ``ulimit -c unlimited`` (as far as the hard limit
    allows)."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def _core_pattern() -> str:
    try:
        return Path("/proc/sys/kernel/core_pattern").read_text().strip()
    except OSError:
        return ""


def _core_limit_of(pid: int) -> tuple[str, str]:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max core file size"):
            soft, hard = line.split()[4:6]
            return soft, hard
    raise AssertionError("no core limit line")


@pytest.fixture(scope="module")
def vault_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("no-core") / "kluis"
    Vault.create(folder, ACCOUNT, PASSPHRASE, kdf=KdfParams()).lock()
    return folder


@pytest.fixture(scope="module")
def data_key(vault_folder: Path) -> bytes:
    """The vault's raw data key, as the review found it in the core file."""
    opened = Vault(vault_folder).unlock(ACCOUNT, PASSPHRASE)
    try:
        return opened.data_key
    finally:
        opened.lock(audit_it=False)


class Child:
    def __init__(self, mode: str, folder: Path, cwd: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
        env.pop("PYTHONFAULTHANDLER", None)   # Python's own handler would not change it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.test_no_core_dump", mode, str(folder)],
            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=_allow_cores)
        assert self.proc.stdout is not None
        self.ready = self.proc.stdout.readline().split()
        if not self.ready or self.ready[0] != "ready":
            self.proc.kill()
            _out, err = self.proc.communicate(timeout=30)
            raise AssertionError(f"the child did not get ready: {err[-2000:]}")

    def abort(self) -> int:
        os.kill(self.proc.pid, signal.SIGABRT)
        self.proc.communicate(timeout=60)
        return self.proc.returncode

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=30)


def test_the_started_program_is_not_dumpable_and_has_no_core_size(
        vault_folder: Path, tmp_path: Path) -> None:
    child = Child("guarded", vault_folder, tmp_path)
    try:
        assert "dumpable=0" in child.ready
        assert _core_limit_of(child.proc.pid) == ("0", "0")
    finally:
        child.stop()
    # the control: the same child without the program's start-up would have dumped
    control = Child("control", vault_folder, tmp_path)
    try:
        assert "dumpable=1" in control.ready
        import resource

        if resource.getrlimit(resource.RLIMIT_CORE)[1] != 0:   # else no child may raise it
            assert _core_limit_of(control.proc.pid) != ("0", "0")
    finally:
        control.stop()


def _cores_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith("core"))


def test_killed_with_sigabrt_while_unlocked_it_leaves_no_core_file(
        vault_folder: Path, data_key: bytes, tmp_path: Path, counts: Counts) -> None:
    pattern = _core_pattern()
    if not pattern or pattern.startswith("|") or "/" in pattern:
        pytest.skip(f"core_pattern {pattern!r} does not write into the process's folder; the "
                    "state that prevents a core is checked by the test above")
    control_dir = tmp_path / "control"
    control_dir.mkdir()
    control = Child("control", vault_folder, control_dir)
    assert control.abort() == -signal.SIGABRT
    cores = _cores_in(control_dir)
    if not cores:
        pytest.skip("this machine writes no core file even for the control (core limit or "
                    "policy); the state that prevents one is checked by the test above")
    # The control's core holds what the review found: the raw data key and what the
    # unlocked program held (here the canary name).
    data = cores[0].read_bytes()
    assert data_key in data
    assert CANARY_NAME.encode() in data
    counts.add("core dump: control's core file (MB)", len(data) // 1_000_000)
    del data
    for core in cores:
        core.unlink()

    guarded_dir = tmp_path / "guarded"
    guarded_dir.mkdir()
    guarded = Child("guarded", vault_folder, guarded_dir)
    assert guarded.abort() == -signal.SIGABRT
    assert _cores_in(guarded_dir) == []
    counts.add("core dump: started program killed by SIGABRT, core files", 0)


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])
