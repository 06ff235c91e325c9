"""Triage as use cases (covenant 1.8, 12.2b-f): ask parties, record their answers and the
information items they supply under their own terms, ask a source party to widen its terms
(only its yes changes them: there is no override), and make the routing decision.

Every writing function needs ``CASE_WORK`` (the process director), checks the case's state,
validates (``ValidationError`` naming the field), writes in one transaction and appends to
the audit log with ids and the case number only. Public API:

- :func:`triage_context` -> :class:`TriageContext`: everything the wizard shows, read once;
- :func:`record_query`, :func:`record_answer`, :func:`add_item`;
- :func:`request_widening`, :func:`answer_widening` (an item imported with terms its source
  party did not set is held at the narrowest with ``terms_to_confirm``; the import records
  the asked terms as requests with :func:`ask_source_party`, and the source party's answers
  to them confirm the terms);
- :func:`decide_routing` (to a meeting: the case becomes ``scheduled``, ready for an agenda;
  elsewhere: it ends as ``routed_elsewhere``);
- :func:`routing_decision` for the meetings area (goal, themes, decision types, invitees);
- :func:`save_draft`, :func:`load_draft`, :func:`discard_draft` (kind ``triage``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from app.domain.cases import Case
from app.domain.information import InformationItem
from app.domain.intake import InformationInput, Referral
from app.domain.lifecycle import CaseState, TransitionFacts, transition
from app.domain.meetings import decision_types_from
from app.domain.roles import Permission
from app.domain.standing import PartyStanding
from app.domain.triage import (DRAFT_KIND, NewItem, PartyQuery, QueryAnswer, Route,
                               RoutingDecision, TriageDraft, WideningAnswer, WideningAsk,
                               WideningRequest, check_new_item, check_party_in_protocol,
                               check_query, check_routing, hold_foreign_terms,
                               widening_asks)
from app.errors import EditConflict, NotFound, TransitionRefused, ValidationError
from app.i18n import _
from app.services import cases as case_store
from app.services import drafts as draft_store
from app.services import parties as party_service
from app.store import triage as triage_rows
from app.vault.vault import OpenVault, utcnow
from app.vault.access import entry_point

#: Where each kind of triage work may happen. Items and widening may still come in after
#: routing, until the case ends (a party may widen its terms right before the meeting).
QUERY_STATES = frozenset({CaseState.TRIAGE})
ITEM_STATES = frozenset({CaseState.TRIAGE, CaseState.SCHEDULED, CaseState.IN_PROGRESS})
WIDENING_STATES = frozenset({CaseState.REFERRED, CaseState.INTAKE, CaseState.TRIAGE,
                             CaseState.SCHEDULED, CaseState.IN_PROGRESS})


@dataclass(frozen=True)
class PartyChoice:
    """A party the wizard may offer, with a hint of how many items it already supplied."""

    id: int
    name: str
    short_name: str
    items_supplied: int


@dataclass(frozen=True)
class TriageContext:
    """Everything the triage wizard shows, read in one go (no audit per repaint)."""

    case: Case
    today: date
    standings: Mapping[int, PartyStanding]
    party_names: Mapping[int, str]
    eligible: tuple[PartyChoice, ...]          # active in the case's protocol today
    queries: tuple[PartyQuery, ...]
    items: tuple[InformationItem, ...]
    widening: tuple[WideningRequest, ...]
    routing: RoutingDecision | None
    #: issue 24: the parties the referral proposes to invite that the sharing policy lets
    #: be invited today (``may_be_invited``), and the subjects not informed without a
    #: recorded ground (triage flags the case)
    proposed: tuple[int, ...] = ()
    uninformed: tuple[int, ...] = ()


# -- reading ------------------------------------------------------------------------------

def queries(conn: Connection, case_id: int, *, versions: bool = False) -> list[PartyQuery]:
    """The case's queries; ``versions``: with the version each was read at (the process
    director's read: on the house server the centre's role reads the answers only)."""
    rows = triage_rows.query_rows(conn, case_id, versions=versions)
    return [PartyQuery(r["party_id"], r["asked_on"], r["answered_on"],
                       QueryAnswer(r["answer"]) if r["answer"] else None,
                       version=int(r["row_version"]) if versions else 1) for r in rows]


def widening(conn: Connection, case_id: int) -> list[WideningRequest]:
    return [_widening(r) for r in triage_rows.widening_rows(conn, case_id)]


def _widening(r: Any) -> WideningRequest:
    return WideningRequest(
        id=r["id"], item_id=r["item_id"], party_id=r["party_id"],
        want_pre_meeting_view=bool(r["want_pre_meeting_view"]),
        want_meeting_screen=bool(r["want_meeting_screen"]), requested_on=r["requested_on"],
        requested_by=r["requested_by"], answered_on=r["answered_on"],
        answer=WideningAnswer(r["answer"]) if r["answer"] else None,
        answered_by=r["answered_by"])


@entry_point
def routing_decision(source: Connection | OpenVault, case_id: int) -> RoutingDecision | None:
    """The case's routing decision, or None before it is made (for the meetings area).
    Its goal, themes and reason are the case's substance: from the vault, ``CASE_SUBSTANCE``."""
    if isinstance(source, OpenVault):
        source.require(Permission.CASE_SUBSTANCE, "case", case_id)
        with source.read() as conn:
            return routing_decision(conn, case_id)
    row = triage_rows.routing_row(source, case_id)
    if row is None:
        return None
    invitees = triage_rows.routing_invitee_ids(source, case_id)
    return RoutingDecision(
        route=Route(row["route"]), goal=row["goal"], themes=tuple(json.loads(row["themes"])),
        decision_types=decision_types_from(json.loads(row["decision_types"])),
        invitees=invitees, elsewhere_party_id=row["elsewhere_party_id"],
        elsewhere_chain=row["elsewhere_chain"], reason=row["reason"])


@entry_point
def triage_context(vault: OpenVault, number: str, today: date | None = None, *,
                   audit: bool = True) -> TriageContext:
    """Read the case for the triage wizard (audited as ``triage.open``; the wizard re-reads
    with ``audit=False`` right after its own writes, which are audited themselves)."""
    vault.require(Permission.CASE_WORK, "case", number)
    today = today or date.today()
    with vault.read() as conn:
        case_id = case_store.case_id_for(conn, number)
        case = case_store.load_case(conn, case_id)
        standings = party_service.standings(conn)
        parties = party_service.list_parties(conn)
        items = case_store.information_items(conn, case_id)
        found_queries = queries(conn, case_id, versions=True)
        found_widening = widening(conn, case_id)
        routing = routing_decision(conn, case_id)
        from app.services import referral_contacts
        from app.sharing.policy import may_be_invited

        proposed = tuple(p for p in referral_contacts.invitee_parties(conn, case_id)
                         if may_be_invited(standings.get(p), case.protocol, today))
        uninformed = tuple(referral_contacts.uninformed_without_ground(conn, case_id))
    supplied: dict[int, int] = {}
    for it in items:
        supplied[it.source_party_id] = supplied.get(it.source_party_id, 0) + 1
    eligible = tuple(PartyChoice(p.id, p.name, p.short_name, supplied.get(p.id, 0))
                     for p in parties
                     if standings[p.id].takes_part(case.protocol, today))
    if audit:
        vault.log_now("triage.open", "case", case.number, detail={"items": len(items)})
    return TriageContext(case, today, standings, {p.id: p.name for p in parties}, eligible,
                         tuple(found_queries), tuple(items), tuple(found_widening), routing,
                         proposed, uninformed)


# -- writing ------------------------------------------------------------------------------

def _open_case(conn: Connection, number: str, allowed: frozenset[CaseState]
               ) -> tuple[int, Case]:
    case_id = case_store.case_id_for(conn, number)
    case = case_store.load_case(conn, case_id)
    if case.state not in allowed:
        raise TransitionRefused(_("This cannot be done for a case that is \u201c{state}\u201d.")
                                .format(state=case.state.label))
    return case_id, case


@entry_point
def record_query(vault: OpenVault, number: str, party_id: int, asked_on: date,
                 today: date | None = None) -> None:
    """Record that ``party_id`` was asked on ``asked_on`` (asked again: the date moves)."""
    vault.require(Permission.CASE_WORK, "case", number)
    today = today or date.today()
    check_query(PartyQuery(party_id, asked_on), today)
    now = utcnow()
    with vault.begin() as conn:
        case_id, case = _open_case(conn, number, QUERY_STATES)
        check_party_in_protocol(party_id, party_service.standings(conn), case.protocol,
                                today, "parties")
        existing = triage_rows.query_row(conn, case_id, party_id)
        if existing is None:
            triage_rows.insert_query(conn, {
                "case_id": case_id, "party_id": party_id, "asked_on": asked_on,
                "recorded_by": vault.actor.account, "updated_at": now})
        else:
            answered_on = existing["answered_on"]
            if answered_on is not None and answered_on < asked_on:
                raise ValidationError(_("is after the party answered"), field="asked_on")
            triage_rows.update_query(conn, existing["id"], {
                "asked_on": asked_on, "recorded_by": vault.actor.account, "updated_at": now},
                by=vault.actor.account, at=now)
        vault.log(conn, "triage.query", "case", case.number,
                  detail={"party": party_id, "asked_on": asked_on.isoformat()})


@entry_point
def withdraw_query(vault: OpenVault, number: str, party_id: int) -> None:
    """Undo a query recorded by mistake (only while it has no answer). A query that was
    never asked, or that has an answer by now (a colleague may have recorded one in the
    meantime), is refused with the reason: nothing is withdrawn in silence."""
    vault.require(Permission.CASE_WORK, "case", number)
    with vault.begin() as conn:
        case_id, case = _open_case(conn, number, QUERY_STATES)
        if not triage_rows.delete_unanswered_query(conn, case_id, party_id):
            if triage_rows.query_row(conn, case_id, party_id) is None:
                raise ValidationError(_("This party was not asked."), field="party")
            raise ValidationError(_(
                "This party has answered already; an answered query cannot be withdrawn."),
                field="party")
        vault.log(conn, "triage.query_withdrawn", "case", case.number,
                  detail={"party": party_id})


@entry_point
def record_answer(vault: OpenVault, number: str, party_id: int, answer: QueryAnswer,
                  answered_on: date, today: date | None = None, *,
                  version: int | None = None) -> None:
    """Record an asked party's answer (known, not known, declined) and its date.

    ``version``: the version the query was read at (``PartyQuery.version``); when another
    session saved the query since (a colleague recorded an answer, or asked again),
    ``EditConflict`` names that account and moment and nothing is written (issue 22,
    point 4). None: no check (a command that reads and writes at once)."""
    vault.require(Permission.CASE_WORK, "case", number)
    today = today or date.today()
    answer = QueryAnswer(answer)
    now = utcnow()
    with vault.begin() as conn:
        case_id, case = _open_case(conn, number, QUERY_STATES)
        row = triage_rows.query_row(conn, case_id, party_id)
        if row is None:
            raise ValidationError(_("This party was not asked yet."), field="party")
        if version is not None and row["row_version"] != version:
            # saved since: say so before judging the answer against what changed
            raise EditConflict(row["changed_by"], row["changed_at"])
        check_query(PartyQuery(party_id, row["asked_on"], answered_on, answer), today)
        triage_rows.update_query(conn, row["id"], {
            "answered_on": answered_on, "answer": answer.value,
            "recorded_by": vault.actor.account, "updated_at": now},
            by=vault.actor.account, at=now, version=version)
        vault.log(conn, "triage.answer", "case", case.number,
                  detail={"party": party_id, "answer": answer.value,
                          "answered_on": answered_on.isoformat()})


@entry_point
def add_item(vault: OpenVault, number: str, item: NewItem, today: date | None = None) -> int:
    """Store an item a party supplied, with the terms it set (default: the narrowest) and
    the case's subjects it concerns (default: the whole household)."""
    vault.require(Permission.CASE_WORK, "case", number)
    today = today or date.today()
    with vault.begin() as conn:
        case_id, case = _open_case(conn, number, ITEM_STATES)
        clean = check_new_item(item, party_service.standings(conn), case.protocol, today)
        [item_id] = case_store.insert_information(
            conn, case_id, [InformationInput(clean.source_party_id, clean.received,
                                             clean.category, clean.text, clean.terms)],
            utcnow())
        case_store.set_item_concerns(conn, item_id, clean.concerns)
        vault.log(conn, "item.add", "information_item", item_id, detail={
            "case": case.number, "source": clean.source_party_id,
            "category": clean.category.value, "shared_with": sorted(clean.terms.shared_with),
            "pre_meeting_view": clean.terms.pre_meeting_view,
            "meeting_screen": clean.terms.meeting_screen,
            "concerns": (None if clean.concerns is None else sorted(clean.concerns))})
    return item_id


def _item(conn: Connection, case_id: int, item_id: int) -> InformationItem:
    for it in case_store.information_items(conn, case_id):
        if it.id == item_id:
            return it
    raise NotFound(_("This information item does not exist (any more)."))


@entry_point
def request_widening(vault: OpenVault, number: str, item_id: int, *,
                     party_id: int | None = None, pre_meeting_view: bool = False,
                     meeting_screen: bool = False, requested_on: date | None = None,
                     today: date | None = None) -> int:
    """Record a request to the item's source party to widen its terms; returns its id.

    The request must ask for something the terms do not allow yet; a party to add must take
    part in the case's protocol.
    """
    vault.require(Permission.CASE_WORK, "case", number)
    today = today or date.today()
    requested_on = requested_on or today
    if requested_on > today:
        raise ValidationError(_("is in the future"), field="requested_on")
    with vault.begin() as conn:
        case_id, case = _open_case(conn, number, WIDENING_STATES)
        it = _item(conn, case_id, item_id)
        if party_id is not None:
            check_party_in_protocol(party_id, party_service.standings(conn), case.protocol,
                                    today, "party")
        adds_party = (party_id is not None and party_id != it.source_party_id
                      and party_id not in it.terms.shared_with)
        adds_pre = pre_meeting_view and not it.terms.pre_meeting_view
        adds_screen = meeting_screen and not it.terms.meeting_screen
        if not (adds_party or adds_pre or adds_screen):
            raise ValidationError(_("The terms already allow this; there is nothing to ask."),
                                  field="party")
        request_id = _insert_request(conn, vault, case_id, case.number, it, WideningAsk(
            party_id if adds_party else None, adds_pre, adds_screen), requested_on)
    return request_id


def _insert_request(conn: Connection, vault: OpenVault, case_id: int, number: str,
                    it: InformationItem, ask: WideningAsk, requested_on: date,
                    imported: bool = False) -> int:
    request_id = triage_rows.insert_widening(conn, {
        "case_id": case_id, "item_id": it.id, "party_id": ask.party_id,
        "want_pre_meeting_view": ask.pre_meeting_view,
        "want_meeting_screen": ask.meeting_screen,
        "requested_on": requested_on, "requested_by": vault.actor.account})
    detail: dict[str, Any] = {
        "case": number, "request": request_id, "source": it.source_party_id,
        "party": ask.party_id, "pre_meeting_view": ask.pre_meeting_view,
        "meeting_screen": ask.meeting_screen}
    if imported:
        detail["imported"] = True
    vault.log(conn, "item.widening_request", "information_item", it.id, detail=detail)
    return request_id


def ask_source_party(conn: Connection, vault: OpenVault, case_id: int, number: str,
                     it: InformationItem, asks: Sequence[WideningAsk],
                     requested_on: date) -> list[int]:
    """Inside the caller's transaction: record terms that someone other than the item's
    source party asked for (an import) as requests to the source party, which answers them
    in triage like any other request. Returns the request ids. No protocol check here: the
    asked parties are recorded as asked; the policy still applies standing and protocol."""
    return [_insert_request(conn, vault, case_id, number, it, ask, requested_on,
                            imported=True) for ask in asks]


def insert_referral(conn: Connection, vault: OpenVault, referral: Referral,
                    state: CaseState, now: datetime | None = None,
                    today: date | None = None) -> tuple[int, str, int]:
    """Inside the caller's transaction: store a referral as a new case, every item from
    another party than the referring one held at the narrowest terms
    (``hold_foreign_terms``, covenant 16.2) and what the referral asked for recorded as
    requests to that party. The one way a referral becomes a case, for registration and
    import alike. Returns the case id, its number and how many items await confirmation."""
    referral = hold_foreign_terms(referral)
    case_id, number, item_ids = case_store.insert_new_case(conn, vault, referral, state, now)
    waiting = 0
    # the items as just written (their ids from the inserts, their terms the held ones):
    # nothing is read back, which who registers referrals may not on the house server
    for given, item_id in zip(referral.information, item_ids, strict=True):
        if given.asked_terms is not None:
            waiting += 1
            ask_source_party(conn, vault, case_id, number, InformationItem(
                id=item_id, case_id=case_id, source_party_id=given.source_party_id,
                category=given.category, text=given.text, received=given.received,
                terms=given.terms, terms_to_confirm=True),
                widening_asks(given.asked_terms, given.terms, given.source_party_id),
                today or date.today())
    return case_id, number, waiting


@entry_point
def answer_widening(vault: OpenVault, number: str, request_id: int, answer: WideningAnswer,
                    answered_on: date, answered_by: str, today: date | None = None) -> None:
    """Record the source party's answer. Only a yes widens the terms (audited as
    ``item.terms_widened``); a no leaves them as they were. An answer is final."""
    vault.require(Permission.CASE_WORK, "case", number)
    today = today or date.today()
    answer = WideningAnswer(answer)
    if not answered_by.strip():
        raise ValidationError(_("Say who at the source party answered."), field="answered_by")
    if answered_on > today:
        raise ValidationError(_("is in the future"), field="answered_on")
    with vault.begin() as conn:
        case_id, case = _open_case(conn, number, WIDENING_STATES)
        row = triage_rows.widening_row(conn, case_id, request_id)
        if row is None:
            raise NotFound(_("This request does not exist (any more)."))
        request = _widening(row)
        if not request.pending:
            raise ValidationError(_("This request has already been answered."),
                                  field="answer")
        if answered_on < request.requested_on:
            raise ValidationError(_("is before the request was made"), field="answered_on")
        triage_rows.answer_widening(conn, request_id, {
            "answer": answer.value, "answered_on": answered_on,
            "answered_by": answered_by.strip(), "recorded_by": vault.actor.account})
        vault.log(conn, "item.widening_answer", "information_item", request.item_id,
                  detail={"case": case.number, "request": request_id,
                          "answer": answer.value})
        if answer is WideningAnswer.YES:
            before = _item(conn, case_id, request.item_id).terms
            after = request.widened(before)
            added = sorted(after.shared_with - before.shared_with)
            triage_rows.widen_terms(conn, request.item_id, after.pre_meeting_view,
                                    after.meeting_screen, added)
            vault.log(conn, "item.terms_widened", "information_item", request.item_id,
                      detail={"case": case.number, "request": request_id,
                              "added_parties": added,
                              "pre_meeting_view": [before.pre_meeting_view,
                                                   after.pre_meeting_view],
                              "meeting_screen": [before.meeting_screen,
                                                 after.meeting_screen]})
        _confirm_when_answered(conn, vault, case.number, request.item_id)


def _confirm_when_answered(conn: Connection, vault: OpenVault, number: str,
                           item_id: int) -> None:
    """Terms someone else set are confirmed once the source party has answered every
    request about the item: what it said yes to was applied, the rest stays narrowest, and
    from then on the terms are the source party's own (``terms_to_confirm`` cleared)."""
    if triage_rows.has_pending_widening(conn, item_id):
        return
    if triage_rows.confirm_terms(conn, item_id):
        vault.log(conn, "item.terms_confirmed", "information_item", item_id,
                  detail={"case": number})


@entry_point
def decide_routing(vault: OpenVault, number: str, decision: RoutingDecision,
                   today: date | None = None) -> CaseState:
    """The routing decision, once: to a case meeting (the case becomes ``scheduled``, ready
    for the agenda wizard) or elsewhere (the case ends as ``routed_elsewhere``)."""
    vault.require(Permission.CASE_WORK, "case", number)
    today = today or date.today()
    now = utcnow()
    with vault.begin() as conn:
        case_id, case = _open_case(conn, number, frozenset({CaseState.TRIAGE}))
        clean = check_routing(decision, party_service.standings(conn), case.protocol, today)
        if clean.route is Route.TO_MEETING:
            facts = TransitionFacts(has_goal=True, has_themes=bool(clean.themes),
                                    has_invitees=bool(clean.invitees))
            target = transition(case.state, CaseState.SCHEDULED, facts)
        else:
            target = transition(case.state, CaseState.ROUTED_ELSEWHERE,
                                TransitionFacts(routing_reason=clean.reason))
        triage_rows.insert_routing(conn, {
            "case_id": case_id, "route": clean.route.value, "goal": clean.goal,
            "themes": json.dumps(list(clean.themes), ensure_ascii=False),
            "decision_types": json.dumps([d.value for d in clean.decision_types]),
            "elsewhere_party_id": clean.elsewhere_party_id,
            "elsewhere_chain": clean.elsewhere_chain, "reason": clean.reason,
            "decided_on": today, "decided_at": now, "decided_by": vault.actor.account},
            sorted(clean.invitees))
        case_store.set_state(conn, case_id, target, now,
                             **({"outcome": "routed_elsewhere"}
                                if target is CaseState.ROUTED_ELSEWHERE else {}))
        # every account's triage drafts of the case end with the routing (audited discards)
        draft_store.remove_for_object(conn, vault, DRAFT_KIND, case.number)
        vault.log(conn, "triage.routing", "case", case.number, detail={
            "route": clean.route.value, "state": target.value,
            "invitees": sorted(clean.invitees),
            "decision_types": [d.value for d in clean.decision_types],
            "elsewhere_party": clean.elsewhere_party_id})
    return target


# -- drafts -------------------------------------------------------------------------------

@entry_point
def save_draft(vault: OpenVault, draft: TriageDraft) -> int:
    """Store the wizard's state for this account and case (one draft each); returns its id."""
    vault.require(Permission.CASE_WORK, "draft", draft.case_number)
    return draft_store.put(vault, DRAFT_KIND, draft.case_number, draft.to_payload(),
                           detail={"step": draft.step.value})


@entry_point
def load_draft(vault: OpenVault, number: str) -> TriageDraft | None:
    """This account's triage draft for the case, or None."""
    vault.require(Permission.CASE_WORK, "draft", number)
    stored = draft_store.get(vault, DRAFT_KIND, number)
    return None if stored is None else TriageDraft.from_payload(stored.payload)


@entry_point
def discard_draft(vault: OpenVault, number: str) -> None:
    vault.require(Permission.CASE_WORK, "draft", number)
    draft_store.drop(vault, DRAFT_KIND, number)
