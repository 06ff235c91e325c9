"""Forwarding the audit log to the house's central log from sessions on the house server
(issue 22, point 1: "every service works on both"; the forwarding itself is issue 17,
point 6, ``app.vault.forwarding``).

The rules, from the issue and the README's protection section:

- nothing is written into the working directory: a server session has no vault folder, so
  the file beside (the collector's address and CA for failed logins, the workstation's
  witness of the last delivered head) lies beside the profile, named after it, or nowhere;
- the house's one audit log goes through one queue: every role's rows are queued and
  numbered 1, 2, 3 ... in chain order, whichever workstation wrote them, and any role's
  session may send them;
- one workstation at a time sends, so the collector does not get the house's log twice
  over from workstations sending at once;
- the client certificate's private key is sealed under the house's data key on the server
  (the server's administrator reads every table), and every role's session opens it;
- a failed login on the command line reaches the system's log and the collector, as a
  failed unlock of a vault folder does.

Each of these fails on 45f1d89: the configuration wrote ``forwarding.json`` into the working
directory, a process director's second audit row with forwarding on took the same queue
number as the first and failed the action, every session sent at once, the key was stored in
the clear, and a server command neither forwarded nor reported a failed login.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.cli import main
from app.domain.roles import Role
from app.store import forwarding as queue
from app.store.profile import write_profile
from app.store.tables import audit_log, meta
from app.vault import forwarding
from app.vault.server import ServerVault
from app.vault.vault import OpenVault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE, unlock_as
from tests.unit.audit_forwarding_receiver import Authority, Receiver

CANARY = "Jansen-Kanarie-7654321"


pytestmark = pytest.mark.usefixtures("forwarding_batches")


@pytest.fixture
def admin(suite_house: Any) -> Iterator[OpenVault]:
    """A fresh house on the throwaway server, its administrator's session (a ServerVault
    reached without a profile file)."""
    opened = suite_house.fresh().unlock(suite_house.admin, suite_house.admin_passphrase,
                                        exclusive=False)
    yield opened
    opened.lock(audit_it=False)


@pytest.fixture
def profile_file(suite_house: Any, tmp_path: Path) -> Path:
    """The house's profile as ``casuskamer init --server`` writes it, in a folder of its own."""
    path = tmp_path / "profielen" / "huis.json"
    path.parent.mkdir()
    write_profile(path, suite_house.profile)
    return path


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory for the test."""
    folder = tmp_path / "werkmap"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def _chain(suite_house: Any) -> list[tuple[int, str]]:
    """The house's audit log (id, hash), read as its administrator reads it."""
    with suite_house.as_administrator() as conn:
        return [(int(i), str(h)) for i, h in conn.execute(
            select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id))]


def _configure(vault: OpenVault, receiver: Receiver, suite_house: Any) -> int:
    """Forwarding on; the id of the first forwarded row (the configure row)."""
    assert forwarding.configure(vault, receiver.address, receiver.authority.ca_pem) is None
    return _chain(suite_house)[-1][0]


def test_no_file_is_written_into_the_working_directory_on_the_server(
        admin: OpenVault, receiver: Receiver, suite_house: Any, profile_file: Path,
        workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a session reached without a profile file: forwarding works, no file anywhere here
    _configure(admin, receiver, suite_house)
    assert sorted(os.listdir(workdir)) == []
    admin.log_now("case.open", "case", "2026-0001", detail={"note": CANARY})
    assert forwarding.send_pending(admin).problem is None
    assert forwarding.status(admin).queued == 0
    assert forwarding.disable(admin) == 0
    assert sorted(os.listdir(workdir)) == []

    # the command line with a profile: the file lies beside the profile, named after it
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    vault = ["--vault", str(profile_file), "--account", ADMIN]
    assert main(["config", *vault, "--collector", receiver.address,
                 "--ca-file", str(receiver.authority.ca_file)]) == 0
    assert main(["parties", "list", *vault]) == 0
    assert sorted(os.listdir(workdir)) == []
    beside = profile_file.parent / "huis.json.forwarding.json"
    forwarding_files = [p.name for p in profile_file.parent.iterdir() if "forwarding" in p.name]
    assert forwarding_files == [beside.name]  # not the folder's forwarding.json
    data = json.loads(beside.read_text(encoding="utf-8"))
    assert data["collector"] == receiver.address and data["vault_id"] == admin.vault_id
    assert data["delivered"]["id"] == _chain(suite_house)[-1][0]  # the lock row, sent
    assert oct(beside.stat().st_mode & 0o777) == oct(0o600)
    assert CANARY not in beside.read_text(encoding="utf-8")
    assert main(["config", *vault, "--collector", "off"]) == 0
    assert not beside.exists() and sorted(os.listdir(workdir)) == []


def test_every_roles_rows_go_through_the_houses_one_queue_in_chain_order(
        admin: OpenVault, receiver: Receiver, suite_house: Any) -> None:
    """Each role's audit rows are queued in its own transaction and numbered on from the
    last, and a process director's session sends the house's queue (also the rows the
    administrator wrote); the collector gets the chain from the configure row on, each row
    once, numbered 1, 2, 3 ..."""
    first = _configure(admin, receiver, suite_house)
    sessions = {role: unlock_as(admin, role) for role in
                (Role.PROCESS_DIRECTOR, Role.INFORMATION_CENTRE, Role.MANAGER)}
    for n, session in enumerate([admin, *sessions.values()] * 2):
        session.log_now("case.open", "case", f"2026-{n:04d}", detail={"note": CANARY})
    director = sessions[Role.PROCESS_DIRECTOR]
    report = forwarding.send_pending(director)
    assert report.problem is None and report.queued == 0 and report.sent > 8

    expected = [row for row in _chain(suite_house) if row[0] >= first]
    got = receiver.unique()
    assert [(int(m.params["id"]), m.params["hash"]) for m in got] == expected
    assert [int(m.params["seq"]) for m in got] == list(range(1, len(expected) + 1))
    assert receiver.total() == len(got)  # nothing sent twice
    assert {m.params["role"] for m in got} >= {r.value for r in sessions}
    assert all(CANARY.encode() not in m.raw for m in receiver.received)
    # the house's delivered head moved, by the director's session
    with suite_house.as_administrator() as conn:
        head = conn.execute(select(meta.c.value).where(
            meta.c.key == "forward_delivered")).scalar_one()
    assert head == f"{len(expected)}:{expected[-1][0]}:{expected[-1][1]}"


def test_one_workstation_at_a_time_sends_the_houses_queue(
        admin: OpenVault, receiver: Receiver, suite_house: Any) -> None:
    """While another session is sending (it holds the house's sender lock), a session
    leaves the queue to it: nothing is sent twice, nothing is lost; once the other is done
    the next send delivers what is left."""
    first = _configure(admin, receiver, suite_house)
    director = unlock_as(admin, Role.PROCESS_DIRECTOR)
    director.log_now("case.open", "case", "2026-0001")
    with director.read() as other:  # the director's workstation, in the middle of a send
        assert queue.try_send_lock(other)
        busy = forwarding.send_pending(admin)
        assert busy.problem is None and busy.sent == 0 and busy.queued >= 2
        assert receiver.total() == 0
    done = forwarding.send_pending(admin)
    assert done.problem is None and done.queued == 0
    expected = [row for row in _chain(suite_house) if row[0] >= first]
    assert [(int(m.params["id"]), m.params["hash"]) for m in receiver.unique()] == expected
    assert receiver.total() == len(expected)


def test_the_client_key_is_sealed_on_the_server_and_every_role_opens_it(
        admin: OpenVault, suite_house: Any, tmp_path: Path) -> None:
    """The server's administrator reads every table: the client certificate's private key
    is not readable there. A process director's session opens it to send to a collector
    that asks for the client certificate."""
    authority = Authority(tmp_path / "ca")
    strict = Receiver(authority, require_client=True).start()
    try:
        cert, key = authority.client_pair()
        assert forwarding.configure(admin, strict.address, authority.ca_pem, cert,
                                    key) is None
        key_body = key.splitlines()[1]
        with suite_house.pg.connect(suite_house.pg.superuser,
                                    suite_house.pg.superuser_password,
                                    "suite_house") as conn:
            values = [str(v) for (v,) in conn.execute("SELECT value FROM meta").fetchall()]
        assert not any("PRIVATE KEY" in v or key_body in v for v in values)
        director = unlock_as(admin, Role.PROCESS_DIRECTOR)
        director.log_now("case.open", "case", "2026-0001")
        assert forwarding.send_pending(director).problem is None
        assert strict.unique()[-1].params["role"] == Role.PROCESS_DIRECTOR.value
        assert forwarding.config_of(director) is not None
        assert forwarding.config_of(director).client_key_pem == key  # type: ignore[union-attr]
    finally:
        strict.stop()


def test_a_failed_server_login_on_the_command_line_reaches_the_collector(
        admin: OpenVault, receiver: Receiver, suite_house: Any, profile_file: Path,
        workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a failed unlock of a vault folder: the workstation's system log and the collector
    (through the file beside the profile) get the account and the workstation, never the
    passphrase tried."""
    from app.vault import system_log

    lines: list[str] = []
    monkeypatch.setattr(system_log, "write_warning", lines.append)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    vault = ["--vault", str(profile_file), "--account", ADMIN]
    assert main(["config", *vault, "--collector", receiver.address,
                 "--ca-file", str(receiver.authority.ca_file)]) == 0
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", "verkeerd wachtwoord " + CANARY)
    assert main(["parties", "list", *vault]) == 2
    assert len(lines) == 1 and ADMIN in lines[0] and CANARY not in lines[0]
    failed = [m for m in receiver.received if m.params.get("result") == "failed"]
    assert len(failed) == 1
    assert failed[0].params["oid"] == ADMIN and failed[0].params["vault"] == admin.vault_id
    assert CANARY.encode() not in failed[0].raw
    assert sorted(os.listdir(workdir)) == []


def test_a_server_vault_without_a_profile_file_has_no_file_beside(suite_house: Any) -> None:
    assert forwarding.side_file(ServerVault(suite_house.profile)) is None
    assert forwarding.side_file(ServerVault(suite_house.profile, Path("/p/huis.json"))) == \
        Path("/p/huis.json.forwarding.json")
