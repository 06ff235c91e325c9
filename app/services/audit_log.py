"""The audit log for the privacy officer (functionaris gegevensbescherming): read, filter,
page and export it; and record searches without keeping what was searched for in plain text.

Every row carries the fields NEN 7513 asks for: who (``actor``), the role acted in, the
workstation (``origin``), when (``at``, UTC), the action, the object (type and id: a case
number, a subject id, an account, never a name) and the result; ``detail`` is JSON without
personal data.

Reading goes in pages by key (newest first, ``before_id``), so a log of a million rows opens
at once and scrolls without loading it whole; every filter has an index (migration 0010).
Reading the log is itself logged (``audit.read`` / ``audit.export``, with the filters).

Searches (issue 17, point 5): a case search is logged once it settles, with the number of
hits and a keyed hash of the normalised query (HMAC-SHA256 with a random key kept inside the
vault), never the query itself: the audit log outlives the destruction of cases, so a name
typed into the search box must not stay in it. The privacy officer who wants to know who
searched for a person types the name into the audit screen's "searched for" filter; the
same hash finds the rows.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from app.domain.cases import fold_for_search
from app.domain.roles import Permission
from app.errors import ValidationError
from app.i18n import _
from app.store import audit as audit_rows
from app.store.vault_secrets import vault_secret
from app.vault.vault import OpenVault
from app.vault.access import entry_point

#: One page of the screen; the export reads in batches of this many rows.
PAGE = 500
SEARCH_KEY = "audit_search_key"
FORMATS = ("csv", "json")
#: The columns of an export, in order: the NEN 7513 fields, then the chain.
EXPORT_FIELDS = ("id", "at", "actor", "role", "origin", "action", "object_type", "object_id",
                 "result", "detail", "hash")


@dataclass(frozen=True)
class AuditFilter:
    """What to show. Dates are local calendar days, both ends included."""

    since: date | None = None
    until: date | None = None
    case: str = ""
    account: str = ""
    #: an action, or the start of one ("export" finds "export.handout" and "export.plan")
    action: str = ""
    subject_id: int | None = None
    result: str = ""
    #: a search term whose searches to find (hashed, never stored)
    searched_for: str = ""

    def described(self) -> dict[str, Any]:
        """The filter for the log of the reading itself: no search term, only whether one
        was given (it may be a name)."""
        return {k: v for k, v in {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "case": self.case or None, "account": self.account or None,
            "action": self.action or None, "subject": self.subject_id,
            "result": self.result or None,
            "searched_for": bool(self.searched_for) or None}.items() if v is not None}


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime                 # UTC
    actor: str
    role: str
    origin: str
    action: str
    object_type: str
    object_id: str
    result: str
    detail: dict[str, Any] = field(default_factory=dict)
    hash: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "actor": self.actor, "role": self.role, "origin": self.origin,
                "action": self.action, "object_type": self.object_type,
                "object_id": self.object_id, "result": self.result, "detail": self.detail,
                "hash": self.hash}


# -- the search hash -------------------------------------------------------------------------

def normalise_query(query: str) -> str:
    """What counts as the same search: case, accents and spacing do not matter."""
    return " ".join(fold_for_search(query).split())


def query_hash(conn: Connection, query: str) -> str:
    """The keyed hash a search is logged with (inside the caller's write transaction: the
    key is made on first use)."""
    key = vault_secret(conn, SEARCH_KEY)
    return hmac.new(key, normalise_query(query).encode("utf-8"), hashlib.sha256).hexdigest()


#: Up to this many hits, a search's row names the cases found (a list narrowed to one
#: family is a reading of that family's cases, and is then found by its case number).
NAMED_HITS = 50


@entry_point
def log_search(vault: OpenVault, area: str, query: str, hits: int,
               case_numbers: list[str] | None = None) -> None:
    """Log one settled search (``search`` on ``area``): the hash, the number of hits and,
    for a narrow search, the case numbers found. An empty query is no search."""
    if not normalise_query(query):
        return
    detail: dict[str, Any] = {"hits": int(hits), "length": len(query.strip())}
    if case_numbers is not None and len(case_numbers) <= NAMED_HITS:
        detail["cases"] = sorted(case_numbers)
    with vault.begin() as conn:
        detail["query_hmac"] = query_hash(conn, query)
        vault.log(conn, "search", area, "-", detail=detail)


# -- reading ---------------------------------------------------------------------------------

def _utc_bounds(flt: AuditFilter) -> tuple[str | None, str | None]:
    """The filter's local days as UTC text bounds comparable with ``at``."""
    def as_utc(day: date) -> str:
        local = datetime.combine(day, time.min).astimezone()
        return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    low = as_utc(flt.since) if flt.since else None
    high = as_utc(flt.until + timedelta(days=1)) if flt.until else None
    return low, high


def _where(conn: Connection, flt: AuditFilter) -> audit_rows.LogFilter:
    if flt.since and flt.until and flt.since > flt.until:
        raise ValidationError(_("The period ends before it starts."), field="until")
    low, high = _utc_bounds(flt)
    return audit_rows.LogFilter(
        low=low or None, high=high or None, account=flt.account.strip(),
        action=flt.action.strip(), result=flt.result.strip(),
        # the case's own rows, and rows about several cases (a meeting's) that name it;
        # not the rows of reading the log with this filter
        case_number=flt.case.strip().upper(), subject_id=flt.subject_id,
        search_key=query_hash(conn, flt.searched_for) if flt.searched_for.strip() else "")


def _row(r: Any) -> AuditRow:
    at = datetime.strptime(str(r.at), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    try:
        detail = json.loads(r.detail) if r.detail else {}
    except ValueError:
        detail = {"unreadable": True}
    return AuditRow(int(r.id), at, str(r.actor), str(r.role), str(r.origin), str(r.action),
                    str(r.object_type), str(r.object_id), str(r.result),
                    detail if isinstance(detail, dict) else {"value": detail}, str(r.hash))


@entry_point
def read_page(vault: OpenVault, flt: AuditFilter, *, before_id: int | None = None,
              limit: int = PAGE, log_it: bool = True) -> list[AuditRow]:
    """One page, newest first: the rows matching ``flt`` with an id below ``before_id``.
    The first page of a filter (``before_id`` None) is logged as ``audit.read``."""
    vault.require(Permission.READ_AUDIT, "audit", "-")
    with vault.begin() as conn:   # begin: a first "searched for" makes the key
        rows = [_row(r) for r in audit_rows.page(conn, _where(conn, flt), before_id=before_id,
                                                 limit=max(1, min(limit, 5000)))]
        if log_it and before_id is None:
            vault.log(conn, "audit.read", "audit", "-", detail=flt.described())
    return rows


@entry_point
def count(vault: OpenVault, flt: AuditFilter) -> int:
    """How many rows match (for the screen's status line)."""
    vault.require(Permission.READ_AUDIT, "audit", "-")
    with vault.begin() as conn:
        return audit_rows.count_matching(conn, _where(conn, flt))


@entry_point
def accounts(vault: OpenVault) -> list[str]:
    """Every account name that appears in the log (for the screen's account filter)."""
    vault.require(Permission.READ_AUDIT, "audit", "-")
    with vault.read() as conn:
        return audit_rows.actors(conn)


@entry_point
def iter_rows(vault: OpenVault, flt: AuditFilter) -> Iterator[AuditRow]:
    """Every matching row, oldest first, read in batches (for an export)."""
    vault.require(Permission.READ_AUDIT, "audit", "-")
    after = 0
    while True:
        with vault.begin() as conn:
            batch = [_row(r) for r in audit_rows.batch_after(conn, _where(conn, flt), after,
                                                             PAGE * 10)]
        if not batch:
            return
        yield from batch
        after = batch[-1].id


@entry_point
def export(vault: OpenVault, flt: AuditFilter, fmt: str) -> Iterator[str]:
    """The matching rows as CSV or JSON text, in pieces; logged as ``audit.export`` with the
    filter and the format before the first piece."""
    if fmt not in FORMATS:
        raise ValidationError(_("Choose the format csv or json."), field="format")
    vault.require(Permission.READ_AUDIT, "audit", "-")
    with vault.begin() as conn:
        _where(conn, flt)      # a bad filter is refused before anything is written
        vault.log(conn, "audit.export", "audit", "-",
                  detail={**flt.described(), "format": fmt})
    if fmt == "json":
        yield "["
        first = True
        for row in iter_rows(vault, flt):
            yield ("\n" if first else ",\n") + json.dumps(row.as_dict(), ensure_ascii=False,
                                                          sort_keys=True)
            first = False
        yield "\n]\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_FIELDS)
    yield buffer.getvalue()
    for row in iter_rows(vault, flt):
        buffer.seek(0)
        buffer.truncate()
        values = row.as_dict()
        values["detail"] = json.dumps(values["detail"], ensure_ascii=False, sort_keys=True)
        writer.writerow([values[f] for f in EXPORT_FIELDS])
        yield buffer.getvalue()


def parse_day(text: str, field_name: str) -> date | None:
    """A date from the command line or the screen: ``2026-12-07`` or ``07-12-2026``."""
    text = text.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(_("{value} is not a date (use YYYY-MM-DD or DD-MM-YYYY).")
                          .format(value=text), field=field_name)
