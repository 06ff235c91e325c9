"""A migration run by a login that is not the migration owner (issue 22, "Bad input": "a
migration run by a non-owner: a clear message, nothing written").

Every command that runs as the migration owner (``init --server --create``, ``upgrade``,
``migrate``, ``users rekey``) is given a login that is not a member of ``casuskamer_owner``:
a plain login with only CONNECT, and one that is a member of a program group (the
administrators': a house's account could be that). Each answer is one line (exit 2), no
traceback, and the server holds afterwards exactly what it held before: the same tables,
the same rows in each, the same schema version, no profile written.

On the session's throwaway PostgreSQL (``tests/pg_server.py``); skipped with the reason
where no PostgreSQL 15+ binaries are installed."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli import main as cli_main
from app.services import demo as demo_service

ADMIN = "beheerder"
ADMIN_PASS = "de sleutel ligt bij het zorg en veiligheidshuis"


def main(words: list[str]) -> int:
    return cli_main(["--lang", "en", *words])


def _state(pg: Any, database: str) -> dict[str, object]:
    """What the server holds: every table of the house's schema and its row count, the
    schema's version, the roles of the server."""
    state: dict[str, object] = {}
    with pg.admin(database) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        for table in tables:
            state[table] = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        if "alembic_version" in tables:
            state["version"] = conn.execute("SELECT version_num FROM alembic_version"
                                            ).fetchone()[0]
        state["functions"] = conn.execute(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public'").fetchone()[0]
        state["roles"] = conn.execute("SELECT count(*) FROM pg_roles").fetchone()[0]
    return state


@pytest.fixture
def house(pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[tuple[Any, str, Path]]:
    """A house made by ``init --server --create`` with its first administrator."""
    database = pg_server.new_database("nonowner")
    profile = tmp_path / "zvh.json"
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", pg_server.superuser_password)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    assert main(["init", "--server", f"postgresql://{pg_server.host}:{pg_server.port}/"
                 f"{database}", "--ca", str(pg_server.ca_file), "--vault", str(profile),
                 "--create", "--owner", pg_server.superuser, "--account", ADMIN]) == 0
    yield pg_server, database, profile


def _login(pg: Any, database: str, group: str | None) -> tuple[str, str]:
    name, password = f"vreemd_{secrets.token_hex(3)}", secrets.token_urlsafe(15)
    with pg.admin() as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
        conn.execute(f'GRANT CONNECT ON DATABASE "{database}" TO {name}')
        if group is not None:
            conn.execute(f"GRANT {group} TO {name}")
    return name, password


def _refused(words: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(words) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize("group", [None, "casuskamer_admin"], ids=["plain", "admin-group"])
def test_upgrade_rekey_and_migrate_by_a_non_owner_write_nothing(
        house: tuple[Any, str, Path], group: str | None, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pg, database, profile = house
    login, password = _login(pg, database, group)
    folder = tmp_path / "kluis"
    demo_service.build_demo_vault(folder, ADMIN_PASS, cases=2, account=ADMIN)
    before = _state(pg, database)
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", password)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    for words in (["upgrade", "--vault", str(profile), "--owner", login],
                  ["users", "rekey", "--vault", str(profile), "--account", ADMIN,
                   "--owner", login],
                  ["migrate", "--from-vault", str(folder), "--to", str(profile),
                   "--owner", login, "--account", ADMIN]):
        err = _refused(words, capsys)
        assert "owner" in err.lower(), (words[0], err)
        after = _state(pg, database)
        grown = {k for k in before if before[k] != after[k]}
        # upgrade and migrate write nothing at all; rekey's administrator session only
        # its audit rows (the unlock, the refused change, the lock), as on a vault folder
        assert grown == ({"audit_log"} if words[0] == "users" else set()), (words[0], grown)
        before = after
    assert _state(pg, database)["cases"] == 0


def test_init_create_by_a_non_owner_writes_nothing(
        pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    database = pg_server.new_database("nonowner_init")
    login, password = _login(pg_server, database, None)
    before = _state(pg_server, database)
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", password)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    profile = tmp_path / "zvh.json"
    _refused(["init", "--server", f"postgresql://{pg_server.host}:{pg_server.port}/"
              f"{database}", "--ca", str(pg_server.ca_file), "--vault", str(profile),
              "--create", "--owner", login], capsys)
    assert _state(pg_server, database) == before
    assert not profile.exists()
