"""Two workstations, two processes, one house server (issue 22, point 7): "a two-workstation
test runs two program instances (two processes) on one server: concurrent intake, a
conflicting edit, a live update, a revoked account refused at the next statement."

Each workstation is a process of its own (``tests/pg_twoproc_worker.py``): it unlocks its own
account with its passphrase (its own key derivation, login role and connections) on the
session's throwaway PostgreSQL (TLS verify-full, SCRAM; ``tests/pg_server.py``), calls the
services as the program does, and answers the test through its standard input and output.
The two processes live for the module; every test makes a fresh house for them.

- concurrent intake: ``tests/unit/test_pg_services.py::test_two_workstations_register_at_once``
  (two processes register at the same moment: every number ZVH-YYYY-NNNN once, none skipped,
  one audit chain that verifies);
- a conflicting edit, a live update and a revoked account: here.

Skipped, with the reason, where no PostgreSQL 15+ binaries are installed.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.domain.roles import Role
from app.store import audit
from app.store.profile import ServerProfile, write_profile
from app.store.tables import audit_log
from app.vault.server import FirstAccount, ServerVault, create_house

ADMIN, ADMIN_PASS = "beheer", "de sleutel ligt bij het zorg en veiligheidshuis"
DIRECTOR, DIRECTOR_PASS = "regisseur", "regie over de casus blijft mensenwerk"
COLLEAGUE, COLLEAGUE_PASS = "collega", "wie waarneemt leest eerst het dossier"

#: How long a workstation may take to answer one request (an unlock derives a key with
#: Argon2id; the machine may be busy). Generous: a limit, not a measurement.
ANSWER_SECONDS = 120.0
#: How long the listening workstation waits for an announcement. The issue asks for "within a
#: second"; the latency itself is measured in benchmarks, this only says it arrives.
HEAR_SECONDS = 10.0

ROOT = Path(__file__).resolve().parents[2]


class Station:
    """One workstation process, as the test talks to it."""

    def __init__(self, name: str) -> None:
        self.name = name
        # closed in close(), with the process
        self.errors = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.pg_twoproc_worker"], cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, text=True,
            encoding="utf-8")
        self._answers: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._answers.put(line)
        self._answers.put(None)  # the process ended

    def stderr(self) -> str:
        self.errors.seek(0)
        return self.errors.read()[-3000:]

    def ask(self, op: str, **arguments: Any) -> dict[str, Any]:
        """Send one request and wait for its answer (the refusals come back as answers)."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        try:
            line = self._answers.get(timeout=ANSWER_SECONDS)
        except queue.Empty:
            raise AssertionError(f"workstation {self.name} did not answer {op!r}: "
                                 f"{self.stderr()}") from None
        if line is None:
            self._answers.put(None)
            raise AssertionError(f"workstation {self.name} ended at {op!r} (exit "
                                 f"{self.process.wait(timeout=30)}): {self.stderr()}")
        answer: dict[str, Any] = json.loads(line)
        assert "traceback" not in answer, answer["traceback"]
        return answer

    def do(self, op: str, **arguments: Any) -> dict[str, Any]:
        """A request that must succeed."""
        answer = self.ask(op, **arguments)
        assert answer["ok"], (op, answer)
        return answer

    def close(self) -> None:
        try:
            if self.process.poll() is None and self.process.stdin is not None:
                self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.process.stdin.flush()
                self.process.stdin.close()
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(timeout=30)
        finally:
            self._reader.join(timeout=10)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.errors.close()


@dataclass
class House:
    profile: ServerProfile
    profile_file: Path


@pytest.fixture(scope="module")
def stations(pg_server: Any) -> Iterator[tuple[Station, Station]]:
    """Workstations A and B: two processes for the whole module (started once the server
    is there, so a machine without PostgreSQL starts none)."""
    a, b = Station("A"), Station("B")
    try:
        yield a, b
    finally:
        a.close()
        b.close()


@pytest.fixture
def house(pg_server: Any, stations: tuple[Station, Station], tmp_path: Path
          ) -> Iterator[House]:
    """A fresh house with an administrator and two process directors, its profile file
    (what each workstation is given), and both workstations locked again afterwards."""
    profile = ServerProfile(host=pg_server.host, port=pg_server.port,
                            database=pg_server.new_database("twoproc"),
                            ca_file=pg_server.ca_file)
    create_house(profile, pg_server.superuser, pg_server.superuser_password,
                 [FirstAccount(ADMIN, Role.ADMIN, ADMIN_PASS),
                  FirstAccount(DIRECTOR, Role.PROCESS_DIRECTOR, DIRECTOR_PASS),
                  FirstAccount(COLLEAGUE, Role.PROCESS_DIRECTOR, COLLEAGUE_PASS)],
                 prefix=f"ck{secrets.token_hex(3)}")
    from app.services import session

    admin = ServerVault(profile).unlock(ADMIN, ADMIN_PASS, exclusive=False)
    session.after_unlock(admin, created=True)  # the covenant's parties, as on a new house
    admin.lock()
    profile_file = tmp_path / "zvh.json"
    write_profile(profile_file, profile)
    yield House(profile, profile_file)
    for station in stations:
        station.ask("lock")  # a revoked account's lock may be refused; that is fine here


def _unlock(station: Station, house: House, account: str, passphrase: str) -> None:
    station.do("unlock", profile=str(house.profile_file), account=account,
               passphrase=passphrase)


def _one_line_refusal(answer: dict[str, Any]) -> str:
    """The answer is a refusal with one of the program's errors, in one line."""
    assert answer["ok"] is False, answer
    assert answer["casuskamer"] is True, answer
    message = str(answer["message"])
    assert message.strip() and "\n" not in message.strip(), message
    assert "Traceback" not in message and "psycopg" not in message, message
    return message


def test_a_conflicting_edit_is_refused_on_the_other_workstation(
        house: House, stations: tuple[Station, Station]) -> None:
    """A and B open the intake of the same case; A registers first; B's save, built on the
    case as it was, is refused naming A's account and time; nothing of A's is lost; B's
    reload shows A's change, and B's save built on it goes through."""
    a, b = stations
    _unlock(a, house, DIRECTOR, DIRECTOR_PASS)
    _unlock(b, house, COLLEAGUE, COLLEAGUE_PASS)
    number = a.do("register", surname="Jansen")["number"]
    opened_by_a = a.do("open_intake", number=number)
    opened_by_b = b.do("open_intake", number=number)
    assert opened_by_a["version"] == opened_by_b["version"]
    before = datetime.utcnow() - timedelta(minutes=1)

    a.do("save_intake", reason="Aangevuld door de regisseur na het overleg.",
         question="Een plan met de woningcorporatie.")
    refused = b.ask("save_intake", reason="De tekst van de collega.",
                    question="De vraag van de collega.")
    after = datetime.utcnow() + timedelta(minutes=1)

    message = _one_line_refusal(refused)
    assert refused["kind"] == "EditConflict"
    assert refused["by_account"] == DIRECTOR and DIRECTOR in message
    assert before <= datetime.fromisoformat(refused["at"]) <= after
    # nothing of A's lost, nothing of B's written
    for station in (a, b):
        now = station.do("case", number=number)
        assert (now["reason"], now["question"]) == (
            "Aangevuld door de regisseur na het overleg.", "Een plan met de woningcorporatie.")
    # B's reload shows A's change; B's own save, made on it, goes through
    reloaded = b.do("reload_intake", number=number)
    assert reloaded["reason"] == "Aangevuld door de regisseur na het overleg."
    assert reloaded["version"] > opened_by_b["version"]
    b.do("save_intake", reason=reloaded["reason"], question="De vraag van de collega.")
    assert a.do("case", number=number)["question"] == "De vraag van de collega."


def test_a_save_on_one_workstation_is_heard_on_the_other(
        house: House, stations: tuple[Station, Station]) -> None:
    """B listens as the program does after its unlock; A saves a case; B hears that case's
    id announced (before the timeout) and, reading it again as its screen does, sees A's
    change."""
    a, b = stations
    _unlock(a, house, DIRECTOR, DIRECTOR_PASS)
    _unlock(b, house, COLLEAGUE, COLLEAGUE_PASS)
    number = a.do("register", surname="De Vries")["number"]
    case_id = a.do("case_id", number=number)["case_id"]
    assert b.do("case", number=number)["reason"] == "Zorgen over de woonsituatie"
    assert b.do("listen")["running"] is True

    a.do("open_intake", number=number)
    saved = a.do("save_intake", reason="Na het huisbezoek: zorgen over de schulden.",
                 question="Een schuldhulpverleningstraject.")
    assert saved["number"] == number
    heard = b.do("wait_for_case", case_id=case_id, timeout=HEAR_SECONDS)

    assert heard["arrived"] is True, heard
    change = heard["heard"][-1]
    assert ["case", str(case_id)] in change["objects"] and "cases" in change["tables"]
    assert b.do("case", number=number)["reason"] == "Na het huisbezoek: zorgen over de schulden."


def test_a_revoked_account_is_refused_at_its_next_statement(
        house: House, stations: tuple[Station, Station], pg_server: Any) -> None:
    """The administrator revokes B's account at workstation A while B's session is open
    (and listening); B's next statement is refused with one line that says the account can
    no longer log in (not "wrong passphrase": B typed nothing), nothing B attempted is
    written, and B's listener stops instead of knocking on the server with a login that
    no longer exists."""
    a, b = stations
    _unlock(a, house, ADMIN, ADMIN_PASS)
    _unlock(b, house, COLLEAGUE, COLLEAGUE_PASS)
    b.do("listen")
    registered = b.do("register", surname="Bakker")["number"]

    a.do("revoke", name=COLLEAGUE)
    refused_write = b.ask("register", surname="Na de intrekking")
    refused_read = b.ask("list_cases")

    for refused in (refused_write, refused_read):
        message = _one_line_refusal(refused)
        assert refused["kind"] == "LoginWithdrawn", refused
        assert "ingetrokken" in message and "niets" in message.lower(), message
    assert b.do("wait_listener_stopped", timeout=HEAR_SECONDS)["running"] is False
    # nothing B attempted is written: one case (the one before), no row of B's after the
    # revocation, and the audit log one chain
    with pg_server.admin(house.profile.database) as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    admin = ServerVault(house.profile).unlock(ADMIN, ADMIN_PASS, exclusive=False)
    try:
        with admin.read() as conn:
            assert audit.verify_chain(conn) == []
            rows = conn.execute(sa.select(audit_log.c.id, audit_log.c.actor,
                                          audit_log.c.action, audit_log.c.object_id)
                                .order_by(audit_log.c.id)).all()
    finally:
        admin.lock(audit_it=False)
    revoked_at = next(r.id for r in rows if r.action == "account.revoke")
    assert [r for r in rows if r.actor == COLLEAGUE and r.id > revoked_at] == []
    assert any(r.actor == COLLEAGUE and r.action.startswith("case.")
               and r.object_id == registered for r in rows if r.id < revoked_at)
    # at the unlock the server says no more than to anyone: account or passphrase wrong
    again = b.ask("unlock", profile=str(house.profile_file), account=COLLEAGUE,
                  passphrase=COLLEAGUE_PASS)
    _one_line_refusal(again)
    assert again["kind"] == "WrongPassphrase"
