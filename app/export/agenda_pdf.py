"""The agenda of a case meeting for one party (covenant 12.2c-e), rendered from a frozen view
model (:class:`app.domain.views.AgendaView`) and nothing else.

What goes into the view model is decided by ``app.services.agenda`` through the sharing
policy: only the cases the party may have on its agenda, each by its number and the
subjects' initials only, with the start time, duration, goal, themes, decision types and
the contribution asked of this party. This module reads no vault and decides nothing.

Built on the shared PDF layer (``app.export.pdf``: confidential banner with the party's
name, page x of y, watermark, literal user text). The file name and the metadata hold the
meeting number only, never a case or a person.
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from app.domain.meetings import meeting_name
from app.domain.views import AgendaView
from app.export import pdf
from app.formatting import format_datetime, format_time
from app.i18n import _


def story(agenda: AgendaView) -> list[Flowable]:
    st = pdf.styles()
    flow: list[Flowable] = [
        pdf.para(_("Agenda case meeting"), st.title),
        pdf.para([("b", _("Date and time: ")), format_datetime(agenda.starts_at)], st.body),
        pdf.para([("b", _("Place: ")), agenda.place], st.body),
        pdf.para([("b", _("Chair: ")), agenda.chair], st.body),
        pdf.para([("b", _("For: ")), agenda.party_name], st.body),
        pdf.spacer(2),
        pdf.para(_("This agenda lists only the cases your organisation is invited to. The "
                   "meeting is not public (covenant 9.2); keep this agenda confidential."),
                 st.small),
        pdf.spacer(3),
    ]
    rows: list[list[str]] = [[_("Time"), _("Case"), _("Goal and themes"),
                                 _("Decisions"), _("Your contribution")]]
    for case in agenda.cases:
        rows.append([
            f"{format_time(case.starts_at)}\n{case.duration_minutes} min",
            f"{case.case_number}\n{case.subject_initials}",
            "{goal}\n{label} {themes}".format(goal=case.goal, label=_("Themes:"),
                                              themes=", ".join(case.themes)),
            ", ".join(d.label for d in case.decision_types),
            case.contribution or "\u2013",
        ])
    width = pdf.CONTENT_WIDTH
    # The decisions column is wide enough for "Beeldvormend" on one line.
    flow.append(pdf.table(rows, [width * 0.11, width * 0.18, width * 0.35, width * 0.18,
                                 width * 0.18]))
    return flow


def render_agenda(agenda: AgendaView, password: str | None = None) -> bytes:
    """The agenda file's contents (encrypted when a password is given)."""
    title = meeting_name(agenda.starts_at, agenda.place)   # never the internal number
    marks = pdf.PageMarks(agenda.house, agenda.party_name, title, agenda.printed_on)
    meta = pdf.Metadata(_("Agenda case meeting"), title, ("agenda",))
    return pdf.produce(story(agenda), marks, meta, password)
