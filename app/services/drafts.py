"""The one draft store: half-finished work saved inside the vault, per kind, account and
object.

A wizard or editor that is interrupted (the user locks, the idle lock strikes, the program
is closed) keeps what was typed as a draft, so it comes back after unlocking. Every kind
goes through here (:data:`KINDS`: the intake, the triage, the plan, the closure, the agenda
being prepared and the minutes being typed); the SQL is ``app.store.drafts``.

The rules:

- a draft is its account's own: only the account that wrote it reads, overwrites or
  discards it (the object is a case number or a meeting id, never a name);
- saving is audited as ``draft.save``, opening as ``draft.open`` and discarding as
  ``draft.discard``, with ids only (the kind and the case number or meeting id). The
  minutes being typed are saved every few seconds: their re-saves are not audited, their
  first save, opening and discarding are;
- closing a case (afschaling) and destroying it remove every account's drafts that hold work
  on it (:func:`case_drafts`, :func:`remove_case_drafts`: those named after it, the minutes
  typed while it was the current item, its part of an agenda being prepared); each area
  removes its own draft once the real thing is saved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from app.store import drafts as rows
from app.vault.access import entry_point
from app.vault.vault import OpenVault, utcnow

INTAKE = "intake"
TRIAGE = "triage"
PLAN = "plan"
CLOSURE = "closure"
AGENDA = "agenda_wizard"      # an agenda being prepared (no object: one per account)
MINUTES = "meeting_live"      # the minutes being typed in a meeting (object: the meeting id)
KINDS = (INTAKE, TRIAGE, PLAN, CLOSURE, AGENDA, MINUTES)


@dataclass(frozen=True)
class StoredDraft:
    id: int
    payload: dict[str, Any]
    updated_at: datetime
    object_id: str | None = None


def _loads(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@entry_point
def put(vault: OpenVault, kind: str, object_id: str | None, payload: dict[str, Any],
        detail: dict[str, Any] | None = None, *, title: str | None = None,
        draft_id: int | None = None, several: bool = False, quiet_resave: bool = False,
        conn: Connection | None = None) -> int:
    """Store (or overwrite) this account's draft of ``kind`` for ``object_id``; its id.

    ``draft_id`` overwrites that draft when it is this account's of this kind (else a new
    one is made). ``several``: an account may keep several drafts of the kind without an
    object (new referrals), so one without ``draft_id`` is always new. ``quiet_resave``:
    an overwrite is not audited (the minutes being typed). Inside ``conn`` when given.
    """
    if conn is None:
        with vault.begin() as own:
            return put(vault, kind, object_id, payload, detail, title=title,
                       draft_id=draft_id, several=several, quiet_resave=quiet_resave,
                       conn=own)
    owner = vault.actor.account
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    now = utcnow()
    found = rows.by_id(conn, draft_id, kind, owner) if draft_id is not None else None
    if found is None and (object_id is not None or not several):
        found = rows.mine(conn, kind, owner, object_id)
    title = title if title is not None else (object_id or "")
    if found is None:
        new_id = rows.add(conn, kind, owner, object_id, title, text, now)
    else:
        new_id = found.id
        rows.rewrite(conn, new_id, text, now, object_id=object_id, title=title)
        if quiet_resave:
            return new_id
    vault.log(conn, "draft.save", "draft", new_id,
              detail={"kind": kind, "case": object_id, **(detail or {})})
    return new_id


@entry_point
def get(vault: OpenVault, kind: str, object_id: str | None,
        draft_id: int | None = None) -> StoredDraft | None:
    """This account's draft of ``kind`` for ``object_id`` (or the one with ``draft_id``),
    audited as a read; None when there is none."""
    owner = vault.actor.account
    with vault.read() as conn:
        found = (rows.by_id(conn, draft_id, kind, owner) if draft_id is not None
                 else rows.mine(conn, kind, owner, object_id))
    if found is None:
        return None
    vault.log_now("draft.open", "draft", found.id,
                  detail={"kind": kind, "case": found.object_id})
    return StoredDraft(found.id, _loads(found.payload), found.updated_at, found.object_id)


@entry_point
def drop(vault: OpenVault, kind: str, object_id: str | None, conn: Connection | None = None,
         draft_id: int | None = None) -> bool:
    """Remove this account's draft of ``kind`` for ``object_id`` (or the one with
    ``draft_id``), audited as a discard; inside ``conn`` when given (the save that replaces
    it), else in a transaction of its own. True when there was one."""
    if conn is None:
        with vault.begin() as own:
            return drop(vault, kind, object_id, own, draft_id)
    owner = vault.actor.account
    if draft_id is not None:
        found = rows.by_id(conn, draft_id, kind, owner)
        gone = [] if found is None else [(found.id, found.object_id)]
    else:
        gone = [(i, object_id) for i in rows.ids_of(conn, kind, owner, object_id)]
    for gone_id, gone_object in gone:
        rows.remove(conn, gone_id)
        vault.log(conn, "draft.discard", "draft", gone_id,
                  detail={"kind": kind, "case": gone_object})
    return bool(gone)


def drafts_of_kind(conn: Connection, kind: str, owner: str) -> list[StoredDraft]:
    """``owner``'s drafts of ``kind``, newest first (a list to choose from: not audited as
    an opening; the caller shows no text from them)."""
    return [StoredDraft(r.id, _loads(r.payload), r.updated_at, r.object_id)
            for r in rows.of_kind(conn, kind, owner)]


def remove_for_object(conn: Connection, vault: OpenVault, kind: str, object_id: str) -> int:
    """Remove every account's drafts of ``kind`` for ``object_id`` once the real thing is
    saved (a triage done by one account ends the others' triage drafts of the case),
    audited as discards; returns how many."""
    ids = rows.ids_of(conn, kind, None, object_id)
    for gone in ids:
        rows.remove(conn, gone)
        vault.log(conn, "draft.discard", "draft", gone, detail={"kind": kind,
                                                                "case": object_id})
    return len(ids)


# -- the drafts of a case (closure and destruction) -------------------------------------------

@dataclass(frozen=True)
class CaseDraft:
    """A draft that holds work on the case. ``rewrite``: a draft of more than this case
    (an agenda being prepared), from which only the case's part is taken out."""

    id: int
    kind: str
    owner: str
    object_id: str | None
    rewrite: bool = False

    @property
    def ref(self) -> str:
        """Stable over a re-save (a live draft is written anew every few seconds)."""
        return f"drafts:{self.kind}:{self.owner}:{self.object_id or '-'}"


def _on_agenda(item: Any, case_id: int, number: str) -> bool:
    return isinstance(item, dict) and (item.get("case_id") == case_id
                                       or item.get("case_number") == number)


def case_drafts(conn: Connection, case_id: int, number: str,
                agenda_item_ids: set[int]) -> list[CaseDraft]:
    """Every account's drafts that hold work on the case: those named after it (plan,
    triage, intake, closure and any later kind that uses the case number), the minutes
    being typed in a meeting while one of the case's agenda items (``agenda_item_ids``) is
    the current one, and agendas being prepared with the case on them."""
    found: list[CaseDraft] = []
    for row in rows.every_draft(conn):
        draft = CaseDraft(row.id, row.kind, row.owner, row.object_id)
        if row.kind == MINUTES:
            item = _loads(row.payload).get("item")
            if isinstance(item, int) and item in agenda_item_ids:
                found.append(draft)
        elif row.kind == AGENDA:
            items = _loads(row.payload).get("items") or []
            if any(_on_agenda(i, case_id, number) for i in items):
                found.append(CaseDraft(row.id, row.kind, row.owner, row.object_id, True))
        elif row.object_id in (number, str(case_id)) or row.title == number:
            found.append(draft)
    return found


def remove_case_drafts(conn: Connection, case_id: int, number: str,
                       agenda_item_ids: set[int]) -> int:
    """Remove every draft :func:`case_drafts` finds (an agenda being prepared keeps its other
    cases); returns how many were touched. The closure or destruction audits the case."""
    found = case_drafts(conn, case_id, number, agenda_item_ids)
    by_id = {r.id: r for r in rows.every_draft(conn)} if found else {}
    for draft in found:
        if not draft.rewrite:
            rows.remove(conn, draft.id)
            continue
        payload = _loads(by_id[draft.id].payload)
        payload["items"] = [i for i in payload.get("items") or []
                            if not _on_agenda(i, case_id, number)]
        rows.rewrite(conn, draft.id, json.dumps(payload, ensure_ascii=False, sort_keys=True))
    return len(found)


def remove_for_case(conn: Connection, number: str, case_id: int) -> int:
    """Remove every account's drafts named after a case; returns how many. (Closure and
    destruction use :func:`remove_case_drafts`, which also finds the minutes and agendas.)"""
    ids = rows.named_after(conn, number, case_id)
    for gone in ids:
        rows.remove(conn, gone)
    return len(ids)
