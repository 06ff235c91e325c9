"""Files on every platform: private files, atomic replacement, free space, links.

One place for what differs between Windows, macOS and Linux when the program writes a file
(issue 21, point 1), so that no module of ``app/`` or ``ui/`` calls a POSIX-only function:

- :func:`atomic_write`: a reader sees the old file or the whole new one, never half of it:
  a temporary file in the same folder (created private), written, fsynced, put in place
  with ``os.replace`` (atomic on POSIX and on NTFS), then the folder fsynced where the
  platform can (POSIX; Windows cannot open a folder as a file and flushes the rename with
  the volume's own journal). Key slots, backups, exports, the holder note of the lock file,
  review and forwarding files all go through it.
- :func:`make_private` / :func:`write_private`: owner-only files. On POSIX mode ``0o600``
  (created so, never widened first). On Windows a mode means nothing beyond the read-only
  flag; the program keeps its files in the account's own profile folder
  (``%LOCALAPPDATA%\\Casuskamer``, which Windows gives the account, SYSTEM and the
  administrators only) and the vault is encrypted besides. A vault folder elsewhere (a
  second drive, ``D:\\Casuskamer\\kluis``) takes that folder's access list, which the IT
  department sets at roll-out (``packaging/README.md``); the program does not rewrite access
  lists itself (that needs pywin32's ``win32security``, and a wrong list locks the owner out
  with no way to test it here). The README's protection section says so.
- :func:`free_bytes` through ``shutil.disk_usage`` (``os.statvfs`` does not exist on Windows).
- :func:`open_no_follow`: open a file that must not be a symbolic link (or a Windows reparse
  point): ``O_NOFOLLOW`` on POSIX, an ``lstat`` check on Windows, and on both a check that
  the file opened is the one that was looked at.

The platform is read through :mod:`app.platform`, so a test runs the Windows branches here.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
from contextlib import suppress
from pathlib import Path

from app.platform import current_platform

PRIVATE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700
#: ``stat.FILE_ATTRIBUTE_REPARSE_POINT`` (symbolic links, junctions, mount points on Windows)
FILE_ATTRIBUTE_REPARSE_POINT = 0x400


class LinkRefused(OSError):
    """A file that must be a plain file is a symbolic link, a reparse point or a hard link."""


def _posix() -> bool:
    return current_platform() != "windows"


# -- private files ------------------------------------------------------------------------


def make_private(path: Path | str) -> None:
    """Make ``path`` readable and writable by its owner only (POSIX ``0o600``).

    On Windows nothing is changed: see the module's text (the profile folder's access list)."""
    if _posix():
        os.chmod(path, PRIVATE_MODE)


def make_private_folder(path: Path | str) -> None:
    """Create ``path`` (and its parents) if needed; on POSIX the new folder is ``0o700``."""
    Path(path).mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER_MODE)


def write_private(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, owner-only."""
    atomic_write(Path(path), data, private=True)


# -- atomic replacement -------------------------------------------------------------------


def fsync_file(path: Path | str) -> None:
    """Write a closed file's contents through to the disk (opened for writing: Windows
    flushes only a handle open for writing)."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path | str) -> None:
    """Flush a folder's entries (a rename into it) to disk, where the platform allows it."""
    if not _posix() or not hasattr(os, "O_DIRECTORY"):
        return  # Windows: a folder cannot be opened as a file; NTFS journals the rename
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (network, FUSE) refuse fsync on a folder: nothing to do
    finally:
        os.close(fd)


def _create_flags() -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    return flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def write_temp(folder: Path, data: bytes, *, prefix: str, suffix: str = ".tmp",
               private: bool = True) -> Path:
    """Write ``data`` to a new file in ``folder`` (created private, never an existing file),
    fsynced; returns its path. A failure removes it and raises the ``OSError``."""
    tmp = folder / f"{prefix}{secrets.token_hex(6)}{suffix}"
    fd = os.open(tmp, _create_flags(), PRIVATE_MODE if private else 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def publish(tmp: Path | str, path: Path | str) -> None:
    """Put the finished file ``tmp`` in place of ``path`` atomically (``os.replace``), then
    flush the folder. ``tmp`` must be in the same folder. On failure ``tmp`` is removed."""
    try:
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(Path(path).parent)


def atomic_write(path: Path | str, data: bytes, *, private: bool = True,
                 keep_previous: bool = False) -> None:
    """Write a file so that a crash leaves either the old or the new version, never half.

    Temp file in the same folder (owner-only when ``private``), fsync, optional hard link of
    the old version to ``<name>.prev``, ``os.replace`` over, fsync of the folder where the
    platform supports it. Raises ``OSError`` (nothing changed) when the disk refuses.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    tmp = write_temp(folder, data, prefix=f".{path.name}.", private=private)
    try:
        if keep_previous and path.exists():
            prev = path.with_name(path.name + ".prev")
            prev_tmp = folder / f".{prev.name}.{secrets.token_hex(4)}.tmp"
            os.link(path, prev_tmp)  # NTFS has hard links too (os.link works on Windows)
            os.replace(prev_tmp, prev)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise
    publish(tmp, path)


# -- free space ---------------------------------------------------------------------------


def free_bytes(folder: Path | str) -> int | None:
    """The bytes free for this user on the file system of ``folder`` (None: unknown)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def no_room(folder: Path | str) -> bool:
    """Whether the file system of ``folder`` has no free space left (False when unknown)."""
    return free_bytes(folder) == 0


# -- links --------------------------------------------------------------------------------


def is_link(info: os.stat_result) -> bool:
    """Whether an ``lstat`` result is a symbolic link or (Windows) any reparse point."""
    if stat.S_ISLNK(info.st_mode):
        return True
    attributes = getattr(info, "st_file_attributes", 0)
    return bool(attributes & FILE_ATTRIBUTE_REPARSE_POINT)


def open_no_follow(path: Path | str, flags: int, mode: int = PRIVATE_MODE) -> int:
    """``os.open`` for a file that must be a plain file of its own: never through a symbolic
    link or reparse point, never a second name (hard link) of another file.

    POSIX: ``O_NOFOLLOW`` (the kernel refuses a link at the last step) and ``O_CLOEXEC``.
    Windows has no ``O_NOFOLLOW``: the name is checked with ``lstat`` first. On both the file
    opened is compared with the name afterwards (same device and inode/file index), which
    also catches a link swapped in between the check and the open. Raises ``LinkRefused``.
    """
    path = Path(path)
    if _posix():
        flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    else:
        flags |= getattr(os, "O_BINARY", 0) | getattr(os, "O_NOINHERIT", 0)
        try:
            if is_link(os.lstat(path)):
                raise LinkRefused(f"{path.name} is a link")
        except FileNotFoundError:
            pass
    try:
        fd = os.open(path, flags, mode)
    except OSError as exc:
        # ELOOP: the last part of the name is a symbolic link (O_NOFOLLOW)
        try:
            linked = is_link(os.lstat(path))
        except OSError:
            linked = False
        if linked:
            raise LinkRefused(f"{path.name} is a link") from exc
        raise
    try:
        opened, named = os.fstat(fd), os.lstat(path)
        if (is_link(named) or (opened.st_dev, opened.st_ino) != (named.st_dev, named.st_ino)
                or not stat.S_ISREG(opened.st_mode) or opened.st_nlink > 1):
            raise LinkRefused(f"{path.name} is not a plain file of its own")
    except BaseException:
        os.close(fd)
        raise
    return fd
