"""A party's handout as a PDF, rendered from the view model
(:class:`app.domain.views.HandoutView`) and nothing else.

What goes into the view is decided by ``app.sharing.handout.compose`` through the sharing
policy (and loaded, written and logged by ``app.services.handouts``); this module reads no
vault and decides nothing. Each item is printed with its source party, date, category and
use restriction; the plan as the recipient may see it, without the limits of its actions.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether

from app.domain.views import HandoutView, phase_label, phase_note
from app.export import pdf
from app.export.plan_pdf import fmt_date, name_lookup, plan_sections, subjects_section
from app.formatting import format_time
from app.i18n import _


def _items_section(handout: HandoutView) -> list[Flowable]:
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


def handout_story(handout: HandoutView) -> list[Flowable]:
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


def render_handout(handout: HandoutView, password: str | None = None) -> bytes:
    """The handout's file contents (encrypted when a password is given)."""
    marks = pdf.PageMarks(handout.house, handout.recipient, handout.case_number, handout.on)
    return pdf.produce(handout_story(handout), marks, metadata(handout.case_number), password)


def build_handout(handout: HandoutView, out: Path, password: str | None = None) -> str:
    """Write the handout; returns the SHA-256 of the file."""
    data = render_handout(handout, password)
    pdf.write_atomically(Path(out), data)
    return pdf.sha256(data)


def file_name(case_number: str, party_short: str, kind: str = "handout") -> str:
    """``ZVH-2026-0042_handout_<party-short>.pdf``: no personal data in a file name."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-"
                   for ch in party_short).strip("-") or "party"
    return f"{case_number}_{kind}_{safe}.pdf"

