"""The information centre registers referrals (app/domain/roles.py: REGISTER_REFERRAL), and
a referral arrives with what houses practise (issue 24): whether each subject was informed
(or the ground not to), information items that concern some of the subjects, and terms that
the referring party asked of another source party (covenant 16.2: held at the narrowest until
that party answers). On the house server the centre's role may write those rows but not
read them back (issue 22, point 3: only the rows and columns of the permission matrix).

Each test registers such a referral AS THE CENTRE, on the vault file and on the house
server, and then checks as the process director that what the referral said was stored:
the expected answers are the referral's own values. On e9db4e2 (and until this part) the
server refused the centre each of these registrations (the store read the new subjects and
items back, and the centre's role may neither read them nor insert a request to the source
party)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from app.domain.cases import Subject, SubjectRole
from app.domain.information import Category, SharingTerms
from app.domain.intake import InformationInput, Referral
from app.domain.protocols import Protocol
from app.domain.referral_contacts import Ground, Informing
from app.services import cases as case_service
from app.services import intake, referral_contacts
from app.services import triage as triage_service
from app.vault.vault import OpenVault
from tests.unit.meeting_fixtures import GGZ, MUNICIPALITY, POLICE, party_ids
from tests.unit.pg_centre_fixtures import admin, centre, director

__all__ = ["admin", "centre", "director"]  # the shared fixtures, used by name

TODAY = date.today()


def _subjects() -> tuple[Subject, ...]:
    return (Subject("Anna", "Referentie", date(1985, 2, 2), SubjectRole.MAIN_SUBJECT),
            Subject("Bram", "Referentie", date(2012, 6, 6), SubjectRole.CHILD))


def _referral(ids: dict[str, int], **more: Any) -> Referral:
    return Referral(protocol=Protocol.INTEGRALE_VEILIGHEID,
                    referring_party_id=ids[MUNICIPALITY], received=TODAY - timedelta(days=2),
                    reason="Zorgen", question="Afstemming", subjects=_subjects(), **more)


def test_the_centre_registers_a_referral_with_its_subjects_informing(
        centre: OpenVault, director: OpenVault) -> None:
    ids = party_ids(centre)
    informed = Informing(True, TODAY - timedelta(days=3), ids[MUNICIPALITY])
    not_informed = Informing(False, ground=Ground.SAFETY, review_on=TODAY + timedelta(days=30))
    number = intake.register_referral(centre, _referral(ids, informing=(informed, not_informed)))
    subjects = case_service.get_case(director, number).subjects
    recorded = referral_contacts.case_informing(director, number)
    assert [recorded[s.id] for s in subjects if s.id is not None] == [informed, not_informed]


def test_the_centre_registers_a_referral_with_items_about_some_subjects(
        centre: OpenVault, director: OpenVault) -> None:
    ids = party_ids(centre)
    number = intake.register_referral(centre, _referral(ids, information=(
        InformationInput(ids[MUNICIPALITY], TODAY - timedelta(days=3), Category.GENERAL,
                         "Over het kind", SharingTerms(frozenset({ids[POLICE]})),
                         concerns=(1,)),
        InformationInput(ids[MUNICIPALITY], TODAY - timedelta(days=3), Category.GENERAL,
                         "Over het gezin"))))
    case = case_service.get_case(director, number)
    child = next(s.id for s in case.subjects if s.role is SubjectRole.CHILD)
    with director.read() as conn:
        items = case_service.information_items(conn, case.id)
    assert [(it.text, it.concerns) for it in items] == [
        ("Over het kind", frozenset({child})), ("Over het gezin", None)]
    assert items[0].terms.shared_with == frozenset({ids[POLICE]})


def test_the_centre_registers_a_referral_asking_terms_of_another_source_party(
        centre: OpenVault, director: OpenVault) -> None:
    """The referring municipality hands on a care party's item and asks that the police may
    see it: the item is held at the narrowest terms and the care party is asked (16.2)."""
    ids = party_ids(centre)
    number = intake.register_referral(centre, _referral(ids, information=(
        InformationInput(ids[GGZ], TODAY - timedelta(days=3), Category.SPECIAL,
                         "Zorgbericht", SharingTerms(frozenset({ids[POLICE]}))),)))
    case = case_service.get_case(director, number)
    with director.read() as conn:
        [item] = case_service.information_items(conn, case.id)
        requests = triage_service.widening(conn, case.id)
    assert item.terms.shared_with == frozenset()
    assert item.terms_to_confirm
    assert [(r.item_id, r.party_id, r.pending) for r in requests] == [
        (item.id, ids[POLICE], True)]
    assert all(r.requested_by == centre.actor.account for r in requests)
