"""Live updates between workstations on the house server (issue 22, point 4).

After a write transaction commits, the other workstations hear what changed, so that an open
case list, case screen or meeting screen refreshes within a second instead of showing what
was true when it was opened:

- **sending**: :func:`watch` puts an event on the server engine that notes which tables each
  write transaction changes; the session (``ServerOpenVault.begin``) ends such a transaction
  with one ``pg_notify`` on :data:`CHANNEL` (:func:`notify`), which PostgreSQL delivers only
  when the transaction commits (a rolled-back write announces nothing). It holds **only kinds
  and internal ids**: the tables written, and the objects the audit rows of the transaction
  name as the database's own ids (a case's ``cases.id``, never its case number; meeting and
  party ids), never a name, BSN or text. Transactions that only append to the audit log
  (reads are logged) or write one's own drafts announce nothing, so a screen refreshing on an
  announcement cannot set off another one.
- **sealed**: PostgreSQL puts no privilege on ``LISTEN``/``NOTIFY``: every login of the
  database hears the channel and may send on it. So the announcement is sealed on the
  workstation (:class:`Announcements`): AES-256-GCM under a key derived from the house's data
  key (HKDF-SHA-256, info :data:`KEY_INFO`, so the data key itself is used for nothing else),
  a fresh random nonce each time, the channel bound in as associated data, the plain text
  padded to a multiple of :data:`PAD_BYTES`. Inside: the sending session's random token, its
  sequence number and the time it was sent, so a receiver recognises a replay.
- **receiving**: a :class:`Listener` thread holds one connection of its own, ``LISTEN``s on
  the channel and hands each announcement that opens and is new (a :class:`Change`) to a
  callback; the Qt side (``ui.live_updates``) turns that into a signal for the screens. One
  that does not open (forged, or sealed under another key), one sent before the listener
  started or more than :data:`MAX_AGE_SECONDS` away from now, and one whose sequence number
  its session already used (a replay) are ignored and counted (:attr:`Listener.ignored`; the
  log says the reason and the count, never the text). The thread stops at the lock, and
  when the server refuses its login (the account revoked): it does not keep knocking.

What a login without the data key still learns from the channel: that a write was committed,
when, by which server session (PostgreSQL hands every listener the sender's process id,
which ``pg_stat_activity`` ties to a login), and the announcement's length in steps of
:data:`PAD_BYTES`. It cannot read what changed, nor make a screen reload.

No notifications in the vault file: one workstation has no other to tell.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import logging
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Engine, event, select

from app.domain.live_changes import Change
from app.errors import WrongPassphrase
from app.store.case_tables import cases

log = logging.getLogger(__name__)

#: The channel every session of a house announces on and listens to.
CHANNEL = "casuskamer_changes"
#: The tables whose writes are bookkeeping, not a change another screen shows.
QUIET_TABLES = frozenset({"audit_log", "meta", "audit_forward_queue", "drafts",
                          "alembic_version"})
#: The audit object types whose ids an announcement names (ids only).
ANNOUNCED_OBJECTS = frozenset({"case", "meeting", "party"})
#: ``pg_notify`` takes less than 8000 bytes: a plain text longer than this is sent with the
#: kinds only (the screens then read again whatever of that kind they show).
MAX_PLAIN_BYTES = 5000
#: How long the listener waits for an announcement before it looks whether it must stop.
POLL_SECONDS = 0.25

#: HKDF info of the announcements' key (derived from the data key).
KEY_INFO = b"casuskamer announcements v1"
#: The first characters of a sealed announcement (the format's version).
WIRE_PREFIX = "ck1:"
#: The plain text is padded to a multiple of this many bytes (its length tells little).
PAD_BYTES = 256
#: An announcement sent longer ago than this (or this far ahead, by the sender's clock) is
#: ignored: the workstations' clocks of a house agree far better than this.
MAX_AGE_SECONDS = 120.0
NONCE_BYTES = 12

_TABLES = "casuskamer_live_tables"
_OBJECTS = "casuskamer_live_objects"
_ATTRIBUTE = "casuskamer_announcements"
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:"?\w+"?\.)?"?(\w+)"?',
                    re.IGNORECASE)


def watch(engine: Engine) -> None:
    """Note on each connection which tables its transaction writes (for :func:`notify`)."""

    @event.listens_for(engine, "after_cursor_execute")
    def _written(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> None:  # pragma: no cover - every write statement
        found = _WRITE.match(statement)
        if found and found.group(1).lower() not in QUIET_TABLES:
            conn.info.setdefault(_TABLES, set()).add(found.group(1).lower())

    @event.listens_for(engine, "rollback")
    def _forget(conn: Any) -> None:  # pragma: no cover - every rollback
        conn.info.pop(_TABLES, None)
        conn.info.pop(_OBJECTS, None)


def note_object(conn: Connection, kind: str, object_id: str | int) -> None:
    """An audit row of this transaction names ``(kind, object_id)``."""
    if kind in ANNOUNCED_OBJECTS and object_id not in ("", "-"):
        conn.info.setdefault(_OBJECTS, []).append((kind, str(object_id)))


class Announcements:
    """Sealing and opening the announcements of one session under the house's data key.

    ``data_key`` is the session's key buffer itself (``OpenVault.key_buffer``), not a copy:
    the key is derived from it at each use, so a data key changed in place
    (``OpenVault.replace_key``) is followed, and nothing of it outlives the lock, which
    zeroes the buffer (:func:`detach` first)."""

    def __init__(self, data_key: bytearray | bytes, clock: Callable[[], float] = time.time
                 ) -> None:
        if len(data_key) != 32:
            raise ValueError("a 32-byte data key is required")
        self._data_key = data_key
        self._clock = clock
        self._sequence = itertools.count(1)
        #: whether this session's login may read ``cases.id`` and ``cases.number`` (asked
        #: once, at the first announcement that names a case)
        self.reads_cases: bool | None = None

    def _aead(self) -> AESGCM:
        return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                           info=KEY_INFO).derive(self._data_key))

    def seal(self, tables: Iterable[str], objects: Iterable[tuple[str, str]],
             origin: str) -> str:
        """The text sent on the channel: the sealed kinds and ids, with ``origin`` (the
        session's token), the next sequence number and the time."""
        unique = list(dict.fromkeys(objects))
        body: dict[str, Any] = {"o": origin, "n": next(self._sequence),
                                "s": self._clock(), "t": sorted(set(tables)),
                                "i": [list(x) for x in unique]}
        plain = json.dumps(body, separators=(",", ":")).encode("utf-8")
        if len(plain) > MAX_PLAIN_BYTES:  # too many to name: the kinds only
            body["i"] = []
            plain = json.dumps(body, separators=(",", ":")).encode("utf-8")
        plain += b" " * (-len(plain) % PAD_BYTES)  # JSON allows trailing blanks
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + self._aead().encrypt(nonce, plain, _associated_data())
        return WIRE_PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")

    def open(self, text: str) -> dict[str, Any] | None:
        """The announcement's content, or None when it does not open under this house's
        key (forged, changed, sealed under another key, or not ours at all)."""
        if not text.startswith(WIRE_PREFIX):
            return None
        encoded = text[len(WIRE_PREFIX):]
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(raw) < NONCE_BYTES + 16:
            return None
        try:
            plain = self._aead().decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                         _associated_data())
            data = json.loads(plain.decode("utf-8"))
        except (InvalidTag, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def now(self) -> float:
        return self._clock()


def _associated_data() -> bytes:
    return f"casuskamer/announcement/1|{CHANNEL}".encode("ascii")


def attach(engine: Engine, data_key: bytearray | bytes) -> None:
    """Give the server session's engine its announcements' key (its key buffer)."""
    setattr(engine.dialect, _ATTRIBUTE, Announcements(data_key))


def detach(engine: Engine) -> None:
    """Take the key off (at the lock, before the buffer is zeroed): nothing more is sent."""
    if hasattr(engine.dialect, _ATTRIBUTE):
        delattr(engine.dialect, _ATTRIBUTE)


def attached(engine: Engine) -> Announcements | None:
    """The session's announcements' key, None when the session is locked."""
    found = getattr(engine.dialect, _ATTRIBUTE, None)
    return found if isinstance(found, Announcements) else None


def _case_ids(conn: Connection, announcements: Announcements,
              objects: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``objects`` with each case number (what the audit rows name) replaced by the case's
    internal id. When the login may not read the case register, or a case is gone (a
    destroyed case), the cases are left out: the tables written still say "some cases"."""
    numbers = list(dict.fromkeys(i for k, i in objects if k == "case"))
    if not numbers:
        return objects
    others = [(k, i) for k, i in objects if k != "case"]
    if announcements.reads_cases is None:
        announcements.reads_cases = bool(conn.exec_driver_sql(
            "SELECT has_column_privilege('cases', 'id', 'SELECT') "
            "AND has_column_privilege('cases', 'number', 'SELECT')").scalar())
    if not announcements.reads_cases:
        return others
    found = {str(number): str(case_id) for case_id, number in conn.execute(
        select(cases.c.id, cases.c.number).where(cases.c.number.in_(numbers)))}
    if len(found) != len(numbers):
        return others
    return [("case", found[i]) if k == "case" else (k, i) for k, i in objects]


def notify(conn: Connection, origin: str) -> None:
    """At the end of a write transaction: announce what it changed (delivered at commit),
    sealed under the session's key; nothing when it wrote only bookkeeping, or when the
    session has no key (a locked session sends nothing readable, so nothing at all)."""
    tables = conn.info.pop(_TABLES, set())
    objects = conn.info.pop(_OBJECTS, [])
    announcements = attached(conn.engine)
    if not tables or announcements is None:
        return
    objects = _case_ids(conn, announcements, objects)
    conn.exec_driver_sql("SELECT pg_notify(%(c)s, %(p)s)",
                         {"c": CHANNEL, "p": announcements.seal(tables, objects, origin)})


#: The kind of the one object a data-key change announces (its generation as the id).
DATA_KEY = "data_key"


def announce_key_change(conn: Connection, announcements: Announcements, origin: str,
                        generation: int) -> None:
    """Within the transaction that changes the house's data key (delivered at its commit):
    tell every listening session, sealed under the key they still hold (the old one), that
    it is no longer the house's, so their windows lock instead of waiting for a refused
    step. Nothing else is named."""
    conn.exec_driver_sql("SELECT pg_notify(%(c)s, %(p)s)", {
        "c": CHANNEL,
        "p": announcements.seal({"meta"}, [(DATA_KEY, str(generation))], origin)})


def _change(data: dict[str, Any]) -> Change | None:
    try:
        return Change(frozenset(str(t) for t in data["t"]),
                      tuple((str(k), str(i)) for k, i in data["i"]), str(data["o"]))
    except (KeyError, TypeError, ValueError):
        return None


class Receiver:
    """Decides which announcements one listener passes on: those that open under the house's
    key, were sent after it started and within :data:`MAX_AGE_SECONDS` of now, and carry a
    sequence number their session has not used before. Passes over its own session's
    (``origin``). Counts the rest by reason (:attr:`ignored`)."""

    def __init__(self, announcements: Announcements, origin: str) -> None:
        self._announcements = announcements
        self._origin = origin
        self.started = announcements.now()
        self._counted = threading.Lock()  # counted on the listener's thread, read on others
        self._ignored: Counter[str] = Counter()
        #: per sending session: the highest sequence number heard and when it was sent
        self._last: dict[str, tuple[int, float]] = {}

    @property
    def ignored(self) -> Counter[str]:
        """A copy of the counts of ignored announcements, by reason."""
        with self._counted:
            return Counter(self._ignored)

    def _ignore(self, reason: str) -> None:
        with self._counted:
            self._ignored[reason] += 1
            count = self._ignored[reason]
        if count == 1 or count % 100 == 0:  # the reason and the count; never the text
            log.warning("live updates: an announcement was ignored (%s; %d so far)",
                        reason, count)

    def accept(self, text: str) -> Change | None:
        data = self._announcements.open(text)
        change = None if data is None else _change(data)
        if data is None or change is None:
            self._ignore("unopened")
            return None
        if change.origin == self._origin:
            return None
        try:
            sequence, sent = int(data["n"]), float(data["s"])
        except (KeyError, TypeError, ValueError):
            self._ignore("unopened")
            return None
        now = self._announcements.now()
        if sent < self.started or abs(now - sent) > MAX_AGE_SECONDS:
            self._ignore("stale")
            return None
        last = self._last.get(change.origin)
        if last is not None and sequence <= last[0]:
            self._ignore("replayed")
            return None
        self._last[change.origin] = (sequence, sent)
        # a session not heard from for longer than an announcement stays fresh is forgotten:
        # a replay of what it sent would be stale anyway
        for origin, (_n, at) in list(self._last.items()):
            if now - at > MAX_AGE_SECONDS:
                del self._last[origin]
        return change


class Listener:
    """A thread that listens on :data:`CHANNEL` over a connection of its own (``connect``
    makes it: a psycopg connection) and calls ``callback`` with each :class:`Change` from
    another session (``origin``: this session's token, passed over) that opens under the
    session's key (``announcements``) and is not a replay (:class:`Receiver`). A lost
    connection is made again after a pause; a login the server refuses (``WrongPassphrase``:
    the account revoked, or its passphrase changed elsewhere) ends the thread, as does
    :meth:`stop`, which also closes the connection."""

    def __init__(self, connect: Callable[[], Any], callback: Callable[[Change], None],
                 origin: str, announcements: Announcements,
                 on_refused: Callable[[], None] | None = None) -> None:
        self._connect = connect
        self._callback = callback
        self._on_refused = on_refused
        self._receiver = Receiver(announcements, origin)
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="casuskamer-live",
                                        daemon=True)

    def start(self, wait: float = 5.0) -> None:
        """Start listening; returns once the LISTEN is in place (or after ``wait`` s)."""
        self._thread.start()
        self._ready.wait(wait)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2 * POLL_SECONDS + 1)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def ignored(self) -> Counter[str]:
        """How many announcements were ignored, by reason: ``unopened`` (forged, or sealed
        under another key), ``stale`` (sent before listening began, or too long ago) and
        ``replayed`` (a sequence number its session already used)."""
        return self._receiver.ignored

    def _deliver(self, change: Change) -> None:
        try:
            self._callback(change)
        except Exception as exc:  # noqa: BLE001 - a receiver's fault must not stop listening
            # the kind only: a message or traceback could quote what the receiver held
            log.warning("live updates: a receiver failed (%s)", type(exc).__name__)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn = self._connect()
            except WrongPassphrase:
                # the login is gone (the account revoked) or its secret changed at another
                # workstation: trying again would only fill the server's log with refused
                # logins; the session's own statements are refused too (LoginWithdrawn)
                log.info("live updates: the login is refused; listening stops")
                self._ready.set()
                if self._on_refused is not None and not self._stop.is_set():
                    try:
                        self._on_refused()
                    except Exception as exc:  # noqa: BLE001 - the receiver's own fault
                        log.warning("live updates: the refusal's receiver failed (%s)",
                                    type(exc).__name__)
                return
            except Exception:  # noqa: BLE001 - the server away, or the session locked
                log.info("live updates: no connection; trying again")
                self._stop.wait(2.0)
                continue
            try:
                conn.autocommit = True
                conn.execute(f"LISTEN {CHANNEL}")
                self._ready.set()
                while not self._stop.is_set():
                    for note in conn.notifies(timeout=POLL_SECONDS):
                        change = self._receiver.accept(str(note.payload))
                        if change is not None:
                            self._deliver(change)
            except Exception:  # noqa: BLE001 - a lost connection: make it again
                log.info("live updates: connection lost; listening again")
                self._stop.wait(1.0)
            finally:
                try:
                    conn.close()
                except Exception:  # noqa: BLE001 - closing a broken connection
                    pass
