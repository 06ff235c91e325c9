"""Triage's SQL: the parties asked and their answers, the requests to a source party to widen
its terms (and the terms they widen), and the routing decision with its invitees.

Typed functions on a connection the caller holds; the services keep the rules, the checks,
the audit and the transaction (``app.services.triage``, ``closure``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, RowMapping, delete, func, insert, select, update

from app.store.case_tables import information_items, item_shared_with
from app.store.triage_tables import (routing_decisions, routing_invitees, triage_queries,
                                     widening_requests)
from app.store.versioned import VERSION, guarded_update


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


# -- the parties asked ------------------------------------------------------------------------

def query_rows(conn: Connection, case_id: int, *, versions: bool = False
               ) -> list[RowMapping]:
    """The case's queries, in the order they were asked: the party, the days asked and
    answered and the answer (named: on the house server the information centre's role reads
    these columns only, for the invitation step's answers, ``meetings.invitee_choices``).
    ``versions``: also each query's ``row_version``, the version an answer built on this
    read names (the process director's read, for the triage wizard)."""
    q = triage_queries.c
    columns = [q.id, q.case_id, q.party_id, q.asked_on, q.answered_on, q.answer]
    if versions:
        columns.append(q[VERSION])
    return list(conn.execute(select(*columns).where(q.case_id == case_id)
                             .order_by(triage_queries.c.asked_on, triage_queries.c.id))
                .mappings())


def query_row(conn: Connection, case_id: int, party_id: int) -> RowMapping | None:
    """The case's query to ``party_id``, if it was asked."""
    return conn.execute(select(triage_queries).where(
        triage_queries.c.case_id == case_id,
        triage_queries.c.party_id == party_id)).mappings().first()


def insert_query(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(triage_queries).values(dict(values)))


def update_query(conn: Connection, query_id: int, values: Mapping[str, Any], *,
                 by: str, at: datetime, version: int | None = None) -> None:
    """Write ``values`` into the query, bumping its version (issue 22, point 4).
    ``version``: the version the caller read the query at; saved by another session since,
    ``EditConflict`` names whose save came first and nothing is written. None: no check
    (the version is still bumped, so an answer begun before this write is refused)."""
    guarded_update(conn, triage_queries, triage_queries.c.id == query_id, version, values,
                   by, at)


def delete_unanswered_query(conn: Connection, case_id: int, party_id: int) -> bool:
    """Remove the query to ``party_id`` unless it has an answer; True when one went."""
    gone = conn.execute(delete(triage_queries).where(
        triage_queries.c.case_id == case_id, triage_queries.c.party_id == party_id,
        triage_queries.c.answer.is_(None)))
    return bool(gone.rowcount)


# -- widening the terms -----------------------------------------------------------------------

def widening_rows(conn: Connection, case_id: int) -> list[RowMapping]:
    """The case's requests to widen terms, oldest first."""
    return list(conn.execute(select(widening_requests)
                             .where(widening_requests.c.case_id == case_id)
                             .order_by(widening_requests.c.id)).mappings())


def widening_row(conn: Connection, case_id: int, request_id: int) -> RowMapping | None:
    return conn.execute(select(widening_requests).where(
        widening_requests.c.id == request_id,
        widening_requests.c.case_id == case_id)).mappings().first()


def widening_count(conn: Connection, case_id: int) -> int:
    return int(conn.execute(select(func.count()).select_from(widening_requests).where(
        widening_requests.c.case_id == case_id)).scalar() or 0)


def insert_widening(conn: Connection, values: Mapping[str, Any]) -> int:
    return _new_id(conn.execute(insert(widening_requests).values(dict(values))))


def answer_widening(conn: Connection, request_id: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(widening_requests).where(widening_requests.c.id == request_id)
                 .values(dict(values)))


def has_pending_widening(conn: Connection, item_id: int) -> bool:
    """Whether a request about the item still waits for the source party's answer."""
    return conn.execute(select(widening_requests.c.id).where(
        widening_requests.c.item_id == item_id,
        widening_requests.c.answer.is_(None))).first() is not None


def widen_terms(conn: Connection, item_id: int, pre_meeting_view: bool,
                meeting_screen: bool, added_parties: Iterable[int]) -> None:
    """Set the item's two views and add parties it may be shared with."""
    conn.execute(update(information_items).where(information_items.c.id == item_id)
                 .values(pre_meeting_view=pre_meeting_view, meeting_screen=meeting_screen))
    added = list(added_parties)
    if added:
        conn.execute(insert(item_shared_with), [{"item_id": item_id, "party_id": p}
                                                for p in added])


def confirm_terms(conn: Connection, item_id: int) -> bool:
    """Clear the item's ``terms_to_confirm``; True when it was set."""
    done = conn.execute(update(information_items).where(
        information_items.c.id == item_id, information_items.c.terms_to_confirm.is_(True))
        .values(terms_to_confirm=False))
    return bool(done.rowcount)


# -- the routing decision ---------------------------------------------------------------------

def routing_row(conn: Connection, case_id: int) -> RowMapping | None:
    return conn.execute(select(routing_decisions).where(
        routing_decisions.c.case_id == case_id)).mappings().first()


def routing_invitee_ids(conn: Connection, case_id: int) -> frozenset[int]:
    return frozenset(int(p) for p in conn.execute(
        select(routing_invitees.c.party_id).where(routing_invitees.c.case_id == case_id))
        .scalars())


def insert_routing(conn: Connection, values: Mapping[str, Any],
                   invitees: Iterable[int]) -> None:
    """The case's routing decision and the parties it invites (in the order given)."""
    conn.execute(insert(routing_decisions).values(dict(values)))
    chosen = list(invitees)
    if chosen:
        conn.execute(insert(routing_invitees), [
            {"case_id": values["case_id"], "party_id": p} for p in chosen])


def set_routing_fields(conn: Connection, case_id: int, values: Mapping[str, Any]) -> None:
    """Overwrite fields of the case's routing decision (closure blanks its texts)."""
    conn.execute(update(routing_decisions).where(routing_decisions.c.case_id == case_id)
                 .values(dict(values)))
