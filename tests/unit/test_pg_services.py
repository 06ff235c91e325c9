"""A first slice of the services on both engines (issue 22, points 1 and 7): the same service
calls on a SQLCipher vault folder and on the house server (PostgreSQL 15, TLS verify-full,
SCRAM, each account logged in as its own role with the grants of ``app.store.pg_roles``).

The PostgreSQL cases use the session's throwaway server (``tests/pg_server.py``) and are
skipped, with the reason, where no PostgreSQL 15+ binaries are installed (CI has them).

What runs on both: making a house with an administrator and a process director, the
administrator's first session (seeding the covenant's parties), the process director
registering referrals, listing the cases and opening one, the audit rows each call writes,
and the administrator verifying the hash chain. On the server only: the unlock logs in as the
account's own role (never as the owner), a wrong passphrase, a server certificate from
another CA and a server that does not answer each give one clear error, and the process
director's role cannot alter the audit log."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.domain.cases import Subject, SubjectRole
from app.domain.intake import Referral
from app.domain.lifecycle import CaseState
from app.domain.life_domains import LifeDomain
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.errors import WrongPassphrase
from app.services import accounts as account_service
from app.services import cases as case_service
from app.services import intake, session
from app.services import parties as party_service
from app.store import audit
from app.store.profile import ServerProfile
from app.store.tables import audit_log
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault

ADMIN, ADMIN_PASS = "beheer", "de sleutel ligt bij het zorg en veiligheidshuis"
DIRECTOR, DIRECTOR_PASS = "regisseur", "regie over de casus blijft mensenwerk"
ENGINES = ("sqlcipher", "postgresql")


@dataclass
class House:
    engine: str
    #: unlocks the house as an account: the folder's Vault or the profile's ServerVault
    vault: Vault
    opened: list[OpenVault]

    def unlock(self, account: str, passphrase: str) -> OpenVault:
        opened = self.vault.unlock(account, passphrase, exclusive=False)
        self.opened.append(opened)
        return opened


def _sqlcipher_house(folder: Path) -> House:
    admin = Vault.create(folder, ADMIN, ADMIN_PASS, kdf=KdfParams())
    session.after_unlock(admin, created=True)
    account_service.add_account(admin, DIRECTOR, Role.PROCESS_DIRECTOR, DIRECTOR_PASS,
                                kdf=KdfParams())
    admin.lock()
    return House("sqlcipher", Vault(folder), [])


def _server_house(pg_server: Any) -> House:
    from app.vault.server import FirstAccount, ServerVault, create_house

    profile = ServerProfile(host=pg_server.host, port=pg_server.port,
                            database=pg_server.new_database("house"), ca_file=pg_server.ca_file)
    create_house(profile, pg_server.superuser, pg_server.superuser_password,
                 [FirstAccount(ADMIN, Role.ADMIN, ADMIN_PASS),
                  FirstAccount(DIRECTOR, Role.PROCESS_DIRECTOR, DIRECTOR_PASS)],
                 prefix=f"ck{secrets.token_hex(3)}")
    house = House("postgresql", ServerVault(profile), [])
    admin = house.unlock(ADMIN, ADMIN_PASS)
    session.after_unlock(admin, created=True)  # the covenant's parties, as on a new vault
    admin.lock()
    return house


@pytest.fixture(params=ENGINES)
def house(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[House]:
    if request.param == "postgresql":
        made = _server_house(request.getfixturevalue("pg_server"))
    else:
        made = _sqlcipher_house(tmp_path / "kluis")
    yield made
    for opened in made.opened:
        opened.lock(audit_it=False)


def _referral(vault: OpenVault, surname: str, bsn: str | None) -> Referral:
    police = party_service.find_party_by_name(vault, "Politie regionale eenheid Den Haag")
    assert police is not None
    return Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=police.id,
        received=date(2026, 3, 2), reason="Zorgen over de woonsituatie",
        question="Samen een plan maken",
        subjects=(Subject("Piet", surname, date(1980, 5, 17), SubjectRole.MAIN_SUBJECT, bsn,
                          "Laan van Meerdervoort 1, Den Haag"),),
        life_domains={LifeDomain.HOUSING: "Dreigende huisuitzetting"},
        referring_contact="Wijkagent Bakker")


def test_intake_and_open_a_case(house: House) -> None:
    director = house.unlock(DIRECTOR, DIRECTOR_PASS)
    assert director.actor.role is Role.PROCESS_DIRECTOR
    first = intake.register_referral(director, _referral(director, "Jansen", "111222333"))
    second = intake.register_referral(director, _referral(director, "Bakker", "123456782"),
                                      start_intake=True)
    year = date.today().year
    # the house's numbers: ZVH-YYYY-NNNN, gap-free from 1
    assert (first, second) == (f"ZVH-{year}-0001", f"ZVH-{year}-0002")
    case = case_service.get_case(director, first)
    assert case.number == first
    assert [(s.given_names, s.surname, s.birth_date, s.bsn) for s in case.subjects] == [
        ("Piet", "Jansen", date(1980, 5, 17), "111222333")]
    assert case.life_domains == {LifeDomain.HOUSING: "Dreigende huisuitzetting"}


def test_the_case_list(house: House) -> None:
    director = house.unlock(DIRECTOR, DIRECTOR_PASS)
    first = intake.register_referral(director, _referral(director, "Jansen", "111222333"))
    second = intake.register_referral(director, _referral(director, "Bakker", "123456782"),
                                      start_intake=True)
    rows = case_service.list_cases(director)
    assert [(r.number, r.main_subject, r.state) for r in rows] == [
        (second, "Bakker, Piet", CaseState.INTAKE), (first, "Jansen, Piet", CaseState.REFERRED)]


def test_the_session_step_at_unlock(house: House) -> None:
    """The program and every command run the session step (the retention purge) right after
    the unlock."""
    director = house.unlock(DIRECTOR, DIRECTOR_PASS)
    assert session.after_unlock(director).purged_at_unlock == []


def test_the_audit_chain_appends_and_verifies(house: House) -> None:
    director = house.unlock(DIRECTOR, DIRECTOR_PASS)
    number = intake.register_referral(director, _referral(director, "Jansen", "111222333"))
    case_service.get_case(director, number)
    director.lock()
    admin = house.unlock(ADMIN, ADMIN_PASS)
    with admin.read() as conn:
        assert audit.verify_chain(conn) == []
        rows = conn.execute(sa.select(audit_log.c.id, audit_log.c.actor, audit_log.c.action,
                                      audit_log.c.object_id).order_by(audit_log.c.id)).all()
    # one chain, ids 1..n with no gap, the director's session in it in order
    assert [r.id for r in rows] == list(range(1, len(rows) + 1))
    mine = [(r.action, r.object_id) for r in rows if r.actor == DIRECTOR]
    assert mine[0] == ("unlock", DIRECTOR)
    assert mine[-1] == ("lock", DIRECTOR)
    assert any(action.startswith("case.") and object_id == number
               for action, object_id in mine)
    # nothing personal in the audit rows
    assert not any("Jansen" in str(r) or "111222333" in str(r) for r in rows)


# -- the server only -----------------------------------------------------------------------

def test_each_account_works_as_its_own_role(server_house: House) -> None:
    from app.store.engine import login_role
    from app.vault.server import ServerVault

    assert isinstance(server_house.vault, ServerVault)
    profile = server_house.vault.profile
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    with director.read() as conn:
        user = conn.exec_driver_sql("SELECT current_user").scalar_one()
        superuser = conn.exec_driver_sql(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar_one()
    assert user == login_role(profile, DIRECTOR) and user != ADMIN
    assert superuser is False


def test_the_director_cannot_alter_the_audit_log_on_the_server(server_house: House) -> None:
    from app.errors import PermissionDenied

    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    intake.register_referral(director, _referral(director, "Jansen", "111222333"))
    for statement in ("UPDATE audit_log SET result = 'denied'", "DELETE FROM audit_log",
                      "INSERT INTO meta(key, value) VALUES ('x', 'y')"):
        with pytest.raises(PermissionDenied), director.begin() as conn:
            conn.exec_driver_sql(statement)
    # of the settings the role moves only the audit chain's head (row-level security)
    with director.begin() as conn:
        changed = conn.exec_driver_sql("UPDATE meta SET value = 'x' WHERE key = 'vault_id'")
        assert changed.rowcount == 0
    with director.read() as conn:
        assert conn.exec_driver_sql(
            "SELECT value FROM meta WHERE key = 'vault_id'").scalar_one() == director.vault_id


def test_a_wrong_passphrase_is_refused_by_the_server(server_house: House) -> None:
    with pytest.raises(WrongPassphrase):
        server_house.unlock(DIRECTOR, DIRECTOR_PASS + " niet")
    with pytest.raises(WrongPassphrase):
        server_house.unlock("niemand", DIRECTOR_PASS)


def test_a_server_certificate_from_another_ca_is_refused(server_house: House,
                                                         tmp_path: Path) -> None:
    from app.store.engine import ServerNotTrusted
    from app.vault.server import ServerVault
    from tests.pg_server import write_tls_files

    other_ca, _cert, _key = write_tls_files(tmp_path)
    assert isinstance(server_house.vault, ServerVault)
    profile = server_house.vault.profile
    stranger = ServerVault(ServerProfile(host=profile.host, port=profile.port,
                                         database=profile.database, ca_file=other_ca))
    with pytest.raises(ServerNotTrusted, match="CA"):
        stranger.unlock(DIRECTOR, DIRECTOR_PASS)


def test_a_server_that_does_not_answer_is_one_clear_error(tmp_path: Path, pg_server: Any
                                                           ) -> None:
    import socket

    from app.store.engine import ServerUnreachable
    from app.vault.server import ServerVault

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    nobody = ServerVault(ServerProfile(host="127.0.0.1", port=port, database="casuskamer",
                                       ca_file=pg_server.ca_file))
    with pytest.raises(ServerUnreachable, match=f"127.0.0.1:{port}"):
        nobody.unlock(DIRECTOR, DIRECTOR_PASS)


def test_concurrent_intake_keeps_one_chain_and_gap_free_numbers(server_house: House) -> None:
    """Two workstations (two sessions, each with its own connections) register referrals at
    the same time: every write transaction waits for the one before it, as in the vault
    file, so no number is given twice or skipped and the audit log stays one chain."""
    from concurrent.futures import ThreadPoolExecutor

    sessions = [server_house.unlock(DIRECTOR, DIRECTOR_PASS) for _ in range(2)]
    referrals = [_referral(sessions[0], f"Jansen{chr(97 + i)}", None) for i in range(8)]

    def register(i: int) -> str:
        return intake.register_referral(sessions[i % 2], referrals[i])

    with ThreadPoolExecutor(max_workers=2) as pool:
        numbers = list(pool.map(register, range(len(referrals))))
    year = date.today().year
    assert sorted(numbers) == [f"ZVH-{year}-{n:04d}" for n in range(1, len(referrals) + 1)]
    admin = server_house.unlock(ADMIN, ADMIN_PASS)
    with admin.read() as conn:
        assert audit.verify_chain(conn) == []


def test_a_statement_the_role_may_not_run_is_one_audited_refusal(server_house: House) -> None:
    """What the server refuses a role (here: writing the accounts table as a process
    director) is a PermissionDenied with one line, nothing written, and a 'denied' audit
    row, as the program's own role check gives."""
    from app.errors import PermissionDenied
    from app.store.tables import accounts

    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    with pytest.raises(PermissionDenied) as refused, director.begin() as conn:
        conn.execute(accounts.insert().values(name="stiekem", role="admin",
                                              created_at=date(2026, 1, 1)))
    assert "\n" not in str(refused.value)
    director.lock()
    admin = server_house.unlock(ADMIN, ADMIN_PASS)
    with admin.read() as conn:
        names = set(conn.execute(sa.select(accounts.c.name)).scalars())
        denied = conn.execute(sa.select(audit_log.c.actor, audit_log.c.detail).where(
            audit_log.c.action == "denied")).all()
        assert audit.verify_chain(conn) == []
    assert names == {ADMIN, DIRECTOR}
    assert [(r.actor, r.detail) for r in denied] == [(DIRECTOR, '{"server": "42501"}')]



# -- the command line on a profile -----------------------------------------------------------

def test_the_command_line_takes_a_server_profile_for_vault(server_house: House, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    """``--vault`` accepts a profile as well as a folder (issue 22, point 1): a read
    command on the server, as the account ``--account`` names."""
    import json

    from app.cli import main
    from app.store.profile import write_profile
    from app.vault.server import ServerVault

    assert isinstance(server_house.vault, ServerVault)
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    number = intake.register_referral(director, _referral(director, "Jansen", "111222333"))
    director.lock()
    profile_file = tmp_path / "zvh.json"
    write_profile(profile_file, server_house.vault.profile)
    secret = tmp_path / "pass.txt"
    secret.write_text(DIRECTOR_PASS + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["cases", "show", number, "--vault", str(profile_file), "--account", DIRECTOR,
                 "--passphrase-file", str(secret), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["format"] == "casuskamer-case/1"
    assert shown["case"]["number"] == number
    assert [(s["surname"], s["bsn"]) for s in shown["case"]["subjects"]] == [
        ("Jansen", "111222333")]
    # a server has no default account: one line, exit 2
    assert main(["cases", "show", number, "--vault", str(profile_file),
                 "--passphrase-file", str(secret)]) == 2
    err = capsys.readouterr().err
    assert "--account" in err and len(err.strip().splitlines()) == 1


def test_an_account_never_migrates_the_server(server_house: House, pg_server: Any) -> None:
    """Only the migration owner changes the schema: a workstation whose program expects
    another schema version than the server's is told to ask the administrator, and writes
    nothing (no unlock row, the version unchanged)."""
    from app.errors import VaultError
    from app.vault.server import ServerVault

    assert isinstance(server_house.vault, ServerVault)
    database = server_house.vault.profile.database
    with pg_server.admin(database) as admin:
        admin.execute("UPDATE alembic_version SET version_num = '0012'")
        rows_before = admin.execute("SELECT count(*) FROM audit_log").fetchone()
    with pytest.raises(VaultError, match="0012"):
        server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    with pg_server.admin(database) as admin:
        assert admin.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0012",)]
        assert admin.execute("SELECT count(*) FROM audit_log").fetchone() == rows_before


def test_after_the_lock_no_connection_can_be_made(server_house: House) -> None:
    """As the local vault drops its key: a locked session's engine cannot log in again."""
    from app.errors import VaultNotFound

    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    engine = director.engine
    director.lock()
    with pytest.raises(VaultNotFound), engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")


def test_the_servers_superuser_reads_no_person(server_house: House, pg_server: Any) -> None:
    """Done means (issue 22): a superuser with full access to the server's tables finds none
    of a case's names, BSNs or texts."""
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    intake.register_referral(director, _referral(director, "Canarievogel", "111222333"))
    director.lock()
    canaries = ("canarievogel", "111222333", "meerdervoort", "dreigende huisuitzetting")
    database = server_house.vault.profile.database  # type: ignore[attr-defined]
    found = []
    with pg_server.admin(database) as admin:
        tables = [r[0] for r in admin.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]
        for table in tables:
            text = " ".join(str(row) for row in admin.execute(f'SELECT * FROM "{table}"'))
            found += [f"{table}: {c}" for c in canaries if c in text.lower()]
    assert found == []


#: One workstation: unlock the house from the profile, say ready, wait for the start, register
#: referrals and print their numbers.
_WORKSTATION = """
import json, sys, time
from pathlib import Path
from app.services import intake
from app.vault.server import ServerVault
from tests.unit.test_pg_services import DIRECTOR, DIRECTOR_PASS, _referral
profile, go, count, tag = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
opened = ServerVault.from_file(profile).unlock(DIRECTOR, DIRECTOR_PASS, exclusive=False)
print("ready", flush=True)
while not go.exists():
    time.sleep(0.01)
numbers = [intake.register_referral(opened, _referral(opened, f"Werkplek{tag}{i}", None))
           for i in range(count)]
opened.lock()
print(json.dumps(numbers), flush=True)
"""


def test_two_workstations_register_at_once(server_house: House, tmp_path: Path) -> None:
    """Two program instances (two processes) on one server register referrals at the same
    moment (issue 22, point 7): every number once, none skipped, one audit chain."""
    import json
    import os
    import subprocess
    import sys

    from app.store.profile import write_profile
    from app.vault.server import ServerVault

    assert isinstance(server_house.vault, ServerVault)
    profile_file, go = tmp_path / "zvh.json", tmp_path / "go"
    write_profile(profile_file, server_house.vault.profile)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    workers = [subprocess.Popen([sys.executable, "-c", _WORKSTATION, str(profile_file), str(go),
                                 "6", tag], cwd=root, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for tag in ("a", "b")]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready", worker.stderr
        go.touch()
        outputs = [worker.communicate(timeout=240) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert [w.returncode for w in workers] == [0, 0], [err for _out, err in outputs]
    numbers = [n for out, _err in outputs for n in json.loads(out.strip().splitlines()[-1])]
    year = date.today().year
    assert sorted(numbers) == [f"ZVH-{year}-{n:04d}" for n in range(1, 13)]
    admin = server_house.unlock(ADMIN, ADMIN_PASS)
    with admin.read() as conn:
        assert audit.verify_chain(conn) == []
