"""The accession wizard as data (covenant art. 20, no Qt): the organisation, the request and
the steering group's decision, then Bijlage 1.

The steps in the one wizard protocol (``app.domain.wizard``). The pages only check what lets
the user move on (a name; dates that are dates); the register checks everything again when
the accession is recorded (``app.services.parties.record_accession``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.domain.wizard import FieldError, Flow, Step, no_refusals
from app.i18n import N_, _


class AccessionStep(StrEnum):
    DETAILS = "details"
    DECISION = "decision"
    SIGNATURE = "signature"


@dataclass(frozen=True)
class AccessionDraft:
    """What the wizard's pages hold; a date is None when its field holds no date."""

    name: str = ""
    requested_on: date | None = None
    agreed: bool = False
    agreed_on: date | None = None


def _no_date() -> str:
    return _("Type a date ({form}).").format(form=_("dd-mm-yyyy"))


def _details_step(draft: AccessionDraft, _ctx: None) -> list[FieldError]:
    if not draft.name.strip():
        return [FieldError("name", _("Give the organisation's name."))]
    return []


def _decision_step(draft: AccessionDraft, _ctx: None) -> list[FieldError]:
    # a date that is no date is named on its page, not only at the end (the first one)
    if draft.requested_on is None:
        return [FieldError("requested_on", _no_date())]
    if draft.agreed and draft.agreed_on is None:
        return [FieldError("steering_group_agreed_on", _no_date())]
    return []


#: The accession wizard in the one wizard protocol.
FLOW: Flow[AccessionDraft, None] = Flow("accession", [
    Step(AccessionStep.DETAILS, N_("The organisation"),
         N_("As it will appear on Bijlage 1: name, registered seat, office address and the "
            "person who may sign for it."),
         _details_step, ("name", "short_name", "party_type", "domain", "seat", "address",
                         "representative")),
    Step(AccessionStep.DECISION, N_("Request and decision"),
         N_("The steering group decides on an accession after all parties agreed "
            "(art. 20.4)."),
         _decision_step, ("requested_on", "steering_group_agreed_on")),
    Step(AccessionStep.SIGNATURE, N_("Bijlage 1"),
         N_("The party is active from the date its signed Bijlage 1 is recorded. If it has "
            "not signed yet, record the signature later from the Parties screen."),
         no_refusals, ("signed_on", "protocols")),
])
