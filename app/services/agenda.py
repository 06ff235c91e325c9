"""A case meeting's agenda for one party, as a use case (covenant 12.2c-e): read the meeting,
ask the sharing policy for every case on it, write the PDF and its disclosure row.

Which cases stand on a party's agenda is the policy's answer alone
(``app.sharing.policy.may_receive_agenda``, the one party entitlement every output a party
receives is asked with): this meeting is the case's current meeting (the latest it is on: an
older meeting's agenda must not hand a party since dropped from the case its goal again),
the party active on the day, taking part in the case's protocol, invited to that case's item
of this meeting, and the case not declined, routed elsewhere, closed or destroyed. A party
that withdrew today, or left the case's protocol, gets no line for that case; a party
entitled to none of the cases gets no agenda at all
(:class:`AgendaRefused` with the policy's reason, the refusal logged with
``result="denied"``, nothing written).

The policy's context for each case is built from the meeting's own agenda item (the
invitees of that item) with the case's state, protocol and subjects from the vault
(``app.services.sharing_context.case_context``).

Each case on the agenda shows only what the party may see before the meeting: the case
number, the subjects' initials, the time, the goal, the themes, the decision types and the
contribution asked of *this* party; never an information item, a name, another party's
contribution or the minutes. The view model (``app.domain.views.AgendaView``) is made
here, frozen, and the PDF is rendered from it alone.

The file takes its name only after its disclosure row (``meeting.agenda_export`` on the
meeting: party id, case numbers, SHA-256, whether encrypted) is committed
(``app.export.pdf.published_after``): not recorded means not handed out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection

from app.domain.meetings import AgendaItem, Meeting
from app.domain.roles import Permission
from app.errors import CasuskamerError
from app.export import pdf
from app.domain.views import AgendaCase, AgendaView
from app.export.agenda_pdf import render_agenda
from app.i18n import _
from app.services import parties as party_service
from app.services.handouts import house_name
from app.services.meetings import load_meeting
from app.services.sharing_context import case_context, current_meeting
from app.sharing.policy import CaseContext, Entitlement, Reason, may_receive_agenda
from app.vault.vault import OpenVault
from app.vault.access import entry_point


class AgendaRefused(CasuskamerError):
    """This party may have no case of this meeting on its agenda; ``reason`` is the
    policy's."""

    def __init__(self, message: str, reason: Reason) -> None:
        super().__init__(message)
        self.reason = reason


#: When a party is refused every case, the reason named: the most general one first (the
#: party's own standing, then the case, then the invitation).
_REASON_ORDER = (Reason.UNKNOWN_PARTY, Reason.NOT_YET_ACTIVE, Reason.WITHDRAWN,
                 Reason.NOT_IN_PROTOCOL, Reason.CASE_ENDED, Reason.NOT_ON_AGENDA,
                 Reason.NOT_CURRENT_MEETING, Reason.NOT_INVITED)


def item_context(conn: Connection, item: AgendaItem, on: date | None = None,
                 now: datetime | None = None) -> CaseContext:
    """The policy's view of a case as it stands on this meeting's agenda: the case's state,
    protocol and subjects from the vault, the invitees of this meeting's item for it."""
    return replace(case_context(conn, item.case_id, on, now), invited=item.invited)


def is_current(conn: Connection, item: AgendaItem, now: datetime | None = None) -> bool:
    """Is this meeting the case's current meeting (the latest it is on)?"""
    current = current_meeting(conn, item.case_id, now)
    return current is not None and current.agenda_item_id == item.id


def read_party_agenda(conn: Connection, meeting_id: int, party_id: int,
                      on: date | None = None, now: datetime | None = None
                      ) -> tuple[Meeting, list[tuple[AgendaItem, Entitlement]]]:
    """The meeting and, for every case on it, the policy's answer for this party (no
    permission check, no audit: for services)."""
    meeting = load_meeting(conn, meeting_id)
    party_service.get_party(conn, party_id)
    standings = party_service.standings(conn)
    return meeting, [(item, may_receive_agenda(party_id, item_context(conn, item, on, now),
                                               standings,
                                               current_meeting=is_current(conn, item, now)))
                     for item in meeting.items]


def refusal_message(party: str, reason: Reason) -> str:
    return _("No agenda for {party}: {reason}.").format(party=party, reason=reason.label)


def _refusal_reason(answers: list[Entitlement]) -> Reason:
    reasons = {a.reason for a in answers}
    return next((r for r in _REASON_ORDER if r in reasons), Reason.NOT_INVITED)


@entry_point
def party_agenda(vault: OpenVault, meeting_id: int, party_id: int,
                 on: date | None = None) -> tuple[Meeting, list[AgendaItem]]:
    """The meeting and only the agenda items ``party_id`` may have on its agenda: the sharing
    policy's ``may_receive_agenda`` for each case (active, in the case's protocol, invited
    to the case's item of this meeting, the case not ended: :func:`read_party_agenda`)."""
    vault.require(Permission.CASE_SUBSTANCE, "meeting", meeting_id)
    with vault.read() as conn:
        meeting, answers = read_party_agenda(conn, meeting_id, party_id, on)
    items = [item for item, answer in answers if answer]
    vault.log_now("meeting.party_agenda", "meeting", meeting_id,
                  detail={"party": party_id, "cases": [i.case_number for i in items]})
    return meeting, items


@entry_point
def party_agenda_view(vault: OpenVault, meeting_id: int, party_id: int, *,
                      on: date | None = None, now: datetime | None = None) -> AgendaView:
    """The agenda of ``meeting_id`` as ``party_id`` may receive it (the frozen view model the
    PDF is rendered from), or :class:`AgendaRefused` (logged) when it may have no case."""
    vault.require(Permission.CASE_WORK, "meeting", meeting_id)
    moment = now or datetime.now()
    day = on or moment.date()
    with vault.read() as conn:
        meeting, answers = read_party_agenda(conn, meeting_id, party_id, day, moment)
        party = party_service.get_party(conn, party_id)
        house = house_name(conn)
    allowed = [item for item, answer in answers if answer]
    if not allowed:
        reason = _refusal_reason([answer for _item, answer in answers])
        vault.log_now("meeting.agenda_export", "meeting", meeting_id, result="denied",
                      detail={"party": party_id, "reason": reason.value})
        raise AgendaRefused(refusal_message(party.name, reason), reason)
    starts = dict(zip((i.id for i in meeting.items), meeting.item_starts(), strict=True))
    cases = tuple(AgendaCase(
        starts_at=starts[item.id], duration_minutes=item.duration_minutes,
        case_number=item.case_number, subject_initials=item.subject_initials,
        goal=item.goal, themes=item.themes, decision_types=item.decision_types,
        contribution=next((i.contribution for i in item.invitations
                           if i.party_id == party_id), ""))
        for item in allowed)
    return AgendaView(house=house, meeting_id=meeting.id, starts_at=meeting.starts_at,
                       place=meeting.place, chair=meeting.chair, party_id=party_id,
                       party_name=party.name, printed_on=day, cases=cases)


@entry_point
def export_agenda(vault: OpenVault, meeting_id: int, party_id: int, out: Path | str, *,
                  password: str | None = None, on: date | None = None,
                  now: datetime | None = None) -> str:
    """Write the agenda of ``meeting_id`` for ``party_id`` to ``out``; returns its SHA-256.

    A party entitled to no case of the meeting gets no agenda (:class:`AgendaRefused`,
    logged, nothing written). The file takes its name only after its disclosure row is
    committed."""
    if password is not None:
        pdf.check_password(password)
    view = party_agenda_view(vault, meeting_id, party_id, on=on, now=now)
    data = render_agenda(view, password)
    digest = pdf.sha256(data)
    with pdf.published_after(Path(out), data), vault.begin() as conn:
        vault.log(conn, "meeting.agenda_export", "meeting", meeting_id, detail={
            "party": party_id, "cases": [c.case_number for c in view.cases],
            "sha256": digest, "encrypted": password is not None})
    return digest
