"""Triage without Qt: queries and answers, items under their supplier's terms, widening
requests (only a yes changes the terms), the routing decision with the lifecycle, bad input
refused with the reason, drafts, and the process director's case screen data."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.information import Category, SharingTerms
from app.domain.intake import IntakeOutcome
from app.domain.lifecycle import CaseState
from app.domain.meetings import DecisionType
from app.domain.parties import MembershipPeriod
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.domain.triage import (NewItem, QueryAnswer, Route, RoutingDecision, TriageDraft,
                               TriageStep, WideningAnswer, next_step, parse_themes,
                               previous_step, validate_step)
from app.errors import PermissionDenied, TransitionRefused, ValidationError
from app.services import case_view, intake, parties, triage
from app.services import cases as case_store
from app.sharing.policy import (PROCESS_DIRECTOR, CaseContext, PartyViewer, Setting, decide,
                                visible_items)
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import audit_reader
from tests.conftest import unlock_as
from tests.unit.handout_cases import as_process_director, item, make_case, party_ids

TODAY = date(2026, 11, 20)
MET = [CriterionAnswer(c, True, "Ja, zie aanmelding") for c in Criterion]


@pytest.fixture
def world(admin_vault: OpenVault) -> tuple[OpenVault, dict[str, int], str]:
    """A case in triage; 'Barka' takes part in another protocol only."""
    ids = party_ids(admin_vault)
    parties.set_memberships(admin_vault, ids["Stichting Barka"],
                            [MembershipPeriod(Protocol.RADICALISERING, date(2019, 1, 1))])
    vault = as_process_director(admin_vault)
    politie = ids["Politie regionale eenheid Den Haag"]
    number = make_case(vault, items=[
        item(politie, "Melding huiselijk geweld", [ids["Veilig Thuis"]],
             category=Category.POLICE, restriction="Niet verder verstrekken")])
    intake.decide_intake(vault, number, IntakeOutcome.ACCEPT, MET)
    return vault, ids, number


def audit_actions(vault: OpenVault) -> list[tuple[str, str]]:
    with audit_reader(vault) as conn:
        return [(r[0], r[1]) for r in conn.execute(
            select(audit_log.c.action, audit_log.c.detail).order_by(audit_log.c.id))]


def test_queries_answers_and_items_are_stored_and_audited(world) -> None:  # type: ignore[no-untyped-def]
    vault, ids, number = world
    ggz, school = ids["Parnassia Groep"], ids["Veilig Thuis"]
    triage.record_query(vault, number, ggz, TODAY - timedelta(days=3), today=TODAY)
    triage.record_query(vault, number, school, TODAY - timedelta(days=3), today=TODAY)
    triage.record_answer(vault, number, ggz, QueryAnswer.KNOWN, TODAY - timedelta(days=1),
                         today=TODAY)
    item_id = triage.add_item(vault, number, NewItem(
        ggz, Category.SPECIAL, "In behandeling sinds 2024", TODAY - timedelta(days=1)),
        today=TODAY)
    ctx = triage.triage_context(vault, number, today=TODAY)
    assert {(q.party_id, q.answer) for q in ctx.queries} == {
        (ggz, QueryAnswer.KNOWN), (school, None)}
    new = next(i for i in ctx.items if i.id == item_id)
    # narrowest terms by default
    assert new.terms == SharingTerms()
    assert any(c.id == ggz and c.items_supplied == 1 for c in ctx.eligible)
    assert all(c.id != ids["Stichting Barka"] for c in ctx.eligible)
    actions = [a for a, _d in audit_actions(vault)]
    assert {"triage.query", "triage.answer", "item.add", "triage.open"} <= set(actions)
    # no case text in the audit detail
    assert all("behandeling" not in d for _a, d in audit_actions(vault))


def test_answer_needs_a_query_and_a_sane_date(world) -> None:  # type: ignore[no-untyped-def]
    vault, ids, number = world
    ggz = ids["Parnassia Groep"]
    with pytest.raises(ValidationError) as err:
        triage.record_answer(vault, number, ggz, QueryAnswer.KNOWN, TODAY, today=TODAY)
    assert err.value.field == "party"
    triage.record_query(vault, number, ggz, TODAY, today=TODAY)
    with pytest.raises(ValidationError) as err:
        triage.record_answer(vault, number, ggz, QueryAnswer.DECLINED,
                             TODAY - timedelta(days=1), today=TODAY)
    assert err.value.field == "answered_on"
    with pytest.raises(ValidationError):
        triage.record_query(vault, number, ggz, TODAY + timedelta(days=1), today=TODAY)


@pytest.mark.parametrize("bad,field", [
    ("empty_text", "text"), ("unknown_source", "source_party"),
    ("outside_protocol_terms", "terms.shared_with"), ("outside_protocol_source", "source_party"),
])
def test_bad_items_are_refused_with_the_reason(world, bad: str, field: str) -> None:  # type: ignore[no-untyped-def]
    vault, ids, number = world
    ggz, barka = ids["Parnassia Groep"], ids["Stichting Barka"]
    new = {
        "empty_text": NewItem(ggz, Category.GENERAL, "   ", TODAY),
        "unknown_source": NewItem(99_999, Category.GENERAL, "tekst", TODAY),
        "outside_protocol_terms": NewItem(ggz, Category.GENERAL, "tekst", TODAY,
                                          SharingTerms(frozenset({barka}))),
        "outside_protocol_source": NewItem(barka, Category.GENERAL, "tekst", TODAY),
    }[bad]
    with pytest.raises(ValidationError) as err:
        triage.add_item(vault, number, new, today=TODAY)
    assert err.value.field == field
    assert str(err.value)


def test_widening_only_a_yes_changes_the_terms_and_it_is_audited(world) -> None:  # type: ignore[no-untyped-def]
    vault, ids, number = world
    ggz, politie, vt = (ids["Parnassia Groep"], ids["Politie regionale eenheid Den Haag"],
                        ids["Veilig Thuis"])
    item_id = triage.add_item(vault, number, NewItem(ggz, Category.SPECIAL, "Diagnose", TODAY),
                              today=TODAY)
    no = triage.request_widening(vault, number, item_id, party_id=politie, today=TODAY)
    triage.answer_widening(vault, number, no, WideningAnswer.NO, TODAY, "mw. De Vries",
                           today=TODAY)
    ctx = triage.triage_context(vault, number, today=TODAY)
    assert next(i for i in ctx.items if i.id == item_id).terms == SharingTerms()
    # an answer is final: no second answer, no override
    with pytest.raises(ValidationError):
        triage.answer_widening(vault, number, no, WideningAnswer.YES, TODAY, "iemand",
                               today=TODAY)
    yes = triage.request_widening(vault, number, item_id, party_id=vt, pre_meeting_view=True,
                                  today=TODAY)
    triage.answer_widening(vault, number, yes, WideningAnswer.YES, TODAY, "dhr. Bakker",
                           today=TODAY)
    ctx = triage.triage_context(vault, number, today=TODAY)
    terms = next(i for i in ctx.items if i.id == item_id).terms
    assert terms == SharingTerms(frozenset({vt}), True, False, "")
    assert [w.answer for w in ctx.widening if w.item_id == item_id] == [WideningAnswer.NO,
                                                                    WideningAnswer.YES]
    widened = [json.loads(d) for a, d in audit_actions(vault) if a == "item.terms_widened"]
    ours = [w for w in widened if w["request"] in (no, yes)]    # not the world's own
    assert len(ours) == 1 and ours[0]["added_parties"] == [vt]
    # asking for what is already allowed, or for a party outside the protocol: refused
    with pytest.raises(ValidationError):
        triage.request_widening(vault, number, item_id, party_id=vt, today=TODAY)
    with pytest.raises(ValidationError):
        triage.request_widening(vault, number, item_id, party_id=ids["Stichting Barka"],
                                today=TODAY)


def meeting(ids: dict[str, int], **changes: object) -> RoutingDecision:
    values: dict[str, object] = dict(
        route=Route.TO_MEETING, goal="Eén plan voor het gezin",
        themes=("Veiligheid kinderen", "Schulden"),
        decision_types=(DecisionType.IMAGE_FORMING, DecisionType.DECIDING),
        invitees=frozenset({ids["Parnassia Groep"], ids["Veilig Thuis"]}))
    values.update(changes)
    return RoutingDecision(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("change,field", [
    ({"goal": "  "}, "goal"), ({"invitees": frozenset()}, "invitees"),
    ({"themes": ()}, "themes"), ({"decision_types": ()}, "decision_types"),
])
def test_routing_to_a_meeting_needs_goal_themes_types_and_invitees(world, change, field) -> None:  # type: ignore[no-untyped-def]
    vault, ids, number = world
    with pytest.raises(ValidationError) as err:
        triage.decide_routing(vault, number, meeting(ids, **change), today=TODAY)
    assert err.value.field == field
    with pytest.raises(ValidationError) as err:
        triage.decide_routing(vault, number, meeting(
            ids, invitees=frozenset({ids["Stichting Barka"]})), today=TODAY)
    assert err.value.field == "invitees"
    with vault.read() as conn:
        assert case_store.current_state(conn, case_store.case_id_for(conn, number))[0] \
            is CaseState.TRIAGE


def test_routing_to_a_meeting_schedules_the_case(world) -> None:  # type: ignore[no-untyped-def]
    vault, ids, number = world
    triage.save_draft(vault, TriageDraft(number, TriageStep.ROUTING, meeting(ids)))
    assert triage.decide_routing(vault, number, meeting(ids), today=TODAY) \
        is CaseState.SCHEDULED
    with vault.read() as conn:
        case_id = case_store.case_id_for(conn, number)
        stored = triage.routing_decision(conn, case_id)
    assert stored == meeting(ids)
    assert triage.load_draft(vault, number) is None          # the draft is done with
    with pytest.raises(TransitionRefused):
        triage.decide_routing(vault, number, meeting(ids), today=TODAY)


def test_routing_elsewhere_ends_the_case(world) -> None:  # type: ignore[no-untyped-def]
    vault, ids, number = world
    with pytest.raises(ValidationError) as err:
        triage.decide_routing(vault, number, RoutingDecision(Route.ELSEWHERE, reason="x"),
                              today=TODAY)
    assert err.value.field == "elsewhere"
    with pytest.raises(ValidationError) as err:
        triage.decide_routing(vault, number, RoutingDecision(
            Route.ELSEWHERE, elsewhere_chain="Zorgketen"), today=TODAY)
    assert err.value.field == "reason"
    state = triage.decide_routing(vault, number, RoutingDecision(
        Route.ELSEWHERE, elsewhere_party_id=ids["Veilig Thuis"],
        reason="Enkelvoudige zorgvraag"), today=TODAY)
    assert state is CaseState.ROUTED_ELSEWHERE
    with pytest.raises(TransitionRefused):
        triage.add_item(vault, number, NewItem(ids["Parnassia Groep"], Category.GENERAL,
                                               "laat", TODAY), today=TODAY)


def test_only_the_process_director_does_triage(world) -> None:  # type: ignore[no-untyped-def]
    vault, ids, number = world
    centre = unlock_as(vault, Role.INFORMATION_CENTRE)
    with pytest.raises(PermissionDenied):
        triage.record_query(centre, number, ids["Parnassia Groep"], TODAY, today=TODAY)
    with pytest.raises(PermissionDenied):
        triage.triage_context(centre, number)


def test_draft_saves_and_resumes(world) -> None:  # type: ignore[no-untyped-def]
    vault, ids, number = world
    assert triage.load_draft(vault, number) is None
    draft = TriageDraft(number, TriageStep.REVIEW, meeting(ids, goal="half af"))
    triage.save_draft(vault, draft)
    triage.save_draft(vault, draft)                  # one draft per account and case
    assert triage.load_draft(vault, number) == draft
    triage.discard_draft(vault, number)
    assert triage.load_draft(vault, number) is None


def test_wizard_navigation_is_data() -> None:
    assert next_step(TriageStep.PARTIES) is TriageStep.ANSWERS
    assert next_step(TriageStep.SUMMARY) is None
    assert previous_step(TriageStep.PARTIES) is None
    assert previous_step(TriageStep.ROUTING) is TriageStep.REVIEW
    draft = TriageDraft("ZVH-2026-0001")
    assert validate_step(TriageStep.PARTIES, draft, [], {}, Protocol.INTEGRALE_VEILIGHEID,
                         TODAY)[0].field == "parties"
    assert {p.field for p in validate_step(TriageStep.ROUTING, draft, [], {},
                                           Protocol.INTEGRALE_VEILIGHEID, TODAY)} == {
        "goal", "themes", "decision_types", "invitees"}
    assert parse_themes("Veiligheid; Schulden\n\nWonen ") == ("Veiligheid", "Schulden",
                                                             "Wonen")
    payload = json.loads(json.dumps(TriageDraft("ZVH-2026-0001", TriageStep.ROUTING,
                                                RoutingDecision(Route.ELSEWHERE,
                                                                reason="r")).to_payload()))
    assert TriageDraft.from_payload(payload).routing.reason == "r"


def test_imported_items_wait_for_their_source_and_the_policy_honours_them(admin_vault) -> None:  # type: ignore[no-untyped-def]
    """Covenant 16.2, 9.2: the police decide on the police's item in the municipality's
    file; once they agree through the request, the asked terms apply."""
    from app.services import referral_import
    vault = as_process_director(admin_vault)
    ids = party_ids(vault)
    data = {"format": "casuskamer-referrals/1", "referrals": [{
        "external_ref": "WEB-2026-0042", "referring_party": "Den Haag",
        "protocol": "integrale_veiligheid", "received": "2026-11-02",
        "reason": "Zorgen", "question": "Plan",
        "subjects": [{"given_names": "Şükrü", "surname": "Yılmaz",
                      "birth_date": "1984-03-14", "role": "main_subject"}],
        "information": [
            {"source_party": "Politie regionale eenheid Den Haag", "received": "2026-11-01",
             "category": "police", "text": "Mutatie", "shared_with": ["Veilig Thuis"],
             "pre_meeting_view": True, "meeting_screen": False,
             "use_restriction": "Alleen mondeling"},
            {"source_party": "Parnassia Groep", "received": "2026-11-01",
             "category": "special", "text": "Behandeling", "shared_with": [],
             "pre_meeting_view": False, "meeting_screen": False, "use_restriction": ""}]}]}
    [number] = referral_import.import_referrals(vault, data, today=TODAY)

    def stored() -> dict[str, object]:
        with vault.read() as conn:
            return {i.text: i for i in case_store.information_items(
                conn, case_store.case_id_for(conn, number))}
    items = stored()
    politie_item = items["Mutatie"]
    assert politie_item.terms == SharingTerms(use_restriction="Alleen mondeling")
    assert politie_item.terms_to_confirm
    # nothing wider than the narrowest was asked for the GGZ item: nothing to confirm
    assert items["Behandeling"].terms == SharingTerms()
    assert not items["Behandeling"].terms_to_confirm
    requests = triage.triage_context(vault, number, today=TODAY).widening
    assert {(r.item_id, r.party_id, r.want_pre_meeting_view) for r in requests} == {
        (politie_item.id, None, True), (politie_item.id, ids["Veilig Thuis"], False)}
    for request in requests:
        triage.answer_widening(vault, number, request.id, WideningAnswer.YES, TODAY,
                               "Wachtcommandant", today=TODAY)
    items = stored()
    politie_item = items["Mutatie"]
    assert politie_item.terms == SharingTerms(frozenset({ids["Veilig Thuis"]}), True, False,
                                              "Alleen mondeling")
    assert not politie_item.terms_to_confirm
    standings = parties.standings(vault)
    with vault.read() as conn:
        case_id = case_store.case_id_for(conn, number)
    ctx = CaseContext(case_id, Protocol.INTEGRALE_VEILIGHEID, TODAY, CaseState.SCHEDULED,
                      invited=frozenset({ids["Veilig Thuis"], ids["Parnassia Groep"]}))
    all_items = list(items.values())
    vt_sees = visible_items(all_items, PartyViewer(ids["Veilig Thuis"]), Setting.PRE_MEETING,
                            ctx, standings)
    assert [s.item.text for s in vt_sees] == ["Mutatie"]
    assert vt_sees[0].use_restriction == "Alleen mondeling"
    assert not decide(items["Behandeling"], PartyViewer(ids["Veilig Thuis"]),
                      Setting.HANDOUT, ctx, standings)
    assert all(decide(i, PROCESS_DIRECTOR, Setting.DIRECTOR, ctx, standings)
               for i in all_items)


def test_case_view_marks_who_may_see_and_is_audited_once(world) -> None:  # type: ignore[no-untyped-def]
    vault, ids, number = world
    ggz = ids["Parnassia Groep"]
    triage.add_item(vault, number, NewItem(ggz, Category.SPECIAL, "Diagnose", TODAY),
                    today=TODAY)
    before = sum(1 for a, _d in audit_actions(vault) if a == "case.view")
    view = case_view.open_case(vault, number, today=TODAY)
    assert sum(1 for a, _d in audit_actions(vault) if a == "case.view") == before + 1
    assert view.items_shown
    by_text = {row.item.text: row for row in view.items}
    assert by_text["Diagnose"].mark.narrowest
    # (the case is on no agenda yet: nobody, not even the source, is entitled now)
    assert by_text["Diagnose"].mark_text.startswith("Alleen de bron en de procesregisseur")
    police = by_text["Melding huiselijk geweld"]
    # the parties the terms name, not entitled until the case is on an agenda
    assert {p for p, _r in police.mark.refused} == {ids["Politie regionale eenheid Den Haag"],
                                                    ids["Veilig Thuis"]}
    assert "Veilig Thuis" in police.mark_text
    assert police.use_restriction == "Niet verder verstrekken"
    assert [r.item.text for r in view.filtered(source=ggz)] == ["Diagnose"]
    assert [r.item.text for r in view.filtered(category=Category.POLICE)] == [
        "Melding huiselijk geweld"]
    # filtering is in memory: no further audit rows
    assert sum(1 for a, _d in audit_actions(vault) if a == "case.view") == before + 1
    # the information centre does not get the case screen (its substance, items included)
    with pytest.raises(PermissionDenied):
        case_view.open_case(unlock_as(vault, Role.INFORMATION_CENTRE), number, today=TODAY)
