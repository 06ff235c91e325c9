"""The SQL of the house server's administration as the migration owner and of ``verify`` on
the server (``app.vault.server_admin``): what the database holds, whether a login is the
migration owner, running the generated role, grant, policy and function statements again
(``upgrade``), and what ``verify`` reads.

Typed functions on a connection the caller holds; the rules, the transaction and the audit
rows stay with ``app.vault.server_admin``. Names put into a statement's text are checked as
plain identifiers (``pg_roles.ident``); values go as bound parameters. What the rest of the
house server's machinery needs as well has one copy elsewhere: the roles (``SET ROLE``, the
house's prefix, running generated statements) in ``app.store.server_logins``, the key slots
in ``app.store.server_slots``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, func, select, text

from app.store import pg_roles, vault_meta
from app.store.tables import audit_log

#: ``CREATE POLICY <name> ON <table>`` anywhere in a statement (also inside a ``DO`` block).
_POLICY = re.compile(r"CREATE POLICY (\w+) ON ((?:\w+\.)?\w+)")
#: ``CREATE FUNCTION`` / ``CREATE ROLE`` at a statement's start.
_FUNCTION = re.compile(r"\ACREATE FUNCTION ")
_ROLE = re.compile(r"\ACREATE ROLE (\w+)(.*)\Z", re.DOTALL)


def holds_house_tables(conn: Connection, slots_table: str) -> bool:
    """Whether the database holds any of the program's own tables (a house, or part of one)."""
    return bool(conn.execute(text(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN "
        "('alembic_version', 'meta', :slots)"), {"slots": slots_table}).scalar())


def has_schema_version(conn: Connection) -> bool:
    return conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar() \
        is not None


def is_member_of(conn: Connection, role: str) -> bool:
    """Whether the logged-in role is a member of ``role`` (which exists)."""
    return bool(conn.execute(text(
        "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :owner) "
        "AND pg_has_role(current_user, :owner, 'MEMBER')"), {"owner": role}).scalar())


def may_use_schema(conn: Connection) -> bool:
    """Whether the logged-in role may use the schema (``public``) at all: the house's roles
    and its migration owner may, a stranger's login may not."""
    return bool(conn.execute(text("SELECT has_schema_privilege('public', 'USAGE')")).scalar())


def vault_id(conn: Connection) -> str:
    return vault_meta.value(conn, "vault_id") or "-"


def record_if_missing(conn: Connection, key: str, value: str) -> None:
    """A ``meta`` value that a house made by an older program may not have."""
    if vault_meta.value(conn, key) is None:
        vault_meta.set_value(conn, key, value)


# -- upgrade: the roles, grants, policies and functions again ----------------------------------

def idempotent(statements: Sequence[str]) -> list[str]:
    """``statements`` (as ``create_house`` runs them) in a form that can run again on a house
    that has them: a role is made only when missing; a policy is dropped first, so it comes
    back as this program defines it; a function is replaced. GRANT, REVOKE and ENABLE ROW
    LEVEL SECURITY run again as they are."""
    out: list[str] = []
    for statement in statements:
        role = _ROLE.match(statement)
        if role:
            name = pg_roles.ident(role.group(1))
            out.append("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
                       f"'{name}') THEN CREATE ROLE {name}{role.group(2)}; END IF; END $$")
            continue
        for name, table in _POLICY.findall(statement):
            out.append(f"DROP POLICY IF EXISTS {pg_roles.ident(name)} ON {table}")
        out.append(_FUNCTION.sub("CREATE OR REPLACE FUNCTION ", statement))
    return out


def policies(conn: Connection, tables: Iterable[str]) -> set[tuple[str, str]]:
    """``(table, policy)`` of every row-level policy on ``tables`` (schema public)."""
    names = sorted(set(tables))
    if not names:
        return set()
    found = conn.execute(text(
        "SELECT tablename, policyname FROM pg_policies WHERE schemaname = 'public' "
        "AND tablename = ANY(:t)"), {"t": names})
    return {(str(t), str(p)) for t, p in found}


def drop_policy(conn: Connection, table: str, name: str) -> None:
    conn.exec_driver_sql(f"DROP POLICY IF EXISTS {pg_roles.ident(name)} ON "
                         f"public.{pg_roles.ident(table)}")


def policies_made_by(statements: Iterable[str]) -> set[tuple[str, str]]:
    """``(table, policy)`` that ``statements`` create (the table without its schema)."""
    return {(table.rsplit(".", 1)[-1], name)
            for statement in statements for name, table in _POLICY.findall(statement)}


# -- verify on the server --------------------------------------------------------------------

def audit_rows(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(audit_log)).scalar() or 0)


def may_read(conn: Connection, table: str) -> bool:
    """Whether the logged-in role may SELECT from ``table`` (schema public)."""
    return bool(conn.execute(text("SELECT has_table_privilege(:t, 'SELECT')"),
                             {"t": f"public.{table}"}).scalar())
