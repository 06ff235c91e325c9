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
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from contextlib import contextmanager

KEY_BYTES = 32
_HEX = b"0123456789abcdef"
#: offset of a bytes object's first byte (``ob_sval``) from the object's address (CPython)
_BYTES_DATA = bytes.__basicsize__ - 1


def wipe(buffer: bytearray | memoryview | None) -> None:
    """Overwrite a mutable buffer with zeros (in place; its length stays)."""
    if buffer is None:
        return
    view = memoryview(buffer).cast("B")
    view[:] = bytes(len(view))  # a fresh zero-filled object: holds nothing secret


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
