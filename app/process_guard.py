"""Keep the unlocked program's memory out of core files and crash dumps (issue 25, point 2).

A crash of the unlocked program (the pinned PySide6 in ``pyproject.toml`` shows native crashes
happen) would otherwise write a core file holding the raw data key and the subjects' names
and BSNs, readable by anyone who can read the folder it lands in. :func:`harden_process` runs
first thing at start-up, before any passphrase is asked or key unsealed (``ui.launcher.main``
and ``app.cli.main``), and does what the platform allows:

Linux
    ``prctl(PR_SET_DUMPABLE, 0)``: the kernel writes no core file for the process (whatever
    ``core_pattern`` says, a pipe to systemd-coredump or apport included), and other
    processes of the same user can no longer attach to it with ``ptrace`` or read its
    ``/proc/PID/mem``. And the core size limit (``RLIMIT_CORE``) set to 0, soft and hard.
macOS
    ``RLIMIT_CORE`` 0, soft and hard (macOS writes cores to ``/cores`` only when the limit
    allows). ``ptrace(PT_DENY_ATTACH)`` is *not* used: it would also stop the IT department's
    debugging and crash reporter, and Apple's crash reports hold no memory contents.
Windows
    ``SetErrorMode`` with ``SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX`` (no error dialog
    that would keep the crashed, unlocked process alive on screen), ``WerSetFlags(
    WER_FAULT_REPORTING_FLAG_NOHEAP)`` for this process (Windows Error Reporting leaves the
    heap, where the key and the data live, out of any dump it makes), and, for the packaged
    program only (``casuskamer.exe``, never ``python.exe``, which other programs share),
    ``WerAddExcludedApplication`` for the current user, so WER makes no report for it at
    all. A ``LocalDumps`` policy an administrator sets in the registry overrides this; the
    README's protection section says not to set one for Casuskamer.

The data key's own buffer is also locked in memory (never written to swap) where the
platform allows: ``app.keymem.pin`` (``mlock`` / ``VirtualLock``), called when a vault is
opened.

Nothing here imports a POSIX-only module at the top: ``resource`` and ``ctypes`` are imported
inside the functions that need them, behind the platform check, so the module imports on
every platform. The check is ``app.platform.real_platform`` (not the simulated platform a
test may set): these are calls into the real operating system, which a simulation cannot
give. Each step that fails (a sandbox refusing ``prctl``, an old
Windows without the WER call) is reported in the result and a debug log line (no personal
data), never as an error: the program still starts.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field

from typing import TYPE_CHECKING, Any

from app.platform import real_platform

if TYPE_CHECKING:
    import ctypes

log = logging.getLogger(__name__)

#: ``<linux/prctl.h>``
PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3
#: ``SetErrorMode`` flags (``errhandlingapi.h``)
SEM_FAILCRITICALERRORS = 0x0001
SEM_NOGPFAULTERRORBOX = 0x0002
#: ``WerSetFlags`` flag (``werapi.h``): no heap in a report of this process
WER_FAULT_REPORTING_FLAG_NOHEAP = 1
#: the packaged program's executable (``packaging/casuskamer.spec``)
PACKAGED_EXE = "casuskamer.exe"


@dataclass
class GuardReport:
    """What :func:`harden_process` did: the steps that worked and those that did not."""

    platform: str
    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def _libc() -> ctypes.CDLL:
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _prctl() -> Any:
    import ctypes

    prctl = _libc().prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                      ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


def _set_not_dumpable(report: GuardReport) -> None:
    import ctypes

    try:
        if _prctl()(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError, TypeError) as exc:
        report.failed.append("not_dumpable")
        log.debug("prctl(PR_SET_DUMPABLE, 0) failed: %s", type(exc).__name__)
        return
    report.done.append("not_dumpable")


def is_dumpable() -> bool | None:
    """Linux: whether the kernel would write a core file for this process (None elsewhere)."""
    if real_platform() != "linux":
        return None
    return bool(_prctl()(PR_GET_DUMPABLE, 0, 0, 0, 0))


def _no_core_size(report: GuardReport) -> None:
    if sys.platform == "win32":  # no such limit (WER is handled on its own); for mypy too
        return
    try:
        import resource
    except ImportError:
        return
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (OSError, ValueError) as exc:
        report.failed.append("core_limit")
        log.debug("setrlimit(RLIMIT_CORE, 0) failed: %s", type(exc).__name__)
        return
    report.done.append("core_limit")


def _windows_error_reporting(report: GuardReport) -> None:
    import ctypes

    windll = getattr(ctypes, "windll", None)
    if windll is None:  # not really Windows (a test simulating it): nothing to call
        report.failed.append("error_mode")
        return
    try:
        kernel32 = windll.kernel32
        previous = kernel32.GetErrorMode()
        kernel32.SetErrorMode(previous | SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX)
        report.done.append("error_mode")
    except (OSError, AttributeError, TypeError) as exc:
        report.failed.append("error_mode")
        log.debug("SetErrorMode failed: %s", type(exc).__name__)
    try:
        wer = windll.kernel32  # WerSetFlags lives in kernel32 (Windows Vista and later)
        if wer.WerSetFlags(WER_FAULT_REPORTING_FLAG_NOHEAP) != 0:
            raise OSError("WerSetFlags")
        report.done.append("wer_no_heap")
    except (OSError, AttributeError, TypeError) as exc:
        report.failed.append("wer_no_heap")
        log.debug("WerSetFlags failed: %s", type(exc).__name__)
    exe = os.path.basename(sys.executable)
    if exe.lower() != PACKAGED_EXE:
        return  # run from source: python.exe is shared with other programs; leave it
    try:
        wer_dll = windll.wer
        wer_dll.WerAddExcludedApplication.argtypes = [ctypes.c_wchar_p, ctypes.c_int]
        if wer_dll.WerAddExcludedApplication(exe, 0) != 0:
            raise OSError("WerAddExcludedApplication")
        report.done.append("wer_excluded")
    except (OSError, AttributeError, TypeError) as exc:
        report.failed.append("wer_excluded")
        log.debug("WerAddExcludedApplication failed: %s", type(exc).__name__)


def harden_process() -> GuardReport:
    """Make this process write no core file or crash dump (see the module's text).

    Safe to call more than once; call it before anything secret is in memory.
    """
    platform = real_platform()
    report = GuardReport(platform)
    if platform == "linux":
        _set_not_dumpable(report)
    if platform == "windows":
        _windows_error_reporting(report)
    else:
        _no_core_size(report)
    return report
