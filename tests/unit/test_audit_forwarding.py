"""Forwarding the audit log to the house's central log (issue 17, point 6; NEN 7513 asks
that the log be kept beyond the reach of those it logs). A TLS syslog receiver runs on
127.0.0.1 inside each test; every wait is bounded.

Each of these fails on 7ca920e: there was no forwarding, no queue and no ``config``.

Both engines (issue 22, point 1): under ``--engine=postgresql`` (``make test-pg``) the vault
is a fresh house on the throwaway server, the command line gets the house's profile
(``tests.pg_engine.vault_args``) and the audit log is read as the house's administrator
reads it (``audit_reader``); the file beside is then the one beside the profile
(``forwarding.profile_side_file``), and the older copy of the rollback test is a copy of the
server's database instead of the vault file's backup.
"""

from __future__ import annotations

import shutil
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.errors import ValidationError
from app.store import audit
from app.store.tables import audit_log, meta
from app.vault import forwarding
from app.vault.vault import DB_NAME, OpenVault
from sqlalchemy import select
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.pg_engine import audit_reader, is_server_vault, vault_arg, vault_args
from tests.unit.audit_forwarding_receiver import (Authority, Receiver, Silent, closed_port)

CANARY = "Jansen-Kanarie-1234567"


pytestmark = pytest.mark.usefixtures("forwarding_batches")


@pytest.fixture(autouse=True)
def _no_side_file_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """On the server the command line's profile file is the suite's (one per run) and every
    test's house a copy of one template (the same vault id): the file beside the profile
    that one test's forwarding writes is removed before and after it."""
    if "admin_vault" not in request.fixturenames:
        yield
        return
    vault = request.getfixturevalue("admin_vault")
    side = _side(vault)
    side.unlink(missing_ok=True)
    yield
    side.unlink(missing_ok=True)


def _side(vault: OpenVault) -> Path:
    """The file beside ``vault`` that the command line writes: in the vault folder, or
    beside the house's profile (named after it)."""
    if is_server_vault(vault):
        return forwarding.profile_side_file(Path(vault_arg(vault)))
    return vault.vault.folder / forwarding.SIDE_NAME


def _reopen(vault: OpenVault) -> OpenVault:
    """The administrator's session again, after the command line (the folder's lock)."""
    return vault.vault.unlock(ADMIN, ADMIN_PASSPHRASE)


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return Authority(tmp_path / "ca")


@pytest.fixture
def receiver(authority: Authority) -> Iterator[Receiver]:
    r = Receiver(authority).start()
    yield r
    r.stop()


def _rows(vault: OpenVault) -> list[tuple[int, str]]:
    with audit_reader(vault) as conn:
        return [(int(i), str(h)) for i, h in conn.execute(
            select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id))]


def _act(vault: OpenVault, n: int) -> None:
    """n user actions' audit rows, each with a canary in its detail (never forwarded)."""
    for i in range(n):
        vault.log_now("case.open", "case", f"2026-{i:04d}", detail={"note": CANARY})


def _forwarded_rows(vault: OpenVault, first_id: int) -> list[tuple[int, str]]:
    return [(i, h) for i, h in _rows(vault) if i >= first_id]


def _configured(vault: OpenVault, receiver: Receiver) -> int:
    """Turn forwarding on; returns the id of the first forwarded row (the configure row)."""
    assert forwarding.configure(vault, receiver.address, receiver.authority.ca_pem) is None
    return _rows(vault)[-1][0]


def test_every_row_goes_as_rfc5424_over_tls_without_detail(
        admin_vault: OpenVault, receiver: Receiver) -> None:
    """Each audit row arrives once, in order, as an RFC 5424 message with the row's id,
    sequence number, action, actor, result, time and chain hash; never the detail."""
    first = _configured(admin_vault, receiver)
    _act(admin_vault, 6)
    report = forwarding.send_pending(admin_vault)
    assert report.problem is None and report.queued == 0
    got = receiver.unique()
    expected = _forwarded_rows(admin_vault, first)
    assert [(int(m.params["id"]), m.params["hash"]) for m in got] == expected
    assert [int(m.params["seq"]) for m in got] == list(range(1, len(expected) + 1))
    sample = got[1]
    assert sample.raw.startswith(b"<110>1 ")  # facility log audit (13), informational
    assert sample.params["action"] == "case.open" and sample.params["oid"] == "2026-0000"
    assert sample.params["actor"] == ADMIN and sample.params["result"] == "ok"
    assert sample.params["vault"] == admin_vault.vault_id
    assert all(CANARY.encode() not in m.raw for m in receiver.received)
    assert forwarding.queued_count(admin_vault) == 0


def test_queued_in_the_same_transaction(admin_vault: OpenVault, receiver: Receiver) -> None:
    """A row that is rolled back is not queued either; one committed is."""
    _configured(admin_vault, receiver)
    before = forwarding.queued_count(admin_vault)
    with pytest.raises(RuntimeError), admin_vault.begin() as conn:
        admin_vault.log(conn, "case.open", "case", "2026-0001")
        raise RuntimeError("rolled back")
    assert forwarding.queued_count(admin_vault) == before
    admin_vault.log_now("case.open", "case", "2026-0001")
    assert forwarding.queued_count(admin_vault) == before + 1


def test_cut_mid_stream_and_down_then_back_none_lost_none_doubled(
        admin_vault: OpenVault, receiver: Receiver) -> None:
    """The collector resets the connection in the middle of a batch, then is down while rows
    are written; when it is back they all arrive in order: after de-duplication by row
    (vault, id, hash) each row is there exactly once and none is missing."""
    first = _configured(admin_vault, receiver)
    _act(admin_vault, 9)
    receiver.cut_after = 6  # the second batch of 4 is cut after its second row
    report = forwarding.send_pending(admin_vault)
    assert report.problem is not None and "127.0.0.1" in report.problem
    assert len(report.problem.splitlines()) == 1
    assert report.queued > 0

    receiver.stop()
    _act(admin_vault, 5)  # the user goes on working while the collector is down
    down = forwarding.send_pending(admin_vault)
    assert down.problem is not None and down.queued == report.queued + 5

    receiver.start()
    back = forwarding.send_pending(admin_vault)
    assert back.problem is None and back.queued == 0
    expected = _forwarded_rows(admin_vault, first)
    got = receiver.unique()
    assert [(int(m.params["id"]), m.params["hash"]) for m in got] == expected
    assert [int(m.params["seq"]) for m in got] == list(range(1, len(expected) + 1))
    assert receiver.total() > len(got)  # the cut batch was sent again: de-duplication needed
    assert forwarding.queued_count(admin_vault) == 0


def test_certificate_that_does_not_verify_is_refused_and_nothing_is_lost(
        admin_vault: OpenVault, receiver: Receiver, tmp_path: Path) -> None:
    rogue = Receiver(Authority(tmp_path / "rogue", name="Rogue CA")).start()
    try:
        # configuring against it: refused in one line, nothing stored
        with pytest.raises(ValidationError) as refused:
            forwarding.configure(admin_vault, rogue.address, receiver.authority.ca_pem)
        assert len(str(refused.value).splitlines()) == 1
        assert forwarding.config_of(admin_vault) is None
        assert rogue.total() == 0

        # configured right, then the collector presents another certificate: rows stay
        first = _configured(admin_vault, receiver)
        receiver.stop()
        receiver.context = rogue.authority.server_context()
        receiver.start()
        _act(admin_vault, 3)
        report = forwarding.send_pending(admin_vault)
        assert report.problem is not None and len(report.problem.splitlines()) == 1
        assert report.queued == len(_forwarded_rows(admin_vault, first))
        assert receiver.total() == 0 and rogue.total() == 0

        receiver.stop()
        receiver.context = receiver.authority.server_context()
        receiver.start()
        assert forwarding.send_pending(admin_vault).problem is None
        assert [(int(m.params["id"]), m.params["hash"]) for m in receiver.unique()] == \
            _forwarded_rows(admin_vault, first)
    finally:
        rogue.stop()


def test_a_collector_that_does_not_answer_never_fails_the_user_action(
        admin_vault: OpenVault, authority: Authority, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Configured while the collector is silent: stored, reported in one line; later
    commands succeed, each within the send's time bound, and the rows wait in the queue."""
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    admin_vault.lock()
    vault = vault_args(admin_vault)
    silent = Silent()
    try:
        capsys.readouterr()
        assert main(["config", *vault, "--collector", silent.address,
                     "--ca-file", str(authority.ca_file)]) == 0
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and silent.address in err[0]
        started = time.monotonic()
        assert main(["parties", "list", *vault]) == 0
        assert time.monotonic() - started < 15
        assert main(["verify", *vault]) == 0
    finally:
        silent.close()
    opened = _reopen(admin_vault)
    try:
        assert forwarding.queued_count(opened) >= 4
    finally:
        opened.lock(audit_it=False)

    refused = closed_port()
    assert main(["config", *vault, "--collector", refused]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and refused in err[0]


def _init_forwarding(vault: OpenVault, receiver: Receiver) -> list[str]:
    """A new vault that forwards from the start, on the command line: ``init --collector``
    (a folder: made again in the fixture's place), or on the server ``config --collector``
    on the house just made. Returns the ``--vault`` options."""
    vault.lock()
    options = vault_args(vault)
    ca = str(receiver.authority.ca_file)
    if is_server_vault(vault):
        assert main(["config", *options, "--collector", receiver.address, "--ca-file", ca]) == 0
    else:
        shutil.rmtree(vault.vault.folder)
        assert main(["init", *options, "--collector", receiver.address, "--ca-file", ca]) == 0
    return options


def _vault_id(vault: OpenVault) -> str:
    opened = _reopen(vault)
    try:
        return opened.vault_id
    finally:
        opened.lock(audit_it=False)


def test_cli_config_sends_after_each_command_and_turns_off(
        admin_vault: OpenVault, receiver: Receiver, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    ca = str(receiver.authority.ca_file)
    vault = _init_forwarding(admin_vault, receiver)
    after_init = receiver.total()
    assert after_init >= 1  # the configure row and the lock row
    assert main(["parties", "list", *vault]) == 0
    actions = [m.params["action"] for m in receiver.unique()]
    assert actions[-3:] == ["unlock", "party.list", "lock"], actions
    capsys.readouterr()
    assert main(["config", *vault]) == 0
    out = capsys.readouterr().out
    assert receiver.address in out and "0" in out

    for bad in (["--collector", "geen-poort"], ["--ca-file", ca],
                ["--collector", receiver.address, "--ca-file", str(tmp_path / "nope.pem")]):
        assert main(["config", *vault, *bad]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in lines[0]

    assert _side(admin_vault).exists()
    assert main(["config", *vault, "--collector", "off"]) == 0
    assert not _side(admin_vault).exists()
    seen = receiver.total()
    assert receiver.unique()[-1].params["action"] == "forwarding.off"
    assert main(["parties", "list", *vault]) == 0
    assert receiver.total() == seen


class _OlderCopy:
    """An ordinary backup of the vault and putting it back: the vault file's copy inside
    ``casuskamer backup``'s archive, or on the server a copy of the house's database (what
    a restore from the house's pg_dump gives), taken while no session is open."""

    def __init__(self, vault: OpenVault, request: pytest.FixtureRequest,
                 tmp_path: Path) -> None:
        self.vault, self.request, self.tmp_path = vault, request, tmp_path

    def take(self) -> None:
        if is_server_vault(self.vault):
            with self._server() as (conn, house, copy):
                conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')
                self._end_sessions(conn, house)
                conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{house}"')
            return
        backup = self.tmp_path / "backup.zip"
        assert main(["backup", *vault_args(self.vault), "--to", str(backup)]) == 0

    def put_back(self) -> None:
        if is_server_vault(self.vault):
            with self._server() as (conn, house, copy):
                conn.execute(f'DROP DATABASE "{house}" WITH (FORCE)')
                conn.execute(f'ALTER DATABASE "{copy}" RENAME TO "{house}"')
            return
        folder = self.vault.vault.folder
        with zipfile.ZipFile(self.tmp_path / "backup.zip") as zf:
            old_db = zf.read(DB_NAME)
        for name in (DB_NAME + "-wal", DB_NAME + "-shm"):
            (folder / name).unlink(missing_ok=True)
        (folder / DB_NAME).write_bytes(old_db)

    @contextmanager
    def _server(self) -> Iterator[tuple[Any, str, str]]:
        """The server's superuser connection, the house's database and its copy's name."""
        from tests.pg_engine import HOUSE_DB

        house = self.request.getfixturevalue("suite_house")
        with house.pg.admin() as conn:
            yield conn, HOUSE_DB, HOUSE_DB + "_older_copy"

    @staticmethod
    def _end_sessions(conn: Any, house: str) -> None:
        """A database is copied only while nobody is connected (sessions locked by now)."""
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     f"WHERE datname = '{house}' AND pid <> pg_backend_pid()")


def test_verify_reports_a_rollback_when_the_vault_file_is_an_older_copy(
        admin_vault: OpenVault, receiver: Receiver, tmp_path: Path,
        request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Finding 3 of the issue with forwarding on: the database replaced by the copy inside an
    ordinary backup. Its own chain is sound, but it ends before the head the central log
    received, and once it has grown past that row again, the row there is another one.
    On the server: the house's database put back from an older copy, seen from the
    workstation's file beside its profile."""
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    vault = _init_forwarding(admin_vault, receiver)
    older = _OlderCopy(admin_vault, request, tmp_path)
    older.take()
    for _ in range(3):  # later work, delivered to the central log
        assert main(["parties", "list", *vault]) == 0
    assert main(["verify", *vault]) == 0

    older.put_back()
    capsys.readouterr()
    assert main(["verify", *vault]) == 1
    out = capsys.readouterr().out
    rollback = [line for line in out.splitlines() if "Terugzetting" in line
                or "Rollback" in line]
    assert len(rollback) == 1, out

    # the older copy is used on (its rows are sent, ids the collector has seen before):
    # the evidence beside the vault is kept, verify still says so
    for _ in range(4):
        assert main(["parties", "list", *vault]) == 0
    capsys.readouterr()
    assert main(["verify", *vault]) == 1
    assert any("Terugzetting" in line or "Rollback" in line
               for line in capsys.readouterr().out.splitlines())
    ids = {}
    for m in receiver.received:
        ids.setdefault(m.params["id"], set()).add(m.params["hash"])
    assert any(len(h) > 1 for h in ids.values())  # the collector sees the fork too

    # an administrator configuring forwarding again ends the report, on the record
    assert main(["config", *vault, "--collector", receiver.address]) == 0
    assert main(["verify", *vault]) == 0
    assert any(m.params["action"] == "forwarding.configure" for m in receiver.unique()[-6:])


def test_failed_unlock_on_the_command_line_goes_to_the_system_log_and_collector(
        admin_vault: OpenVault, receiver: Receiver, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong passphrase cannot be written into the vault: the operating system's log and
    the collector get it, with the account and workstation only."""
    import syslog

    from app.store.audit import workstation
    from app.vault import system_log

    lines: list[str] = []
    socket_file = tmp_path / "dev-log"
    socket_file.touch()
    monkeypatch.setattr(system_log, "SYSLOG_SOCKETS", (str(socket_file),))
    monkeypatch.setattr(syslog, "openlog", lambda *a, **k: None)
    monkeypatch.setattr(syslog, "syslog", lambda priority, text: lines.append(text))
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    vault = _init_forwarding(admin_vault, receiver)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", "verkeerd wachtwoord " + CANARY)
    assert main(["parties", "list", *vault]) == 2
    assert len(lines) == 1
    assert ADMIN in lines[0] and workstation() in lines[0] and CANARY not in lines[0]
    failed = [m for m in receiver.received if m.params.get("result") == "failed"]
    assert len(failed) == 1
    assert failed[0].params["oid"] == ADMIN and failed[0].params["action"] == "unlock"
    assert failed[0].params["vault"] == _vault_id(admin_vault)
    assert CANARY.encode() not in failed[0].raw


def test_the_background_sender_runs_while_unlocked_and_stops_at_the_lock(
        admin_vault: OpenVault, receiver: Receiver) -> None:
    opened = admin_vault
    _configured(opened, receiver)
    thread = forwarding.start_background(opened, interval=0.05)
    assert thread is not None
    _act(opened, 3)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and forwarding.queued_count(opened) > 0:
        time.sleep(0.05)
    assert forwarding.queued_count(opened) == 0
    opened.lock()
    thread.join(timeout=10)
    assert not thread.is_alive()
    again = _reopen(opened)
    try:
        with audit_reader(again) as conn:
            assert audit.verify_chain(conn) == []
    finally:
        again.lock(audit_it=False)


def test_a_client_certificate_is_presented_to_a_collector_that_asks(
        admin_vault: OpenVault, authority: Authority) -> None:
    """Mutual TLS: the collector refuses clients without a certificate from its CA; with
    the pair configured (kept inside the vault only) the rows are delivered."""
    strict = Receiver(authority, require_client=True).start()
    try:
        assert forwarding.configure(admin_vault, strict.address, authority.ca_pem) is not None
        _act(admin_vault, 2)
        assert forwarding.send_pending(admin_vault).problem is not None
        assert strict.total() == 0
        cert, key = authority.client_pair()
        assert forwarding.configure(admin_vault, strict.address, authority.ca_pem,
                                    cert, key) is None
        assert forwarding.send_pending(admin_vault).problem is None
        assert [m.params["action"] for m in strict.unique()][-1] == "forwarding.configure"
        side = forwarding.side_file(admin_vault.vault)
        if side is not None:
            assert "PRIVATE KEY" not in side.read_text()
        if is_server_vault(admin_vault):
            # on the server the key is sealed under the house's data key
            with audit_reader(admin_vault) as conn:
                stored = conn.execute(select(meta.c.value).where(
                    meta.c.key == forwarding.CLIENT_KEY_KEY)).scalar_one()
            assert "PRIVATE KEY" not in stored and stored.startswith("sealed:")
        with pytest.raises(ValidationError):
            forwarding.configure(admin_vault, strict.address, authority.ca_pem, cert, "")
    finally:
        strict.stop()
