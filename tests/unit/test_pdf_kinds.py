"""One document of every PDF kind the program makes, with names in every script, for the
quality tests (``test_pdf_quality``) and for looking at them (``python -m
tests.unit.test_pdf_kinds OUT_DIR`` writes them all). No tests of its own."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from app.domain.cases import Subject, SubjectRole
from app.domain.figures import (
    ActionFigures,
    Figures,
    IntakeOutcome,
    LeadStep,
    LeadTime,
    Stage,
    figure_list,
)
from app.domain.information import Category, InformationItem, SharingTerms
from app.domain.life_domains import LifeDomain
from app.domain.lifecycle import CaseState
from app.domain.meetings import DecisionType, initials
from app.domain.parties import Party, PartyDomain, PartyType
from app.domain.plan import Action, ActionPlan, CaseCoordinator, Goal, InformationNeed
from app.domain.protocols import Protocol
from app.domain.standing import PartyStanding, ProtocolMembership
from app.domain import views
from app.export import agenda_pdf, annual_report, bijlage1, handout, pdf, plan_pdf
from app.export import subject_access_pdf
from app.sharing import handout as sharing_handout
from app.services.subject_access import (
    CaseSection,
    Ground,
    HeldItem,
    ItemDisclosure,
    SubjectAccessReport,
    SubjectMatch,
    WithheldItem,
)

HOUSE = "Zorg- en Veiligheidshuis Haaglanden"
PROTOCOL = Protocol.INTEGRALE_VEILIGHEID
#: (given names, surname) in every script the program meets
NAMES = (("Şükrü", "Yılmaz"), ("Łukasz", "Wiśniewski"), ("Nguyễn Thị", "Minh Khai"),
         ("محمد", "العلي"))
PARTIES = {1: "Reclassering Nederland", 2: "Gemeente Den Haag", 3: "Politie Haaglanden"}
ITEM_TEXT = ("Betrokkene heeft schulden bij drie schuldeisers; schuldhulpverlening is "
             "aangevraagd. Contactpersoon Łukasz Wiśniewski (wijkteam).")
ACTION_TEXT = "Huisbezoek afleggen met Şükrü Yılmaz en de wijkagent"


def subjects() -> tuple[Subject, ...]:
    roles = (SubjectRole.MAIN_SUBJECT, SubjectRole.PARTNER, SubjectRole.CHILD,
             SubjectRole.OTHER)
    return tuple(Subject(given, surname, date(1980 + i, 2, 14), role, id=i + 1)
                 for i, ((given, surname), role) in enumerate(zip(NAMES, roles, strict=True)))


def plan() -> ActionPlan:
    return ActionPlan(
        case_id=42, goals=(Goal("g1", LifeDomain.FINANCES, "Schulden stabiliseren"),),
        actions=(Action("a1", 1, ACTION_TEXT, owner="Nguyễn Thị Minh Khai",
                        due=date(2027, 1, 15), goal_key="g1"),),
        information_needs=(InformationNeed("n1", 2, "Stand van de schuldhulpverlening"),),
        coordinator=CaseCoordinator(1, "محمد العلي"), closure_criteria="Schulden geregeld",
        next_meeting=date(2027, 2, 1), version=2)


def _standing(pid: int) -> PartyStanding:
    return PartyStanding(pid, date(2019, 1, 1), None,
                         (ProtocolMembership(PROTOCOL, date(2019, 1, 1)),))


def handout_facts(items: int = 1) -> sharing_handout.CaseFacts:
    terms = SharingTerms(frozenset(PARTIES), True, True, "Alleen voor de hulpverlening")
    return sharing_handout.CaseFacts(
        house=HOUSE, case_id=42, case_number="ZVH-2026-0042", protocol=PROTOCOL,
        received=date(2026, 11, 2), subjects=subjects(), plan=plan(),
        items=tuple(InformationItem(i + 1, 42, 2, Category.GENERAL, ITEM_TEXT,
                                    date(2026, 11, 3), terms) for i in range(items)),
        party_names=PARTIES, standings={p: _standing(p) for p in PARTIES},
        invited=frozenset(PARTIES), on=date(2026, 12, 1), state=CaseState.IN_PROGRESS,
        meeting=sharing_handout.MeetingRef(7, datetime(2026, 12, 8, 14, 30), "Stadhuis Den Haag"),
        meeting_started=True)


def make_handout(password: str | None = None) -> bytes:
    return handout.render_handout(sharing_handout.compose(handout_facts(), 1), password)


def make_plan(password: str | None = None) -> bytes:
    return plan_pdf.render_full_plan(views.PlanView(
        house=HOUSE, case_number="ZVH-2026-0042", protocol=PROTOCOL, subjects=subjects(),
        plan=plan(), party_names=PARTIES, printed_on=date(2026, 12, 1)), password)


def party_agenda() -> views.AgendaView:
    cases = tuple(views.AgendaCase(
        starts_at=datetime(2026, 12, 8, 14 + i, 0), duration_minutes=30,
        case_number=f"ZVH-2026-004{i}", subject_initials=initials(given, surname),
        goal="Afspraken over schuldhulp en huisvesting", themes=("financiën", "wonen"),
        decision_types=tuple(DecisionType), contribution="Stand van zaken reclassering")
        for i, (given, surname) in enumerate(NAMES))
    return views.AgendaView(
        house=HOUSE, meeting_id=555, starts_at=datetime(2026, 12, 8, 14, 0),
        place="Stadhuis Den Haag", chair="Nguyễn Thị Minh Khai", party_id=1,
        party_name=PARTIES[1], printed_on=date(2026, 12, 1), cases=cases)


def make_agenda(password: str | None = None) -> bytes:
    return agenda_pdf.render_agenda(party_agenda(), password)


def access_report() -> SubjectAccessReport:
    given, surname = NAMES[3]
    section = CaseSection(
        number="ZVH-2026-0042", protocol=PROTOCOL, state=CaseState.IN_PROGRESS,
        received=date(2026, 11, 2), role=SubjectRole.MAIN_SUBJECT, given_names=given,
        surname=surname, birth_date=date(1983, 2, 14), address="Spui 70, Den Haag",
        bsn="111222333", life_domains=((LifeDomain.FINANCES, "Schulden bij Şükrü Yılmaz"),),
        items=(HeldItem(PARTIES[2], Category.GENERAL, date(2026, 11, 3), ITEM_TEXT, False,
                        (ItemDisclosure(PARTIES[1], date(2026, 12, 1), "ab" * 32),)),),
        withheld=(WithheldItem(Category.POLICE, PARTIES[3], Ground.OTHER_CONTROLLER),),
        disclosures=(), destroy_on=None, retention_months=24)
    return SubjectAccessReport(
        person=SubjectMatch((4,), given, surname, date(1983, 2, 14), ("ZVH-2026-0042",)),
        house=HOUSE, made_on=date(2026, 12, 1), cases=(section,))


def make_subject_access(password: str | None = None) -> bytes:
    return subject_access_pdf.render_subject_access(access_report(), password)


def the_party() -> Party:
    return Party(id=9, name="Stichting Nguyễn Thị Minh Khai & Şükrü Yılmaz",
                 short_name="SNM", party_type=PartyType.MUNICIPALITY,
                 domain=PartyDomain.MUNICIPAL, seat="Den Haag", address="Spui 70",
                 representative="Łukasz Wiśniewski", is_host_municipality=False,
                 joined_on=None, accession_requested_on=date(2026, 10, 1),
                 steering_group_agreed_on=date(2026, 11, 1), bijlage1_signed_on=None,
                 active_from=None, active_until=None, end_reason=None, end_note="")


def make_bijlage1(password: str | None = None) -> bytes:
    assert password is None, "Bijlage 1 is not protected"
    return bijlage1.bijlage1_pdf(the_party(), place="Den Haag")


def figures() -> Figures:
    return Figures(
        year=2026, protocol=None, reference_day="2026-12-31",
        referrals={"police": [7] * 12, "municipality": [3] * 12},
        intake={o: 6 for o in IntakeOutcome},
        lead_times={s: LeadTime.of([5.0] * 8) for s in LeadStep},
        in_progress={p: {s: 6 for s in Stage} for p in Protocol},
        actions=ActionFigures(cases=8, total=40, done=30, done_on_time=20),
        overdue_open_actions=6, meetings_per_month=[6] * 12,
        cases_discussed_per_month=[9] * 12, meetings_held=72, cases_discussed=108)


def make_annual_report(password: str | None = None) -> bytes:
    marks = pdf.PageMarks(HOUSE, "de stuurgroep", "Jaarverslag 2026", date(2026, 12, 31))
    story = annual_report.story(figure_list(figures()), 2026, None, HOUSE, date(2026, 12, 31))
    return pdf.produce(story, marks, pdf.Metadata("Jaarverslag 2026", "Cijfers"), password)


#: every kind of PDF the program makes
KINDS: dict[str, Callable[..., bytes]] = {
    "handout": make_handout, "plan": make_plan, "agenda": make_agenda,
    "subject_access": make_subject_access, "bijlage1": make_bijlage1,
    "annual_report": make_annual_report,
}


if __name__ == "__main__":  # pragma: no cover - for looking at them
    from app.i18n import set_language

    set_language(sys.argv[2] if len(sys.argv) > 2 else "nl")
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    for kind, make in KINDS.items():
        (folder / f"{kind}.pdf").write_bytes(make())
        print(kind)
