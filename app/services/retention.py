"""Retention and destruction as use cases: the period per protocol, which cases are due, and
destroying them so that nothing of them remains in the file.

Public API:

- :func:`retention_periods` / :func:`set_retention_period`: the settings (the administrator
  sets a period per protocol; until then the default shows as not yet confirmed).
- :func:`destruction_date` (inside a caller's connection): when a case will be destroyed.
- :func:`purge_due` ``(vault, today=None) -> list[str]``: destroy every case whose period has
  passed and return their case numbers. Called at every unlock (wired by the shell through
  the vault's ``after_unlock``) and by ``casuskamer purge --vault D --due``. Any account may
  trigger it: it is the house's duty, not a choice, and it is audited as ``case.destroy``
  per case (the case number only) and ``retention.purge``.

Destroying a case removes every row that hangs off it (found through the foreign keys of
every area's tables, so a table added later is covered without touching this module),
empties the personal fields of the ``cases`` row, removes every draft that holds work on it
(``app.services.tombstones.case_drafts``: those named after it, the minutes being typed while it
was the current item, its part of an agenda being prepared), completes
its tombstone, and then compacts the file: ``PRAGMA wal_checkpoint(TRUNCATE)``, ``VACUUM``
and a second checkpoint, so that no freed page and no WAL frame still holds the data
(``secure_delete`` is on from the vault's first day as well).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table

import app.store.schema  # noqa: F401  (every area's tables: destruction must see them all)
from app.domain.lifecycle import CaseState, TransitionFacts, transition
from app.domain.protocols import Protocol
from app.domain.retention import (
    RetentionPeriod,
    add_months,
    check_months,
    default_period,
    destroy_on,
    ended_on,
)
from app.domain.roles import Permission
from app.errors import VaultInUse
from app.i18n import _
from app.store.case_tables import cases
from app.store import cases as case_rows
from app.store.convert import as_date
from app.store.personal import personal_columns
from app.services.tombstones import remove_case_drafts, tombstone_values
from app.store import retention as retention_rows
from app.vault.vault import OpenVault, utcnow
from app.vault.access import entry_point

#: Fields of the ``cases`` row that can hold personal data (as declared next to the table,
#: ``app.store.case_tables``); emptied at destruction. The rest (number, protocol, state,
#: dates, outcome, the referring party and its type, the accounts that acted) is the
#: tombstone.
PERSONAL_CASE_FIELDS = personal_columns(cases)

#: Tables that stay when a case is destroyed (they hold nothing personal).
KEPT_TABLES = frozenset({"case_tombstones"})


# -- settings -------------------------------------------------------------------------------

def period_for(conn: Connection, protocol: Protocol) -> RetentionPeriod:
    row = retention_rows.period_row(conn, protocol.value)
    if row is None:
        return default_period(protocol)
    return RetentionPeriod(protocol, int(row["months"]), True, row["set_by"], row["set_at"])


def retention_periods_now(conn: Connection) -> dict[Protocol, RetentionPeriod]:
    return {p: period_for(conn, p) for p in Protocol}


@entry_point
def retention_periods(vault: OpenVault) -> list[RetentionPeriod]:
    """The period per protocol (no personal data: any account may read it)."""
    with vault.read() as conn:
        return list(retention_periods_now(conn).values())


@entry_point
def set_retention_period(vault: OpenVault, protocol: Protocol, months: int) -> RetentionPeriod:
    """Set (and so confirm) the period for ``protocol``; zero or less is refused."""
    vault.require(Permission.MANAGE_SETTINGS, "retention", str(protocol))
    check_months(months)
    protocol = Protocol(protocol)
    now = utcnow()
    with vault.begin() as conn:
        before = period_for(conn, protocol)
        retention_rows.set_period(conn, protocol.value, months, vault.actor.account, now)
        vault.log(conn, "retention.set", "retention", protocol.value, detail={
            "months": months, "before": before.months, "was_default": not before.confirmed})
    return RetentionPeriod(protocol, months, True, vault.actor.account, now)


# -- when ------------------------------------------------------------------------------------



def _ended_on(conn: Connection, row: Any) -> date | None:
    state = CaseState(row["state"])
    if state is CaseState.CLOSED:
        starts = case_rows.retention_starts(conn, int(row["id"]))
        if starts is not None:
            return as_date(starts)
    return ended_on(state, closed_at=row["closed_at"],
                    intake_decided_at=row["intake_decided_at"],
                    triage_done_at=row["triage_done_at"])


def destruction_date(conn: Connection, case_id: int) -> date | None:
    """The day the case is (or was) due for destruction; None while it is still open."""
    row = case_rows.case_row(conn, case_id)
    if row is None:
        return None
    if row["state"] == CaseState.DESTROYED.value:
        return as_date(row["destroyed_at"])
    end = _ended_on(conn, row)
    if end is None:
        return None
    return destroy_on(end, period_for(conn, Protocol(row["protocol"])).months)


@dataclass(frozen=True)
class DueCase:
    case_id: int
    number: str
    ended_on: date
    destroy_on: date


#: When an ended case's retention clock started, unless a closure decision says otherwise
#: (the SQL lives in ``app.store.retention``; migration 0008 indexes exactly this expression).
ENDED_AT_SQL = retention_rows.ENDED_AT_SQL


def due_cases(conn: Connection, today: date) -> list[DueCase]:
    """Every ended case whose retention period has passed on ``today``, oldest number first."""
    periods = retention_periods_now(conn)
    found: list[DueCase] = []
    # This runs at each unlock, so it reads as little as it can at 100,000 cases: SQL
    # already leaves out what ended too recently to be due under even the shortest period
    # (a month's last days clamp to a shorter month's end: a week of margin covers that;
    # Python checks each exactly), and the indexes of migration
    # 0008 answer both parts without reading the wide case and closure rows.
    shortest = min(p.months for p in periods.values())
    recent = (add_months(today, -shortest) + timedelta(days=7)).isoformat()
    # Closed with a closure decision: the clock started on the closure's day; every other
    # ended case from its own moment (as ``ended_on``; NULL for a case that has not ended).
    for case_id, number, protocol, ended in retention_rows.ended_before(conn, recent):
        end = as_date(ended)
        if end is None:
            continue
        due = destroy_on(end, periods[Protocol(protocol)].months)
        if today >= due:
            found.append(DueCase(int(case_id), str(number), end, due))
    return found


# -- destroying ------------------------------------------------------------------------------

_present_tables = retention_rows.present_tables
_referencing = retention_rows.referencing


def delete_rows(conn: Connection, table: Table, condition: ColumnElement[bool],
                present: set[str] | None = None) -> None:
    """Delete the rows of ``table`` matching ``condition`` and, first, every row in any
    table that refers to them (recursively), whatever its ``ON DELETE`` says; the tables of
    :data:`KEPT_TABLES` keep theirs."""
    retention_rows.delete_rows(conn, table, condition, present, KEPT_TABLES)


def destroy_case(conn: Connection, vault: OpenVault, case_id: int, today: date,
                 due: DueCase | None = None) -> str:
    """Destroy one case inside the caller's transaction; returns its number."""
    row = case_rows.case_row(conn, case_id)
    if row is None:
        raise LookupError(f"case {case_id} does not exist")
    state = CaseState(row["state"])
    transition(state, CaseState.DESTROYED, TransitionFacts(retention_expired=True))
    number = str(row["number"])
    if not case_rows.has_tombstone(conn, case_id):
        values = tombstone_values(conn, case_id)
        if due is not None:
            values["ended_on"] = due.ended_on
        case_rows.write_tombstone(conn, values, replace=False)
    case_rows.mark_tombstone_destroyed(conn, case_id, today)
    # Drafts first: the minutes being typed are found through the case's agenda items.
    # (Not drafts.remove_for_case: it would take the live minutes of a meeting whose id
    # happens to be the case's id.)
    remove_case_drafts(conn, case_id, number)
    present = _present_tables(conn)
    for child, column, _parent in _referencing(cases, present):
        if child.name in KEPT_TABLES:
            continue
        delete_rows(conn, child, child.c[column] == case_id, present)
    now = utcnow()
    case_rows.mark_destroyed(conn, case_id, PERSONAL_CASE_FIELDS, CaseState.DESTROYED.value,
                             now)
    vault.log(conn, "case.destroy", "case", number, detail={
        "from_state": state.value,
        "ended_on": due.ended_on.isoformat() if due else None,
        "due_on": due.destroy_on.isoformat() if due else None})
    return number


@entry_point
def compact(vault: OpenVault, attempts: int = 20) -> None:
    """Leave nothing of deleted rows in the file: checkpoint the WAL into the database and
    truncate it, rebuild the database without free pages (VACUUM), and checkpoint again.

    Runs on a raw connection outside any transaction (VACUUM refuses to run inside one).
    A checkpoint that another reader keeps from finishing is retried, then refused.
    """
    import time

    with vault.engine.connect() as sa_conn:
        raw = sa_conn.connection.dbapi_connection
        assert raw is not None
        retention_rows.vacuum(raw)
        for _attempt in range(attempts):
            if not retention_rows.checkpoint_busy(raw):
                return
            time.sleep(0.05)
    raise VaultInUse(_("The vault could not be compacted because it is busy; the destroyed "
                       "cases are gone, but run the purge again to clear the free space."))


@entry_point
def checkpoint(vault: OpenVault, attempts: int = 20) -> bool:
    """Move the WAL into the database and truncate it, so that the page images of rows just
    removed (a closure's) no longer sit in the WAL; with ``secure_delete`` the database's
    own pages hold nothing of them. True when done; False when readers kept it busy (the
    next checkpoint or purge finishes it)."""
    import time

    with vault.engine.connect() as sa_conn:
        raw = sa_conn.connection.dbapi_connection
        assert raw is not None
        for _attempt in range(attempts):
            if not retention_rows.checkpoint_busy(raw):
                return True
            time.sleep(0.05)
    return False


@entry_point
def purge_due(vault: OpenVault, today: date | None = None) -> list[str]:
    """Destroy every case whose retention period has passed; return their numbers.

    One transaction for all of them (all or nothing), then :func:`compact`. On the house
    server only a role that works on the cases purges (a documented server choice: the
    dossier's cleaning is the process director's, covenant 1.10 and 12.1; the other roles'
    grants hold no case table); the others are refused by @entry_point (SERVER_NEEDS),
    before the server would.
    """
    today = today or date.today()
    with vault.begin() as conn:
        due = due_cases(conn, today)
        destroyed = [destroy_case(conn, vault, d.case_id, today, d) for d in due]
        if destroyed:
            vault.log(conn, "retention.purge", "case", "-",
                      detail={"destroyed": destroyed, "on": today.isoformat()})
    if destroyed:
        compact(vault)
    return destroyed
