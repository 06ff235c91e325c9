"""The plan of action: what a party sees of it, validation, versions and their history, and
the service rules (roles, lifecycle, concurrent saves, entitled parties, audit)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import select, update

from app.domain.life_domains import LifeDomain
from app.domain.plan import (
    Action,
    ActionPlan,
    ActionStatus,
    CaseCoordinator,
    Goal,
    InformationNeed,
    ProgressNote,
    changes,
    from_snapshot,
    new_key,
    rebase,
    snapshot,
    validate,
)
from app.domain.roles import Role
from app.errors import NotFound, PermissionDenied, TransitionRefused, ValidationError
from app.services import plan as plan_service
from app.sharing.policy import plan_for_party
from app.store.case_tables import cases
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import audit_reader
from tests.conftest import unlock_as
from tests.unit.handout_cases import as_process_director, make_case, party_ids


def sample_plan(case_id: int = 1) -> ActionPlan:
    goal = Goal("g1", LifeDomain.HOUSING, "Stabiele woonsituatie")
    return ActionPlan(
        case_id=case_id, goals=(goal,),
        actions=(Action("a1", 10, "Huisbezoek afleggen", "J. de Vries", date(2026, 12, 15),
                        goal_key="g1"),
                 Action("a2", 11, "Schuldhulp starten", limited_to=frozenset({11, 12}))),
        information_needs=(InformationNeed("n1", 12, "Stand van het strafdossier"),),
        coordinator=CaseCoordinator(10, "Anna Bakker"), closure_criteria="Zes maanden stabiel",
        next_meeting=date(2027, 1, 12))


# -- domain ----------------------------------------------------------------------------

def test_every_party_sees_an_unlimited_action_and_only_named_parties_a_limited_one() -> None:
    plan = sample_plan()
    assert [a.key for a in plan_for_party(plan, 10).actions] == ["a1"]
    assert [a.key for a in plan_for_party(plan, 11).actions] == ["a1", "a2"]   # its own action
    assert [a.key for a in plan_for_party(plan, 12).actions] == ["a1", "a2"]   # named in the limit
    assert [a.key for a in plan_for_party(plan, 99).actions] == ["a1"]
    # The rest of the plan is for everyone.
    seen = plan_for_party(plan, 99)
    assert seen.goals == plan.goals and seen.coordinator == plan.coordinator


def test_snapshot_round_trip_keeps_everything() -> None:
    plan = replace(sample_plan(), version=3)
    again = from_snapshot(plan.case_id, json.loads(json.dumps(snapshot(plan))), 3)
    assert again == plan


@pytest.mark.parametrize("broken, field", [
    (lambda p: replace(p, goals=(Goal("g1", LifeDomain.HOUSING, "  "),)), "goals"),
    (lambda p: replace(p, actions=(Action("a1", 10, ""),)), "actions"),
    (lambda p: replace(p, actions=(Action("a1", 10, "x", goal_key="nope"),)), "actions"),
    (lambda p: replace(p, actions=(Action("g1", 10, "same key as the goal"),)), "actions"),
    (lambda p: replace(p, coordinator=CaseCoordinator(10, "")), "coordinator"),
    (lambda p: replace(p, closure_criteria="x" * 50_001), "closure_criteria"),
])
def test_validation_names_the_field(broken, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        validate(broken(sample_plan()))
    assert err.value.field == field


def test_validation_refuses_a_party_that_may_not_take_part() -> None:
    validate(sample_plan(), {10, 11, 12})
    with pytest.raises(ValidationError):
        validate(sample_plan(), {10, 11})


def test_changes_say_what_changed() -> None:
    old = sample_plan()
    new = replace(old, actions=(replace(old.actions[0], status=ActionStatus.DONE),),
                  closure_criteria="Anders", coordinator=None)
    lines = changes(old, new, lambda pid: f"partij {pid}")
    text = "\n".join(lines)
    assert "Open \u2192 Gereed" in text and "Huisbezoek afleggen" in text
    assert "Actie verwijderd: Schuldhulp starten" in text
    assert "Criteria voor afschaling gewijzigd" in text
    assert "Casuscoördinator verwijderd" in text
    assert changes(old, old) == []
    first = changes(None, old, lambda pid: f"partij {pid}")
    assert any("partij 10" in line for line in first)


# -- service ---------------------------------------------------------------------------

@pytest.fixture
def director(admin_vault: OpenVault) -> OpenVault:
    return as_process_director(admin_vault)


def _case_id(vault: OpenVault, number: str) -> int:
    with vault.read() as conn:
        return int(conn.execute(select(cases.c.id).where(cases.c.number == number)).scalar())


def test_save_load_and_history(director: OpenVault) -> None:
    ids = party_ids(director)
    number = make_case(director)
    case_id = _case_id(director, number)
    assert plan_service.get_plan(director, number) == ActionPlan(case_id=case_id)
    police, probation = ids["Politie regionale eenheid Den Haag"], ids["Reclassering Nederland"]
    plan = ActionPlan(
        case_id=case_id, goals=(Goal("g1", LifeDomain.FINANCES, "Schulden in beeld"),),
        actions=(Action(new_key(), police, "Buurtonderzoek", "Wijkagent Şükrü",
                        date(2026, 12, 1), goal_key="g1"),),
        coordinator=CaseCoordinator(probation, "Łukasz Wiśniewski"))
    saved = plan_service.save_plan(director, plan, meeting_id=7)
    assert saved.version == 1
    assert plan_service.get_plan(director, number) == saved
    action = plan_service.record_agreement(director, number, party_id=probation,
                                           description="Toezicht afstemmen", meeting_id=8,
                                           limited_to=[probation, police])
    plan_service.set_action_status(director, number, action.key, ActionStatus.IN_PROGRESS,
                                   note="Eerste gesprek gevoerd")
    current = plan_service.get_plan(director, number)
    assert current.version == 3
    assert current.action(action.key).limited_to == {probation, police}
    assert current.action(action.key).notes[0].text == "Eerste gesprek gevoerd"
    history = plan_service.history(director, number)
    assert [v.version for v in history] == [1, 2, 3]
    assert [v.meeting_id for v in history] == [7, 8, None]
    assert any("Reclassering Nederland" in line for line in history[1].changes)
    assert any("Open \u2192 In uitvoering" in line for line in history[2].changes)
    assert plan_service.plan_version(director, number, 1) == saved
    with pytest.raises(NotFound):
        plan_service.plan_version(director, number, 9)
    with audit_reader(director) as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.object_id, audit_log.c.detail)
                            .where(audit_log.c.action == "plan.save")).all()
    assert len(rows) == 3 and {r[1] for r in rows} == {number}
    assert all("Buurtonderzoek" not in r[2] and "Şükrü" not in r[2] for r in rows)


def test_a_stale_save_is_refused(director: OpenVault) -> None:
    number = make_case(director)
    case_id = _case_id(director, number)
    first = plan_service.save_plan(director, ActionPlan(case_id=case_id, closure_criteria="a"))
    plan_service.save_plan(director, replace(first, closure_criteria="b"))
    with pytest.raises(plan_service.PlanConflict):
        plan_service.save_plan(director, replace(first, closure_criteria="c"))
    assert plan_service.get_plan(director, number).closure_criteria == "b"


def test_a_withdrawn_party_cannot_be_named_but_stays_where_it_was(
        director: OpenVault) -> None:
    from app.domain.parties import EndReason
    from app.services import parties as party_service

    ids = party_ids(director)
    number = make_case(director)
    case_id = _case_id(director, number)
    gone = ids["Stichting Barka"]
    kept = plan_service.save_plan(director, ActionPlan(
        case_id=case_id, actions=(Action("a1", gone, "Opvang regelen"),)))
    admin = unlock_as(director, Role.ADMIN)
    party_service.end_participation(admin, gone, date(2026, 11, 20), EndReason.WITHDRAWAL)
    # An unrelated change still saves: the party was already in the plan.
    kept = plan_service.save_plan(director, replace(kept, closure_criteria="x"))
    # A withdrawn party the plan did not name yet cannot be named.
    other = ids["Stichting Exodus"]
    party_service.end_participation(admin, other, date(2026, 11, 20), EndReason.EXCLUSION)
    with pytest.raises(ValidationError):
        plan_service.save_plan(director, replace(kept, coordinator=CaseCoordinator(
            other, "Iemand")))
    names = [name for _pid, name in plan_service.entitled_parties(director, number)]
    assert "Stichting Barka" not in names and "Reclassering Nederland" in names


def test_roles_and_lifecycle(director: OpenVault) -> None:
    number = make_case(director)
    case_id = _case_id(director, number)
    with pytest.raises(PermissionDenied):
        plan_service.get_plan(unlock_as(director, Role.MANAGER), number)
    with pytest.raises(PermissionDenied):
        plan_service.save_plan(unlock_as(director, Role.INFORMATION_CENTRE),
                               ActionPlan(case_id=case_id))
    with director.begin() as conn:
        conn.execute(update(cases).where(cases.c.id == case_id).values(state="closed"))
    with pytest.raises(TransitionRefused):
        plan_service.save_plan(director, ActionPlan(case_id=case_id, closure_criteria="x"))


def test_rebase_puts_my_edits_on_top_of_what_others_saved() -> None:
    """Three-way merge by key: my changes win, theirs survive where I did not touch, what I
    removed goes unless they changed it, notes of both sides are kept."""
    note_a = ProgressNote(datetime(2026, 11, 1, 9), "regie", "Gebeld")
    note_b = ProgressNote(datetime(2026, 11, 2, 9), "regie", "Langsgeweest")
    visit = Action("a1", 1, "Huisbezoek", owner="", notes=(note_a,))
    debts = Action("a2", 2, "Schulden in kaart")
    talk = Action("a3", 3, "Gesprek school")
    base = ActionPlan(case_id=7, actions=(visit, debts, talk), closure_criteria="Oud",
                      next_meeting_note="Na de zomer", version=4)
    mine = replace(base, actions=(replace(visit, owner="J. de Vries"),    # changed by me
                                  Action("m1", 1, "Nieuwe actie")),        # added; a2, a3 removed
                   closure_criteria="Nieuw")
    theirs = replace(base, actions=(replace(visit, notes=(note_a, note_b)),  # a note added
                                    debts,                                   # untouched
                                    replace(talk, status=ActionStatus.DONE),  # changed
                                    Action("t1", 4, "Afspraak uit overleg")),  # added
                     next_meeting_note="In september", version=6)
    merged = rebase(base, mine, theirs)
    assert merged.version == 6
    assert merged.closure_criteria == "Nieuw"               # mine changed it
    assert merged.next_meeting_note == "In september"       # theirs changed it, I did not
    by_key = {a.key: a for a in merged.actions}
    assert [a.key for a in merged.actions] == ["a1", "a3", "t1", "m1"]
    assert by_key["a1"].owner == "J. de Vries" and by_key["a1"].notes == (note_a, note_b)
    assert "a2" not in by_key                               # removed by me, untouched
    assert by_key["a3"].status is ActionStatus.DONE          # removed by me, changed by them
    # Nothing changed on either side: the result is theirs.
    assert rebase(base, base, theirs) == theirs
    # Only mine changed: the result is mine, at their version.
    assert rebase(base, mine, base) == replace(mine, version=4)
