"""The child process of the crash-injection test: unlock, then do real work at random write
points until killed, acknowledging each finished piece of work on one line of an ack file
(``point<TAB>tag``). The ack file holds only point names and tags, nothing personal."""

from __future__ import annotations

import os
import random
from pathlib import Path


def work(folder: str, account: str, passphrase: str, ack_path: str, seed: int,
         points: list[str], start: int) -> None:
    os.environ["CASUSKAMER_KDF_SECONDS"] = "0"
    from tests.reliability.write_points import POINTS
    from app.vault.vault import Vault

    rng = random.Random(seed)
    vault = Vault(Path(folder)).unlock(account, passphrase)
    fd = os.open(ack_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, b"ready\t-\n")
    n = start
    while True:
        name = rng.choice(points)
        tag = POINTS[name].do(vault, n, rng)
        os.write(fd, f"{name}\t{tag}\n".encode("utf-8"))
        n += 1
