"""Convenant art. 17.3 (information protected against loss and unlawful processing): backup
and restore are the administrator's; a restore never deletes (the vault it replaces is kept
beside it, named by verify, until an administrator removes it); it does not silently undo
closures, destructions and exports; the restored vault says in its own log what happened."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.domain.roles import Role
from app.errors import PermissionDenied, ValidationError, VaultExists, VaultInUse
from app.services import accounts
from app.store.tables import audit_log, meta
from app.vault import maintenance
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from app.services import session
from tests.conftest import ADMIN, ADMIN_PASSPHRASE

MANAGER = "manager"
MANAGER_PASS = "wachtzin van de manager"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    return monkeypatch


def _vault_with_manager(folder: Path) -> None:
    opened = Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    session.after_unlock(opened, created=True)  # its seed data
    accounts.add_account(opened, MANAGER, Role.MANAGER, MANAGER_PASS, kdf=KdfParams())
    opened.lock()


def _last_rows(folder: Path, n: int) -> list[tuple[str, str, str]]:
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        with opened.read() as conn:
            rows = conn.execute(select(audit_log.c.actor, audit_log.c.action, audit_log.c.result)
                                .order_by(audit_log.c.id.desc()).limit(n + 1)).all()
    finally:
        opened.lock()
    return [tuple(r) for r in rows[1:]]  # without this unlock's own row


def test_only_the_administrator_backs_up_and_restores(tmp_path: Path, env: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    """The finding: the manager ran backup and restore --force. Now: one line, exit 2, and
    the refusal is in the vault's audit log."""
    folder = tmp_path / "kluis"
    _vault_with_manager(folder)
    made = tmp_path / "door-beheerder.ckbak"
    assert main(["backup", "--vault", str(folder), "--to", str(made)]) == 0
    env.setenv("CASUSKAMER_PASSPHRASE", MANAGER_PASS)
    capsys.readouterr()
    target = tmp_path / "door-manager.ckbak"
    assert main(["backup", "--vault", str(folder), "--account", MANAGER,
                 "--to", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert not target.exists()
    assert main(["restore", "--from", str(made), "--vault", str(folder), "--account", MANAGER,
                 "--force"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert maintenance.replaced_vaults(folder) == []
    denied = [r for r in _last_rows(folder, 8) if r[0] == MANAGER and r[2] == "denied"]
    assert len(denied) == 2  # the backup and the restore


def test_the_backup_service_itself_refuses_other_roles(tmp_path: Path) -> None:
    folder = tmp_path / "kluis"
    _vault_with_manager(folder)
    opened = Vault(folder).unlock(MANAGER, MANAGER_PASS)
    try:
        with pytest.raises(PermissionDenied):
            maintenance.backup(opened, tmp_path / "x.ckbak")
    finally:
        opened.lock()
    assert not (tmp_path / "x.ckbak").exists()


def _newer_work(folder: Path) -> None:
    """After the backup: two cases closed, one destroyed, one handout exported."""
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        with opened.begin() as conn:
            conn.execute(meta.insert().values(key="na-de-backup", value="nieuw"))
        opened.log_now("case.close", "case", "2026-0007")
        opened.log_now("case.close", "case", "2026-0009")
        opened.log_now("case.destroy", "case", "2019-0031")
        opened.log_now("export.handout", "case", "2026-0011")
    finally:
        opened.lock()


def test_a_newer_vault_is_not_replaced_without_force(tmp_path: Path, env: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "kluis"
    _vault_with_manager(folder)
    backup = tmp_path / "kluis.ckbak"
    assert main(["backup", "--vault", str(folder), "--to", str(backup)]) == 0
    _newer_work(folder)
    capsys.readouterr()
    assert main(["restore", "--from", str(backup), "--vault", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    for expected in ("2026-0007", "2026-0009", "2019-0031", "2026-0011", "--force"):
        assert expected in err, expected
    assert maintenance.replaced_vaults(folder) == []
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    with opened.read() as conn:
        assert conn.execute(select(meta.c.value).where(
            meta.c.key == "na-de-backup")).scalar() == "nieuw"
    opened.lock()


def test_restore_keeps_the_replaced_vault_until_an_administrator_removes_it(
        tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The finding: a restore deleted the replaced vault outright, with every audit row
    written since the backup."""
    folder = tmp_path / "kluis"
    _vault_with_manager(folder)
    backup = tmp_path / "kluis.ckbak"
    assert main(["backup", "--vault", str(folder), "--to", str(backup)]) == 0
    _newer_work(folder)
    capsys.readouterr()
    assert main(["restore", "--from", str(backup), "--vault", str(folder), "--force"]) == 0
    out = capsys.readouterr().out
    kept = maintenance.replaced_vaults(folder)
    assert len(kept) == 1 and str(kept[0]) in out
    assert kept[0].parent == folder.parent and kept[0].name.startswith("kluis.replaced-")
    # the replaced vault is whole: it opens, with its rows after the backup
    aside = Vault(kept[0]).unlock(ADMIN, ADMIN_PASSPHRASE)
    with aside.read() as conn:
        assert conn.execute(select(meta.c.value).where(
            meta.c.key == "na-de-backup")).scalar() == "nieuw"
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
        head_id, head_hash = conn.execute(select(audit_log.c.id, audit_log.c.hash).where(
            audit_log.c.action == "vault.replaced")).one()
    assert "case.destroy" in actions
    assert maintenance.verify(aside).sound
    aside.lock()
    # the restored vault has the backup's data and says what happened in its own log
    restored = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    with restored.read() as conn:
        assert conn.execute(select(meta.c.value).where(
            meta.c.key == "na-de-backup")).scalar() is None
        row = conn.execute(select(audit_log.c.detail).where(
            audit_log.c.action == "restore", audit_log.c.result == "ok")).scalar_one()
    detail = json.loads(row)
    assert detail["backup_created"] and detail["replaced_head_id"] == head_id
    assert detail["replaced_head_hash"] == head_hash and detail["rows_undone"] >= 5
    restored.lock()
    # verify names the kept vault
    capsys.readouterr()
    assert main(["verify", "--vault", str(folder)]) == 0
    assert str(kept[0]) in capsys.readouterr().out
    # only an administrator removes it, and that is audited
    manager = Vault(folder).unlock(MANAGER, MANAGER_PASS)
    with pytest.raises(PermissionDenied):
        maintenance.remove_replaced(manager, kept[0])
    manager.lock()
    assert kept[0].exists()
    admin = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    maintenance.remove_replaced(admin, kept[0])
    with admin.read() as conn:
        assert conn.execute(select(audit_log.c.id).where(
            audit_log.c.action == "vault.replaced_remove")).first() is not None
    admin.lock()
    assert not kept[0].exists() and maintenance.replaced_vaults(folder) == []


def test_a_backup_of_another_vault_is_refused(tmp_path: Path, env: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "een", tmp_path / "twee"
    _vault_with_manager(first)
    _vault_with_manager(second)
    other = tmp_path / "een.ckbak"
    assert main(["backup", "--vault", str(first), "--to", str(other)]) == 0
    capsys.readouterr()
    assert main(["restore", "--from", str(other), "--vault", str(second), "--force"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert maintenance.replaced_vaults(second) == []
    with pytest.raises(ValidationError):
        maintenance.restore(other, second, None, ADMIN_PASSPHRASE, force=True)


def test_a_vault_open_elsewhere_is_not_replaced(admin_vault: OpenVault, tmp_path: Path) -> None:
    folder = admin_vault.vault.folder
    backup = tmp_path / "kluis.ckbak"
    maintenance.backup(admin_vault, backup)
    with pytest.raises(VaultInUse):
        maintenance.restore(backup, folder, None, ADMIN_PASSPHRASE, force=True)
    assert maintenance.replaced_vaults(folder) == []
    with admin_vault.read() as conn:  # the program holding it goes on
        conn.execute(select(meta.c.key)).all()


def test_restore_without_force_into_a_new_folder(admin_vault: OpenVault, tmp_path: Path) -> None:
    backup = tmp_path / "kluis.ckbak"
    maintenance.backup(admin_vault, backup)
    report = maintenance.restore(backup, tmp_path / "nieuw", None, ADMIN_PASSPHRASE)
    assert report.sound and report.replaced_by_restore is None
    with pytest.raises(VaultExists):  # and again: the first restore is newer than the backup
        maintenance.restore(backup, tmp_path / "nieuw", None, ADMIN_PASSPHRASE)
