"""The follow-up's SQL: the open actions of open cases across every plan, and the due dates
the notice at unlock counts.

Both are hot paths (thousands of rows, every unlock), so both run as one statement each and
hand back plain tuples; the service keeps the rules (what counts as open, overdue, soon).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from app.store import dialect

#: Open actions of open cases with their party and note count, soonest due first (no date
#: last; then case number and party: ISO dates and texts sort in SQLite as in Python), in
#: one statement through the DB-API cursor (plain tuples: no per-row type processing; the
#: partial index of open actions and the notes' index on ``action_id`` answer it).
_OPEN_SQL = """
    SELECT c.id, c.number, a.key, a.party_id, p.name, a.description, a.owner, a.due, a.status,
           (SELECT count(*) FROM plan_action_notes n WHERE n.action_id = a.id)
      FROM plan_actions a
      JOIN plans pl ON pl.id = a.plan_id
      JOIN cases c ON c.id = pl.case_id
      JOIN parties p ON p.id = a.party_id
     WHERE a.status IN ({statuses}) AND c.state IN ({states}){more}"""


def _soonest_first(row: tuple[Any, ...]) -> tuple[bool, str, str, str]:
    """Soonest due first, no date last, then case number and party name (ISO dates and
    texts in code-point order: as SQLite's ORDER BY compared them). Sorted in Python:
    SQLCipher's sorter made the statement about twice as slow as on plain SQLite, the
    statement without it runs as fast (issue 23, the query mix)."""
    due = row[7]
    return (due is None, str(due or ""), str(row[1]), str(row[4] or ""))


def _listed(values: Iterable[str]) -> str:
    return ",".join(f"'{v}'" for v in values)


def open_action_rows(conn: Connection, statuses: Iterable[str], states: Iterable[str],
                     party_id: int | None = None,
                     case_id: int | None = None) -> list[tuple[Any, ...]]:
    """``(case id, number, action key, party id, party name, description, owner, due (ISO
    text), status, notes)`` of the actions in ``statuses`` of cases in ``states``."""
    more = ""
    params: dict[str, Any] = {}
    if party_id is not None:
        more += " AND a.party_id = :party_id"
        params["party_id"] = int(party_id)
    if case_id is not None:
        more += " AND c.id = :case_id"
        params["case_id"] = int(case_id)
    sql = _OPEN_SQL.format(statuses=_listed(statuses), states=_listed(states), more=more)
    cursor = dialect.cursor(conn)
    try:
        rows = list(cursor.execute(sql, params).fetchall())
    finally:
        cursor.close()
    # _soonest_first's order with C-level keys (no Python call per row): the dated ones by
    # due date, case number and party name, then the undated ones by number and party.
    # Dates are ISO texts and the number and the party's name (never NULL) texts on both
    # engines. Three stable sorts on one text each, the last key first: each compares
    # plain texts, which Python's sort does with its fast path for one type of key (a
    # third less time than one sort on (due, number, party) tuples at 22,000 actions).
    rows.sort(key=itemgetter(4))
    rows.sort(key=itemgetter(1))
    dated = [r for r in rows if r[7] is not None]
    undated = [r for r in rows if r[7] is None] if len(dated) < len(rows) else []
    dated.sort(key=itemgetter(7))
    return dated + undated


def open_due_by(conn: Connection, statuses: Iterable[str], states: Iterable[str],
                last_day: date) -> list[tuple[int, Any]]:
    """``(case id, due)`` of the actions in ``statuses`` due on or before ``last_day`` in
    cases in ``states``.

    This runs at every unlock: only ids and dates, each from a narrow index (cases by
    state, plans by case, the open actions' partial index of migration 0008), instead
    of every open action's row with its text (half a second at 100,000 cases). Dates are
    stored as ISO text and compared as text, in the order of the days.
    """
    open_plans = (f"SELECT p.id, p.case_id FROM plans p WHERE p.case_id IN "
                  f"(SELECT c.id FROM cases c WHERE c.state IN ({_listed(states)}))")
    cursor = dialect.cursor(conn)
    try:
        case_of: dict[int, int] = dict(cursor.execute(open_plans).fetchall())
        dated = cursor.execute(f"""
            SELECT a.plan_id, a.due FROM plan_actions a
             WHERE a.status IN ({_listed(statuses)}) AND a.due IS NOT NULL AND a.due <= ?
               AND a.plan_id IN (SELECT id FROM ({open_plans}) AS open_plans)""",
            (last_day.isoformat(),)).fetchall()
    finally:
        cursor.close()
    return [(case_of[plan_id], due) for plan_id, due in dated]
