"""Which data key a session on the house server holds, checked by the server's own record
(issue 22: changing the data key on the server, ``app.vault.server_rekey``).

After an administrator changed the house's data key, another workstation's session still
holds the old one: what it would seal now nobody could open, and what it reads no longer
opens. So the server keeps a check value of the current data key in ``meta``
(:data:`CHECK_KEY`: an HMAC under a key derived from the data key, which tells nothing about
the key itself), and a session compares it with its own key:

- at every checkout of a pooled connection (the pool's ping, which runs anyway, asks for the
  check value instead of ``SELECT 1``: no extra round trip) and on every new connection, so
  its next statement after the change is refused;
- in every write transaction, right after it took the write lock: a writer that waited for
  the lock while the key was being changed is refused after it, before it writes.

A refused session reads :class:`DataKeyChanged` (one line: unlock again). A house whose key
was never changed on the server has no check value: every key passes (the first key is the
only one). Engines without a session's key (the migration owner's, an unlock before its slot
is opened) are not checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import Dialect

from app.errors import VaultError
from app.i18n import _
from app.store import sealed, vault_meta
from app.store.field_crypto import FieldCipher

#: The ``meta`` key of the current data key's check value.
CHECK_KEY = "data_key_check"
#: The blind-index name under which the check value is computed (a key of its own).
_CHECK_INDEX = "data_key_check"
_CHECK_INPUT = "casuskamer data key"
_READ_CHECK = f"SELECT value FROM meta WHERE key = '{CHECK_KEY}'"


class DataKeyChanged(VaultError):
    """The house's data key was changed since this session opened: nothing more is read or
    written with the old one."""

    def __init__(self) -> None:
        super().__init__(_("An administrator changed the house's data key since you "
                           "unlocked; nothing of this step was read or saved. Unlock again "
                           "(your passphrase stays the same)."))


def check_value(cipher: FieldCipher) -> str:
    """The check value of the data key ``cipher`` holds (hex)."""
    return cipher.blind_index(_CHECK_INDEX, _CHECK_INPUT).hex()


def check_value_of(data_key: bytes | bytearray) -> str:
    return check_value(FieldCipher(bytes(data_key)))


def _session_check(dialect: Dialect) -> str | None:
    cipher = getattr(dialect, sealed.CIPHER_ATTRIBUTE, None)
    return check_value(cipher) if isinstance(cipher, FieldCipher) else None


def _refuse_unless(expected: str | None, stored: Any) -> None:
    if expected is not None and stored is not None and str(stored) != expected:
        raise DataKeyChanged()


def _stored_check(dbapi_connection: Any) -> Any:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(_READ_CHECK)
        row = cursor.fetchone()
    finally:
        cursor.close()
    dbapi_connection.rollback()  # the check is no part of the caller's transaction
    return row[0] if row else None


def watch(engine: Engine) -> None:
    """Check the session's key at every checkout of a pooled connection (in the pool's
    ping; the engine must be made with ``pool_pre_ping=True``) and on every new connection
    (the pool does not ping a connection it has just made)."""
    dialect = engine.dialect
    plain_ping: Callable[[Any], bool] = dialect.do_ping

    def ping(dbapi_connection: Any) -> bool:
        expected = _session_check(dialect)
        if expected is None:
            return plain_ping(dbapi_connection)
        _refuse_unless(expected, _stored_check(dbapi_connection))
        return True

    def connected(dbapi_connection: Any, _record: Any) -> None:
        expected = _session_check(dialect)
        if expected is None:
            return
        try:
            _refuse_unless(expected, _stored_check(dbapi_connection))
        except DataKeyChanged:
            dbapi_connection.close()
            raise

    setattr(dialect, "do_ping", ping)  # noqa: B010 - on this engine's dialect only
    event.listen(engine, "connect", connected)


def lock_for_writing(conn: Connection, lock: int) -> None:
    """Take the write lock ``lock`` (transaction-scoped advisory lock); for a session, then
    check that the house's data key is still the session's."""
    expected = _session_check(conn.dialect)
    if expected is None:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({int(lock)})")
        return
    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({int(lock)})")
    # a statement of its own: its snapshot is taken after the lock (read committed), so it
    # sees a key change that committed while this writer waited
    _refuse_unless(expected, conn.exec_driver_sql(_READ_CHECK).scalar())


def record(conn: Connection, cipher: FieldCipher) -> None:
    """Inside the key change's transaction: the new key's check value (``meta``)."""
    vault_meta.set_value(conn, CHECK_KEY, check_value(cipher))
