"""Changing the vault's data key: after a revocation, and as an administrator's action.

A new random key replaces the old one: the database is re-encrypted under it (SQLCipher's
``PRAGMA rekey`` with the raw key), every remaining account's slot receives it (wrapped for
the account's public key, so no passphrase is needed), and the old key is gone from the slot
file and its kept previous version. A revoked person's passphrase with an old copy of
``keyslots.json`` then opens only the old key, which opens nothing that is still in use.

Crash safety: the live database file is never re-encrypted in place. With the vault's own
lock held and every other connection closed (switching the file out of WAL mode fails while
any other program has it open: that is the check), the database is copied, the copy is
re-keyed, the slot file is written holding both keys (new first), and the copy is renamed
over the database in one step; then the slot file is written again with the new key only. A
kill at any moment leaves one of: the old database with slots holding the old key (or both),
or the new database with slots holding both (or the new key). Unlocking tries a slot's keys
in order, so the vault always opens with the remaining accounts.

The request is recorded in the database (``meta.data_key_change``) in the same transaction
as the revocation; the re-keyed copy no longer has it. If the program dies before the swap,
the next exclusive unlock finds the request and finishes the change (``settle``).

The audit row says what happened: the ``vault.rekey`` row with result ``ok`` is written into
the re-keyed copy only, so it is in the database exactly when the database is the re-keyed
one; a change that fails leaves the old database with a ``vault.rekey`` row with result
``failed`` (and what failed, by kind), a deferred one a row with result ``deferred``.

The SQL is the store's (``app.store.vault_meta``); this module imports the vault's
``OpenVault`` for the type checker only, so ``app.vault.vault`` (whose exclusive unlock calls
``settle``) and this module form no import cycle.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from app import keymem
from app.errors import (
    CasuskamerError,
    ValidationError,
    VaultDamaged,
    VaultInUse,
    WriteFailed,
    file_write_failed,
)
from app.i18n import _
from app.store import audit, vault_meta
from app.store.db import connect_raw
from app.store.db import rekey as db_rekey
from app.vault import keyslots
from app.vault.keyslots import SlotFile

if TYPE_CHECKING:  # pragma: no cover - for the type checker only (no import cycle)
    from app.vault.vault import OpenVault

#: the re-keyed copy, beside the database until it is renamed over it
COPY_NAME = "casuskamer.db.rekey"
PENDING_KEY = vault_meta.PENDING_KEY
GENERATION_KEY = vault_meta.GENERATION_KEY
#: the audit action of a change of the data key
ACTION = "vault.rekey"
#: an interrupted change of passphrase settled (its slot's key is the recorded one now)
SLOT_SETTLED = "account.slot_settled"
#: a slot whose public key the vault never recorded (the key-slot file was altered)
SLOT_REFUSED = "account.slot_refused"
#: how long the change waits for another program's connection to go
BUSY_MS = 2000

REVOCATION = "revocation"
ADMINISTRATOR = "administrator"


class KeyChangeWaiting(ValidationError):
    """Some accounts still have a slot of the first format, which only their passphrase can
    open; the data key changes once each of them has unlocked (the request is kept)."""

    def __init__(self, accounts: list[str]) -> None:
        super().__init__(_("The data key will be changed once these accounts have unlocked "
                           "the vault once (their key slots are of an older kind): "
                           "{accounts}.").format(accounts=", ".join(accounts)))
        self.accounts = accounts


def request(conn: Connection, reason: str) -> None:
    """Record, inside the caller's transaction, that the data key must change."""
    vault_meta.request_key_change(conn, reason)


def pending(opened: OpenVault) -> str | None:
    with opened.read() as conn:
        return vault_meta.pending_key_change(conn)


def generation(opened: OpenVault) -> int:
    """How many times the data key has been changed."""
    with opened.read() as conn:
        return vault_meta.key_generation(conn)


def settle_announced(conn: Connection, slot: keyslots.KeySlot, recorded: dict[str, str]) -> bool:
    """Settle an announced key of ``slot``'s account (``vault_meta.announce_slot_key``):
    the file holds the announced key, so the change of passphrase reached the file and its
    key becomes the recorded one; or the file holds the recorded key, so the change never
    reached it and the announcement goes. True when the recorded key changed."""
    announced = vault_meta.announced_slot_keys(conn).get(slot.account)
    if announced is None:
        return False
    if slot.public_key.hex() == announced:
        vault_meta.record_slot_key(conn, slot.account, slot.public_key)
        vault_meta.drop_announced_slot_key(conn, slot.account)
        return True
    if slot.public_key.hex() == recorded.get(slot.account):
        vault_meta.drop_announced_slot_key(conn, slot.account)
    return False


def trust_slot_keys(conn: Connection, slots: SlotFile) -> tuple[list[str], list[str]]:
    """Hold every slot's public key against the one the database recorded for its account:
    ``(settled, refused)``. A key announced by an interrupted change of passphrase that the
    file holds becomes the recorded one (settled); a key neither recorded nor announced is
    someone else's (refused): no data key may be wrapped for it. An account with nothing
    recorded yet has its key recorded now."""
    recorded = vault_meta.recorded_slot_keys(conn)
    announced = vault_meta.announced_slot_keys(conn)
    settled: list[str] = []
    refused: list[str] = []
    for slot in slots.slots:
        key = slot.public_key.hex()
        known = recorded.get(slot.account)
        if known is None:
            vault_meta.record_slot_key(conn, slot.account, slot.public_key)
        elif key == known:
            continue
        elif key == announced.get(slot.account) and settle_announced(conn, slot, recorded):
            settled.append(slot.account)
        else:
            refused.append(slot.account)
    return settled, refused


def _check_slot_keys(opened: OpenVault, conn: Connection, slots: SlotFile) -> None:
    """Every slot's public key must be the one the database recorded for that account (or
    the one an interrupted change of passphrase announced, settled now and audited)."""
    settled, refused = trust_slot_keys(conn, slots)
    for account in settled:
        opened.log(conn, SLOT_SETTLED, "account", account)
    if refused:
        raise VaultDamaged(_("The key slot of {account} is not the one this vault "
                             "recorded: the key-slot file was altered. The data key was "
                             "not changed.").format(account=refused[0]))


def change_data_key(opened: OpenVault, reason: str, resumed: bool = False) -> int:
    """Give the vault a new data key; returns the key's generation number.

    The caller has checked the role. The vault must be open with its folder lock (the
    program, or a command that holds the vault); any other connection to the database, in
    this program or another, makes it refuse with ``VaultInUse`` before anything changed.
    A change that fails leaves a ``vault.rekey`` row with result ``failed`` (and the request,
    for the next unlock); only the re-keyed database holds the row with result ``ok``.
    """
    vault = opened.vault
    if not opened.holds_folder_lock:
        raise VaultInUse(_("The data key can only be changed while holding the vault."))
    slots = vault.slot_file()
    with opened.read() as conn:
        states = vault_meta.account_states(conn)
    # Only the accounts that are active receive the new key: a revoked account's slot still
    # in the file (its removal is written after the revocation commits, and may not have
    # been) is left out, and so leaves the file with the change.
    slots.keep_only(states)
    waiting = slots.legacy_accounts()
    with opened.begin() as conn:
        request(conn, reason)
        if waiting:
            opened.log(conn, ACTION, "vault", opened.vault_id, "deferred",
                       {"reason": reason, "waiting_accounts": len(waiting)})
    if waiting:
        raise KeyChangeWaiting(waiting)
    detail: dict[str, Any] = {"reason": reason, "resumed": resumed,
                              "accounts": len(slots.slots)}
    try:
        with opened.begin() as conn:
            _check_slot_keys(opened, conn, slots)
            number = vault_meta.key_generation(conn) + 1
    except Exception as exc:
        _log_failure(opened, detail, exc)
        raise
    detail["generation"] = number
    # Written into the re-keyed copy only: the database holds it once it is the new one.
    done = audit.AuditEntry(ACTION, "vault", opened.vault_id, "ok", detail)
    new_key = keymem.random_key(keyslots.DATA_KEY_BYTES)
    # Own copies: a lock meanwhile (another thread) zeroes the vault's buffer, and a slot
    # must never be given a zeroed key. They are zeroed here when done.
    old_key = bytearray(opened.key_buffer())
    try:
        with opened.connect_gate:
            opened.engine.dispose()
            try:
                _swap(opened, slots, old_key, new_key, number, done)
            except OSError as exc:
                # the re-keyed copy did not fit (it is removed): nothing changed; a message,
                # not a bare OSError (issue 23, point 8: found by the disk-full injections)
                failure = file_write_failed(exc, vault.folder)
                _log_failure(opened, detail, failure)
                raise failure from None
            except Exception as exc:
                _log_failure(opened, detail, exc)
                raise
            opened.replace_key(new_key)
            opened.engine.dispose()
        # The old key leaves the slot file and its kept previous version. The change is
        # made whatever happens here: slots that still hold both keys are tidied at the next
        # exclusive unlock (``settle``).
        with suppress(WriteFailed):
            slots.rewrapped([new_key]).write(vault.slots_path, forget_previous=True)
    finally:
        keymem.wipe(new_key)
        keymem.wipe(old_key)
    return number


def _log_failure(opened: OpenVault, detail: dict[str, Any], exc: BaseException) -> None:
    """The honest row of a change that was not made: result ``failed`` and the kind of
    failure (a class name, nothing personal). Best effort: a vault locked meanwhile or a
    disk that takes no row leaves the request, which the next unlock finds."""
    with suppress(Exception):
        opened.log_now(ACTION, "vault", opened.vault_id, "failed",
                       {**detail, "failure": type(exc).__name__})


def _swap(opened: OpenVault, slots: SlotFile, old_key: bytearray, new_key: bytearray,
          number: int, done: audit.AuditEntry) -> None:
    vault = opened.vault
    copy = vault.folder / COPY_NAME
    remove_copy(vault.folder)
    live = connect_raw(vault.db_path, old_key, wal=False)
    both_written = False
    try:
        if not vault_meta.only_connection(live, BUSY_MS):
            raise VaultInUse(_("The vault is open in another program (a backup or a check); "
                               "the data key was not changed. Try again when it has "
                               "finished."))
        # Nobody reads or writes the file from here until it is replaced.
        vault_meta.hold_exclusive(live)
        _copy_file(vault.db_path, copy)
        dup = connect_raw(copy, old_key, wal=False)
        try:
            # The copy is thrown away if anything fails: no journal needed for the rekey.
            vault_meta.journal_mode(dup, "OFF")
            with vault_meta.on_copy(dup) as conn:
                vault_meta.mark_generation_on_copy(conn, number)
                audit.append(conn, actor=opened.actor.account,
                             role=opened.actor.role.value, entry=done)
            db_rekey(dup, new_key)
            vault_meta.journal_mode(dup, "DELETE")
        finally:
            dup.close()
        check = connect_raw(copy, new_key, wal=False)  # opens with the new key, or raises
        check.close()
        _fsync(copy)
        # Both keys, the new one first: whichever file is in place, the slots open it.
        slots.rewrapped([new_key, old_key]).write(vault.slots_path)
        both_written = True
        os.replace(copy, vault.db_path)
        _fsync_dir(vault.folder)
    except BaseException:
        remove_copy(vault.folder)
        if both_written:
            try:
                slots.rewrapped([old_key]).write(vault.slots_path, forget_previous=True)
            except (OSError, WriteFailed):
                pass  # the next unlock tidies the slot file
        raise
    finally:
        vault_meta.let_go(live)
        live.close()


def _copy_file(source: Path, target: Path) -> None:
    # O_BINARY: on Windows os.open is in text mode otherwise and would rewrite newlines
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        while True:
            block = src.read(1 << 20)
            if not block:
                break
            out.write(block)
        out.flush()
        os.fsync(out.fileno())


def _fsync(path: Path) -> None:
    from app import fs

    fs.fsync_file(path)


def _fsync_dir(folder: Path) -> None:
    from app import fs

    fs.fsync_dir(folder)  # a folder cannot be opened as a file on Windows


def remove_copy(folder: Path) -> None:
    """Remove a re-keyed copy left by an interrupted change (never the database)."""
    for name in (COPY_NAME, COPY_NAME + "-journal", COPY_NAME + "-wal", COPY_NAME + "-shm"):
        (folder / name).unlink(missing_ok=True)


def _settle_slot_keys(opened: OpenVault, slots: SlotFile) -> list[str]:
    """At an exclusive unlock: settle the keys interrupted changes of passphrase announced,
    and name the slots whose key the vault never recorded (audited at each such unlock, as
    ``account.slot_refused``: someone altered the key-slot file). Returns those accounts."""
    with opened.begin() as conn:
        settled, refused = trust_slot_keys(conn, slots)
        for account in vault_meta.announced_slot_keys(conn):
            if slots.find(account) is None:  # its slot went meanwhile (a revocation)
                vault_meta.drop_announced_slot_key(conn, account)
        for account in settled:
            opened.log(conn, SLOT_SETTLED, "account", account)
        for account in refused:
            opened.log(conn, SLOT_REFUSED, "account", account, "denied")
    return refused


def settle(opened: OpenVault, passphrase: str | None) -> None:
    """At an exclusive unlock: finish what an interrupted change left.

    A copy left beside the database goes; the unlocking account's slot of the first format
    is rewritten in the new form (``passphrase`` is given only then); slots still holding two
    keys keep the one that opened the vault; a requested change of the data key is made
    (if another program holds the database, it is left for the next unlock).
    """
    vault = opened.vault
    remove_copy(vault.folder)
    slots = vault.slot_file()
    refused = _settle_slot_keys(opened, slots)
    changed = False
    own = slots.find(opened.actor.account)
    if own is not None and own.legacy and passphrase is not None:
        fresh = keyslots.seal(opened.vault_id, own.account, passphrase, opened.key_buffer(),
                              own.kdf)
        slots.replace(fresh)
        with opened.begin() as conn:
            vault_meta.record_slot_key(conn, fresh.account, fresh.public_key)
            opened.log(conn, "account.slot_upgrade", "account", own.account)
        changed = True
    if any(len(s.keys) > 1 for s in slots.slots if s.account not in refused):
        # the key that opened the vault, for the slots whose key the vault recorded only:
        # a slot put in the file with someone else's key pair gets nothing
        slots = slots.rewrapped([opened.key_buffer()], leave=refused)
        changed = True
    if changed:
        slots.write(vault.slots_path, forget_previous=True)
    reason = pending(opened)
    if reason is None or slots.legacy_accounts():
        return
    with suppress(CasuskamerError):
        # a failure is on the record (the change writes its own ``failed`` row) and the
        # request stays for the next unlock
        change_data_key(opened, reason, resumed=True)
