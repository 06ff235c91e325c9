"""The case lifecycle (DESIGN.md, "The case lifecycle"): the states a case passes through,
the transitions allowed between them and the preconditions of each.

```
referred -> intake -> triage -> scheduled -> in_progress -> closed -> destroyed
               \\          \\                      ^  |
                declined   routed_elsewhere      +--+ (follow-up meetings)
```

Every service that moves a case calls :func:`transition` (or :func:`check_transition`) with
the facts it knows; a step that is not allowed, or whose preconditions are not met, raises
``TransitionRefused`` with a message that tells the user why, in the user's language. The
module is plain Python: no database, no Qt, so whole flows are tested on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.errors import TransitionRefused
from app.i18n import N_, _


class CaseState(StrEnum):
    REFERRED = "referred"
    INTAKE = "intake"
    TRIAGE = "triage"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    DESTROYED = "destroyed"
    DECLINED = "declined"
    ROUTED_ELSEWHERE = "routed_elsewhere"

    @property
    def label(self) -> str:
        return _(STATE_LABELS[self])

    @property
    def is_open(self) -> bool:
        """Still being worked on by the house (not ended, not destroyed)."""
        return self in OPEN_STATES

    @property
    def holds_personal_data(self) -> bool:
        """Every state but ``destroyed`` still holds the case's personal data."""
        return self is not CaseState.DESTROYED


STATE_LABELS = {
    CaseState.REFERRED: N_("Referred"),
    CaseState.INTAKE: N_("Intake"),
    CaseState.TRIAGE: N_("Triage"),
    CaseState.SCHEDULED: N_("Scheduled"),
    CaseState.IN_PROGRESS: N_("In progress"),
    CaseState.CLOSED: N_("Closed"),
    CaseState.DESTROYED: N_("Destroyed"),
    CaseState.DECLINED: N_("Declined"),
    CaseState.ROUTED_ELSEWHERE: N_("Routed elsewhere"),
}

OPEN_STATES = frozenset({CaseState.REFERRED, CaseState.INTAKE, CaseState.TRIAGE,
                         CaseState.SCHEDULED, CaseState.IN_PROGRESS})

#: Which states a case may move to from each state. Ended cases (closed, declined, routed
#: elsewhere) can only be destroyed once their retention period has passed.
TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    CaseState.REFERRED: frozenset({CaseState.INTAKE}),
    CaseState.INTAKE: frozenset({CaseState.TRIAGE, CaseState.DECLINED}),
    CaseState.TRIAGE: frozenset({CaseState.SCHEDULED, CaseState.ROUTED_ELSEWHERE}),
    CaseState.SCHEDULED: frozenset({CaseState.IN_PROGRESS}),
    CaseState.IN_PROGRESS: frozenset({CaseState.SCHEDULED, CaseState.CLOSED}),
    CaseState.CLOSED: frozenset({CaseState.DESTROYED}),
    CaseState.DECLINED: frozenset({CaseState.DESTROYED}),
    CaseState.ROUTED_ELSEWHERE: frozenset({CaseState.DESTROYED}),
    CaseState.DESTROYED: frozenset(),
}


@dataclass(frozen=True)
class TransitionFacts:
    """What the calling service knows about the case, for the preconditions.

    Only the facts a transition needs are looked at; the rest may stay at their defaults.
    """

    #: all four Bijlage 2 criteria have an answer and a motivation (intake decision)
    criteria_answered: bool = False
    #: the answers say the case is complex casuistry (needed to accept for triage)
    criteria_met: bool = False
    #: declining: the reason and the advice to the referring party
    decline_reason: str = ""
    decline_advice: str = ""
    #: routing elsewhere: where to and why
    routing_reason: str = ""
    #: scheduling a (follow-up) meeting
    has_goal: bool = False
    has_themes: bool = False
    has_invitees: bool = False
    #: closing
    closure_criteria_met: bool = False
    closure_reason: str = ""
    #: destroying: the retention period has passed
    retention_expired: bool = False


def allowed_targets(state: CaseState) -> frozenset[CaseState]:
    return TRANSITIONS[state]


def refusals(state: CaseState, target: CaseState, facts: TransitionFacts) -> list[str]:
    """Every reason the move from ``state`` to ``target`` is refused (empty: allowed)."""
    if target not in TRANSITIONS[state]:
        return [_("A case that is \u201c{state}\u201d cannot become \u201c{target}\u201d.")
                .format(state=state.label, target=target.label)]
    reasons: list[str] = []
    if state is CaseState.INTAKE and not facts.criteria_answered:
        reasons.append(_("Answer all four criteria for complex cases (Bijlage 2), each "
                         "with a motivation, before deciding on the intake."))
    if target is CaseState.TRIAGE and facts.criteria_answered and not facts.criteria_met:
        reasons.append(_("The answers to the criteria (Bijlage 2) say this is not a complex "
                         "case; it cannot go to triage."))
    if target is CaseState.DECLINED:
        if not facts.decline_reason.strip():
            reasons.append(_("Give the reason for declining."))
        if not facts.decline_advice.strip():
            reasons.append(_("Give the advice to the referring party."))
    if target is CaseState.ROUTED_ELSEWHERE and not facts.routing_reason.strip():
        reasons.append(_("Say where the case goes and why."))
    if target is CaseState.SCHEDULED:
        if not facts.has_goal:
            reasons.append(_("Set the goal of the meeting first."))
        if not facts.has_themes:
            reasons.append(_("Choose the themes to discuss first."))
        if not facts.has_invitees:
            reasons.append(_("Invite at least one party first."))
    if (target is CaseState.CLOSED and not facts.closure_criteria_met
            and not facts.closure_reason.strip()):
        reasons.append(_("The closure criteria are not met: record the reason for closing "
                         "anyway."))
    if target is CaseState.DESTROYED and not facts.retention_expired:
        reasons.append(_("The retention period of this case has not ended yet."))
    return reasons


def check_transition(state: CaseState, target: CaseState, facts: TransitionFacts) -> None:
    """Raise ``TransitionRefused`` naming every unmet precondition; return when allowed."""
    reasons = refusals(state, target, facts)
    if reasons:
        raise TransitionRefused(" ".join(reasons))


def transition(state: CaseState, target: CaseState,
               facts: TransitionFacts | None = None) -> CaseState:
    """The one gate every service passes to move a case: returns ``target`` or refuses."""
    check_transition(state, target, facts or TransitionFacts())
    return target


#: The per-transition timestamp column on ``cases`` that the figures for the Stuurgroep use.
#: A service sets it the first time the case reaches that state (follow-up meetings keep the
#: first dates).
TIMESTAMP_COLUMN: dict[CaseState, str] = {
    CaseState.TRIAGE: "intake_decided_at",
    CaseState.DECLINED: "intake_decided_at",
    CaseState.SCHEDULED: "triage_done_at",
    CaseState.ROUTED_ELSEWHERE: "triage_done_at",
    CaseState.IN_PROGRESS: "first_meeting_at",
    CaseState.CLOSED: "closed_at",
    CaseState.DESTROYED: "destroyed_at",
}
