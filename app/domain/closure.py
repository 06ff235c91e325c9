"""Closing a case (afschaling, covenant 1.10 and 8.4d) as data: the wizard's steps, what the
process director decides, and the preview of exactly what is removed now.

The flow (rendered by ``ui/closure``, run without Qt in the tests):

1. ``criteria``  each closure criterion of the plan marked met or not, with a note;
2. ``decision``  the process director decides, with the case coordinator's agreement
                 (the coordinator's name, party and the date of agreement);
3. ``outcome``   goals reached, partly reached, not reached, or transferred;
4. ``preview``   what is removed now and what is kept; more may be chosen for removal;
5. ``confirm``   the case named once more, then ``app.services.closure.close_case``.

By default closing removes the information items (with their terms and the requests to widen
them), the life-domain texts, the subjects' addresses and BSNs, the minutes (live entries and
the minutes stored with the case: they quote the items) and every draft of the case (plan,
triage, intake, closure, an agenda being prepared, minutes being typed). The process director
may also remove the referral texts, the criteria motivations, the plan's details, the plan's
texts (goals, actions, criteria, in every version), the agenda texts (goal, themes and the
contribution asked of each party) and the triage routing's texts. What every closure keeps:
the case number, protocol, dates and outcome; the closure decision (criteria met or not, the
notes and reason written at closure, the coordinator's agreement); the tombstone with the
counts for the figures; the subjects' names and birth dates (for the retention period, so
that a subject-access request can still be answered); and, unless removed, the texts above.
Everything else goes at destruction, when the retention period ends.

The preview lists the rows it will touch by id; :func:`ClosurePreview.fingerprint` lets the
service check, inside the closing transaction, that it removes exactly what was shown.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from app.domain.wizard import FieldError, Flow, no_refusals
from app.domain.wizard import Step as FlowStep
from app.errors import ValidationError
from app.i18n import N_, _

MAX_NOTE = 5_000
MAX_NAME = 200


class Outcome(StrEnum):
    GOALS_REACHED = "goals_reached"
    PARTLY_REACHED = "partly_reached"
    NOT_REACHED = "not_reached"
    TRANSFERRED = "transferred"

    @property
    def label(self) -> str:
        return _(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    Outcome.GOALS_REACHED: N_("Goals reached"),
    Outcome.PARTLY_REACHED: N_("Goals partly reached"),
    Outcome.NOT_REACHED: N_("Goals not reached"),
    Outcome.TRANSFERRED: N_("Transferred to regular care or another body"),
}


class Removal(StrEnum):
    """A kind of data closing can remove now."""

    INFORMATION_ITEMS = "information_items"
    LIFE_DOMAIN_TEXTS = "life_domain_texts"
    SUBJECT_ADDRESSES = "subject_addresses"
    SUBJECT_BSNS = "subject_bsns"
    MINUTES = "minutes"
    DRAFTS = "drafts"
    # optional: only when the process director chooses to remove more now
    REFERRAL_TEXTS = "referral_texts"
    CRITERIA_MOTIVATIONS = "criteria_motivations"
    PLAN_DETAILS = "plan_details"
    PLAN_TEXTS = "plan_texts"
    AGENDA_TEXTS = "agenda_texts"
    ROUTING_TEXTS = "routing_texts"

    @property
    def label(self) -> str:
        return _(REMOVAL_LABELS[self])

    @property
    def help(self) -> str:
        return _(REMOVAL_HELP[self])


REMOVAL_LABELS = {
    Removal.INFORMATION_ITEMS: N_("Information items"),
    Removal.LIFE_DOMAIN_TEXTS: N_("Life-domain texts"),
    Removal.SUBJECT_ADDRESSES: N_("Subjects' addresses"),
    Removal.SUBJECT_BSNS: N_("Subjects' BSNs"),
    Removal.MINUTES: N_("Minutes"),
    Removal.DRAFTS: N_("Drafts of the case"),
    Removal.REFERRAL_TEXTS: N_("Referral texts (reason, question, contact, decline texts)"),
    Removal.CRITERIA_MOTIVATIONS: N_("Motivations of the Bijlage 2 criteria"),
    Removal.PLAN_DETAILS: N_("Plan details (progress notes and information needs)"),
    Removal.PLAN_TEXTS: N_("Plan texts"),
    Removal.AGENDA_TEXTS: N_("Agenda texts"),
    Removal.ROUTING_TEXTS: N_("Triage routing texts"),
}

#: What a kind covers, in a sentence (the preview shows it beside the label).
REMOVAL_HELP = {
    Removal.INFORMATION_ITEMS: N_("Every item supplied, with its sharing terms and the "
                                  "requests to widen them."),
    Removal.LIFE_DOMAIN_TEXTS: N_("The description of the problems per life domain."),
    Removal.SUBJECT_ADDRESSES: N_("The address of each subject."),
    Removal.SUBJECT_BSNS: N_("The BSN of each subject (the case is no longer found by it)."),
    Removal.MINUTES: N_("The entries made during the meetings and the minutes stored with "
                        "the case; they quote the information items."),
    Removal.DRAFTS: N_("Unfinished work of every account: plan, triage, intake and closure "
                       "drafts, the case's part of an agenda being prepared, minutes being "
                       "typed."),
    Removal.REFERRAL_TEXTS: N_("The referral's reason and question, the contact person, the "
                               "external reference and the texts of a decline."),
    Removal.CRITERIA_MOTIVATIONS: N_("Why each Bijlage 2 criterion was answered as it was."),
    Removal.PLAN_DETAILS: N_("Progress notes and information needs, in every version of the "
                             "plan."),
    Removal.PLAN_TEXTS: N_("Goals, actions and who carries them out, closure criteria and the "
                           "note on the next meeting, in every version; the life domains and "
                           "the actions' party, date and status stay."),
    Removal.AGENDA_TEXTS: N_("The goal and themes of each agenda item and the contribution "
                             "asked of each party."),
    Removal.ROUTING_TEXTS: N_("The goal, themes and reason of the triage routing and the "
                              "other chain named."),
}

#: Removed at every closure.
DEFAULT_REMOVALS: tuple[Removal, ...] = (Removal.INFORMATION_ITEMS, Removal.LIFE_DOMAIN_TEXTS,
                                         Removal.SUBJECT_ADDRESSES, Removal.SUBJECT_BSNS,
                                         Removal.MINUTES, Removal.DRAFTS)
#: What the process director may add.
OPTIONAL_REMOVALS: tuple[Removal, ...] = (Removal.REFERRAL_TEXTS, Removal.CRITERIA_MOTIVATIONS,
                                          Removal.PLAN_DETAILS, Removal.PLAN_TEXTS,
                                          Removal.AGENDA_TEXTS, Removal.ROUTING_TEXTS)

#: What closing keeps in any case, as the preview shows it (the kinds not chosen for
#: removal are listed beside it).
KEPT_LABELS: tuple[str, ...] = (
    N_("Case number and protocol"),
    N_("Dates (referral, intake, triage, meetings, closure)"),
    N_("Outcome and the closure decision (criteria met or not, the notes and reason written "
       "now, the case coordinator's agreement)"),
    N_("Counts for the figures (subjects, items, meetings, actions)"),
    N_("Subjects' names and birth dates, until the retention period ends"),
)

#: Written in place of a removed text where the row stays (an action keeps its party, due
#: date and status for the summary): the same in every language, says nothing.
REMOVED_TEXT = "\u2014"


# -- the steps ------------------------------------------------------------------------------

class StepId(StrEnum):
    CRITERIA = "criteria"
    DECISION = "decision"
    OUTCOME = "outcome"
    PREVIEW = "preview"
    CONFIRM = "confirm"


@dataclass(frozen=True)
class Step:
    id: StepId
    title: str          # msgid
    help: str           # msgid


STEPS: tuple[Step, ...] = (
    Step(StepId.CRITERIA, N_("Closure criteria"),
         N_("Mark each closure criterion of the plan as met or not, with a note.")),
    Step(StepId.DECISION, N_("Decision"),
         N_("The process director decides to close the case, with the agreement of the "
            "case coordinator.")),
    Step(StepId.OUTCOME, N_("Outcome"),
         N_("What did the work of the house achieve?")),
    Step(StepId.PREVIEW, N_("What is removed"),
         N_("This is removed from the vault now. You may remove more; it cannot be undone.")),
    Step(StepId.CONFIRM, N_("Confirm"),
         N_("Check the case number. Closing starts the retention period.")),
)


def step_after(step: StepId) -> StepId | None:
    ids = [s.id for s in STEPS]
    i = ids.index(step)
    return ids[i + 1] if i + 1 < len(ids) else None


def step_before(step: StepId) -> StepId | None:
    ids = [s.id for s in STEPS]
    i = ids.index(step)
    return ids[i - 1] if i > 0 else None


# -- the answers ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CriterionCheck:
    """One closure criterion of the plan, marked met or not (None: not answered yet)."""

    criterion: str
    met: bool | None = None
    note: str = ""


@dataclass(frozen=True)
class CoordinatorAgreement:
    """The case coordinator agreed to close: who (name and party) and on which date."""

    name: str = ""
    party_id: int | None = None
    agreed_on: date | None = None


@dataclass(frozen=True)
class ClosureDecision:
    """Everything the wizard gathers; the service checks it again before closing."""

    criteria: tuple[CriterionCheck, ...] = ()
    #: why the case closes although a criterion is not met (required then)
    reason: str = ""
    agreement: CoordinatorAgreement = field(default_factory=CoordinatorAgreement)
    outcome: Outcome | None = None
    #: removals chosen beyond :data:`DEFAULT_REMOVALS`
    extra_removals: frozenset[Removal] = frozenset()

    @property
    def criteria_met(self) -> bool:
        """All criteria met (a plan without criteria has none met: a reason is needed)."""
        return bool(self.criteria) and all(c.met is True for c in self.criteria)

    @property
    def removals(self) -> tuple[Removal, ...]:
        chosen = set(DEFAULT_REMOVALS) | set(self.extra_removals)
        return tuple(r for r in Removal if r in chosen)

    def with_criterion(self, index: int, met: bool | None, note: str) -> ClosureDecision:
        items = list(self.criteria)
        items[index] = replace(items[index], met=met, note=note)
        return replace(self, criteria=tuple(items))


def decision_payload(decision: ClosureDecision) -> dict[str, Any]:
    """The wizard's answers as JSON-able data (kept as a draft in the vault over a lock)."""
    agreement = decision.agreement
    return {
        "criteria": [{"criterion": c.criterion, "met": c.met, "note": c.note}
                     for c in decision.criteria],
        "reason": decision.reason,
        "agreement": {"name": agreement.name, "party_id": agreement.party_id,
                      "agreed_on": agreement.agreed_on.isoformat()
                      if agreement.agreed_on else None},
        "outcome": decision.outcome.value if decision.outcome else None,
        "extra_removals": sorted(r.value for r in decision.extra_removals),
    }


def decision_from_payload(data: dict[str, Any],
                          criteria: tuple[CriterionCheck, ...]) -> ClosureDecision:
    """Answers kept in a draft, laid over the plan's ``criteria`` as they are now: an answer
    counts only for a criterion the plan still has (by its text); a removal or outcome this
    version does not know is left out rather than refused."""
    answered = {c.get("criterion"): c for c in data.get("criteria", [])}
    checks = tuple(replace(check, met=answered[check.criterion].get("met"),
                           note=str(answered[check.criterion].get("note") or ""))
                   if check.criterion in answered else check for check in criteria)
    agreement = data.get("agreement") or {}
    agreed_on = agreement.get("agreed_on")
    removals = {r.value: r for r in Removal}
    outcomes = {o.value: o for o in Outcome}
    return ClosureDecision(
        criteria=checks, reason=str(data.get("reason") or ""),
        agreement=CoordinatorAgreement(
            str(agreement.get("name") or ""), agreement.get("party_id"),
            date.fromisoformat(agreed_on) if agreed_on else None),
        outcome=outcomes.get(data.get("outcome") or ""),
        extra_removals=frozenset(removals[v] for v in data.get("extra_removals", [])
                                 if v in removals))


def criteria_from_plan(text: str) -> tuple[CriterionCheck, ...]:
    """The plan's closure criteria (one per line; list marks stripped) as unanswered checks."""
    checks = []
    for line in text.splitlines():
        cleaned = line.strip().lstrip("-*\u2022\u2013").strip()
        if cleaned:
            checks.append(CriterionCheck(cleaned))
    return tuple(checks)


@dataclass(frozen=True)
class ClosureCheck:
    """What the closure steps' checks need besides the answers: the day, and the parties
    taking part in the case (None: not known, any party is accepted)."""

    today: date
    coordinator_parties: frozenset[int] | None = None


def _criteria_step(decision: ClosureDecision, ctx: ClosureCheck) -> list[FieldError]:
    found: list[FieldError] = []
    for i, check in enumerate(decision.criteria):
        if check.met is None:
            found.append(FieldError(f"criteria.{i}", _("Mark criterion {n} as met or not met.")
                                    .format(n=i + 1)))
        if len(check.note) > MAX_NOTE:
            found.append(FieldError(f"criteria.{i}", _("The note on criterion {n} is longer "
                                                       "than {limit} characters.")
                                    .format(n=i + 1, limit=MAX_NOTE)))
    if not decision.criteria_met and not decision.reason.strip():
        if decision.criteria:
            found.append(FieldError("reason", _("Not every closure criterion is met: record "
                                                "why the case closes anyway.")))
        else:
            found.append(FieldError("reason", _("The plan has no closure criteria: record why "
                                                "the case closes.")))
    if len(decision.reason) > MAX_NOTE:
        found.append(FieldError("reason", _("The reason is longer than {limit} characters.")
                                .format(limit=MAX_NOTE)))
    return found


def _decision_step(decision: ClosureDecision, ctx: ClosureCheck) -> list[FieldError]:
    found: list[FieldError] = []
    agreement = decision.agreement
    if not agreement.name.strip():
        found.append(FieldError("agreement.name", _("Record the name of the case coordinator "
                                                    "who agreed to close the case.")))
    elif len(agreement.name) > MAX_NAME:
        found.append(FieldError("agreement.name", _("The case coordinator's name is longer "
                                                    "than {limit} characters.")
                                .format(limit=MAX_NAME)))
    if agreement.party_id is None:
        found.append(FieldError("agreement.party", _("Choose the case coordinator's party.")))
    elif ctx.coordinator_parties is not None \
            and agreement.party_id not in ctx.coordinator_parties:
        found.append(FieldError("agreement.party", _("The case coordinator's party does not "
                                                     "take part in this case.")))
    if agreement.agreed_on is None:
        found.append(FieldError("agreement.date", _("Record the date the case coordinator "
                                                    "agreed.")))
    elif agreement.agreed_on > ctx.today:
        found.append(FieldError("agreement.date", _("The date of agreement lies in the "
                                                    "future.")))
    return found


def _outcome_step(decision: ClosureDecision, ctx: ClosureCheck) -> list[FieldError]:
    if decision.outcome is None:
        return [FieldError("outcome", _("Choose the outcome of the case."))]
    return []


def _preview_step(decision: ClosureDecision, ctx: ClosureCheck) -> list[FieldError]:
    if set(decision.extra_removals) - set(OPTIONAL_REMOVALS):
        return [FieldError("removals", _("An unknown kind of data was chosen for removal."))]
    return []


_CHECKS = {StepId.CRITERIA: (_criteria_step, ("criteria", "reason")),
           StepId.DECISION: (_decision_step, ("agreement.name", "agreement.party",
                                              "agreement.date")),
           StepId.OUTCOME: (_outcome_step, ("outcome",)),
           StepId.PREVIEW: (_preview_step, ("removals",)),
           StepId.CONFIRM: (no_refusals, ("case_number",))}

#: The closure wizard in the one wizard protocol (``app.domain.wizard``).
FLOW: Flow[ClosureDecision, ClosureCheck] = Flow("closure", [
    FlowStep(step.id, step.title, step.help, _CHECKS[step.id][0], _CHECKS[step.id][1])
    for step in STEPS])


def refusals(step: StepId, decision: ClosureDecision, today: date,
             coordinator_parties: frozenset[int] | None = None) -> list[tuple[str, str]]:
    """Why the answers of ``step`` are not complete yet: ``(field, message)`` pairs (the
    refusals of the step's check in :data:`FLOW`)."""
    return [(f.field, f.message)
            for f in FLOW.refusals(step, decision, ClosureCheck(today, coordinator_parties))]


def check(decision: ClosureDecision, today: date,
          coordinator_parties: frozenset[int] | None = None) -> None:
    """Refuse (``ValidationError`` naming every reason) a decision that is not complete."""
    found: list[tuple[str, str]] = []
    for step in STEPS:
        found.extend(refusals(step.id, decision, today, coordinator_parties))
    if found:
        raise ValidationError(" ".join(message for _field, message in found),
                              field=found[0][0])


# -- the preview ----------------------------------------------------------------------------

@dataclass(frozen=True)
class PreviewLine:
    """One kind of data that closing removes now, with the ids of the rows it touches."""

    removal: Removal
    #: ``"table:id"`` references (``"cases.reason:7"`` for a field of the case row)
    row_ids: tuple[str, ...]
    #: short descriptions for the screen (e.g. the life domains, the subjects' roles); no
    #: content of the data itself
    details: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.row_ids)


@dataclass(frozen=True)
class ClosurePreview:
    case_number: str
    lines: tuple[PreviewLine, ...]
    kept: tuple[str, ...] = KEPT_LABELS

    def line(self, removal: Removal) -> PreviewLine | None:
        return next((ln for ln in self.lines if ln.removal is removal), None)

    @property
    def removals(self) -> tuple[Removal, ...]:
        return tuple(ln.removal for ln in self.lines)

    def fingerprint(self) -> str:
        """A digest of exactly what will be removed (kinds and row ids)."""
        data = [[ln.removal.value, sorted(ln.row_ids)] for ln in self.lines]
        return hashlib.sha256(json.dumps([self.case_number, data]).encode()).hexdigest()

    def summary(self) -> dict[str, int]:
        """Counts per kind: what the audit log records (no content)."""
        return {ln.removal.value: ln.count for ln in self.lines}
