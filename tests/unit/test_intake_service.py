"""Intake as use cases on a real vault: drafts (save, list, reopen, discard), registering,
the "already known" check, and the intake decision with its roles and audit rows."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from app.domain.criteria import CRITERIA
from app.domain.intake import (CriterionEntry, IntakeDraft, IntakeOutcome, IntakeStep,
                               SubjectEntry, to_referral)
from app.domain.lifecycle import CaseState
from app.domain.parties import EndReason
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.errors import NotFound, PermissionDenied, TransitionRefused, ValidationError
from app.services import accounts, cases, intake
from app.services import parties as party_service
from app.store.case_tables import criteria_answers
from app.store.case_tables import cases as cases_table
from app.store.tables import audit_log, drafts
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.pg_engine import audit_reader
from tests.conftest import ADMIN_PASSPHRASE

TODAY = date.today()
Unlock = Callable[[str], OpenVault]


@pytest.fixture
def unlock_as(admin_vault: OpenVault, vault_dir: Path) -> Iterator[Unlock]:
    """Accounts for each role; ``unlock_as(name)`` opens the vault as that account."""
    for name, role in (("regisseur", Role.PROCESS_DIRECTOR), ("infocentrum",
                                                              Role.INFORMATION_CENTRE),
                       ("manager", Role.MANAGER)):
        accounts.add_account(admin_vault, name, role, ADMIN_PASSPHRASE, kdf=KdfParams())
    barka = party_service.find_party_by_name(admin_vault, "Stichting Barka")
    assert barka is not None
    party_service.end_participation(admin_vault, barka.id, date(2025, 1, 1),
                                    EndReason.WITHDRAWAL)
    admin_vault.lock()
    opened: list[OpenVault] = []

    def unlock(name: str) -> OpenVault:
        for v in opened:
            v.lock()
        v = Vault(vault_dir).unlock(name, ADMIN_PASSPHRASE)
        opened.append(v)
        return v

    yield unlock
    for v in opened:
        v.lock()


def party_id(vault: OpenVault, name: str) -> int:
    party = party_service.find_party_by_name(vault, name)
    assert party is not None
    return party.id


def draft_for(vault: OpenVault, bsn: str = "123456782", surname: str = "Yılmaz") -> IntakeDraft:
    return IntakeDraft(
        protocol="integrale_veiligheid", referring_party_id=party_id(vault, "Veilig Thuis"),
        referring_contact="M. Jansen", received=TODAY.isoformat(),
        subjects=[SubjectEntry("Şükrü", surname, "1984-03-02", bsn, "Hoefkade 1", "main_subject"),
                  SubjectEntry("Elif", surname, "2015-05-05", "", "", "child")],
        reason="Zorgen van drie partijen.", life_domains={"safety": "Huiselijk geweld"},
        question="Eén plan van aanpak.")


def complete(draft: IntakeDraft, met: bool = True) -> IntakeDraft:
    draft.criteria = {c.value: CriterionEntry(met, f"motivering {c.value}") for c in CRITERIA}
    return draft


def audit_rows(vault: OpenVault) -> list[dict[str, str]]:
    with audit_reader(vault) as conn:
        return [dict(r) for r in conn.execute(select(audit_log)).mappings()]


# -- drafts ---------------------------------------------------------------------------------

def test_draft_saved_listed_reopened_and_discarded(unlock_as: Unlock) -> None:
    vault = unlock_as("regisseur")
    draft = draft_for(vault)
    draft.step = IntakeStep.SUBJECTS.value
    draft_id = intake.save_draft(vault, draft)
    draft.reason = "Aangevuld na telefoontje."
    assert intake.save_draft(vault, draft, draft_id) == draft_id
    listed = intake.list_drafts(vault)
    assert [(d.id, d.step, d.case_number) for d in listed] == [
        (draft_id, IntakeStep.SUBJECTS, None)]
    assert "concept" in listed[0].label and "Yılmaz" not in listed[0].label
    assert intake.load_draft(vault, draft_id) == draft
    with vault.read() as conn:
        title = conn.execute(select(drafts.c.title)).scalar()
    assert title == ""                            # nothing personal in the title
    intake.discard_draft(vault, draft_id)
    assert intake.list_drafts(vault) == []
    with pytest.raises(NotFound):
        intake.load_draft(vault, draft_id)


def test_drafts_are_per_account_and_survive_a_lock(unlock_as: Unlock) -> None:
    vault = unlock_as("regisseur")
    draft_id = intake.save_draft(vault, draft_for(vault))
    other = unlock_as("infocentrum")
    assert intake.list_drafts(other) == []
    with pytest.raises(NotFound):
        intake.load_draft(other, draft_id)
    again = unlock_as("regisseur")
    assert intake.load_draft(again, draft_id).subjects[0].surname == "Yılmaz"


def test_manager_may_not_touch_drafts(unlock_as: Unlock) -> None:
    vault = unlock_as("manager")
    with pytest.raises(PermissionDenied):
        intake.save_draft(vault, IntakeDraft())


# -- submitting -----------------------------------------------------------------------------

def test_accept_creates_the_case_in_triage_in_one_go(unlock_as: Unlock) -> None:
    vault = unlock_as("regisseur")
    draft = complete(draft_for(vault))
    draft_id = intake.save_draft(vault, draft)
    result = intake.submit_intake(vault, draft, IntakeOutcome.ACCEPT, draft_id)
    assert result.state is CaseState.TRIAGE and result.case_number
    assert result.case_number == f"ZVH-{TODAY.year}-0001"
    case = cases.get_case(vault, result.case_number)
    assert case.state is CaseState.TRIAGE
    assert [s.surname for s in case.subjects] == ["Yılmaz", "Yılmaz"]
    assert len(case.criteria) == 4 and all(a.met for a in case.criteria)
    assert case.intake_decided_by == "regisseur" and case.intake_decided_at is not None
    assert intake.list_drafts(vault) == []       # the draft went with the decision
    actions = [r["action"] for r in audit_rows(vault)]
    assert "case.create" in actions and "case.intake_decision" in actions


def test_decline_needs_reason_and_advice(unlock_as: Unlock) -> None:
    vault = unlock_as("regisseur")
    draft = complete(draft_for(vault), met=False)
    with pytest.raises(ValidationError) as refused:
        intake.submit_intake(vault, draft, IntakeOutcome.DECLINE)
    assert refused.value.field == "decline_reason"
    draft.decline_reason = "Eén leefgebied."
    draft.decline_advice = "Meld bij het wijkteam."
    result = intake.submit_intake(vault, draft, IntakeOutcome.DECLINE)
    case = cases.get_case(vault, result.case_number or "")
    assert case.state is CaseState.DECLINED
    assert (case.decline_reason, case.decline_advice) == ("Eén leefgebied.",
                                                          "Meld bij het wijkteam.")


def test_unanswered_criteria_refuse_the_decision_and_store_nothing(unlock_as: Unlock) -> None:
    vault = unlock_as("regisseur")
    draft = draft_for(vault)
    draft.criteria = {"multi_problem": CriterionEntry(True, "ja")}
    with pytest.raises(TransitionRefused) as refused:
        intake.submit_intake(vault, draft, IntakeOutcome.ACCEPT)
    assert "Bijlage 2" in str(refused.value)
    with vault.read() as conn:
        assert conn.execute(select(cases_table.c.id)).first() is None


def test_accepting_a_case_the_answers_call_simple_is_refused(unlock_as: Unlock) -> None:
    vault = unlock_as("regisseur")
    with pytest.raises(TransitionRefused):
        intake.submit_intake(vault, complete(draft_for(vault), met=False), IntakeOutcome.ACCEPT)


def test_keep_as_draft_and_register_for_later_intake(unlock_as: Unlock) -> None:
    vault = unlock_as("infocentrum")
    kept = intake.submit_intake(vault, draft_for(vault), IntakeOutcome.KEEP_DRAFT)
    assert kept.draft_id is not None and kept.case_number is None
    with pytest.raises(PermissionDenied):       # the information centre does not decide
        intake.submit_intake(vault, complete(draft_for(vault)), IntakeOutcome.ACCEPT)
    registered = intake.submit_intake(vault, draft_for(vault), IntakeOutcome.REGISTER,
                                      kept.draft_id)
    assert registered.state is CaseState.REFERRED
    assert intake.list_drafts(vault) == []
    number = registered.case_number or ""

    director = unlock_as("regisseur")
    draft, saved_id = intake.draft_for_case(director, number)
    assert saved_id is None and draft.case_number == number
    assert draft.step == IntakeStep.CRITERIA.value and draft.subjects[0].surname == "Yılmaz"
    complete(draft)
    draft.question = "Aangepaste vraag."
    draft_id = intake.save_draft(director, draft)
    reopened, again_id = intake.draft_for_case(director, number)
    assert again_id == draft_id and reopened.question == "Aangepaste vraag."
    result = intake.submit_intake(director, reopened, IntakeOutcome.ACCEPT, again_id)
    assert result.case_number == number and result.state is CaseState.TRIAGE
    case = cases.get_case(director, number)
    assert case.question == "Aangepaste vraag." and len(case.subjects) == 2
    with director.read() as conn:
        row = conn.execute(select(cases_table.c.intake_started_at,
                                  cases_table.c.intake_decided_at)).one()
    assert row[0] is not None and row[1] is not None
    assert intake.list_drafts(director) == []
    with pytest.raises(ValidationError):
        intake.draft_for_case(director, number)     # past intake now


def test_decide_intake_on_a_registered_case(unlock_as: Unlock) -> None:
    vault = unlock_as("regisseur")
    number = intake.register_referral(vault, to_referral(draft_for(vault),
                                                         intake.intake_context(vault)))
    intake.start_intake(vault, number)
    answers = complete(draft_for(vault)).criterion_answers()
    with pytest.raises(TransitionRefused):
        intake.decide_intake(vault, number, IntakeOutcome.DECLINE, answers)
    assert intake.decide_intake(vault, number, IntakeOutcome.ACCEPT,
                                answers) is CaseState.TRIAGE
    with vault.read() as conn:
        assert len(conn.execute(select(criteria_answers)).all()) == 4
    with pytest.raises(TransitionRefused):
        intake.decide_intake(vault, number, IntakeOutcome.ACCEPT, answers)


def test_duplicate_external_reference_is_refused(unlock_as: Unlock) -> None:
    vault = unlock_as("regisseur")
    draft = draft_for(vault)
    draft.external_ref = "WEB-2026-0042"
    intake.submit_intake(vault, draft, IntakeOutcome.REGISTER)
    with pytest.raises(ValidationError) as refused:
        intake.submit_intake(vault, draft, IntakeOutcome.REGISTER)
    assert refused.value.field == "external_ref"


def test_an_inactive_referrer_is_refused_with_the_field(unlock_as: Unlock) -> None:
    vault = unlock_as("regisseur")
    draft = draft_for(vault)
    draft.referring_party_id = party_id(vault, "Stichting Barka")
    with pytest.raises(ValidationError) as refused:
        intake.submit_intake(vault, draft, IntakeOutcome.REGISTER)
    assert refused.value.field == "referring_party"
    names = [p.name for p in intake.eligible_parties(vault, Protocol.INTEGRALE_VEILIGHEID)]
    assert "Veilig Thuis" in names and "Stichting Barka" not in names
    assert intake.eligible_parties(vault, Protocol.RADICALISERING) == []


# -- already known --------------------------------------------------------------------------

def test_already_known_shows_number_status_and_dates_only(unlock_as: Unlock) -> None:
    vault = unlock_as("regisseur")
    first = intake.submit_intake(vault, draft_for(vault), IntakeOutcome.REGISTER).case_number
    intake.submit_intake(vault, draft_for(vault, bsn="111222333", surname="Bakker"),
                         IntakeOutcome.REGISTER)
    by_bsn = intake.already_known(vault, bsn="1234 56 782")
    assert [k.number for k in by_bsn] == [first]
    assert set(vars(by_bsn[0])) == {"number", "state", "received", "closed_at"}
    by_name = intake.already_known(vault, surname="YILMAZ", birth_date=date(1984, 3, 2))
    assert [k.number for k in by_name] == [first]
    assert intake.already_known(vault, surname="Yilmaz", birth_date=date(1984, 3, 3)) == []
    assert intake.already_known(vault, bsn="123456789") == []      # not a BSN: no search
    assert intake.already_known(vault, bsn="123456782", exclude_case=first) == []
    searches = [r for r in audit_rows(vault) if r["action"] == "case.search"]
    assert searches and all("123456782" not in r["detail"] and "ilmaz" not in r["detail"]
                            for r in searches)
    assert json.loads(searches[0]["detail"])["hits"] == 1


def test_no_names_or_bsns_in_the_audit_log(unlock_as: Unlock) -> None:
    vault = unlock_as("regisseur")
    result = intake.submit_intake(vault, complete(draft_for(vault)), IntakeOutcome.ACCEPT)
    cases.get_case(vault, result.case_number or "")
    cases.list_cases(vault)
    text = json.dumps(audit_rows(vault), ensure_ascii=False)
    for secret in ("Yılmaz", "Şükrü", "123456782", "Hoefkade", "Zorgen van drie"):
        assert secret not in text
    assert result.case_number in text
