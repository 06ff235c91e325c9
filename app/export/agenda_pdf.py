"""The agenda of a case meeting for one party (covenant 12.2c-e): only the agenda items that
party is invited to, each case by its number and the subject's initials only, with the
start time, duration, goal, themes, decision types and the contribution asked of the party.

Built on the shared PDF layer (``app.export.pdf``: confidential banner with the party's
name, page x of y, watermark, literal user text, atomic write with SHA-256). The export is
logged with the meeting id, the party id and the file's hash, never a name.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.domain.meetings import AgendaItem, Meeting
from app.errors import ValidationError
from app.export import pdf
from app.formatting import format_datetime, format_time
from app.i18n import _
from app.services import meetings as meeting_service
from app.services import parties as party_service
from app.vault.vault import OpenVault

def story(meeting: Meeting, party_name: str, party_id: int,
          items: list[AgendaItem]) -> list[object]:
    st = pdf.styles()
    starts = dict(zip((i.id for i in meeting.items), meeting.item_starts()))
    flow: list[object] = [
        pdf.para(_("Agenda case meeting"), st.title),
        pdf.para([("b", _("Date and time: ")),
                  format_datetime(meeting.starts_at)], st.body),
        pdf.para([("b", _("Place: ")), meeting.place], st.body),
        pdf.para([("b", _("Chair: ")), meeting.chair], st.body),
        pdf.para([("b", _("For: ")), party_name], st.body),
        pdf.spacer(2),
        pdf.para(_("This agenda lists only the cases your organisation is invited to. The "
                   "meeting is not public (covenant 9.2); keep this agenda confidential."),
                 st.small),
        pdf.spacer(3),
    ]
    if not items:
        flow.append(pdf.para(_("Your organisation is not invited to any case of this "
                               "meeting."), st.body))
        return flow
    rows: list[list[object]] = [[_("Time"), _("Case"), _("Goal and themes"),
                                 _("Decisions"), _("Your contribution")]]
    for item in items:
        contribution = next((i.contribution for i in item.invitations
                             if i.party_id == party_id), "")
        rows.append([
            f"{format_time(starts[item.id])}\n{item.duration_minutes} min",
            f"{item.case_number}\n{item.subject_initials}\n{item.kind.label}",
            "{goal}\n{label} {themes}".format(goal=item.goal, label=_("Themes:"),
                                              themes=", ".join(item.themes)),
            ", ".join(d.label for d in item.decision_types),
            contribution or "\u2013",
        ])
    width = pdf.CONTENT_WIDTH
    flow.append(pdf.table(rows, [width * 0.11, width * 0.19, width * 0.38, width * 0.14,
                                 width * 0.18]))
    return flow


def export_agenda(vault: OpenVault, meeting_id: int, party_id: int, out: Path | str,
                  *, password: str | None = None, on: date | None = None) -> str:
    """Write the agenda of ``meeting_id`` for ``party_id`` to ``out``; returns its SHA-256.
    A party not invited to any item gets no agenda (``ValidationError``)."""
    meeting, items = meeting_service.party_agenda(vault, meeting_id, party_id)
    party = party_service.get_party(vault, party_id)
    if not items:
        raise ValidationError(_("{party} is not invited to any case of this meeting.")
                              .format(party=party.name), field="party")
    from app.services.handouts import house_name

    with vault.read() as conn:
        house = house_name(conn)
    marks = pdf.PageMarks(house, party.name,
                          _("Meeting {id}").format(id=meeting.id), on or date.today())
    meta = pdf.Metadata(_("Agenda case meeting"), _("Meeting {id}").format(id=meeting.id),
                        ("agenda",))
    digest = pdf.build_pdf(story(meeting, party.name, party_id, items), Path(out), marks, meta,
                           password=password)
    vault.log_now("meeting.agenda_export", "meeting", meeting_id, detail={
        "party": party_id, "cases": [i.case_number for i in items], "sha256": digest})
    return digest
