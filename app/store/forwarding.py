"""The forwarding queue's SQL (the rows waiting for the house's central log; the table is
declared in ``app.store.forward_tables``, the sender is ``app.vault.forwarding``), the two
reads of the audit log that the rollback check makes, and on the house server the lock that
lets one workstation at a time send the house's one queue (:func:`try_send_lock`) and the
move of the delivered head that every role may make (:func:`advance_delivered`).

Typed functions on a connection the caller holds; the sender keeps the rules (what counts as
delivered, when a row may leave the queue) and the transactions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from app.store.forward_tables import DELIVERED_KEY, audit_forward_queue
from app.store.tables import audit_log, meta

#: The house server's transaction-scoped advisory lock of the sender ("ckfwd" as a number,
#: recognisable in ``pg_locks``; not the write lock, so sending never holds up a writer).
SEND_LOCK = int.from_bytes(b"ckfwd", "big")
SERVER_DIALECT = "postgresql"


def try_send_lock(conn: Connection) -> bool:
    """On the house server: take the sender's lock for ``conn``'s transaction if no other
    session holds it (False: another workstation is sending the queue now). A vault file
    has one queue per file and its program's own thread lock: always True there."""
    if conn.dialect.name != SERVER_DIALECT:
        return True
    return bool(conn.exec_driver_sql(
        f"SELECT pg_try_advisory_xact_lock({int(SEND_LOCK)})").scalar())


def advance_delivered(conn: Connection, text: str, may_insert: bool) -> bool:
    """Record ``text`` as the delivered head (``meta``; caller's transaction). The row is
    updated where it exists (on the server every role may: the row-level policy
    ``forward_position``); it is inserted only when ``may_insert`` (on the server: a role
    that manages the settings). Returns whether it was recorded."""
    done = conn.execute(update(meta).where(meta.c.key == DELIVERED_KEY).values(value=text))
    if done.rowcount:
        return True
    if not may_insert:
        return False
    conn.execute(insert(meta).values(key=DELIVERED_KEY, value=text))
    return True


def queued_rows(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` queued rows, in sequence order."""
    return [dict(r) for r in conn.execute(select(audit_forward_queue).order_by(
        audit_forward_queue.c.seq).limit(limit)).mappings()]


def queued_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(
        audit_forward_queue)).scalar_one())


def drop_delivered(conn: Connection, up_to_seq: int) -> None:
    """Take the rows up to ``up_to_seq`` (delivered) off the queue."""
    conn.execute(delete(audit_forward_queue).where(audit_forward_queue.c.seq <= up_to_seq))


def drop_all(conn: Connection) -> int:
    """Empty the queue (forwarding turned off); returns how many rows were in it."""
    dropped = queued_count(conn)
    conn.execute(delete(audit_forward_queue))
    return dropped


def last_audit_id(conn: Connection) -> int:
    """The id of the newest audit row (0: none)."""
    return int(conn.execute(select(func.max(audit_log.c.id))).scalar() or 0)


def audit_hash(conn: Connection, row_id: int) -> str | None:
    """The chain hash of audit row ``row_id``, or None when there is no such row."""
    found = conn.execute(select(audit_log.c.hash).where(audit_log.c.id == row_id)).scalar()
    return None if found is None else str(found)
