"""Issue 24 in the intake wizard: the page "Partners to invite and informing". A contact
without a party, an e-mail address that is not one and "not informed" without a ground are
refused beside their field; what is typed is stored with the case (and the triage wizard's
context offers the proposed party and flags the subject left unrecorded). Fails on HEAD
303c06b (no such page)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from app.domain.intake import IntakeStep
from app.domain.referral_contacts import Ground
from app.services import referral_contacts
from app.services import triage as triage_service
from tests.ui.cases_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    accounts_vault,
    cases_vault_template,
    director_vault,
    eligible_party,
)
from tests.ui.test_intake_wizard import (
    click,
    fill_criteria,
    fill_party,
    fill_problems,
    fill_protocol,
    fill_subjects,
    make_wizard,
    next_page,
)


@pytest.fixture
def wizard(qtbot, director_vault):  # noqa: F811
    made = make_wizard(qtbot, director_vault)
    yield made
    made.clear()       # as on lock: closing asks nothing


def to_partners(qtbot, wizard) -> None:
    fill_protocol(qtbot, wizard)
    fill_party(qtbot, wizard)
    fill_subjects(qtbot, wizard)
    fill_problems(qtbot, wizard)
    fill_criteria(qtbot, wizard)
    wizard.page_for(IntakeStep.QUESTION).question.setPlainText("Eén plan van aanpak.")
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.PARTNERS


def test_bad_partners_and_informing_are_refused_beside_their_fields(qtbot, wizard) -> None:
    to_partners(qtbot, wizard)
    page = wizard.page_for(IntakeStep.PARTNERS)
    page.add_button.click()
    row = page.rows[0]
    row.name.setText("Mw. J. de Vries")           # a contact without a party
    row.email.setText("j.devries")                # not an e-mail address
    page.boxes[1].informed.setCurrentIndex(page.boxes[1].informed.findData("no"))
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.PARTNERS
    assert page.error_text("invitees[0].party") != ""
    assert page.error_text("subjects[1].informing.ground") != ""
    row.party.setCurrentIndex(1)
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.PARTNERS
    assert page.error_text("invitees[0].email") != ""


def test_partners_and_informing_are_stored_with_the_case(qtbot, wizard,
                                                         director_vault) -> None:  # noqa: F811
    to_partners(qtbot, wizard)
    page = wizard.page_for(IntakeStep.PARTNERS)
    page.add_button.click()
    row = page.rows[0]
    party_id = row.party.itemData(1)
    row.party.setCurrentIndex(1)
    row.name.setText("Mw. J. de Vries")
    row.email.setText("j.devries@example.nl")
    box = page.boxes[0]
    box.informed.setCurrentIndex(box.informed.findData("no"))
    box.ground.setCurrentIndex(box.ground.findData(Ground.SAFETY.value))
    box.review_on.setText("15-01-2099")
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.SUMMARY, page.error_text("")
    with qtbot.waitSignal(wizard.finished, timeout=5000):
        click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    number = wizard.result_of_submit.case_number
    [invitee] = referral_contacts.case_invitees_of(director_vault, number)
    assert (invitee.party_id, invitee.contact_name, invitee.email) == (
        party_id, "Mw. J. de Vries", "j.devries@example.nl")
    first, second = referral_contacts.case_informing(director_vault, number).values()
    assert first is not None and first.ground is Ground.SAFETY and not first.informed
    assert second is None
    ctx = triage_service.triage_context(director_vault, number)
    assert ctx.proposed == (party_id,)                # the referral's proposal, allowed
    assert len(ctx.uninformed) == 1                   # the child: nothing recorded
