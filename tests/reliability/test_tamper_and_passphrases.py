"""Tampering with the database file and wrong passphrases."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from app.cli import main
from app.errors import WrongPassphrase
from app.store.tables import meta
from app.vault.keyslots import KdfParams
from app.vault.vault import Vault
from app.services import session
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.reliability.conftest import Counts

PAGE = 4096


def _vault_with_pages(folder: Path, pages: int) -> int:
    opened = Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    session.after_unlock(opened, created=True)  # its seed data
    with opened.begin() as conn:
        for i in range(pages * 3):
            conn.execute(meta.insert().values(key=f"fill-{i}", value=f"{i}" * 400))
    opened.lock()
    return (folder / "casuskamer.db").stat().st_size // PAGE


def test_a_flipped_byte_in_any_page_is_reported(tmp_path: Path, full: bool, counts: Counts,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    wanted = 100 if full else 25
    source = tmp_path / "bron"
    total = _vault_with_pages(source, wanted)
    assert total >= wanted
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    rng = random.Random(7)
    pages = rng.sample(range(total), wanted)
    for page in pages:
        copy = tmp_path / f"kopie-{page}"
        shutil.copytree(source, copy)
        db = copy / "casuskamer.db"
        data = bytearray(db.read_bytes())
        offset = page * PAGE + rng.randrange(PAGE)
        data[offset] ^= 1 << rng.randrange(8)
        db.write_bytes(bytes(data))
        code = main(["verify", "--vault", str(copy)])
        counts.add("tamper: pages flipped")
        if code == 1:
            counts.add("tamper: page flips detected")
        assert code == 1, f"flip in page {page} at offset {offset} not reported"
        shutil.rmtree(copy)
    capsys.readouterr()


# 1,000 Argon2id derivations at the program's own cost (64 MiB, 3 passes): about 210 s on a
# quiet 2-core machine, so pytest's default 300 s was hit whenever other work ran beside it.
@pytest.mark.timeout(1800)
def test_wrong_passphrases_are_all_rejected_and_change_nothing(tmp_path: Path, full: bool,
                                                                counts: Counts) -> None:
    attempts = 1000 if full else 40
    folder = tmp_path / "kluis"
    Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams()).lock()
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    rng = random.Random(3)
    vault = Vault(folder)
    for i in range(attempts):
        guess = ADMIN_PASSPHRASE[: rng.randrange(len(ADMIN_PASSPHRASE))] + str(i)
        with pytest.raises(WrongPassphrase):
            vault.unlock(ADMIN, guess)
        counts.add("passphrase: wrong attempts rejected")
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert after == before, "a failed unlock created or changed a file"
