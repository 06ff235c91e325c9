"""What goes back to the referring party as PDF (issue 24): the receipt of a referral and
the triage outcome. Renders :class:`~app.domain.referral_views.ReceiptView` and
:class:`~app.domain.referral_views.TriageOutcomeView` as built by
``app.services.referral_receipts``; decides nothing. Everything typed goes through
``pdf.para``/``pdf.table`` and so appears literally.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from app.domain.referral_views import ReceiptView, TriageOutcome, TriageOutcomeView
from app.export import pdf
from app.formatting import format_date, format_datetime
from app.i18n import _

_LABEL_WIDTH = 55 * mm


def _facts(rows: list[list[str]]) -> Flowable:
    return pdf.table(rows, [_LABEL_WIDTH, pdf.CONTENT_WIDTH - _LABEL_WIDTH], header=False)


def receipt_story(doc: ReceiptView) -> list[Flowable]:
    st = pdf.styles()
    story: list[Flowable] = [
        pdf.para(doc.house, st.small),
        pdf.para(_("Receipt of your referral \u2013 case {number}")
                 .format(number=doc.case_number), st.title),
        pdf.para(_("For {party}. The house has received your referral and registered it "
                   "under the case number below; please quote it in every message about "
                   "the referral.").format(party=doc.recipient), st.body),
        pdf.spacer(2),
        _facts([[_("Case"), doc.case_number],
                [_("Your reference"), doc.external_ref or "\u2013"],
                [_("Privacy protocol"), doc.protocol.label],
                [_("Received"), format_date(doc.received)],
                [_("Date"), format_date(doc.printed_on)]]),
        pdf.para(_("What was received"), st.heading),
        _facts([[_("Fields filled in"), ", ".join(doc.fields) or "\u2013"],
                [_("Subjects"), str(doc.subjects)],
                [_("Life domains described"), str(doc.life_domains)],
                [_("Partners to invite"), str(doc.invitees)],
                [_("Information items of your organisation"), str(doc.own_items)],
                [_("Information items of other parties"), str(doc.other_items)]]),
        pdf.para(_("Items of other parties are held under the narrowest terms until those "
                   "parties confirm their terms. After the weekly triage you receive the "
                   "outcome."), st.small),
    ]
    return story


def render_receipt(doc: ReceiptView, password: str | None = None) -> bytes:
    """The receipt's file contents (encrypted when a password is given)."""
    marks = pdf.PageMarks(doc.house, doc.recipient, doc.case_number, doc.printed_on)
    meta = pdf.Metadata(title=_("Receipt {number}").format(number=doc.case_number),
                        subject=_("Receipt of a referral"), keywords=(doc.case_number,))
    return pdf.produce(receipt_story(doc), marks, meta, password)


def triage_outcome_story(doc: TriageOutcomeView) -> list[Flowable]:
    st = pdf.styles()
    rows = [[_("Case"), doc.case_number],
            [_("Your reference"), doc.external_ref or "\u2013"],
            [_("Privacy protocol"), doc.protocol.label],
            [_("Received"), format_date(doc.received)],
            [_("Decided on"), format_date(doc.decided_on)],
            [_("Outcome"), doc.outcome.label]]
    if doc.outcome is TriageOutcome.TAKEN_ON:
        rows.append([_("Case meeting"), format_datetime(doc.meeting_at) if doc.meeting_at
                     else _("not yet planned; you will be invited")])
    elif doc.outcome is TriageOutcome.ADVICE_ONLY:
        rows.append([_("Advice"), doc.advice or "\u2013"])
    else:
        rows.append([_("Reason"), doc.reason or "\u2013"])
        if doc.advice:
            rows.append([_("Advice"), doc.advice])
    return [
        pdf.para(doc.house, st.small),
        pdf.para(_("Outcome of the triage \u2013 case {number}")
                 .format(number=doc.case_number), st.title),
        pdf.para(_("For {party}, about its referral.").format(party=doc.recipient), st.body),
        pdf.spacer(2),
        _facts(rows),
    ]


def render_triage_outcome(doc: TriageOutcomeView, password: str | None = None) -> bytes:
    """The triage outcome's file contents (encrypted when a password is given)."""
    marks = pdf.PageMarks(doc.house, doc.recipient, doc.case_number, doc.printed_on)
    meta = pdf.Metadata(title=_("Triage outcome {number}").format(number=doc.case_number),
                        subject=_("Outcome of the triage"), keywords=(doc.case_number,))
    return pdf.produce(triage_outcome_story(doc), marks, meta, password)
