"""Convenant art. 17.3 (adequate technical measures): after a lock, the data key is nowhere
in the program's memory, neither raw nor as the hex text SQLCipher is keyed with.

The test reads its own process's memory (``/proc/self/maps``, ``/proc/self/mem``) over every
writable mapping. It never holds the whole key in one piece itself: it looks for the key's
first half and compares the bytes that follow with the second half, kept apart, so its own
needles cannot be what it finds. The same scan before the lock must find the key, so the
scan is known to see it.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest

from app.domain.roles import Role
from app.services import accounts
from app.store.tables import meta
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from app.services import session
from tests.conftest import ADMIN, ADMIN_PASSPHRASE

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc/self/mem")

CHUNK = 1 << 20
OVERLAP = 256

Needle = tuple[bytes, bytes]


def _needles(key: bytearray) -> dict[str, Needle]:
    """The key raw, as lower-case and as upper-case hex, each split in two halves."""
    half = len(key) // 2
    first, second = bytes(key[:half]), bytes(key[half:])
    lower = (first.hex().encode(), second.hex().encode())
    return {"raw": (first, second), "hex": lower,
            "HEX": (lower[0].upper(), lower[1].upper())}


def _writable_regions() -> list[tuple[int, int]]:
    regions = []
    with open("/proc/self/maps", encoding="ascii") as maps:
        for line in maps:
            parts = line.split()
            if not parts[1].startswith("rw"):
                continue
            if len(parts) > 5 and parts[5] in ("[vvar]", "[vsyscall]", "[vvar_vclock]"):
                continue
            start, end = (int(x, 16) for x in parts[0].split("-"))
            regions.append((start, end))
    return regions


def scan(needles: dict[str, Needle]) -> dict[str, int]:
    """How often each needle occurs in the process's writable memory."""
    found = dict.fromkeys(needles, 0)
    buffer = bytearray(CHUNK + OVERLAP)
    view = memoryview(buffer)
    with open("/proc/self/mem", "rb", buffering=0) as mem:
        for start, end in _writable_regions():
            pos = start
            while pos < end:
                size = min(CHUNK + OVERLAP, end - pos)
                try:
                    mem.seek(pos)
                    got = mem.readinto(view[:size])
                except (OSError, ValueError, OverflowError):
                    break
                if not got:
                    break
                for name, (first, second) in needles.items():
                    i = buffer.find(first, 0, got)
                    while i != -1:
                        j = i + len(first)
                        if j + len(second) <= got and view[j:j + len(second)] == second:
                            found[name] += 1
                        i = buffer.find(first, i + 1, got)
                view[:size] = bytes(size)  # what was read goes at once
                pos += CHUNK
    return found


def _work(opened: OpenVault, n: int) -> None:
    with opened.begin() as conn:
        conn.execute(meta.insert().values(key=f"werk-{n}", value="iets"))
    with opened.read() as conn:
        conn.execute(meta.select()).all()


def test_no_copy_of_the_data_key_is_left_after_a_lock(vault_dir: Path) -> None:
    created = Vault.create(vault_dir, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    session.after_unlock(created, created=True)  # its seed data
    accounts.add_account(created, "regie", Role.PROCESS_DIRECTOR, "wachtzin van de regie",
                         kdf=KdfParams())
    first_key = _needles(created._key)  # type: ignore[arg-type]
    created.lock()
    # an unlock through a key slot, work, a new data key, more work
    opened = Vault(vault_dir).unlock(ADMIN, ADMIN_PASSPHRASE)
    _work(opened, 1)
    if hasattr(accounts, "change_data_key"):
        accounts.change_data_key(opened)
        _work(opened, 2)
    current = _needles(opened._key)  # type: ignore[arg-type]
    gc.collect()
    before = scan(current)
    assert before["raw"] >= 1, before  # the scan sees the live key
    opened.lock()
    gc.collect()
    after = scan(current)
    assert after == {"raw": 0, "hex": 0, "HEX": 0}, after
    earlier = scan(first_key)
    assert earlier == {"raw": 0, "hex": 0, "HEX": 0}, earlier


def test_a_second_program_unlocking_and_locking_leaves_no_key(vault_dir: Path) -> None:
    """The command line's way: unlock without the folder lock (verify, backup), lock."""
    from app.vault import maintenance

    Vault.create(vault_dir, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams()).lock()
    opened = Vault(vault_dir).unlock(ADMIN, ADMIN_PASSPHRASE, exclusive=False)
    maintenance.verify(opened, quick=True)
    maintenance.backup(opened, vault_dir.parent / "kluis.ckbak")
    needles = _needles(opened._key)  # type: ignore[arg-type]
    assert scan(needles)["raw"] >= 1
    opened.lock()
    gc.collect()
    assert scan(needles) == {"raw": 0, "hex": 0, "HEX": 0}
