"""Keeping a vault sound: verify, backup, restore.

- ``verify``: SQLCipher's page check (every page's HMAC), SQLite's integrity check, the
  foreign keys, and the audit log's hash chain. Any finding is a failed check.
- ``backup``: a consistent copy through SQLite's backup API (never a file copy of a live
  database), still encrypted with the same data key, together with the key-slot file, in one
  zip file written atomically. It works while the program has the vault open. Only an
  administrator (``Permission.BACKUP``) may make one.
- ``restore``: the administrator's too. It unpacks a backup next to the target, unlocks it
  with an administrator account whose slot was valid when the backup was made, verifies it,
  and only then puts it in place. It never deletes: the vault it replaces is moved aside,
  beside the vault folder and named with the date (``<folder>.replaced-<date>``), named by
  ``verify`` and in Settings until an administrator removes it (audited). Over an existing
  vault it first unlocks that vault (which takes its lock: a vault open elsewhere is refused),
  checks the account is an administrator there and that the backup is of the same vault, and,
  without ``--force``, refuses when that vault's audit log is newer than the backup, saying
  how many rows and which closures, destructions and exports would be undone. The restored
  vault records the restore, the backup's date and the replaced vault's chain head in its own
  log; retention runs at its first unlock as usual.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import exc as sa_exc

from app import fs
from app.domain.roles import Permission
from app.errors import (SQLITE_FULL, CheckFailed, NotFound, ValidationError, VaultDamaged,
                        VaultExists, VaultReadOnly, file_write_failed,
                        storage_write_failed)
from app.i18n import _, ngettext
from app.platform import current_platform
from app.store import audit, checks, migrate
from app.store.db import connect_raw
from app.fs import atomic_write
from app.vault import first_use, forwarding, network, text_scan
from app.vault.keyslots import SlotFile
from app.vault.vault import DB_NAME, SLOTS_NAME, OpenVault, Vault

BACKUP_FORMAT = "casuskamer-backup/1"
MANIFEST = "manifest.json"
#: a replaced vault is kept beside the vault folder as ``<folder>.replaced-<date>``
REPLACED_MARK = ".replaced-"
REPLACED_DATE = "%Y-%m-%d-%H%M%S"


@dataclass
class VerifyReport:
    cipher_pages_checked: bool = False
    problems: list[str] = field(default_factory=list)
    audit_rows: int = 0
    #: vaults a restore replaced, kept beside this one until an administrator removes them
    replaced: list[Path] = field(default_factory=list)
    #: after a restore: where the vault it replaced was put (None: there was none)
    replaced_by_restore: Path | None = None
    #: with ``verify(..., texts=True)``: stored texts that break the invisible-character rule
    texts: list[text_scan.TextFinding] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return not self.problems


def replaced_vaults(folder: Path) -> list[Path]:
    """The vaults a restore moved aside from ``folder``, oldest first."""
    folder = Path(folder)
    parent = folder.parent
    if not parent.is_dir():
        return []
    prefix = folder.name + REPLACED_MARK
    return sorted(p for p in parent.iterdir() if p.is_dir() and p.name.startswith(prefix))


def replaced_date(path: Path) -> str:
    """When the vault kept at ``path`` was replaced, as its name says (``YYYY-MM-DD HH:MM``)."""
    stamp = path.name.rsplit(REPLACED_MARK, 1)[-1]
    try:
        return datetime.strptime(stamp, REPLACED_DATE).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


def remove_replaced(vault: OpenVault, path: Path) -> None:
    """Delete a replaced vault kept beside this one (administrator only; audited)."""
    vault.require(Permission.BACKUP, "vault", vault.vault_id)
    path = Path(path)
    kept = {p.resolve(): p for p in replaced_vaults(vault.vault.folder)}
    target = kept.get(path.resolve())
    if target is None:
        raise NotFound(_("{path} is not a replaced vault of this vault.").format(path=path))
    shutil.rmtree(target)
    vault.log_now("vault.replaced_remove", "vault", vault.vault_id,
                  detail={"replaced": replaced_date(target)})


@dataclass(frozen=True)
class Undone:
    """What replacing a vault by a backup would take back: its audit rows newer than the
    backup, and among them the closures, destructions and exports (case numbers)."""

    rows: int
    closures: tuple[str, ...] = ()
    destructions: tuple[str, ...] = ()
    exports: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [ngettext("{count} audit row newer than the backup",
                          "{count} audit rows newer than the backup", self.rows)
                 .format(count=self.rows)]
        if self.closures:
            parts.append(_("closures of {cases}").format(cases=", ".join(self.closures)))
        if self.destructions:
            parts.append(_("destructions of {cases}").format(
                cases=", ".join(self.destructions)))
        if self.exports:
            parts.append(ngettext("{count} export ({what})", "{count} exports ({what})",
                                  len(self.exports)).format(count=len(self.exports),
                                                            what=", ".join(self.exports)))
        return "; ".join(parts)


def _undone(current: OpenVault, backup_last_id: int) -> Undone:
    """Rows of ``current`` after the backup's last row, up to (not including) the rows this
    restore's own unlock wrote."""
    with current.read() as conn:
        rows, total = audit.rows_between(conn, backup_last_id, current.login_row_id)
    closures = tuple(dict.fromkeys(str(o) for a, o in rows if a == "case.close"))
    destructions = tuple(dict.fromkeys(str(o) for a, o in rows if a == "case.destroy"))
    exports = tuple(f"{a.split('.', 1)[-1]} {o}" for a, o in rows
                    if str(a).startswith("export.") or str(a).endswith("_export"))
    return Undone(total, closures, destructions, exports)


def _chain_head(vault: OpenVault, before: int | None = None) -> tuple[int, str]:
    """The last audit row's id and hash (before row ``before``, when given)."""
    with vault.read() as conn:
        return audit.last_row(conn, before)


def verify(vault: OpenVault, quick: bool = False, texts: bool = False) -> VerifyReport:
    """Check the open vault; ``quick`` uses ``quick_check`` instead of the full check;
    ``texts`` also lists the stored texts that break the rule for invisible characters
    (``report.texts``, :mod:`app.vault.text_scan`).

    Every check runs, as before. SQLCipher's page check, the audit chain and the text scan
    run on the vault's connection in a second thread, beside SQLite's integrity check and
    the foreign-key check on a connection of their own in this one (the driver lets go of
    Python's lock while SQLite works, so on two cores the two halves take the time of the
    longer one). The problems are reported in the same order as before: pages, database,
    references, audit log."""
    report = VerifyReport()
    pages: list[str] = []
    chain: list[str] = []
    failure: list[BaseException] = []

    def beside() -> None:
        try:
            _pages_chain_texts(vault, report, pages, chain, texts)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=beside, name="verify-pages-chain", daemon=True)
    worker.start()
    try:
        structure = _structure_problems(vault, quick)
    finally:
        worker.join()
    if failure:
        raise failure[0]
    report.problems = pages + structure + chain
    report.replaced = replaced_vaults(vault.vault.folder)
    return report


def _pages_chain_texts(vault: OpenVault, report: VerifyReport, pages: list[str],
                       chain: list[str], texts: bool) -> None:
    with vault.read() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        try:
            pages.extend(_("Encryption check: {message}").format(message=m)
                         for m in checks.page_problems(raw))
            report.cipher_pages_checked = True
        except sqlcipher.DatabaseError as exc:
            pages.append(_unreadable(exc))
        try:
            for problem in audit.verify_chain(conn):
                where = f" (#{problem.row_id})" if problem.row_id is not None else ""
                chain.append(_("Audit log: {what}").format(what=problem.what) + where)
            report.audit_rows = checks.audit_row_count(raw)
            # with forwarding on: the chain against the last head the central log received
            chain.extend(forwarding.rollback_problems(conn, vault.vault.folder,
                                                      vault.vault_id))
        except (sqlcipher.DatabaseError, sa_exc.DatabaseError) as exc:
            chain.append(_unreadable(getattr(exc, "orig", exc)))
        if texts:
            try:
                report.texts = text_scan.find_invisible(conn)
            except (sqlcipher.DatabaseError, sa_exc.DatabaseError):
                report.texts = []  # a damaged database is reported by the checks


def _unreadable(exc: object) -> str:
    return _("The database cannot be read: {reason}").format(reason=exc)


def _structure_problems(vault: OpenVault, quick: bool) -> list[str]:
    """SQLite's integrity check and the foreign-key check, on a connection of their own
    (its journal mode left as the vault has it), with a page cache as large as the
    database for the full check (``app.store.checks.CHECK_CACHE_KIB``). Where that cache
    cannot be had (SQLite runs out of memory), the checks run again with the usual one."""
    if not quick:
        try:
            return _structure_checks(vault, quick, large_cache=True)
        except MemoryError:
            pass
    return _structure_checks(vault, quick, large_cache=False)


def _structure_checks(vault: OpenVault, quick: bool, large_cache: bool) -> list[str]:
    path = vault.vault.db_path
    try:
        try:
            raw = connect_raw(path, vault.key_buffer(), wal=False)
        except VaultReadOnly:  # a folder that cannot be written to: checking only reads
            raw = connect_raw(path, vault.key_buffer(), read_only=True)
    except (sqlcipher.DatabaseError, VaultDamaged, VaultReadOnly) as exc:
        return [_unreadable(exc)]
    problems: list[str] = []
    try:
        if large_cache:
            checks.cache_for_checks(raw, path.stat().st_size)
        try:
            problems.extend(_("Database check: {message}").format(message=m)
                            for m in checks.integrity_problems(raw, quick))
        except sqlcipher.DatabaseError as exc:
            problems.append(_unreadable(exc))
        try:
            problems.extend(_("Broken reference in table {table}").format(table=t)
                            for t in checks.broken_reference_tables(raw))
        except sqlcipher.DatabaseError as exc:
            problems.append(_unreadable(exc))
    finally:
        raw.close()
    return problems


def backup(vault: OpenVault, target: Path) -> str:
    """Write a backup of the open vault to ``target``; returns its SHA-256.
    Administrators only (a refusal is audited)."""
    vault.require(Permission.BACKUP, "vault", vault.vault_id)
    target = Path(target)
    if target.is_dir():
        raise ValidationError(_("{path} is a folder; give a file name for the backup.")
                              .format(path=target), field="to")
    try:
        data = _write_backup(vault, target)
    except OSError as exc:
        raise file_write_failed(exc, target) from None
    except sqlcipher.OperationalError as exc:
        # The keyed copy is written through SQLite, so a full disk shows up here; the
        # backup step reports it as a plain "disk I/O error" without an error code.
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and not storage_write_failed(code):
            raise
        full = (code is not None and code & 0xFF == SQLITE_FULL) or _no_room(target.parent)
        reason = errno.ENOSPC if full else errno.EIO
        raise file_write_failed(OSError(reason, os.strerror(reason)), target) from None
    digest = hashlib.sha256(data).hexdigest()
    vault.log_now("backup", "vault", vault.vault_id, detail={"sha256": digest,
                                                             "bytes": len(data)})
    return digest


def _no_room(folder: Path) -> bool:
    return fs.no_room(folder)


def _write_backup(vault: OpenVault, target: Path) -> bytes:
    """The backup's bytes, written atomically to ``target``."""
    with tempfile.TemporaryDirectory(prefix="ck-backup-", dir=target.parent) as tmp:
        copy_path = Path(tmp) / DB_NAME
        # the copy is made beside the target: on a network share without WAL (its index is
        # shared memory, not reliable there; app.vault.network)
        journal = "DELETE" if network.network_filesystem(target.parent) else "WAL"
        dest = connect_raw(copy_path, vault.key_buffer(), create=True, journal_mode=journal)
        try:
            with vault.read() as conn:
                src = conn.connection.dbapi_connection
                assert src is not None
                src.backup(dest)
                revision = migrate.current_revision(conn)
            dest.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dest.close()
        db_bytes = copy_path.read_bytes()
    slots = vault.vault.slot_file()
    manifest = {
        "format": BACKUP_FORMAT,
        "vault_id": vault.vault_id,
        "created": audit.utc_now_iso(),
        "schema_revision": revision,
        "database_sha256": hashlib.sha256(db_bytes).hexdigest(),
        "accounts": [s.account for s in slots.slots],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(MANIFEST, json.dumps(manifest, indent=2))
        zf.writestr(SLOTS_NAME, slots.to_bytes())
        zf.writestr(DB_NAME, db_bytes)
    data = buffer.getvalue()
    atomic_write(target, data)
    return data


def read_backup(source: Path) -> tuple[dict[str, object], bytes, bytes]:
    """Open a backup file; return its manifest, slot file and database bytes."""
    try:
        with zipfile.ZipFile(source) as zf:
            manifest = json.loads(zf.read(MANIFEST))
            slots = zf.read(SLOTS_NAME)
            db = zf.read(DB_NAME)
    except FileNotFoundError:
        raise ValidationError(_("The backup file {path} does not exist.")
                              .format(path=source), field="from") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise VaultDamaged(_("{path} is not a Casuskamer backup or it is damaged.")
                           .format(path=source)) from None
    if manifest.get("format") != BACKUP_FORMAT:
        raise VaultDamaged(_("{path} is not a Casuskamer backup.").format(path=source))
    if hashlib.sha256(db).hexdigest() != manifest.get("database_sha256"):
        raise VaultDamaged(_("The backup {path} is damaged: its database does not match "
                             "its checksum.").format(path=source))
    SlotFile.from_bytes(slots)
    return manifest, slots, db


def restore(source: Path, folder: Path, account: str | None, passphrase: str,
            force: bool = False, backup_passphrase: str | None = None) -> VerifyReport:
    """Restore ``source`` into ``folder`` as an administrator.

    Over an existing vault: ``account`` (default: that vault's first administrator) unlocks
    it with ``passphrase`` first; the backup is opened with ``backup_passphrase`` (default:
    the same), as it was when the backup was made. Nothing is deleted: the vault replaced is
    moved aside (``report.replaced_by_restore``).
    """
    folder = Path(folder)
    source = Path(source)
    manifest, slots_bytes, db_bytes = read_backup(source)
    existing = Vault(folder)
    current: OpenVault | None = None
    if existing.exists():
        # Unlocking takes the vault's lock: a vault open in another program is refused here.
        current = existing.unlock(account or existing.first_admin(), passphrase)
    try:
        if current is not None:
            first_use.refuse_until_chosen(current, "casuskamer restore")
            current.require(Permission.BACKUP, "vault", current.vault_id)
            if str(manifest.get("vault_id", "")) != current.vault_id:
                current.log_now("restore", "vault", current.vault_id, "denied",
                                {"reason": "backup of another vault"})
                raise ValidationError(_("{path} is a backup of another vault; nothing was "
                                        "changed. Restore it into a new folder.")
                                      .format(path=source), field="from")
        return _restore_into(source, folder, manifest, slots_bytes, db_bytes, current,
                             account, backup_passphrase or passphrase, force)
    finally:
        if current is not None:
            current.lock()


def _restore_into(source: Path, folder: Path, manifest: dict[str, object], slots_bytes: bytes,
                  db_bytes: bytes, current: OpenVault | None, account: str | None,
                  passphrase: str, force: bool) -> VerifyReport:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.restore-", dir=folder.parent))
    try:
        atomic_write(staging / SLOTS_NAME, slots_bytes)
        atomic_write(staging / DB_NAME, db_bytes)
        staged = Vault(staging)
        name = account or (current.actor.account if current is not None
                           else staged.first_admin())
        opened = staged.unlock(name, passphrase, exclusive=True)
        try:
            first_use.refuse_until_chosen(opened, "casuskamer restore")
            opened.require(Permission.BACKUP, "vault", opened.vault_id)
            backup_head = _chain_head(opened, before=opened.login_row_id)
            undone = (_undone(current, backup_head[0]) if current is not None
                      else Undone(0))
            if current is not None and undone.rows and not force:
                current.log_now("restore", "vault", current.vault_id, "denied",
                                {"reason": "vault newer than backup", "rows": undone.rows})
                raise VaultExists(_("The vault in {folder} is newer than the backup: "
                                    "restoring would undo {what}. Nothing was changed; use "
                                    "--force to replace it (it is kept beside it).")
                                  .format(folder=folder, what=undone.describe()))
            report = verify(opened)
            if not report.sound:
                raise CheckFailed(_("The restored vault did not pass its checks: {problem}")
                                  .format(problem=report.problems[0]))
            aside = folder.with_name(folder.name + REPLACED_MARK
                                     + datetime.now().strftime(REPLACED_DATE))
            while aside.exists():
                aside = aside.with_name(aside.name + "-1")
            replaced_head = (0, "")
            if current is not None:
                # The replaced vault's last row says where it went; its hash is the head the
                # restored vault records.
                current.log_now("vault.replaced", "vault", current.vault_id,
                                detail={"rows_undone": undone.rows, "kept": aside.name})
                replaced_head = _chain_head(current)
            opened.log_now("restore", "vault", opened.vault_id, detail={
                "backup_created": str(manifest.get("created", "")),
                "backup_head_id": backup_head[0],
                "replaced_head_id": replaced_head[0],
                "replaced_head_hash": replaced_head[1],
                "rows_undone": undone.rows})
        finally:
            opened.lock()
        if current is not None:
            # The lock stays held (on the folder moved aside) until the new vault is in place.
            folder_lock = current.detach_folder_lock()
            current.lock(audit_it=False)  # "vault.replaced" stays its last row
            if folder_lock is not None and current_platform() == "windows":
                # Windows renames no folder while a file in it is open: let go first. A
                # program that opens the vault in the moment between makes the rename fail,
                # and then nothing has changed.
                folder_lock.release()
                folder_lock = None
            try:
                folder.rename(aside)
                staging.rename(folder)
            finally:
                if folder_lock is not None:
                    folder_lock.release()
            report.replaced_by_restore = aside
        else:
            if folder.exists():
                folder.rmdir()  # an empty folder the user made; anything else stays
            staging.rename(folder)
        report.replaced = replaced_vaults(folder)
        return report
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
