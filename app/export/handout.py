"""A party's handout: what one party takes away from the house about one case, decided by
the sharing policy and nothing else.

:func:`compose` is the only way to a :class:`Handout`. It takes everything known about the
case, unfiltered, and asks ``app.sharing.policy``:

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
(:attr:`Handout.meeting_started`).

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
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether

from app.domain.cases import Subject
from app.domain.information import InformationItem
from app.domain.lifecycle import CaseState
from app.domain.plan import ActionPlan
from app.domain.protocols import Protocol
from app.domain.standing import PartyStanding
from app.errors import CasuskamerError
from app.export import pdf
from app.export.plan_pdf import fmt_date, name_lookup, plan_sections, subjects_section
from app.formatting import format_time
from app.i18n import _
from app.sharing.policy import (
    CaseContext,
    PartyViewer,
    Reason,
    Setting,
    Shown,
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
class MeetingRef:
    """The case meeting a handout is made for."""

    id: int
    starts_at: datetime
    place: str = ""


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


@dataclass(frozen=True)
class Handout:
    """What one party may have; only :func:`compose` makes these."""

    house: str
    recipient_id: int
    recipient: str
    case_number: str
    protocol: Protocol
    received: date
    meeting: MeetingRef | None
    subjects: tuple[Subject, ...]
    plan: ActionPlan
    items: tuple[Shown, ...]
    party_names: Mapping[int, str] = field(default_factory=dict)
    on: date = field(default_factory=date.today)
    #: made after the start of the case meeting (else: before it, the pre-meeting view)
    meeting_started: bool = False


def refusal_message(party: str, reason: Reason) -> str:
    return _("No handout for {party}: {reason}.").format(party=party, reason=reason.label)


def compose(facts: CaseFacts, party_id: int) -> Handout:
    """The handout for ``party_id``, or :class:`HandoutRefused` with the reason."""
    name = facts.party_names.get(party_id, _("party #{id}").format(id=party_id))
    context = facts.context()
    entitled = may_receive_handout(party_id, context, facts.standings)
    if not entitled:
        raise HandoutRefused(refusal_message(name, entitled.reason), entitled.reason)
    shown = visible_items(facts.items, PartyViewer(party_id), Setting.HANDOUT, context,
                          facts.standings)
    return Handout(house=facts.house, recipient_id=party_id, recipient=name,
                   case_number=facts.case_number, protocol=facts.protocol,
                   received=facts.received, meeting=facts.meeting, subjects=facts.subjects,
                   plan=plan_for_party(facts.plan, party_id), items=tuple(shown),
                   party_names=facts.party_names, on=facts.on,
                   meeting_started=facts.meeting_started)


def phase_label(meeting_started: bool) -> str:
    """Which of the two handouts this is, as the PDF says it."""
    return _("after the case meeting") if meeting_started else _("before the case meeting")


def phase_note(meeting_started: bool) -> str:
    if meeting_started:
        return _("Made after the start of the case meeting: it holds the information its "
                 "suppliers shared with your organisation.")
    return _("Made before the case meeting: it holds only the information whose suppliers "
             "agreed to its being seen before the meeting (covenant art. 12.2f).")


def _items_section(handout: Handout) -> list[Flowable]:
    st = pdf.styles()
    party = name_lookup(handout.party_names)
    heading = pdf.para(_("Information shared with {party}").format(party=handout.recipient),
                       st.heading)
    if not handout.items:
        return [KeepTogether([heading, pdf.para(_(
            "No information has been shared with your organisation for this case."),
            st.body)])]
    intro = pdf.para(_("Use each item only within the use restriction its source set "
                       "(covenant art. 16.2)."), st.intro)
    story: list[Flowable] = []
    for number, shown in enumerate(handout.items):
        item = shown.item
        restriction = shown.use_restriction.strip() or _("none stated")
        if number:
            # Space between items only: a trailing spacer could start an empty last page.
            story.append(pdf.spacer(1.5))
        # The source and restriction stay with (at least the start of) the item's text;
        # the section's heading and its introduction stay with the first item (never alone
        # at the foot of a page: reportlab's keepWithNext does not reach into a
        # KeepTogether, so they go into the first item's).
        story.append(KeepTogether(([heading, intro] if number == 0 else []) + [
            pdf.para([_("Source: "), ("b", party(item.source_party_id)), " \u00b7 ",
                      _("Received: "), fmt_date(item.received), " \u00b7 ",
                      _("Category: "), item.category.label], st.body),
            pdf.para([_("Use restriction: "), ("b", restriction)], st.small),
            pdf.para(item.text, st.body),
        ]))
    return story


def handout_story(handout: Handout) -> list[Flowable]:
    st = pdf.styles()
    meeting = (_("{date} {time}, {place}").format(
        date=fmt_date(handout.meeting.starts_at), time=format_time(handout.meeting.starts_at),
        place=handout.meeting.place).rstrip(", ")
        if handout.meeting else _("not yet on a meeting's agenda"))
    story: list[Flowable] = [
        pdf.para(handout.house, st.small),
        pdf.para(_("Confidential \u2013 case {number}").format(number=handout.case_number),
                 st.title),
        pdf.para([_("For: "), ("b", handout.recipient)], st.body),
        KeepTogether(pdf.table([
            [_("Case"), handout.case_number],
            [_("Privacy protocol"), handout.protocol.label],
            [_("Referred on"), fmt_date(handout.received)],
            [_("Case meeting"), meeting],
            [_("Handout"), phase_label(handout.meeting_started)],
            [_("Date"), fmt_date(handout.on)],
        ], [45 * mm, pdf.CONTENT_WIDTH - 45 * mm], header=False)),
        pdf.spacer(2),
        pdf.para([("b", phase_note(handout.meeting_started))], st.body),
        pdf.spacer(1),
        pdf.para(_("This document is confidential (covenant art. 9.2 and 17). It is meant only "
                   "for the organisation named above, for its part in the plan of action. Do "
                   "not pass it on; destroy it when it is no longer needed."), st.small),
    ]
    story += subjects_section(handout.subjects)
    story += plan_sections(handout.plan, name_lookup(handout.party_names), show_limits=False)
    story += _items_section(handout)
    return story


def metadata(case_number: str) -> pdf.Metadata:
    """No personal data: the kind of document and the case number only."""
    return pdf.Metadata(title=_("Handout {number}").format(number=case_number),
                        subject=_("Handout of a case meeting"), keywords=(case_number,))


def render_handout(handout: Handout, password: str | None = None) -> bytes:
    """The handout's file contents (encrypted when a password is given)."""
    marks = pdf.PageMarks(handout.house, handout.recipient, handout.case_number, handout.on)
    return pdf.produce(handout_story(handout), marks, metadata(handout.case_number), password)


def build_handout(handout: Handout, out: Path, password: str | None = None) -> str:
    """Write the handout; returns the SHA-256 of the file."""
    data = render_handout(handout, password)
    pdf.write_atomically(Path(out), data)
    return pdf.sha256(data)


def file_name(case_number: str, party_short: str, kind: str = "handout") -> str:
    """``ZVH-2026-0042_handout_<party-short>.pdf``: no personal data in a file name."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-"
                   for ch in party_short).strip("-") or "party"
    return f"{case_number}_{kind}_{safe}.pdf"

