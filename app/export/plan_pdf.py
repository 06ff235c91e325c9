"""The plan of action as PDF: the story of the plan's sections (shared by the handouts) and
the full plan for the process director's file.

The full plan shows every action, with the parties an action is limited to; a handout uses
the same sections on the plan as the recipient may see it
(``app.sharing.policy.plan_for_party``), where such limits are not shown. Everything a user
typed goes through ``pdf.para``/``pdf.table`` and so appears literally.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether

from app.domain.cases import Subject
from app.domain.plan import ActionPlan
from app.domain.views import PlanView
from app.export import pdf
from app.formatting import format_date
from app.i18n import _

PartyName = Callable[[int], str]


def fmt_date(value: date | datetime | None) -> str:
    """A date as the reader's language writes it (``app.formatting``); a dash for none."""
    return format_date(value)


def name_lookup(names: Mapping[int, str]) -> PartyName:
    return lambda pid: names.get(pid, _("party #{id}").format(id=pid))


def subjects_section(subjects: Sequence[Subject]) -> list[Flowable]:
    """The subjects by name, role and date of birth. BSN and address are not printed here:
    they reach a party only as information items the sharing policy lets through."""
    st = pdf.styles()
    story: list[Flowable] = [pdf.para(_("Subjects"), st.heading)]
    if not subjects:
        return story + [pdf.para(_("No subjects are recorded."), st.body)]
    rows: list[list[str | Flowable]] = [[_("Name"), _("Role"), _("Date of birth")]]
    for s in subjects:
        rows.append([" ".join(p for p in (s.given_names, s.surname) if p), s.role.label,
                     fmt_date(s.birth_date)])
    story.append(pdf.table(rows, [95 * mm, 40 * mm, pdf.CONTENT_WIDTH - 135 * mm]))
    return story


def plan_sections(plan: ActionPlan, party: PartyName, *, show_limits: bool) -> list[Flowable]:
    """The sections of the plan of action (8.4b-d)."""
    st = pdf.styles()
    story: list[Flowable] = [pdf.para(_("Plan of action"), st.heading)]
    if plan.is_empty:
        return story + [pdf.para(_("No plan of action has been drawn up yet."), st.body)]
    if plan.version:
        story.append(pdf.para(_("Version {version}").format(version=plan.version), st.small))
    coordinator = (_("{person} ({party})").format(person=plan.coordinator.person,
                                                  party=party(plan.coordinator.party_id))
                   if plan.coordinator else _("not appointed"))
    story.append(pdf.para([_("Case coordinator: "), ("b", coordinator)], st.body))

    story.append(pdf.para(_("Goals per life domain"), st.subheading))
    if plan.goals:
        story.append(pdf.table(
            [[_("Life domain"), _("Goal")]] + [[g.life_domain.label, g.description]
                                               for g in plan.goals],
            [45 * mm, pdf.CONTENT_WIDTH - 45 * mm]))
    else:
        story.append(pdf.para(_("No goals recorded."), st.body))

    story.append(pdf.para(_("Actions"), st.subheading))
    if plan.actions:
        # The owner goes under the party, so that the action's text gets the width.
        rows: list[list[str | Flowable]] = [[_("Party / owner"), _("Action"), _("Due"),
                                             _("Status")]]
        for action in plan.actions:
            goal = plan.goal(action.goal_key)
            lines = [action.description]
            if goal is not None:
                lines.append(_("Goal: {domain}").format(domain=goal.life_domain.label))
            if show_limits and action.limited_to:
                lines.append(_("Only for: {parties}").format(parties=", ".join(
                    sorted({party(p) for p in action.limited_to | {action.party_id}}))))
            for note in action.notes:
                lines.append(_("Progress {date} ({author}): {text}").format(
                    date=fmt_date(note.at), author=note.author, text=note.text))
            who = party(action.party_id) + ("\n" + action.owner if action.owner else "")
            rows.append([who, "\n".join(lines), fmt_date(action.due), action.status.label])
        story.append(pdf.table(rows, [40 * mm, pdf.CONTENT_WIDTH - 84 * mm, 22 * mm,
                                      22 * mm]))
    else:
        story.append(pdf.para(_("No actions recorded."), st.body))

    story.append(pdf.para(_("Information needs per party"), st.subheading))
    if plan.information_needs:
        story.append(pdf.table(
            [[_("Party"), _("Needs to know")]] + [[party(n.party_id), n.description]
                                                  for n in plan.information_needs],
            [45 * mm, pdf.CONTENT_WIDTH - 45 * mm]))
    else:
        story.append(pdf.para(_("No information needs recorded."), st.body))

    story.append(pdf.para(_("Closure criteria"), st.subheading))
    story.append(pdf.para(plan.closure_criteria.strip() or _("not yet set"), st.body))
    story.append(pdf.para(_("Next meeting"), st.subheading))
    next_line = fmt_date(plan.next_meeting) if plan.next_meeting else _("not yet planned")
    story.append(pdf.para(next_line, st.body))
    if plan.next_meeting_note.strip():
        story.append(pdf.para(plan.next_meeting_note, st.body))
    return story


def full_plan_story(doc: PlanView) -> list[Flowable]:
    st = pdf.styles()
    story: list[Flowable] = [
        pdf.para(doc.house, st.small),
        pdf.para(_("Plan of action \u2013 case {number}").format(number=doc.case_number),
                 st.title),
        pdf.para(_("For the case file of the process director. Actions limited to some "
                   "parties are marked; each party's handout leaves out what it may not "
                   "see."), st.small),
        pdf.spacer(2),
        KeepTogether(pdf.table([[_("Case"), doc.case_number],
                                [_("Privacy protocol"), doc.protocol.label],
                                [_("Date"), fmt_date(doc.printed_on)]],
                               [45 * mm, pdf.CONTENT_WIDTH - 45 * mm], header=False)),
    ]
    story += subjects_section(doc.subjects)
    story += plan_sections(doc.plan, name_lookup(doc.party_names), show_limits=True)
    return story


def director_recipient() -> str:
    return _("the process director (case file)")


def render_full_plan(doc: PlanView, password: str | None = None) -> bytes:
    """The full plan's file contents (encrypted when a password is given)."""
    marks = pdf.PageMarks(doc.house, director_recipient(), doc.case_number, doc.printed_on)
    meta = pdf.Metadata(title=_("Plan of action {number}").format(number=doc.case_number),
                        subject=_("Plan of action"), keywords=(doc.case_number,))
    return pdf.produce(full_plan_story(doc), marks, meta, password)


def build_full_plan(doc: PlanView, out: Path, password: str | None = None) -> str:
    """Write the full plan; returns the SHA-256 of the file."""
    data = render_full_plan(doc, password)
    pdf.write_atomically(Path(out), data)
    return pdf.sha256(data)
