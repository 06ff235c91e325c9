"""Key material in memory: held only in buffers that can be zeroed.

The vault's data key lives in one ``bytearray`` from the moment it is made or unsealed until
the lock zeroes it. Python ``str`` and ``bytes`` objects are immutable, and the memory of a
freed one is reused but never cleared, so the key must never pass through one: no
``bytes(key)``, no ``key.hex()``, no f-string with the key in it.

Two places cannot avoid a ``bytes`` object: the libraries that unseal or generate keys
(``os.urandom``, AES-GCM decryption, X25519) return one. ``wipe_bytes`` zeroes such an object
in place right after its content was copied into a ``bytearray``; it must be the only
reference to it.

SQLCipher takes a raw key as the text ``x'<64 hex digits>'``. ``raw_key_literal`` writes that
text into a ``bytearray`` digit by digit (no ``str`` is made), which the driver's
``set_key``/``reset_key`` read through the buffer protocol; the caller zeroes it after.

The open vault's key buffer is also locked in memory (``pin``: ``mlock`` on Linux and macOS,
``VirtualLock`` on Windows), so the key is never written to swap or a hibernation file;
``wipe`` unlocks it after zeroing. Where the platform refuses (a small ``RLIMIT_MEMLOCK``, a
sandbox) the key stays usable and unlocked: pinning is a hardening, not a condition. The key
buffer is never resized after it is pinned (``OpenVault.replace_key`` copies into it), so it
stays where it was locked. Pages are counted, since two pinned buffers may share one.
"""

from __future__ import annotations

import ctypes
import mmap
import os
from collections.abc import Iterator
from contextlib import contextmanager

KEY_BYTES = 32
_HEX = b"0123456789abcdef"
#: offset of a bytes object's first byte (``ob_sval``) from the object's address (CPython)
_BYTES_DATA = bytes.__basicsize__ - 1


def wipe(buffer: bytearray | memoryview | None) -> None:
    """Overwrite a mutable buffer with zeros (in place; its length stays); a pinned one is
    unlocked from memory after."""
    if buffer is None:
        return
    view = memoryview(buffer).cast("B")
    view[:] = bytes(len(view))  # a fresh zero-filled object: holds nothing secret
    if isinstance(buffer, bytearray):
        unpin(buffer)


# -- locking a key buffer in memory (no swap) --------------------------------------------------

#: page start -> how many pinned buffers lie (partly) on it
_pinned_pages: dict[int, int] = {}
#: buffer address -> its length, for the buffers pinned now
_pinned: dict[int, int] = {}


def _address(buffer: bytearray) -> int:
    return ctypes.addressof((ctypes.c_char * len(buffer)).from_buffer(buffer))


def _pages(address: int, length: int) -> range:
    size = mmap.PAGESIZE
    first = address - address % size
    return range(first, address + length, size)


def _memory_call(name: str, address: int, length: int) -> bool:
    """``mlock``/``munlock`` (POSIX) or ``VirtualLock``/``VirtualUnlock`` (Windows) on whole
    pages; False where refused or not available."""
    try:
        if os.name == "nt":
            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
            call = getattr(kernel32, "VirtualLock" if name == "lock" else "VirtualUnlock")
            call.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
            return bool(call(ctypes.c_void_p(address), ctypes.c_size_t(length)))
        libc = ctypes.CDLL(None, use_errno=True)
        call = getattr(libc, "mlock" if name == "lock" else "munlock")
        call.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        call.restype = ctypes.c_int
        return bool(call(ctypes.c_void_p(address), ctypes.c_size_t(length)) == 0)
    except (OSError, AttributeError, TypeError):
        return False


def pin(buffer: bytearray) -> bool:
    """Lock the pages of ``buffer`` in memory (kept out of swap); True when the platform
    allowed it. Undone by ``wipe`` (or ``unpin``)."""
    if not buffer:
        return False
    address = _address(buffer)
    if address in _pinned:
        return True
    pages = _pages(address, len(buffer))
    if not _memory_call("lock", pages.start, pages.stop - pages.start):
        return False
    _pinned[address] = len(buffer)
    for page in pages:
        _pinned_pages[page] = _pinned_pages.get(page, 0) + 1
    return True


def unpin(buffer: bytearray) -> None:
    """Unlock ``buffer``'s pages no other pinned buffer lies on (nothing if not pinned)."""
    if not buffer:
        return
    address = _address(buffer)
    length = _pinned.pop(address, None)
    if length is None:
        return
    for page in _pages(address, length):
        left = _pinned_pages.get(page, 1) - 1
        if left > 0:
            _pinned_pages[page] = left
            continue
        _pinned_pages.pop(page, None)
        _memory_call("unlock", page, mmap.PAGESIZE)


def is_pinned(buffer: bytearray) -> bool:
    return bool(buffer) and _address(buffer) in _pinned


def wipe_bytes(data: bytes) -> None:
    """Zero an immutable ``bytes`` object a library handed back (CPython only).

    Objects of length 0 or 1 are shared singletons and are left alone; a key never is one.
    """
    if type(data) is not bytes or len(data) < 2:
        return
    ctypes.memset(id(data) + _BYTES_DATA, 0, len(data))


def take(data: bytes) -> bytearray:
    """Copy ``data`` into a new ``bytearray`` and zero ``data``."""
    out = bytearray(data)
    wipe_bytes(data)
    return out


def random_key(size: int = KEY_BYTES) -> bytearray:
    """A new random key, as a ``bytearray`` (the ``bytes`` from the OS is zeroed)."""
    return take(os.urandom(size))


def raw_key_literal(key: bytes | bytearray | memoryview) -> bytearray:
    """SQLCipher's raw-key text ``x'<hex>'`` for ``key``, built in a zeroable buffer."""
    view = memoryview(key).cast("B")
    out = bytearray(3 + 2 * len(view))
    out[0:2] = b"x'"
    for i, byte in enumerate(view):
        out[2 + 2 * i] = _HEX[byte >> 4]
        out[3 + 2 * i] = _HEX[byte & 0x0F]
    out[-1] = 0x27  # '
    return out


@contextmanager
def key_literal(key: bytes | bytearray | memoryview) -> Iterator[bytearray]:
    """``raw_key_literal`` for the length of a ``with`` block, zeroed after it."""
    literal = raw_key_literal(key)
    try:
        yield literal
    finally:
        wipe(literal)
