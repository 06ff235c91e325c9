"""The case lifecycle without Qt or database: which moves are allowed, what each needs, and
that a refusal says why in the user's language."""

from __future__ import annotations

import pytest

from app.domain.lifecycle import (OPEN_STATES, TRANSITIONS, CaseState, TransitionFacts,
                                  allowed_targets, check_transition, refusals, transition)
from app.errors import TransitionRefused
from app.i18n import set_language

ALL_MET = TransitionFacts(criteria_answered=True, criteria_met=True, decline_reason="r",
                          decline_advice="a", routing_reason="naar wijkteam", has_goal=True,
                          has_themes=True, has_invitees=True, closure_criteria_met=True,
                          retention_expired=True)


def test_the_happy_path_from_referral_to_destruction() -> None:
    state = CaseState.REFERRED
    for target in (CaseState.INTAKE, CaseState.TRIAGE, CaseState.SCHEDULED,
                   CaseState.IN_PROGRESS, CaseState.SCHEDULED, CaseState.IN_PROGRESS,
                   CaseState.CLOSED, CaseState.DESTROYED):
        state = transition(state, target, ALL_MET)
    assert state is CaseState.DESTROYED
    assert allowed_targets(state) == frozenset()


@pytest.mark.parametrize("state", list(CaseState))
@pytest.mark.parametrize("target", list(CaseState))
def test_only_the_designed_arrows_exist(state: CaseState, target: CaseState) -> None:
    designed = {
        (CaseState.REFERRED, CaseState.INTAKE), (CaseState.INTAKE, CaseState.TRIAGE),
        (CaseState.INTAKE, CaseState.DECLINED), (CaseState.TRIAGE, CaseState.SCHEDULED),
        (CaseState.TRIAGE, CaseState.ROUTED_ELSEWHERE),
        (CaseState.SCHEDULED, CaseState.IN_PROGRESS),
        (CaseState.IN_PROGRESS, CaseState.SCHEDULED), (CaseState.IN_PROGRESS, CaseState.CLOSED),
        (CaseState.CLOSED, CaseState.DESTROYED), (CaseState.DECLINED, CaseState.DESTROYED),
        (CaseState.ROUTED_ELSEWHERE, CaseState.DESTROYED)}
    if (state, target) in designed:
        assert transition(state, target, ALL_MET) is target
    else:
        with pytest.raises(TransitionRefused):
            transition(state, target, ALL_MET)


def test_refusal_names_both_states_in_dutch() -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(CaseState.REFERRED, CaseState.CLOSED, ALL_MET)
    assert "Aangemeld" in str(refused.value) and "Afgesloten" in str(refused.value)


def test_refusal_in_english_when_chosen() -> None:
    set_language("en")
    with pytest.raises(TransitionRefused) as refused:
        transition(CaseState.REFERRED, CaseState.CLOSED, ALL_MET)
    assert "Referred" in str(refused.value) and "Closed" in str(refused.value)


def test_intake_decision_needs_the_four_criteria_answered() -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(CaseState.INTAKE, CaseState.TRIAGE, TransitionFacts(criteria_met=True))
    assert "Bijlage 2" in str(refused.value)
    with pytest.raises(TransitionRefused):
        transition(CaseState.INTAKE, CaseState.DECLINED,
                   TransitionFacts(decline_reason="r", decline_advice="a"))


def test_accepting_needs_a_complex_case() -> None:
    facts = TransitionFacts(criteria_answered=True, criteria_met=False)
    with pytest.raises(TransitionRefused) as refused:
        transition(CaseState.INTAKE, CaseState.TRIAGE, facts)
    assert "triage" in str(refused.value).lower()


def test_declining_needs_reason_and_advice_and_says_which_is_missing() -> None:
    base = TransitionFacts(criteria_answered=True)
    reasons = refusals(CaseState.INTAKE, CaseState.DECLINED, base)
    assert len(reasons) == 2
    only_advice = refusals(CaseState.INTAKE, CaseState.DECLINED,
                           TransitionFacts(criteria_answered=True, decline_reason="x"))
    assert len(only_advice) == 1 and "advies" in only_advice[0]
    blank = TransitionFacts(criteria_answered=True, decline_reason="  ", decline_advice="\n")
    assert len(refusals(CaseState.INTAKE, CaseState.DECLINED, blank)) == 2
    check_transition(CaseState.INTAKE, CaseState.DECLINED,
                     TransitionFacts(criteria_answered=True, decline_reason="x",
                                     decline_advice="y"))


def test_scheduling_needs_goal_themes_and_invitees() -> None:
    reasons = refusals(CaseState.TRIAGE, CaseState.SCHEDULED, TransitionFacts())
    assert len(reasons) == 3
    assert refusals(CaseState.IN_PROGRESS, CaseState.SCHEDULED,
                    TransitionFacts(has_goal=True, has_themes=True)) != []
    assert refusals(CaseState.IN_PROGRESS, CaseState.SCHEDULED,
                    TransitionFacts(has_goal=True, has_themes=True, has_invitees=True)) == []


def test_closing_needs_criteria_met_or_a_reason() -> None:
    with pytest.raises(TransitionRefused):
        transition(CaseState.IN_PROGRESS, CaseState.CLOSED, TransitionFacts())
    assert transition(CaseState.IN_PROGRESS, CaseState.CLOSED,
                      TransitionFacts(closure_reason="betrokkene verhuisd")) is CaseState.CLOSED
    assert transition(CaseState.IN_PROGRESS, CaseState.CLOSED,
                      TransitionFacts(closure_criteria_met=True)) is CaseState.CLOSED


def test_routing_and_destroying_have_their_own_preconditions() -> None:
    with pytest.raises(TransitionRefused):
        transition(CaseState.TRIAGE, CaseState.ROUTED_ELSEWHERE, TransitionFacts())
    with pytest.raises(TransitionRefused):
        transition(CaseState.CLOSED, CaseState.DESTROYED, TransitionFacts())


def test_open_states_and_personal_data() -> None:
    assert {s for s in CaseState if s.is_open} == set(OPEN_STATES)
    assert not CaseState.CLOSED.is_open and CaseState.CLOSED.holds_personal_data
    assert not CaseState.DESTROYED.holds_personal_data
    assert set(TRANSITIONS) == set(CaseState)
    assert all(s.label for s in CaseState)
