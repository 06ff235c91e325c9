"""The case row and its details' SQL: the ``cases`` row (also the tombstone once destroyed),
the problems per life domain, the answers to the criteria, the closure decision and the
figures' tombstone.

Typed functions on a connection the caller holds; the services keep the rules, the checks
and the transaction (``app.services.cases``, ``closure``, ``retention``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import (Connection, RowMapping, String, and_, bindparam, delete, func, insert,
                        or_, select, text, update)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.store.case_tables import (case_search, cases, criteria_answers, information_items,
                                   item_shared_with, life_domain_problems, subjects)
from app.store import dialect as store_dialect
from app.store import sealed
from app.store.pg_roles import ALREADY_KNOWN_FUNCTION
from app.store.convert import inserted_id
from app.store.party_tables import parties
from app.store.personal import personal_columns
from app.store.retention_tables import case_closures, case_tombstones
from app.store.versioned import guarded_update


def case_row(conn: Connection, case_id: int) -> RowMapping | None:
    """The whole ``cases`` row, or None."""
    return conn.execute(select(cases).where(cases.c.id == case_id)).mappings().first()


def main_subjects(conn: Connection, case_ids: Iterable[int]) -> dict[int, str]:
    """``case id -> the main subject's display name`` ("Surname, Given names") from the
    Cases list's table: what a role without the substance reads of a case's people (on the
    house server its role may read that column of ``case_search`` and no other)."""
    ids = list(case_ids)
    if not ids:
        return {}
    return {int(c): str(m or "") for c, m in conn.execute(
        select(case_search.c.case_id, case_search.c.main_subject)
        .where(case_search.c.case_id.in_(ids)))}


def protocol_of(conn: Connection, case_id: int) -> str:
    return str(conn.execute(select(cases.c.protocol).where(cases.c.id == case_id)).scalar())


def set_fields(conn: Connection, case_id: int, values: Mapping[str, Any]) -> None:
    """Write ``values`` (column: value) into the case's row."""
    if values:
        conn.execute(update(cases).where(cases.c.id == case_id).values(dict(values)))


def set_registration(conn: Connection, case_id: int, version: int | None,
                     values: Mapping[str, Any], by: str, at: datetime) -> bool:
    """Rewrite the case's registration as read at ``version`` (``app.store.versioned``):
    written and the version bumped, or ``EditConflict`` when another session saved it
    since (None: no check)."""
    return guarded_update(conn, cases, cases.c.id == case_id, version, values, by, at)


def blank_fields(conn: Connection, case_id: int, columns: Iterable[str]) -> None:
    """Empty the named fields of the case's row (NULL)."""
    set_fields(conn, case_id, {c: None for c in columns})


def mark_destroyed(conn: Connection, case_id: int, personal: Iterable[str], state: str,
                   at: datetime) -> None:
    """What destruction leaves of the row: the personal fields emptied, the state and the
    moment set (the rest is the tombstone)."""
    set_fields(conn, case_id, {**{name: None for name in personal}, "state": state,
                               "destroyed_at": at, "updated_at": at})


# -- life domains ----------------------------------------------------------------------------

def life_domain_rows(conn: Connection, case_id: int) -> list[tuple[int, str]]:
    """``(id, domain)`` of the case's problems per life domain, in the order stored."""
    return [(int(i), str(d)) for i, d in conn.execute(
        select(life_domain_problems.c.id, life_domain_problems.c.domain)
        .where(life_domain_problems.c.case_id == case_id)
        .order_by(life_domain_problems.c.id))]


def delete_life_domains(conn: Connection, case_id: int, ids: Iterable[int]) -> None:
    conn.execute(delete(life_domain_problems).where(
        life_domain_problems.c.case_id == case_id, life_domain_problems.c.id.in_(list(ids))))


# -- criteria --------------------------------------------------------------------------------

def criteria_motivations(conn: Connection, case_id: int) -> list[tuple[str, str]]:
    """``(criterion, motivation)`` of the case's answers."""
    return [(str(c), str(m or "")) for c, m in conn.execute(
        select(criteria_answers.c.criterion, criteria_answers.c.motivation)
        .where(criteria_answers.c.case_id == case_id))]


def clear_motivations(conn: Connection, case_id: int, criteria: Iterable[str]) -> None:
    conn.execute(update(criteria_answers).where(
        criteria_answers.c.case_id == case_id,
        criteria_answers.c.criterion.in_(list(criteria))).values(motivation=""))


# -- the closure record and the tombstone -------------------------------------------------------

def write_closure_record(conn: Connection, case_id: int, values: Mapping[str, Any]) -> None:
    """The closure decision of the case (replacing an earlier one)."""
    conn.execute(delete(case_closures).where(case_closures.c.case_id == case_id))
    conn.execute(insert(case_closures).values(case_id=case_id, **dict(values)))


def closure_record(conn: Connection, case_id: int) -> RowMapping | None:
    return conn.execute(select(case_closures).where(case_closures.c.case_id == case_id)
                        ).mappings().first()


def retention_starts(conn: Connection, case_id: int) -> Any:
    """The day the closed case's retention started (as stored), or None."""
    return conn.execute(select(case_closures.c.retention_starts).where(
        case_closures.c.case_id == case_id)).scalar()


def has_tombstone(conn: Connection, case_id: int) -> bool:
    return conn.execute(select(case_tombstones.c.case_id).where(
        case_tombstones.c.case_id == case_id)).first() is not None


def write_tombstone(conn: Connection, values: Mapping[str, Any], *,
                    replace: bool = True) -> None:
    """The figures' tombstone of a case (``values`` holds its ``case_id``); an earlier one is
    replaced: one upsert (``INSERT ... ON CONFLICT (case_id) DO UPDATE``) that sets every
    column but ``case_id`` to the given value (NULL when not given: the table has no
    defaults), so the row is the same as after a delete and an insert. On the house server
    the work roles may insert a tombstone and update every column but its ``case_id``, never
    delete it (``app.store.pg_roles``)."""
    row = dict(values)
    if not replace:
        conn.execute(insert(case_tombstones).values(**row))
        return
    upsert = (sqlite_insert if store_dialect.is_sqlite(conn) else pg_insert)(
        case_tombstones).values(**row)
    conn.execute(upsert.on_conflict_do_update(
        index_elements=[case_tombstones.c.case_id],
        set_={c.name: row.get(c.name) for c in case_tombstones.c if c.name != "case_id"}))


def mark_tombstone_destroyed(conn: Connection, case_id: int, on: date) -> None:
    conn.execute(update(case_tombstones).where(case_tombstones.c.case_id == case_id)
                 .values(destroyed_on=on))


def tombstones_ended_between(conn: Connection, start: date, end: date) -> list[RowMapping]:
    """The tombstones of the cases that ended between ``start`` and ``end`` (inclusive); on
    the house server through the figures' view of them (no case id or number: the manager's
    role reads only the figures' views, ``app.store.pg_roles.FIGURES_VIEW_SQL``)."""
    if sealed.on_server(conn):
        return list(conn.execute(text(
            "SELECT * FROM figures_tombstones WHERE ended_on >= :start AND ended_on <= :end"),
            {"start": start, "end": end}).mappings().all())
    return list(conn.execute(select(case_tombstones).where(
        case_tombstones.c.ended_on >= start, case_tombstones.c.ended_on <= end)
    ).mappings().all())


def number_protocol_state(conn: Connection, case_id: int) -> tuple[str, str, str] | None:
    row = conn.execute(select(cases.c.number, cases.c.protocol, cases.c.state)
                       .where(cases.c.id == case_id)).first()
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]))


def cases_in_states(conn: Connection, states: Iterable[str]) -> list[tuple[int, str, str, str]]:
    """``(id, number, protocol, state)`` of the cases in ``states``, newest number first."""
    return [(int(i), str(n), str(p), str(s)) for i, n, p, s in conn.execute(
        select(cases.c.id, cases.c.number, cases.c.protocol, cases.c.state)
        .where(cases.c.state.in_(list(states)))
        .order_by(cases.c.number_year.desc(), cases.c.number_seq.desc()))]


def protocol_and_state(conn: Connection, case_id: int) -> tuple[str, str] | None:
    row = conn.execute(select(cases.c.protocol, cases.c.state)
                       .where(cases.c.id == case_id)).first()
    return None if row is None else (str(row[0]), str(row[1]))


def states_of(conn: Connection, case_ids: Iterable[int]) -> dict[int, str]:
    """Case id -> state."""
    return {int(i): str(s) for i, s in conn.execute(
        select(cases.c.id, cases.c.state).where(cases.c.id.in_(list(case_ids))))}


def highest_ids(conn: Connection) -> tuple[int, int]:
    """The highest case id and information item id so far (0 when none)."""
    case_id = conn.execute(select(func.max(cases.c.id))).scalar()
    item_id = conn.execute(select(func.max(information_items.c.id))).scalar()
    return int(case_id or 0), int(item_id or 0)


def highest_sequence(conn: Connection, year: int) -> int:
    """The highest case number sequence of ``year`` so far (0 when none)."""
    return int(conn.execute(select(func.max(cases.c.number_seq)).where(
        cases.c.number_year == year)).scalar() or 0)


def ids_by_number(conn: Connection) -> dict[str, int]:
    """Case number -> id, for every case (destroyed ones too)."""
    return {str(n): int(i) for n, i in conn.execute(select(cases.c.number, cases.c.id))}


# -- finding a case, creating and changing its row ----------------------------------------------

def id_if_exists(conn: Connection, case_id: int) -> int | None:
    """``case_id`` when a case has that id (None otherwise)."""
    found = conn.execute(select(cases.c.id).where(cases.c.id == case_id)).scalar()
    return None if found is None else int(found)


def id_by_number(conn: Connection, number: str) -> int | None:
    """The id of the case numbered ``number`` exactly as stored (None when none is)."""
    found = conn.execute(select(cases.c.id).where(cases.c.number == number)).scalar()
    return None if found is None else int(found)


def number_of(conn: Connection, case_id: int) -> str:
    """The case's number (``NoResultFound`` when there is no such case)."""
    return str(conn.execute(select(cases.c.number).where(cases.c.id == case_id)).scalar_one())


def state_and_number(conn: Connection, case_id: int) -> tuple[str, str] | None:
    row = conn.execute(select(cases.c.state, cases.c.number)
                       .where(cases.c.id == case_id)).first()
    return None if row is None else (str(row[0]), str(row[1]))


def row_with_party_name(conn: Connection, case_id: int) -> RowMapping | None:
    """The whole ``cases`` row with the referring party's name as ``party_name`` (None when
    the party is gone), or None."""
    return conn.execute(
        select(cases, parties.c.name.label("party_name"))
        .select_from(cases.outerjoin(parties, parties.c.id == cases.c.referring_party_id))
        .where(cases.c.id == case_id)).mappings().first()


def insert_row(conn: Connection, values: Mapping[str, Any]) -> int:
    """A new ``cases`` row; its id."""
    return inserted_id(conn.execute(insert(cases).values(dict(values))))


def set_first_time(conn: Connection, case_id: int, column: str, at: datetime) -> None:
    """Set the timestamp ``column`` of the case to ``at`` unless it was set before."""
    conn.execute(update(cases).where(and_(cases.c.id == case_id, cases.c[column].is_(None)))
                 .values({column: at}))


def external_refs_among(conn: Connection, refs: Iterable[str]) -> set[str]:
    """Which of ``refs`` a case already carries as its external reference (asked 500 at a
    time, under SQLite's limit of bound values)."""
    wanted = sorted(set(refs))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found.update(str(r) for r in conn.execute(
            select(cases.c.external_ref).where(cases.c.external_ref.in_(chunk))).scalars())
    return found


def states_of_numbers(conn: Connection, numbers: Iterable[str]) -> dict[str, str]:
    """Case number -> state, for those of ``numbers`` that exist."""
    return {str(n): str(s) for n, s in conn.execute(
        select(cases.c.number, cases.c.state).where(cases.c.number.in_(list(numbers))))}


# -- the case's details: life domains, criteria, the Cases table's search row -------------------

def life_domain_problems_of(conn: Connection, case_id: int) -> list[tuple[str, str]]:
    """``(domain, description)`` of the case's problems per life domain, in the order stored."""
    return [(str(d), str(t)) for d, t in conn.execute(
        select(life_domain_problems.c.domain, life_domain_problems.c.description)
        .where(life_domain_problems.c.case_id == case_id)
        .order_by(life_domain_problems.c.id))]


def replace_life_domains(conn: Connection, case_id: int,
                         problems: Iterable[tuple[str, str]], *, fresh: bool = False) -> None:
    """The case's problems per life domain, ``(domain, description)``, replacing earlier
    (``fresh``: a case made in this transaction: nothing to delete)."""
    if not fresh:
        conn.execute(delete(life_domain_problems)
                     .where(life_domain_problems.c.case_id == case_id))
    rows = [{"case_id": case_id, "domain": d, "description": t} for d, t in problems]
    if rows:
        conn.execute(insert(life_domain_problems), rows)


def criteria_rows(conn: Connection, case_id: int) -> list[tuple[str, bool, str]]:
    """``(criterion, answer, motivation)`` of the case's answered criteria (unordered)."""
    return [(str(c), bool(a), str(m)) for c, a, m in conn.execute(
        select(criteria_answers.c.criterion, criteria_answers.c.answer,
               criteria_answers.c.motivation).where(criteria_answers.c.case_id == case_id))]


def replace_criteria(conn: Connection, case_id: int,
                     rows: Iterable[Mapping[str, Any]]) -> None:
    """The case's answers to the criteria (``criteria_answers`` rows), replacing earlier."""
    conn.execute(delete(criteria_answers).where(criteria_answers.c.case_id == case_id))
    rows = [dict(r) for r in rows]
    if rows:
        conn.execute(insert(criteria_answers), rows)


def replace_search_row(conn: Connection, case_id: int, values: Mapping[str, Any], *,
                       fresh: bool = False) -> None:
    """The Cases table's row text of the case (``case_search``), replacing the earlier one
    (``fresh``: a case made in this transaction: nothing to delete)."""
    if not fresh:
        conn.execute(delete(case_search).where(case_search.c.case_id == case_id))
    conn.execute(insert(case_search), [dict(values)])


def delete_search_row(conn: Connection, case_id: int) -> None:
    conn.execute(delete(case_search).where(case_search.c.case_id == case_id))


def forget_details(conn: Connection, case_id: int) -> None:
    """Leave only the tombstone's row: the case's items (with whom they were shared), criteria,
    life domains, search row and subjects go, and the row's fields declared personal
    (``app.store.case_tables``) are emptied."""
    conn.execute(delete(item_shared_with).where(item_shared_with.c.item_id.in_(
        select(information_items.c.id).where(information_items.c.case_id == case_id))))
    for table in (information_items, criteria_answers, life_domain_problems, case_search,
                  subjects):
        conn.execute(delete(table).where(table.c.case_id == case_id))
    blank_fields(conn, case_id, personal_columns(cases))


def with_subject(conn: Connection, *, bsn: str | None = None,
                 surname_key: str | None = None, birth_date: date | None = None,
                 exclude_number: str | None = None
                 ) -> list[tuple[str, str, date, datetime | None]]:
    """``(number, state, received, closed_at)`` of the cases not destroyed with a subject of
    this BSN, or of this folded surname with this birth date (either that is given), newest
    received first; none when neither is given."""
    if not bsn and not (surname_key and birth_date is not None):
        return []
    if sealed.on_server(conn):
        return _with_subject_on_server(conn, bsn, surname_key, birth_date, exclude_number)
    conditions = []
    if bsn:
        conditions.append(subjects.c.bsn == bsn)
    if surname_key and birth_date is not None:
        conditions.append(sealed.pair_equals(conn, subjects.c.surname_key, surname_key,
                                             birth_date))
    query = (select(cases.c.number, cases.c.state, cases.c.received, cases.c.closed_at)
             .distinct().join(subjects, subjects.c.case_id == cases.c.id)
             .where(or_(*conditions), cases.c.state != CaseState.DESTROYED.value)
             .order_by(cases.c.received.desc(), cases.c.number.desc()))
    if exclude_number:
        query = query.where(cases.c.number != exclude_number)
    return [(str(n), str(s), r, c) for n, s, r, c in conn.execute(query)]


def fill_pending_lookup_indexes(conn: Connection) -> int:
    """On the house server: the subjects' index over the surname and the birth date that
    migration 0018 could not compute (no data key), computed under the session's key
    (``sealed.fill_pending_pair_indexes``); the rows filled (0 in the vault file)."""
    return sealed.fill_pending_pair_indexes(conn, [subjects])


def has_pending_lookup_indexes(conn: Connection) -> bool:
    """Whether :func:`fill_pending_lookup_indexes` has work (a read; False in the vault
    file)."""
    return sealed.has_pending_pair_indexes(conn, [subjects])


def _with_subject_on_server(conn: Connection, bsn: str | None, surname_key: str | None,
                            birth_date: date | None, exclude_number: str | None
                            ) -> list[tuple[str, str, date, datetime | None]]:
    """:func:`with_subject` on the house server: through the server's function over the
    blind indexes (``app.store.pg_roles.already_known_statements``), so that a role that may
    not read the subjects (the information centre) gets the same answer; the blind indexes
    (the BSN's; the one over the folded surname and the birth date, ``sealed.PairIndex``)
    are computed here under the session's data key."""
    plain = sealed.plain_type(subjects.c.bsn.type)
    both = bool(surname_key) and birth_date is not None
    query = text(f"SELECT number, state, received, closed_at FROM "
                 f"{ALREADY_KNOWN_FUNCTION}(:bsn, :pair, :exclude)").bindparams(
        bindparam("bsn", bsn or None, type_=sealed.BlindIndex(plain, "subjects", "bsn")),
        bindparam("pair", (surname_key, birth_date) if both else None,
                  type_=sealed.PairIndex()),
        bindparam("exclude", exclude_number, type_=String()))
    return [(str(n), str(s), r, c) for n, s, r, c in conn.execute(query)]


# -- the Cases table's listing (app.services.cases.list_cases) -------------------------------

#: The Cases table's columns per case, newest number first: migration 0008's covering
#: index answers it without reading the wide ``cases`` rows (every page SQLCipher reads is
#: decrypted), and what the table shows and searches per case comes from the narrow
#: ``case_search`` table by its key in the same statement (in list order, so no dictionary
#: of 100,000 entries is built to join them in Python). The protocol and the state come as
#: their position in ``LIST_PROTOCOLS`` and ``LIST_STATES``: small whole numbers, of which
#: Python keeps one object each, where a text per case took about 13 MB at 100,000 listed
#: (issue 23, memory with 100,000 listed).
LIST_PROTOCOLS = tuple(Protocol)
LIST_STATES = tuple(CaseState)


def _position_in(column: str, values: Iterable[str]) -> str:
    """SQL for the position of ``column``'s value among ``values`` (NULL for another)."""
    return "CASE {} {} END".format(
        column, " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values)))


_PROTOCOL_AT = _position_in("c.protocol", (p.value for p in LIST_PROTOCOLS))
_STATE_AT = _position_in("c.state", (s.value for s in LIST_STATES))
LIST_SQL = """
    SELECT c.id, c.number, """ + _PROTOCOL_AT + ", " + _STATE_AT + """,
           c.referring_party_id, c.received, cs.main_subject, cs.search_key
      FROM cases c LEFT JOIN case_search cs ON cs.case_id = c.id
     WHERE {where}
     ORDER BY c.number_year DESC, c.number_seq DESC"""

#: The date a case's plan (one per case) names for the next meeting, where it names one.
PLANNED_SQL = "SELECT case_id, next_meeting FROM plans WHERE next_meeting IS NOT NULL"

#: The open actions with their case and due date, from migration 0008's partial index of
#: open actions (the same condition), so the many done actions of years of work are never
#: touched; each action's plan found by its key. Counted per case in Python: SQLite's
#: ``GROUP BY`` over them took fifteen times as long as reading them. (Reading every plan
#: to map plan to case in Python instead took twice as long as this join, statement and
#: dictionaries together: issue 23, the query mix.)
OPEN_ACTIONS_SQL = """
    SELECT pl.case_id, a.due FROM plan_actions a JOIN plans pl ON pl.id = a.plan_id
     WHERE a.status IN ('open', 'in_progress')"""

#: The coming meetings each case is on the agenda of, latest first: from the few coming
#: meetings (``CROSS JOIN`` keeps that order; ``starts_at >= today`` compares ISO texts, the
#: same as ``date(starts_at) >= today`` but answered by the index on ``starts_at``, which
#: also gives the order without a sort) to their agenda. ``dict()`` over these rows keeps
#: the last, i.e. the earliest coming meeting per case (its moment: the day is its first
#: ten characters). No ``GROUP BY`` or ``date()``: SQLite's sorter and a text made per row
#: are allocations, and under SQLCipher's ``cipher_memory_security`` every allocation is
#: locked and wiped (two system calls each): that made this statement about ten times as
#: slow as on plain SQLite (issue 23).
NEXT_MEETING_SQL = """
    SELECT ai.case_id, m.starts_at
      FROM meetings m CROSS JOIN agenda_items ai ON ai.meeting_id = m.id
     WHERE m.starts_at >= :today AND m.state != 'finished'
     ORDER BY m.starts_at DESC"""


#: The same for a few cases: from their agenda items to the meetings.
NEXT_MEETING_OF_SQL = """
    SELECT ai.case_id, m.starts_at
      FROM agenda_items ai CROSS JOIN meetings m ON m.id = ai.meeting_id
     WHERE ai.case_id IN {only} AND m.starts_at >= :today AND m.state != 'finished'
     ORDER BY m.starts_at DESC"""


#: Page cache of the connection that loads the Cases table (KiB, as SQLite's negative
#: ``cache_size``): enough to keep what the list, a case, the search and the open actions
#: read at 100,000 listed cases (about 96 MB of SQLite's memory) decrypted between two
#: reads. At 64 MB the open actions pushed the list's pages out and each call decrypted
#: them again (issue 23, the query mix). Only pages read take memory: loading the Cases
#: table alone holds about 37 MB; the pages go when the vault locks.
LIST_CACHE_KIB = 131_072


def listing(conn: Connection, where: str, params: Mapping[str, Any],
            limit: int | None, *, search_keys: bool = True,
            cache_kib: int = LIST_CACHE_KIB) -> list[tuple[Any, ...]]:
    """``(id, number, protocol, state, referring party id, received, main subject, search
    key)`` (protocol and state as their position in ``LIST_PROTOCOLS`` and
    ``LIST_STATES``) of the cases ``where`` selects (a condition on ``c`` = cases, ``cs`` =
    case_search, with ``params``), newest number first, the first ``limit`` when given.
    Without ``search_keys`` the search key is None (it holds names and BSNs: a role without
    the substance may not read it on the house server).
    ``cache_kib``: the connection's page cache for this read (``LIST_CACHE_KIB`` keeps the
    pages for the reads that follow; a one-off read of every case keeps little).
    Straight through the DB-API cursor: plain tuples, no per-row ORM or type work."""
    cursor = store_dialect.cursor(conn)  # SQLite's own; the server's alike
    try:
        store_dialect.widen_page_cache(conn, cache_kib)
        sql = _listing_sql(where, limit, search_keys)
        return list(cursor.execute(sql, dict(params)).fetchall())
    finally:
        cursor.close()


def _listing_sql(where: str, limit: int | None, search_keys: bool) -> str:
    sql = LIST_SQL.format(where=where)
    if not search_keys:
        sql = sql.replace("cs.search_key", "NULL")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql


def listing_batches(conn: Connection, where: str, params: Mapping[str, Any],
                    limit: int | None, *, search_keys: bool = True,
                    cache_kib: int = LIST_CACHE_KIB,
                    size: int = 4_096) -> Iterator[list[tuple[Any, ...]]]:
    """:func:`listing`'s tuples in batches of ``size``, for a caller that keeps them in
    another shape: the tuples of 100,000 cases are never alive at once (issue 23, the
    peak memory of the Cases table). Read them all before the next statement."""
    cursor = store_dialect.cursor(conn)
    try:
        store_dialect.widen_page_cache(conn, cache_kib)
        sql = _listing_sql(where, limit, search_keys)
        cursor.execute(sql, dict(params))
        while batch := cursor.fetchmany(size):
            yield batch
    finally:
        cursor.close()


def listing_extras(conn: Connection, only: Iterable[int] | None, today: str
                   ) -> tuple[dict[int, Any], list[tuple[Any, ...]], dict[int, str],
                              dict[int, str]]:
    """What the Cases table shows beside each case, for the cases ``only`` (every case when
    None): the date each case's plan names for the next meeting ``case id -> day`` (where
    it names one), the open actions ``(case id, due)``, the first coming meeting per case
    (its moment, as ISO text: the day is its first ten characters), and the parties'
    names."""
    # (NULL) for none: SQLite's "IN ()" is no SQL on the server, and means the same
    ids = None if only is None else "({})".format(",".join(str(int(i)) for i in only)
                                                  or "NULL")
    on_day = {"today": today}
    cursor = store_dialect.cursor(conn)
    try:
        planned_of = {case_id: planned for case_id, planned in cursor.execute(
            PLANNED_SQL + (f" AND case_id IN {ids}" if ids else "")).fetchall() if planned}
        open_actions = list(cursor.execute(
            OPEN_ACTIONS_SQL + (f" AND pl.case_id IN {ids}" if ids else "")).fetchall())
        meeting_of = dict(cursor.execute(
            NEXT_MEETING_OF_SQL.format(only=ids) if ids else NEXT_MEETING_SQL,
            on_day).fetchall())
        party_names = dict(cursor.execute("SELECT id, name FROM parties").fetchall())
    finally:
        cursor.close()
    return planned_of, open_actions, meeting_of, party_names
