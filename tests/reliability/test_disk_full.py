"""A full disk and failing writes while saving, backing up and exporting.

The vault lives on a small tmpfs mounted for the test (as root), so the disk really fills
up; where mounting is not permitted the same tests run with injected failures instead
(SQLite's ``max_page_count`` for the database, an ``ENOSPC`` from ``os.fsync`` for files;
``CASUSKAMER_TEST_NO_MOUNT=1`` forces that path).
Each time the user gets a ``WriteFailed`` (a CasuskamerError with a message, which the GUI
shows like any other refusal), the vault still verifies, everything saved earlier is
there, no half file or stray temporary file is left, and once there is room again saving
works.
"""

from __future__ import annotations

import errno
import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.cases import Subject, SubjectRole
from app.domain.intake import Referral
from app.domain.protocols import Protocol
from app.errors import CasuskamerError, WriteFailed
from app.services import handouts, intake
from app.store import db as store_db
from app.store.case_tables import cases
from app.store.tables import audit_log
from app.vault import maintenance
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from app.services import session
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.reliability.case_write_points import GGZ, _with_plan, acting, ids, session_as
from tests.reliability.conftest import Counts


@dataclass
class Disk:
    folder: Path
    real: bool          # a size-limited filesystem (True) or injected failures (False)
    ballast: Path

    def fill(self, leave: int = 0) -> None:
        """Take all free space but ``leave`` bytes."""
        free = os.statvfs(self.folder).f_bavail * os.statvfs(self.folder).f_frsize
        with self.ballast.open("ab") as fh:
            chunk = b"\0" * 65536
            want = max(0, free - leave)
            try:
                while want > 0:
                    fh.write(chunk[:min(want, len(chunk))])
                    want -= len(chunk)
                fh.flush()
            except OSError:
                pass

    def free(self) -> None:
        self.ballast.unlink(missing_ok=True)


def _mount(folder: Path, size: str) -> bool:
    folder.mkdir()
    if os.geteuid() != 0 or os.environ.get("CASUSKAMER_TEST_NO_MOUNT"):
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                           str(folder)], capture_output=True, check=False)
    return done.returncode == 0


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Disk]:
    folder = tmp_path / f"klein-{uuid.uuid4().hex[:6]}"
    real = _mount(folder, "6m")
    try:
        yield Disk(folder, real, folder / "ballast")
    finally:
        if real:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def _referral(vault: OpenVault, n: int) -> Referral:
    return Referral(protocol=Protocol.INTEGRALE_VEILIGHEID,
                    referring_party_id=ids(vault)["Den Haag"], received=date.today(),
                    reason=f"vol-{n} " + "r" * 3000, question="Aanpak",
                    subjects=(Subject("Piet", f"Vol{n}", date(1980, 5, 1),
                                      SubjectRole.MAIN_SUBJECT),))


def _saved(vault: OpenVault) -> set[str]:
    with vault.read() as conn:
        return {str(r).split(" ")[0] for r in conn.execute(
            select(cases.c.reason).where(cases.c.reason.like("vol-%"))).scalars()}


def _limit_pages(monkeypatch: pytest.MonkeyPatch, vault: OpenVault, extra: int) -> None:
    """Injected: the database may grow by ``extra`` pages and no more."""
    with vault.read() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)
    monkeypatch.setattr(store_db, "CONNECTION_PRAGMAS", store_db.CONNECTION_PRAGMAS + (
        f"PRAGMA max_page_count = {pages + extra}",))
    vault.engine.dispose()


def _no_space(monkeypatch: pytest.MonkeyPatch) -> None:
    """Injected: every file the program writes itself fails at fsync with ENOSPC."""
    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)


def test_saves_until_the_disk_is_full_lose_nothing(disk: Disk, counts: Counts,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    vault = Vault.create(disk.folder / "kluis", ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    session.after_unlock(vault, created=True)  # its seed data
    # the saves are the process director's: unlocked as that account (not vault.actor)
    director = session_as(vault)
    try:
        if disk.real:
            disk.fill(leave=400_000)
        else:
            _limit_pages(monkeypatch, director, 120)
        acknowledged: list[str] = []
        refused = 0
        for n in range(400):
            try:
                intake.register_referral(director, _referral(director, n))
            except WriteFailed as exc:
                assert str(exc), "the user is told why"
                refused += 1
                if refused >= 5:
                    break
                continue
            acknowledged.append(f"vol-{n}")
        counts.add("disk full: saves refused with a message", refused)
        counts.add("disk full: saves acknowledged before", len(acknowledged))
        assert refused, "the disk never filled up"
        assert acknowledged, "nothing fitted at all"
        assert set(acknowledged) <= _saved(director), "an acknowledged save was lost"
        report = maintenance.verify(director)
        assert report.sound, report.problems
        # room again: saving works, and everything is still there after reopening
        disk.free()
        monkeypatch.undo()
        director.engine.dispose()
        intake.register_referral(director, _referral(director, 9999))
    finally:
        vault.lock()  # and the director's session with it
    again = Vault(disk.folder / "kluis").unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        assert set(acknowledged) | {"vol-9999"} <= _saved(again)
        assert maintenance.verify(again).sound
    finally:
        again.lock()
    counts.add("disk full: vaults sound afterwards")


def _world(disk: Disk) -> tuple[OpenVault, str]:
    vault = Vault.create(disk.folder / "kluis", ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    session.after_unlock(vault, created=True)  # its seed data
    import random

    with acting(vault) as director:
        _case_id, number = _with_plan(director, 1, random.Random(1))
    return vault, number


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()
                  if p.name.endswith((".part", ".tmp")) or p.name.startswith("ck-backup-"))


def test_a_backup_on_a_full_disk_fails_cleanly(disk: Disk, counts: Counts,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    vault, _number = _world(disk)
    target = disk.folder / "kluis.ckbak"
    try:
        first = maintenance.backup(vault, target)  # a good backup made earlier
        before = target.read_bytes()
        if disk.real:
            disk.fill(leave=20_000)
        else:
            _no_space(monkeypatch)
        with pytest.raises(WriteFailed) as refused:
            maintenance.backup(vault, target)
        monkeypatch.undo()
        assert str(target) in str(refused.value)
        counts.add("disk full: backups refused with a message")
        # the earlier backup is untouched and still reads; nothing half-written beside it
        assert target.read_bytes() == before
        maintenance.read_backup(target)
        assert _leftovers(disk.folder) == []
        disk.free()
        assert maintenance.verify(vault).sound
        with vault.read() as conn:
            logged = conn.execute(select(audit_log.c.detail).where(
                audit_log.c.action == "backup")).scalars().all()
        assert len(logged) == 1 and first in logged[0], "only the backup made is logged"
        assert maintenance.backup(vault, target) != first
    finally:
        vault.lock()


def test_an_export_on_a_full_disk_leaves_no_file_and_no_disclosure(
        disk: Disk, counts: Counts, monkeypatch: pytest.MonkeyPatch) -> None:
    vault, number = _world(disk)
    out = disk.folder / "overdracht.pdf"
    try:
        with acting(vault) as director:
            party = ids(director)[GGZ]
            if disk.real:
                disk.fill(leave=4_000)
            else:
                _no_space(monkeypatch)
            with pytest.raises(CasuskamerError) as refused:
                handouts.export_handout(director, number, party, out)
            monkeypatch.undo()
            assert isinstance(refused.value, WriteFailed)
            counts.add("disk full: exports refused with a message")
            assert not out.exists()
            assert _leftovers(disk.folder) == []
            disk.free()
            with director.read() as conn:
                rows = conn.execute(select(audit_log.c.id).where(
                    audit_log.c.action == "export.handout", audit_log.c.result == "ok")).all()
            assert rows == [], "a handout that was not written is not in the disclosure log"
            assert maintenance.verify(director).sound
            handouts.export_handout(director, number, party, out)
            assert out.exists()
    finally:
        vault.lock()


def test_the_command_line_says_the_disk_is_full_in_one_line(
        disk: Disk, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    Vault.create(disk.folder / "kluis", ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams()).lock()
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    if disk.real:
        disk.fill(leave=20_000)
    else:
        _no_space(monkeypatch)
    code = main(["backup", "--vault", str(disk.folder / "kluis"), "--to",
                 str(disk.folder / "b.ckbak")])
    err = capsys.readouterr().err
    assert code != 0, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "schijf is vol" in err
