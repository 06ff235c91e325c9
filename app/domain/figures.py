"""The figures for the Stuurgroep (covenant 4.4, 6.4, 2.2c) as plain values: what each figure
is, how it is laid out as a chart and as a table, and small-number suppression.

Small numbers are suppressed so that no one can be recognised from a count: a count of cases
below :data:`THRESHOLD` shows as "< 5" (:func:`suppress` is the one function that decides
it), a lead time or a share computed over fewer than five cases shows as "< 5" too, and a
chart draws a suppressed bar with no height (its label says "< 5"). A total beside a single
small count would give that count away, so such a total is hidden too ("x",
:func:`protect_total`). Counts that are not about people (meetings held) are shown as they
are.

The service (``app.services.figures``) fills a :class:`Figures`; the dashboard, the annual
report PDF and the CSV export all lay it out through :func:`figure_list`, so the three always
show the same numbers. Plain values: no database, no Qt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from app.domain.parties import PartyType
from app.domain.protocols import Protocol
from app.formatting import format_date, format_number
from app.i18n import N_, _

#: Counts of cases below this show as "< 5".
THRESHOLD = 5
#: What a cell hidden by secondary suppression shows (as Statistics Netherlands writes it).
HIDDEN_TEXT = "x"

MONTHS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"),
          N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"))


@dataclass(frozen=True)
class Value:
    """One cell or bar: the number, what it shows, and whether it was suppressed."""

    number: float | None
    suppressed: bool = False
    unit: str = ""          # "", "%" or " d" (days): appended to the text
    #: a total hidden although not small, so that a small cell cannot be worked out from it
    secondary: bool = False

    @property
    def text(self) -> str:
        if self.secondary:
            return HIDDEN_TEXT
        if self.suppressed:
            return suppressed_text()
        if self.number is None:
            return "\u2013"
        if self.unit == "%":
            return f"{format_number(self.number, decimals=0)}%"
        if float(self.number).is_integer():
            return f"{format_number(int(self.number))}{self.unit}"
        return f"{format_number(self.number, decimals=1)}{self.unit}"

    @property
    def plot(self) -> float:
        """The height a chart may draw: nothing for a suppressed or missing value."""
        return 0.0 if self.suppressed or self.number is None else float(self.number)


def suppressed_text() -> str:
    return f"< {THRESHOLD}"


def suppress(count: int) -> Value:
    """A count of cases as it may be shown: below :data:`THRESHOLD` it shows as "< 5"."""
    return Value(count, suppressed=count < THRESHOLD)


def protect_total(cells: Sequence[Value], total: Value) -> Value:
    """The total of ``cells`` as it may be shown (secondary suppression).

    With exactly one cell hidden as "< 5" beside a shown total, that cell is the total minus
    the others. The total is then hidden too, shown as "x": hiding another cell instead
    would still narrow the small one down, since a reader knows a hidden cell that is not
    small is 5 or more. The rule looks only at which cells are hidden, never at their
    values, so that whether it acts tells nothing either."""
    if total.suppressed or total.number is None:
        return total
    if sum(1 for v in cells if v.suppressed) != 1:
        return total
    return Value(total.number, suppressed=True, unit=total.unit, secondary=True)


def _protected_totals(series: Sequence[Series], totals: Sequence[Value]) -> tuple[Value, ...]:
    """:func:`protect_total` per category, over the series stacked in it."""
    return tuple(protect_total([s.values[c] for s in series], total)
                 for c, total in enumerate(totals))


def exact(count: int) -> Value:
    """A count that is not about people (meetings held): shown as it is."""
    return Value(count)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by the nearest-rank method (no interpolation, so
    every figure is a lead time that really occurred); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


@dataclass(frozen=True)
class LeadTime:
    """Days from referral to a later step, over the cases that reached it in the year."""

    cases: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, days: Sequence[float]) -> LeadTime:
        return cls(len(days), percentile(days, 50), percentile(days, 90))

    def median_value(self) -> Value:
        return self._shown(self.median)

    def p90_value(self) -> Value:
        return self._shown(self.p90)

    def _shown(self, days: float | None) -> Value:
        # No case: no value ("–"); fewer than five: suppressed.
        return Value(days, suppressed=0 < self.cases < THRESHOLD, unit=" d")


@dataclass(frozen=True)
class ActionFigures:
    """The actions in the plans of the cases closed in the year (from their tombstones)."""

    cases: int = 0
    total: int = 0
    done: int = 0
    done_on_time: int = 0
    cancelled: int = 0

    @property
    def counted(self) -> int:
        """Actions that could be done: cancelled ones do not count."""
        return self.total - self.cancelled

    def share_on_time(self) -> Value:
        # Suppressed when it rests on fewer than five cases or five actions.
        if self.counted <= 0:
            return Value(None, unit="%")
        if self.cases < THRESHOLD or self.counted < THRESHOLD:
            return Value(None, suppressed=True, unit="%")
        return Value(100.0 * self.done_on_time / self.counted, unit="%")


class IntakeOutcome(StrEnum):
    ACCEPTED = "accepted"           # to a case meeting, or triage still running
    ROUTED_ELSEWHERE = "routed_elsewhere"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return _(INTAKE_OUTCOME_LABELS[self])


INTAKE_OUTCOME_LABELS = {
    IntakeOutcome.ACCEPTED: N_("Accepted"),
    IntakeOutcome.ROUTED_ELSEWHERE: N_("Accepted, then routed elsewhere"),
    IntakeOutcome.DECLINED: N_("Declined"),
}


class ReferralOutcome(StrEnum):
    """What became of a referral at triage (issue 24), as it goes back to the referrer."""

    TAKEN_ON = "taken_on"            # to a case meeting
    ADVICE_ONLY = "advice_only"      # routed elsewhere at triage
    DECLINED = "declined"            # declined at intake
    PENDING = "pending"              # no outcome yet

    @property
    def label(self) -> str:
        return _(REFERRAL_OUTCOME_LABELS[self])


REFERRAL_OUTCOME_LABELS = {
    ReferralOutcome.TAKEN_ON: N_("Taken on"),
    ReferralOutcome.ADVICE_ONLY: N_("Advice only"),
    ReferralOutcome.DECLINED: N_("Declined"),
    ReferralOutcome.PENDING: N_("No outcome yet"),
}


class Stage(StrEnum):
    """Where an open case stood on the reference day (from its per-transition dates)."""

    REFERRED = "referred"
    INTAKE = "intake"
    TRIAGE = "triage"
    SCHEDULED = "scheduled"
    IN_MEETINGS = "in_meetings"

    @property
    def label(self) -> str:
        return _(STAGE_LABELS[self])


STAGE_LABELS = {
    Stage.REFERRED: N_("Referred"),
    Stage.INTAKE: N_("Intake"),
    Stage.TRIAGE: N_("Triage"),
    Stage.SCHEDULED: N_("On the agenda"),
    Stage.IN_MEETINGS: N_("In case meetings"),
}


class LeadStep(StrEnum):
    INTAKE_DECISION = "intake_decision"
    FIRST_MEETING = "first_meeting"
    CLOSURE = "closure"

    @property
    def label(self) -> str:
        return _(LEAD_STEP_LABELS[self])


LEAD_STEP_LABELS = {
    LeadStep.INTAKE_DECISION: N_("Referral to intake decision"),
    LeadStep.FIRST_MEETING: N_("Referral to first case meeting"),
    LeadStep.CLOSURE: N_("Referral to closure"),
}


#: The protocols' names as short as a chart axis needs them.
PROTOCOL_SHORT = {
    Protocol.INTEGRALE_VEILIGHEID: N_("Integrated Safety"),
    Protocol.RADICALISERING: N_("Radicalisation"),
    Protocol.JEUGDGROEPEN: N_("(Youth) groups"),
}


def party_type_label(value: str | None) -> str:
    try:
        return PartyType(value or "").label
    except ValueError:
        return _("Unknown")


@dataclass(frozen=True)
class Figures:
    """The raw (unsuppressed) figures of one year, optionally for one protocol.

    Only the service and the tests see these raw numbers; everything shown goes through
    :func:`figure_list`, which suppresses.
    """

    year: int
    protocol: Protocol | None
    reference_day: str                                   # ISO date of "in progress"
    referrals: dict[str, list[int]]                      # party type -> 12 monthly counts
    intake: dict[IntakeOutcome, int]
    lead_times: dict[LeadStep, LeadTime]
    in_progress: dict[Protocol, dict[Stage, int]]
    actions: ActionFigures
    overdue_open_actions: int
    meetings_per_month: list[int]
    cases_discussed_per_month: list[int]
    meetings_held: int
    cases_discussed: int
    referrals_total: int = field(default=0)
    #: the referrals received in the year by the referring party's type and their triage
    #: outcome, and per type the days from referral to that outcome (issue 24)
    referral_outcomes: dict[str, dict[ReferralOutcome, int]] = field(default_factory=dict)
    outcome_lead: dict[str, LeadTime] = field(default_factory=dict)


class ChartKind(StrEnum):
    BARS = "bars"            # one or more series side by side
    STACKED = "stacked"      # series stacked per category


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Figure:
    """One figure as shown: a chart and a table of the same values, with an explanation.

    The table has a row per category and a column per series (``by_series`` flips that for
    wide figures such as months by party type), and a total column or row where it adds up.
    """

    key: str
    title: str
    explanation: str
    axis: str                                  # what the value axis counts
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    kind: ChartKind = ChartKind.BARS
    totals: tuple[Value, ...] = ()             # per category (shown in the table and above bars)
    by_series: bool = False
    note: str = ""
    #: how many series and categories the chart draws (0: all); the table shows all
    chart_series: int = 0
    chart_categories: int = 0
    #: shorter category names for the chart's axis (an axis cuts long names off)
    short_categories: tuple[str, ...] = ()

    def chart(self) -> tuple[tuple[str, ...], tuple[Series, ...]]:
        """The categories and series a chart draws (a share or a count of cases beside
        days would not fit one value axis)."""
        names = self.short_categories or self.categories
        categories = names[:self.chart_categories or None]
        series = tuple(Series(s.name, s.values[:len(categories)])
                       for s in self.series[:self.chart_series or None])
        return categories, series

    def table(self) -> tuple[list[str], list[list[str]]]:
        """(header, rows) of display texts, suppression applied."""
        if self.by_series:
            header = [""] + list(self.categories)
            rows = [[s.name] + [v.text for v in s.values] for s in self.series]
            if self.totals:
                rows.append([_("Total")] + [v.text for v in self.totals])
            return header, rows
        header = [""] + [s.name for s in self.series]
        if self.totals:
            header.append(_("Total"))
        rows = []
        for i, category in enumerate(self.categories):
            row = [category] + [s.values[i].text for s in self.series]
            if self.totals:
                row.append(self.totals[i].text)
            rows.append(row)
        return header, rows

    def has_suppressed(self) -> bool:
        return any(v.suppressed for s in self.series for v in s.values) or any(
            v.suppressed for v in self.totals)


def _filter_text(figures: Figures) -> str:
    if figures.protocol is None:
        return _("all protocols")
    return figures.protocol.label


def figure_list(figures: Figures) -> list[Figure]:
    """Every figure of the dashboard and the annual report, in order, suppressed."""
    months = tuple(_(m) for m in MONTHS)
    types = sorted(figures.referrals, key=lambda t: (party_type_label(t).casefold(), t))
    monthly_totals = [sum(figures.referrals[t][m] for t in types) for m in range(12)]
    referral_series = [Series(party_type_label(t), tuple(suppress(n) for n in figures.referrals[t]))
                       for t in types]
    referral_totals = _protected_totals(referral_series,
                                        [suppress(n) for n in monthly_totals])
    referrals = Figure(
        "referrals", _("Referrals per month by the referring party's type"),
        _("How many cases were referred to the house in each month of {year} ({filter}), by "
          "the type of party that referred them. It shows where the house's work comes "
          "from and how that changes over the year.").format(year=figures.year,
                                                             filter=_filter_text(figures)),
        _("Cases"), months,
        tuple(referral_series), ChartKind.STACKED, referral_totals, by_series=True)
    outcomes = tuple(IntakeOutcome)
    intake = Figure(
        "intake", _("Intake outcomes"),
        _("The intake decisions taken in {year}: accepted as complex cases (Bijlage 2), "
          "accepted but routed elsewhere at triage (to one party or a chain), or declined "
          "with advice to the referring party.").format(year=figures.year),
        _("Cases"), tuple(o.label for o in outcomes),
        (Series(_("Cases"), tuple(suppress(figures.intake.get(o, 0)) for o in outcomes)),),
        short_categories=(_("Accepted"), _("Routed elsewhere"), _("Declined")))
    steps = tuple(LeadStep)
    lead = Figure(
        "lead_times", _("Lead times from referral (days)"),
        _("The number of days from the referral to the intake decision, to the first case "
          "meeting and to closure, for the cases that took that step in {year}. The median "
          "is the middle case; nine in ten cases were quicker than the 90th percentile.")
        .format(year=figures.year),
        _("Days"), tuple(s.label for s in steps),
        (Series(_("Median"), tuple(figures.lead_times[s].median_value() for s in steps)),
         Series(_("90th percentile"), tuple(figures.lead_times[s].p90_value() for s in steps)),
         Series(_("Cases"), tuple(suppress(figures.lead_times[s].cases) for s in steps))),
        note=_("Chart: median and 90th percentile; the table also gives the number of "
               "cases."), chart_series=2,
        short_categories=(_("Intake decision"), _("First case meeting"), _("Closure")))
    stages = tuple(Stage)
    protocols = tuple(figures.in_progress)
    progress_series = [Series(st.label, tuple(suppress(figures.in_progress[p].get(st, 0))
                                              for p in protocols)) for st in stages]
    progress_totals = _protected_totals(
        progress_series, [suppress(sum(figures.in_progress[p].values())) for p in protocols])
    in_progress = Figure(
        "in_progress", _("Cases in progress per protocol"),
        _("The cases still open on {day}, per privacy protocol, by the step they had "
          "reached: from the referral to the case meetings.").format(
              day=format_date(date.fromisoformat(figures.reference_day))),
        _("Cases"), tuple(p.label for p in protocols),
        tuple(progress_series), ChartKind.STACKED, progress_totals,
        short_categories=tuple(_(PROTOCOL_SHORT[p]) for p in protocols))
    a = figures.actions

    def action_count(n: int) -> Value:
        # Counts of actions are not about people, but over fewer than five cases they are.
        return exact(n) if a.cases >= THRESHOLD else Value(n, suppressed=True)

    actions = Figure(
        "actions", _("Actions done by their due date"),
        _("The actions in the plans of action of the cases closed in {year}: how many were "
          "done by their due date, done late, or not done; cancelled actions do not count. "
          "Open actions whose due date has passed, in cases still open: {overdue}.")
        .format(year=figures.year, overdue=figures.overdue_open_actions),
        _("Actions"),
        (_("Done by the due date"), _("Done late"), _("Not done"), _("Share on time")),
        (Series(_("Actions"), (
            action_count(a.done_on_time), action_count(a.done - a.done_on_time),
            action_count(max(a.counted - a.done, 0)), a.share_on_time())),),
        note=_("Closed cases: {n}.").format(n=suppress(a.cases).text), chart_categories=3)
    meetings = Figure(
        "meetings", _("Case meetings held and cases discussed"),
        _("The case meetings held in each month of {year} and how many different cases "
          "they discussed. In the year: {meetings} meetings, {cases} cases discussed.")
        .format(year=figures.year, meetings=figures.meetings_held,
                cases=suppress(figures.cases_discussed).text),
        _("Number"), months,
        (Series(_("Meetings held"), tuple(exact(n) for n in figures.meetings_per_month)),
         Series(_("Cases discussed"),
                tuple(suppress(n) for n in figures.cases_discussed_per_month))),
        by_series=True)
    return [referrals, intake, lead, in_progress, actions, meetings,
            referral_outcomes_figure(figures)]


def referral_outcomes_figure(figures: Figures) -> Figure:
    """The referrals of the year by the referring party's type: their triage outcome and
    the days from referral to it (issue 24), suppressed like every other figure."""
    types = sorted(figures.referral_outcomes,
                   key=lambda t: (party_type_label(t).casefold(), t))
    outcomes = tuple(ReferralOutcome)
    series = [Series(o.label, tuple(suppress(figures.referral_outcomes[t].get(o, 0))
                                    for t in types)) for o in outcomes]
    totals = _protected_totals(series, [suppress(sum(figures.referral_outcomes[t].values()))
                                        for t in types])
    lead = [figures.outcome_lead.get(t, LeadTime.of([])) for t in types]
    series.append(Series(_("Median days to the outcome"),
                         tuple(v.median_value() for v in lead)))
    return Figure(
        "referral_outcomes", _("Referrals by the referring party's type and outcome"),
        _("The referrals received in {year} ({filter}), by the type of party that referred "
          "them: taken on for a case meeting, advice only (handled elsewhere), declined, or "
          "no outcome yet; and the median number of days from the referral to its "
          "outcome.").format(year=figures.year, filter=_filter_text(figures)),
        _("Cases"), tuple(party_type_label(t) for t in types), tuple(series),
        ChartKind.STACKED, totals,
        note=_("Chart: the outcomes; the table also gives the median days."),
        chart_series=len(outcomes))


@dataclass(frozen=True)
class HiddenPart:
    """Where a chart hides something: a hatched band. ``series`` is the series' index, or -1
    for the whole stack of a category of a stacked chart; ``bottom`` the value the band
    starts at; ``top`` the value it reaches when the shown numbers give it, else None (a
    stub of a fixed height, the same for every hidden value); ``text`` what it is labelled
    (the table's text: "< 5", or the total "x" or its number)."""

    series: int
    category: int
    bottom: float
    top: float | None
    text: str


def hidden_parts(figure: Figure) -> list[HiddenPart]:
    """The one rule for the hatched bands of the figures screen and the annual report.

    A stacked bar with a suppressed part gets one band over the parts shown. It reaches the
    category's total only when that total is shown (not itself suppressed, secondary
    suppression included: :func:`protect_total`) and is more than the parts shown: then
    the bar stands as high as the number above it and the band gives away no more than the
    table does (the total minus the parts shown). Otherwise (no total, a hidden total, or
    nothing left over) the band is a stub whose height says nothing. A side-by-side chart
    has a stub for each suppressed bar."""
    categories, series = figure.chart()
    found: list[HiddenPart] = []
    if figure.kind is ChartKind.STACKED:
        for c in range(len(categories)):
            parts = [s.values[c] for s in series]
            if not any(v.suppressed for v in parts):
                continue
            shown = sum(v.plot for v in parts)
            total = figure.totals[c] if c < len(figure.totals) else None
            top: float | None = None
            if total is not None and not total.suppressed and total.number is not None \
                    and float(total.number) > shown:
                top = float(total.number)
            found.append(HiddenPart(-1, c, shown, top,
                                    total.text if total is not None else suppressed_text()))
        return found
    for i, s in enumerate(series):
        found.extend(HiddenPart(i, c, 0.0, None, v.text)
                     for c, v in enumerate(s.values) if v.suppressed)
    return found


def suppression_note() -> str:
    return _("Counts of cases below {n} are shown as \u201c< {n}\u201d, so that no one can "
             "be recognised from a number; a chart draws such a bar with no height and "
             "labels it \u201c< {n}\u201d. Where such a count could be worked out from a "
             "total, the total is hidden as well and shown as \u201c{x}\u201d.").format(
                 n=THRESHOLD, x=HIDDEN_TEXT)
