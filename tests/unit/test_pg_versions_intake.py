"""A case's registration under several sessions (issue 22, point 4): two process directors
(two workstations, or two windows) open the intake of the same registered case; the second
submission, built on the registration as it was before the first was stored, is refused with
the account and moment of the first, and nothing of it is written: not the registration, not
the criteria, not the decision. Reloaded (the case as it is now), it goes through. A saved
draft keeps the version it was filled at, so reopening it later changes nothing of this.
On the house server too (``pytest --engine=postgresql``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.domain.intake import IntakeDraft, IntakeOutcome
from app.domain.lifecycle import CaseState
from app.domain.roles import Role
from app.errors import EditConflict
from app.services import cases, intake
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.unit.meeting_fixtures import as_process_director
from tests.unit.test_intake_service import complete, draft_for


@pytest.fixture
def two_directors(admin_vault: OpenVault) -> tuple[OpenVault, OpenVault, str]:
    """A referral registered (still ``referred``), and two process directors' sessions."""
    director = as_process_director(admin_vault)
    colleague = unlock_as(director, Role.PROCESS_DIRECTOR, "collega")
    registered = intake.submit_intake(director, draft_for(director), IntakeOutcome.REGISTER)
    assert registered.case_number is not None
    return director, colleague, registered.case_number


def test_the_second_intake_of_a_case_is_refused_with_who_and_when(
        two_directors: tuple[OpenVault, OpenVault, str]) -> None:
    director, colleague, number = two_directors
    mine, _ = intake.draft_for_case(director, number)
    theirs, _ = intake.draft_for_case(colleague, number)
    before = datetime.utcnow() - timedelta(minutes=1)

    theirs.reason = "Aangevuld door de collega."
    intake.submit_intake(colleague, theirs, IntakeOutcome.REGISTER)
    mine.reason = "Mijn eigen tekst."
    mine.question = "Mijn eigen vraag."
    with pytest.raises(EditConflict) as refused:
        intake.submit_intake(director, complete(mine), IntakeOutcome.ACCEPT)

    assert refused.value.by_account == "collega"
    assert isinstance(refused.value.at, datetime) and refused.value.at >= before
    assert "collega" in str(refused.value)
    # nothing of the refused submission: the colleague's registration, no criteria, no
    # decision (the case is still referred)
    case = cases.get_case(director, number)
    assert (case.reason, case.question) == ("Aangevuld door de collega.", draft_for(
        director).question)
    assert case.state is CaseState.REFERRED and case.criteria == ()
    # reloaded (the case as it is now), the director's intake goes through
    again = intake.case_as_draft(director, number)
    assert again.reason == "Aangevuld door de collega."
    again.question = "Mijn eigen vraag."
    result = intake.submit_intake(director, complete(again), IntakeOutcome.ACCEPT)
    assert result.state is CaseState.TRIAGE
    assert cases.get_case(colleague, number).question == "Mijn eigen vraag."


def test_a_saved_draft_keeps_the_version_it_was_filled_at(
        two_directors: tuple[OpenVault, OpenVault, str]) -> None:
    """The draft saved on a page and reopened later is still built on the registration it
    read: a colleague's change in between refuses it, it does not overwrite it."""
    director, colleague, number = two_directors
    mine, _ = intake.draft_for_case(director, number)
    mine.reason = "Op pagina 1 getypt."
    draft_id = intake.save_draft(director, mine)

    theirs, _ = intake.draft_for_case(colleague, number)
    theirs.question = "De vraag van de collega."
    intake.submit_intake(colleague, theirs, IntakeOutcome.REGISTER)

    reopened, again_id = intake.draft_for_case(director, number)
    assert again_id == draft_id and reopened.reason == "Op pagina 1 getypt."
    with pytest.raises(EditConflict):
        intake.submit_intake(director, reopened, IntakeOutcome.REGISTER, again_id)
    case = cases.get_case(director, number)
    assert (case.reason, case.question) == (draft_for(director).reason,
                                            "De vraag van de collega.")
    # the refused draft is still there to copy from
    assert intake.load_draft(director, draft_id).reason == "Op pagina 1 getypt."


def test_a_draft_saved_before_versions_counts_as_read_at_the_first(
        two_directors: tuple[OpenVault, OpenVault, str]) -> None:
    """A draft saved by an older program carries no version: it was read before any
    versioned save (every case started at version 1), so a save since refuses it."""
    director, colleague, number = two_directors
    old, _ = intake.draft_for_case(director, number)
    payload = old.to_payload()
    del payload["case_version"]
    untouched = IntakeDraft.from_payload(payload)
    assert untouched.case_version is None

    theirs, _ = intake.draft_for_case(colleague, number)
    theirs.reason = "Nieuwer."
    intake.submit_intake(colleague, theirs, IntakeOutcome.REGISTER)
    untouched.reason = "Ouder."
    with pytest.raises(EditConflict):
        intake.submit_intake(director, untouched, IntakeOutcome.REGISTER)
    assert cases.get_case(director, number).reason == "Nieuwer."
