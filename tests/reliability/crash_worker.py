"""The child process of the crash-injection test: open the vault, then do real work at the
write points until killed, acknowledging each finished piece of work on one line of an ack
file (``point<TAB>tag``). The ack file holds only point names and tags, nothing personal.

The points are taken in the order given (the parent puts the least exercised first), then
at random. The child opens the vault with the data key the parent hands it (skipping the
key slot's Argon2id, which the parent checks instead), but does everything an unlock does
after that: the lock file, migrations, the login row, finishing an interrupted change of
the data key and the retention purge. Points that change the data key leave the parent's
key stale; it then opens with the passphrase.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from app.vault.vault import OpenVault, Vault


def open_with_key(folder: str, account: str, key_hex: str) -> OpenVault:
    """Open as ``account`` with the raw data key: ``Vault.unlock`` minus the key slot, so
    also finishing an interrupted change of the data key (after which the key differs from
    ``key_hex``: read it from the vault). A key that no longer opens the database (a change
    completed before the kill) raises ``VaultDamaged``."""
    from app.domain.roles import Role
    from app.services.retention import purge_due
    from app.vault.rekey import settle

    vault = Vault(Path(folder))
    slots = vault.slot_file()
    role = Role(slots.roles.get(account, Role.PROCESS_DIRECTOR.value))
    opened = vault._open(account, role, bytes.fromhex(key_hex), slots.vault_id,
                         exclusive=True)
    try:
        opened.after_unlock()
        settle(opened, None)
        opened.purged_at_unlock = purge_due(opened)
    except BaseException:
        opened.lock(audit_it=False)
        raise
    return opened


def work(folder: str, account: str, key_hex: str, ack_path: str, seed: int,
         points: list[str], start: int) -> None:
    os.environ["CASUSKAMER_KDF_SECONDS"] = "0"
    from tests.reliability.write_points import POINTS

    rng = random.Random(seed)
    vault = open_with_key(folder, account, key_hex)
    fd = os.open(ack_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, b"ready\t-\n")
    n = start
    while True:
        step = n - start
        name = points[step] if step < len(points) else rng.choice(points)
        tag = POINTS[name].do(vault, n, rng)
        os.write(fd, f"{name}\t{tag}\n".encode())
        n += 1


def rekey_loop(folder: str, account: str, key_hex: str, ack_path: str) -> None:
    """Change the data key again and again until killed, acknowledging each generation."""
    os.environ["CASUSKAMER_KDF_SECONDS"] = "0"
    from app.services import accounts

    vault = open_with_key(folder, account, key_hex)
    fd = os.open(ack_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, b"ready\t-\n")
    while True:
        change = accounts.change_data_key(vault)
        assert change.done, change.reason
        os.write(fd, f"vault.rekey\t{change.generation}\n".encode())
