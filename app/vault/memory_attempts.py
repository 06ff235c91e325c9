"""Failed unlock attempts counted in memory, for the house server (issue 22, point 1).

A vault folder counts its failed attempts in a file beside the vault (``app.vault.attempts``),
so the wait survives restarting the program and applies to the command line as well. A house
server has no folder of its own on the workstation: the profile file may sit in a folder that
several profiles, or the user's documents, share, and writing a counter there would leave a
file behind for an attempt that changed nothing. So the desktop program counts a server's
failed attempts for as long as it runs (per account name typed): the same delays (1 s, 2 s,
4 s, ... up to the ceiling after the free attempts), the same notice and audit row at the
next successful unlock, and nothing written to the disk. The server's own log records every
failed login, and each guess costs the Argon2id derivation on the guesser's side wherever
it is made; a house that wants a wait on the server itself sets PostgreSQL's ``auth_delay``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from app.vault.attempts import MAX_ACCOUNTS, Attempts, Delay, Failures


class MemoryAttempts(Attempts):
    """The counter of one house server for this run of the program (no file)."""

    def __init__(self, delay: Delay | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(Path("."), delay, clock)
        self._records: dict[str, Failures] = {}
        self._turn = threading.Lock()

    def _read(self) -> dict[str, Failures]:
        return dict(self._records)

    def _write(self, records: dict[str, Failures]) -> None:
        kept = sorted(records.items(), key=lambda item: item[1].last)[-MAX_ACCOUNTS:]
        self._records = dict(kept)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """One attempt at a time (as the file's lock does for a folder)."""
        with self._turn:
            yield
