"""The house server's key slots (issue 22): the table that holds one account's key slot per
row (as ``keyslots.json`` holds them for a vault folder), what makes it, and the SQL that reads
and writes its rows.

Typed functions on a connection the caller holds; ``app.vault.server`` (the unlock, the house
itself), ``app.vault.server_accounts`` (adding, revoking, one's own passphrase) and
``app.vault.move`` keep the rules, the transactions and the audit rows. A slot is handed over
as the JSON text ``KeySlot.to_json`` gives (the key slot's own format is the vault's).

The table is the server's, not part of the vault file's schema (``app.store.schema``): it is
declared here on a metadata of its own, made by :func:`key_slot_statements` with its
row-level security (every login reads only its own row; the administrators' group writes
them).
"""

from __future__ import annotations

from sqlalchemy import (Column, Connection, MetaData, String, Table, Text, delete, func, insert,
                        select, update)

from app.domain.roles import Role
from app.store import pg_roles

#: The server's key-slot table (one row per account; the slot as in ``keyslots.json``).
KEY_SLOTS_TABLE = "server_key_slots"

key_slots = Table(
    KEY_SLOTS_TABLE, MetaData(),
    Column("account", String(64), primary_key=True),
    Column("login_role", String(63), nullable=False, unique=True),
    Column("role", String(32), nullable=False),
    Column("slot", Text, nullable=False),
)


def key_slot_statements(prefix: str = pg_roles.PREFIX) -> list[str]:
    """The server's key-slot table: every login reads only its own row (row-level
    security); the administrators' group writes them."""
    admin = pg_roles.group_role(Role.ADMIN, prefix)
    everyone = ", ".join(pg_roles.group_role(r, prefix) for r in Role)
    return [
        f"CREATE TABLE {KEY_SLOTS_TABLE} (account varchar(64) PRIMARY KEY, "
        "login_role varchar(63) NOT NULL UNIQUE, role varchar(32) NOT NULL, "
        "slot text NOT NULL)",
        f"ALTER TABLE {KEY_SLOTS_TABLE} ENABLE ROW LEVEL SECURITY",
        f"REVOKE ALL ON TABLE {KEY_SLOTS_TABLE} FROM PUBLIC",
        f"GRANT SELECT ON TABLE {KEY_SLOTS_TABLE} TO {everyone}",
        f"GRANT INSERT, UPDATE, DELETE ON TABLE {KEY_SLOTS_TABLE} TO {admin}",
        f"CREATE POLICY own_slot ON {KEY_SLOTS_TABLE} FOR SELECT "
        "USING (login_role = current_user)",
        f"CREATE POLICY admin_slots ON {KEY_SLOTS_TABLE} TO {admin} USING (true)",
    ]


def slot_and_role(conn: Connection, account: str) -> tuple[str, str] | None:
    """``(slot, role)`` of ``account``'s row, or None when the login sees none (row-level
    security shows an account only its own row)."""
    found = conn.execute(select(key_slots.c.slot, key_slots.c.role)
                         .where(key_slots.c.account == account)).first()
    return None if found is None else (str(found[0]), str(found[1]))


def slot_of(conn: Connection, account: str) -> str | None:
    """The slot (JSON text) of ``account``, or None."""
    found = conn.execute(select(key_slots.c.slot)
                         .where(key_slots.c.account == account)).scalar()
    return None if found is None else str(found)


def add_slot(conn: Connection, account: str, login: str, role: str, slot: str) -> None:
    """The row of a new account: its login role, program role and key slot."""
    conn.execute(insert(key_slots).values(account=account, login_role=login, role=role,
                                          slot=slot))


def remove_slot(conn: Connection, account: str) -> str | None:
    """Delete ``account``'s row; the login role it named, or None when there was none."""
    found = conn.execute(delete(key_slots).where(key_slots.c.account == account)
                         .returning(key_slots.c.login_role)).scalar()
    return None if found is None else str(found)


def all_slots(conn: Connection) -> list[tuple[str, str]]:
    """``(account, slot JSON)`` of every row the connection's role sees, by account (the
    migration owner: all of them)."""
    return [(str(a), str(s)) for a, s in conn.execute(
        select(key_slots.c.account, key_slots.c.slot).order_by(key_slots.c.account))]


def replace_slot(conn: Connection, account: str, slot: str) -> None:
    """``account``'s new slot (its passphrase changed); the row's login stays."""
    conn.execute(update(key_slots).where(key_slots.c.account == account).values(slot=slot))


def slot_count(conn: Connection) -> int:
    """How many slot rows the connection's role sees (the migration owner: all)."""
    return int(conn.execute(select(func.count()).select_from(key_slots)).scalar() or 0)
