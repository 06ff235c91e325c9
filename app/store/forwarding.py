"""The forwarding queue's SQL (the rows waiting for the house's central log; the table is
declared in ``app.store.forward_tables``, the sender is ``app.vault.forwarding``) and the two
reads of the audit log that the rollback check makes.

Typed functions on a connection the caller holds; the sender keeps the rules (what counts as
delivered, when a row may leave the queue) and the transactions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, select

from app.store.forward_tables import audit_forward_queue
from app.store.tables import audit_log


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
