"""The vault: encryption at rest, key slots, accounts, locking, damaged files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.domain.roles import Role
from app.errors import (AccountRevoked, PermissionDenied, ValidationError, VaultDamaged,
                        VaultExists, VaultInUse, VaultNotFound, VaultReadOnly, WrongPassphrase)
from app.services import accounts
from app.store.tables import meta
from app.vault import keyslots
from app.vault.keyslots import KdfParams, SlotFile
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE

CANARY = "CANARY-Şükrü-Yılmaz-7f3a9c"


def _files_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_database_and_wal_hold_no_header_and_no_canary(admin_vault: OpenVault) -> None:
    with admin_vault.begin() as conn:
        conn.execute(meta.insert().values(key="canary", value=CANARY))
    folder = admin_vault.vault.folder
    wal = folder / "casuskamer.db-wal"
    assert wal.exists() and wal.stat().st_size > 0, "the write should sit in the WAL"
    for path in (folder / "casuskamer.db", wal):
        data = path.read_bytes()
        assert not data.startswith(b"SQLite format 3")
        assert b"SQLite format 3" not in data
        assert CANARY.encode("utf-8") not in data
        assert b"CANARY" not in data
    admin_vault.lock()
    for path in folder.iterdir():
        if path.is_file():
            assert b"CANARY" not in path.read_bytes(), path.name


def test_connection_settings(admin_vault: OpenVault) -> None:
    with admin_vault.read() as conn:
        def pragma(name: str) -> object:
            return conn.exec_driver_sql(f"PRAGMA {name}").scalar()
        assert str(pragma("journal_mode")).lower() == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("foreign_keys") == 1
        assert pragma("secure_delete") == 1
        assert str(pragma("cipher_memory_security")) == "1"
        assert pragma("cipher_version")


def test_wrong_passphrase_unknown_and_revoked_accounts(admin_vault: OpenVault) -> None:
    accounts.add_account(admin_vault, "pr.devries", Role.PROCESS_DIRECTOR,
                         "lange zin voor de regisseur", kdf=KdfParams())
    admin_vault.lock()
    folder = admin_vault.vault.folder
    before = _files_bytes(folder)
    with pytest.raises(WrongPassphrase):
        Vault(folder).unlock(ADMIN, "niet de goede wachtzin")
    with pytest.raises(WrongPassphrase):
        Vault(folder).unlock("onbekend", ADMIN_PASSPHRASE)
    assert _files_bytes(folder) == before, "a failed unlock must change no file"

    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    accounts.revoke_account(opened, "pr.devries")
    opened.lock()
    with pytest.raises(AccountRevoked):
        Vault(folder).unlock("pr.devries", "lange zin voor de regisseur")
    # The revoked slot is gone from the slot file and from its kept previous version.
    for name in ("keyslots.json", "keyslots.json.prev"):
        doc = json.loads((folder / name).read_text())
        assert "pr.devries" not in [s["account"] for s in doc["slots"]]


def test_failed_unlocks_are_audited_at_the_next_login(admin_vault: OpenVault) -> None:
    admin_vault.lock()
    vault = Vault(admin_vault.vault.folder)
    for _ in range(2):
        with pytest.raises(WrongPassphrase):
            vault.unlock(ADMIN, "niet de goede wachtzin")
    opened = vault.unlock(ADMIN, ADMIN_PASSPHRASE)
    with opened.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT action, result, detail FROM audit_log WHERE action='unlock'").all()
    opened.lock()
    failed = [r for r in rows if r[1] == "failed"]
    assert len(failed) == 2
    assert all("niet de goede" not in r[2] for r in rows), "no passphrase in the log"


def test_slot_rejects_a_moved_slot(admin_vault: OpenVault) -> None:
    """The account name is bound to the slot: renaming it in the file breaks the unlock."""
    accounts.add_account(admin_vault, "ic.bakker", Role.INFORMATION_CENTRE,
                         "nog een lange wachtzin", kdf=KdfParams())
    admin_vault.lock()
    path = admin_vault.vault.slots_path
    doc = json.loads(path.read_text())
    doc["slots"][1]["account"] = "ic.andere"
    path.write_text(json.dumps(doc))
    with pytest.raises(WrongPassphrase):
        Vault(path.parent).unlock("ic.andere", "nog een lange wachtzin")


def test_kdf_floor_is_enforced_and_calibration_respects_it() -> None:
    assert keyslots.calibrate(0) == KdfParams()
    tuned = keyslots.calibrate(0.3)
    assert tuned.memory_kib >= keyslots.MIN_MEMORY_KIB
    assert tuned.iterations >= keyslots.MIN_ITERATIONS
    weak = keyslots.KeySlot("x", KdfParams(memory_kib=1024, iterations=1), b"s" * 16,
                            b"n" * 12, b"k" * 48, "")
    with pytest.raises(VaultDamaged):
        keyslots.open_slot("vault", weak, "whatever passphrase")


def test_passphrase_rules(vault_dir: Path) -> None:
    with pytest.raises(ValidationError, match="12"):
        Vault.create(vault_dir, ADMIN, "te kort", kdf=KdfParams())
    with pytest.raises(ValidationError):
        Vault.create(vault_dir, ADMIN, "Password1234", kdf=KdfParams())
    with pytest.raises(ValidationError):
        Vault.create(vault_dir, ADMIN, "aaaaaaaaaaaaaaaa", kdf=KdfParams())
    assert not vault_dir.exists() or not any(vault_dir.iterdir())


def test_create_refuses_existing_vault(admin_vault: OpenVault) -> None:
    with pytest.raises(VaultExists):
        Vault.create(admin_vault.vault.folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())


def test_second_program_is_told_the_vault_is_in_use(admin_vault: OpenVault) -> None:
    with pytest.raises(VaultInUse, match=ADMIN):
        Vault(admin_vault.vault.folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    admin_vault.lock()
    again = Vault(admin_vault.vault.folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    again.lock()


def test_lock_drops_key_and_connections(admin_vault: OpenVault) -> None:
    seen: list[str] = []
    admin_vault.on_lock(lambda: seen.append("locked"))
    admin_vault.lock()
    assert not admin_vault.is_open
    assert seen == ["locked"]
    with pytest.raises(VaultNotFound), admin_vault.read() as conn:
        conn.execute(text("SELECT 1"))
    admin_vault.lock()  # twice is harmless


@pytest.mark.parametrize("damage", ["missing_slots", "garbled_slots", "missing_db",
                                    "truncated_db", "altered_db"])
def test_damaged_files_give_a_clear_error_and_change_nothing(admin_vault: OpenVault,
                                                             damage: str) -> None:
    admin_vault.lock()
    folder = admin_vault.vault.folder
    db = folder / "casuskamer.db"
    if damage == "missing_slots":
        (folder / "keyslots.json").unlink()
    elif damage == "garbled_slots":
        (folder / "keyslots.json").write_text("{not json")
    elif damage == "missing_db":
        db.unlink()
    elif damage == "truncated_db":
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 2 + 100])
    elif damage == "altered_db":
        data = bytearray(db.read_bytes())
        data[4096 + 200] ^= 0x01
        db.write_bytes(bytes(data))
    before = _files_bytes(folder)
    with pytest.raises(VaultDamaged) as info:
        Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    assert "back-up" in str(info.value)
    assert _files_bytes(folder) == before


def test_read_only_folder_is_reported(admin_vault: OpenVault) -> None:
    if os.geteuid() == 0:
        # root ignores permission bits; simulate with an unwritable lock file instead
        admin_vault.lock()
        folder = admin_vault.vault.folder
        lock = folder / "casuskamer.lock"
        lock.unlink()
        lock.mkdir()  # opening it for writing fails
        with pytest.raises(VaultReadOnly):
            Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
        return
    admin_vault.lock()  # pragma: no cover - non-root runs
    folder = admin_vault.vault.folder
    os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(VaultReadOnly):
            Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    finally:
        os.chmod(folder, stat.S_IRWXU)


def test_roles_limit_account_management(admin_vault: OpenVault) -> None:
    accounts.add_account(admin_vault, "manager1", Role.MANAGER, "manager wachtzin lang",
                         kdf=KdfParams())
    admin_vault.lock()
    manager = Vault(admin_vault.vault.folder).unlock("manager1", "manager wachtzin lang")
    try:
        with pytest.raises(PermissionDenied):
            accounts.add_account(manager, "x1", Role.ADMIN, "nog een wachtzin erbij",
                                 kdf=KdfParams())
        with manager.read() as conn:
            denied = conn.exec_driver_sql(
                "SELECT count(*) FROM audit_log WHERE result='denied'").scalar()
        assert denied == 1
    finally:
        manager.lock()


def test_change_passphrase(admin_vault: OpenVault) -> None:
    with pytest.raises(WrongPassphrase):
        accounts.change_passphrase(admin_vault, "niet de huidige zin", "een nieuwe lange zin",
                                   kdf=KdfParams())
    accounts.change_passphrase(admin_vault, ADMIN_PASSPHRASE, "een nieuwe lange zin",
                               kdf=KdfParams())
    admin_vault.lock()
    folder = admin_vault.vault.folder
    with pytest.raises(WrongPassphrase):
        Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    Vault(folder).unlock(ADMIN, "een nieuwe lange zin").lock()


def test_last_admin_cannot_be_revoked(admin_vault: OpenVault) -> None:
    accounts.add_account(admin_vault, "beheer2", Role.ADMIN, "tweede beheerder zin walrus",
                         kdf=KdfParams())
    accounts.revoke_account(admin_vault, "beheer2")
    with pytest.raises(ValidationError):
        accounts.revoke_account(admin_vault, ADMIN)


def test_slot_file_is_written_atomically_with_previous_kept(admin_vault: OpenVault) -> None:
    folder = admin_vault.vault.folder
    first = (folder / "keyslots.json").read_bytes()
    accounts.add_account(admin_vault, "ic.jansen", Role.INFORMATION_CENTRE,
                         "informatiecentrum met kompas en lantaarn", kdf=KdfParams())
    assert (folder / "keyslots.json.prev").read_bytes() == first
    assert SlotFile.read(folder / "keyslots.json").find("ic.jansen") is not None
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert stat.S_IMODE((folder / "keyslots.json").stat().st_mode) == 0o600


def test_vault_id_recorded(admin_vault: OpenVault) -> None:
    with admin_vault.read() as conn:
        stored = conn.execute(select(meta.c.value).where(meta.c.key == "vault_id")).scalar()
    assert stored == admin_vault.vault_id == admin_vault.vault.slot_file().vault_id


def test_a_long_read_does_not_hold_up_a_writer(admin_vault: OpenVault) -> None:
    """A backup or a long list read runs beside the program's saves (WAL, deferred BEGIN)."""
    import threading

    with admin_vault.read() as reader:
        reader.execute(select(meta.c.key)).all()  # the read transaction is open
        done = threading.Event()

        def write() -> None:
            with admin_vault.begin() as conn:
                conn.execute(meta.insert().values(key="naast", value="lezen"))
            done.set()

        worker = threading.Thread(target=write)
        worker.start()
        assert done.wait(5), "the write waited for the reader"
        worker.join()
        # the reader keeps its own snapshot
        assert reader.execute(select(meta.c.value).where(meta.c.key == "naast")).first() is None
