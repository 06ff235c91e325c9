"""The house server's roles as the program meets them at run time (issue 22, point 3): which
login roles exist, making and dropping an account's login through the account maker's two
functions, one's own verifier, the house's role prefix, and running the statements that
``app.store.pg_roles`` and ``app.store.pg_accounts`` generate.

Typed functions on a connection the caller holds. The rules (who may add or revoke, the
checks of a name and of a verifier, the transaction, the audit rows) stay with the callers:
``app.vault.server`` (making a house), ``app.vault.server_accounts`` (``users add``,
``users revoke``, ``users passwd``) and ``app.vault.move``. Every name that is put into a
statement's text is checked as a plain identifier first (``pg_roles.ident``); values go as
bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from app.store import pg_roles, vault_meta
from app.store.pg_accounts import PREFIX_KEY, VERIFIER_PATTERN, add_function, drop_function


def house_prefix(conn: Connection) -> str:
    """The role prefix of the house this connection is in (``create_house`` records it in
    ``meta``; a house made before that uses the default)."""
    value = vault_meta.value(conn, PREFIX_KEY)
    return pg_roles.ident(value) if value else pg_roles.PREFIX


def record_prefix(conn: Connection, prefix: str) -> None:
    """Record the house's role prefix in ``meta`` (a new house)."""
    vault_meta.set_value(conn, PREFIX_KEY, pg_roles.ident(prefix))


def role_exists(conn: Connection, name: str) -> bool:
    """Whether the server has a role named ``name`` (any login or group)."""
    return conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                        {"r": name}).first() is not None


def roles_named(conn: Connection, prefix: str) -> set[str]:
    """The server's roles whose names start with ``<prefix>_``."""
    return {str(r) for r in conn.execute(text("SELECT rolname FROM pg_roles WHERE rolname "
                                              "LIKE :p"), {"p": f"{prefix}_%"}).scalars()}


def run(conn: Connection, statements: Iterable[str]) -> None:
    """Run generated statements (DDL, grants, policies) one by one, as they are: they carry
    no value from a user (``pg_roles`` and ``pg_accounts`` check every name they put in)."""
    for statement in statements:
        conn.exec_driver_sql(statement)


def set_role(conn: Connection, role: str) -> None:
    """The connection's next statements run as ``role`` (until :func:`reset_role`, or the
    end of a transaction that is rolled back)."""
    conn.exec_driver_sql(f"SET ROLE {pg_roles.ident(role)}")


def reset_role(conn: Connection) -> None:
    conn.exec_driver_sql("RESET ROLE")


@contextmanager
def as_role(conn: Connection, role: str) -> Iterator[None]:
    """The block's statements run as ``role``, the login's own role again after it. When
    the block fails the transaction is rolled back, which undoes the ``SET ROLE`` too:
    nothing more is sent on the failed transaction."""
    set_role(conn, role)
    yield
    reset_role(conn)


def add_login(conn: Connection, prefix: str, login: str, verifier: str, group: str) -> None:
    """An account's LOGIN role with ``verifier``, in ``group``, made by the account maker's
    SECURITY DEFINER function (which checks all three again)."""
    conn.execute(text(f"SELECT public.{add_function(prefix)}(:l, :v, :g)"),
                 {"l": login, "v": verifier, "g": group})


def drop_login(conn: Connection, prefix: str, login: str) -> None:
    """Drop an account's LOGIN role (its open sessions end), through the account maker."""
    conn.execute(text(f"SELECT public.{drop_function(prefix)}(:l)"), {"l": login})


def set_own_verifier(conn: Connection, login: str, verifier: str) -> None:
    """One's own login's new SCRAM verifier (PostgreSQL lets a role set its own password).
    ALTER ROLE takes no bound parameter: anything but a verifier's form is refused here."""
    if not re.fullmatch(VERIFIER_PATTERN, verifier):
        raise ValueError("not a SCRAM-SHA-256 verifier")
    conn.exec_driver_sql(f"ALTER ROLE {pg_roles.ident(login)} PASSWORD '{verifier}'")
