"""``casuskamer upgrade --vault PROFILE`` applies the house's roles, grants, row-level
policies and functions again (issue 22): a house made before a change of them gets it, also
when its schema is already at this program's version; running it twice changes nothing more.

On the session's throwaway PostgreSQL (``tests/pg_server.py``); skipped with the reason
where no PostgreSQL 15+ binaries are installed."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from app.cli import main as cli_main
from app.domain.roles import Role
from app.store.profile import ServerProfile, write_profile
from app.vault.server import FirstAccount, ServerVault, create_house

ADMIN, ADMIN_PASS = "beheer", "de sleutel ligt bij het zorg en veiligheidshuis"
OWNER_ENV = "CASUSKAMER_OWNER_PASSWORD"


@pytest.fixture
def house(pg_server: Any, tmp_path: Path) -> tuple[ServerProfile, Path, str]:
    prefix = f"ck{secrets.token_hex(3)}"
    profile = ServerProfile(host=pg_server.host, port=pg_server.port,
                            database=pg_server.new_database("upg"), ca_file=pg_server.ca_file)
    create_house(profile, pg_server.superuser, pg_server.superuser_password,
                 [FirstAccount(ADMIN, Role.ADMIN, ADMIN_PASS)], prefix=prefix)
    path = tmp_path / "zvh.json"
    write_profile(path, profile)
    return profile, path, prefix


def _policies(pg: Any, database: str) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Every row-level policy of the house as the server keeps it: who, for what, the
    conditions."""
    with pg.admin(database) as conn:
        return {(r[0], r[1]): tuple(r[2:]) for r in conn.execute(
            "SELECT tablename, policyname, cmd, roles::text, qual, with_check FROM pg_policies "
            "WHERE schemaname = 'public'").fetchall()}


def _grants(pg: Any, database: str) -> set[tuple[Any, ...]]:
    """Every privilege on the house's tables, columns and functions, as the server keeps
    them."""
    with pg.admin(database) as conn:
        tables = conn.execute(
            "SELECT grantee, table_name, privilege_type FROM information_schema."
            "role_table_grants WHERE table_schema = 'public'").fetchall()
        columns = conn.execute(
            "SELECT grantee, table_name, column_name, privilege_type FROM "
            "information_schema.column_privileges WHERE table_schema = 'public'").fetchall()
        functions = conn.execute(
            "SELECT p.proname, p.proacl::text, pg_get_userbyid(p.proowner) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
        ).fetchall()
    return ({("table", *r) for r in tables} | {("column", *r) for r in columns}
            | {("function", *r) for r in functions})


def _upgrade(pg: Any, path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv(OWNER_ENV, pg.superuser_password)
    return cli_main(["--lang", "en", "upgrade", "--vault", str(path), "--owner",
                     pg.superuser])


def test_upgrade_brings_back_a_policy_dropped_on_the_server(
        house: tuple[ServerProfile, Path, str], pg_server: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    profile, path, prefix = house
    made = _policies(pg_server, profile.database)
    granted = _grants(pg_server, profile.database)
    # the policies the covenant's roles rest on (issue 22, point 3)
    assert {("server_key_slots", "own_slot"), ("audit_log", "case_disclosures"),
            ("accounts", "own_account")} <= set(made)
    # a house made before a policy (or whose administrator dropped one) ...
    with pg_server.admin(profile.database) as conn:
        conn.execute("DROP POLICY case_disclosures ON audit_log")
        conn.execute("DROP POLICY own_slot ON server_key_slots")
        conn.execute(f"REVOKE SELECT ON TABLE accounts FROM {prefix}_manager")
    assert ("audit_log", "case_disclosures") not in _policies(pg_server, profile.database)

    assert _upgrade(pg_server, path, monkeypatch) == 0
    # exactly the house as the program makes it: its policies, grants and functions
    assert _policies(pg_server, profile.database) == made
    assert _grants(pg_server, profile.database) == granted
    opened = ServerVault(profile).unlock(ADMIN, ADMIN_PASS, exclusive=False)
    opened.lock(audit_it=False)
    with pg_server.admin(profile.database) as conn:
        assert conn.execute("SELECT has_table_privilege(%s, 'public.accounts', 'SELECT')",
                            (f"{prefix}_manager",)).fetchone()[0] is True
        assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'vault.upgrade'"
                            ).fetchone()[0] == 1

    # a second run: nothing more changes
    assert _upgrade(pg_server, path, monkeypatch) == 0
    assert _policies(pg_server, profile.database) == made
    assert _grants(pg_server, profile.database) == granted


def test_upgrade_puts_back_a_changed_policy_and_drops_one_the_program_has_not(
        house: tuple[ServerProfile, Path, str], pg_server: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    profile, path, prefix = house
    made = _policies(pg_server, profile.database)
    with pg_server.admin(profile.database) as conn:
        # a policy as an older program (or a hand) defined it: every audit row to everyone
        conn.execute("ALTER POLICY case_disclosures ON audit_log USING (true)")
        # and one the program never defined, opening every key slot to the managers
        conn.execute(f"CREATE POLICY open_slots ON server_key_slots TO {prefix}_manager "
                     "USING (true)")
    assert _policies(pg_server, profile.database) != made
    assert _upgrade(pg_server, path, monkeypatch) == 0
    assert _policies(pg_server, profile.database) == made
