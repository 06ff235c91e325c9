"""The vault: one SQLCipher database, its key-slot file and its lock file, in one folder.

``Vault(folder)`` knows the files; ``Vault.create`` makes a new vault with its first admin
account; ``Vault.unlock`` checks an account's passphrase against its key slot, takes the
folder's lock, opens the database with the data key, migrates the schema forward and
returns an ``OpenVault``. ``OpenVault.lock()`` drops the connection pool and zeroes the key.

The data key lives only in ``bytearray`` buffers (``app.keymem``): the one an ``OpenVault``
holds is zeroed at the lock, and every temporary one as soon as it has been used. A slot may
hold two wrapped keys after a change of the data key was interrupted; unlocking tries them in
order, and an exclusive unlock finishes what was interrupted (``app.vault.rekey``).

Failed unlocks cannot be written to the audit log at the moment they happen (there is no key
then, and a wrong passphrase must change no file); they are kept in memory and written at
the next successful unlock in the same program.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

import portalocker
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Connection, Engine
from sqlalchemy import exc as sa_exc

from app import fs, keymem
from app.domain.roles import Permission, Role, may
from app.errors import (AccountRevoked, PermissionDenied, VaultDamaged, VaultExists,
                        VaultInUse, VaultNotFound, VaultReadOnly, WriteFailed,
                        WrongPassphrase, storage_write_failed, vault_write_failed)
from app.i18n import _
from app.paths import vault_folder_limit
from app.store import audit, migrate, vault_meta
from app.store.db import READ_OPTION, connect_raw, make_engine
# the services name the recorded slot key by this (``app.services.accounts``)
from app.store.vault_meta import slot_key_name as slot_key_name
from app.vault import first_use, keyslots, network, rekey
from app.vault.keyslots import KdfParams, SlotFile

DB_NAME = "casuskamer.db"
SLOTS_NAME = "keyslots.json"
LOCK_NAME = "casuskamer.lock"
#: who holds the folder's lock: account, workstation, process and since when (no secret)
HOLDER_NAME = "casuskamer.holder"

SYSTEM_ACTOR = "-"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Actor:
    account: str
    role: Role


@dataclass
class FailedUnlock:
    account: str
    at: str
    reason: str


class Vault:
    """The files of one vault; nothing is opened until ``unlock``."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.db_path = self.folder / DB_NAME
        self.slots_path = self.folder / SLOTS_NAME
        self.lock_path = self.folder / LOCK_NAME
        self.pending_failures: list[FailedUnlock] = []
        #: "DELETE" (no WAL) for a vault an administrator allowed on a network folder
        self.journal_mode = "WAL"

    def check_folder(self, *, existing: bool = True) -> None:
        """Refuse a vault folder on a network file system unless the setting allows it;
        then the database runs without WAL (``app.vault.network``)."""
        length, limit = vault_folder_limit(self.folder, existing=existing)
        if length > limit:
            raise VaultReadOnly(_("The path of the vault folder {folder} is too long for the "
                                  "database: at most {limit} characters. Choose a folder with "
                                  "a shorter path.").format(folder=self.folder, limit=limit))
        allowed_on_network = network.check_vault_folder(self.folder)
        self.journal_mode = "DELETE" if allowed_on_network else "WAL"

    # -- inspection ---------------------------------------------------------------------

    def exists(self) -> bool:
        return self.db_path.exists() or self.slots_path.exists()

    def require_exists(self) -> None:
        if not self.folder.is_dir() or not self.exists():
            raise VaultNotFound(_("There is no vault in {folder}.").format(folder=self.folder))

    def slot_file(self) -> SlotFile:
        self.require_exists()
        return SlotFile.read(self.slots_path)

    def account_names(self) -> list[str]:
        return [s.account for s in self.slot_file().slots]

    def first_admin(self) -> str:
        """The account used when a command names none: the first admin account's slot."""
        slots = self.slot_file()
        for slot in slots.slots:
            if slots.roles.get(slot.account) == Role.ADMIN.value:
                return slot.account
        if slots.slots:
            return slots.slots[0].account
        raise VaultDamaged(_("The vault has no accounts left. Restore it from a backup."))

    # -- creation -----------------------------------------------------------------------

    @classmethod
    def create(cls, folder: Path | str, account: str, passphrase: str,
               kdf: KdfParams | None = None, *, demo: bool = False) -> OpenVault:
        """Make a new vault with its first admin account and return it unlocked.

        ``demo``: the demo vault (``casuskamer demo``), not a real vault: its published
        passphrase is accepted (the length rule alone) and the vault is marked ``demo``."""
        from app.domain.accounts import check_account_name
        from app.domain.passphrase import check_passphrase

        vault = cls(folder)
        check_account_name(account)
        check_passphrase(passphrase, account, demo=demo)
        if vault.exists():
            raise VaultExists(_("There is already a vault in {folder}.")
                              .format(folder=vault.folder))
        vault.check_folder(existing=False)
        try:
            fs.make_private_folder(vault.folder)
        except OSError:
            raise VaultReadOnly(_("The folder {folder} cannot be created.")
                                .format(folder=vault.folder)) from None
        if not os.access(vault.folder, os.W_OK):
            raise VaultReadOnly(_("The folder {folder} cannot be written to.")
                                .format(folder=vault.folder))
        data_key = keymem.random_key(keyslots.DATA_KEY_BYTES)
        try:
            vault_id = secrets.token_hex(16)
            params = kdf or keyslots.calibrate()
            slot = keyslots.seal(vault_id, account, passphrase, data_key, params)
            slots = SlotFile(vault_id, [slot], roles={account: Role.ADMIN.value})
            conn = connect_raw(vault.db_path, data_key, create=True,
                               journal_mode=vault.journal_mode)
            conn.close()
            fs.make_private(vault.db_path)
            slots.write(vault.slots_path)
            opened = vault._open(account, Role.ADMIN, data_key, vault_id, exclusive=True)
        finally:
            keymem.wipe(data_key)
        with opened.engine.begin() as c:
            vault_meta.record_creation(c, vault_id, audit.utc_now_iso(), demo=demo,
                                       admin=account, admin_role=Role.ADMIN.value,
                                       at=utcnow())
            opened.log(c, "vault.create", "vault", vault_id)
            opened.log(c, "account.add", "account", account, detail={"role": "admin"})
            record_slot_key(c, slot)
        # Its seed data (the covenant's parties) is the services' session step:
        # ``app.services.session.after_unlock(opened, created=True)``.
        return opened

    # -- unlocking ----------------------------------------------------------------------

    def unlock(self, account: str, passphrase: str, *, exclusive: bool = True) -> OpenVault:
        """Open the vault as ``account``.

        ``exclusive`` takes the folder's lock, so that a second program is told the vault is
        in use; read-mostly commands (backup, verify) pass ``False`` and rely on SQLite's own
        locking, which keeps a backup consistent while the program is open.
        """
        slots = self.slot_file()
        slot = slots.find(account)
        if slot is None:
            revoked = slots.revoked.get(account)
            self._remember_failure(account, "revoked" if revoked else "unknown")
            if revoked:
                raise AccountRevoked(_("The account {account} was revoked on {date}.")
                                     .format(account=account, date=revoked[:10]))
            raise WrongPassphrase(_("The account or passphrase is not correct."))
        try:
            candidates = keyslots.open_slot(slots.vault_id, slot, passphrase)
        except WrongPassphrase:
            self._remember_failure(account, "passphrase")
            raise
        role = Role(slots.roles.get(account, Role.PROCESS_DIRECTOR.value))
        try:
            opened = self._open_with_any(account, role, candidates, slots.vault_id, exclusive)
        finally:
            for key in candidates:
                keymem.wipe(key)
        with opened.unlock_step():
            opened.after_unlock()
            if exclusive:
                # Finish what a crash may have interrupted: a slot of the first format is
                # rewritten, a half-done change of the data key is completed.
                rekey.settle(opened, passphrase if slot.legacy else None)
        # The retention purge at each unlock (the program and every command that holds the
        # vault) is the services' session step: ``app.services.session.after_unlock``.
        return opened

    def _remember_failure(self, account: str, reason: str) -> None:
        self.pending_failures.append(FailedUnlock(account, audit.utc_now_iso(), reason))

    def _open_with_any(self, account: str, role: Role, candidates: list[bytearray],
                       vault_id: str, exclusive: bool) -> OpenVault:
        """Open with the first of ``candidates`` the database accepts (a slot holds two keys
        only while a change of the data key was interrupted; the other one fails at once).
        """
        for i, key in enumerate(candidates):
            try:
                return self._open(account, role, key, vault_id, exclusive=exclusive)
            except VaultDamaged:
                if i == len(candidates) - 1:
                    raise
        raise VaultDamaged(_("The key slot of {account} is damaged. Restore the vault from a "
                             "backup.").format(account=account))

    def _open(self, account: str, role: Role, data_key: bytes | bytearray, vault_id: str,
              exclusive: bool) -> OpenVault:
        if not self.db_path.exists():
            raise VaultDamaged(_("The database file of this vault is missing. "
                                 "Restore the vault from a backup."))
        self.check_folder()
        lock = FolderLock(self.lock_path) if exclusive else None
        if lock is not None:
            lock.acquire(account)
        try:
            opened = OpenVault(self, Actor(account, role), bytearray(data_key), vault_id, lock)
            try:
                opened.migrate()
            except sa_exc.DatabaseError as exc:
                opened.lock(audit_it=False)
                if isinstance(exc.orig, sqlcipher.OperationalError) and "locked" in str(exc.orig):
                    raise VaultInUse(_("The vault is busy in another program; "
                                       "try again.")) from None
                code = getattr(exc.orig, "sqlite_errorcode", None)
                if storage_write_failed(code):
                    raise vault_write_failed(code, self.folder) from None
                raise VaultDamaged(_("The database of this vault cannot be read: it is "
                                     "damaged or was altered. Restore the vault from a "
                                     "backup.")) from None
            except BaseException:
                opened.lock(audit_it=False)  # zeroes its copy of the (wrong) key
                raise
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        return opened


class FolderLock:
    """An exclusive lock on the vault folder, held while a program has the vault open.

    Taken through ``portalocker`` on the file ``casuskamer.lock``: ``flock`` on Linux and
    macOS, ``msvcrt.locking`` (``LockFileEx``'s byte-range lock) on Windows. Both are
    released by the system when the holder dies, so a lock left by a crashed program is
    simply taken over.

    The lock file is opened without following a symbolic link or reparse point
    (``app.fs.open_no_follow``) and is never written or truncated: a link planted in its
    place is refused and the file it points to is left alone. Who holds the lock (account,
    workstation, process, since when) is written, once the lock is held, to the separate
    note ``casuskamer.holder`` (atomically, owner-only), because on Windows the locked bytes
    of the lock file cannot be read by the second program that finds the vault in use; the
    holder removes the note before it lets go of the lock.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.holder_path = path.with_name(HOLDER_NAME)
        self.fd: int | None = None

    def holder(self) -> dict[str, Any]:
        """The holder note's account, host, pid and since (empty when there is none)."""
        try:
            fd = fs.open_no_follow(self.holder_path, os.O_RDONLY)
        except OSError:
            return {}
        with os.fdopen(fd, "rb") as fh:
            raw = fh.read(4096)
        try:
            data = json.loads(raw.decode("utf-8") or "{}")
        except ValueError:
            return {}
        if not isinstance(data, dict):
            return {}
        return {key: data[key] for key in ("account", "host", "pid", "since") if key in data}

    def acquire(self, account: str) -> None:
        try:
            fd = fs.open_no_follow(self.path, os.O_RDWR | os.O_CREAT)
        except fs.LinkRefused:
            raise VaultDamaged(_("The vault's lock file {name} is a link to another file or "
                                 "not a plain file; the vault was not opened and nothing was "
                                 "changed. Ask your administrator to remove it.")
                               .format(name=LOCK_NAME)) from None
        except PermissionError:
            raise VaultReadOnly(_("The vault folder cannot be written to. "
                                  "Check the folder's permissions.")) from None
        except OSError:
            raise VaultReadOnly(_("The vault's lock file cannot be opened.")) from None
        try:
            portalocker.lock(fd, portalocker.LockFlags.EXCLUSIVE
                             | portalocker.LockFlags.NON_BLOCKING)
        except portalocker.AlreadyLocked:
            os.close(fd)
            info = self.holder()
            raise VaultInUse(_("The vault is in use by {account} on {host} since {since}. "
                               "Close the program there first.").format(
                account=info.get("account", "?"), host=info.get("host", "?"),
                since=str(info.get("since", "?"))[:16].replace("T", " "))) from None
        except portalocker.LockException:
            os.close(fd)
            raise VaultReadOnly(_("The vault's lock file cannot be locked.")) from None
        self.fd = fd
        info = {"account": account, "host": audit.workstation(), "pid": os.getpid(),
                "since": audit.utc_now_iso()}
        try:
            fs.write_private(self.holder_path, json.dumps(info).encode("utf-8"))
        except OSError:
            pass  # the note only helps the second program's message; the lock is held

    def release(self) -> None:
        if self.fd is not None:
            try:
                self.holder_path.unlink()
            except OSError:
                pass
            try:
                portalocker.unlock(self.fd)
            except portalocker.LockException:
                pass  # closing the file lets go of the lock as well
            os.close(self.fd)
            self.fd = None


@dataclass
class OpenVault:
    """The vault unlocked by one account: the engine, the actor, and the audit log.

    Services take this object; it is the only way to the data.
    """

    vault: Vault
    actor: Actor
    _key: bytearray | None
    vault_id: str
    _lock: FolderLock | None
    engine: Engine = field(init=False)
    _lock_listeners: list[Any] = field(default_factory=list)
    #: run by a normal lock while the vault is still open, after its "lock" row (the command
    #: line forwards the command's audit rows there: ``app.vault.forwarding``)
    _before_lock: list[Any] = field(default_factory=list)
    #: case numbers destroyed by the retention purge that ran at this unlock
    purged_at_unlock: list[str] = field(default_factory=list)
    _guard: threading.Lock = field(default_factory=threading.Lock)
    #: held while a connection is made, and by the data-key change for its whole length
    connect_gate: threading.RLock = field(default_factory=threading.RLock)
    #: per thread: what is to be written once the open transaction has committed
    #: (``write_slots_after_commit``)
    _tx: threading.local = field(default_factory=threading.local)
    #: the id of the audit row this unlock wrote (rows from here on are this session's)
    login_row_id: int = 0
    #: who set this account's passphrase, when it was someone else (an administrator adding
    #: it) and the holder has not chosen their own yet: empty once they have. While set, the
    #: command line and the program let the account do nothing but choose one
    #: (``app.vault.first_use``)
    passphrase_set_by: str = ""

    def __post_init__(self) -> None:
        if self._key is not None:
            keymem.pin(self._key)  # out of swap where allowed (issue 25, point 2)
        self.engine = make_engine(self.vault.db_path, self._data_key, gate=self.connect_gate,
                                  journal_mode=self.vault.journal_mode)

    def _data_key(self) -> bytearray:
        if self._key is None:
            raise VaultNotFound(_("The vault is locked."))
        return self._key

    @property
    def is_open(self) -> bool:
        return self._key is not None

    @property
    def holds_folder_lock(self) -> bool:
        return self._lock is not None

    def detach_folder_lock(self) -> FolderLock | None:
        """Hand the folder lock to the caller, who releases it (a restore holds it while it
        moves the vault aside); the lock of this ``OpenVault`` then no longer releases it."""
        with self._guard:
            lock, self._lock = self._lock, None
        return lock

    def key_buffer(self) -> bytearray:
        """The data key itself (not a copy), for keying a connection or wrapping it for a key
        slot. Never convert it to ``bytes``/``str`` and never keep it: the lock zeroes it."""
        return self._data_key()

    def replace_key(self, new_key: bytearray) -> None:
        """Put ``new_key`` in place of the data key, in the same buffer (the old is zeroed)."""
        key = self._data_key()
        key[:] = new_key

    @property
    def data_key(self) -> bytes:
        """A ``bytes`` copy of the data key, for tests that open the file at page level.
        The program itself never uses it (a ``bytes`` object cannot be zeroed)."""
        return bytes(self._data_key())

    def migrate(self) -> None:
        with self.engine.begin() as conn:
            migrate.upgrade(conn)

    @contextmanager
    def unlock_step(self) -> Iterator[None]:
        """A step that belongs to unlocking (this vault's own checks, the services' session
        step): when it fails the vault is locked again, and a database error is told as
        unlocking tells it (a full disk, else a damaged vault)."""
        try:
            yield
        except sa_exc.DatabaseError as exc:
            self.lock(audit_it=False)
            code = getattr(exc.orig, "sqlite_errorcode", None)
            if storage_write_failed(code):
                # a full disk is not a damaged vault: say what to do about it
                raise vault_write_failed(code, self.vault.folder) from None
            raise VaultDamaged(_("The database of this vault cannot be read: it is damaged or "
                                 "was altered. Restore the vault from a backup.")) from None
        except BaseException:
            self.lock(audit_it=False)
            raise

    def after_unlock(self) -> None:
        """Check the account against the database and log the login (and earlier failures)."""
        with self.engine.begin() as conn:
            row = vault_meta.account_row(conn, self.actor.account)
            if row is None or row["revoked_at"] is not None:
                failed = audit.AuditEntry("unlock", "account", self.actor.account, "denied",
                                          {"reason": "revoked" if row else "no account row"})
                audit.append(conn, actor=self.actor.account, role=self.actor.role.value,
                             entry=failed)
                raise AccountRevoked(_("The account {account} was revoked.")
                                     .format(account=self.actor.account))
            if row["role"] != self.actor.role.value:
                self.actor = Actor(self.actor.account, Role(row["role"]))
            self._reconcile_slots(conn)
            self.passphrase_set_by = first_use.passphrase_set_by(conn, self.actor.account)
            for failure in self.vault.pending_failures:
                audit.append(conn, actor=SYSTEM_ACTOR, role="-", entry=audit.AuditEntry(
                    "unlock", "account", failure.account, "failed",
                    {"reason": failure.reason, "at": failure.at}))
            self.vault.pending_failures.clear()
            self.login_row_id = self.log(conn, "unlock", "account", self.actor.account)

    def _reconcile_slots(self, conn: Connection) -> None:
        """Remove key slots whose account has no active row.

        Adding an account writes its slot inside the database transaction, just before the
        commit; a crash between the two leaves a slot for an account that does not exist.
        Revoking one writes the file after the commit; a crash or a full disk between the
        two leaves the revoked account's slot. Such a slot cannot unlock anything useful
        (the login is refused), but it must not linger in the file either.
        """
        slots = self.vault.slot_file()
        gone = slots.keep_only(vault_meta.account_states(conn))
        if not gone:
            return
        for name in gone:
            self.log(conn, "account.slot_removed", "account", name,
                     detail={"reason": "no active account row"})
        slots.write(self.vault.slots_path, forget_previous=True)

    # -- transactions and the audit log -------------------------------------------------

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One write transaction (``BEGIN IMMEDIATE``).

        A full disk or an input/output error rolls the transaction back and reaches the
        caller as ``WriteFailed`` (a message a user can act on), not as a driver error.
        What :meth:`write_slots_after_commit` was given in the block is written once the
        transaction has committed (never when it did not).
        """
        after: list[Callable[[], None]] = []
        outer = getattr(self._tx, "after_commit", None)
        self._tx.after_commit = after
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa_exc.OperationalError as exc:
            code = getattr(exc.orig, "sqlite_errorcode", None)
            if storage_write_failed(code):
                raise vault_write_failed(code, self.vault.folder) from None
            raise
        finally:
            self._tx.after_commit = outer
        for step in after:
            step()

    def write_slots_after_commit(self, slots: SlotFile) -> None:
        """Write the key-slot file, without the slots ``slots`` no longer holds (and without
        them in its kept previous version), once the transaction :meth:`begin` has open on
        this thread has committed: a slot goes only with a committed revocation.

        The file changes in one step (``SlotFile.write``). When it cannot be written, or the
        program stops first, the revoked account's slot stays in the file for a while, and
        opens nothing: the unlock refuses the account (its row is revoked), the change of
        the data key that follows a revocation leaves that slot out (and drops it from the
        file), and the next unlock removes it (``_reconcile_slots``). The reverse, a slot
        gone while the account is not revoked, cannot happen: that was the defect of writing
        the file before the commit (twice, and a failure in between left it so)."""
        path = self.vault.slots_path

        def write() -> None:
            try:
                slots.write(path, forget_previous=True)
            except WriteFailed:
                pass  # see above: the slot opens nothing and is removed later

        after = getattr(self._tx, "after_commit", None)
        if after is None:
            write()
        else:
            after.append(write)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading: its transaction takes no write lock."""
        with self.engine.connect() as conn:
            conn.execution_options(**{READ_OPTION: True})
            yield conn

    def log(self, conn: Connection, action: str, object_type: str, object_id: str | int,
            result: str = "ok", detail: dict[str, Any] | None = None) -> int:
        return audit.append(conn, actor=self.actor.account, role=self.actor.role.value,
                            entry=audit.AuditEntry(action, object_type, str(object_id),
                                                   result, detail))

    def log_now(self, action: str, object_type: str, object_id: str | int,
                result: str = "ok", detail: dict[str, Any] | None = None) -> None:
        """Log in a transaction of its own (for reads, exports and refusals)."""
        with self.begin() as conn:
            self.log(conn, action, object_type, object_id, result, detail)

    def require(self, permission: Permission, object_type: str = "-",
                object_id: str | int = "-") -> None:
        """Refuse (and log the refusal) when the account's role lacks ``permission``."""
        if not may(self.actor.role, permission):
            self.log_now("denied", object_type, object_id, "denied",
                         {"permission": permission.value})
            raise PermissionDenied(_("Your role ({role}) may not do this.")
                                   .format(role=self.actor.role.label))

    # -- locking ------------------------------------------------------------------------

    def on_lock(self, callback: Any) -> None:
        self._lock_listeners.append(callback)

    def before_lock(self, callback: Any) -> None:
        self._before_lock.append(callback)

    def lock(self, audit_it: bool = True) -> None:
        """Close every connection and drop the key. Safe to call twice."""
        with self._guard:
            if self._key is None:
                return
            if audit_it:
                try:
                    self.log_now("lock", "account", self.actor.account)
                except Exception:  # noqa: BLE001 - locking must never fail
                    pass
                for hook in self._before_lock:
                    try:
                        hook()
                    except Exception:  # noqa: BLE001 - locking must never fail
                        pass
            self._before_lock.clear()
            self.engine.dispose()
            # SQLAlchemy's statement cache keeps each cached statement's first parameters
            # (an INSERT's name, BSN or case text): personal data in memory after the lock.
            self.engine.clear_compiled_cache()
            keymem.wipe(self._key)
            self._key = None
            if self._lock is not None:
                self._lock.release()
                self._lock = None
        for callback in list(self._lock_listeners):
            callback()
        self._lock_listeners.clear()

    def __enter__(self) -> OpenVault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock()


def record_slot_key(conn: Connection, slot: keyslots.KeySlot) -> None:
    """Record the account's public key in the database, so that a slot file altered to hold
    someone else's key is noticed before a new data key is wrapped for it (a slot of the
    first format has no public key: nothing is recorded)."""
    vault_meta.record_slot_key(conn, slot.account, slot.public_key)
