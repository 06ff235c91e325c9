"""The accounts' SQL: the ``accounts`` rows (role, creation, passphrase change, revocation)
and the audit rows that tell process directors and administrators of changes to them.

Typed functions on a connection the caller holds; the services keep the checks, the key
slots, the audit and the transaction (``app.services.accounts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from app.store.tables import accounts, audit_log


def rows(conn: Connection) -> list[RowMapping]:
    """Every account, in the order they were added."""
    return list(conn.execute(select(accounts).order_by(accounts.c.id)).mappings().all())


def row(conn: Connection, name: str) -> RowMapping | None:
    return conn.execute(select(accounts).where(accounts.c.name == name)).mappings().first()


def exists(conn: Connection, name: str) -> bool:
    return conn.execute(select(accounts.c.id).where(accounts.c.name == name)).first() is not None


def insert_account(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(accounts).values(dict(values)))


def update_account(conn: Connection, name: str, values: Mapping[str, Any]) -> None:
    conn.execute(update(accounts).where(accounts.c.name == name).values(dict(values)))


def active_with_role(conn: Connection, role: str) -> list[str]:
    """The names of the accounts with ``role`` that are not revoked."""
    return [str(n) for n in conn.execute(select(accounts.c.name).where(
        accounts.c.role == role, accounts.c.revoked_at.is_(None))).scalars()]


# -- the audit rows about accounts ------------------------------------------------------------

def last_row_of(conn: Connection, action: str, actor: str) -> tuple[int, str] | None:
    """``(id, detail)`` of the newest row of ``action`` by ``actor``."""
    found = conn.execute(select(audit_log.c.id, audit_log.c.detail).where(
        audit_log.c.action == action, audit_log.c.actor == actor)
        .order_by(audit_log.c.id.desc()).limit(1)).first()
    return None if found is None else (int(found.id), str(found.detail or ""))


def last_added(conn: Connection, name: str, action: str = "account.add") -> int | None:
    """The newest audit row that added the account ``name``."""
    found = conn.execute(select(audit_log.c.id).where(
        audit_log.c.action == action, audit_log.c.object_type == "account",
        audit_log.c.object_id == name).order_by(audit_log.c.id.desc()).limit(1)).scalar()
    return None if found is None else int(found)


def changes_since(conn: Connection, actions: Iterable[str], after: int,
                  not_by: str) -> list[RowMapping]:
    """The successful audit rows of ``actions`` above row ``after`` not done by ``not_by``,
    oldest first."""
    return list(conn.execute(select(audit_log).where(
        audit_log.c.action.in_(list(actions)), audit_log.c.id > after,
        audit_log.c.result == "ok", audit_log.c.actor != not_by)
        .order_by(audit_log.c.id)).mappings().all())
