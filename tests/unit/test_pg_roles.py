"""The house server's roles and grants (issue 22, point 3), generated from the role rules:
one NOLOGIN group role per program role, a separate migration owner, the audit table INSERT
only for every role, the manager reading only the figures' views. First the statements as
text, then on the session's throwaway PostgreSQL with the program's real schema (created by
``metadata.create_all`` as the migration owner)."""

from __future__ import annotations

import re
import secrets
from collections import defaultdict

import pytest
import sqlalchemy as sa

from app.domain.roles import Role
from app.store import pg_roles
from app.store.field_crypto import scram_verifier
from app.store.schema import metadata
from tests.pg_server import connect_as, prepare_roles, role_logins
from tests.pg_server import required_values as _required

FIGURES_VIEW = "figures_cases_by_state"
#: What the covenant and app.domain.roles keep from the information centre and the
#: administrator: what is said about the people.
SUBSTANCE_TABLES = ("subjects", "information_items", "case_minutes", "minutes_entries",
                    "plans", "plan_actions", "routing_decisions", "case_closures",
                    "life_domain_problems")


def granted(prefix: str = "casuskamer") -> dict[tuple[str, str], set[str]]:
    """(object, privilege) -> the group roles the statements grant it to."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for statement in pg_roles.grant_statements(metadata.sorted_tables, [FIGURES_VIEW], prefix):
        m = re.fullmatch(r"GRANT (\w+) ON (?:TABLE|SEQUENCE) public\.(\w+) TO (.+)", statement)
        if m:
            out[(m.group(2), m.group(1))] |= set(m.group(3).split(", "))
    return out


def test_every_table_of_the_schema_has_its_grants_declared() -> None:
    assert pg_roles.unclassified(metadata.sorted_tables) == []


def test_audit_table_is_insert_only_for_every_role() -> None:
    grants = granted()
    everyone = {f"casuskamer_{r}" for r in ("admin", "process_director",
                                            "information_centre", "manager")}
    assert grants[("audit_log", "INSERT")] == everyone
    assert grants[("audit_log", "UPDATE")] == set()
    assert grants[("audit_log", "DELETE")] == set()
    assert grants[("audit_log", "SELECT")] == {"casuskamer_admin"}  # READ_AUDIT


def test_manager_reads_only_the_figures_views() -> None:
    grants = granted()
    manager = {key for key, roles in grants.items() if "casuskamer_manager" in roles}
    # the audit row every action writes, and the figures' views; nothing else
    assert manager == {("audit_log", "INSERT"), ("audit_log_id_seq", "USAGE"),
                       ("audit_forward_queue", "SELECT"), ("audit_forward_queue", "INSERT"),
                       ("audit_forward_queue", "DELETE"), ("meta", "SELECT"),
                       ("retention_periods", "SELECT"), (FIGURES_VIEW, "SELECT"),
                       ("figures_cases", "SELECT"), ("figures_tombstones", "SELECT"),
                       ("figures_open_actions", "SELECT"), ("figures_meetings", "SELECT"),
                       ("figures_agenda", "SELECT")}
    assert "casuskamer_manager" not in grants[("cases", "SELECT")]


def test_substance_only_for_the_process_director() -> None:
    grants = granted()
    for table in SUBSTANCE_TABLES:
        assert grants[(table, "SELECT")] == {"casuskamer_process_director"}, table
    # the information centre registers referrals: it writes a new case's subjects, unread
    assert "casuskamer_information_centre" in grants[("subjects", "INSERT")]
    assert "casuskamer_information_centre" not in grants[("subjects", "UPDATE")]
    # the centre reads the register's columns of cases only (a column list: the regex above
    # takes whole-table grants; tests/unit/test_pg_grants_columns.py checks the columns)
    assert grants[("cases", "SELECT")] == {"casuskamer_process_director"}
    assert any(s.startswith("GRANT SELECT (id, number,") and s.endswith(
        "ON TABLE public.cases TO casuskamer_information_centre")
        for s in pg_roles.grant_statements(metadata.sorted_tables, [FIGURES_VIEW], "casuskamer"))


def test_owner_and_group_roles_cannot_log_in() -> None:
    statements = pg_roles.role_statements("casuskamer")
    assert statements == ["CREATE ROLE casuskamer_owner NOLOGIN",
                          "CREATE ROLE casuskamer_admin NOLOGIN",
                          "CREATE ROLE casuskamer_process_director NOLOGIN",
                          "CREATE ROLE casuskamer_information_centre NOLOGIN",
                          "CREATE ROLE casuskamer_manager NOLOGIN"]
    with pytest.raises(ValueError):
        pg_roles.login_role_statements("x", Role.MANAGER, "plaintext'; DROP ROLE y; --")
    with pytest.raises(ValueError):
        pg_roles.login_role_statements("X; drop", Role.MANAGER, scram_verifier("s"))


# -- on the throwaway server ---------------------------------------------------------------

@pytest.fixture(scope="module")
def house(pg_server):
    """The real schema in a fresh database, owned by the migration owner, with the grants,
    and one login account per program role: {role: (login, secret)}."""
    psycopg = pytest.importorskip("psycopg")
    prefix = f"ck{secrets.token_hex(3)}"
    db = pg_server.new_database("roles")
    prepare_roles(pg_server, db, prefix, schema_privileges="CREATE")
    engine = sa.create_engine(pg_server.sqlalchemy_url(pg_server.superuser,
                                                       pg_server.superuser_password, db))
    with engine.begin() as conn:
        conn.exec_driver_sql(f"SET ROLE {pg_roles.owner_role(prefix)}")
        metadata.create_all(conn)
        conn.exec_driver_sql(f"CREATE VIEW {FIGURES_VIEW} AS SELECT state, count(*) AS n "
                             "FROM cases GROUP BY state")
        conn.exec_driver_sql("RESET ROLE")
        for statement in pg_roles.grant_statements(metadata.sorted_tables, [FIGURES_VIEW],
                                                   prefix):
            conn.exec_driver_sql(statement)
        conn.execute(metadata.tables["cases"].insert().values(**_required(
            "cases", id=1, number="ZVH-2026-0001", state="intake")))
    engine.dispose()
    return psycopg, db, role_logins(pg_server, db, prefix)


def _as(pg_server, house, role: Role):
    _psycopg, db, accounts = house
    return connect_as(pg_server, db, accounts, role)


AUDIT_ROW = ("INSERT INTO audit_log (at, actor, role, action, object_type, object_id, result, "
             "origin, detail, prev_hash, hash) VALUES ('2026-12-07T12:00:00', 'a', 'r', "
             "'test', 'case', '1', 'ok', 'ws', '{}', '', '')")


@pytest.mark.parametrize("role", list(Role))
def test_audit_table_refuses_update_and_delete_on_the_server(pg_server, house,
                                                             role: Role) -> None:
    psycopg = house[0]
    with _as(pg_server, house, role) as conn:
        conn.execute(AUDIT_ROW)
        for statement in ("UPDATE audit_log SET result = 'denied'", "DELETE FROM audit_log",
                          "TRUNCATE audit_log", "ALTER TABLE audit_log DISABLE TRIGGER ALL",
                          "DROP TABLE audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_on_the_server_the_manager_reads_only_the_figures_view(pg_server, house) -> None:
    psycopg = house[0]
    with _as(pg_server, house, Role.MANAGER) as conn:
        assert conn.execute(f"SELECT state, n FROM {FIGURES_VIEW}").fetchall() == [
            ("intake", 1)]
        for table in ("cases", "subjects", "audit_log", "accounts", "case_tombstones"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {table}")


def test_on_the_server_the_information_centre_gets_no_substance(pg_server, house) -> None:
    psycopg = house[0]
    with _as(pg_server, house, Role.INFORMATION_CENTRE) as conn:
        assert conn.execute("SELECT number FROM cases").fetchall() == [("ZVH-2026-0001",)]
        for table in SUBSTANCE_TABLES:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {table}")
    with _as(pg_server, house, Role.PROCESS_DIRECTOR) as conn:
        assert conn.execute("SELECT count(*) FROM subjects").fetchone() == (0,)
