"""A party's handout: what one party takes away from the house about one case, decided by
the sharing policy and nothing else.

:func:`compose` is the only way to a :class:`~app.domain.views.HandoutView`. It takes
everything known about the case, unfiltered (:class:`CaseFacts`, loaded by
``app.services.handouts``), and asks ``app.sharing.policy``:

* may this party receive a handout at all (``may_receive_handout``: active, in the case's
  protocol, the case still open and on a meeting's agenda, and the party invited to the
  case's current meeting)? If not, :class:`HandoutRefused` with the policy's reason: never
  an empty PDF, and nothing of the case (not its subjects, not its plan) for that party;
* which information items may it have (``visible_items`` in the ``HANDOUT`` setting)?
  Before the case's current meeting has started only what the pre-meeting view allows
  (covenant 12.2f: ``pre_meeting_view`` and ``shared_with``), from the start on what
  ``shared_with`` allows; the source party always has its own items. Each item is printed
  with its source party, date, category and use restriction;
* the plan as this party may see it (``policy.plan_for_party``: an action limited to other
  parties is left out). The plan is the meeting's own agreement among its participants
  (covenant 8.4b), not a supplier's item, so it is shown to every entitled party in either
  phase; a party that is not entitled never gets it, because :func:`compose` refuses first.

The handout says which of the two it is: made before the case meeting, or after its start
(``HandoutView.meeting_started``). ``app.export.handout`` renders the view and decides
nothing.

What a handout holds besides: the house, "Vertrouwelijk", the recipient, the case number,
protocol and date of referral, the meeting, and the subjects by name, role and date of
birth. Chosen and documented: the subjects' BSN and address are not printed from the
case record; they reach a party only as information items (category BSN, or an item holding
the address) that the source party shared with it. Likewise the referral's free text
(reason, question, the problems per life domain) is not printed: it is the referring
party's, without sharing terms; whatever of it others need is recorded as information items.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from app.domain.cases import Subject
from app.domain.information import InformationItem
from app.domain.lifecycle import CaseState
from app.domain.plan import ActionPlan
from app.domain.protocols import Protocol
from app.domain.standing import PartyStanding
from app.domain.views import HandoutView, MeetingRef, SharedItem
from app.errors import CasuskamerError
from app.i18n import _
from app.sharing.policy import (
    CaseContext,
    PartyViewer,
    Reason,
    Setting,
    may_receive_handout,
    plan_for_party,
    visible_items,
)


class HandoutRefused(CasuskamerError):
    """This party may receive nothing about this case; ``reason`` is the policy's."""

    def __init__(self, message: str, reason: Reason) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class CaseFacts:
    """Everything known about the case, unfiltered: the input of :func:`compose`."""

    house: str
    case_id: int
    case_number: str
    protocol: Protocol
    received: date
    subjects: tuple[Subject, ...]
    plan: ActionPlan
    items: tuple[InformationItem, ...]
    party_names: Mapping[int, str]
    standings: Mapping[int, PartyStanding]
    #: parties invited to the case's agenda item; None while the case is on no agenda
    invited: frozenset[int] | None
    on: date
    meeting: MeetingRef | None = None
    state: CaseState = CaseState.IN_PROGRESS
    #: whether the case's current meeting has started (else: the pre-meeting view only)
    meeting_started: bool = False

    def context(self) -> CaseContext:
        return CaseContext(case_id=self.case_id, protocol=self.protocol, on=self.on,
                           state=self.state, invited=self.invited,
                           subject_ids=frozenset(s.id for s in self.subjects
                                                 if s.id is not None),
                           meeting_started=self.meeting_started)


def refusal_message(party: str, reason: Reason) -> str:
    return _("No handout for {party}: {reason}.").format(party=party, reason=reason.label)


def compose(facts: CaseFacts, party_id: int) -> HandoutView:
    """The handout for ``party_id``, or :class:`HandoutRefused` with the reason."""
    name = facts.party_names.get(party_id, _("party #{id}").format(id=party_id))
    context = facts.context()
    entitled = may_receive_handout(party_id, context, facts.standings)
    if not entitled:
        raise HandoutRefused(refusal_message(name, entitled.reason), entitled.reason)
    shown = visible_items(facts.items, PartyViewer(party_id), Setting.HANDOUT, context,
                          facts.standings)
    return HandoutView(house=facts.house, recipient_id=party_id, recipient=name,
                       case_number=facts.case_number, protocol=facts.protocol,
                       received=facts.received, meeting=facts.meeting,
                       subjects=facts.subjects, plan=plan_for_party(facts.plan, party_id),
                       items=tuple(SharedItem(s.item, s.use_restriction) for s in shown),
                       party_names=facts.party_names, on=facts.on,
                       meeting_started=facts.meeting_started)
