"""A change of passphrase interrupted between the key-slot file and the database (found by
``make reliability``'s kills): the file then held the new slot while the database still
recorded the old public key, so every later change of the data key, a revocation's too,
was refused as an altered slot file. Now the new key is announced first; the next
exclusive unlock settles which key the file holds, and the data key can change again. A
slot with a key neither recorded nor announced is still refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import VaultDamaged, WrongPassphrase
from app.services import accounts
from app.store.tables import audit_log
from app.vault import keyslots
from app.vault.keyslots import KdfParams, SlotFile
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.unit.test_vault_rekey import STAYING, STAYING_PASS, _with_two_accounts

NEW_PASS = "een nieuwe wachtzin van wie blijft"


class Killed(BaseException):
    """The process ends here (nothing after this point runs, the transaction is lost)."""


def _interrupted_change(admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch,
                        file_written: bool) -> None:
    _with_two_accounts(admin_vault)
    folder = admin_vault.vault.folder
    admin_vault.lock()
    staying = Vault(folder).unlock(STAYING, STAYING_PASS)
    write = SlotFile.write

    def killed_write(self: SlotFile, *args: object, **kwargs: object) -> None:
        if file_written:
            write(self, *args, **kwargs)  # type: ignore[arg-type]
        raise Killed

    monkeypatch.setattr(SlotFile, "write", killed_write)
    with pytest.raises(Killed):
        accounts.change_passphrase(staying, STAYING_PASS, NEW_PASS, kdf=KdfParams())
    monkeypatch.undo()
    staying.lock(audit_it=False)


def _settled_rows(opened: OpenVault) -> list[str]:
    with opened.read() as conn:
        return [str(r) for (r,) in conn.execute(
            select(audit_log.c.object_id).where(audit_log.c.action == "account.slot_settled"))]


def test_a_change_killed_after_the_file_was_written_is_settled_and_keeps_the_new_passphrase(
        admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = admin_vault.vault.folder
    _interrupted_change(admin_vault, monkeypatch, file_written=True)
    admin = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        assert _settled_rows(admin) == [STAYING]
        change = accounts.change_data_key(admin)  # refused as an altered file before
        assert change.done
    finally:
        admin.lock()
    Vault(folder).unlock(STAYING, NEW_PASS).lock()
    with pytest.raises(WrongPassphrase):
        Vault(folder).unlock(STAYING, STAYING_PASS)


def test_a_change_killed_before_the_file_was_written_keeps_the_old_passphrase(
        admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = admin_vault.vault.folder
    _interrupted_change(admin_vault, monkeypatch, file_written=False)
    admin = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        assert _settled_rows(admin) == []
        assert accounts.change_data_key(admin).done
    finally:
        admin.lock()
    Vault(folder).unlock(STAYING, STAYING_PASS).lock()
    with pytest.raises(WrongPassphrase):
        Vault(folder).unlock(STAYING, NEW_PASS)


def test_a_forged_slot_is_refused_while_a_change_is_announced(
        admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The announcement trusts only the key it names: someone who puts their own key pair
    in the slot meanwhile is refused as before."""
    folder = admin_vault.vault.folder
    _interrupted_change(admin_vault, monkeypatch, file_written=False)
    slots = SlotFile.read(folder / "keyslots.json")
    forged = keyslots.seal(slots.vault_id, STAYING, "een eigen wachtzin hier",
                           bytearray(32), KdfParams())
    slots.replace(forged)
    slots.write(folder / "keyslots.json")
    admin = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        with pytest.raises(VaultDamaged):
            accounts.change_data_key(admin)
    finally:
        admin.lock()


def test_two_interrupted_changes_in_one_session_still_let_the_data_key_change(
        admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first attempt reached the file (new key K1, announced); the retry, with K1's
    passphrase as the current one, announced K2 and failed before its file: the file's K1
    must still be a key the vault trusts (the review's finding: K2's announcement replaced
    K1's, and every later change of the data key was refused)."""
    folder = admin_vault.vault.folder
    _interrupted_change(admin_vault, monkeypatch, file_written=True)
    staying = Vault(folder).unlock(STAYING, NEW_PASS, exclusive=False)
    try:
        monkeypatch.setattr(SlotFile, "write", _killed_before_writing)
        with pytest.raises(Killed):
            accounts.change_passphrase(staying, NEW_PASS, "nog een andere nieuwe wachtzin",
                                       kdf=KdfParams())
        monkeypatch.undo()
    finally:
        staying.lock(audit_it=False)
    admin = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        assert accounts.change_data_key(admin).done
    finally:
        admin.lock()
    Vault(folder).unlock(STAYING, NEW_PASS).lock()


def _killed_before_writing(self: SlotFile, *args: object, **kwargs: object) -> None:
    raise Killed


def test_a_forged_slot_holding_two_keys_gets_no_key_at_an_ordinary_unlock(
        admin_vault: OpenVault) -> None:
    """An unlock tidies slots that still hold two keys (a change of the data key cut short)
    by giving them the key that opened the vault. A slot put in the file with someone
    else's key pair and two made-up keys must not be given the live key (the review's
    finding: it was); the refusal is audited."""
    _with_two_accounts(admin_vault)
    folder = admin_vault.vault.folder
    live = bytes(admin_vault.data_key)
    admin_vault.lock()
    slots = SlotFile.read(folder / "keyslots.json")
    forged = keyslots.seal(slots.vault_id, STAYING, "een eigen wachtzin hier",
                           bytearray(32), KdfParams())
    slots.replace(keyslots.with_keys(slots.vault_id, forged, [bytes(32), bytes([1] * 32)]))
    slots.write(folder / "keyslots.json")

    admin = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        with admin.read() as conn:
            refused = [str(r) for (r,) in conn.execute(
                select(audit_log.c.object_id).where(
                    audit_log.c.action == "account.slot_refused"))]
    finally:
        admin.lock()
    assert refused == [STAYING]
    after = SlotFile.read(folder / "keyslots.json")
    slot = after.find(STAYING)
    assert slot is not None
    got = keyslots.open_slot(after.vault_id, slot, "een eigen wachtzin hier")
    assert live not in [bytes(k) for k in got]
