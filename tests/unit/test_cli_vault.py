"""The command line's vault commands, in-process and once as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.store.db import connect_raw
from app.vault.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE

PASS = ADMIN_PASSPHRASE


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASS)


def test_init_then_verify_in_a_subprocess(tmp_path: Path) -> None:
    """The contract exactly as an administrator runs it (fresh interpreter, real exit codes)."""
    vault = tmp_path / "v"
    environ = {**os.environ, "CASUSKAMER_PASSPHRASE": PASS, "CASUSKAMER_KDF_SECONDS": "0"}
    cmd = [sys.executable, "-m", "ui.launcher"]
    init = subprocess.run(cmd + ["init", "--vault", str(vault)], env=environ,
                          capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    assert "beheerder" in init.stdout
    verify = subprocess.run(cmd + ["verify", "--vault", str(vault)], env=environ,
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stderr
    assert "In orde" in verify.stdout
    bad = subprocess.run(cmd + ["verify", "--vault", str(tmp_path / "none")], env=environ,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_passphrase_never_from_an_argument(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    code = main(["init", "--vault", str(tmp_path / "v"), "--passphrase", PASS])
    assert code == 2


def test_passphrase_file_and_account_option(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASUSKAMER_PASSPHRASE", raising=False)
    secret = tmp_path / "pw.txt"
    secret.write_text(PASS + "\n")
    vault = tmp_path / "v"
    assert main(["init", "--vault", str(vault), "--account", "hoofdbeheer",
                 "--passphrase-file", str(secret)]) == 0
    assert Vault(vault).first_admin() == "hoofdbeheer"
    assert main(["verify", "--vault", str(vault), "--passphrase-file", str(secret)]) == 0
    assert main(["verify", "--vault", str(vault), "--account", "beheerder",
                 "--passphrase-file", str(secret)]) == 2
    assert main(["verify", "--vault", str(vault), "--passphrase-file",
                 str(tmp_path / "missing.txt")]) == 2
    # no passphrase at all and no terminal: a clear refusal, not a hang
    assert main(["verify", "--vault", str(vault)]) == 2


def test_verify_fails_after_one_audit_row_is_changed(tmp_path: Path, env: None,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    vault = tmp_path / "v"
    assert main(["init", "--vault", str(vault)]) == 0
    assert main(["verify", "--vault", str(vault)]) == 0
    key = _data_key(vault)
    conn = connect_raw(vault / "casuskamer.db", key)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'iemand' WHERE id = 2")
    conn.close()
    capsys.readouterr()
    assert main(["verify", "--vault", str(vault)]) == 1
    assert "Auditlog" in capsys.readouterr().out


def test_verify_fails_after_one_database_byte_is_changed(tmp_path: Path, env: None) -> None:
    vault = tmp_path / "v"
    assert main(["init", "--vault", str(vault)]) == 0
    db = vault / "casuskamer.db"
    data = bytearray(db.read_bytes())
    data[3 * 4096 + 1000] ^= 0x40
    db.write_bytes(bytes(data))
    assert main(["verify", "--vault", str(vault)]) == 1


def test_backup_then_restore_gives_back_the_same_data(tmp_path: Path, env: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    vault = tmp_path / "v"
    assert main(["init", "--vault", str(vault)]) == 0
    monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", "regisseur wachtzin lang")
    assert main(["users", "add", "--vault", str(vault), "tweedebeheer",
                 "--role", "admin"]) == 0
    # the new administrator chooses their own passphrase first (issue 17, point 4)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", "regisseur wachtzin lang")
    monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", "tweede beheerder eigen zin")
    assert main(["users", "passwd", "--vault", str(vault), "--account", "tweedebeheer"]) == 0
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASS)
    backup = tmp_path / "kluis.ckbak"
    # while another program holds the vault open, the backup is still consistent
    holder = Vault(vault).unlock(ADMIN, PASS)
    try:
        with holder.begin() as conn:
            conn.exec_driver_sql("INSERT INTO meta(key, value) VALUES ('probe', 'voor')")
        assert main(["backup", "--vault", str(vault), "--to", str(backup)]) == 0
    finally:
        holder.lock()
    assert b"probe" not in backup.read_bytes() and b"SQLite format 3" not in backup.read_bytes()
    target = tmp_path / "terug"
    # restore with another administrator's slot, valid when the backup was made
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", "tweede beheerder eigen zin")
    assert main(["restore", "--from", str(backup), "--vault", str(target),
                 "--account", "tweedebeheer"]) == 0
    assert main(["restore", "--from", str(backup), "--vault", str(target),
                 "--account", "tweedebeheer"]) == 2  # newer than the backup: needs --force
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASS)
    restored = Vault(target).unlock(ADMIN, PASS)
    try:
        with restored.read() as conn:
            value = conn.exec_driver_sql("SELECT value FROM meta WHERE key='probe'").scalar()
            names = [r[0] for r in conn.exec_driver_sql("SELECT name FROM accounts")]
    finally:
        restored.lock()
    assert value == "voor"
    assert names == [ADMIN, "tweedebeheer"]
    assert main(["restore", "--from", str(backup), "--vault", str(target), "--force"]) == 0
    # a damaged backup is refused and the vault is untouched
    broken = tmp_path / "kapot.ckbak"
    broken.write_bytes(backup.read_bytes()[:-500])
    before = (target / "casuskamer.db").read_bytes()
    assert main(["restore", "--from", str(broken), "--vault", str(target), "--force"]) in (1, 2)
    assert (target / "casuskamer.db").read_bytes() == before


def test_users_commands(tmp_path: Path, env: None, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    vault = tmp_path / "v"
    assert main(["init", "--vault", str(vault)]) == 0
    monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", "kort")
    assert main(["users", "add", "--vault", str(vault), "ic", "--role",
                 "information_centre"]) == 2
    monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", "informatie centrum zin")
    assert main(["users", "add", "--vault", str(vault), "ic", "--role",
                 "information_centre"]) == 0
    capsys.readouterr()
    assert main(["users", "list", "--vault", str(vault)]) == 0
    out = capsys.readouterr().out
    assert "ic\tinformation_centre\tactief" in out
    assert main(["users", "revoke", "--vault", str(vault), "ic"]) == 0
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", "informatie centrum zin")
    assert main(["verify", "--vault", str(vault), "--account", "ic"]) == 2
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASS)
    monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", "een geheel nieuwe zin")
    assert main(["users", "passwd", "--vault", str(vault)]) == 0
    assert main(["verify", "--vault", str(vault)]) == 2
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", "een geheel nieuwe zin")
    assert main(["verify", "--vault", str(vault)]) == 0


def _data_key(folder: Path) -> bytes:
    opened = Vault(folder).unlock(ADMIN, PASS)
    key = opened.data_key
    opened.lock()
    return key


def test_usage_errors_exit_2_with_one_line(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify"]) == 2
    err = capsys.readouterr().err
    assert "--vault" in err and "Traceback" not in err
    assert main(["verify", "--vault", str(tmp_path), "--passphrase", "x"]) == 2
    assert main(["--version"]) == 0
    assert "casuskamer" in capsys.readouterr().out
