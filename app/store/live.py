"""Live updates between workstations on the house server (issue 22, point 4).

After a write transaction commits, the other workstations hear what changed, so that an open
case list, case screen or meeting screen refreshes within a second instead of showing what
was true when it was opened:

- **sending**: :func:`watch` puts an event on the server engine that notes which tables each
  write transaction changes; the session (``ServerOpenVault.begin``) ends such a transaction
  with one ``pg_notify`` on :data:`CHANNEL` (:func:`notify`), which PostgreSQL delivers only
  when the transaction commits (a rolled-back write announces nothing). The payload is
  visible to the server, so it holds **only kinds and ids**: the tables written, and the
  objects the audit rows of the transaction name (case numbers, meeting and party ids), never
  a name, BSN or text; plus a random token of the sending session (so a session can pass over
  its own announcements). Transactions that only append to the audit log (reads are logged)
  or write one's own drafts announce nothing, so a screen refreshing on an announcement
  cannot set off another one.
- **receiving**: a :class:`Listener` thread holds one connection of its own, ``LISTEN``s on
  the channel and hands each announcement (a :class:`Change`) to a callback; the Qt side
  (``ui.live_updates``) turns that into a signal for the screens. The thread stops at the
  lock, before the login secret is dropped.

No notifications in the vault file: one workstation has no other to tell.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, Engine, event

from app.domain.live_changes import Change

log = logging.getLogger(__name__)

#: The channel every session of a house announces on and listens to.
CHANNEL = "casuskamer_changes"
#: The tables whose writes are bookkeeping, not a change another screen shows.
QUIET_TABLES = frozenset({"audit_log", "meta", "audit_forward_queue", "drafts",
                          "alembic_version"})
#: The audit object types whose ids an announcement names (ids and numbers only).
ANNOUNCED_OBJECTS = frozenset({"case", "meeting", "party"})
#: ``pg_notify`` takes at most 8000 bytes: beyond this many objects only the kinds are sent.
MAX_OBJECTS = 100
#: How long the listener waits for an announcement before it looks whether it must stop.
POLL_SECONDS = 0.25

_TABLES = "casuskamer_live_tables"
_OBJECTS = "casuskamer_live_objects"
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


def payload(tables: Iterable[str], objects: Iterable[tuple[str, str]], origin: str) -> str:
    """The announcement's text: kinds and ids only."""
    unique = list(dict.fromkeys(objects))
    return json.dumps({"o": origin, "t": sorted(set(tables)),
                       "i": [list(x) for x in unique] if len(unique) <= MAX_OBJECTS else []},
                      separators=(",", ":"))


def notify(conn: Connection, origin: str) -> None:
    """At the end of a write transaction: announce what it changed (delivered at commit),
    nothing when it wrote only bookkeeping."""
    tables = conn.info.pop(_TABLES, set())
    objects = conn.info.pop(_OBJECTS, [])
    if not tables:
        return
    conn.exec_driver_sql("SELECT pg_notify(%(c)s, %(p)s)",
                         {"c": CHANNEL, "p": payload(tables, objects, origin)})


def parse(text: str) -> Change | None:
    """An announcement's text as a :class:`Change` (None for one that is not ours)."""
    try:
        data = json.loads(text)
        return Change(frozenset(str(t) for t in data["t"]),
                      tuple((str(k), str(i)) for k, i in data["i"]), str(data["o"]))
    except (ValueError, KeyError, TypeError):
        return None


class Listener:
    """A thread that listens on :data:`CHANNEL` over a connection of its own (``connect``
    makes it: a psycopg connection) and calls ``callback`` with each :class:`Change` from
    another session (``origin``: this session's token, passed over). A lost connection is
    made again after a pause; :meth:`stop` ends the thread and closes the connection."""

    def __init__(self, connect: Callable[[], Any], callback: Callable[[Change], None],
                 origin: str) -> None:
        self._connect = connect
        self._callback = callback
        self._origin = origin
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
                        change = parse(note.payload)
                        if change is not None and change.origin != self._origin:
                            self._deliver(change)
            except Exception:  # noqa: BLE001 - a lost connection: make it again
                log.info("live updates: connection lost; listening again")
                self._stop.wait(1.0)
            finally:
                try:
                    conn.close()
                except Exception:  # noqa: BLE001 - closing a broken connection
                    pass
