"""Failed unlock attempts per account, counted in a small file beside the vault (issue 25,
point 7).

``unlock-attempts.json`` holds, per account name, the number of failed attempts in a row and
the times of the first and the last one (UTC): no passphrase, no part or hash of one, no key.
After ``Delay.free`` failures each next attempt waits first, 1 s, 2 s, 4 s, ... up to 60 s
after the last failure; the wait is measured from the file, so it survives closing the
program and applies to the command line and the program alike. A successful unlock clears
the account's count, reports it (the program shows a notice, the command line a line on
stderr) and writes an audit row ``unlock.failed_attempts`` with the count.

Every attempt takes an exclusive lock on ``unlock-attempts.lock`` first and keeps it until
the attempt's result is written, waiting its delay while holding it: guesses started in
parallel from the command line are tried one after another, each after its delay. Both
files are opened without following links (``app.fs.open_no_follow``) and the counter is
replaced atomically (``app.fs.atomic_write``, ``os.replace``).

The command line on a house server's profile (issue 22) counts with the same class in a pair
of files beside the profile, ``<profile>.unlock-attempts.json`` and ``.lock``
(:meth:`Attempts.beside`); the desktop program counts a server's attempts in memory
(``app.vault.memory_attempts``).

Someone who can delete the file resets the count; such a person can also copy the vault and
guess offline, which the key derivation (Argon2id) and the passphrase rule are for. The
counter is for guessing through the program.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import portalocker

from app import fs
from app.domain.accounts import ACCOUNT_NAME
from app.errors import AccountRevoked, VaultReadOnly, WrongPassphrase
from app.i18n import _, ngettext

if TYPE_CHECKING:
    from app.vault.vault import OpenVault, Vault

FILE_NAME = "unlock-attempts.json"
LOCK_NAME = "unlock-attempts.lock"
#: the audit row written at the next successful unlock
AUDIT_ACTION = "unlock.failed_attempts"
#: the file is tiny; more than this is not ours and is read as empty
MAX_FILE_BYTES = 64 * 1024
#: accounts kept in the file (the oldest entries go first); unknown names count as "?"
MAX_ACCOUNTS = 200
UNKNOWN = "?"


@dataclass(frozen=True)
class Delay:
    """The wait before the next attempt after ``failures`` failed ones in a row."""

    free: int = 3
    first_seconds: float = 1.0
    max_seconds: float = 60.0

    def seconds(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return float(min(self.max_seconds, self.first_seconds * 2 ** min(failures - self.free,
                                                                         32)))


@dataclass(frozen=True)
class Failures:
    """An account's failed attempts in a row: how many, since when, the last (ISO UTC)."""

    count: int
    since: str
    last: str

    def text(self) -> str:
        """'3 failed attempts since 7-12-2026 10:15' in the user's language (local time)."""
        return ngettext("{n} failed attempt to unlock this account since {since}.",
                        "{n} failed attempts to unlock this account since {since}.",
                        self.count).format(n=self.count, since=_local(self.since))


def _local(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return moment.astimezone().strftime("%d-%m-%Y %H:%M")


def _now_iso(clock: Callable[[], float]) -> str:
    return datetime.fromtimestamp(clock(), UTC).isoformat(timespec="milliseconds")


def _seconds(iso: str) -> float | None:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class Attempts:
    """The counter of one vault folder (or of one house server's profile: :meth:`beside`)."""

    def __init__(self, folder: Path, delay: Delay | None = None,
                 clock: Callable[[], float] = time.time, *, prefix: str = "") -> None:
        self.folder = Path(folder)
        self.path = self.folder / (prefix + FILE_NAME)
        self.lock_path = self.folder / (prefix + LOCK_NAME)
        self.delay = delay or Delay()
        self.clock = clock

    @classmethod
    def beside(cls, profile: Path, delay: Delay | None = None,
               clock: Callable[[], float] = time.time) -> Attempts:
        """The command line's counter for a house server's profile (issue 22): the same
        rule, delays and lock, in ``<profile>.unlock-attempts.json`` and ``.lock`` beside
        the profile file (one pair per profile, so profiles sharing a folder count apart).
        Only account names, counts and times, as for a folder; a folder that cannot be
        written goes without the counter, as a read-only vault folder does."""
        profile = Path(profile)
        return cls(profile.parent, delay, clock, prefix=profile.name + ".")

    # -- reading ------------------------------------------------------------------------

    def _read(self) -> dict[str, Failures]:
        try:
            fd = fs.open_no_follow(self.path, os.O_RDONLY)
        except OSError:  # missing, a link (refused), unreadable: no record
            return {}
        with os.fdopen(fd, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            return {}
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            return {}
        records: dict[str, Failures] = {}
        if not isinstance(doc, dict) or not isinstance(doc.get("accounts"), dict):
            return records
        for name, entry in doc["accounts"].items():
            if not isinstance(entry, dict):
                continue
            count, since, last = entry.get("count"), entry.get("since"), entry.get("last")
            if (type(count) is int and count > 0 and isinstance(since, str)
                    and isinstance(last, str) and len(since) <= 40 and len(last) <= 40):
                records[str(name)[:40]] = Failures(count, since, last)
        return records

    def _write(self, records: dict[str, Failures]) -> None:
        kept = sorted(records.items(), key=lambda item: item[1].last)[-MAX_ACCOUNTS:]
        doc: dict[str, Any] = {"format": "casuskamer-unlock-attempts/1", "accounts": {
            name: {"count": r.count, "since": r.since, "last": r.last} for name, r in kept}}
        fs.atomic_write(self.path, json.dumps(doc, indent=1).encode("utf-8") + b"\n")

    @staticmethod
    def key(account: str) -> str:
        return account if ACCOUNT_NAME.fullmatch(account) else UNKNOWN

    def failures(self, account: str) -> Failures | None:
        return self._read().get(self.key(account))

    def wait_seconds(self, account: str) -> float:
        """How long the next attempt for ``account`` must wait from now (0: none)."""
        record = self.failures(account)
        if record is None:
            return 0.0
        delay = self.delay.seconds(record.count)
        last = _seconds(record.last)
        if not delay or last is None:
            return delay
        # a clock set back never makes the wait longer than the delay itself
        return max(0.0, min(delay, last + delay - self.clock()))

    # -- writing ------------------------------------------------------------------------

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the folder's attempt lock (waiting for another attempt to finish)."""
        try:
            fd = fs.open_no_follow(self.lock_path, os.O_RDWR | os.O_CREAT)
        except fs.LinkRefused:
            raise VaultReadOnly(_("The vault's file {name} cannot be opened (a link, or the "
                                  "folder cannot be written to).").format(
                name=self.lock_path.name)) from None
        except OSError:
            # a read-only folder (a vault on read-only media, opened to verify it): no
            # counter can be written there either; the attempt goes ahead unserialised
            yield
            return
        try:
            portalocker.lock(fd, portalocker.LockFlags.EXCLUSIVE)
            try:
                yield
            finally:
                with suppress(portalocker.LockException):
                    portalocker.unlock(fd)
        finally:
            os.close(fd)

    def record_failure(self, account: str) -> Failures:
        records = self._read()
        name = self.key(account)
        now = _now_iso(self.clock)
        earlier = records.get(name)
        records[name] = Failures(earlier.count + 1 if earlier else 1,
                                 earlier.since if earlier else now, now)
        with suppress(OSError):  # a counter that cannot be written does not block the door
            self._write(records)
        return records[name]

    def clear(self, account: str) -> Failures | None:
        """Forget ``account``'s failures; return what they were (None: there were none)."""
        records = self._read()
        earlier = records.pop(self.key(account), None)
        if earlier is not None:
            with suppress(OSError):
                self._write(records)
        return earlier


class Cancelled(Exception):
    """The attempt was abandoned by the user (never shown: the screen dropped it)."""


def guarded_unlock(vault: Vault, account: str, passphrase: str, *, exclusive: bool = True,
                   delay: Delay | None = None,
                   sleep: Callable[[float], None] = time.sleep,
                   cancelled: threading.Event | None = None,
                   counter: Attempts | None = None
                   ) -> tuple[OpenVault, Failures | None]:
    """``vault.unlock`` behind the counter: wait the account's delay, try, count a failure or
    clear the count (returned, and audited in the vault, when there was one).

    ``cancelled`` (the program's Cancel): checked after the wait; an attempt cancelled while
    its key derivation ran still counts, and a vault it opened is locked again. ``counter``:
    another counter than the folder's file (the house server's: the desktop program's in
    memory, the command line's beside the profile).
    """
    attempts = counter if counter is not None else Attempts(vault.folder, delay)
    with attempts.turn():
        wait = attempts.wait_seconds(account)
        if wait > 0:
            sleep(wait)
        if cancelled is not None and cancelled.is_set():
            raise Cancelled()
        try:
            opened = vault.unlock(account, passphrase, exclusive=exclusive)
        except (WrongPassphrase, AccountRevoked):
            attempts.record_failure(account)
            raise
        # The audit row first, then the count cleared: a crash between the two leaves the
        # count in the file (reported again at the next unlock, with the same first
        # moment), never in neither (issue 23, point 8).
        earlier = attempts.failures(account)
        if earlier is not None:
            try:
                opened.log_now(AUDIT_ACTION, "account", account, "ok",
                               {"count": earlier.count, "since": earlier.since,
                                "last": earlier.last})
            except BaseException:
                opened.lock(audit_it=False)
                raise
            attempts.clear(account)
    if cancelled is not None and cancelled.is_set():
        opened.lock()
        raise Cancelled()
    return opened, earlier
