"""Issue 24 in triage: a case whose subjects are not informed and have no recorded ground
is flagged on the parties page; the referral's proposed partners are offered as the
parties to ask and start ticked as invitees -- only those the sharing policy lets be
invited (a proposed party that withdrew since is not offered). Fails on HEAD 303c06b."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import update

from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.intake import IntakeOutcome
from app.services import intake
from app.services.referral_import import FORMAT, import_referrals
from app.store.party_tables import parties
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director, party_ids
from ui.triage.wizard import TriageWizard

TODAY = date(2026, 11, 29)
MET = [CriterionAnswer(c, True, "ja") for c in Criterion]


@pytest.fixture
def imported(admin_vault: OpenVault) -> tuple[OpenVault, str]:
    vault = as_process_director(admin_vault)
    [number] = import_referrals(vault, {"format": FORMAT, "referrals": [{
        "external_ref": "WEB-24", "referring_party": "Den Haag",
        "protocol": "integrale_veiligheid", "received": "2026-11-20",
        "reason": "Zorgen.", "question": "Plan.",
        "invitees": [{"party": "Parnassia Groep", "contact_person": "Mw. De Vries"},
                     {"party": "Veilig Thuis"}],
        "subjects": [
            {"given_names": "Şükrü", "surname": "Yılmaz", "birth_date": "1984-03-02",
             "role": "main_subject",
             "informing": {"informed": True, "informed_on": "2026-11-19",
                           "informed_by": "Den Haag"}},
            {"given_names": "Elif", "surname": "Yılmaz", "birth_date": "2015-05-05",
             "role": "child"}]}]}, today=TODAY)
    intake.decide_intake(vault, number, IntakeOutcome.ACCEPT, MET)
    return vault, number


def open_wizard(vault: OpenVault, number: str, qtbot) -> TriageWizard:  # type: ignore[no-untyped-def]
    wizard = TriageWizard(vault, number, today=TODAY)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def texts(widget) -> dict[int, tuple[str, bool]]:  # type: ignore[no-untyped-def]
    return {widget.item(i).data(Qt.ItemDataRole.UserRole):
            (widget.item(i).text(), widget.item(i).checkState() == Qt.CheckState.Checked)
            for i in range(widget.count())}


def test_unrecorded_informing_is_flagged_and_proposed_partners_offered(imported,
                                                                       qtbot) -> None:  # type: ignore[no-untyped-def]
    vault, number = imported
    ids = party_ids(vault)
    wizard = open_wizard(vault, number, qtbot)
    assert wizard.informing_flag.isVisibleTo(wizard)
    assert "1" in wizard.informing_flag.text()
    asked = texts(wizard.asked_list)
    assert "aanmeldende partij" in asked[ids["Parnassia Groep"]][0]
    assert "aanmeldende partij" not in asked[ids["Politie regionale eenheid Den Haag"]][0]
    invitees = texts(wizard.invitee_list)
    assert invitees[ids["Parnassia Groep"]][1] and invitees[ids["Veilig Thuis"]][1]
    assert not invitees[ids["Politie regionale eenheid Den Haag"]][1]


def test_a_proposed_party_that_withdrew_is_not_offered(imported, qtbot) -> None:  # type: ignore[no-untyped-def]
    vault, number = imported
    ids = party_ids(vault)
    with vault.begin() as conn:      # Veilig Thuis left the covenant before today
        conn.execute(update(parties).where(parties.c.id == ids["Veilig Thuis"])
                     .values(active_until=date(2026, 11, 25), end_reason="withdrawal"))
    wizard = open_wizard(vault, number, qtbot)
    invitees = texts(wizard.invitee_list)
    assert ids["Veilig Thuis"] not in invitees or not invitees[ids["Veilig Thuis"]][1]
    assert invitees[ids["Parnassia Groep"]][1]
