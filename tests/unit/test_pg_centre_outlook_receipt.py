"""The information centre's hand-outs' outlook and a referral's receipt, on the vault file and
on the house server (issue 22, point 3; the matrix, app/domain/roles.py, gives the centre
both: ``handouts.outlook``/``recipients`` with VIEW_CASES, the receipt with
REGISTER_REFERRAL). On the server the centre's role reads no subject, item, life domain,
informing or referral text; both must still give the answers the covenant asks, from the
register and (for the receipt) counts only.

Expected answers are written from the case made in the test: who is invited to the case's
current meeting (covenant 12.2e: an invited party of the protocol, active, gets a handout),
and what the referral held (the receipt names which fields were filled in and how many
subjects, life domains and items, never their content). On e9db4e2 the server refused the
centre both (the services read the whole case)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from app.domain.cases import Subject, SubjectRole
from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.information import Category, SharingTerms
from app.domain.intake import InformationInput, IntakeOutcome, Referral
from app.domain.life_domains import LifeDomain
from app.domain.meetings import AgendaDraft, DecisionType, DraftItem, ItemKind
from app.domain.protocols import Protocol
from app.domain.referral_contacts import Ground, Informing, Invitee
from app.domain.triage import Route, RoutingDecision
from app.services import cases as case_service
from app.services import handouts, intake, meetings, referral_receipts, triage
from app.i18n import _
from app.sharing.policy import Reason
from app.vault.vault import OpenVault
from tests.unit.meeting_fixtures import GGZ, MUNICIPALITY, POLICE, party_ids
from tests.unit.pg_centre_fixtures import admin, centre, director

__all__ = ["admin", "centre", "director"]  # the shared fixtures, used by name

TODAY = date.today()


def _referral(ids: dict[str, int], **more: Any) -> Referral:
    return Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=ids[MUNICIPALITY],
        received=TODAY - timedelta(days=5), reason="Zorgen", question="Afstemming",
        subjects=(Subject("Anna", "Ontvangst", date(1985, 2, 2), SubjectRole.MAIN_SUBJECT),
                  Subject("Bram", "Ontvangst", date(2012, 6, 6), SubjectRole.CHILD),
                  Subject("Cor", "Ontvangst", date(1984, 1, 1), SubjectRole.PARTNER)),
        **more)


def test_the_centres_outlook_names_the_invitees_of_the_current_meeting(
        centre: OpenVault, director: OpenVault) -> None:
    ids = party_ids(director)
    number = intake.register_referral(director, _referral(ids))
    intake.decide_intake(director, number, IntakeOutcome.ACCEPT,
                         [CriterionAnswer(k, True, "ja") for k in Criterion])
    triage.decide_routing(director, number, RoutingDecision(
        Route.TO_MEETING, goal="Doel", themes=("Thema",), decision_types=(DecisionType.DECIDING,),
        invitees=frozenset({ids[POLICE], ids[GGZ]})))
    # before the case is on an agenda: nobody, for the reason that it is on none
    before = handouts.outlook(centre, number)
    assert (before.on_agenda, before.recipients, before.reason) == (
        False, (), Reason.NOT_ON_AGENDA)
    with director.read() as conn:
        case_id = case_service.case_id_for(conn, number)
    starts = datetime.combine(TODAY + timedelta(days=3), datetime.min.time()).replace(hour=9)
    meeting_id = meetings.plan_meeting(director, AgendaDraft(
        starts_at=starts, place="Zaal 3", chair="A. de Voorzitter", items=[
            DraftItem(case_id, number, "", ItemKind.FIRST, 30, "Agendadoel", ["Thema"],
                      [DecisionType.DECIDING], {ids[POLICE]: "Bijdrage"})]))
    seen = handouts.outlook(centre, number)
    assert seen.on_agenda and seen.meeting is not None and seen.meeting.id == meeting_id
    assert not seen.meeting_started
    assert [(r.party_id, r.allowed) for r in seen.recipients] == [(ids[POLICE], True)]
    assert [r.party_id for r in handouts.recipients(centre, number)] == [ids[POLICE]]
    # the director sees the same outlook
    assert handouts.outlook(director, number) == seen


def test_the_receipt_the_centre_makes_counts_what_the_referral_held(
        centre: OpenVault, tmp_path: Path) -> None:
    ids = party_ids(centre)
    number = intake.register_referral(centre, _referral(
        ids, referring_contact="Mw. Contact", external_ref="GEM-77",
        life_domains={LifeDomain.HOUSING: "Woning", LifeDomain.FINANCES: "Schulden"},
        information=(
            InformationInput(ids[MUNICIPALITY], TODAY - timedelta(days=6), Category.GENERAL,
                             "Eigen bericht"),
            InformationInput(ids[MUNICIPALITY], TODAY - timedelta(days=6), Category.GENERAL,
                             "Nog een eigen bericht"),
            InformationInput(ids[GGZ], TODAY - timedelta(days=6), Category.SPECIAL,
                             "Zorgbericht", SharingTerms(frozenset({ids[POLICE]})))),
        invitees=(Invitee(ids[POLICE], "Wijkagent"),),
        informing=(Informing(True, TODAY - timedelta(days=6), ids[MUNICIPALITY]), None,
                   Informing(False, ground=Ground.SAFETY, review_on=TODAY))))
    view = referral_receipts.receipt_view(centre, number, on=TODAY)
    assert (view.case_number, view.recipient_id, view.external_ref, view.received) == (
        number, ids[MUNICIPALITY], "GEM-77", TODAY - timedelta(days=5))
    assert (view.subjects, view.life_domains, view.own_items, view.other_items,
            view.invitees) == (3, 2, 2, 1, 1)
    assert view.fields == tuple(_(f) for f in (
        "referring party", "contact person", "date received", "reason", "question",
        "life domains", "subjects", "informing the subjects", "partners to invite"))
    result = referral_receipts.export_receipt(centre, number, tmp_path / "ontvangst.pdf",
                                              on=TODAY)
    assert result.party_id == ids[MUNICIPALITY] and result.path.exists()


def test_a_referral_without_contact_life_domains_or_informing_says_so(
        centre: OpenVault) -> None:
    ids = party_ids(centre)
    number = intake.register_referral(centre, _referral(ids))
    view = referral_receipts.receipt_view(centre, number, on=TODAY)
    assert (view.subjects, view.life_domains, view.own_items, view.other_items,
            view.invitees) == (3, 0, 0, 0, 0)
    assert view.fields == tuple(_(f) for f in (
        "referring party", "date received", "reason", "question", "subjects"))
