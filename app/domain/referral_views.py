"""The view models of what goes back to the referring party (issue 24), built by
``app.services.referral_receipts`` after the sharing policy allowed the recipient
(``app.sharing.policy.may_receive_referrer_output``) and rendered by
``app.export.receipt_pdf``. Like every view in ``app.domain.views``: frozen, already
decided, the renderer shows all of it and decides nothing.

Neither holds an information item's text, a subject's name, a contact person or anything
another party supplied: the receipt says what was received in counts and field names, the
outcome says what the house decided about the referral.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from app.domain.protocols import Protocol
from app.i18n import N_, _


@dataclass(frozen=True)
class ReceiptView:
    """The receipt for the referring party: the case number and what was received."""

    house: str
    case_number: str
    recipient_id: int
    recipient: str
    protocol: Protocol
    received: date
    external_ref: str | None
    #: the fields of the referral that were filled in, as labels in the reader's language
    fields: tuple[str, ...]
    subjects: int
    invitees: int
    life_domains: int
    own_items: int
    other_items: int
    printed_on: date


class TriageOutcome(StrEnum):
    TAKEN_ON = "taken_on"
    ADVICE_ONLY = "advice_only"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return _(TRIAGE_OUTCOME_LABELS[self])


TRIAGE_OUTCOME_LABELS = {
    TriageOutcome.TAKEN_ON: N_("Taken on: the case goes to a case meeting"),
    TriageOutcome.ADVICE_ONLY: N_("Advice only: the case is handled elsewhere"),
    TriageOutcome.DECLINED: N_("Declined"),
}


@dataclass(frozen=True)
class TriageOutcomeView:
    """The triage outcome for the referring party."""

    house: str
    case_number: str
    recipient_id: int
    recipient: str
    protocol: Protocol
    received: date
    external_ref: str | None
    outcome: TriageOutcome
    decided_on: date | None
    #: taken on: the case meeting's start (None while it is not planned yet)
    meeting_at: datetime | None = None
    #: advice only: the advice (where the case is handled and why)
    advice: str = ""
    #: declined: the reason, and the advice given with it
    reason: str = ""
    printed_on: date = date.min
