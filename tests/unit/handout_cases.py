"""Test helpers for the plan and handout tests: a process director on a fresh vault, a case
with subjects and information items, party ids by name, and the case taken through intake
and triage onto a meeting's agenda (handouts are made only for a case on an agenda)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.domain.cases import Subject, SubjectRole
from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.information import Category, SharingTerms
from app.domain.intake import InformationInput, IntakeOutcome, Referral
from tests.terms_fixtures import confirm_asked_terms
from app.domain.meetings import AgendaDraft, DecisionType, DraftItem, ItemKind
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.domain.triage import Route, RoutingDecision
from app.services import cases as case_service
from app.services import intake, triage
from app.services import meetings as meeting_service
from app.store.party_tables import parties
from app.vault.vault import OpenVault
from tests.conftest import unlock_as

SUBJECTS = (
    Subject("Şükrü", "Yılmaz", date(1984, 3, 14), SubjectRole.MAIN_SUBJECT,
            bsn="111222333", address="Spui 70, Den Haag"),
    Subject("Łukasz", "Wiśniewski", date(1990, 7, 1), SubjectRole.PARTNER),
    Subject("Thị Minh Khai", "Nguyễn", date(2012, 1, 5), SubjectRole.CHILD),
    Subject("محمد", "العلي", date(1979, 11, 30), SubjectRole.OTHER),
)


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


def make_case(vault: OpenVault, items: Iterable[InformationInput] = (),
              subjects: tuple[Subject, ...] = SUBJECTS, referring: str = "Den Haag",
              received: date = date(2026, 11, 2)) -> str:
    """A registered case (state ``referred``); returns its number."""
    ids = party_ids(vault)
    referral = Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=ids[referring],
        received=received, reason="Zorgen over het gezin", question="Samenhangende aanpak",
        subjects=subjects, information=tuple(items))
    number = intake.register_referral(vault, referral)
    confirm_asked_terms(vault, number)   # the sources agree to the terms the items carry
    return number


def item(source: int, text: str, shared: Iterable[int] = (), *,
         category: Category = Category.GENERAL, restriction: str = "",
         pre_meeting: bool = False) -> InformationInput:
    return InformationInput(source, date(2026, 11, 3), category, text,
                            SharingTerms(frozenset(shared), pre_meeting_view=pre_meeting,
                                         use_restriction=restriction))


def tomorrow_at_ten() -> datetime:
    return (datetime.now() + timedelta(days=1)).replace(hour=10, minute=0, second=0,
                                                       microsecond=0)


def route_to_meeting(vault: OpenVault, number: str, invited: Iterable[int]) -> None:
    """Intake accepts the case and triage routes it to a case meeting."""
    intake.decide_intake(vault, number, IntakeOutcome.ACCEPT,
                         [CriterionAnswer(c, True, "ja") for c in Criterion])
    triage.decide_routing(vault, number, RoutingDecision(
        Route.TO_MEETING, goal="Samen een beeld vormen", themes=("wonen",),
        decision_types=(DecisionType.IMAGE_FORMING,), invitees=frozenset(invited)))


def plan_meeting(vault: OpenVault, number: str, invited: Iterable[int],
                 starts_at: datetime | None = None, place: str = "Zaal 2",
                 contribution: str = "Toelichting") -> int:
    """Put the case (routed, or in progress for a follow-up) on a new meeting's agenda with
    ``invited``; returns the meeting id."""
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number)
    return meeting_service.plan_meeting(vault, AgendaDraft(
        starts_at=starts_at or tomorrow_at_ten(), place=place, chair="A. de Regisseur",
        items=[DraftItem(case_id, number, "", ItemKind.FIRST, 30, "Beeld vormen", ["wonen"],
                         [DecisionType.IMAGE_FORMING], {p: contribution for p in invited})]))


def on_agenda(vault: OpenVault, number: str, invited: Iterable[int],
              starts_at: datetime | None = None) -> int:
    """The case routed by triage and on a meeting's agenda; returns the meeting id."""
    invited = list(invited)
    route_to_meeting(vault, number, invited)
    return plan_meeting(vault, number, invited, starts_at)
