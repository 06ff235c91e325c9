"""The queue of audit rows waiting to be forwarded to the house's central log (issue 17,
point 6; the sender is ``app.vault.forwarding``).

While forwarding is on (``meta`` holds ``forward_collector``), ``app.store.audit.append``
calls ``enqueue`` in the same transaction as the audit row itself, so a row is queued if and
only if it is written: a crash can lose neither without the other. A queued row holds only
the fields that may leave the vault: no ``detail`` (the JSON that can say more than the
object's number), only the row id, the forwarding sequence number, time, actor, role, action,
object type and id (a case number, an account, a subject id), result, workstation and the
row's chain hashes. A row leaves the queue only in the transaction that records it as
delivered (``meta['forward_delivered']``).

``seq`` is the forwarding sequence number: 1, 2, 3 ... without gaps for as long as forwarding
stays on (``meta['forward_seq']`` is the last one given), so a collector sees a gap as a gap.
On the house server the counter and the queue are the house's, one for every workstation:
every role moves the counter (the row-level policy ``forward_position`` of
``app.store.pg_roles``) in the write transaction that holds the house's write lock, so the
numbers stay one line under concurrent writers, as the audit chain does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, Connection, Integer, String, Table, func, select

from app.store.tables import meta, metadata

#: ``HOST:PORT`` of the collector; its presence means forwarding is on
COLLECTOR_KEY = "forward_collector"
#: the last sequence number given to a queued row
SEQ_KEY = "forward_seq"
#: ``seq:row id:hash`` of the last row the collector acknowledged (see the sender)
DELIVERED_KEY = "forward_delivered"

audit_forward_queue = Table(
    "audit_forward_queue", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("audit_id", Integer, nullable=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("action", String(48), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("result", String(16), nullable=False),
    Column("origin", String(128), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

#: the audit row's fields that are forwarded (never ``detail``)
FORWARDED_FIELDS = ("at", "actor", "role", "action", "object_type", "object_id", "result",
                    "origin")


def enqueue(conn: Connection, row: Mapping[str, Any], prev_hash: str, digest: str) -> None:
    """Queue the audit row just inserted, when forwarding is on (caller's transaction)."""
    values = dict(conn.execute(select(meta.c.key, meta.c.value).where(
        meta.c.key.in_((COLLECTOR_KEY, SEQ_KEY)))).all())
    if not values.get(COLLECTOR_KEY):
        return
    # Past the last number given and the last queued (the same number while the counter
    # moves; on a house server whose policies predate the counter's (``casuskamer
    # upgrade`` adds them) the counter stays, and a queued row is never numbered twice).
    queued = conn.execute(select(func.max(audit_forward_queue.c.seq))).scalar()
    seq = max(int(values.get(SEQ_KEY) or 0), int(queued or 0)) + 1
    conn.execute(audit_forward_queue.insert().values(
        seq=seq, audit_id=int(row["id"]), prev_hash=prev_hash, hash=digest,
        **{name: str(row[name]) for name in FORWARDED_FIELDS}))
    if SEQ_KEY in values:
        conn.execute(meta.update().where(meta.c.key == SEQ_KEY).values(value=str(seq)))
    else:
        conn.execute(meta.insert().values(key=SEQ_KEY, value=str(seq)))
