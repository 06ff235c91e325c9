"""No POSIX-only call in the program's file handling (issue 21, point 1).

The os functions and flags Windows lacks are removed from ``os`` for the length of a test,
with ``app.platform`` set to Windows: the vault is made, unlocked, backed up and locked, a
PDF and the key slots are written, and free space is read, all without them. The old code
called ``os.pwrite`` (the lock), ``os.fchmod`` (exports) and ``os.statvfs`` (a full disk).
"""

from __future__ import annotations

import ast
import errno
import os
import shutil
import stat
from collections import namedtuple
from pathlib import Path

import pytest

from app import fs
from app.errors import SQLITE_IOERR, WriteFailed, file_write_failed, vault_write_failed
from app.export import pdf
from app.platform import current_platform, real_platform, set_platform_for_tests, simulated
from app.vault.keyslots import KdfParams
from app.vault.maintenance import backup, read_backup
from app.vault.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]

#: what ``os`` has on Linux and macOS but not on Windows (the ones a program reaches for)
POSIX_ONLY_OS = ("fchmod", "statvfs", "fstatvfs", "pwrite", "pread", "fchown", "lchown",
                 "chown", "getuid", "geteuid", "getgid", "getegid", "getpgid", "killpg",
                 "setsid", "fork", "mkfifo", "sync", "O_NOFOLLOW", "O_DIRECTORY", "O_CLOEXEC",
                 "sched_getaffinity", "uname", "lchmod", "nice", "setuid", "openpty")


@pytest.fixture
def windows_os(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``os`` without what Windows lacks, and the program told it runs on Windows."""
    for name in POSIX_ONLY_OS:
        monkeypatch.delattr(os, name, raising=False)
    with simulated("windows"):
        yield


def test_the_vault_runs_on_an_os_module_without_posix_only_functions(
        tmp_path: Path, windows_os: None) -> None:
    folder = tmp_path / "kluis"
    opened = Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    opened.lock()
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        digest = backup(opened, tmp_path / "reservekopie.zip")
        manifest, _slots, _db = read_backup(tmp_path / "reservekopie.zip")
        assert manifest["vault_id"] == opened.vault_id and len(digest) == 64
        slots = opened.vault.slot_file()
        slots.write(opened.vault.slots_path)  # the key slots' atomic write (with .prev)
        assert (folder / "keyslots.json.prev").exists()
    finally:
        opened.lock()
    Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE).lock()


def test_an_export_is_written_without_fchmod(tmp_path: Path, windows_os: None) -> None:
    out = tmp_path / "overdracht.pdf"
    pdf.write_atomically(out, b"%PDF-1.4 whole")
    assert out.read_bytes() == b"%PDF-1.4 whole"
    assert [p.name for p in tmp_path.iterdir()] == ["overdracht.pdf"]


def test_a_full_disk_is_read_through_shutil_disk_usage(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage(100, 100, 0))
    # SQLite reports some writes on a full disk as an I/O error: the folder decides
    message = str(vault_write_failed(SQLITE_IOERR, tmp_path))
    assert "schijf is vol" in message
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage(100, 50, 50))
    assert "schijf is vol" not in str(vault_write_failed(SQLITE_IOERR, tmp_path))
    assert fs.free_bytes(tmp_path) == 50


def test_atomic_write_replaces_whole_and_private(tmp_path: Path) -> None:
    target = tmp_path / "bestand.json"
    target.write_bytes(b"oud")
    old_umask = os.umask(0o022)
    try:
        fs.atomic_write(target, b"nieuw", keep_previous=True)
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"nieuw"
    assert (tmp_path / "bestand.json.prev").read_bytes() == b"oud"
    if real_platform() != "windows":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bestand.json", "bestand.json.prev"]


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "bestand.json"
    target.write_bytes(b"oud")

    def no_room(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_room)
    with pytest.raises(OSError):
        fs.atomic_write(target, b"nieuw")
    assert target.read_bytes() == b"oud"
    assert [p.name for p in tmp_path.iterdir()] == ["bestand.json"]
    assert "vol" in str(file_write_failed(OSError(errno.ENOSPC, "vol"), target))


def test_a_private_file_is_owner_only_on_posix(tmp_path: Path) -> None:
    path = tmp_path / "geheim.txt"
    fs.write_private(path, b"x")
    if real_platform() != "windows":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        path.chmod(0o644)
        fs.make_private(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_platform_helper_is_settable_and_restored() -> None:
    real = real_platform()
    with simulated("macos"):
        assert current_platform() == "macos"
        with simulated("windows"):
            assert current_platform() == "windows"
        assert current_platform() == "macos"
    assert current_platform() == real
    with pytest.raises(ValueError):
        set_platform_for_tests("beos")  # type: ignore[arg-type]
    assert current_platform() == real


def _posix_only_uses(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "os" and node.attr in (*POSIX_ONLY_OS, "chmod")):
            line = lines[node.lineno - 1]
            guarded = f'hasattr(os, "{node.attr}")' in line or (
                node.attr == "O_DIRECTORY" and path.name == "fs.py")
            private_helper = node.attr == "chmod" and path == ROOT / "app" / "fs.py"
            if not guarded and not private_helper:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: os.{node.attr}")
    return found


def test_no_posix_only_os_call_in_app_or_ui() -> None:
    """Permissions only through app.fs; nothing Windows lacks unless guarded on that line."""
    offenders = [hit for folder in ("app", "ui")
                 for path in sorted((ROOT / folder).rglob("*.py"))
                 for hit in _posix_only_uses(path)]
    assert offenders == []


def test_a_write_error_is_still_one_line(tmp_path: Path, windows_os: None) -> None:
    missing = tmp_path / "bestaat-niet" / "overdracht.pdf"
    with pytest.raises(WriteFailed):
        pdf.write_atomically(missing, b"%PDF-1.4")


def test_a_restore_over_a_vault_lets_go_of_its_files_before_moving_it_on_windows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows cannot rename a folder while a file in it is open (the held lock file, whose
    holder note exists exactly as long as the lock is held): the rename must come after."""
    from app.vault.maintenance import restore

    folder = tmp_path / "kluis"
    opened = Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    try:
        backup(opened, tmp_path / "reservekopie.zip")
    finally:
        opened.lock()
    real_rename = Path.rename

    def windows_rename(self: Path, target: str | os.PathLike[str]) -> Path:
        if (self / "casuskamer.holder").exists():
            raise PermissionError(32, "The process cannot access the file because it is "
                                  "being used by another process")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", windows_rename)
    with simulated("windows"):
        report = restore(tmp_path / "reservekopie.zip", folder, ADMIN, ADMIN_PASSPHRASE,
                         force=True)
    assert report.replaced_by_restore is not None and report.replaced_by_restore.is_dir()
    Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE).lock()
