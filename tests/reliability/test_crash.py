"""Crash injection: a child process does real work and is killed with SIGKILL at random
moments. After each kill the vault opens, ``verify`` passes, every acknowledged piece of
work is present and nothing is half-written.

After every tenth kill (and the last) the parent opens the vault with the passphrase, so the
key-slot file is proved sound too, and one other remaining account's slot must open the
database as well; in between it opens it with the data key, which keeps a kill at about a
second (Argon2id at its floor takes 0.3 s here). Two points change the data key (a
revocation, an administrator's change): when the key the parent holds no longer opens the
database, it opens with the passphrase and takes the key from there. A kill at any moment
of a change must leave a vault that opens with either key through the slots, never neither.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from pathlib import Path

import pytest

import re

from app.errors import VaultDamaged
from app.export import pdf
from app.store.db import connect_raw
from app.vault import keyslots, maintenance
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from app.services import session
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.reliability.case_write_points import stray_parts
from tests.reliability.conftest import Counts
from tests.reliability.crash_worker import open_with_key, rekey_loop, work
from tests.reliability.write_points import POINTS, halves

CI_KILLS = 50
FULL_KILLS = 1000
#: kills aimed at changes of the data key only (a kill lands inside one most of the time)
CI_REKEY_KILLS = 20
FULL_REKEY_KILLS = 200


def _open(folder: Path, key_hex: str, by_passphrase: bool, counts: Counts) -> OpenVault:
    if not by_passphrase:
        try:
            return open_with_key(str(folder), ADMIN, key_hex)
        except VaultDamaged:
            counts.add("crash: openings by passphrase after a change of the data key")
    return Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)


def _another_account_opens(folder: Path, rng: random.Random) -> bool | None:
    """One remaining account made by the ``account.add`` point opens the database through
    its own slot (None: there is none yet)."""
    slots = keyslots.SlotFile.read(folder / "keyslots.json")
    made = [s for s in slots.slots if re.fullmatch(r"crash\d+", s.account)]
    if not made:
        return None
    slot = rng.choice(made)
    keys = keyslots.open_slot(slots.vault_id, slot, f"wachtzin voor crash {slot.account[5:]}")
    return _first_key_that_opens(folder, keys) is not None


def _first_key_that_opens(folder: Path, keys: list[bytearray]) -> int | None:
    """Which of a slot's keys opens the database, tried in the slot's order as an unlock
    does (writable: a kill may have left a journal that the opening rolls back)."""
    for i, key in enumerate(keys):
        try:
            connect_raw(folder / "casuskamer.db", key).close()
        except VaultDamaged:
            continue
        return i
    return None


def _inside_a_key_change(folder: Path) -> bool:
    """The kill fell inside a change of the data key: the re-keyed copy is there, or the
    slots still hold both keys."""
    if (folder / "casuskamer.db.rekey").exists():
        return True
    slots = keyslots.SlotFile.read(folder / "keyslots.json")
    return any(len(s.keys) > 1 for s in slots.slots)


def _read_acks(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")
    # the last element is either empty (clean end) or a torn line written at the kill
    done = [line.decode("utf-8").split("\t", 1) for line in lines[:-1] if line]
    return [(a, b) for a, b in done if a != "ready"]


@pytest.mark.timeout(1500)  # the full run (1,000 kills) takes about ten minutes
def test_kills_lose_no_acknowledged_work(tmp_path: Path, full: bool, counts: Counts) -> None:
    kills = FULL_KILLS if full else CI_KILLS
    folder = tmp_path / "kluis"
    created = Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    session.after_unlock(created, created=True)  # its seed data
    key_hex = created.data_key.hex()
    created.lock()
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.reliability.crash_worker",
                                "tests.reliability.write_points"])
    rng = random.Random(20261129)
    names = sorted(POINTS)
    acknowledged: list[tuple[str, str]] = []
    per_point: dict[str, int] = {n: 0 for n in names}
    next_n = 0
    # At least ``kills`` kills; on a slow or busy machine a write point may not be reached
    # in time, so the kills go on (up to three times as many) until every point has been
    # acknowledged at least once: the check below then holds however loaded the machine is.
    for kill in range(kills * 3):
        if kill >= kills and all(per_point.values()):
            break
        ack = tmp_path / f"ack-{kill}.txt"
        # the least exercised points first, so that every one is killed in and acknowledged
        order = sorted(names, key=lambda n: (per_point[n], rng.random()))
        child = ctx.Process(target=work, args=(str(folder), ADMIN, key_hex,
                                               str(ack), rng.randrange(2**32), order,
                                               next_n))
        child.start()
        deadline = time.monotonic() + 30
        while not (ack.exists() and ack.read_bytes().startswith(b"ready")):
            assert child.is_alive(), "the worker died before it was ready"
            assert time.monotonic() < deadline, "the worker did not unlock"
            time.sleep(0.005)
        # CI: longer windows, so 50 kills still acknowledge every point; full: more kills
        time.sleep(rng.uniform(0.0, 0.6 if full else 1.2))
        child.kill()
        child.join()
        counts.add("crash: kills survived")
        done = _read_acks(ack)
        acknowledged.extend(done)
        next_n += len(done) + 1000  # tags never repeat, even for unacknowledged work
        for name, _tag in done:
            per_point[name] += 1

        if _inside_a_key_change(folder):
            counts.add("crash: kills inside a change of the data key")
        by_passphrase = kill % 10 == 9 or kill == kills - 1
        opened = _open(folder, key_hex, by_passphrase, counts)
        key_hex = opened.data_key.hex()  # a change may have been finished at this opening
        try:
            report = maintenance.verify(opened, quick=True)
            assert report.sound, (kill, report.problems)
            lost = [(n, t) for n, t in done if not POINTS[n].present(opened, t)]
            counts.add("crash: acknowledged commits lost", len(lost))
            assert not lost, (kill, lost)
            half = halves(opened)
            assert not half, (kill, half)
        finally:
            opened.lock()
        if by_passphrase:
            other = _another_account_opens(folder, rng)
            assert other is not False, kill
            counts.add("crash: other accounts' slots opened after a kill", int(bool(other)))
    counts.add("crash: acknowledged commits checked", len(acknowledged))
    counts.add("crash: write points", len(names))
    counts.add("crash: write points acknowledged", sum(1 for n in names if per_point[n]))
    # every write point was really exercised
    assert all(per_point[n] > 0 for n in names) or kills < 20, per_point
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        # A kill between writing an export's temporary file and renaming it leaves the
        # hidden part file in the export folder until the next export into that folder.
        counts.add("crash: stray export part files after the last kill",
                   len(stray_parts(opened)))
        if stray_parts(opened):
            pdf.write_atomically(stray_parts(opened)[0].parent / "na-de-crash.pdf", b"%PDF")
        left = stray_parts(opened)
        counts.add("crash: stray export part files left after the next export", len(left))
        assert not left, left
        assert maintenance.verify(opened).sound
        gone = [(n, t) for n, t in acknowledged
                if n != "draft.autosave" and not POINTS[n].present(opened, t)]
        assert not gone, gone
    finally:
        opened.lock()


@pytest.mark.timeout(1500)
def test_kills_inside_changes_of_the_data_key(tmp_path: Path, full: bool,
                                              counts: Counts) -> None:
    """A worker changes the data key over and over and is killed at random moments: each
    time the vault opens with the passphrase of every remaining account (with whichever key
    the kill left), verifies, and has at least the last acknowledged key generation."""
    from app.domain.roles import Role
    from app.services import accounts
    from app.store.tables import meta
    from app.vault import rekey

    kills = FULL_REKEY_KILLS if full else CI_REKEY_KILLS
    folder = tmp_path / "kluis"
    created = Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    session.after_unlock(created, created=True)  # its seed data
    others = {f"crash{i}": f"wachtzin voor crash {i}" for i in range(3)}
    for name, passphrase in others.items():
        accounts.add_account(created, name, Role.INFORMATION_CENTRE, passphrase,
                             kdf=KdfParams())
    with created.begin() as conn:  # a few MB, so that a change takes a while
        for i in range(3000):
            conn.execute(meta.insert().values(key=f"vulling-{i}", value="v" * 1000))
    key_hex = created.data_key.hex()
    created.lock()
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.reliability.crash_worker"])
    rng = random.Random(20261207)
    acknowledged = 0
    for kill in range(kills):
        ack = tmp_path / f"rekey-ack-{kill}.txt"
        child = ctx.Process(target=rekey_loop, args=(str(folder), ADMIN, key_hex, str(ack)))
        child.start()
        deadline = time.monotonic() + 30
        while not (ack.exists() and ack.read_bytes().startswith(b"ready")):
            assert child.is_alive(), "the worker died before it was ready"
            assert time.monotonic() < deadline, "the worker did not unlock"
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 1.0))
        child.kill()
        child.join()
        counts.add("crash (data key): kills survived")
        done = _read_acks(ack)
        if done:
            acknowledged = max(acknowledged, max(int(t) for _n, t in done))
        if _inside_a_key_change(folder):
            counts.add("crash (data key): kills inside a change of the data key")
        # every remaining account's slot opens the database, before anything is tidied
        slots = keyslots.SlotFile.read(folder / "keyslots.json")
        for name, passphrase in others.items():
            slot = slots.find(name)
            assert slot is not None, (kill, name)
            keys = keyslots.open_slot(slots.vault_id, slot, passphrase)
            assert _first_key_that_opens(folder, keys) is not None, (
                kill, name, "no key in the slot opens the database")
        opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
        try:
            assert maintenance.verify(opened, quick=True).sound, kill
            assert rekey.generation(opened) >= acknowledged, kill
            assert rekey.pending(opened) is None
            assert not halves_of_a_key_change(opened)
            key_hex = opened.data_key.hex()
        finally:
            opened.lock()
        counts.add("crash (data key): remaining accounts opened", len(others) + 1)
    counts.add("crash (data key): key changes acknowledged", acknowledged)
    assert acknowledged > 0


def halves_of_a_key_change(opened: OpenVault) -> list[str]:
    from app.vault import rekey

    problems = [f"slot {s.account} holds {len(s.keys)} keys"
                for s in opened.vault.slot_file().slots if len(s.keys) != 1]
    if (opened.vault.folder / rekey.COPY_NAME).exists():
        problems.append("the re-keyed copy is left")
    return problems
