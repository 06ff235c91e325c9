"""The house server's administration as the migration owner (issue 22, points 1, 3, 5, 6):
making the house (``casuskamer init --server ... --create``) and upgrading its schema
(``casuskamer upgrade --vault PROFILE``), and what ``verify`` checks on the server.

The migration owner's login (a LOGIN role that is a member of ``<prefix>_owner`` and may
create roles, or the server's superuser) is used only here, for one command at a time: its
password is read from a prompt or an environment variable by the command line, handed to
the engine's pool for this one command and never stored. Every step runs in one
transaction: a refusal leaves the server as it was. The server's refusals come back as one
line with the SQLSTATE only (never the statement or a value).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, text
from sqlalchemy import exc as sa_exc

from app.domain.accounts import check_account_name
from app.domain.passphrase import check_passphrase
from app.domain.roles import Role
from app.errors import CasuskamerError, PermissionDenied, VaultError, VaultExists
from app.i18n import _, ngettext
from app.store import audit, engine as server_engine, migrate, pg_accounts, pg_roles, sealed
from app.store.profile import ServerProfile
from app.store.schema import metadata
from app.vault.vault import OpenVault

#: The role recorded in the audit log for a step of the migration owner (not a program role:
#: the owner is no account).
OWNER_AUDIT_ROLE = "migration_owner"


def owner_error(exc: sa_exc.DBAPIError, profile: ServerProfile, user: str) -> CasuskamerError:
    """A statement the server refused the migration owner's login, as one line."""
    code = str(getattr(exc.orig, "sqlstate", None) or "")
    if code == "42501" or code.startswith("28"):
        return PermissionDenied(_(
            "The server role {user} may not do this (SQLSTATE {code}): run it with the "
            "migration owner's login, which may create roles and owns the house's "
            "database. Nothing was changed.").format(user=user, code=code or "-"))
    if code.startswith("08") or exc.connection_invalidated:
        return server_engine.ServerUnreachable(_(
            "The connection to the server {server} was lost; nothing was changed. Try "
            "again.").format(server=f"{profile.host}:{profile.port}"))
    return VaultError(_("The house server refused a step (SQLSTATE {code}); nothing was "
                        "changed. Ask the server's administrator.").format(code=code or "-"))


@contextmanager
def owner_transaction(profile: ServerProfile, user: str,
                      password: str) -> Iterator[Connection]:
    """One transaction on the profile's server as the migration owner's login ``user``
    (TLS verify-full; a refused login or a server that does not answer is one line)."""
    engine: Engine = server_engine.make_server_engine(profile, user, lambda: password)
    try:
        try:
            with engine.begin() as conn:
                yield conn
        except sa_exc.DBAPIError as exc:
            raise owner_error(exc, profile, user) from None
    finally:
        engine.dispose()


def house_revision(conn: Connection) -> str | None:
    """The schema version of the house in this database, or None when it holds none."""
    if conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar() is None:
        return None
    return migrate.current_revision(conn)


def create_house(profile: ServerProfile, owner_user: str, owner_password: str, account: str,
                 passphrase: str, *, prefix: str = pg_roles.PREFIX) -> str:
    """``init --server URL --ca FILE --create``: the house in the profile's empty database,
    with ``account`` as its first administrator. Returns the vault id. A database that
    already holds a house (or any of the program's tables) is refused: nothing is changed."""
    from app.vault import server

    check_account_name(account)
    check_passphrase(passphrase, account)
    with owner_transaction(profile, owner_user, owner_password) as conn:
        holds = conn.execute(text(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN "
            "('alembic_version', 'meta', :slots)"), {"slots": server.KEY_SLOTS_TABLE}).scalar()
    if holds:
        raise VaultExists(_("The database {database} on the server already holds a house: "
                            "join it without --create.").format(database=profile.database))
    try:
        return server.create_house(profile, owner_user, owner_password,
                                   [server.FirstAccount(account, Role.ADMIN, passphrase)],
                                   prefix=prefix)
    except sa_exc.DBAPIError as exc:
        raise owner_error(exc, profile, owner_user) from None


@dataclass(frozen=True)
class Upgrade:
    """What ``upgrade`` found and did: the schema version before and after."""

    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def regrant_statements(prefix: str = pg_roles.PREFIX) -> list[str]:
    """The grants again, for tables a migration added (GRANT is idempotent; the grants of
    the session's row-level security and of the schema version come after the table
    grants, which start by revoking everything from PUBLIC)."""
    from app.vault import server

    everyone = ", ".join(pg_roles.group_role(r, prefix) for r in Role)
    statements = pg_roles.grant_statements(metadata.sorted_tables, [], prefix)
    statements += [s for s in pg_roles.session_policy_statements(server.KEY_SLOTS_TABLE,
                                                                 prefix)
                   if s.startswith("GRANT ")]
    statements += ["REVOKE ALL ON TABLE alembic_version FROM PUBLIC",
                   f"GRANT SELECT ON TABLE alembic_version TO {everyone}"]
    return statements


def upgrade_house(profile: ServerProfile, owner_user: str, owner_password: str, *,
                  prefix: str = pg_roles.PREFIX) -> Upgrade:
    """``casuskamer upgrade --vault PROFILE``: the house's schema to this program's version,
    as the migration owner (the tables stay the owner's), then the grants for what the
    migrations added, audited, in one transaction. A login that is not a member of the
    owner role is refused before anything is changed; a house already at this version is
    left alone; a schema newer than this program is refused."""
    owner = pg_roles.owner_role(prefix)
    head = migrate.head_revision()
    with owner_transaction(profile, owner_user, owner_password) as conn:
        before = house_revision(conn)
        if before is None:
            raise VaultError(_("The database {database} on the server is not a Casuskamer "
                               "house: make one with casuskamer init --server ... "
                               "--create.").format(database=profile.database))
        member = conn.execute(text(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :owner) "
            "AND pg_has_role(current_user, :owner, 'MEMBER')"), {"owner": owner}).scalar()
        if not member:
            raise PermissionDenied(_(
                "The server role {user} is not the migration owner ({owner}): only the "
                "migration owner upgrades the house. Nothing was changed.").format(
                user=owner_user, owner=owner))
        if before == head:
            return Upgrade(before, head)
        if before not in migrate.all_revisions():
            raise VaultError(_("The house server's database is at schema version {found}, "
                               "newer than this program ({needed}): upgrade the program, "
                               "not the server.").format(found=before, needed=head))
        conn.exec_driver_sql(f"SET ROLE {owner}")
        migrate.upgrade(conn)
        conn.exec_driver_sql("RESET ROLE")
        for statement in regrant_statements(prefix):
            conn.exec_driver_sql(statement)
        # a house made before administrators could add accounts on the server
        from app.vault.server import KEY_SLOTS_TABLE

        for statement in (pg_accounts.maker_statements(prefix)
                          + pg_accounts.own_slot_statements(KEY_SLOTS_TABLE, prefix)):
            conn.exec_driver_sql(statement)
        if conn.execute(text("SELECT 1 FROM meta WHERE key = :k"),
                        {"k": pg_accounts.PREFIX_KEY}).first() is None:
            conn.execute(text("INSERT INTO meta(key, value) VALUES (:k, :v)"),
                         {"k": pg_accounts.PREFIX_KEY, "v": prefix})
        audit.append(conn, actor=owner, role=OWNER_AUDIT_ROLE,
                     entry=audit.AuditEntry("vault.upgrade", "vault", _vault_id(conn), "ok",
                                            {"from": before, "to": head}))
    return Upgrade(before, head)


def _vault_id(conn: Connection) -> str:
    return str(conn.execute(text("SELECT value FROM meta WHERE key = 'vault_id'")).scalar()
               or "-")


@dataclass
class ServerReport:
    """What ``verify`` found on the house server."""

    audit_rows: int = 0
    schema: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return not self.problems
    #: what was not checked, and why (not a problem of the house)
    notes: list[str] = field(default_factory=list)


#: Further checks of ``verify`` on the server, each given the open session and answering its
#: problems (one line each, naming table, column and record, never a value), for what a
#: later part adds (``register_value_check``); the sealed values and blind indexes are
#: checked by ``verify_server`` itself (``app.store.sealed.unreadable_values``).
VALUE_CHECKS: list[Callable[[OpenVault], list[str]]] = []


def register_value_check(check: Callable[[OpenVault], list[str]]) -> None:
    if check not in VALUE_CHECKS:
        VALUE_CHECKS.append(check)


def verify_server(opened: OpenVault) -> ServerReport:
    """What ``verify`` checks on the house server, as the account that unlocked (its own
    key slot was opened by the unlock itself): the schema version, the account's key slot
    row, the audit chain (whole, for a role that reads the audit log: the others see only
    their own rows), every sealed value and blind index of the tables the role reads, and
    the registered value checks."""
    from app.domain.roles import GRANTS, Permission
    from app.vault import server
    from app.vault.keyslots import KeySlot

    report = ServerReport()
    head = migrate.head_revision()
    with opened.read() as conn:
        report.schema = migrate.current_revision(conn) or "-"
        if report.schema != head:
            report.problems.append(_("The schema is at version {found}; this program needs "
                                     "{needed}.").format(found=report.schema, needed=head))
        row = conn.execute(text(f"SELECT slot FROM {server.KEY_SLOTS_TABLE} "
                                "WHERE account = :a"), {"a": opened.actor.account}).scalar()
        try:
            slot = KeySlot.from_json(json.loads(str(row))) if row is not None else None
        except ValueError:
            slot = None
        if slot is None or slot.account != opened.actor.account:
            report.problems.append(_("The key slot of {account} is missing or damaged on "
                                     "the server.").format(account=opened.actor.account))
        if Permission.READ_AUDIT in GRANTS[opened.actor.role]:
            report.audit_rows = int(conn.execute(text(
                "SELECT count(*) FROM audit_log")).scalar() or 0)
            for problem in audit.verify_chain(conn):
                where = f" (#{problem.row_id})" if problem.row_id is not None else ""
                report.problems.append(_("Audit log: {what}").format(what=problem.what)
                                       + where)
        else:
            report.notes.append(_("The audit chain was not checked: your role does not read "
                                  "the audit log. An administrator's verify checks it."))
        # every sealed value and blind index of the tables this role reads
        readable, unread = [], 0
        for table in metadata.sorted_tables:
            if not any(isinstance(c.type, sealed.Sealed) for c in table.c):
                continue
            if conn.execute(text("SELECT has_table_privilege(:t, 'SELECT')"),
                            {"t": f"public.{table.name}"}).scalar():
                readable.append(table)
            else:
                unread += 1
        for bad in sealed.unreadable_values(conn, readable):
            report.problems.append(_("{place}: does not open or does not fit its index").format(
                place=str(bad)))
        if unread:
            report.notes.append(ngettext(
                "The sealed values of {count} table were not checked: your role does not "
                "read it. A process director's verify checks them.",
                "The sealed values of {count} tables were not checked: your role does not "
                "read them. A process director's verify checks them.", unread).format(
                count=unread))
    for check in VALUE_CHECKS:
        report.problems.extend(check(opened))
    return report
