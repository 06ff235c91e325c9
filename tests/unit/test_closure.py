"""Closing a case: the wizard's steps as data, the preview, and the service that cleans
exactly what the preview showed and refuses incomplete decisions with the reason."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from app.domain import closure as closure_domain
from app.domain.closure import (ClosureDecision, CoordinatorAgreement, CriterionCheck, Outcome,
                                Removal, StepId)
from app.domain.information import Category
from app.domain.plan import ActionStatus
from app.domain.roles import Role
from app.errors import PermissionDenied, TransitionRefused, ValidationError
from app.services import closure as closure_service
from app.services import plan as plan_service
from app.store.case_tables import (cases, criteria_answers, information_items,
                                   life_domain_problems, subjects)
from app.store.plan_tables import plan_action_notes, plan_goals, plan_versions, plans
from app.store.retention_tables import case_closures, case_tombstones
from app.store.tables import drafts
from app.vault.vault import OpenVault

from tests.unit.retention_fixtures import director_vault, make_case, party_id  # noqa: F401

DAY = date(2025, 9, 1)


def _decision(vault: OpenVault, number: str, **changes: object) -> ClosureDecision:
    context = closure_service.closure_context(vault, number, today=DAY)
    base = ClosureDecision(
        criteria=tuple(CriterionCheck(c.criterion, True, "ok") for c in context.criteria),
        agreement=CoordinatorAgreement("Sanne de Vries", party_id(vault, "gemeente-den-haag"),
                                       DAY),
        outcome=Outcome.PARTLY_REACHED)
    from dataclasses import replace

    return replace(base, **changes)  # type: ignore[arg-type]


def _snapshot(vault: OpenVault, case_id: int) -> dict[str, object]:
    """Everything of one case the closure may touch, to compare before and after."""
    with vault.read() as conn:
        return {
            "items": sorted(conn.execute(select(information_items.c.id).where(
                information_items.c.case_id == case_id)).scalars()),
            "domains": sorted(conn.execute(select(life_domain_problems.c.id).where(
                life_domain_problems.c.case_id == case_id)).scalars()),
            "subjects": [tuple(r) for r in conn.execute(
                select(subjects.c.id, subjects.c.given_names, subjects.c.surname,
                       subjects.c.birth_date, subjects.c.address, subjects.c.bsn)
                .where(subjects.c.case_id == case_id).order_by(subjects.c.id))],
            "reason": conn.execute(select(cases.c.reason).where(cases.c.id == case_id)).scalar(),
            "motivations": sorted(conn.execute(select(criteria_answers.c.motivation).where(
                criteria_answers.c.case_id == case_id)).scalars()),
            "notes": conn.execute(select(func.count()).select_from(plan_action_notes)).scalar(),
            "goals": conn.execute(select(func.count()).select_from(plan_goals)
                                  .join(plans, plans.c.id == plan_goals.c.plan_id)
                                  .where(plans.c.case_id == case_id)).scalar(),
        }


def test_steps_are_data_and_refuse_with_reasons() -> None:
    assert [s.id for s in closure_domain.STEPS] == list(StepId)
    assert closure_domain.step_after(StepId.CRITERIA) is StepId.DECISION
    assert closure_domain.step_before(StepId.CRITERIA) is None
    checks = closure_domain.criteria_from_plan("- Woning behouden\n\n* Schulden geregeld\n")
    assert [c.criterion for c in checks] == ["Woning behouden", "Schulden geregeld"]
    empty = ClosureDecision(criteria=checks)
    fields = [f for f, _m in closure_domain.refusals(StepId.CRITERIA, empty, DAY)]
    assert fields == ["criteria.0", "criteria.1", "reason"]
    one_unmet = empty.with_criterion(0, True, "").with_criterion(1, False, "nog niet")
    assert [f for f, _m in closure_domain.refusals(StepId.CRITERIA, one_unmet, DAY)] == ["reason"]
    assert closure_domain.refusals(StepId.CRITERIA, ClosureDecision(
        criteria=one_unmet.criteria, reason="Overgedragen aan wijkteam"), DAY) == []
    future = ClosureDecision(agreement=CoordinatorAgreement("A", 1, date(2030, 1, 1)))
    assert [f for f, _m in closure_domain.refusals(StepId.DECISION, future, DAY)] == [
        "agreement.date"]
    assert closure_domain.refusals(StepId.OUTCOME, ClosureDecision(), DAY)[0][0] == "outcome"


def test_closure_cleans_exactly_what_the_preview_showed(director_vault: OpenVault) -> None:  # noqa: F811
    vault = director_vault
    made = make_case(vault, items=[("politie", Category.POLICE, "melding"),
                                   ("parnassia-groep", Category.SPECIAL, "behandeling")],
                     actions=[("gemeente-den-haag", "huisbezoek", date(2025, 6, 1),
                               ActionStatus.OPEN)])
    plan_service.add_progress_note(vault, made.number, made.action_keys[0], "gebeld")
    other = make_case(vault, surname="Anders", bsn="999888777",
                      items=[("politie", Category.GENERAL, "ander")])
    other_before = _snapshot(vault, other.id)
    before = _snapshot(vault, made.id)
    # A plan edit kept at a lock, with the progress note in it: half-finished work on the
    # case goes at closure too (the other case's draft stays).
    plan_service.save_plan_draft(vault, plan_service.get_plan(vault, made.number))
    plan_service.save_plan_draft(vault, plan_service.get_plan(vault, other.number))

    context = closure_service.closure_context(vault, made.number, today=DAY)
    assert [c.criterion for c in context.criteria] == ["Stable housing", "Debts under control"]
    assert context.coordinator.name == "Sanne de Vries"
    default = context.preview
    assert default.removals == closure_domain.DEFAULT_REMOVALS
    assert default.line(Removal.INFORMATION_ITEMS).count == 2  # type: ignore[union-attr]
    assert default.line(Removal.LIFE_DOMAIN_TEXTS).count == 2  # type: ignore[union-attr]
    assert default.line(Removal.SUBJECT_BSNS).count == 1  # type: ignore[union-attr]

    decision = _decision(vault, made.number,
                         extra_removals=frozenset({Removal.PLAN_DETAILS}))
    shown = closure_service.preview(vault, made.number, decision.extra_removals)
    assert shown.line(Removal.PLAN_DETAILS).count == 1  # type: ignore[union-attr]
    result = closure_service.close_case(vault, made.number, decision, shown, today=DAY)
    assert result.removed == shown.summary()
    assert result.destroy_on == date(2027, 9, 1)

    after = _snapshot(vault, made.id)
    assert after["items"] == [] and after["domains"] == []
    assert after["notes"] == 0
    # Subjects keep names and birth dates; address and BSN are gone.
    assert [(s[0], s[1], s[2], s[3]) for s in after["subjects"]] == [  # type: ignore[union-attr]
        (s[0], s[1], s[2], s[3]) for s in before["subjects"]]  # type: ignore[union-attr]
    assert all(s[4] is None and s[5] is None for s in after["subjects"])  # type: ignore[union-attr]
    # Not in the preview, so kept: the referral's reason, the motivations, the plan's goals.
    assert after["reason"] == before["reason"] and after["goals"] == before["goals"] == 1
    assert after["motivations"] == before["motivations"]
    with vault.read() as conn:
        snapshots = conn.execute(select(plan_versions.c.snapshot)).scalars().all()
        assert not any("gebeld" in s for s in snapshots)
        kept = conn.execute(select(drafts.c.object_id, drafts.c.payload)).all()
        assert [number for number, _payload in kept] == [other.number]
        assert not any("gebeld" in payload for _number, payload in kept)
        assert conn.execute(select(cases.c.state).where(cases.c.id == made.id)).scalar() \
            == "closed"
        closure_row = conn.execute(select(case_closures)).mappings().one()
        assert closure_row["outcome"] == "partly_reached"
        tomb = conn.execute(select(case_tombstones)).mappings().one()
        assert tomb["information_items"] == 2 and tomb["actions_total"] == 1
        assert tomb["criteria_total"] == 2 and tomb["criteria_met"] == 2
    # The other case was not touched.
    assert _snapshot(vault, other.id) == {**other_before, "notes": 0}


def test_a_case_that_changed_after_the_preview_is_not_closed(
        director_vault: OpenVault) -> None:  # noqa: F811
    vault = director_vault
    made = make_case(vault, items=[("politie", Category.GENERAL, "eerste")])
    decision = _decision(vault, made.number)
    shown = closure_service.preview(vault, made.number)
    from app.store.case_tables import information_items as items_table
    from app.vault.vault import utcnow

    police = party_id(vault, "politie")
    with vault.begin() as conn:
        conn.execute(items_table.insert().values(
            case_id=made.id, source_party_id=police, received=DAY,
            category="general", text="later binnen", pre_meeting_view=False,
            meeting_screen=False, use_restriction="", created_at=utcnow()))
    with pytest.raises(TransitionRefused, match="overzicht"):
        closure_service.close_case(vault, made.number, decision, shown, today=DAY)
    assert len(_snapshot(vault, made.id)["items"]) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize("change, field", [
    ({"agreement": CoordinatorAgreement()}, "agreement.name"),
    ({"outcome": None}, "outcome"),
])
def test_incomplete_decisions_are_refused_with_the_reason(
        director_vault: OpenVault, change: dict[str, object], field: str) -> None:  # noqa: F811
    vault = director_vault
    made = make_case(vault)
    decision = _decision(vault, made.number, **change)
    shown = closure_service.preview(vault, made.number)
    with pytest.raises(ValidationError) as refused:
        closure_service.close_case(vault, made.number, decision, shown, today=DAY)
    assert refused.value.field == field
    expected = {"agreement.name": "casuscoördinator", "outcome": "uitkomst"}[field]
    assert expected in str(refused.value)
    assert _snapshot(vault, made.id)["domains"] != []


def test_unmet_criteria_need_a_reason_and_a_closed_case_cannot_close_again(
        director_vault: OpenVault) -> None:  # noqa: F811
    vault = director_vault
    made = make_case(vault)
    context = closure_service.closure_context(vault, made.number, today=DAY)
    unmet = _decision(vault, made.number, criteria=tuple(
        CriterionCheck(c.criterion, False, "") for c in context.criteria))
    shown = closure_service.preview(vault, made.number)
    with pytest.raises(ValidationError, match="reden|waarom"):
        closure_service.close_case(vault, made.number, unmet, shown, today=DAY)
    from dataclasses import replace

    closed = closure_service.close_case(
        vault, made.number, replace(unmet, reason="Betrokkene verhuisd naar buiten de regio"),
        shown, today=DAY)
    assert closed.case_number == made.number
    with pytest.raises(TransitionRefused):
        closure_service.close_case(vault, made.number, replace(unmet, reason="x"), shown,
                                   today=DAY)


def test_admin_may_not_close(admin_vault: OpenVault) -> None:
    assert admin_vault.actor.role is Role.ADMIN
    with pytest.raises(PermissionDenied):
        closure_service.closure_context(admin_vault, "ZVH-2025-0001")


def test_kept_answers_lay_over_the_criteria_as_they_are_now() -> None:
    kept = ClosureDecision(
        criteria=(CriterionCheck("Stabiel wonen", True, "sinds mei"),
                  CriterionCheck("Schulden geregeld", False)),
        reason="Verhuisd", agreement=CoordinatorAgreement("Sanne de Vries", 4, DAY),
        outcome=Outcome.PARTLY_REACHED, extra_removals=frozenset({Removal.PLAN_DETAILS}))
    data = json.loads(json.dumps(closure_domain.decision_payload(kept)))
    assert closure_domain.decision_from_payload(data, kept.criteria) == kept
    # The plan changed since: an answer counts only for a criterion it still has.
    now = (CriterionCheck("Stabiel wonen"), CriterionCheck("Werk gevonden"))
    back = closure_domain.decision_from_payload(data, now)
    assert back.criteria == (CriterionCheck("Stabiel wonen", True, "sinds mei"),
                             CriterionCheck("Werk gevonden"))
    # Values this version does not know are left out, not refused.
    data.update(outcome="onbekend", extra_removals=["plan_details", "iets_anders"])
    odd = closure_domain.decision_from_payload(data, now)
    assert odd.outcome is None and odd.extra_removals == {Removal.PLAN_DETAILS}
