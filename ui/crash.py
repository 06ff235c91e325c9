"""Unexpected errors: shown once per distinct traceback, on the GUI thread, without secrets.

``install(log_dir)`` replaces ``sys.excepthook`` and ``threading.excepthook``. A crash report
holds only the exception's type and the traceback's frames (file, line, function): never the
exception's message and never local variables, because a message can carry what the user
typed (a name, a BSN). The report is appended to ``crash.log`` in the program's log folder
and shown in a dialog, once per distinct traceback, so a failing timer does not bury the
user in boxes. The hook may fire on any thread; a queued signal brings it to the GUI thread.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Signal, Slot

from app import __version__, fs
from app.i18n import _
from ui import dialogs

LOG_NAME = "crash.log"
#: The log is cut back to its newest half when it grows past this.
MAX_LOG_BYTES = 512 * 1024


def scrub_report(exc_type: type[BaseException], tb: TracebackType | None) -> str:
    """The traceback as type and frames only; no message, no source lines, no values."""
    lines = ["Traceback (most recent call last):"]
    for frame in traceback.extract_tb(tb):
        lines.append(f'  File "{_short_path(frame.filename)}", line {frame.lineno}, '
                     f"in {frame.name}")
    lines.append(f"{exc_type.__module__}.{exc_type.__qualname__}")
    return "\n".join(lines)


def _short_path(filename: str) -> str:
    """Paths relative to the program's tree or site-packages: no user's home folder in it."""
    path = filename.replace(os.sep, "/")
    if "/site-packages/" in path:
        return path.rsplit("/site-packages/", 1)[1]
    for top in ("app", "ui", "tests"):
        marker = f"/{top}/"
        if marker in path:
            return top + "/" + path.rsplit(marker, 1)[1]
    return Path(path).name


def fingerprint(report: str) -> str:
    return hashlib.sha256(report.encode("utf-8")).hexdigest()[:16]


class CrashHandler(QObject):
    """Receives uncaught exceptions from any thread and reports each distinct one once."""

    crashed = Signal(str)

    def __init__(self, log_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_dir = Path(log_dir)
        self.seen: set[str] = set()
        self.reports: list[str] = []
        self.crashed.connect(self._show)
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook

    @property
    def log_path(self) -> Path:
        return self.log_dir / LOG_NAME

    def install(self) -> None:
        from ui import locking

        sys.excepthook = self.handle
        threading.excepthook = self._thread_hook
        locking.failure_reporter = self.report

    def uninstall(self) -> None:
        from ui import locking

        sys.excepthook = self._previous_hook
        threading.excepthook = self._previous_thread_hook
        if locking.failure_reporter == self.report:
            locking.failure_reporter = None

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        self.handle(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

    def handle(self, exc_type: type[BaseException], exc: BaseException,
               tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_hook(exc_type, exc, tb)
            return
        self.report(scrub_report(exc_type, tb))

    def report(self, report: str) -> None:
        """Write and show a report that is already scrubbed (also a lock step's failure,
        reported once the lock is complete)."""
        key = fingerprint(report)
        if key in self.seen:
            return
        self.seen.add(key)
        self._write(report, key)
        # Emitted from whatever thread raised; the connection queues it to the GUI thread.
        self.crashed.emit(report)

    def _write(self, report: str, key: str) -> None:
        try:
            fs.make_private_folder(self.log_dir)
            path = self.log_path
            text = ""
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace")
                if len(text.encode("utf-8")) > MAX_LOG_BYTES:
                    text = text[len(text) // 2:]
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            text += f"=== {stamp} casuskamer {__version__} crash {key}\n{report}\n\n"
            # owner-only from the first byte, and never half written (app.fs)
            fs.write_private(path, text.encode("utf-8"))
        except OSError:
            pass  # a full or read-only disk must not turn one crash into two

    @Slot(str)
    def _show(self, report: str) -> None:
        self.reports.append(report)
        dialogs.error(None, _("Unexpected error"),
                      _("Something went wrong in the program. Your work that was saved is "
                        "safe in the vault. If this happens again, give your administrator the "
                        "report below or the file {path}.").format(path=self.log_path),
                      details=report)


def install(log_dir: Path) -> CrashHandler:
    handler = CrashHandler(log_dir)
    handler.install()
    return handler
