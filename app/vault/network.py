"""Is the vault folder on a network file system? (issue 25, point 8)

The folder's lock (``flock`` / ``LockFileEx``) and SQLite's write-ahead log, whose index is
shared memory between the programs that have the database open, are not reliable over NFS,
SMB/CIFS, sshfs and their kind: two workstations could both believe they hold the vault, and
a WAL database on a share can be damaged. So a vault on a network folder is refused with a
clear message, unless the setting ``CASUSKAMER_ALLOW_NETWORK_FOLDER=1`` (an environment
variable the IT department sets, documented in the README's protection section) allows it;
then the database runs with a rollback journal (``journal_mode=DELETE``) instead of WAL, and
only one workstation at a time should use it.

How the file system is found:

- Linux: ``/proc/self/mountinfo``; the mount whose mount point is the longest prefix of the
  folder's real path gives the file-system type (``nfs``, ``cifs``, ``fuse.sshfs``, ...).
- Windows: a UNC path (``\\\\server\\share``) or a drive letter whose ``GetDriveTypeW`` is
  ``DRIVE_REMOTE`` (a mapped network drive).
- macOS: ``statfs`` (through ``ctypes``): a file system without the ``MNT_LOCAL`` flag, or of
  a network type (``nfs``, ``smbfs``, ``afpfs``, ``webdav``, ...).

Where the answer cannot be had (no ``/proc``, a failing call) the folder counts as local:
refusing a vault because a check failed would lock people out of their own data.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path, PureWindowsPath

from app.errors import VaultOnNetworkFolder
from app.i18n import _
from app.platform import current_platform, real_platform

log = logging.getLogger(__name__)

ALLOW_ENV = "CASUSKAMER_ALLOW_NETWORK_FOLDER"
MOUNTINFO = Path("/proc/self/mountinfo")

#: file-system types that are a network (or a host's folder shared into a virtual machine)
NETWORK_TYPES = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "afs", "ncp", "ncpfs", "coda",
    "9p", "ceph", "glusterfs", "lustre", "gpfs", "beegfs", "orangefs", "pvfs2", "davfs",
    "webdav", "afpfs", "sshfs", "vboxsf", "vmhgfs", "virtiofs", "ocfs2", "gfs2",
})
#: FUSE file systems (``fuse.<name>``) that reach another machine
NETWORK_FUSE = frozenset({"sshfs", "glusterfs", "davfs2", "rclone", "s3fs", "gcsfuse",
                          "curlftpfs", "smbnetfs", "cephfs", "vmhgfs-fuse"})

DRIVE_REMOTE = 4


def is_network_type(fstype: str) -> bool:
    fstype = fstype.lower()
    if fstype.startswith("fuse."):
        return fstype[5:] in NETWORK_FUSE
    return fstype in NETWORK_TYPES


def _existing(folder: Path) -> Path:
    """The folder's real path, or its nearest existing parent's (a vault not yet made)."""
    path = Path(os.path.abspath(folder))
    while not path.exists() and path.parent != path:
        path = path.parent
    return Path(os.path.realpath(path))


def _unescape(field: str) -> str:
    """Mount points in mountinfo escape space, tab, newline and backslash as ``\\ooo``."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 4 <= len(field) and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def mounts_from_mountinfo(lines: Iterable[str]) -> list[tuple[str, str]]:
    """(mount point, file-system type) for each line of a ``/proc/self/mountinfo`` table."""
    found = []
    for line in lines:
        before, sep, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if not sep or len(fields) < 5 or not tail:
            continue
        found.append((_unescape(fields[4]), tail[0]))
    return found


def linux_fstype(path: Path, mountinfo: Iterable[str]) -> str | None:
    """The file-system type of the longest mount point that holds ``path``."""
    best, best_len = None, -1
    text = str(path)
    for point, fstype in mounts_from_mountinfo(mountinfo):
        inside = text == point or point == "/" or text.startswith(point.rstrip("/") + "/")
        if inside and len(point) > best_len:  # later lines over-mount earlier ones
            best, best_len = fstype, len(point)
        elif inside and len(point) == best_len:
            best = fstype
    return best


def windows_network_kind(path: str, drive_type: Callable[[str], int] | None = None
                         ) -> str | None:
    """"unc" for a UNC path, "remote drive" for a mapped network drive, else None."""
    pure = PureWindowsPath(path)
    drive = pure.drive
    if drive.startswith("\\\\"):
        if drive.upper().startswith("\\\\?\\UNC\\") or not drive.startswith("\\\\?\\"):
            return "unc"
        inner = PureWindowsPath(drive[4:] + "\\")  # \\?\C:\... is a local drive letter
        drive = inner.drive
    if not drive:
        return None
    ask = drive_type if drive_type is not None else _get_drive_type
    try:
        kind = ask(drive + "\\")
    except (OSError, AttributeError, ValueError):
        return None
    return "remote drive" if kind == DRIVE_REMOTE else None


def _get_drive_type(root: str) -> int:
    if real_platform() != "windows":
        return 0  # simulated Windows on another system: no drive letters to ask about
    windll = getattr(ctypes, "windll")  # noqa: B009 - only on Windows
    return int(windll.kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)))


class _MacStatfs(ctypes.Structure):
    """macOS ``struct statfs`` (64-bit inode layout, the only one on arm64 and current x86)."""

    _fields_ = [
        ("f_bsize", ctypes.c_uint32), ("f_iosize", ctypes.c_int32),
        ("f_blocks", ctypes.c_uint64), ("f_bfree", ctypes.c_uint64),
        ("f_bavail", ctypes.c_uint64), ("f_files", ctypes.c_uint64),
        ("f_ffree", ctypes.c_uint64), ("f_fsid", ctypes.c_int32 * 2),
        ("f_owner", ctypes.c_uint32), ("f_type", ctypes.c_uint32),
        ("f_flags", ctypes.c_uint32), ("f_fssubtype", ctypes.c_uint32),
        ("f_fstypename", ctypes.c_char * 16), ("f_mntonname", ctypes.c_char * 1024),
        ("f_mntfromname", ctypes.c_char * 1024), ("f_flags_ext", ctypes.c_uint32),
        ("f_reserved", ctypes.c_uint32 * 7),
    ]


MNT_LOCAL = 0x00001000


def macos_fstype(path: Path) -> str | None:
    """The network file-system type of ``path`` on macOS, or None when it is local."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    # x86_64 keeps the old 32-bit-inode statfs under the plain name
    statfs = getattr(libc, "statfs$INODE64", None) or libc.statfs
    buf = _MacStatfs()
    if statfs(os.fsencode(path), ctypes.byref(buf)) != 0:
        return None
    fstype = buf.f_fstypename.decode("ascii", "replace")
    if not buf.f_flags & MNT_LOCAL or is_network_type(fstype):
        return fstype or "network"
    return None


def network_filesystem(folder: Path | str, *, mountinfo: Iterable[str] | None = None,
                       drive_type: Callable[[str], int] | None = None) -> str | None:
    """The kind of network file system ``folder`` is on, or None when it is local (or the
    check could not tell). ``mountinfo`` and ``drive_type`` stand in for the system's in
    tests."""
    platform = current_platform()
    try:
        if platform == "windows":
            return windows_network_kind(str(folder), drive_type)
        path = _existing(Path(folder))
        if platform == "macos":
            return macos_fstype(path) if real_platform() == "macos" else None
        if mountinfo is None:
            if not MOUNTINFO.exists():
                return None
            mountinfo = MOUNTINFO.read_text(encoding="utf-8", errors="replace").splitlines()
        fstype = linux_fstype(path, mountinfo)
    except (OSError, ValueError, AttributeError) as exc:
        log.debug("file system of the vault folder not known: %s", type(exc).__name__)
        return None
    return fstype if fstype is not None and is_network_type(fstype) else None


def network_allowed() -> bool:
    return os.environ.get(ALLOW_ENV, "").strip().lower() in ("1", "true", "yes", "ja")


def check_vault_folder(folder: Path | str, *, mountinfo: Iterable[str] | None = None,
                       drive_type: Callable[[str], int] | None = None) -> bool:
    """Refuse a vault folder on a network file system (``VaultOnNetworkFolder``), unless the
    setting allows it; returns True when the folder is on one and allowed (then the
    database must not use WAL)."""
    kind = network_filesystem(folder, mountinfo=mountinfo, drive_type=drive_type)
    if kind is None:
        return False
    if network_allowed():
        return True
    raise VaultOnNetworkFolder(_(
        "The vault folder {folder} is on a network drive ({kind}). The vault's lock and its "
        "database journal are not reliable there, so it is not opened. Put the vault on a "
        "disk of this computer, or ask your administrator about the setting {setting}.")
        .format(folder=folder, kind=kind, setting=ALLOW_ENV))
