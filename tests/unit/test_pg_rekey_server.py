"""Changing the house's data key on the house server (issue 22): ``users rekey --vault
PROFILE --owner LOGIN``. Every sealed value, blind index and sealed ``meta`` secret is sealed
again under a new key and every key slot re-wrapped, in one server transaction; another
workstation's session still holding the old key is refused at its next statement and told
to unlock again; a failure or a kill part way leaves the old key working; the change is
audited like the local one (``vault.rekey`` ok / failed).

On the session's throwaway PostgreSQL (``tests/pg_server.py``); skipped with the reason
where no PostgreSQL 15+ binaries are installed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.cli import main as cli_main
from app.errors import PermissionDenied
from app.services import cases as case_service
from app.services import intake
from app.services import accounts as account_service
from app.store import sealed, server_rekey_rows, vault_secrets
from app.store.field_crypto import FieldTampered
from app.store.key_check import DataKeyChanged
from app.store.profile import write_profile
from app.store.schema import metadata
from app.vault import server_rekey
from app.vault.server import ServerVault
from tests.unit.test_pg_sealed_store import Canaries, _meeting_at, _referral
from tests.unit.test_pg_services import (ADMIN, ADMIN_PASS, DIRECTOR, DIRECTOR_PASS, House,
                                         _server_house)

ROOT = Path(__file__).resolve().parents[2]
OWNER_ENV = "CASUSKAMER_OWNER_PASSWORD"


@pytest.fixture
def house(pg_server: Any, tmp_path: Path) -> Iterator[tuple[House, Path, str, Canaries]]:
    """A house with one registered case (canary values), its profile file and the case."""
    made = _server_house(pg_server)
    c = Canaries()
    director = made.unlock(DIRECTOR, DIRECTOR_PASS)
    number = intake.register_referral(director, _referral(director, c, f"REF-{c.bsn}"))
    _meeting_at(director, number, c)  # triage, routing, a meeting: composite keys too
    director.lock()
    path = tmp_path / "zvh.json"
    assert isinstance(made.vault, ServerVault)
    write_profile(path, made.vault.profile)
    yield made, path, number, c
    for opened in made.opened:
        opened.lock(audit_it=False)


def _database(made: House) -> str:
    assert isinstance(made.vault, ServerVault)
    return made.vault.profile.database


def _stored(pg: Any, database: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every sealed column's stored bytes, every key slot and every sealed meta secret, as
    the server's superuser reads them (no key)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with pg.admin(database) as conn:
        for table in server_rekey_rows.sealed_tables():
            cols = [c.name for c in table.c if isinstance(c.type, sealed.Sealed)]
            keys = [c.name for c in table.primary_key.columns]
            found = conn.execute(f"SELECT {', '.join(keys + cols)} FROM {table.name} "
                                 f"ORDER BY {', '.join(keys)}").fetchall()
            # (the row's key, its sealed values as stored)
            out[table.name] = [(tuple(r[:len(keys)]),
                                tuple(bytes(v) if isinstance(v, memoryview) else v
                                      for v in r[len(keys):])) for r in found]
        out["server_key_slots"] = [((r[0],), (r[1],)) for r in conn.execute(
            "SELECT account, slot FROM server_key_slots ORDER BY account").fetchall()]
        out["meta"] = [((r[0],), (r[1],)) for r in conn.execute(
            "SELECT key, value FROM meta WHERE key = ANY(%s) ORDER BY key",
            (sorted(vault_secrets.SECRET_KEYS),)).fetchall()]
    return out


def _rekey_rows(pg: Any, database: str) -> list[tuple[str, str, dict[str, Any]]]:
    with pg.admin(database) as conn:
        return [(r[0], r[1], json.loads(r[2])) for r in conn.execute(
            "SELECT actor, result, detail FROM audit_log WHERE action = 'vault.rekey' "
            "ORDER BY id").fetchall()]


def _key_of(made: House, account: str, passphrase: str) -> bytes:
    opened = made.unlock(account, passphrase)
    try:
        return opened.data_key
    finally:
        opened.lock(audit_it=False)


def _reasons(pg: Any, database: str, data_key: bytes) -> list[str]:
    """``cases.reason`` read through its sealed column type under ``data_key``, as the
    server's superuser with that key."""
    engine = sa.create_engine(pg.sqlalchemy_url(pg.superuser, pg.superuser_password,
                                                database))
    try:
        sealed.attach(engine, data_key)
        cases = metadata.tables["cases"]
        with engine.connect() as conn:
            return [str(r) for r in conn.execute(sa.select(cases.c.reason)).scalars()]
    finally:
        engine.dispose()


def _make_secret(admin: Any) -> bytes:
    """The audit log's search secret in meta (sealed on the server), made now."""
    with admin.begin() as conn:
        return vault_secrets.vault_secret(conn, "audit_search_key")


def test_rekey_seals_everything_again_and_other_sessions_must_unlock_again(
        house: tuple[House, Path, str, Canaries], pg_server: Any,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    made, path, number, c = house
    database = _database(made)
    admin = made.unlock(ADMIN, ADMIN_PASS)
    secret = _make_secret(admin)
    old_key = admin.data_key
    admin.lock()
    before = _stored(pg_server, database)
    # every kind of row: one key, a composite key (criteria, invitations), secrets, slots
    assert all(before[t] for t in ("subjects", "cases", "meetings", "criteria_answers",
                                   "invitations", "meta", "server_key_slots")), \
        [t for t, rows in before.items() if not rows]
    # a colleague at another workstation, working when the key changes
    colleague = made.unlock(DIRECTOR, DIRECTOR_PASS)
    case_service.list_cases(colleague)

    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    monkeypatch.setenv(OWNER_ENV, pg_server.superuser_password)
    monkeypatch.setattr(server_rekey_rows, "CHUNK", 1)  # several chunks: the count moves
    capsys.readouterr()
    assert cli_main(["--lang", "en", "users", "rekey", "--vault", str(path), "--account",
                     ADMIN, "--owner", pg_server.superuser]) == 0
    out, err = capsys.readouterr()
    assert "data key was changed" in out
    assert "Sealed again:" in err and "of" in err  # the count on the terminal

    after = _stored(pg_server, database)
    # every sealed value, blind index, secret and slot was written anew ...
    for name, rows in before.items():
        assert len(after[name]) == len(rows), name
        for old_row, new_row in zip(rows, after[name], strict=True):
            assert old_row[0] == new_row[0], name
            changed = [o != n for o, n in zip(old_row[1], new_row[1], strict=True)
                       if o is not None]
            assert all(changed), (name, old_row[0])
    # ... the blind index too (the first 32 bytes of a searchable value: subjects.bsn)
    bsn_at = [c.name for c in metadata.tables["subjects"].c
              if isinstance(c.type, sealed.Sealed)].index("bsn")
    assert before["subjects"][0][1][bsn_at][:32] != after["subjects"][0][1][bsn_at][:32]
    # read through the program's own sealed columns: the old key opens nothing any more,
    # the new one (the slots' key) opens every value
    new_key = _key_of(made, DIRECTOR, DIRECTOR_PASS)
    assert new_key != old_key
    assert _reasons(pg_server, database, new_key) == [c.reason]
    with pytest.raises(FieldTampered):
        _reasons(pg_server, database, old_key)

    # the colleague's next statement is refused: unlock again (reading and writing)
    with pytest.raises(DataKeyChanged):
        case_service.list_cases(colleague)
    with pytest.raises(DataKeyChanged):
        intake.register_referral(colleague, _referral(colleague, Canaries()))
    colleague.lock(audit_it=False)

    # unlocking again, the same passphrase opens the new key; every value reads whole and
    # the look-up by BSN (blind index) finds the case
    again = made.unlock(DIRECTOR, DIRECTOR_PASS)
    with again.read() as conn:
        case = case_service.load_case(conn, case_service.case_id_for(conn, number))
    assert (case.subjects[0].surname, case.subjects[0].bsn) == (c.surname, c.bsn)
    assert [k.number for k in intake.already_known(again, bsn=c.bsn)] == [number]
    # new work is sealed under the new key
    intake.register_referral(again, _referral(again, Canaries()))
    again.lock()
    admin = made.unlock(ADMIN, ADMIN_PASS)
    assert _make_secret(admin) == secret  # the secret's value stays: old hashes match
    admin.lock()
    # verify opens every sealed value and blind index under the new key
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", DIRECTOR_PASS)
    assert cli_main(["--lang", "en", "verify", "--vault", str(path), "--account",
                     DIRECTOR]) == 0

    rows = _rekey_rows(pg_server, database)
    assert [(actor, result) for actor, result, _d in rows] == [(ADMIN, "ok")]
    detail = rows[0][2]
    assert detail["generation"] == 1 and detail["accounts"] == 2
    assert c.surname not in json.dumps(detail) and c.bsn not in json.dumps(detail)


def test_a_failure_part_way_leaves_the_old_key_working(
        house: tuple[House, Path, str, Canaries], pg_server: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    made, _path, number, c = house
    database = _database(made)
    admin = made.unlock(ADMIN, ADMIN_PASS)
    _make_secret(admin)
    before = _stored(pg_server, database)
    colleague = made.unlock(DIRECTOR, DIRECTOR_PASS)
    monkeypatch.setattr(server_rekey_rows, "CHUNK", 1)
    seen: list[server_rekey.Progress] = []

    def stop_part_way(at: server_rekey.Progress) -> None:
        seen.append(at)
        if at.done >= 3:
            raise OSError("the workstation lost its network")

    with pytest.raises(OSError):
        server_rekey.change_data_key(admin, pg_server.superuser,
                                     pg_server.superuser_password, stop_part_way)
    assert seen[-1].done == 3 and seen[-1].total > 3  # really part way
    # nothing changed on the server: values, indexes, slots and secrets as they were
    assert _stored(pg_server, database) == before
    # the old key still works: the colleague's open session and a new unlock
    assert [s.number for s in case_service.list_cases(colleague)] == [number]
    intake.register_referral(colleague, _referral(colleague, Canaries()))
    fresh = made.unlock(DIRECTOR, DIRECTOR_PASS)
    assert [k.number for k in intake.already_known(fresh, bsn=c.bsn)] == [number]
    # the administrator's session goes on too; the failure is on the record, by kind
    assert {a.name for a in account_service.list_accounts(admin)} == {ADMIN, DIRECTOR}
    rows = _rekey_rows(pg_server, database)
    assert [(actor, result) for actor, result, _d in rows] == [(ADMIN, "failed")]
    assert rows[0][2]["failure"] == "OSError"


KILL_SCRIPT = """
import sys, time
from app.store import server_rekey_rows
from app.vault import server_rekey
from app.vault.server import ServerVault

server_rekey_rows.CHUNK = 1
admin = ServerVault.from_file(sys.argv[1]).unlock(sys.argv[2], sys.argv[3], exclusive=False)

def progress(at):
    if at.done >= 2:
        print("part-way", flush=True)
        time.sleep(600)

server_rekey.change_data_key(admin, sys.argv[4], sys.argv[5], progress)
"""


def test_a_kill_part_way_leaves_the_old_key_working(
        house: tuple[House, Path, str, Canaries], pg_server: Any) -> None:
    made, path, number, c = house
    database = _database(made)
    before = _stored(pg_server, database)
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(path), ADMIN, ADMIN_PASS, pg_server.superuser,
         pg_server.superuser_password],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
    finally:
        os.kill(child.pid, signal.SIGKILL)  # mid-transaction: the sealed rows half rewritten
        _out, err = child.communicate(timeout=60)
    assert line.strip() == "part-way", err
    # the server rolls the transaction back when its connection goes
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with pg_server.admin(database) as conn:
            if not conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                                "AND state LIKE 'idle in transaction%%'",
                                (database,)).fetchone()[0]:
                break
        time.sleep(0.2)
    assert _stored(pg_server, database) == before
    again = made.unlock(DIRECTOR, DIRECTOR_PASS)
    assert [k.number for k in intake.already_known(again, bsn=c.bsn)] == [number]
    assert _rekey_rows(pg_server, database) == []  # killed: no row claims a change


def test_rekey_on_the_server_needs_an_administrator_and_the_migration_owner(
        house: tuple[House, Path, str, Canaries], pg_server: Any,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    made, path, _number, _c = house
    database = _database(made)
    before = _stored(pg_server, database)
    monkeypatch.setenv(OWNER_ENV, pg_server.superuser_password)
    base = ["--lang", "en", "users", "rekey", "--vault", str(path)]
    capsys.readouterr()
    # no --owner: one line, exit 2, before anything is unlocked
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    assert cli_main([*base, "--account", ADMIN]) == 2
    err = capsys.readouterr().err
    assert "--owner" in err and len(err.strip().splitlines()) == 1
    # a process director may not change the data key (the role's row of the matrix)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", DIRECTOR_PASS)
    assert cli_main([*base, "--account", DIRECTOR, "--owner", pg_server.superuser]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    director = made.unlock(DIRECTOR, DIRECTOR_PASS)
    with pytest.raises(PermissionDenied):  # the vault's own check too, not only the CLI's
        server_rekey.change_data_key(director, pg_server.superuser,
                                     pg_server.superuser_password)
    director.lock(audit_it=False)
    # a login that is not the migration owner: refused, nothing changed, on the record
    admin = made.unlock(ADMIN, ADMIN_PASS)
    with pg_server.admin() as conn:
        conn.execute("CREATE ROLE rekey_vreemde LOGIN PASSWORD 'vreemd-wachtwoord-1'")
        conn.execute(f'GRANT CONNECT ON DATABASE "{database}" TO rekey_vreemde')
    try:
        with pytest.raises(PermissionDenied):
            server_rekey.change_data_key(admin, "rekey_vreemde", "vreemd-wachtwoord-1")
    finally:
        with pg_server.admin() as conn:
            conn.execute(f'REVOKE CONNECT ON DATABASE "{database}" FROM rekey_vreemde')
            conn.execute("DROP ROLE rekey_vreemde")
    assert _stored(pg_server, database) == before
    assert [r[1] for r in _rekey_rows(pg_server, database)] == ["failed"]
    assert {a.name for a in account_service.list_accounts(admin)} == {ADMIN, DIRECTOR}
    # a vault folder's rekey takes no --owner
    capsys.readouterr()
    assert cli_main(["--lang", "en", "users", "rekey", "--vault",
                     str(path.parent / "kluis"), "--owner", "x"]) == 2
    assert "--owner" in capsys.readouterr().err


def test_a_writer_that_waited_for_the_change_is_refused_after_it(
        house: tuple[House, Path, str, Canaries], pg_server: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A colleague saves while the key is being changed: the save waits for the write lock
    the change holds, and once the change has committed it is refused (told to unlock
    again) before it writes anything under the old key."""
    import threading

    made, _path, _number, _c = house
    database = _database(made)
    admin = made.unlock(ADMIN, ADMIN_PASS)
    colleague = made.unlock(DIRECTOR, DIRECTOR_PASS)
    referral = _referral(colleague, Canaries())  # read before: only the save is left
    monkeypatch.setattr(server_rekey_rows, "CHUNK", 1)
    part_way, go_on = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def hold(at: server_rekey.Progress) -> None:
        if at.done == 1:
            part_way.set()
            assert go_on.wait(60)

    def change() -> None:
        outcome["change"] = server_rekey.change_data_key(
            admin, pg_server.superuser, pg_server.superuser_password, hold)

    def save() -> None:
        try:
            outcome["saved"] = intake.register_referral(colleague, referral)
        except Exception as exc:  # noqa: BLE001 - the test looks at what it was
            outcome["refused"] = exc

    changer = threading.Thread(target=change)
    changer.start()
    assert part_way.wait(60)
    saver = threading.Thread(target=save)
    saver.start()
    # the save waits for the write lock that the change holds
    deadline = time.monotonic() + 30
    waiting = 0
    while time.monotonic() < deadline and not waiting:
        with pg_server.admin(database) as conn:
            waiting = conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ).fetchone()[0]
        time.sleep(0.1)
    assert waiting, "the save did not wait for the change's write lock"
    go_on.set()
    changer.join(60)
    saver.join(60)
    assert "change" in outcome
    assert isinstance(outcome.get("refused"), DataKeyChanged), outcome
    with pg_server.admin(database) as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    colleague.lock(audit_it=False)


def test_revoking_on_the_server_with_the_owner_changes_the_data_key_too(
        house: tuple[House, Path, str, Canaries], pg_server: Any,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """As in a vault folder, a revocation can take the data key with it: the key the revoked
    person's workstation held opens nothing on the server afterwards."""
    made, path, _number, c = house
    database = _database(made)
    revoked_key = _key_of(made, DIRECTOR, DIRECTOR_PASS)  # what their workstation held
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    monkeypatch.setenv(OWNER_ENV, pg_server.superuser_password)
    capsys.readouterr()
    assert cli_main(["--lang", "en", "users", "revoke", DIRECTOR, "--vault", str(path),
                     "--account", ADMIN, "--owner", pg_server.superuser]) == 0
    out = capsys.readouterr().out
    assert f"Account {DIRECTOR} revoked." in out and "data key was changed" in out
    with pytest.raises(FieldTampered):
        _reasons(pg_server, database, revoked_key)
    assert _reasons(pg_server, database, _key_of(made, ADMIN, ADMIN_PASS)) == [c.reason]
    rows = _rekey_rows(pg_server, database)
    assert [(actor, result) for actor, result, _d in rows] == [(ADMIN, "ok")]
    assert rows[0][2]["accounts"] == 1  # the revoked account's slot is gone: one left
