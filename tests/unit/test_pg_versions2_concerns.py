"""Whom an information item concerns, under several sessions (issue 22, point 4; review gap
G2). No screen or command edits an existing item's "concerns" on its own: they are set when
the item is stored (triage's "Add information", a referral's items) and carried over when the
case's registration is rewritten (the intake wizard on a registered case: its subjects are
written anew and each item keeps its subjects, ``intake._update_keeping_concerns``). That one
rewrite is built on the registration as read and guarded by the case's version (migration
0015), so a second session's rewrite built on an older read is refused, and the items'
concerns stay as the first session left them: no second version on the item is needed.

A guard, not a fix: this passes on 45f1d89 as well; it fails if the rewrite of the concerns
ever leaves the case's version check. On the house server too (``--engine=postgresql``)."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.information import Category
from app.domain.intake import InformationInput, IntakeOutcome
from app.domain.roles import Role
from app.errors import EditConflict
from app.services import cases, intake
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.unit.handout_cases import as_process_director, make_case, party_ids

CHILD = "Nguyễn"


@pytest.fixture
def two_directors(admin_vault: OpenVault) -> tuple[OpenVault, OpenVault, str]:
    """A registered case whose one item concerns the child only (the third subject), and
    two process directors' sessions."""
    director = as_process_director(admin_vault)
    police = party_ids(director)["Politie regionale eenheid Den Haag"]
    number = make_case(director, items=[InformationInput(
        police, date(2026, 11, 3), Category.POLICE, "Melding over het kind", concerns=(2,))])
    colleague = unlock_as(director, Role.PROCESS_DIRECTOR, "collega")
    return director, colleague, number


def _concerned_surnames(vault: OpenVault, number: str) -> set[str] | None:
    """The surnames of the subjects the case's one item concerns (None: the household)."""
    with vault.read() as conn:
        case_id = cases.case_id_for(conn, number)
        [item] = cases.information_items(conn, case_id)
    if item.concerns is None:
        return None
    subjects = cases.get_case(vault, number).subjects
    return {s.surname for s in subjects if s.id in item.concerns}


def test_a_stale_rewrite_of_the_registration_leaves_the_items_concerns_alone(
        two_directors: tuple[OpenVault, OpenVault, str]) -> None:
    director, colleague, number = two_directors
    mine, _ = intake.draft_for_case(director, number)
    theirs, _ = intake.draft_for_case(colleague, number)
    assert _concerned_surnames(director, number) == {CHILD}
    for draft in (mine, theirs):
        draft.referring_contact = "M. Jansen"   # the wizard asks for it (the case has none)

    theirs.reason = "Aangevuld door de collega."
    intake.submit_intake(colleague, theirs, IntakeOutcome.REGISTER)
    # the director's draft, read before that, drops the child: its item would concern the
    # whole household; refused, nothing of it written
    mine.subjects = [s for s in mine.subjects if s.surname != CHILD]
    with pytest.raises(EditConflict) as refused:
        intake.submit_intake(director, mine, IntakeOutcome.REGISTER)
    assert refused.value.by_account == "collega"
    assert _concerned_surnames(director, number) == {CHILD}
    assert CHILD in {s.surname for s in cases.get_case(director, number).subjects}

    # reloaded (the case as it is now), the same change goes through, and the item that
    # concerned only the child now concerns the household (as the rewrite's rule says)
    again = intake.case_as_draft(director, number)
    assert again.reason == "Aangevuld door de collega."
    again.subjects = [s for s in again.subjects if s.surname != CHILD]
    intake.submit_intake(director, again, IntakeOutcome.REGISTER)
    assert _concerned_surnames(colleague, number) is None
