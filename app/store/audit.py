"""The audit log: append-only and hash-chained (NEN 7513 / BIO logging).

Each row records action, object (type and id: a case number, a subject id, an account name,
never a person's name or case text), result, origin (the workstation), actor, the role acted
in and the time. ``hash`` is SHA-256 over the previous row's hash and this row's fields, so a
changed, removed, reordered or inserted row breaks the chain. The newest row's id and hash
are also kept in ``meta`` (key ``audit_head``) in the same transaction, so cutting rows off
the end is seen too. Triggers in the schema refuse UPDATE and DELETE on the table.
While forwarding to the house's central log is on, each row is also queued for it in the
same transaction (``app.store.forward_tables``, sent by ``app.vault.forwarding``).
"""

from __future__ import annotations

import hashlib
import json
from json.encoder import encode_basestring_ascii
import socket
from dataclasses import dataclass
from datetime import datetime, UTC
from typing import Any
from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, and_, func, or_, select

from app.store import forward_tables
from app.store.tables import audit_log, meta

GENESIS = "0" * 64
HEAD_KEY = "audit_head"

#: The fields that are hashed, in order.
HASHED_FIELDS = ("id", "at", "actor", "role", "action", "object_type", "object_id", "result",
                 "origin", "detail")


def workstation() -> str:
    return socket.gethostname() or "unknown"


def utc_now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


#: ``json.dumps(value, ensure_ascii=True, separators=(",", ":"))`` with its encoder made once
#: (``json.dumps`` with arguments builds a new encoder per call: most of a row's cost).
_ENCODE = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


def row_hash(prev_hash: str, row: Mapping[Any, Any]) -> str:
    payload = _ENCODE([prev_hash] + [row[f] for f in HASHED_FIELDS])
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    action: str
    object_type: str
    object_id: str
    result: str = "ok"
    detail: Mapping[str, Any] | None = None


def _head(conn: Connection) -> tuple[int, str]:
    value = conn.execute(select(meta.c.value).where(meta.c.key == HEAD_KEY)).scalar()
    if not value:
        return 0, GENESIS
    last_id, last_hash = str(value).split(":", 1)
    return int(last_id), last_hash


def append(conn: Connection, *, actor: str, role: str, entry: AuditEntry,
           origin: str | None = None) -> int:
    """Append one row inside the caller's transaction; returns its id."""
    last_id, last_hash = _head(conn)
    row = {
        "id": last_id + 1,
        "at": utc_now_iso(),
        "actor": actor,
        "role": role,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": str(entry.object_id),
        "result": entry.result,
        "origin": origin or workstation(),
        "detail": json.dumps(dict(entry.detail or {}), ensure_ascii=True, sort_keys=True),
    }
    digest = row_hash(last_hash, row)
    conn.execute(audit_log.insert().values(**row, prev_hash=last_hash, hash=digest))
    # queued for the house's central log in the same transaction, when forwarding is on
    forward_tables.enqueue(conn, row, last_hash, digest)
    value = f"{row['id']}:{digest}"
    if last_id == 0 and last_hash == GENESIS and conn.execute(
            select(meta.c.key).where(meta.c.key == HEAD_KEY)).first() is None:
        conn.execute(meta.insert().values(key=HEAD_KEY, value=value))
    else:
        conn.execute(meta.update().where(meta.c.key == HEAD_KEY).values(value=value))
    return last_id + 1


@dataclass(frozen=True)
class ChainProblem:
    row_id: int | None
    what: str


#: The log in chain order: the hashed fields (in ``HASHED_FIELDS`` order), then the links.
_CHAIN_SQL = ("SELECT " + ", ".join(HASHED_FIELDS) + ", prev_hash, hash FROM audit_log "
              "ORDER BY id")
#: Rows fetched per round trip while walking the chain.
CHAIN_BATCH = 20_000


def verify_chain(conn: Connection) -> list[ChainProblem]:
    """Walk the whole log; return every break found (empty when sound).

    The rows come as plain tuples through the DB-API cursor, a large batch at a time, and
    each is hashed with one encoder made once (the same bytes as :func:`row_hash`)."""
    problems: list[ChainProblem] = []
    prev_hash = GENESIS
    expected_id = 1
    encode = _ENCODE
    quote = encode_basestring_ascii
    sha256 = hashlib.sha256
    fields = len(HASHED_FIELDS)
    # The walk and the head below read one snapshot: the transaction begins first (the
    # cursor below runs on the same DB-API connection, inside it).
    last_id, last_hash = _head(conn)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_CHAIN_SQL)
        while batch := cursor.fetchmany(CHAIN_BATCH):
            for row in batch:
                row_id, row_prev, row_digest = row[0], row[fields], row[fields + 1]
                if row_id != expected_id:
                    problems.append(ChainProblem(row_id, f"row id {row_id} where "
                                                         f"{expected_id} was expected"))
                if row_prev != prev_hash:
                    problems.append(ChainProblem(row_id, "previous-hash link broken"))
                texts = row[1:fields]
                if type(row_id) is int and all(type(t) is str for t in texts):
                    # The same text json.dumps makes (a list of an int and ASCII-escaped
                    # strings), written out without building an encoder per row.
                    payload = (f"[{quote(row_prev)},{row_id},"
                               + ",".join(map(quote, texts)) + "]")
                else:
                    payload = encode([row_prev, *row[:fields]])
                if sha256(payload.encode("ascii")).hexdigest() != row_digest:
                    problems.append(ChainProblem(row_id, "row content does not match its "
                                                         "hash"))
                prev_hash = row_digest
                expected_id = row_id + 1
    finally:
        cursor.close()
    if (last_id, last_hash) != (expected_id - 1, prev_hash if expected_id > 1 else last_hash):
        problems.append(ChainProblem(None, "the log's end does not match the recorded head"))
    return problems


# -- reading the log by filter (app.services.audit_log keeps the rules) --------------------------

@dataclass(frozen=True)
class LogFilter:
    """A filter in plain values: the moments as the log stores them (ISO text), the account,
    the action (itself or its sub-actions), the result, a case number (its own rows and rows
    naming it, not the reading of the log), a subject id and a searched-for key."""

    low: str | None = None
    high: str | None = None
    account: str = ""
    action: str = ""
    result: str = ""
    case_number: str = ""
    subject_id: int | None = None
    search_key: str = ""


def _clauses(flt: LogFilter) -> list[Any]:
    clauses: list[Any] = []
    if flt.low:
        clauses.append(audit_log.c.at >= flt.low)
    if flt.high:
        clauses.append(audit_log.c.at < flt.high)
    if flt.account:
        clauses.append(audit_log.c.actor == flt.account)
    if flt.action:
        clauses.append(or_(audit_log.c.action == flt.action,
                           audit_log.c.action.startswith(flt.action + ".", autoescape=True)))
    if flt.result:
        clauses.append(audit_log.c.result == flt.result)
    if flt.case_number:
        clauses.append(or_(and_(audit_log.c.object_type == "case",
                                audit_log.c.object_id == flt.case_number),
                           and_(audit_log.c.object_type != "audit",
                                audit_log.c.detail.contains(json.dumps(flt.case_number),
                                                            autoescape=True))))
    if flt.subject_id is not None:
        clauses.append(and_(audit_log.c.object_type == "subject",
                            audit_log.c.object_id == str(flt.subject_id)))
    if flt.search_key:
        clauses.append(and_(audit_log.c.action == "search",
                            audit_log.c.detail.contains(flt.search_key, autoescape=True)))
    return clauses


def page(conn: Connection, flt: LogFilter, *, before_id: int | None, limit: int) -> list[Any]:
    """Up to ``limit`` matching rows below ``before_id``, newest first."""
    query = select(audit_log).where(*_clauses(flt))
    if before_id is not None:
        query = query.where(audit_log.c.id < before_id)
    return list(conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit)))


def batch_after(conn: Connection, flt: LogFilter, after: int, limit: int) -> list[Any]:
    """Up to ``limit`` matching rows above ``after``, oldest first."""
    return list(conn.execute(select(audit_log).where(*_clauses(flt), audit_log.c.id > after)
                             .order_by(audit_log.c.id).limit(limit)))


def count_matching(conn: Connection, flt: LogFilter) -> int:
    return int(conn.execute(select(func.count()).select_from(audit_log)
                            .where(*_clauses(flt))).scalar_one())


def actors(conn: Connection) -> list[str]:
    """Every account name in the log, sorted."""
    return sorted(str(a) for a in conn.execute(select(audit_log.c.actor).distinct()).scalars())


def case_rows_of_actions(conn: Connection, actions: Iterable[str], *,
                         case_numbers: Iterable[str] | None = None, low: str | None = None,
                         high: str | None = None) -> list[tuple[str, str, str, str, str]]:
    """``(at, actor, action, case number, detail)`` of the successful rows about a case with
    one of ``actions``, oldest first; only ``case_numbers`` and ``low <= at < high`` when
    given."""
    query = (select(audit_log.c.at, audit_log.c.actor, audit_log.c.action,
                    audit_log.c.object_id, audit_log.c.detail)
             .where(audit_log.c.action.in_(list(actions)),
                    audit_log.c.object_type == "case", audit_log.c.result == "ok")
             .order_by(audit_log.c.id))
    if case_numbers is not None:
        query = query.where(audit_log.c.object_id.in_(list(case_numbers)))
    if low is not None:
        query = query.where(audit_log.c.at >= low)
    if high is not None:
        query = query.where(audit_log.c.at < high)
    return [(str(a), str(b), str(c), str(d), str(e)) for a, b, c, d, e in conn.execute(query)]


def rows_about_case(conn: Connection, number: str,
                    actions: Iterable[str]) -> list[tuple[str, str, str, str, str]]:
    """``(at, actor, action, result, detail)`` of every row about case ``number`` with one of
    ``actions`` (any result), oldest first."""
    return [(str(a), str(b), str(c), str(d), str(e)) for a, b, c, d, e in conn.execute(
        select(audit_log.c.at, audit_log.c.actor, audit_log.c.action, audit_log.c.result,
               audit_log.c.detail)
        .where(audit_log.c.object_type == "case", audit_log.c.object_id == number,
               audit_log.c.action.in_(list(actions)))
        .order_by(audit_log.c.id))]


# -- what a restore would undo (app.vault.maintenance keeps the rules) ---------------------------

def rows_between(conn: Connection, after_id: int,
                 before_id: int) -> tuple[list[tuple[str, str]], int]:
    """The ``(action, object id)`` of the successful rows with ``after_id < id <
    before_id`` in order, and how many rows of any result lie there."""
    rows = [(str(a), str(o)) for a, o in conn.execute(
        select(audit_log.c.action, audit_log.c.object_id).where(
            audit_log.c.id > after_id, audit_log.c.id < before_id,
            audit_log.c.result == "ok").order_by(audit_log.c.id))]
    total = int(conn.execute(select(func.count()).select_from(audit_log).where(
        audit_log.c.id > after_id, audit_log.c.id < before_id)).scalar_one())
    return rows, total


def last_row(conn: Connection, before: int | None = None) -> tuple[int, str]:
    """The last row's id and hash (before row ``before``, when given); ``(0, "")`` for none."""
    query = select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id.desc())
    if before is not None:
        query = query.where(audit_log.c.id < before)
    row = conn.execute(query.limit(1)).first()
    return (0, "") if row is None else (int(row[0]), str(row[1]))
