"""The disclosure report: which party's information went to which party, when, in which PDF.

The disclosure log is the audit log: every exported PDF has a row ``export.handout`` or
``export.plan`` on the case number, whose ``detail`` holds the kind, the recipient party id
(a handout), the file's SHA-256, whether it was password-protected and the meeting (written
by ``app.services.handouts``). This module reads those rows back, per case or per period,
and names the parties.

"Whose information" is taken from the case's information items as they are now: the
source parties of the items the recipient was allowed to have (its own items and those
shared with it). After closure the items are gone; the row then says so rather than guess.

Reading needs ``VIEW_CASES`` and is itself audited (``disclosure.report``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from app.domain.roles import Permission
from app.domain.views import Disclosure
from app.services import cases as case_service
from app.store import audit as audit_rows
from app.store import cases as case_rows
from app.store import parties as party_rows
from app.vault.vault import OpenVault
from app.vault.access import entry_point

#: The audit actions that record a file leaving the house.
DISCLOSURE_ACTIONS = ("export.handout", "export.plan", "export.receipt",
                      "export.triage_outcome")
#: Files to the referring party about its own referral (issue 24): no party's information.
_REFERRER_ACTIONS = ("export.receipt", "export.triage_outcome")


def _parse_at(text: str) -> datetime:
    return datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f")


def party_names(conn: Connection) -> dict[int, str]:
    return party_rows.names(conn)


def _sources_by_case(conn: Connection, case_id: int
                     ) -> tuple[bool, dict[int, set[int]]]:
    """Per recipient party: the source parties of the items it may have under their terms
    (source itself, or named in ``shared_with``). ``False`` when the case has no items."""
    items = case_service.information_items(conn, case_id)
    if not items:
        return False, {}
    by_recipient: dict[int, set[int]] = {}
    for item in items:
        for party_id in set(item.terms.shared_with) | {item.source_party_id}:
            by_recipient.setdefault(party_id, set()).add(item.source_party_id)
    return True, by_recipient


def read_disclosures(conn: Connection, *, case_numbers: Iterable[str] | None = None,
                     start: date | None = None, end: date | None = None,
                     recipient_party_id: int | None = None) -> list[Disclosure]:
    """The disclosure log's successful rows, oldest first, narrowed as asked (no audit)."""
    rows = audit_rows.case_rows_of_actions(
        conn, DISCLOSURE_ACTIONS, case_numbers=case_numbers,
        low=start.isoformat() if start is not None else None,
        high=(end + timedelta(days=1)).isoformat() if end is not None else None)
    names = party_names(conn)
    case_ids = case_rows.ids_by_number(conn)
    cache: dict[str, tuple[bool, dict[int, set[int]]]] = {}
    found: list[Disclosure] = []
    for at, actor, action, number, detail_text in rows:
        try:
            detail: dict[str, Any] = json.loads(detail_text)
        except ValueError:
            detail = {}
        party = detail.get("party_id")
        party_id = int(party) if party is not None else None
        if recipient_party_id is not None and party_id != recipient_party_id:
            continue
        number = str(number)
        if number not in cache:
            case_id = case_ids.get(number)
            cache[number] = (_sources_by_case(conn, case_id) if case_id is not None
                             else (False, {}))
        has_items, by_recipient = cache[number]
        source_ids: tuple[int, ...] | None = None
        if action in _REFERRER_ACTIONS:
            source_ids = ()
        elif has_items:
            if party_id is None:           # the director's full plan: every source
                source_ids = tuple(sorted({s for v in by_recipient.values() for s in v}))
            else:
                source_ids = tuple(sorted(by_recipient.get(party_id, set())))
        found.append(Disclosure(
            at=_parse_at(str(at)), case_number=number, action=str(action),
            kind=str(detail.get("kind", action.split(".", 1)[-1])),
            recipient_party_id=party_id,
            recipient=names.get(party_id, f"#{party_id}") if party_id else "",
            sha256=str(detail.get("sha256", "")), encrypted=bool(detail.get("encrypted")),
            items=detail.get("items"), meeting_id=detail.get("meeting_id"), actor=str(actor),
            source_party_ids=source_ids,
            sources=(tuple(names.get(s, f"#{s}") for s in source_ids)
                     if source_ids is not None else None)))
    return found


@entry_point
def case_disclosures(vault: OpenVault, case: str | int) -> list[Disclosure]:
    """Every PDF of one case that left the house (audited as ``disclosure.report``)."""
    vault.require(Permission.VIEW_CASES, "case", str(case))
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, case)
        _state, number = case_service.current_state(conn, case_id)
        rows = read_disclosures(conn, case_numbers=[number])
    vault.log_now("disclosure.report", "case", number, detail={"rows": len(rows)})
    return rows


@entry_point
def period_disclosures(vault: OpenVault, start: date, end: date,
                       recipient_party_id: int | None = None) -> list[Disclosure]:
    """Every PDF that left the house between ``start`` and ``end`` (inclusive, UTC dates),
    optionally only those to one party."""
    vault.require(Permission.VIEW_CASES, "case", "-")
    with vault.read() as conn:
        rows = read_disclosures(conn, start=start, end=end,
                                recipient_party_id=recipient_party_id)
    vault.log_now("disclosure.report", "case", "-", detail={
        "start": start.isoformat(), "end": end.isoformat(),
        "party_id": recipient_party_id, "rows": len(rows)})
    return rows
