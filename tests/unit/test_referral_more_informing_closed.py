"""Informing after intake is recorded while the case is open (issue 24, point 2, with the
closure rule of the same issue: closure blanks the grounds "in words"): after closure the
service refuses a new informing in one line and writes nothing, so no ground in words comes
back into a closed case. On HEAD 4caafe6 it was written."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.domain.lifecycle import CaseState
from app.errors import TransitionRefused
from app.services import cases as case_service
from app.services import referral_contacts
from app.services.referral_import import FORMAT, import_referrals
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director

TODAY = date(2026, 11, 29)


def test_no_informing_is_recorded_after_closure(admin_vault: OpenVault) -> None:
    vault = as_process_director(admin_vault)
    [number] = import_referrals(vault, {"format": FORMAT, "referrals": [{
        "external_ref": "WEB-41", "referring_party": "Den Haag",
        "protocol": "integrale_veiligheid", "received": "2026-11-20",
        "reason": "Zorgen.", "question": "Plan.",
        "subjects": [{"given_names": "Anna", "surname": "Bakker",
                      "birth_date": "1984-03-02", "role": "main_subject"}]}]}, today=TODAY)
    [subject_id] = referral_contacts.case_informing(vault, number)
    # while open: recorded
    referral_contacts.set_informing(vault, number, subject_id, informed=False,
                                    ground="safety", review_on=date(2027, 2, 1), today=TODAY)
    with vault.begin() as conn:
        case_id = case_service.case_id_for(conn, number)
        case_service.set_state(conn, case_id, CaseState.CLOSED, datetime(2026, 12, 1, 10))
    with pytest.raises(TransitionRefused) as refused:
        referral_contacts.set_informing(vault, number, subject_id, informed=False,
                                        ground="other", ground_text="Op verzoek canaryzus",
                                        review_on=date(2027, 3, 1), today=TODAY)
    assert number in str(refused.value) and "\n" not in str(refused.value)
    [value] = referral_contacts.case_informing(vault, number).values()
    assert value is not None and value.ground is not None
    assert (value.ground.value, value.ground_text) == ("safety", "")
