"""The house server from the command line (issue 22, points 1, 5 and 6): ``init --server ...
--create`` makes the house as the migration owner, ``upgrade`` is the owner's, ``verify``
checks what it can on the server, ``backup`` says the server is backed up by its own tools.

On the session's throwaway PostgreSQL (``tests/pg_server.py``: TLS verify-full, SCRAM only);
skipped with the reason where no PostgreSQL 15+ binaries are installed."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from app.cli import main as cli_main
from app.domain.roles import Role
from app.errors import VaultError
from app.store import migrate
from app.vault.server import ServerVault

ADMIN_PASS = "de sleutel ligt bij het zorg en veiligheidshuis"
OWNER_ENV = "CASUSKAMER_OWNER_PASSWORD"


def main(words: list[str]) -> int:
    """The command line in English (the messages checked here are the msgids)."""
    return cli_main(["--lang", "en", *words])


def _url(pg: Any, database: str) -> str:
    return f"postgresql://{pg.host}:{pg.port}/{database}"


def _tables(pg: Any, database: str) -> list[str]:
    with pg.admin(database) as conn:
        return [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]


def _revision(pg: Any, database: str) -> str:
    with pg.admin(database) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


@pytest.fixture
def owner_env(pg_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv(OWNER_ENV, pg_server.superuser_password)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    return pg_server


def _create(pg: Any, database: str, profile: Path, *extra: str) -> int:
    return main(["init", "--server", _url(pg, database), "--ca", str(pg.ca_file),
                 "--vault", str(profile), "--create", "--owner", pg.superuser, *extra])


def test_init_create_makes_the_house_with_its_first_administrator(
        owner_env: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pg = owner_env
    database = pg.new_database("init")
    profile = tmp_path / "zvh.json"
    assert _create(pg, database, profile, "--account", "hoofdbeheer") == 0
    out = capsys.readouterr().out
    assert database in out and "hoofdbeheer" in out
    # the profile holds no secret of either login
    written = profile.read_text(encoding="utf-8")
    assert pg.superuser_password not in written and ADMIN_PASS not in written
    assert json.loads(written)["database"] == database
    # the first administrator opens the house with the passphrase typed at init
    opened = ServerVault.from_file(profile).unlock("hoofdbeheer", ADMIN_PASS, exclusive=False)
    try:
        assert opened.actor.role is Role.ADMIN
    finally:
        opened.lock(audit_it=False)
    assert "server_key_slots" in _tables(pg, database)


def test_init_create_refuses_a_database_that_holds_a_house(
        owner_env: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pg = owner_env
    database = pg.new_database("twice")
    assert _create(pg, database, tmp_path / "a.json") == 0
    capsys.readouterr()
    assert _create(pg, database, tmp_path / "b.json", "--account", "tweede") == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "without --create" in err
    assert not (tmp_path / "b.json").exists()
    # the first house is untouched: its administrator still opens it
    ServerVault.from_file(tmp_path / "a.json").unlock("beheerder", ADMIN_PASS,
                                                      exclusive=False).lock(audit_it=False)


def test_init_create_with_a_wrong_owner_password_changes_nothing(
        owner_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    pg = owner_env
    database = pg.new_database("wrong")
    monkeypatch.setenv(OWNER_ENV, "niet het wachtwoord")
    assert _create(pg, database, tmp_path / "p.json") == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "niet het wachtwoord" not in err
    assert not (tmp_path / "p.json").exists()
    assert _tables(pg, database) == []


def test_the_owner_password_never_comes_from_the_command_line(
        pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    database = pg_server.new_database("argv")
    monkeypatch.delenv(OWNER_ENV, raising=False)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    # no terminal, no environment variable: refused before anything is sent
    assert _create(pg_server, database, tmp_path / "p.json") == 2
    assert OWNER_ENV in capsys.readouterr().err
    assert _tables(pg_server, database) == []
    # and there is no option to give it
    assert main(["init", "--server", _url(pg_server, database), "--ca",
                 str(pg_server.ca_file), "--vault", str(tmp_path / "q.json"), "--create",
                 "--owner", pg_server.superuser, "--owner-password", "x"]) == 2


def test_init_without_create_writes_only_the_profile(
        pg_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = pg_server.new_database("join")
    assert main(["init", "--server", _url(pg_server, database), "--ca", str(pg_server.ca_file),
                 "--vault", str(tmp_path / "p.json")]) == 0
    assert "does not connect" not in capsys.readouterr().out
    assert (tmp_path / "p.json").exists() and _tables(pg_server, database) == []


def test_upgrade_is_the_migration_owners(owner_env: Any, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    pg = owner_env
    revisions = migrate.all_revisions()
    previous = revisions[-2]
    database = pg.new_database("upg")
    profile = tmp_path / "zvh.json"
    # a house made by the program before this one: one schema version behind
    real_upgrade = migrate.upgrade
    monkeypatch.setattr(migrate, "upgrade", lambda conn, target="head":
                        real_upgrade(conn, previous))
    assert _create(pg, database, profile) == 0
    monkeypatch.setattr(migrate, "upgrade", real_upgrade)
    assert _revision(pg, database) == previous
    with pytest.raises(VaultError, match=previous):
        ServerVault.from_file(profile).unlock("beheerder", ADMIN_PASS, exclusive=False)
    capsys.readouterr()

    # a login that is not the migration owner is refused; nothing changes
    stranger, stranger_pw = f"vreemde_{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    with pg.admin() as conn:
        conn.execute(f"CREATE ROLE {stranger} LOGIN PASSWORD '{stranger_pw}'")
        conn.execute(f'GRANT CONNECT ON DATABASE "{database}" TO {stranger}')
    monkeypatch.setenv(OWNER_ENV, stranger_pw)
    assert main(["upgrade", "--vault", str(profile), "--owner", stranger]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "migration owner" in err
    assert _revision(pg, database) == previous

    # the owner upgrades; the account opens the house again; the step is audited
    monkeypatch.setenv(OWNER_ENV, pg.superuser_password)
    assert main(["upgrade", "--vault", str(profile), "--owner", pg.superuser]) == 0
    assert previous in capsys.readouterr().out
    assert _revision(pg, database) == revisions[-1]
    opened = ServerVault.from_file(profile).unlock("beheerder", ADMIN_PASS, exclusive=False)
    opened.lock(audit_it=False)
    with pg.admin(database) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'vault.upgrade'"
                            ).fetchone()[0] == 1
    # a second run finds the schema at this version and only applies the policies again
    assert main(["upgrade", "--vault", str(profile), "--owner", pg.superuser]) == 0
    assert "applied again" in capsys.readouterr().out


def test_upgrade_of_a_vault_folder_is_refused(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "kluis").mkdir()
    assert main(["upgrade", "--vault", str(tmp_path / "kluis"), "--owner", "x"]) == 2
    assert "server profile" in capsys.readouterr().err


def test_verify_checks_the_audit_chain_on_the_server(
        owner_env: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pg = owner_env
    database = pg.new_database("ver")
    profile = tmp_path / "zvh.json"
    assert _create(pg, database, profile) == 0
    capsys.readouterr()
    verify = ["verify", "--vault", str(profile), "--account", "beheerder"]
    assert main(verify) == 0
    out = capsys.readouterr().out
    assert "Sound" in out and migrate.head_revision() in out
    # the server's superuser changes an audit row behind the triggers' back
    with pg.admin(database) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE audit_log SET action = 'vault.opened' WHERE id = 1")
    assert main(verify) == 1
    out = capsys.readouterr().out
    assert "#1" in out


def test_backup_on_the_server_points_to_the_servers_tools(
        pg_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = pg_server.new_database("bak")
    profile = tmp_path / "zvh.json"
    assert main(["init", "--server", _url(pg_server, database), "--ca", str(pg_server.ca_file),
                 "--vault", str(profile)]) == 0
    capsys.readouterr()
    assert main(["backup", "--vault", str(profile), "--account", "beheerder", "--to",
                 str(tmp_path / "kopie.ckb")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "pg_dump" in err
    assert not (tmp_path / "kopie.ckb").exists()


def test_verify_names_a_sealed_value_changed_on_the_server(
        pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """verify as a process director opens every sealed value the role reads: one changed
    on the server is named by table, column and record (never the value); the
    administrator's verify says the case tables were not its to check."""
    from app.services import intake, session
    from app.store.profile import ServerProfile, write_profile
    from app.vault.server import FirstAccount, create_house
    from tests.unit.test_pg_services import _referral

    director_pass = "regie over de casus blijft mensenwerk"
    profile = ServerProfile(host=pg_server.host, port=pg_server.port,
                            database=pg_server.new_database("vsl"), ca_file=pg_server.ca_file)
    create_house(profile, pg_server.superuser, pg_server.superuser_password,
                 [FirstAccount("beheer", Role.ADMIN, ADMIN_PASS),
                  FirstAccount("regisseur", Role.PROCESS_DIRECTOR, director_pass)],
                 prefix=f"ck{secrets.token_hex(3)}")
    path = tmp_path / "zvh.json"
    write_profile(path, profile)
    admin = ServerVault(profile).unlock("beheer", ADMIN_PASS, exclusive=False)
    session.after_unlock(admin, created=True)
    admin.lock()
    director = ServerVault(profile).unlock("regisseur", director_pass, exclusive=False)
    intake.register_referral(director, _referral(director, "Jansen", "111222333"))
    director.lock()

    verify = ["verify", "--vault", str(path), "--account", "regisseur"]
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", director_pass)
    assert main(verify) == 0
    with pg_server.admin(profile.database) as conn:
        problem = conn.execute("SELECT id FROM life_domain_problems").fetchone()[0]
        conn.execute("UPDATE life_domain_problems SET description = set_byte(description, "
                     "20, get_byte(description, 20) # 1) WHERE id = %s", (problem,))
    capsys.readouterr()
    assert main(verify) == 1
    out = capsys.readouterr().out
    assert f"life_domain_problems.description #{problem}" in out
    assert "Dreigende" not in out

    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    assert main(["verify", "--vault", str(path), "--account", "beheer"]) == 0
    assert "not checked" in capsys.readouterr().out
