"""Drafts kept per account and object: half-finished work saved inside the vault.

A wizard or editor that is interrupted (the user locks, the idle lock strikes, the program
is closed) keeps what was typed as a draft, one per kind, account and object (a case
number), so it comes back after unlocking. Drafts live only in the vault; their title and
object are case numbers, never names. Closing a case (afschaling) and destroying it remove
every account's drafts of it (:func:`remove_for_case`), and each area removes its own draft
once the real thing is saved.

The intake wizard keeps its own, richer draft list (drafts of referrals without a case
number yet); the triage wizard and the plan editor use these functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from app.store.tables import drafts
from app.vault.vault import OpenVault, utcnow
from app.vault.access import entry_point


@dataclass(frozen=True)
class StoredDraft:
    id: int
    payload: dict[str, Any]
    updated_at: datetime


def _mine(vault: OpenVault, kind: str, object_id: str) -> Any:
    return ((drafts.c.kind == kind) & (drafts.c.owner == vault.actor.account)
            & (drafts.c.object_id == object_id))


@entry_point
def put(vault: OpenVault, kind: str, object_id: str, payload: dict[str, Any],
        detail: dict[str, Any] | None = None) -> int:
    """Store (or overwrite) this account's draft of ``kind`` for ``object_id``; its id."""
    text = json.dumps(payload, ensure_ascii=False)
    now = utcnow()
    with vault.begin() as conn:
        existing = conn.execute(select(drafts.c.id).where(_mine(vault, kind, object_id))
                                ).scalar()
        if existing is None:
            inserted = conn.execute(insert(drafts).values(
                kind=kind, owner=vault.actor.account, object_id=object_id, title=object_id,
                payload=text, updated_at=now)).inserted_primary_key
            assert inserted is not None
            draft_id = int(inserted[0])
        else:
            draft_id = int(existing)
            conn.execute(update(drafts).where(drafts.c.id == draft_id)
                         .values(payload=text, updated_at=now))
        vault.log(conn, "draft.save", "draft", draft_id,
                  detail={"kind": kind, "case": object_id, **(detail or {})})
    return draft_id


@entry_point
def get(vault: OpenVault, kind: str, object_id: str) -> StoredDraft | None:
    """This account's draft of ``kind`` for ``object_id`` (audited as a read), or None."""
    with vault.read() as conn:
        row = conn.execute(select(drafts.c.id, drafts.c.payload, drafts.c.updated_at)
                           .where(_mine(vault, kind, object_id))).first()
    if row is None:
        return None
    vault.log_now("draft.open", "draft", int(row[0]), detail={"kind": kind, "case": object_id})
    return StoredDraft(int(row[0]), json.loads(row[1]), row[2])


def remove_for_case(conn: Connection, number: str, case_id: int) -> int:
    """Remove every account's drafts of a case (when it is closed or destroyed: a draft is
    half-finished work on the case, with its personal data); returns how many."""
    gone = conn.execute(delete(drafts).where(or_(drafts.c.object_id.in_([number, str(case_id)]),
                                                 drafts.c.title == number)))
    return int(gone.rowcount or 0)


@entry_point
def drop(vault: OpenVault, kind: str, object_id: str, conn: Connection | None = None) -> bool:
    """Remove this account's draft; inside ``conn`` when given (the save that replaces it),
    else in a transaction of its own. True when there was one."""
    if conn is None:
        with vault.begin() as own:
            return drop(vault, kind, object_id, own)
    draft_id = conn.execute(select(drafts.c.id).where(_mine(vault, kind, object_id))).scalar()
    if draft_id is None:
        return False
    conn.execute(delete(drafts).where(drafts.c.id == draft_id))
    vault.log(conn, "draft.discard", "draft", int(draft_id),
              detail={"kind": kind, "case": object_id})
    return True
