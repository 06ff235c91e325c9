"""Revoking an account is one change (convenant art. 17.3: only those who still need it can
reach the information; and nothing lost): the account is revoked and its key slot gone, or
neither. The defect found: the slot file was written twice (the second time to empty its kept
previous version) inside the database transaction; a failure at the second write rolled the
revocation back while the slot was already gone from the file, so an account that was not
revoked could no longer unlock. A commit that failed after the write did the same."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from sqlalchemy import event, select

from app.domain.roles import Role
from app.errors import AccountRevoked, CasuskamerError, WrongPassphrase, file_write_failed
from app.services import accounts
from app.store.db import connect_raw
from app.store.tables import accounts as accounts_table
from app.vault.keyslots import KdfParams, SlotFile
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE

LEAVING = "vertrekker"
LEAVING_PASS = "wachtzin van wie vertrekt"


def _vault_with_two(folder: Path) -> OpenVault:
    opened = Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    accounts.add_account(opened, LEAVING, Role.PROCESS_DIRECTOR, LEAVING_PASS,
                         kdf=KdfParams())
    return opened


def _revoked(folder: Path) -> bool:
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE, exclusive=False)
    try:
        with opened.read() as conn:
            return conn.execute(select(accounts_table.c.revoked_at).where(
                accounts_table.c.name == LEAVING)).scalar() is not None
    finally:
        opened.lock(audit_it=False)


def _unlocks(folder: Path) -> bool:
    try:
        Vault(folder).unlock(LEAVING, LEAVING_PASS, exclusive=False).lock(audit_it=False)
    except (AccountRevoked, WrongPassphrase):
        return False
    return True


def _slot_file_replacements_fail_at(monkeypatch: pytest.MonkeyPatch, failing: int) -> None:
    """The ``failing``-th replacement of the slot file (or of its kept previous version)
    fails as on a full disk; the others go through."""
    real_replace = os.replace
    seen = [0]

    def replace(source: object, target: object) -> None:
        if Path(str(target)).name.startswith("keyslots.json"):
            seen[0] += 1
            if seen[0] == failing:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize("failing", [1, 2, 3, 4])
def test_a_revocation_whose_slot_file_write_fails_is_whole_or_not_at_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: int) -> None:
    folder = tmp_path / "kluis"
    opened = _vault_with_two(folder)
    _slot_file_replacements_fail_at(monkeypatch, failing)
    try:
        accounts.revoke_account(opened, LEAVING)
    except CasuskamerError:
        pass  # refused with a message: what matters is what it left
    monkeypatch.undo()
    opened.lock(audit_it=False)
    if _revoked(folder):
        assert not _unlocks(folder)
    else:
        assert _unlocks(folder), "the account is not revoked, but can no longer unlock"


def test_a_revocation_whose_commit_fails_leaves_the_account_its_slot(
        tmp_path: Path) -> None:
    folder = tmp_path / "kluis"
    opened = _vault_with_two(folder)

    def refuse(_conn: object) -> None:
        raise OSError(errno.EIO, "the commit failed")

    event.listen(opened.engine, "commit", refuse)
    with pytest.raises(OSError):
        accounts.revoke_account(opened, LEAVING)
    event.remove(opened.engine, "commit", refuse)
    opened.lock(audit_it=False)
    assert not _revoked(folder)
    assert _unlocks(folder)
    assert SlotFile.read(folder / "keyslots.json").find(LEAVING) is not None


def test_a_revoked_slot_left_in_the_file_gets_no_new_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The revocation committed but its slot could not be removed from the file (a full
    disk at that moment): the change of the data key leaves that slot out, so the revoked
    passphrase with the slot file as it is opens nothing in use."""
    folder = tmp_path / "kluis"
    opened = _vault_with_two(folder)
    real_write = SlotFile.write
    calls = [0]

    def first_write_fails(self: SlotFile, path: Path, forget_previous: bool = False) -> None:
        calls[0] += 1
        if calls[0] == 1:  # the revocation's own write, after its commit
            raise file_write_failed(OSError(errno.ENOSPC, "vol"), path)
        real_write(self, path, forget_previous)

    monkeypatch.setattr(SlotFile, "write", first_write_fails)
    change = accounts.revoke_account(opened, LEAVING)
    monkeypatch.undo()
    assert change.done
    slots = SlotFile.read(folder / "keyslots.json")
    assert slots.find(LEAVING) is None
    assert LEAVING in slots.revoked
    live_key = opened.data_key
    opened.lock(audit_it=False)
    connect_raw(folder / "casuskamer.db", live_key, read_only=True).close()
    assert _revoked(folder)
    assert not _unlocks(folder)
