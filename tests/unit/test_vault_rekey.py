"""Convenant art. 17.3 (information protected against unlawful processing): revoking an
account changes the data key, so the revoked passphrase opens nothing in use, not even with
an old copy of the key-slot file; an administrator can change the data key too; a change
interrupted at any step leaves a vault that opens with the remaining accounts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.domain.roles import Role
from app.errors import PermissionDenied, ValidationError, VaultDamaged
from app.services import accounts
from app.store.db import connect_raw
from app.store.tables import audit_log, meta
from app.vault import keyslots
from app.vault.keyslots import KdfParams, SlotFile
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE

REVOKED = "vertrokken"
REVOKED_PASS = "wachtzin van wie vertrekt"
STAYING = "regie"
STAYING_PASS = "wachtzin van wie blijft"


def _opens(db: Path, key: bytes | bytearray) -> bool:
    try:
        conn = connect_raw(db, key, read_only=True)
    except VaultDamaged:
        return False
    conn.close()
    return True


def _keys_from(slot_file: Path, account: str, passphrase: str) -> list[bytes]:
    """What someone holding ``slot_file`` and the passphrase gets out of it (whatever the
    slot format: the first format gave one key, this one may give a list)."""
    slots = SlotFile.read(slot_file)
    slot = slots.find(account)
    assert slot is not None
    got = keyslots.open_slot(slots.vault_id, slot, passphrase)
    return [bytes(k) for k in (got if isinstance(got, list) else [got])]


def _with_two_accounts(admin_vault: OpenVault) -> None:
    accounts.add_account(admin_vault, REVOKED, Role.PROCESS_DIRECTOR, REVOKED_PASS,
                         kdf=KdfParams())
    accounts.add_account(admin_vault, STAYING, Role.PROCESS_DIRECTOR, STAYING_PASS,
                         kdf=KdfParams())


def test_revoked_passphrase_with_an_old_slot_file_opens_nothing(admin_vault: OpenVault,
                                                                 tmp_path: Path) -> None:
    """The finding: the revoked person's passphrase with any older keyslots.json still
    opened the live database. Now it yields only the old key, which the database no longer
    takes; put the old file back and the program refuses too."""
    _with_two_accounts(admin_vault)
    folder = admin_vault.vault.folder
    kept = tmp_path / "keyslots-kopie.json"
    shutil.copy(folder / "keyslots.json", kept)
    assert all(_opens(folder / "casuskamer.db", k)
               for k in _keys_from(kept, REVOKED, REVOKED_PASS))  # the copy worked before

    accounts.revoke_account(admin_vault, REVOKED)
    with admin_vault.begin() as conn:
        conn.execute(meta.insert().values(key="na-intrekking", value="nieuw"))
    admin_vault.lock()

    old_keys = _keys_from(kept, REVOKED, REVOKED_PASS)
    assert old_keys
    assert not any(_opens(folder / "casuskamer.db", k) for k in old_keys)
    # the old slot file put back in place: the revoked passphrase is refused
    live = (folder / "keyslots.json").read_bytes()
    shutil.copy(kept, folder / "keyslots.json")
    with pytest.raises((VaultDamaged, PermissionError, Exception)):
        Vault(folder).unlock(REVOKED, REVOKED_PASS).lock()
    (folder / "keyslots.json").write_bytes(live)
    # ...and the kept previous slot file holds no way in for the revoked account either
    prev = SlotFile.read(folder / "keyslots.json.prev")
    assert prev.find(REVOKED) is None
    # the remaining accounts open the vault, with everything in it
    for account, passphrase in ((ADMIN, ADMIN_PASSPHRASE), (STAYING, STAYING_PASS)):
        opened = Vault(folder).unlock(account, passphrase)
        with opened.read() as conn:
            assert conn.execute(select(meta.c.value).where(
                meta.c.key == "na-intrekking")).scalar() == "nieuw"
        opened.lock()


def test_revocation_is_audited_with_the_key_change(admin_vault: OpenVault) -> None:
    _with_two_accounts(admin_vault)
    change = accounts.revoke_account(admin_vault, REVOKED)
    assert change.done and change.generation == 1
    with admin_vault.read() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.object_id, audit_log.c.result)
                            .order_by(audit_log.c.id.desc()).limit(2)).all()
    assert [tuple(r) for r in rows] == [("vault.rekey", admin_vault.vault_id, "ok"),
                                        ("account.revoke", REVOKED, "ok")]
    assert admin_vault.vault.slot_file().find(REVOKED) is None


def test_the_last_administrator_cannot_be_revoked(admin_vault: OpenVault) -> None:
    accounts.add_account(admin_vault, "tweede", Role.ADMIN, "tweede beheerder zin",
                         kdf=KdfParams())
    second = Vault(admin_vault.vault.folder)
    admin_vault.lock()
    opened = second.unlock("tweede", "tweede beheerder zin")
    accounts.revoke_account(opened, ADMIN)
    with pytest.raises(ValidationError):
        accounts.revoke_account(opened, "tweede")  # the one in use, and the last
    opened.lock()


def test_change_data_key_is_the_administrators(admin_vault: OpenVault) -> None:
    _with_two_accounts(admin_vault)
    folder = admin_vault.vault.folder
    old = admin_vault.data_key
    admin_vault.lock()
    director = Vault(folder).unlock(STAYING, STAYING_PASS)
    with pytest.raises(PermissionDenied):
        accounts.change_data_key(director)
    with director.read() as conn:
        last = conn.execute(select(audit_log.c.action, audit_log.c.result)
                            .order_by(audit_log.c.id.desc()).limit(1)).one()
    assert tuple(last) == ("denied", "denied")
    director.lock()
    assert _opens(folder / "casuskamer.db", old)

    admin = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    change = accounts.change_data_key(admin)
    assert change.done
    admin.lock()
    assert not _opens(folder / "casuskamer.db", old)
    for account, passphrase in ((ADMIN, ADMIN_PASSPHRASE), (STAYING, STAYING_PASS),
                                (REVOKED, REVOKED_PASS)):
        Vault(folder).unlock(account, passphrase).lock()


def test_cli_users_rekey(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "v"
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    assert main(["init", "--vault", str(folder)]) == 0
    monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", STAYING_PASS)
    assert main(["users", "add", "--vault", str(folder), STAYING, "--role",
                 "process_director"]) == 0
    capsys.readouterr()
    assert main(["users", "rekey", "--vault", str(folder)]) == 0
    assert capsys.readouterr().out.strip()
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", STAYING_PASS)
    assert main(["users", "rekey", "--vault", str(folder), "--account", STAYING]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_an_interrupted_change_is_finished_at_the_next_unlock(admin_vault: OpenVault) -> None:
    """A kill after the revocation committed but before the new key: the request is in the
    database, and the next unlock that holds the vault changes the key."""
    from app.vault import rekey

    _with_two_accounts(admin_vault)
    folder = admin_vault.vault.folder
    old = admin_vault.data_key
    with admin_vault.begin() as conn:
        rekey.request(conn, rekey.REVOCATION)
    admin_vault.lock()
    assert _opens(folder / "casuskamer.db", old)
    opened = Vault(folder).unlock(STAYING, STAYING_PASS)
    assert rekey.pending(opened) is None and rekey.generation(opened) == 1
    opened.lock()
    assert not _opens(folder / "casuskamer.db", old)


@pytest.mark.parametrize("swapped", [False, True])
def test_slots_holding_both_keys_open_either_database(admin_vault: OpenVault,
                                                      swapped: bool) -> None:
    """The two moments in between: the slot file holds both keys (new first) and the
    database is still the old one, or already the new one."""
    from app import keymem
    from app.store.db import rekey as db_rekey

    _with_two_accounts(admin_vault)
    folder = admin_vault.vault.folder
    old = bytearray(admin_vault.data_key)
    admin_vault.lock()
    new = keymem.random_key()
    slots = SlotFile.read(folder / "keyslots.json")
    slots.rewrapped([new, old]).write(folder / "keyslots.json")
    if swapped:
        conn = connect_raw(folder / "casuskamer.db", old, wal=False)
        conn.execute("PRAGMA journal_mode = DELETE").fetchone()
        db_rekey(conn, new)
        conn.close()
    for account, passphrase in ((STAYING, STAYING_PASS), (ADMIN, ADMIN_PASSPHRASE)):
        Vault(folder).unlock(account, passphrase).lock()
    # the exclusive unlock kept only the key that opened the vault
    after = SlotFile.read(folder / "keyslots.json")
    assert all(len(s.keys) == 1 for s in after.slots)
    assert _opens(folder / "casuskamer.db", new if swapped else old)


def test_a_change_while_another_program_reads_waits_for_the_next_unlock(
        admin_vault: OpenVault) -> None:
    """A backup or check running beside the program: the revocation is made, the key change
    refuses cleanly (nothing half-done) and is made at the next unlock."""
    _with_two_accounts(admin_vault)
    folder = admin_vault.vault.folder
    old = admin_vault.data_key
    reader = Vault(folder).unlock(STAYING, STAYING_PASS, exclusive=False)
    with reader.read() as conn:
        conn.execute(select(meta.c.key)).all()
    change = accounts.revoke_account(admin_vault, REVOKED)
    assert not change.done and change.reason
    with admin_vault.read() as conn:  # the program goes on working on the old key
        conn.execute(select(meta.c.key)).all()
    reader.lock()
    admin_vault.lock()
    assert _opens(folder / "casuskamer.db", old)
    Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE).lock()
    assert not _opens(folder / "casuskamer.db", old)


def test_an_altered_public_key_is_refused(admin_vault: OpenVault) -> None:
    """Someone who can write the slot file puts their own key pair in an account's slot,
    hoping the next key change wraps the new key for them: the change refuses."""
    _with_two_accounts(admin_vault)
    folder = admin_vault.vault.folder
    slots = SlotFile.read(folder / "keyslots.json")
    forged = keyslots.seal(slots.vault_id, STAYING, "een eigen wachtzin hier",
                           bytearray(32), KdfParams())
    slots.replace(forged)
    slots.write(folder / "keyslots.json")
    with pytest.raises(VaultDamaged):
        accounts.change_data_key(admin_vault)


def test_first_format_slots_are_upgraded_at_their_unlock(admin_vault: OpenVault) -> None:
    """A vault from before this change: slots seal the data key directly. Each account's
    slot takes the new form at its unlock; a key change waits for the last of them."""
    import secrets

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    _with_two_accounts(admin_vault)
    folder = admin_vault.vault.folder
    key = admin_vault.data_key
    admin_vault.lock()
    slots = SlotFile.read(folder / "keyslots.json")
    legacy = []
    for slot, passphrase in zip(slots.slots, (ADMIN_PASSPHRASE, REVOKED_PASS, STAYING_PASS)):
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        wrapping = keyslots.derive(passphrase, salt, KdfParams())
        sealed = AESGCM(wrapping).encrypt(
            nonce, key, f"casuskamer-keyslots/1|{slots.vault_id}|{slot.account}".encode())
        legacy.append(keyslots.KeySlot(slot.account, KdfParams(), salt, nonce, sealed, ""))
    slots.slots = legacy
    raw = slots.to_bytes().replace(b"casuskamer-keyslots/2", b"casuskamer-keyslots/1")
    (folder / "keyslots.json").write_bytes(raw)

    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    assert not SlotFile.read(folder / "keyslots.json").find(ADMIN).legacy  # type: ignore[union-attr]
    change = accounts.revoke_account(opened, REVOKED)
    assert not change.done and change.waiting_for == (STAYING,)
    opened.lock()
    assert _opens(folder / "casuskamer.db", key)
    Vault(folder).unlock(STAYING, STAYING_PASS).lock()  # upgrades, then changes the key
    assert not _opens(folder / "casuskamer.db", key)
    Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE).lock()


def test_a_lock_in_the_middle_of_a_change_leaves_a_vault_that_opens(
        admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The program locks (idle, Ctrl+L) while a revocation's key change runs off the GUI
    thread: the lock zeroes the vault's key at once; the change goes on with its own copies,
    and every remaining account opens the vault afterwards."""
    from app.errors import VaultNotFound
    from app.vault import rekey

    _with_two_accounts(admin_vault)
    folder = admin_vault.vault.folder
    old = admin_vault.data_key
    real_copy = rekey._copy_file

    def copy_then_lock(source: Path, target: Path) -> None:
        real_copy(source, target)
        admin_vault.lock()

    monkeypatch.setattr(rekey, "_copy_file", copy_then_lock)
    with pytest.raises(VaultNotFound):  # "the vault is locked": nothing more to do here
        accounts.change_data_key(admin_vault)
    assert not admin_vault.is_open
    assert not _opens(folder / "casuskamer.db", old)
    for account, passphrase in ((STAYING, STAYING_PASS), (ADMIN, ADMIN_PASSPHRASE),
                                (REVOKED, REVOKED_PASS)):
        Vault(folder).unlock(account, passphrase).lock()
    assert all(len(s.keys) == 1 for s in SlotFile.read(folder / "keyslots.json").slots)
