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

from sqlalchemy import Connection, Engine
from sqlalchemy import exc as sa_exc

from app.domain.accounts import check_account_name
from app.domain.passphrase import check_passphrase
from app.domain.roles import Role
from app.errors import CasuskamerError, PermissionDenied, VaultError, VaultExists
from app.i18n import _, ngettext
from app.store import (audit, engine as server_engine, migrate, pg_accounts, pg_roles, sealed,
                       server_admin_rows as rows, server_logins, server_slots)
from app.store.profile import ServerProfile
from app.store.schema import metadata
from app.vault import text_scan
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
    if not rows.has_schema_version(conn):
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
        holds = rows.holds_house_tables(conn, server.KEY_SLOTS_TABLE)
    if holds:
        raise VaultExists(_("The database {database} on the server already holds a house: "
                            "join it without --create.").format(database=profile.database))
    try:
        return server.create_house(profile, owner_user, owner_password,
                                   [server.FirstAccount(account, Role.ADMIN, passphrase)],
                                   prefix=prefix)
    except sa_exc.DBAPIError as exc:
        raise owner_error(exc, profile, owner_user) from None


def house_statements(prefix: str = pg_roles.PREFIX) -> list[str]:
    """Every role, grant, row-level policy and function of a house, as ``create_house``
    makes them after the schema (the key-slot table itself excepted), in the form that can
    run again on a house that has them (``server_admin_rows.idempotent``): ``upgrade`` runs
    them on every house, so one made before a change of them gets it."""
    from app.vault import server

    owner = pg_roles.owner_role(prefix)
    everyone = ", ".join(pg_roles.group_role(r, prefix) for r in Role)
    slots = [s for s in server.key_slot_statements(prefix) if not s.startswith("CREATE TABLE")]
    statements = (pg_roles.role_statements(prefix)
                  + [f"GRANT USAGE, CREATE ON SCHEMA public TO {owner}"]
                  + slots
                  # the table grants start by revoking everything from PUBLIC and the groups
                  + pg_roles.grant_statements(metadata.sorted_tables, [], prefix)
                  + pg_roles.session_policy_statements(server.KEY_SLOTS_TABLE, prefix)
                  # the account maker's functions (a house made before administrators could
                  # add accounts on the server gets them too)
                  + pg_accounts.maker_statements(prefix)
                  + pg_accounts.own_slot_statements(server.KEY_SLOTS_TABLE, prefix)
                  + ["REVOKE ALL ON TABLE alembic_version FROM PUBLIC",
                     f"GRANT SELECT ON TABLE alembic_version TO {everyone}"])
    return rows.idempotent(statements)


def reapply(conn: Connection, prefix: str = pg_roles.PREFIX) -> int:
    """Inside the owner's transaction: the house's roles, grants, policies and functions as
    this program defines them (:func:`house_statements`); a policy on the program's tables
    that this program no longer defines is dropped. Returns how many such were dropped."""
    from app.vault import server

    statements = house_statements(prefix)
    wanted = rows.policies_made_by(statements)
    tables = [t.name for t in metadata.sorted_tables] + [server.KEY_SLOTS_TABLE]
    stale = sorted(rows.policies(conn, tables) - wanted)
    for table, name in stale:
        rows.drop_policy(conn, table, name)
    server_logins.run(conn, statements)
    return len(stale)


@dataclass(frozen=True)
class Upgrade:
    """What ``upgrade`` found and did: the schema version before and after."""

    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def upgrade_house(profile: ServerProfile, owner_user: str, owner_password: str, *,
                  prefix: str | None = None) -> Upgrade:
    """``casuskamer upgrade --vault PROFILE``: the house's schema to this program's version,
    as the migration owner (the tables stay the owner's), then the roles, grants, row-level
    policies and functions again as this program defines them (also on a house already at
    this version: one made before a change of them gets it; running it twice changes
    nothing more), audited, in one transaction. A login that is not a member of the owner
    role is refused before anything is changed; a schema newer than this program is
    refused. ``prefix``: the house's role prefix (default: the one it recorded)."""
    head = migrate.head_revision()
    with owner_transaction(profile, owner_user, owner_password) as conn:
        usable = rows.may_use_schema(conn)
        before = house_revision(conn) if usable else "-"
        if before is None:
            raise VaultError(_("The database {database} on the server is not a Casuskamer "
                               "house: make one with casuskamer init --server ... "
                               "--create.").format(database=profile.database))
        prefix = prefix or (server_logins.house_prefix(conn) if usable else pg_roles.PREFIX)
        owner = pg_roles.owner_role(prefix)
        if not usable or not rows.is_member_of(conn, owner):
            raise PermissionDenied(_(
                "The server role {user} is not the migration owner ({owner}): only the "
                "migration owner upgrades the house. Nothing was changed.").format(
                user=owner_user, owner=owner))
        if before != head and before not in migrate.all_revisions():
            raise VaultError(_("The house server's database is at schema version {found}, "
                               "newer than this program ({needed}): upgrade the program, "
                               "not the server.").format(found=before, needed=head))
        if before != head:
            with server_logins.as_role(conn, owner):
                try:
                    migrate.upgrade(conn)
                except RuntimeError as exc:
                    # a migration's own refusal (0014, 0017: values a test version stored
                    # in the clear, which the owner holds no key to seal); its text names
                    # tables only. The transaction is rolled back.
                    raise VaultError(_(
                        "The house server's database cannot be upgraded to this program's "
                        "version ({why}). Nothing was changed.").format(
                        why=str(exc).rstrip(". "))) from None
        dropped = reapply(conn, prefix)
        rows.record_if_missing(conn, pg_accounts.PREFIX_KEY, prefix)
        audit.append(conn, actor=owner, role=OWNER_AUDIT_ROLE,
                     entry=audit.AuditEntry("vault.upgrade", "vault", rows.vault_id(conn),
                                            "ok", {"from": before, "to": head,
                                                   "policies_dropped": dropped}))
    return Upgrade(before, head)


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
    #: stored texts that break the rule for invisible characters (issue 25), for a process
    #: director to correct: not a fault of the house, listed as on a vault folder
    texts: list[text_scan.TextFinding] = field(default_factory=list)


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
    their own rows), every sealed value and blind index of the tables the role reads, the
    stored texts that hold an invisible or control character (listed, not problems) and the
    registered value checks."""
    from app.domain.roles import GRANTS, Permission
    from app.vault.keyslots import KeySlot

    report = ServerReport()
    head = migrate.head_revision()
    with opened.read() as conn:
        report.schema = migrate.current_revision(conn) or "-"
        if report.schema != head:
            report.problems.append(_("The schema is at version {found}; this program needs "
                                     "{needed}.").format(found=report.schema, needed=head))
        row = server_slots.slot_of(conn, opened.actor.account)
        try:
            slot = KeySlot.from_json(json.loads(str(row))) if row is not None else None
        except ValueError:
            slot = None
        if slot is None or slot.account != opened.actor.account:
            report.problems.append(_("The key slot of {account} is missing or damaged on "
                                     "the server.").format(account=opened.actor.account))
        if Permission.READ_AUDIT in GRANTS[opened.actor.role]:
            report.audit_rows = rows.audit_rows(conn)
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
            if rows.may_read(conn, table.name):
                readable.append(table)
            else:
                unread += 1
        # one pass: each value opened once, for both its own check and the texts' (below)
        texts = text_scan.ServerTexts()
        unreadable = sealed.unreadable_values(conn, readable, opened_row=texts.opened_row)
        for bad in unreadable:
            report.problems.append(_("{place}: does not open or does not fit its index").format(
                place=str(bad)))
        if unread:
            report.notes.append(ngettext(
                "The sealed values of {count} table were not checked: your role does not "
                "read it. A process director's verify checks them.",
                "The sealed values of {count} tables were not checked: your role does not "
                "read them. A process director's verify checks them.", unread).format(
                count=unread))
        # the texts written before the rule for invisible characters, judged on the
        # workstation as the pass above opened them (and the texts that are not sealed, and
        # the columns of tables the pass did not read, read now), as on a vault folder; not
        # where a value does not open (named above)
        if unreadable:
            report.notes.append(_("The stored texts were not checked for invisible "
                                  "characters: some values do not open."))
        else:
            report.texts = texts.findings(conn, readable)
    for check in VALUE_CHECKS:
        report.problems.extend(check(opened))
    return report
