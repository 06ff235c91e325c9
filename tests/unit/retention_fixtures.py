"""Helpers for the closure, retention and subject-access tests: a process director's vault
and cases in progress with subjects, life domains, items and a plan, written through the
services of the areas that own them (intake's store functions, the plan service)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import insert, select

from app.domain.cases import Subject, SubjectRole
from app.domain.information import Category, SharingTerms
from app.domain.intake import InformationInput, Referral
from app.domain.lifecycle import CaseState
from app.domain.life_domains import LifeDomain
from app.domain.plan import Action, ActionPlan, ActionStatus, CaseCoordinator, Goal, new_key
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.services import accounts as account_service
from app.services import cases as case_service
from app.services import plan as plan_service
from app.store.case_tables import information_items, item_shared_with
from app.store.party_tables import parties
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault, utcnow

DIRECTOR = "regisseur"
DIRECTOR_PASSPHRASE = "regie over de casus blijft mensenwerk"


@pytest.fixture
def director_vault(admin_vault: OpenVault, vault_dir: Path) -> Iterator[OpenVault]:
    """The admin vault with a process director added, unlocked as the process director."""
    account_service.add_account(admin_vault, DIRECTOR, Role.PROCESS_DIRECTOR,
                                DIRECTOR_PASSPHRASE, kdf=KdfParams())
    admin_vault.lock()
    opened = Vault(vault_dir).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    yield opened
    opened.lock(audit_it=False)


def party_id(vault: OpenVault, short_name: str) -> int:
    with vault.read() as conn:
        found = conn.execute(select(parties.c.id).where(parties.c.short_name == short_name)
                             ).scalar()
    assert found is not None, short_name
    return int(found)


@dataclass(frozen=True)
class MadeCase:
    id: int
    number: str
    action_keys: tuple[str, ...]


def make_case(vault: OpenVault, *, surname: str = "Jansen", given: str = "Piet",
              birth: date = date(1980, 5, 17), bsn: str | None = "111222333",
              address: str | None = "Laan van Meerdervoort 1, Den Haag",
              life_domains: dict[LifeDomain, str] | None = None,
              items: Sequence[tuple[str, Category, str]] = (),
              criteria: str = "Stable housing\nDebts under control",
              coordinator: tuple[str, str] | None = ("Sanne de Vries", "gemeente-den-haag"),
              actions: Sequence[tuple[str, str, date | None, ActionStatus]] = (),
              extra_subjects: Sequence[Subject] = (),
              received: date = date(2025, 3, 1),
              protocol: Protocol = Protocol.INTEGRALE_VEILIGHEID,
              state: CaseState = CaseState.IN_PROGRESS) -> MadeCase:
    """A case in ``state`` with one main subject, items ``(source short name, category,
    text)``, life-domain texts and a plan with the given criteria, coordinator and actions
    ``(party short name, description, due, status)``."""
    referrer = party_id(vault, "politie")
    info = tuple(InformationInput(party_id(vault, src), received, category, text,
                                  SharingTerms(shared_with=frozenset({referrer})))
                 for src, category, text in items)
    referral = Referral(
        protocol=protocol, referring_party_id=referrer, received=received,
        reason="Zorgen over de woonsituatie", question="Samen een plan maken",
        subjects=(Subject(given, surname, birth, SubjectRole.MAIN_SUBJECT, bsn, address),)
        + tuple(extra_subjects),
        life_domains=life_domains if life_domains is not None else {
            LifeDomain.HOUSING: "Dreigende huisuitzetting", LifeDomain.FINANCES: "Schulden"},
        referring_contact="Wijkagent Bakker")
    with vault.begin() as conn:
        case_id, number = case_service.insert_case(conn, vault, referral, CaseState.INTAKE)
        now = utcnow()
        for entry in info:
            item_id = conn.execute(insert(information_items).values(
                case_id=case_id, source_party_id=entry.source_party_id,
                received=entry.received, category=entry.category.value, text=entry.text,
                pre_meeting_view=False, meeting_screen=False, use_restriction="",
                created_at=now)).inserted_primary_key[0]
            conn.execute(insert(item_shared_with), [
                {"item_id": item_id, "party_id": p} for p in entry.terms.shared_with])
        for step in (CaseState.TRIAGE, CaseState.SCHEDULED, CaseState.IN_PROGRESS):
            case_service.set_state(conn, case_id, step, now)
            if step is state:
                break
    keys: list[str] = []
    if state is CaseState.IN_PROGRESS:
        goal = Goal(new_key(), LifeDomain.HOUSING, "Woning behouden")
        made_actions = []
        for short, text, due, status in actions:
            key = new_key()
            keys.append(key)
            made_actions.append(Action(key, party_id(vault, short), text, owner="",
                                       due=due, status=status, goal_key=goal.key))
        plan = ActionPlan(
            case_id=case_id, goals=(goal,), actions=tuple(made_actions),
            coordinator=(CaseCoordinator(party_id(vault, coordinator[1]), coordinator[0])
                         if coordinator else None),
            closure_criteria=criteria)
        plan_service.save_plan(vault, plan, on=received)
    return MadeCase(case_id, number, tuple(keys))
