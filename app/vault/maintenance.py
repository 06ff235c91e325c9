"""Keeping a vault sound: verify, backup, restore.

- ``verify``: SQLCipher's page check (every page's HMAC), SQLite's integrity check, the
  foreign keys, and the audit log's hash chain. Any finding is a failed check.
- ``backup``: a consistent copy through SQLite's backup API (never a file copy of a live
  database), still encrypted with the same data key, together with the key-slot file, in one
  zip file written atomically. It works while the program has the vault open.
- ``restore``: unpacks a backup next to the target, unlocks it with any account whose slot was
  valid when the backup was made, verifies it, and only then puts it in place.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import exc as sa_exc

from app.errors import (SQLITE_FULL, CheckFailed, ValidationError, VaultDamaged, VaultExists,
                        VaultInUse, file_write_failed, storage_write_failed)
from app.i18n import _
from app.store import audit, migrate
from app.store.db import connect_raw
from app.vault.keyslots import SlotFile, atomic_write
from app.vault.vault import DB_NAME, SLOTS_NAME, FolderLock, OpenVault, Vault

BACKUP_FORMAT = "casuskamer-backup/1"
MANIFEST = "manifest.json"


@dataclass
class VerifyReport:
    cipher_pages_checked: bool = False
    problems: list[str] = field(default_factory=list)
    audit_rows: int = 0

    @property
    def sound(self) -> bool:
        return not self.problems


def verify(vault: OpenVault, quick: bool = False) -> VerifyReport:
    """Check the open vault; ``quick`` uses ``quick_check`` instead of the full check."""
    report = VerifyReport()
    with vault.read() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        checks = (
            ("cipher", "PRAGMA cipher_integrity_check"),
            ("sqlite", "PRAGMA quick_check" if quick else "PRAGMA integrity_check"),
            ("foreign_keys", "PRAGMA foreign_key_check"),
        )
        for kind, sql in checks:
            try:
                rows = raw.execute(sql).fetchall()
            except sqlcipher.DatabaseError as exc:
                report.problems.append(_("The database cannot be read: {reason}")
                                       .format(reason=exc))
                continue
            if kind == "cipher":
                report.cipher_pages_checked = True
                report.problems.extend(_("Encryption check: {message}").format(message=r[0])
                                       for r in rows)
            elif kind == "sqlite" and [r[0] for r in rows] != ["ok"]:
                report.problems.extend(_("Database check: {message}").format(message=r[0])
                                       for r in rows)
            elif kind == "foreign_keys":
                report.problems.extend(_("Broken reference in table {table}")
                                       .format(table=r[0]) for r in rows)
        try:
            for problem in audit.verify_chain(conn):
                where = f" (#{problem.row_id})" if problem.row_id is not None else ""
                report.problems.append(_("Audit log: {what}").format(what=problem.what) + where)
            report.audit_rows = int(raw.execute("SELECT count(*) FROM audit_log").fetchone()[0])
        except (sqlcipher.DatabaseError, sa_exc.DatabaseError) as exc:
            report.problems.append(_("The database cannot be read: {reason}")
                                   .format(reason=getattr(exc, "orig", exc)))
    return report


def backup(vault: OpenVault, target: Path) -> str:
    """Write a backup of the open vault to ``target``; returns its SHA-256."""
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
    try:
        return os.statvfs(folder).f_bavail == 0
    except OSError:
        return False


def _write_backup(vault: OpenVault, target: Path) -> bytes:
    """The backup's bytes, written atomically to ``target``."""
    with tempfile.TemporaryDirectory(prefix="ck-backup-", dir=target.parent) as tmp:
        copy_path = Path(tmp) / DB_NAME
        dest = connect_raw(copy_path, vault.data_key, create=True)
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
            force: bool = False) -> VerifyReport:
    """Restore ``source`` into ``folder``; the old vault is replaced only with ``force``
    and only after the restored copy unlocked and verified."""
    folder = Path(folder)
    manifest, slots_bytes, db_bytes = read_backup(Path(source))
    existing = Vault(folder)
    if existing.exists():
        if not force:
            raise VaultExists(_("There is already a vault in {folder}. Use --force to "
                                "replace it.").format(folder=folder))
        probe = FolderLock(existing.lock_path)
        probe.acquire("restore")  # raises VaultInUse while a program has it open
        probe.release()
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.restore-", dir=folder.parent))
    try:
        atomic_write(staging / SLOTS_NAME, slots_bytes)
        atomic_write(staging / DB_NAME, db_bytes)
        staged = Vault(staging)
        name = account or staged.first_admin()
        opened = staged.unlock(name, passphrase, exclusive=True)
        try:
            report = verify(opened)
            opened.log_now("restore", "vault", opened.vault_id,
                           detail={"backup_created": str(manifest.get("created", ""))})
        finally:
            opened.lock()
        if not report.sound:
            raise CheckFailed(_("The restored vault did not pass its checks: {problem}")
                              .format(problem=report.problems[0]))
        if existing.exists():
            retired = folder.with_name(f".{folder.name}.replaced")
            shutil.rmtree(retired, ignore_errors=True)
            folder.rename(retired)
            staging.rename(folder)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            if folder.exists():
                folder.rmdir()  # an empty folder the user made; anything else stays
            staging.rename(folder)
        return report
    except VaultInUse:
        raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
