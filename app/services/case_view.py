"""The process director's case screen as data: the case (subjects, life domains, criteria),
its triage (queries, answers, widening requests, routing) and its information items, each
with its source, category and a visible mark of who may see it, computed by
``app.sharing.policy``.

:func:`open_case` reads everything once and is audited once (``case.view``, with the case
number and the number of items shown), so that repainting, sorting and filtering the screen
(:meth:`CaseView.filtered`) never touch the vault again. The case screen is the case's
substance (subjects' names, BSN, birth dates and addresses, the referral's texts, triage's
routing, the items), so opening it needs ``CASE_SUBSTANCE``: the information centre is
refused (and the refusal audited). Items are shown in the policy's DIRECTOR setting, so only
an account with ``CASE_WORK`` (the process director) gets them. The marks say who may see
each item now (``app.services.sharing_context``: the case's state and current meeting):
before the case is on an agenda, no party but the process director.

:func:`copy_subject_field` hands the screen a subject's BSN or address for the clipboard,
read from the vault for whoever may open the case screen (``CASE_SUBSTANCE``) and audited
as ``subject.copy`` (the field's name, never its value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


from app.domain.cases import Case
from app.domain.information import Category, InformationItem
from app.domain.referral_contacts import Informing, Invitee
from app.domain.roles import Permission, may
from app.domain.triage import PartyQuery, RoutingDecision, WideningRequest
from app.errors import NotFound
from app.i18n import _
from app.services import cases as case_store
from app.services import parties as party_service
from app.services import referral_contacts
from app.services import retention as retention_service
from app.services import triage as triage_service
from app.services.sharing_context import case_context
from app.sharing.policy import (PROCESS_DIRECTOR, Setting, SharingMark,
                                describe_mark, visible_items, who_may_see)
from app.store import subjects as subject_rows
from app.vault.vault import OpenVault
from app.vault.access import entry_point


@dataclass(frozen=True)
class ItemRow:
    """One item as the director's screen shows it."""

    item: InformationItem
    source_name: str
    mark: SharingMark
    mark_text: str

    @property
    def category_label(self) -> str:
        return self.item.category.label

    @property
    def use_restriction(self) -> str:
        return self.mark.use_restriction


@dataclass(frozen=True)
class CaseView:
    case: Case
    party_names: Mapping[int, str]
    queries: tuple[PartyQuery, ...]
    widening: tuple[WideningRequest, ...]
    routing: RoutingDecision | None
    items: tuple[ItemRow, ...]
    items_shown: bool          # False: this role may view the case but not its items
    #: the day an ended case is due for destruction (the retention rule's answer, through
    #: ``app.services.retention.destruction_date``); None while the case is open
    destroy_on: date | None = None
    #: the partners to invite with their contact persons, and per subject id whether the
    #: subject was informed or the ground not to (issue 24; None: nothing recorded)
    invitees: tuple[Invitee, ...] = ()
    informing: Mapping[int, Informing | None] = field(default_factory=dict)

    def filtered(self, source: int | None = None,
                 category: Category | None = None) -> list[ItemRow]:
        """The items from ``source`` and/or of ``category`` (None: any), in memory."""
        return [row for row in self.items
                if (source is None or row.item.source_party_id == source)
                and (category is None or row.item.category is category)]

    @property
    def sources(self) -> list[tuple[int, str]]:
        """The parties that supplied items, for the source filter."""
        seen = {row.item.source_party_id: row.source_name for row in self.items}
        return sorted(seen.items(), key=lambda kv: kv[1].casefold())


@entry_point
def open_case(vault: OpenVault, number: str, today: date | None = None) -> CaseView:
    """Read the case screen's data once; audited once as ``case.view``."""
    vault.require(Permission.CASE_SUBSTANCE, "case", number)
    today = today or date.today()
    with_items = may(vault.actor.role, Permission.CASE_WORK)
    with vault.read() as conn:
        case_id = case_store.case_id_for(conn, number)
        case = case_store.load_case(conn, case_id)
        parties = party_service.list_parties(conn)
        standings = party_service.standings(conn)
        items = case_store.information_items(conn, case_id) if with_items else []
        queries = triage_service.queries(conn, case_id)
        widening = triage_service.widening(conn, case_id)
        routing = triage_service.routing_decision(conn, case_id)
        context = case_context(conn, case_id, today)
        destroy_on = retention_service.destruction_date(conn, case_id)
        invitees = tuple(referral_contacts.load_invitees(conn, case_id))
        informing = referral_contacts.load_informing(conn, case_id)
    names = {p.id: p.name for p in parties}
    rows = []
    for shown in visible_items(items, PROCESS_DIRECTOR, Setting.DIRECTOR, context, standings):
        mark = who_may_see(shown.item, context, standings)
        rows.append(ItemRow(shown.item, names.get(shown.item.source_party_id, "?"), mark,
                            describe_mark(mark, names)))
    vault.log_now("case.view", "case", case.number,
                  detail={"items": len(rows), "items_shown": with_items})
    return CaseView(case, names, tuple(queries), tuple(widening), routing, tuple(rows),
                    with_items, destroy_on, invitees, informing)


class CopyField(StrEnum):
    """What of a subject the case screen may put on the clipboard."""

    BSN = "bsn"
    ADDRESS = "address"


@entry_point
def copy_subject_field(vault: OpenVault, number: str, subject_id: int,
                       field: CopyField) -> str:
    """The BSN or address of one subject of case ``number``, to copy to the clipboard.

    Only for an account that may open the case screen (the subject is on it already);
    audited as ``subject.copy`` with the field's name and the case number, never the value.
    ``NotFound`` when the subject is not one of the case's or has no such value (removed at
    closure, never given).
    """
    vault.require(Permission.CASE_SUBSTANCE, "subject", subject_id)
    column: subject_rows.Removable = "bsn" if field is CopyField.BSN else "address"
    with vault.read() as conn:
        case_id = case_store.case_id_for(conn, number)
        value = subject_rows.field_of(conn, case_id, subject_id, column)
    if not value:
        raise NotFound(_("Case {number} has no such subject, or it has no such detail.")
                       .format(number=number))
    vault.log_now("subject.copy", "subject", subject_id,
                  detail={"field": field.value, "case": number})
    return str(value)
