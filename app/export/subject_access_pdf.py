"""The subject-access export (inzageverzoek, AVG art. 15) as a PDF, built on the shared
document layer (``app.export.pdf``) from a report of a *reviewed* draft (the view model
``app.domain.views.SubjectAccessReport``, built by ``app.services.subject_access``): per
case, the personal data held, the referral's life-domain texts as the director decided them
(included, or redacted and marked as such; a withheld one is listed as "the referral's
description of the household's problems" with the referring party), every information item
the process director included (or its redacted version, marked as such) with its source and
the parties it went to and when (from the disclosure log), the items withheld by category
and supplier only, with the ground and the supplier to whom the subject may apply, and when
the case will be destroyed. A report with items still to be reviewed is refused
(``ValueError``: a programming error, the service never passes one).

Metadata and page marks hold no personal data beyond the recipient line the layer puts on
every page (the subject, who is the recipient).
"""

from __future__ import annotations

from datetime import date, datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from app.domain.views import CaseSection, Ground, SubjectAccessReport
from app.export import pdf
from app.formatting import format_date
from app.i18n import N_, _


def _day(value: object) -> str:
    return format_date(value) if isinstance(value, (date, datetime)) else "\u2013"


#: the ground as the subject reads it
_GROUND_FOR_SUBJECT = {
    Ground.RIGHTS_OF_OTHERS: N_("To protect the rights of others (AVG art. 15(4))"),
    Ground.RESTRICTION: N_("A legal restriction of the right of access (AVG art. 23, "
                           "UAVG art. 41)"),
    Ground.OTHER_CONTROLLER: N_("The supplying party is responsible for it and answers a "
                                "request for it itself"),
}


def _ground_text(ground: Ground) -> str:
    return _(_GROUND_FOR_SUBJECT[ground])


def _case_story(section: CaseSection, made_on: object) -> list[Flowable]:
    st = pdf.styles()
    story: list[Flowable] = [
        pdf.para(_("Case {number}").format(number=section.number), st.heading),
        pdf.para([("b", _("Protocol: ")), section.protocol.label], st.body),
        pdf.para([("b", _("Status: ")), section.state.label], st.body),
        pdf.para([("b", _("Referred on: ")), _day(section.received)], st.body),
        pdf.para(_("Your data in this case"), st.subheading),
        pdf.table([
            [_("Field"), _("Held")],
            [_("Name"), f"{section.given_names} {section.surname}"],
            [_("Birth date"), _day(section.birth_date)],
            [_("Role in the case"), section.role.label],
            [_("Address"), section.address or _("not held (any more)")],
            [_("BSN"), section.bsn or _("not held (any more)")],
        ], [45 * mm, pdf.CONTENT_WIDTH - 45 * mm]),
    ]
    if section.life_domains:
        story.append(pdf.para(_("Problems recorded per life domain"), st.subheading))
        story.append(pdf.table([[_("Life domain"), _("Description")]] + [
            [domain.label, text + ("\n" + _("(Parts of this text are left out.)")
                                   if domain in section.redacted_domains else "")]
            for domain, text in section.life_domains],
            [45 * mm, pdf.CONTENT_WIDTH - 45 * mm]))
    story.append(pdf.para(_("Information held"), st.subheading))
    if section.items:
        rows: list[list[str]] = [[_("Supplied by"), _("Received"), _("Information"),
                                  _("Passed on to")]]
        for item in section.items:
            text = item.text
            if item.redacted:
                text += "\n" + _("(Parts of this item are left out.)")
            went = "\n".join(_("{party} on {date}").format(party=d.recipient, date=_day(d.at))
                             for d in item.disclosed_to) or _("not passed on")
            rows.append([f"{item.source}\n({item.category.label})", _day(item.received),
                         text, went])
        story.append(pdf.table(rows, [36 * mm, 22 * mm,
                                      pdf.CONTENT_WIDTH - 103 * mm, 45 * mm]))
    elif section.withheld:
        story.append(pdf.para(_("No information items are given in this overview; what is "
                                "held but not given is listed below."), st.body))
    else:
        story.append(pdf.para(_("No information items are held (any more)."), st.body))
    if section.withheld:
        story.append(pdf.para(_("Information not given in this export"), st.subheading))
        story.append(pdf.para(_("The house holds the following information about you that "
                                "is not in this overview. You may ask the party named for "
                                "it."), st.body))
        story.append(pdf.table(
            [[_("Category"), _("Supplied by, and where you may ask"), _("Ground")]] + [
                [_("The referral's description of the household's problems")
                 if w.life_domain else w.category.label, w.source, _ground_text(w.ground)]
                for w in section.withheld],
            [40 * mm, 55 * mm, pdf.CONTENT_WIDTH - 95 * mm]))
    story.append(pdf.para(_("Handed out (disclosure log)"), st.subheading))
    if section.disclosures:
        story.append(pdf.table(
            [[_("Date"), _("To"), _("Document"), _("SHA-256 of the file")]] + [
                [_day(d.at), d.recipient or _("Process director (own file)"), d.kind,
                 pdf.para(d.sha256, st.code)] for d in section.disclosures],
            [20 * mm, 45 * mm, 22 * mm, pdf.CONTENT_WIDTH - 87 * mm]))
    else:
        story.append(pdf.para(_("Nothing of this case was handed out."), st.body))
    story.append(pdf.para(_("Retention"), st.subheading))
    if section.destroy_on is not None:
        story.append(pdf.para(_("This case will be destroyed on {date}.")
                              .format(date=_day(section.destroy_on)), st.body))
    else:
        story.append(pdf.para(_("The case is still open. It will be destroyed {months} "
                                "months after it is closed.")
                              .format(months=section.retention_months), st.body))
    story.append(pdf.spacer(6))
    return story


def build_story(report: SubjectAccessReport) -> list[Flowable]:
    st = pdf.styles()
    person = report.person
    story: list[Flowable] = [
        pdf.para(_("Subject-access request (AVG article 15)"), st.title),
        pdf.para(report.house, st.small),
        pdf.para([("b", _("For: ")), f"{person.given_names} {person.surname}",
                  " \u00b7 ", _("born {date}").format(date=_day(person.birth_date))], st.body),
        pdf.para([("b", _("Made on: ")), _day(report.made_on)], st.body),
        pdf.para(_("This overview shows the personal data the house holds about you, where "
                   "it came from, to which parties it was passed on and when it will be "
                   "destroyed."), st.body),
        pdf.spacer(4),
    ]
    for section in report.cases:
        story.extend(_case_story(section, report.made_on))
    return story


def render_subject_access(report: SubjectAccessReport, password: str | None = None) -> bytes:
    """The PDF as bytes (AES-256 protected when ``password`` is given)."""
    if not report.complete:
        raise ValueError("a subject-access report with items still to review")
    marks = pdf.PageMarks(report.house, report.person.display_name,
                          _("Subject-access request"), report.made_on)
    meta = pdf.Metadata(title=_("Subject-access request"), subject=_("Subject-access request"))
    data = pdf.render(build_story(report), marks, meta)
    if password is not None:
        data = pdf.encrypt(data, password)
    return data
