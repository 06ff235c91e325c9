"""Test helper: the source parties agree to the terms a referral asked for their items.

A referral (registered or imported) holds every item another party supplied at the
narrowest terms until that party confirms what was asked (covenant 16.2; the widening
requests of triage). Fixtures that need such items with their asked terms answer every
open request with yes, as a source party would.
"""

from __future__ import annotations

from datetime import date

from app.domain.triage import WideningAnswer
from app.services import cases as case_store
from app.services import triage
from app.vault.vault import OpenVault


def confirm_asked_terms(vault: OpenVault, number: str) -> int:
    """Answer every open widening request of the case with yes; returns how many."""
    today = date.today()
    with vault.read() as conn:
        case_id = case_store.case_id_for(conn, number)
        pending = [w.id for w in triage.widening(conn, case_id) if w.answer is None]
    for request_id in pending:
        triage.answer_widening(vault, number, request_id, WideningAnswer.YES, today,
                               "de bron (test)", today=today)
    return len(pending)
