"""Triage (covenant 1.8, 12.2b-d) as plain values: the parties asked and their answers, new
information items with their supplier's terms, requests to widen terms, the routing
decision, and the triage wizard's steps and draft as data (``ui/triage`` only renders them).

Why facts are stored as they happen, and only the routing decision at the end: answers come
in over days, and who was asked when, what they answered and which items they supplied are
events with their own dates that the case screen and the audit log must show at once. The
wizard's draft therefore holds only where the process director was and the routing decision
being prepared; finishing the wizard makes that decision, in one transaction.

No database and no Qt. Who may see an item is never decided here: ``app.sharing.policy``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from app.domain.cases import Subject
from app.domain.information import Category, InformationItem, SharingTerms
from app.domain.intake import Referral
from app.domain.meetings import DecisionType, decision_types_from
from app.domain.protocols import Protocol
from app.domain.standing import PartyStanding
from app.domain.text_rules import check_free_text
from app.domain.wizard import FieldError, Flow, Step, no_refusals, refusal
from app.errors import ValidationError
from app.i18n import N_, _
from app.sharing.policy import may_be_invited

DRAFT_KIND = "triage"
PAYLOAD_VERSION = 1
#: Bounds that keep one field from swallowing the vault; generous for real use.
MAX_TEXT = 50_000
MAX_SHORT = 500
MAX_THEMES = 30


class QueryAnswer(StrEnum):
    """What an asked party answered (covenant 12.2b)."""

    KNOWN = "known"
    NOT_KNOWN = "not_known"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return _(QUERY_ANSWER_LABELS[self])


QUERY_ANSWER_LABELS = {
    QueryAnswer.KNOWN: N_("Known to the party"),
    QueryAnswer.NOT_KNOWN: N_("Not known to the party"),
    QueryAnswer.DECLINED: N_("Declined to share"),
}


class Route(StrEnum):
    TO_MEETING = "to_meeting"
    ELSEWHERE = "elsewhere"

    @property
    def label(self) -> str:
        return _(ROUTE_LABELS[self])


ROUTE_LABELS = {
    Route.TO_MEETING: N_("To a case meeting"),
    Route.ELSEWHERE: N_("Handled elsewhere"),
}


class WideningAnswer(StrEnum):
    YES = "yes"
    NO = "no"

    @property
    def label(self) -> str:
        return _(WIDENING_ANSWER_LABELS[self])


WIDENING_ANSWER_LABELS = {
    WideningAnswer.YES: N_("Yes, terms widened"),
    WideningAnswer.NO: N_("No, terms unchanged"),
}


# -- the wizard's steps -------------------------------------------------------------------

class TriageStep(StrEnum):
    PARTIES = "parties"
    ANSWERS = "answers"
    REVIEW = "review"
    ROUTING = "routing"
    SUMMARY = "summary"

    @property
    def heading(self) -> str:
        return _(STEP_TITLES[self])

    @property
    def explanation(self) -> str:
        return _(STEP_EXPLANATIONS[self])


STEP_ORDER = tuple(TriageStep)

STEP_TITLES = {
    TriageStep.PARTIES: N_("Parties to ask"),
    TriageStep.ANSWERS: N_("Answers and information"),
    TriageStep.REVIEW: N_("Information and terms"),
    TriageStep.ROUTING: N_("Routing decision"),
    TriageStep.SUMMARY: N_("Summary"),
}

STEP_EXPLANATIONS = {
    TriageStep.PARTIES: N_("Choose the parties to ask what they know about this case, and "
                           "when you asked them. Only parties taking part in the case's "
                           "protocol are offered."),
    TriageStep.ANSWERS: N_("Per party: whether and when it answered, its answer, and the "
                           "information it supplied with its terms. New information starts "
                           "with the narrowest terms: only the source and the process "
                           "director."),
    TriageStep.REVIEW: N_("Check all information and who may see it. Ask a source party to "
                          "widen its terms and record its answer; only a yes changes them."),
    TriageStep.ROUTING: N_("Decide where the case goes: to a case meeting (goal, themes, "
                           "decision types, invitees) or handled elsewhere."),
    TriageStep.SUMMARY: N_("Check the summary. Finishing records the routing decision."),
}


def step_index(step: TriageStep) -> int:
    return STEP_ORDER.index(step)


def next_step(step: TriageStep) -> TriageStep | None:
    following = FLOW.next_step(step)
    return TriageStep(following) if following is not None else None


def previous_step(step: TriageStep) -> TriageStep | None:
    i = step_index(step)
    return STEP_ORDER[i - 1] if i > 0 else None


# -- facts --------------------------------------------------------------------------------

#: Answers after which inviting the party to the case meeting asks first: it knows nothing
#: of the family, or shares nothing (issue 18: "warns before inviting a party that answered
#: 'niet bekend' or declined"). Used by triage and by the agenda's invitations.
ASK_BEFORE_INVITING = frozenset({QueryAnswer.NOT_KNOWN, QueryAnswer.DECLINED})


@dataclass(frozen=True)
class PartyQuery:
    """One party asked about the case, and its answer once it came."""

    party_id: int
    asked_on: date
    answered_on: date | None = None
    answer: QueryAnswer | None = None
    #: the version the query was read at: an answer recorded on this read names it, and is
    #: refused when another session saved the query since (issue 22, point 4)
    version: int = 1

    @property
    def answered(self) -> bool:
        return self.answer is not None


@dataclass(frozen=True)
class NewItem:
    """An information item as a party supplies it in triage (not yet stored)."""

    source_party_id: int
    category: Category
    text: str
    received: date
    terms: SharingTerms = field(default_factory=SharingTerms)   # narrowest by default
    #: the case's subjects (by id) the item concerns; None: the whole household (default)
    concerns: frozenset[int] | None = None


@dataclass(frozen=True)
class WideningRequest:
    """A request to an item's source party: share with ``party_id`` and/or allow pre-meeting
    viewing or the meeting screen. ``answer`` None: no answer yet."""

    id: int
    item_id: int
    party_id: int | None
    want_pre_meeting_view: bool
    want_meeting_screen: bool
    requested_on: date
    requested_by: str
    answered_on: date | None = None
    answer: WideningAnswer | None = None
    answered_by: str | None = None

    @property
    def pending(self) -> bool:
        return self.answer is None

    def widened(self, terms: SharingTerms) -> SharingTerms:
        """The terms after a yes: only ever wider, the use restriction unchanged."""
        shared = terms.shared_with | ({self.party_id} if self.party_id is not None else set())
        return SharingTerms(frozenset(shared),
                            terms.pre_meeting_view or self.want_pre_meeting_view,
                            terms.meeting_screen or self.want_meeting_screen,
                            terms.use_restriction, terms.subject_access)


@dataclass(frozen=True)
class WideningAsk:
    """What one widening request asks of an item's source party (before it is stored)."""

    party_id: int | None
    pre_meeting_view: bool = False
    meeting_screen: bool = False


def narrowest_keeping_restriction(terms: SharingTerms) -> SharingTerms:
    """The terms an item is held under until its source party confirms terms that someone
    else set: seen by nobody but the source and the process director, no pre-meeting view,
    not on the meeting screen, not given to a subject without review. A use restriction is
    kept, as it only narrows."""
    return SharingTerms(use_restriction=terms.use_restriction.strip())


def hold_foreign_terms(referral: Referral) -> Referral:
    """The referral with the terms of every item supplied by another party than the
    referring one held at the narrowest (covenant 16.2, 9.2: the supplier decides on its
    own information, not the author of the referral); what the referral asked for becomes
    ``asked_terms``, to be confirmed by that party in triage. Items already held (an
    import) and the referring party's own items are left as they are."""
    held_items = []
    for item in referral.information:
        if item.source_party_id == referral.referring_party_id or item.asked_terms is not None:
            held_items.append(item)
            continue
        held = narrowest_keeping_restriction(item.terms)
        asked = item.terms if widening_asks(item.terms, held, item.source_party_id) else None
        held_items.append(replace(item, terms=held, asked_terms=asked))
    return replace(referral, information=tuple(held_items))


def widening_asks(asked: SharingTerms, current: SharingTerms,
                  source_party_id: int) -> tuple[WideningAsk, ...]:
    """The requests that would take ``current`` to ``asked``, each one question the source
    party answers on its own: one for the pre-meeting view and the meeting screen (when
    wanted), then one per party to add, in id order. Empty when ``asked`` is no wider than
    ``current``."""
    pre = asked.pre_meeting_view and not current.pre_meeting_view
    screen = asked.meeting_screen and not current.meeting_screen
    flags = (WideningAsk(None, pre, screen),) if pre or screen else ()
    return flags + tuple(WideningAsk(p) for p in sorted(
        asked.shared_with - current.shared_with - {source_party_id}))


@dataclass(frozen=True)
class RoutingDecision:
    """The wizard's last step: to a case meeting, or handled elsewhere (which closes the case
    as ``routed_elsewhere``)."""

    route: Route
    goal: str = ""
    themes: tuple[str, ...] = ()
    decision_types: tuple[DecisionType, ...] = ()
    invitees: frozenset[int] = field(default_factory=frozenset)
    elsewhere_party_id: int | None = None
    elsewhere_chain: str = ""
    reason: str = ""

    def to_payload(self) -> dict[str, Any]:
        return {"route": self.route.value, "goal": self.goal, "themes": list(self.themes),
                "decision_types": [d.value for d in self.decision_types],
                "invitees": sorted(self.invitees),
                "elsewhere_party_id": self.elsewhere_party_id,
                "elsewhere_chain": self.elsewhere_chain, "reason": self.reason}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> RoutingDecision:
        try:
            route = Route(str(data.get("route", Route.TO_MEETING.value)))
        except ValueError:
            route = Route.TO_MEETING
        party = data.get("elsewhere_party_id")
        return cls(route=route, goal=str(data.get("goal", "")),
                   themes=tuple(str(t) for t in data.get("themes", ()) or ()),
                   decision_types=decision_types_from(data.get("decision_types", ()) or ()),
                   invitees=frozenset(int(p) for p in data.get("invitees", ()) or ()),
                   elsewhere_party_id=int(party) if party is not None else None,
                   elsewhere_chain=str(data.get("elsewhere_chain", "")),
                   reason=str(data.get("reason", "")))


# -- the draft ----------------------------------------------------------------------------

@dataclass(frozen=True)
class TriageDraft:
    """Where the wizard was, and the routing decision being prepared (JSON in the vault)."""

    case_number: str
    step: TriageStep = TriageStep.PARTIES
    routing: RoutingDecision = field(
        default_factory=lambda: RoutingDecision(Route.TO_MEETING))

    def to_payload(self) -> dict[str, Any]:
        return {"version": PAYLOAD_VERSION, "case_number": self.case_number,
                "step": self.step.value, "routing": self.routing.to_payload()}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> TriageDraft:
        try:
            step = TriageStep(str(data.get("step", TriageStep.PARTIES.value)))
        except ValueError:
            step = TriageStep.PARTIES
        return cls(case_number=str(data["case_number"]), step=step,
                   routing=RoutingDecision.from_payload(data.get("routing") or {}))


# -- checks -------------------------------------------------------------------------------

def _bounded(text: str, limit: int, field_name: str) -> str:
    if len(text) > limit:
        raise ValidationError(_("is longer than {limit} characters").format(limit=limit),
                              field=field_name)
    return text


def check_party_in_protocol(party_id: int | None, standings: Mapping[int, PartyStanding],
                            protocol: Protocol, on: date, field_name: str) -> int:
    """A party in the register that takes part in the case's protocol on ``on``."""
    if party_id is None:
        raise ValidationError(_("choose a party"), field=field_name)
    standing = standings.get(party_id)
    if standing is None:
        raise ValidationError(_("is not a party in the register"), field=field_name)
    entitled = may_be_invited(standing, protocol, on)
    if not entitled:
        raise ValidationError(entitled.reason.label, field=field_name)
    return party_id


def check_terms(terms: SharingTerms, source_party_id: int,
                standings: Mapping[int, PartyStanding], protocol: Protocol, on: date,
                field_name: str = "terms.shared_with") -> SharingTerms:
    """Terms may name only parties taking part in the case's protocol."""
    for party_id in sorted(terms.shared_with):
        check_party_in_protocol(party_id, standings, protocol, on, field_name)
    _bounded(terms.use_restriction, MAX_SHORT * 4, "terms.use_restriction")
    shared = frozenset(p for p in terms.shared_with if p != source_party_id)
    return SharingTerms(shared, terms.pre_meeting_view, terms.meeting_screen,
                        terms.use_restriction.strip(), terms.subject_access)


def check_concerns(concerns: Iterable[int] | None, field_name: str = "concerns"
                   ) -> frozenset[int] | None:
    """None (the whole household) or a non-empty set of subjects; whether they are the
    case's own subjects is the service's to check (``cases.set_item_concerns``)."""
    if concerns is None:
        return None
    found = frozenset(concerns)
    if not found:
        raise ValidationError(_("choose the subjects the information concerns, or the "
                                "whole household"), field=field_name)
    return found


def check_new_item(item: NewItem, standings: Mapping[int, PartyStanding], protocol: Protocol,
                   on: date) -> NewItem:
    """An item with text, from a party in the protocol, with terms naming only such parties,
    received no later than ``on``."""
    if not item.text.strip():
        raise ValidationError(_("must not be empty"), field="text")
    _bounded(item.text, MAX_TEXT, "text")
    check_free_text(item.text, "text")  # issue 25, point 3
    check_party_in_protocol(item.source_party_id, standings, protocol, on, "source_party")
    if item.received > on:
        raise ValidationError(_("is in the future"), field="received")
    try:
        category = Category(item.category)
    except ValueError:
        raise ValidationError(_("is not a category"), field="category") from None
    terms = check_terms(item.terms, item.source_party_id, standings, protocol, on)
    concerns = check_concerns(item.concerns)
    return NewItem(item.source_party_id, category, item.text.strip(), item.received, terms,
                   concerns)


def check_query(query: PartyQuery, on: date) -> PartyQuery:
    if query.asked_on > on:
        raise ValidationError(_("is in the future"), field="asked_on")
    if (query.answer is None) != (query.answered_on is None):
        raise ValidationError(_("give both the answer and its date"), field="answer")
    if query.answered_on is not None:
        if query.answered_on > on:
            raise ValidationError(_("is in the future"), field="answered_on")
        if query.answered_on < query.asked_on:
            raise ValidationError(_("is before the party was asked"), field="answered_on")
    return query


def routing_problems(decision: RoutingDecision, standings: Mapping[int, PartyStanding],
                     protocol: Protocol, on: date) -> list[ValidationError]:
    """Every reason the routing decision cannot be made, each naming its field."""
    problems: list[ValidationError] = []

    def collect(check: Any) -> None:
        try:
            check()
        except ValidationError as exc:
            problems.append(exc)

    if decision.route is Route.TO_MEETING:
        if not decision.goal.strip():
            problems.append(ValidationError(_("Set the goal of the meeting."), field="goal"))
        collect(lambda: _bounded(decision.goal, MAX_TEXT, "goal"))
        themes = [t for t in decision.themes if t.strip()]
        if not themes:
            problems.append(ValidationError(_("Name at least one theme to discuss."),
                                            field="themes"))
        elif len(themes) > MAX_THEMES:
            problems.append(ValidationError(_("Name at most {n} themes.").format(
                n=MAX_THEMES), field="themes"))
        for theme in themes:
            collect(lambda t=theme: _bounded(t, MAX_SHORT, "themes"))
        if not decision.decision_types:
            problems.append(ValidationError(_("Choose the kinds of decisions to take."),
                                            field="decision_types"))
        if not decision.invitees:
            problems.append(ValidationError(_("Invite at least one party."),
                                            field="invitees"))
        for party_id in sorted(decision.invitees):
            collect(lambda p=party_id: check_party_in_protocol(p, standings, protocol, on,
                                                               "invitees"))
    else:
        if decision.elsewhere_party_id is None and not decision.elsewhere_chain.strip():
            problems.append(ValidationError(
                _("Say which party or chain handles the case."), field="elsewhere"))
        if decision.elsewhere_party_id is not None and decision.elsewhere_party_id \
                not in standings:
            problems.append(ValidationError(_("is not a party in the register"),
                                            field="elsewhere"))
        collect(lambda: _bounded(decision.elsewhere_chain, MAX_SHORT, "elsewhere"))
        if not decision.reason.strip():
            problems.append(ValidationError(_("Say why the case is handled elsewhere."),
                                            field="reason"))
        collect(lambda: _bounded(decision.reason, MAX_TEXT, "reason"))
    return problems


def check_routing(decision: RoutingDecision, standings: Mapping[int, PartyStanding],
                  protocol: Protocol, on: date) -> RoutingDecision:
    """The decision cleaned up (themes trimmed, fields of the other route emptied), or the
    first problem as ``ValidationError``."""
    problems = routing_problems(decision, standings, protocol, on)
    if problems:
        raise problems[0]
    if decision.route is Route.TO_MEETING:
        return RoutingDecision(Route.TO_MEETING, decision.goal.strip(),
                               tuple(t.strip() for t in decision.themes if t.strip()),
                               decision.decision_types, decision.invitees)
    return RoutingDecision(Route.ELSEWHERE, elsewhere_party_id=decision.elsewhere_party_id,
                           elsewhere_chain=decision.elsewhere_chain.strip(),
                           reason=decision.reason.strip())


@dataclass(frozen=True)
class TriageCheck:
    """What the triage steps' checks need besides the draft: the parties asked so far, the
    register's standings, the case's protocol and the day."""

    queries: tuple[PartyQuery, ...]
    standings: Mapping[int, PartyStanding]
    protocol: Protocol
    on: date


def _parties_step(draft: TriageDraft, ctx: TriageCheck) -> list[FieldError]:
    if not ctx.queries:
        return [FieldError("parties", _("Ask at least one party."))]
    return []


def _routing_step(draft: TriageDraft, ctx: TriageCheck) -> list[FieldError]:
    return [refusal(p) for p in routing_problems(draft.routing, ctx.standings, ctx.protocol,
                                                 ctx.on)]


def _step(step: TriageStep, check: Any, fields: tuple[str, ...]) -> Step[TriageDraft,
                                                                           TriageCheck]:
    return Step(step, STEP_TITLES[step], STEP_EXPLANATIONS[step], check, fields)


_ROUTING_FIELDS = ("route", "goal", "themes", "decision_types", "invitees", "elsewhere",
                   "reason")

#: The triage wizard in the one wizard protocol (``app.domain.wizard``).
FLOW: Flow[TriageDraft, TriageCheck] = Flow("triage", [
    _step(TriageStep.PARTIES, _parties_step, ("parties",)),
    _step(TriageStep.ANSWERS, no_refusals, ("answers", "items")),
    _step(TriageStep.REVIEW, no_refusals, ("items",)),
    _step(TriageStep.ROUTING, _routing_step, _ROUTING_FIELDS),
    _step(TriageStep.SUMMARY, _routing_step, _ROUTING_FIELDS),
])
assert FLOW.ids() == STEP_ORDER


def validate_step(step: TriageStep, draft: TriageDraft, queries: Iterable[PartyQuery],
                  standings: Mapping[int, PartyStanding], protocol: Protocol,
                  on: date) -> list[ValidationError]:
    """What keeps the wizard from moving on from ``step`` (empty: it may)."""
    found = FLOW.refusals(step, draft, TriageCheck(tuple(queries), standings, protocol, on))
    return [ValidationError(f.message, field=f.field or None) for f in found]


def describe_terms(terms: SharingTerms, party_names: Mapping[int, str]) -> str:
    """The terms in words, as the wizard and the case screen show them."""
    if terms.shared_with:
        parts = [_("shared with: {parties}").format(parties=", ".join(sorted(
            party_names.get(p, f"#{p}") for p in terms.shared_with)))]
    else:
        parts = [_("not shared")]
    if terms.pre_meeting_view:
        parts.append(_("pre-meeting view"))
    if terms.meeting_screen:
        parts.append(_("meeting screen"))
    if terms.use_restriction:
        parts.append(_("restriction: {text}").format(text=terms.use_restriction))
    return "; ".join(parts)


def describe_item_terms(item: InformationItem, party_names: Mapping[int, str]) -> str:
    """An item's terms in words, first saying when they still await its source party's
    confirmation (terms someone else set, held at the narrowest until then)."""
    text = describe_terms(item.terms, party_names)
    if not item.terms_to_confirm:
        return text
    source = party_names.get(item.source_party_id, f"#{item.source_party_id}")
    return "; ".join((_("terms to be confirmed by {party}").format(party=source), text))


def describe_concerns(concerns: frozenset[int] | None, subjects: Sequence[Subject]) -> str:
    """Whom an item concerns, in words: the whole household, or the subjects' names in the
    case's order."""
    if concerns is None:
        return _("the whole household")
    return ", ".join(s.display_name for s in subjects if s.id in concerns)


def parse_themes(text: str) -> tuple[str, ...]:
    """Themes typed one per line (or separated by semicolons)."""
    parts = [p.strip() for line in text.splitlines() for p in line.split(";")]
    return tuple(p for p in parts if p)
