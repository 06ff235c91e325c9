"""The vault's lock file and its folder (issue 25, point 8).

- ``casuskamer.lock`` is never opened through a symbolic link (or, on Windows, a reparse
  point), nor through a second name of another file: a planted link is refused and the file
  it points to is left exactly as it was (the old code emptied it).
- A lock another program holds is never truncated or rewritten by the second opener, which
  still learns who holds it.
- A vault folder on a network file system (NFS, SMB/CIFS, sshfs, ...) is refused with a clear
  message, unless the documented setting allows it, and then the database runs without WAL.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from app.errors import VaultDamaged, VaultInUse, VaultOnNetworkFolder
from app.platform import simulated
from app.vault import network
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE

VICTIM_TEXT = b"a file of the user's own that must never be emptied\n"
ROOT = Path(__file__).resolve().parents[2]


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "elsewhere" / "important.txt"
    victim.parent.mkdir()
    victim.write_bytes(VICTIM_TEXT)
    return victim


def _plant_symlink(folder: Path, victim: Path) -> None:
    lock = folder / "casuskamer.lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(victim)


@pytest.mark.parametrize("platform", ["linux", "windows"])
def test_a_symlink_planted_as_the_lock_file_is_refused_and_its_target_untouched(
        admin_vault: OpenVault, tmp_path: Path, platform: str) -> None:
    admin_vault.lock()
    folder = admin_vault.vault.folder
    victim = _victim(tmp_path)
    _plant_symlink(folder, victim)
    before = victim.stat().st_mtime_ns
    # "windows": the branch without O_NOFOLLOW, which checks the name with lstat first
    with simulated(platform), pytest.raises(VaultDamaged, match="casuskamer.lock"):
        Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    assert victim.read_bytes() == VICTIM_TEXT
    assert victim.stat().st_mtime_ns == before
    assert (folder / "casuskamer.lock").is_symlink()  # not replaced behind the owner's back


def test_a_hard_link_planted_as_the_lock_file_is_refused(admin_vault: OpenVault,
                                                         tmp_path: Path) -> None:
    admin_vault.lock()
    folder = admin_vault.vault.folder
    victim = folder / "important.txt"  # a hard link needs the same file system
    victim.write_bytes(VICTIM_TEXT)
    (folder / "casuskamer.lock").unlink()
    os.link(victim, folder / "casuskamer.lock")
    with pytest.raises(VaultDamaged, match="casuskamer.lock"):
        Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    assert victim.read_bytes() == VICTIM_TEXT


def test_a_symlink_at_the_lock_file_of_a_new_vault_is_refused(vault_dir: Path,
                                                              tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    vault_dir.mkdir()
    _plant_symlink(vault_dir, victim)
    with pytest.raises(VaultDamaged, match="casuskamer.lock"):
        Vault.create(vault_dir, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    assert victim.read_bytes() == VICTIM_TEXT


HOLDER = """
import os, sys, time, portalocker
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
portalocker.lock(fd, portalocker.LockFlags.EXCLUSIVE | portalocker.LockFlags.NON_BLOCKING)
os.write(fd, b"held by another program\\n")
print("held", flush=True)
sys.stdin.read()
"""


def test_a_lock_held_by_another_program_is_neither_truncated_nor_rewritten(
        admin_vault: OpenVault) -> None:
    admin_vault.lock()
    folder = admin_vault.vault.folder
    lock = folder / "casuskamer.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(VaultInUse):
            Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
        assert lock.read_bytes() == b"held by another program\n"
    finally:
        holder.communicate("", timeout=30)


def test_the_second_program_is_told_who_holds_the_lock(admin_vault: OpenVault) -> None:
    folder = admin_vault.vault.folder
    note = folder / "casuskamer.holder"
    holder = json.loads(note.read_text(encoding="utf-8"))
    assert holder["account"] == ADMIN and holder["pid"] == os.getpid()
    assert {"host", "since"} <= set(holder)
    assert stat.S_IMODE(note.stat().st_mode) == 0o600
    lock_before = (folder / "casuskamer.lock").read_bytes()
    with pytest.raises(VaultInUse, match=ADMIN):
        Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    # the second opener changed neither the lock file nor the note
    assert (folder / "casuskamer.lock").read_bytes() == lock_before
    assert json.loads(note.read_text(encoding="utf-8")) == holder
    admin_vault.lock()
    assert not note.exists()  # the holder removes its note when it lets go


# -- network folders -------------------------------------------------------------------------

def _mountinfo(tmp_path: Path, share: Path, fstype: str) -> list[str]:
    """A mount table with the root on ext4 and ``share`` mounted as ``fstype``."""
    escaped = str(share).replace(" ", "\\040")
    return [
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
        "30 22 0:26 / /proc rw,nosuid shared:12 - proc proc rw",
        f"97 22 0:55 / {escaped} rw,relatime shared:40 - {fstype} //server/zvh rw,vers=3.1.1",
    ]


@pytest.fixture
def fake_mounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def plant(share: Path, fstype: str) -> None:
        table = tmp_path / "mountinfo"
        table.write_text("\n".join(_mountinfo(tmp_path, share, fstype)) + "\n")
        monkeypatch.setattr(network, "MOUNTINFO", table)
    monkeypatch.delenv(network.ALLOW_ENV, raising=False)
    return plant


@pytest.mark.parametrize("fstype", ["cifs", "nfs4", "fuse.sshfs", "smb3"])
def test_a_vault_on_a_network_folder_is_refused_with_a_clear_message(
        tmp_path: Path, fake_mounts, fstype: str) -> None:  # type: ignore[no-untyped-def]
    share = tmp_path / "share met spatie"
    share.mkdir()
    fake_mounts(share, fstype)
    folder = share / "kluis"
    with pytest.raises(VaultOnNetworkFolder) as refused:
        Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    message = str(refused.value)
    assert fstype in message and network.ALLOW_ENV in message and "netwerk" in message
    assert not folder.exists()
    assert VaultOnNetworkFolder.exit_code == 2


def test_an_existing_vault_moved_to_a_network_folder_is_refused(
        admin_vault: OpenVault, fake_mounts) -> None:  # type: ignore[no-untyped-def]
    admin_vault.lock()
    folder = admin_vault.vault.folder
    fake_mounts(folder.parent, "nfs")
    with pytest.raises(VaultOnNetworkFolder):
        Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    assert not (folder / "casuskamer.holder").exists()


def test_a_network_folder_allowed_by_the_setting_runs_without_wal(
        tmp_path: Path, fake_mounts, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    share = tmp_path / "share"
    share.mkdir()
    fake_mounts(share, "cifs")
    monkeypatch.setenv(network.ALLOW_ENV, "1")
    opened = Vault.create(share / "kluis", ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    try:
        with opened.read() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "delete"
        opened.log_now("test", "-", "-")
    finally:
        opened.lock()
    assert not (share / "kluis" / "casuskamer.db-wal").exists()
    again = Vault(share / "kluis").unlock(ADMIN, ADMIN_PASSPHRASE)
    with again.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "delete"
    again.lock()


def test_a_local_vault_keeps_wal(admin_vault: OpenVault) -> None:
    with admin_vault.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_mount_table_reading() -> None:
    table = [
        "22 1 8:1 / / rw - ext4 /dev/sda1 rw",
        "40 22 0:40 / /srv/zvh rw - nfs4 server:/export rw",
        # a local disk mounted inside the share: the longest mount point decides
        "41 40 8:17 / /srv/zvh/lokaal rw - ext4 /dev/sdb1 rw",
        "42 22 0:41 / /mnt/gedeelde\\040map rw - cifs //server/zvh rw",
        "43 22 0:42 / /home/jan/remote rw - fuse.sshfs jan@server: rw",
        "44 22 0:43 / /mnt/c rw - 9p drvfs rw",
        "45 22 0:44 / /run/user/1000/doc rw - fuse.portal portal rw",
    ]
    expected = {
        "/srv/zvh/kluis": "nfs4",
        "/srv/zvh": "nfs4",
        "/srv/zvhx/kluis": "ext4",  # a name that only starts like the mount point
        "/srv/zvh/lokaal/kluis": "ext4",
        "/mnt/gedeelde map/kluis": "cifs",
        "/home/jan/remote/kluis": "fuse.sshfs",
        "/home/jan/kluis": "ext4",
        "/mnt/c/kluis": "9p",
    }
    for path, fstype in expected.items():
        assert network.linux_fstype(Path(path), table) == fstype, path
    network_kinds = {"nfs4", "cifs", "fuse.sshfs", "9p", "smb3", "fuse.glusterfs"}
    local_kinds = {"ext4", "btrfs", "xfs", "tmpfs", "fuse.portal", "overlay", "zfs"}
    assert all(network.is_network_type(k) for k in network_kinds)
    assert not any(network.is_network_type(k) for k in local_kinds)


def test_windows_network_folders() -> None:
    fixed, remote = 3, 4  # GetDriveTypeW's DRIVE_FIXED and DRIVE_REMOTE
    drives = {"C:\\": fixed, "D:\\": fixed, "Z:\\": remote}
    with simulated("windows"):
        kind = network.network_filesystem
        assert kind("\\\\fileserver\\zvh\\kluis", drive_type=drives.__getitem__) == "unc"
        assert kind("\\\\?\\UNC\\fileserver\\zvh\\kluis", drive_type=drives.__getitem__) == "unc"
        assert kind("Z:\\Casuskamer\\kluis", drive_type=drives.__getitem__) == "remote drive"
        assert kind("D:\\Casuskamer\\kluis", drive_type=drives.__getitem__) is None
        assert kind("\\\\?\\D:\\Casuskamer\\kluis", drive_type=drives.__getitem__) is None
        assert kind("\\\\?\\Z:\\Casuskamer\\kluis", drive_type=drives.__getitem__) == \
            "remote drive"
        assert kind("C:\\Users\\Şükrü Yılmaz\\AppData\\Local\\Casuskamer\\vault",
                    drive_type=drives.__getitem__) is None


def test_the_command_line_refuses_a_network_folder_in_one_line(
        tmp_path: Path, fake_mounts, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    share = tmp_path / "share"
    share.mkdir()
    fake_mounts(share, "nfs")
    secret = tmp_path / "pw.txt"
    secret.write_text(ADMIN_PASSPHRASE + "\n")
    monkeypatch.delenv("CASUSKAMER_PASSPHRASE", raising=False)
    code = main(["init", "--vault", str(share / "kluis"), "--passphrase-file", str(secret)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "netwerkschijf (nfs)" in err
    assert not (share / "kluis").exists()


def test_the_macos_statfs_layout_is_apples() -> None:
    """macOS is read through ctypes (not runnable here): the structure must match
    <sys/mount.h>'s 64-bit-inode ``struct statfs``: 2168 bytes, the type name at byte 72."""
    import ctypes

    assert ctypes.sizeof(network._MacStatfs) == 2168
    assert network._MacStatfs.f_flags.offset == 64
    assert network._MacStatfs.f_fstypename.offset == 72
    assert network._MacStatfs.f_mntonname.offset == 88
