"""Test helpers for the meeting tests: a process director on a fresh vault, cases routed to
a case meeting by triage (with information items and their terms), party ids by name."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from collections.abc import Iterable

from sqlalchemy import insert, select

from tests.terms_fixtures import confirm_asked_terms
from app.domain.cases import Subject, SubjectRole
from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.information import Category, SharingTerms
from app.domain.intake import InformationInput, IntakeOutcome, Referral
from app.domain.lifecycle import CaseState
from app.domain.meetings import AgendaDraft, DecisionType, DraftItem, ItemKind
from app.domain.protocols import Protocol
from app.domain.triage import Route, RoutingDecision
from app.domain.roles import Role
from app.services import cases as case_service
from app.services import intake, triage
from app.store.party_tables import parties
from app.vault.vault import OpenVault
from tests.conftest import unlock_as

POLICE = "Politie regionale eenheid Den Haag"
GGZ = "Parnassia Groep"
MUNICIPALITY = "Den Haag"
OM = "Openbaar Ministerie"
YOUTH = "Stichting Jeugdbescherming west Haaglanden"

TOMORROW_10 = (datetime.now() + timedelta(days=1)).replace(hour=10, minute=0, second=0,
                                                          microsecond=0)


def as_process_director(vault: OpenVault) -> OpenVault:
    """The vault unlocked by a process director, who goes on with it (a second session;
    ``vault`` is unchanged, the folder lock moves to the director); ``vault`` itself when a
    process director unlocked it."""
    if vault.actor.role is Role.PROCESS_DIRECTOR:
        return vault
    return unlock_as(vault, Role.PROCESS_DIRECTOR, hold_folder=True)


def party_ids(vault: OpenVault) -> dict[str, int]:
    with vault.read() as conn:
        return {str(r[1]): int(r[0]) for r in conn.execute(select(parties.c.id, parties.c.name))}


def item(source: int, text: str, shared: Iterable[int] = (), *, screen: bool = True,
         category: Category = Category.GENERAL, restriction: str = "") -> InformationInput:
    return InformationInput(source, date(2026, 11, 3), category, text,
                            SharingTerms(frozenset(shared), False, screen, restriction))


def routed_case(vault: OpenVault, given: str, surname: str, *, invitees: Iterable[int],
                items: Iterable[InformationInput] = (),
                protocol: Protocol = Protocol.INTEGRALE_VEILIGHEID,
                goal: str = "Een gezamenlijk beeld van de situatie",
                themes: tuple[str, ...] = ("wonen", "schulden"),
                route: str = "to_meeting") -> tuple[int, str]:
    """A case taken through intake and triage; returns (id, number).

    ``route``: "to_meeting" (routed to a case meeting), "elsewhere" (handled elsewhere), or
    "none" (in triage, no routing decision yet). "forced": the routing row is written
    directly, for a case no party could lawfully be invited to (triage refuses that).
    """
    ids = party_ids(vault)
    referral = Referral(protocol=protocol, referring_party_id=ids[MUNICIPALITY],
                        received=date(2026, 11, 2), reason="Zorgen", question="Aanpak",
                        subjects=(Subject(given, surname, date(1980, 5, 1),
                                          SubjectRole.MAIN_SUBJECT),),
                        information=tuple(items))
    number = intake.register_referral(vault, referral)
    confirm_asked_terms(vault, number)   # the sources agree to the terms the items carry
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number)
    if route == "forced":
        from app.store.triage_tables import routing_decisions
        with vault.begin() as conn:
            case_service.set_state(conn, case_id, CaseState.SCHEDULED, datetime.now())
            conn.execute(insert(routing_decisions).values(
                case_id=case_id, route="to_meeting", goal=goal,
                themes=json.dumps(list(themes)), decision_types=json.dumps(["judging"]),
                elsewhere_party_id=None, elsewhere_chain="", reason="",
                decided_on=date.today(), decided_at=datetime.now(), decided_by="regisseur"))
        return case_id, number
    intake.decide_intake(vault, number, IntakeOutcome.ACCEPT,
                         [CriterionAnswer(c, True, "ja") for c in Criterion])
    if route == "to_meeting":
        triage.decide_routing(vault, number, RoutingDecision(
            Route.TO_MEETING, goal=goal, themes=themes,
            decision_types=(DecisionType.IMAGE_FORMING, DecisionType.DECIDING),
            invitees=frozenset(invitees)))
    elif route == "elsewhere":
        triage.decide_routing(vault, number, RoutingDecision(
            Route.ELSEWHERE, elsewhere_party_id=ids[POLICE], reason="Politie pakt dit op"))
    return case_id, number


def draft_for(cases: Iterable[tuple[int, str]], invited: Iterable[int],
              starts_at: datetime = TOMORROW_10, place: str = "Zaal 3, ZVH Haaglanden",
              chair: str = "A. de Regisseur") -> AgendaDraft:
    parties_invited = {p: "Toelichting" for p in invited}
    return AgendaDraft(starts_at=starts_at, place=place, chair=chair, items=[
        DraftItem(case_id, number, "", ItemKind.FIRST, 20, "Beeld vormen",
                  ["wonen"], [DecisionType.IMAGE_FORMING], dict(parties_invited))
        for case_id, number in cases])
