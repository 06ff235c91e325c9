"""Test helpers for the plan and handout tests: a process director on a fresh vault, a case
with subjects and information items, party ids by name."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from app.domain.cases import Subject, SubjectRole
from app.domain.information import Category, SharingTerms
from app.domain.intake import InformationInput, Referral
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.services import intake
from app.store.party_tables import parties
from app.vault.vault import Actor, OpenVault

SUBJECTS = (
    Subject("Şükrü", "Yılmaz", date(1984, 3, 14), SubjectRole.MAIN_SUBJECT,
            bsn="111222333", address="Spui 70, Den Haag"),
    Subject("Łukasz", "Wiśniewski", date(1990, 7, 1), SubjectRole.PARTNER),
    Subject("Thị Minh Khai", "Nguyễn", date(2012, 1, 5), SubjectRole.CHILD),
    Subject("محمد", "العلي", date(1979, 11, 30), SubjectRole.OTHER),
)


def as_process_director(vault: OpenVault) -> OpenVault:
    vault.actor = Actor("regisseur", Role.PROCESS_DIRECTOR)
    return vault


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
    return intake.register_referral(vault, referral)


def item(source: int, text: str, shared: Iterable[int] = (), *,
         category: Category = Category.GENERAL, restriction: str = "") -> InformationInput:
    return InformationInput(source, date(2026, 11, 3), category, text,
                            SharingTerms(frozenset(shared), use_restriction=restriction))
