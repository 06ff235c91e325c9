"""The vault's own rows' SQL: the small facts in ``meta`` (the vault's id, the recorded public
key of each key slot, a requested change of the data key and its generation), the accounts
the vault opens for, and the audit rows the vault itself reads (who set a passphrase).

Typed functions on a connection the caller holds; the vault (``app.vault.vault``,
``rekey``, ``first_use``) keeps the rules, the checks and the transactions. The data-key
change works on a raw copy of the database (a DB-API connection, not an engine's): the few
statements it runs there are here too (:func:`mark_generation_on_copy`, :func:`on_copy`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Connection, RowMapping, create_engine, delete, insert, select, update
from sqlalchemy.pool import StaticPool

from app.store.tables import accounts, audit_log, meta

#: a requested change of the data key (its reason), removed by the change itself
PENDING_KEY = "data_key_change"
#: how many times the data key has been changed
GENERATION_KEY = "data_key_generation"
SLOT_KEY_PREFIX = "slot_key:"
#: an announced, not yet settled, public key of a slot (a change of passphrase under way)
SLOT_KEY_ANNOUNCED_PREFIX = "slot_key_announced:"


# -- meta: key and value -----------------------------------------------------------------------

def value(conn: Connection, key: str) -> str | None:
    found = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
    return None if found is None else str(found)


def values(conn: Connection, keys: Sequence[str]) -> dict[str, str]:
    """The ``meta`` values of those of ``keys`` that are set."""
    return {str(k): str(v) for k, v in conn.execute(
        select(meta.c.key, meta.c.value).where(meta.c.key.in_(list(keys))))}


def set_value(conn: Connection, key: str, text: str) -> None:
    """Insert or replace one ``meta`` value."""
    if conn.execute(select(meta.c.key).where(meta.c.key == key)).first() is None:
        conn.execute(insert(meta).values(key=key, value=text))
    else:
        conn.execute(update(meta).where(meta.c.key == key).values(value=text))


def remove(conn: Connection, keys: Iterable[str]) -> None:
    conn.execute(delete(meta).where(meta.c.key.in_(list(keys))))


# -- a new vault -------------------------------------------------------------------------------

def record_creation(conn: Connection, vault_id: str, created_at: str, *, demo: bool,
                    admin: str, admin_role: str, at: datetime) -> None:
    """The first rows of a new vault: its id, when it was made, the demo mark, and its first
    (administrator) account."""
    conn.execute(insert(meta).values(key="vault_id", value=vault_id))
    conn.execute(insert(meta).values(key="created_at", value=created_at))
    if demo:
        conn.execute(insert(meta).values(key="demo", value="1"))
    conn.execute(insert(accounts).values(name=admin, role=admin_role, created_at=at,
                                         created_by=None))


# -- the accounts the vault opens for ----------------------------------------------------------

def account_row(conn: Connection, name: str) -> RowMapping | None:
    """The whole ``accounts`` row of ``name`` (revoked or not), or None."""
    return conn.execute(select(accounts).where(accounts.c.name == name)).mappings().first()


def account_states(conn: Connection) -> dict[str, str | None]:
    """Every account -> when it was revoked (ISO 8601), None while it is active."""
    return {str(name): None if revoked is None else revoked.isoformat(timespec="seconds")
            for name, revoked in conn.execute(select(accounts.c.name,
                                                     accounts.c.revoked_at))}


# -- the recorded public key of each key slot --------------------------------------------------

def slot_key_name(account: str) -> str:
    return f"{SLOT_KEY_PREFIX}{account}"


def record_slot_key(conn: Connection, account: str, public_key: bytes) -> None:
    """Record the account's public key (a slot of the first format has none: nothing to
    record), so that a slot file altered to hold someone else's key is noticed."""
    if not public_key:
        return
    name = slot_key_name(account)
    conn.execute(delete(meta).where(meta.c.key == name))
    conn.execute(insert(meta).values(key=name, value=public_key.hex()))


def recorded_slot_keys(conn: Connection) -> dict[str, str]:
    """Account -> the hex public key recorded for its slot."""
    return {str(k)[len(SLOT_KEY_PREFIX):]: str(v) for k, v in conn.execute(
        select(meta.c.key, meta.c.value).where(meta.c.key.like(SLOT_KEY_PREFIX + "%")))}


# A change of passphrase seals a new slot (a new public key) and must write it both to the
# key-slot file and to the database, which cannot be one atomic step. The new key is first
# recorded as *announced*, in a transaction of its own; the slot file and the recorded key
# change after that. A crash in between leaves a slot that matches either the recorded or
# the announced key, both written by a session that held the data key; the next exclusive
# unlock settles which one the file holds (``app.vault.rekey.settle``).

def announce_slot_key(conn: Connection, account: str, public_key: bytes) -> None:
    """Record the public key a slot of ``account`` is about to get (its own transaction)."""
    if not public_key:
        return
    name = SLOT_KEY_ANNOUNCED_PREFIX + account
    conn.execute(delete(meta).where(meta.c.key == name))
    conn.execute(insert(meta).values(key=name, value=public_key.hex()))


def announced_slot_keys(conn: Connection) -> dict[str, str]:
    """Account -> the hex public key announced for its slot and not settled yet."""
    return {str(k)[len(SLOT_KEY_ANNOUNCED_PREFIX):]: str(v) for k, v in conn.execute(
        select(meta.c.key, meta.c.value).where(
            meta.c.key.like(SLOT_KEY_ANNOUNCED_PREFIX + "%")))}


def drop_announced_slot_key(conn: Connection, account: str) -> None:
    conn.execute(delete(meta).where(meta.c.key == SLOT_KEY_ANNOUNCED_PREFIX + account))


# -- a change of the data key ------------------------------------------------------------------

def request_key_change(conn: Connection, reason: str) -> None:
    """Record that the data key must change (the caller's transaction)."""
    conn.execute(delete(meta).where(meta.c.key == PENDING_KEY))
    conn.execute(insert(meta).values(key=PENDING_KEY, value=reason))


def pending_key_change(conn: Connection) -> str | None:
    """The reason of a requested change of the data key not yet made, or None."""
    return value(conn, PENDING_KEY)


def key_generation(conn: Connection) -> int:
    found = value(conn, GENERATION_KEY)
    return int(found) if found is not None else 0


@contextmanager
def on_copy(raw: sqlcipher.Connection) -> Iterator[Connection]:
    """A SQLAlchemy connection over the data-key change's raw copy of the database, so the
    audit log's own code (``app.store.audit.append``) can write its row there; committed
    when the block ends. The raw connection stays the caller's (it is not closed here)."""
    engine = create_engine("sqlite+pysqlite://", module=sqlcipher, creator=lambda: raw,
                           poolclass=StaticPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN")
            yield conn
            conn.commit()
    finally:
        engine.dispose(close=False)  # the caller's connection is not closed


def only_connection(raw: sqlcipher.Connection, busy_ms: int) -> bool:
    """Whether ``raw`` is the only connection to its database: switching the file out of
    WAL mode (to a rollback journal) succeeds only then (waiting up to ``busy_ms``)."""
    raw.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
    try:
        mode = raw.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlcipher.OperationalError:
        return False
    return str(mode).lower() == "delete"


def hold_exclusive(raw: sqlcipher.Connection) -> None:
    """Nobody else reads or writes the file until :func:`let_go`."""
    raw.execute("BEGIN EXCLUSIVE")


def let_go(raw: sqlcipher.Connection) -> None:
    """End what :func:`hold_exclusive` began (nothing was written on it)."""
    try:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
    except sqlcipher.Error:
        pass


def journal_mode(raw: sqlcipher.Connection, mode: Literal["OFF", "DELETE"]) -> None:
    raw.execute(f"PRAGMA journal_mode = {mode}").fetchone()


def mark_generation_on_copy(conn: Connection, generation: int) -> None:
    """In the re-keyed copy: the request is done, the key's generation is ``generation``."""
    remove(conn, (PENDING_KEY, GENERATION_KEY))
    conn.execute(insert(meta).values(key=GENERATION_KEY, value=str(generation)))


# -- the audit rows the vault reads ------------------------------------------------------------

def newest_passphrase_row(conn: Connection, account: str,
                          actions: Sequence[str]) -> tuple[str, str, dict[str, Any]] | None:
    """``(action, actor, detail)`` of the newest successful row of ``actions`` about the
    account ``account`` (the detail as a dict; empty when it is not one), or None."""
    newest = conn.execute(
        select(audit_log.c.action, audit_log.c.actor, audit_log.c.detail)
        .where(audit_log.c.action.in_(list(actions)), audit_log.c.object_type == "account",
               audit_log.c.object_id == account, audit_log.c.result == "ok")
        .order_by(audit_log.c.id.desc()).limit(1)).first()
    if newest is None:
        return None
    try:
        detail = json.loads(newest.detail or "{}")
    except ValueError:
        detail = {}
    return str(newest.action), str(newest.actor), detail if isinstance(detail, dict) else {}
