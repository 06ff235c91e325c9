"""Kills during unlock's own writes (issue 23, point 8).

A child process unlocks the vault the way the program and the command line do
(``attempts.guarded_unlock``, then the session step ``session.after_unlock``): a few wrong
passphrases first (each rewrites the attempt counter ``unlock-attempts.json``), then the
right one, which runs the migrations (on an older vault: the parent takes the vault back
to an older revision before every third child), writes the login row with the earlier
failures, clears the counter and writes its audit row, and runs the retention purge
(``today`` far in the future, so every ended case is due; the purge compacts the file
afterwards). Outside the unlock it declines a new case (so the next purge has work) and
locks (the lock row).

The child is killed with SIGKILL at its N-th write event (a write statement, a commit, an
fsync, a rename, the compaction, counted only during the unlock, the purge and the lock),
at once or after a random few milliseconds, so the kill lands before, inside or just after
that write. N sweeps every position of the cycle in turn. After each kill:

* the database is either at the older revision with the older schema, or at the newest
  with all of it (never half a migration);
* the vault unlocks by passphrase and verifies (the audit chain too);
* every acknowledged login row is in the audit log;
* every acknowledged failed attempt is counted once: in the counter file, or in an
  ``unlock.failed_attempts`` audit row (by its first and last moment), never in neither;
* every case acknowledged as destroyed by the purge is destroyed, every acknowledged
  declined case is there (declined, or destroyed by a later purge), nothing is half-written.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import threading
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.cases import Subject, SubjectRole
from app.domain.intake import IntakeOutcome, Referral
from app.domain.protocols import Protocol
from app.services import intake, session
from app.store import migrate
from app.store.case_tables import cases
from app.store.db import connect_raw
from app.store.tables import audit_log
from app.vault import attempts, maintenance
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.reliability.case_write_points import _answers, acting, ids
from tests.reliability.conftest import Counts

CI_KILLS = 6
FULL_KILLS = 200
#: the revision an "older vault" is taken back to (the newest migration runs at unlock)
OLDER = "0012"
WRONG = "dit is niet de goede wachtzin"
#: the purge's "today": every ended case is due
FUTURE = date.today() + timedelta(days=365 * 60)


# -- the child ----------------------------------------------------------------------------

class _Killer:
    """Counts write events and kills this process at the ``kill_at``-th one (at once, or
    after ``jitter`` seconds from a timer thread while the write goes on)."""

    def __init__(self, kill_at: int, jitter: float, ack: Any, kill_phase: str = "") -> None:
        self.kill_at, self.jitter, self.ack = kill_at, jitter, ack
        self.kill_phase = kill_phase
        self.n = 0
        self.active = True
        self.phase = "opening (lock file, holder note)"

    def event(self, what: str) -> None:
        if not self.active:
            return
        self.n += 1
        if self.n == self.kill_at or (self.kill_phase and self.phase == self.kill_phase):
            self.ack("kill", self.phase, what)
            if self.jitter <= 0:
                os.kill(os.getpid(), signal.SIGKILL)
            threading.Timer(self.jitter, os.kill, (os.getpid(), signal.SIGKILL)).start()

    def install(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        from app.services import retention
        from app.vault import rekey
        from app.vault.vault import OpenVault as Opened

        def statement(conn: Any, cursor: Any, text: str, *args: Any) -> None:
            if not text.lstrip().upper().startswith("SELECT"):
                self.event(text.split(None, 1)[0].upper())

        event.listen(Engine, "before_cursor_execute", statement)
        event.listen(Engine, "commit", lambda conn: self.event("COMMIT"))
        real_fsync, real_replace = os.fsync, os.replace

        def fsync(fd: int) -> None:
            self.event("fsync")
            real_fsync(fd)

        def replace(src: Any, dst: Any, **kw: Any) -> None:
            self.event("rename")
            real_replace(src, dst, **kw)

        os.fsync = fsync  # type: ignore[assignment]
        os.replace = replace  # type: ignore[assignment]

        def phased(owner: Any, name: str, phase: str, entry: str = "") -> None:
            real = getattr(owner, name)

            def wrapper(*args: Any, **kw: Any) -> Any:
                before, self.phase = self.phase, phase
                if entry:  # its writes are not seen one by one (a raw VACUUM)
                    self.event(entry)
                try:
                    return real(*args, **kw)
                finally:
                    self.phase = before

            setattr(owner, name, wrapper)

        phased(attempts.Attempts, "record_failure", "attempt counter: a failure")
        phased(attempts.Attempts, "clear", "attempt counter: cleared")
        phased(Opened, "migrate", "migrations")
        phased(Opened, "after_unlock", "login row")
        phased(rekey, "settle", "settling the key slots")
        phased(retention, "purge_due", "retention purge")
        phased(retention, "compact", "compaction after the purge", "VACUUM")
        phased(Opened, "lock", "lock row")
        real_log_now = Opened.log_now

        def log_now(opened: Any, action: str, *args: Any, **kw: Any) -> Any:
            before = self.phase
            if action == attempts.AUDIT_ACTION:
                self.phase = "failed-attempts audit row"
            try:
                return real_log_now(opened, action, *args, **kw)
            finally:
                self.phase = before

        Opened.log_now = log_now  # type: ignore[method-assign]


def unlock_cycle(folder: str, ack_path: str, kill_at: int, jitter: float, wrong: int,
                 n: int, kill_phase: str = "") -> None:
    os.environ["CASUSKAMER_KDF_SECONDS"] = "0"
    fd = os.open(ack_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def ack(*parts: object) -> None:
        os.write(fd, ("\t".join(str(p) for p in parts) + "\n").encode())

    killer = _Killer(kill_at, jitter, ack, kill_phase)
    killer.install()
    vault = Vault(Path(folder))
    for _ in range(wrong):
        ack("try-fail")
        try:
            attempts.guarded_unlock(vault, ADMIN, WRONG, sleep=lambda s: None)
        except Exception as exc:  # noqa: BLE001 - only a wrong passphrase is expected
            assert type(exc).__name__ == "WrongPassphrase", exc
            ack("fail")
    opened, earlier = attempts.guarded_unlock(vault, ADMIN, ADMIN_PASSPHRASE,
                                              sleep=lambda s: None)
    ack("login", opened.login_row_id)
    session.after_unlock(opened, today=FUTURE)
    ack("purged", ",".join(opened.purged_at_unlock) or "-")
    killer.active = False
    with acting(opened) as director:
        number = _declined(director, n)
    ack("declined", number)
    killer.active = True
    opened.lock()
    ack("events", killer.n)


def _declined(vault: OpenVault, n: int) -> str:
    referral = Referral(protocol=Protocol.INTEGRALE_VEILIGHEID,
                        referring_party_id=ids(vault)["Den Haag"], received=date.today(),
                        reason=f"ontgrendel-{n}", question="Aanpak",
                        subjects=(Subject("Piet", f"Ontgrendel{n}", date(1980, 5, 1),
                                          SubjectRole.MAIN_SUBJECT),))
    number = intake.register_referral(vault, referral)
    intake.decide_intake(vault, number, IntakeOutcome.DECLINE, _answers(),
                         decline_reason="Geen casus voor het huis",
                         decline_advice="Verwezen naar het wijkteam")
    return number


# -- the parent ---------------------------------------------------------------------------

def _schema(conn: Any) -> dict[str, str]:
    return {str(name): str(sql) for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")}


def _older_schema(tmp: Path) -> dict[str, str]:
    """sqlite_master of a database made at the older revision."""
    from app.store.db import make_engine

    key = os.urandom(32)
    connect_raw(tmp / "oud.db", key, create=True).close()
    engine = make_engine(tmp / "oud.db", lambda: key)
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn, OLDER)
        raw = connect_raw(tmp / "oud.db", key)
        try:
            return _schema(raw)
        finally:
            raw.close()
    finally:
        engine.dispose()


def _columns(conn: Any, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f'PRAGMA table_info("{table}")')]


def _columns_of(create_sql: str, table: str) -> list[str]:
    """The columns an older schema's CREATE TABLE names (read by SQLite itself)."""
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.execute(create_sql)
        return _columns(scratch, table)
    finally:
        scratch.close()


def _take_back(db: Path, key: bytes, older: dict[str, str]) -> None:
    """Make the vault an older one: drop what the later migrations added (new tables with
    their indexes, all empty; new columns) and set the revision back."""
    raw = connect_raw(db, key)
    try:
        now = _schema(raw)
        changed = [n for n in older if now.get(n) != older[n]]
        raw.execute("BEGIN IMMEDIATE")
        for name in changed:  # a later migration added columns: they go again
            extra = [c for c in _columns(raw, name) if c not in _columns_of(older[name], name)]
            assert extra, f"a later migration changed {name} otherwise: extend _take_back"
            for column in extra:
                raw.execute(f'ALTER TABLE "{name}" DROP COLUMN "{column}"')
        now = _schema(raw)
        still = [n for n in older if now.get(n) != older[n]]
        assert not still, f"a later migration changed {still}: extend _take_back"
        added = [n for n in now if n not in older and not n.startswith("sqlite_")]
        for name in added:
            kind = raw.execute("SELECT type FROM sqlite_master WHERE name = ?",
                               (name,)).fetchone()[0]
            if kind == "table":
                assert raw.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == 0, name
        for name in added:  # the indexes go with their tables
            row = raw.execute("SELECT type FROM sqlite_master WHERE name = ?",
                              (name,)).fetchone()
            if row is not None and row[0] == "table":
                raw.execute(f'DROP TABLE "{name}"')
        raw.execute("UPDATE alembic_version SET version_num = ?", (OLDER,))
        raw.execute("COMMIT")
    finally:
        raw.close()


def _revision_whole(db: Path, key: bytes, older: dict[str, str], head: dict[str, str]
                    ) -> str:
    """The revision the kill left, checked against the schema it must have."""
    raw = connect_raw(db, key)
    try:
        revision = str(raw.execute("SELECT version_num FROM alembic_version").fetchone()[0])
        now = {n: s for n, s in _schema(raw).items() if not n.startswith("sqlite_")}
    finally:
        raw.close()
    want = {n: s for n, s in (older if revision == OLDER else head).items()
            if not n.startswith("sqlite_")}
    assert revision in (OLDER, migrate.head_revision()), revision
    assert now == want, (revision, sorted(set(now) ^ set(want)))
    return revision


def _acks(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")[:-1]  # the last one may be torn by the kill
    return [line.decode().split("\t") for line in lines if line]


def _failures_accounted(opened: OpenVault, folder: Path) -> int:
    """Failed attempts on record: the audit rows and the counter file's entry, each run of
    failures (one first moment) counted once."""
    import json

    with opened.read() as conn:
        rows = conn.execute(select(audit_log.c.detail).where(
            audit_log.c.action == attempts.AUDIT_ACTION)).scalars().all()
    # one run of failures keeps its first moment and only grows: its largest count
    seen: dict[str, int] = {}
    for detail in rows:
        doc = json.loads(detail)
        seen[doc["since"]] = max(seen.get(doc["since"], 0), int(doc["count"]))
    record = attempts.Attempts(folder).failures(ADMIN)
    if record is not None:
        seen[record.since] = max(seen.get(record.since, 0), record.count)
    return sum(seen.values())


PHASES = ("attempt counter: a failure", "opening (lock file, holder note)", "migrations",
          "login row", "failed-attempts audit row", "attempt counter: cleared",
          "retention purge", "compaction after the purge", "lock row")


class _Run:
    """A vault, the children that unlock it, and what they acknowledged so far."""

    def __init__(self, tmp: Path, counts: Counts) -> None:
        self.tmp, self.counts = tmp, counts
        self.folder = tmp / "kluis"
        created = Vault.create(self.folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
        session.after_unlock(created, created=True)
        with acting(created) as director:
            for i in range(3):
                _declined(director, 10_000 + i)
        self.key = created.data_key
        with created.read() as conn:
            self.head = _schema(conn.connection.dbapi_connection)
        created.lock()
        self.db = self.folder / "casuskamer.db"
        self.older = _older_schema(tmp)
        self.ctx = multiprocessing.get_context("forkserver")
        self.ctx.set_forkserver_preload(["tests.reliability.test_rel2_unlock_kills"])
        self.phases: Counter[str] = Counter()
        self.logins: list[int] = []
        self.failed_acked = self.failed_tried = 0
        self.declined: list[str] = []
        self.purged: list[str] = []
        self.n = 0

    def cycle(self, *, take_back: bool, kill_at: int = 10**9, jitter: float = 0.0,
              wrong: int = 1, kill_phase: str = "") -> tuple[bool, int]:
        """One child (killed, or not: then the number of write events of its cycle),
        and every check after it."""
        if take_back:
            _take_back(self.db, self.key, self.older)
        ack = self.tmp / f"ack-{self.n}.txt"
        child = self.ctx.Process(target=unlock_cycle, args=(
            str(self.folder), str(ack), kill_at, jitter, wrong, self.n, kill_phase))
        child.start()
        child.join(120)
        assert child.exitcode is not None, "the unlock cycle hung"
        done = _acks(ack)
        self.n += 1
        kinds = Counter(a[0] for a in done)
        self.failed_tried += kinds["try-fail"]
        self.failed_acked += kinds["fail"]
        self.logins += [int(a[1]) for a in done if a[0] == "login"]
        self.declined += [a[1] for a in done if a[0] == "declined"]
        self.purged += [p for a in done if a[0] == "purged" and a[1] != "-"
                        for p in a[1].split(",")]
        killed = child.exitcode == -signal.SIGKILL
        events = 0
        if killed:
            self.counts.add("unlock kills: survived")
            where = [a for a in done if a[0] == "kill"]
            self.phases[where[-1][1] if where else "?"] += 1
            if take_back:
                self.counts.add("unlock kills: on an older vault")
        else:
            assert child.exitcode == 0, f"the unlock cycle failed ({child.exitcode})"
            events = int(done[-1][1])
            self.counts.add("unlock kills: whole cycles (no kill)")
        self.check(take_back)
        return killed, events

    def check(self, take_back: bool) -> None:
        from tests.reliability.write_points import halves

        revision = _revision_whole(self.db, self.key, self.older, self.head)
        if take_back and revision == OLDER:
            self.counts.add("unlock kills: vault left at the older revision, whole")
        opened = Vault(self.folder).unlock(ADMIN, ADMIN_PASSPHRASE)
        try:
            report = maintenance.verify(opened, quick=True)
            assert report.sound, (self.n, report.problems)
            with opened.read() as conn:
                present = set(conn.execute(select(audit_log.c.id).where(
                    audit_log.c.action == "unlock", audit_log.c.object_id == ADMIN,
                    audit_log.c.result == "ok")).scalars())
                states = dict(conn.execute(select(cases.c.number, cases.c.state)).all())
            lost = [i for i in self.logins if i not in present]
            assert not lost, ("acknowledged login rows lost", self.n, lost)
            accounted = _failures_accounted(opened, self.folder)
            assert self.failed_acked <= accounted <= self.failed_tried, (
                "failed attempts: acknowledged, on record, tried", self.n, self.failed_acked,
                accounted, self.failed_tried)
            gone = [c for c in self.declined if states.get(c) not in ("declined", "destroyed")]
            assert not gone, ("acknowledged declined cases lost", self.n, gone)
            alive = [c for c in self.purged if states.get(c) != "destroyed"]
            assert not alive, ("cases the purge acknowledged are not destroyed", self.n, alive)
            half = halves(opened)
            assert not half, (self.n, half)
        finally:
            opened.lock()

    def finish(self) -> None:
        opened = Vault(self.folder).unlock(ADMIN, ADMIN_PASSPHRASE)
        try:
            assert maintenance.verify(opened).sound
        finally:
            opened.lock()
        for phase, k in self.phases.items():
            self.counts.add(f"unlock kills: in {phase}", k)
        self.counts.add("unlock kills: acknowledged login rows checked", len(self.logins))
        self.counts.add("unlock kills: acknowledged failed attempts checked", self.failed_acked)
        self.counts.add("unlock kills: acknowledged purged cases checked", len(self.purged))


@pytest.mark.timeout(600)
def test_a_kill_at_the_first_write_of_each_unlock_step(tmp_path: Path,
                                                       counts: Counts) -> None:
    """Deterministic, in the normal run too: one kill at the first write of each step of
    the unlock (on an older vault, with a failed attempt before). Among them the kill
    between the failed-attempts audit row and the counter's clearing, which lost the
    failures when the counter was cleared first."""
    run = _Run(tmp_path, counts)
    run.cycle(take_back=True)  # a whole cycle: the purge at the next one has work
    for phase in PHASES:
        killed, _events = run.cycle(take_back=True, kill_phase=phase)
        assert killed, f"no write in {phase}"
    run.finish()


@pytest.mark.timeout(2400)
def test_kills_during_unlock_lose_nothing(tmp_path: Path, full: bool, counts: Counts) -> None:
    import time

    started = time.perf_counter()
    kills = FULL_KILLS if full else CI_KILLS
    run = _Run(tmp_path, counts)
    rng = random.Random(20261207)
    span = {True: 0, False: 0}      # write events in one whole cycle, per kind of vault
    position = {True: 0, False: 0}  # the next kill position swept, per kind of vault
    killed = 0
    for n in range(kills * 3):
        if killed >= kills:
            break
        take_back = n % 3 == 0
        if not span[take_back]:
            kill_at, jitter = 10**9, 0.0  # a whole cycle first: how many events it has
        else:
            position[take_back] = position[take_back] % span[take_back] + 1
            kill_at = position[take_back]
            jitter = 0.0 if rng.random() < 0.4 else rng.uniform(0.0, 0.004)
        was_killed, events = run.cycle(take_back=take_back, kill_at=kill_at, jitter=jitter,
                                       wrong=rng.randint(0, 2))
        killed += was_killed
        span[take_back] = max(span[take_back], events)
    run.finish()
    counts.add("unlock kills: write positions per cycle (older vault)", span[True])
    counts.add("unlock kills: write positions per cycle (current vault)", span[False])
    counts.add("unlock kills: seconds", int(time.perf_counter() - started))
    assert killed == kills
    if full:
        for phase in PHASES:
            assert run.phases[phase] > 0, (phase, run.phases)
