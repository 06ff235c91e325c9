"""Issue 24, point 1: the contact persons to invite are personal data of professionals and
go at closure with the case, unless the same person is among the party register's own
contacts; a ground "in words" goes too. Destruction removes every row of the case. Fails on
HEAD 303c06b (no such data existed)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select

from app.domain.closure import ClosureDecision, CoordinatorAgreement, CriterionCheck, Outcome
from app.domain.information import Category
from app.domain.roles import Role
from app.services import closure as closure_service
from app.store.party_tables import party_contacts
from app.store.referral_tables import case_invitees, subject_informing
from app.store.case_tables import subjects
from app.vault.vault import OpenVault

from tests.conftest import unlock_as
from tests.unit.retention_fixtures import director_vault, make_case, party_id  # noqa: F401

DAY = date(2025, 9, 1)


def test_closing_blanks_contacts_not_in_the_register_and_the_ground_in_words(
        director_vault: OpenVault) -> None:  # noqa: F811
    vault = director_vault
    made = make_case(vault, items=[("politie", Category.POLICE, "melding")])
    police, city = party_id(vault, "politie"), party_id(vault, "gemeente-den-haag")
    # the party register is the administrator's (on the house server the director's role
    # may not write it)
    with unlock_as(vault, Role.ADMIN).begin() as conn:
        conn.execute(insert(party_contacts).values(
            party_id=city, name="Wijkcoach Register", function="", phone="", email="",
            steering_group=False, partner_board=False, case_meetings=True))
    with vault.begin() as conn:
        conn.execute(insert(case_invitees), [
            {"case_id": made.id, "position": 0, "party_id": police,
             "contact_name": "Agent Geheim", "contact_role": "wijkagent",
             "phone": "06 1", "email": "agent@politie.example"},
            {"case_id": made.id, "position": 1, "party_id": city,
             "contact_name": "wijkcoach register", "contact_role": "wijkcoach",
             "phone": "", "email": ""}])
        subject_id = conn.execute(select(subjects.c.id).where(
            subjects.c.case_id == made.id)).scalars().first()
        conn.execute(insert(subject_informing).values(
            subject_id=subject_id, case_id=made.id, informed=False, ground="other",
            ground_text="Onvindbaar geheimtekst", review_on=DAY))
    context = closure_service.closure_context(vault, made.number, today=DAY)
    decision = ClosureDecision(
        criteria=tuple(CriterionCheck(c.criterion, True, "ok") for c in context.criteria),
        agreement=CoordinatorAgreement("Sanne de Vries", city, DAY),
        outcome=Outcome.PARTLY_REACHED)
    closure_service.close_case(vault, made.number, decision, context.preview, today=DAY)
    with vault.read() as conn:
        rows = {r.party_id: (r.contact_name, r.contact_role, r.phone, r.email)
                for r in conn.execute(select(case_invitees).where(
                    case_invitees.c.case_id == made.id))}
        grounds = conn.execute(select(subject_informing.c.ground,
                                      subject_informing.c.ground_text)).all()
    assert rows == {police: ("", "", "", ""),
                    city: ("wijkcoach register", "wijkcoach", "", "")}
    assert [tuple(g) for g in grounds] == [("other", "")]


def test_every_new_text_column_has_its_closure_rule() -> None:
    for column in ("case_invitees.contact_name", "case_invitees.contact_role",
                   "case_invitees.phone", "case_invitees.email",
                   "subject_informing.ground_text"):
        assert column in closure_service.CASE_TEXT_FIELDS


def test_destruction_follows_the_new_tables() -> None:
    from app.services.retention import _referencing, cases

    children = {t.name for t, _c, _p in _referencing(cases, {"case_invitees",
                                                             "subject_informing"})}
    assert {"case_invitees", "subject_informing"} <= children
