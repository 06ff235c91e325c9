"""The four criteria for complex cases (covenant Bijlage 2, "Criteria Complexe Casuïstiek").

At intake the process director answers each criterion (met or not) with a motivation. The
Dutch texts are the covenant's own words (the Dutch catalogue holds them verbatim, a test
compares them with the covenant); the English msgids are a translation.

How the answers combine follows the covenant's list: the first criterion ends in "of;", the
third in "; en", so a case is complex casuistry when (criterion 1 OR criterion 2) AND
criterion 3 AND criterion 4.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.i18n import N_, _


class Criterion(StrEnum):
    SERIOUS_SAFETY_PROBLEM = "serious_safety_problem"
    SYSTEM_IMPACT = "system_impact"
    MULTI_CHAIN_COOPERATION = "multi_chain_cooperation"
    MULTI_PROBLEM = "multi_problem"

    @property
    def title(self) -> str:  # type: ignore[override]  # the ui reads .title; never str.title()
        """A short name for headings and the summary page."""
        return _(CRITERION_TITLES[self])

    @property
    def text(self) -> str:
        """The criterion as the covenant words it."""
        return _(CRITERION_TEXTS[self])


#: Bijlage 2's order.
CRITERIA: tuple[Criterion, ...] = tuple(Criterion)

CRITERION_TITLES = {
    Criterion.SERIOUS_SAFETY_PROBLEM: N_("Serious safety problems"),
    Criterion.SYSTEM_IMPACT: N_("Impact on the (family) system"),
    Criterion.MULTI_CHAIN_COOPERATION: N_("Cooperation across chains"),
    Criterion.MULTI_PROBLEM: N_("Multiple problems"),
}

CRITERION_TEXTS = {
    Criterion.SERIOUS_SAFETY_PROBLEM: N_(
        "there are serious local or area-bound safety problems that call for an approach "
        "across the chains"),
    Criterion.SYSTEM_IMPACT: N_(
        "the problems are influenced by and have an impact on the (family) system and/or the "
        "immediate social environment (or are expected to have one)"),
    Criterion.MULTI_CHAIN_COOPERATION: N_(
        "cooperation between several chains (at least compulsion and pressure) is needed "
        "for an effective approach; the regular cooperation between partners within one "
        "chain cannot tackle these problems effectively"),
    Criterion.MULTI_PROBLEM: N_(
        "there are several problems (multi-problem) in more than one life domain that "
        "(are expected to) lead to criminal and/or nuisance behaviour or further decline"),
}

#: The sentence that introduces the criteria in Bijlage 2.
CRITERIA_INTRODUCTION = N_("A case counts as complex casuistry when it meets the following "
                           "criteria:")


def criteria_introduction() -> str:
    return _(CRITERIA_INTRODUCTION)


@dataclass(frozen=True)
class CriterionAnswer:
    criterion: Criterion
    met: bool | None = None          # None: not answered yet
    motivation: str = ""

    @property
    def answered(self) -> bool:
        return self.met is not None and bool(self.motivation.strip())


def answers_by_criterion(answers: Iterable[CriterionAnswer]) -> dict[Criterion, CriterionAnswer]:
    return {a.criterion: a for a in answers}


def unanswered(answers: Iterable[CriterionAnswer]) -> list[Criterion]:
    """The criteria still lacking an answer or a motivation, in Bijlage 2's order."""
    given = answers_by_criterion(answers)
    return [c for c in CRITERIA if c not in given or not given[c].answered]


def all_answered(answers: Iterable[CriterionAnswer]) -> bool:
    return not unanswered(answers)


def is_complex_case(answers: Iterable[CriterionAnswer]) -> bool:
    """(1 or 2) and 3 and 4, on answered criteria only."""
    given: Mapping[Criterion, CriterionAnswer] = answers_by_criterion(answers)

    def met(c: Criterion) -> bool:
        answer = given.get(c)
        return answer is not None and answer.answered and bool(answer.met)

    return ((met(Criterion.SERIOUS_SAFETY_PROBLEM) or met(Criterion.SYSTEM_IMPACT))
            and met(Criterion.MULTI_CHAIN_COOPERATION) and met(Criterion.MULTI_PROBLEM))
