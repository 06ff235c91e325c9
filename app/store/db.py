"""Opening the SQLCipher database behind SQLAlchemy Core.

Every connection is keyed with the raw 256-bit data key (SQLCipher's ``x'...'`` raw-key
form, never a passphrase), handed to the driver's ``set_key`` in a buffer that is zeroed right
after (``app.keymem``): no ``str`` or ``bytes`` copy of the key is made. Right after keying,
``PRAGMA cipher_version`` must answer (a plain SQLite
library ignores ``PRAGMA key`` and would write plaintext) and a first read must succeed (a
wrong key or a damaged file fails only there). Each connection then gets the settings the
design asks for: WAL with ``synchronous = FULL``, foreign keys, ``secure_delete``,
``cipher_memory_security``. Transactions start with ``BEGIN IMMEDIATE`` so that writers in two
processes (the program and a backup from the command line) serialise cleanly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from app import keymem
from app.errors import VaultDamaged, VaultReadOnly, storage_write_failed, vault_write_failed
from app.i18n import _

BUSY_TIMEOUT_MS = 10_000
#: execution option marking a connection that only reads (plain deferred ``BEGIN``)
READ_OPTION = "casuskamer_read_only"
#: WAL normally; DELETE (a rollback journal) for a vault allowed on a network folder
JOURNAL_MODES = ("WAL", "DELETE")

CONNECTION_PRAGMAS = (
    # SQLCipher's own log goes to stderr; it holds no data, but a damaged file would fill a
    # terminal with it. Errors still reach us as exceptions.
    "PRAGMA cipher_log_level = NONE",
    "PRAGMA cipher_memory_security = ON",  # MEMORY_SECURITY_PRAGMA
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",
    "PRAGMA synchronous = FULL",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
)


#: ``cipher_memory_security`` is one setting for the whole process in SQLCipher, and once an
#: allocation was made with it on, it cannot be turned off. It is on in the program. Only a
#: process that makes a NEW demo vault (synthetic data under a published passphrase) runs
#: without it, set before its first connection (``app.services.demo``): every SQLCipher call
#: then skips locking and wiping its memory, which halves the demo's time.
MEMORY_SECURITY_PRAGMA = "PRAGMA cipher_memory_security = ON"
_memory_security = [True]


@contextmanager
def without_memory_security() -> Iterator[None]:
    """Connections opened inside leave ``cipher_memory_security`` off (where the process
    has not used it yet: it cannot be turned off after). For the demo generator only."""
    _memory_security[0] = False
    try:
        yield
    finally:
        _memory_security[0] = True


def set_key(conn: sqlcipher.Connection, data_key: bytes | bytearray) -> None:
    """Key a new connection with the raw data key (``PRAGMA key``), through a zeroed buffer."""
    with keymem.key_literal(data_key) as literal:
        conn.set_key(literal)


def rekey(conn: sqlcipher.Connection, new_key: bytearray) -> None:
    """Re-encrypt the connection's database under ``new_key`` (``PRAGMA rekey``)."""
    with keymem.key_literal(new_key) as literal:
        conn.reset_key(literal)


def connect_raw(path: Path, data_key: bytes | bytearray, *, create: bool = False,
                read_only: bool = False, wal: bool = True,
                journal_mode: str = "WAL") -> sqlcipher.Connection:
    """One keyed, checked and configured DB-API connection.

    ``wal=False`` leaves the journal mode as the file has it (the data-key change works on
    a copy in rollback-journal mode). ``journal_mode="DELETE"`` is for a vault an
    administrator allowed on a network folder, where WAL's shared index is not reliable
    (``app.vault.network``).
    """
    if journal_mode not in JOURNAL_MODES:
        raise ValueError(f"journal mode {journal_mode!r}")
    if not create and not path.exists():
        raise VaultDamaged(_("The database file of this vault is missing. "
                             "Restore the vault from a backup."))
    uri = f"file:{path}?mode={'ro' if read_only else ('rwc' if create else 'rw')}"
    try:
        conn = sqlcipher.connect(uri, uri=True, check_same_thread=False,
                                 isolation_level=None)
    except sqlcipher.OperationalError:
        raise VaultReadOnly(_("The vault folder cannot be opened for writing. "
                              "Check the folder's permissions.")) from None
    try:
        set_key(conn, data_key)
        version = conn.execute("PRAGMA cipher_version").fetchone()
        if not version or not version[0]:
            raise VaultDamaged(_("The database library has no encryption; refusing to open."))
        for pragma in CONNECTION_PRAGMAS:
            if pragma != MEMORY_SECURITY_PRAGMA or _memory_security[0]:
                conn.execute(pragma)
        # A wrong key or a damaged file shows only at the first read: read at once.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if create:
            conn.execute(f"PRAGMA journal_mode = {journal_mode}").fetchone()
        elif not read_only and wal:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).upper() != journal_mode:
                conn.execute(f"PRAGMA journal_mode = {journal_mode}").fetchone()
    except sqlcipher.DatabaseError as exc:
        conn.close()
        code = getattr(exc, "sqlite_errorcode", None)
        if storage_write_failed(code):
            # opening writes too (the WAL's index): a full disk is not a damaged vault
            raise vault_write_failed(code, path.parent) from None
        if "readonly" in type(exc).__name__.lower() or "read-only" in str(exc).lower():
            raise VaultReadOnly(_("The vault folder cannot be written to. "
                                  "Check the folder's permissions.")) from None
        raise VaultDamaged(_("The database of this vault cannot be read: it is damaged or "
                             "was altered. Restore the vault from a backup.")) from None
    return conn


def make_engine(path: Path, data_key_getter: Callable[[], bytes | bytearray], *,
                read_only: bool = False, gate: AbstractContextManager[Any] | None = None,
                journal_mode: str = "WAL") -> Engine:
    """An engine whose pool hands out keyed connections.

    ``data_key_getter`` is asked each time a new connection is made, so that dropping the
    key (on lock) leaves nothing in the pool that can make another one. ``gate``, when
    given, is held while a connection is made (the data-key change holds it, so that no
    connection opens the file it is about to replace).
    """

    def creator() -> Any:
        if gate is None:
            return connect_raw(path, data_key_getter(), read_only=read_only,
                               journal_mode=journal_mode)
        with gate:
            return connect_raw(path, data_key_getter(), read_only=read_only,
                               journal_mode=journal_mode)

    engine = create_engine("sqlite+pysqlite://", module=sqlcipher, creator=creator,
                           poolclass=QueuePool, pool_size=2, max_overflow=4,
                           # The connection used last is handed out again: a read after the
                           # audit row of the previous read finds its decrypted pages still
                           # in that connection's cache (a write on ANOTHER connection
                           # empties every other cache in WAL mode), so the pages are not
                           # decrypted again for each call (issue 23).
                           pool_use_lifo=True)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:  # pragma: no cover - exercised by every transaction
        # Reads take no write lock (WAL lets them run beside a writer: a backup copying the
        # whole file must not hold up the program's saves); writes take it at once.
        deferred = read_only or conn.get_execution_options().get(READ_OPTION, False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    return engine
