"""The figures for the Stuurgroep as a use case: one call computes a year's figures (for all
protocols or one) and audits that the figures were viewed.

:func:`compute` (``VIEW_FIGURES``; audited as ``figures.view`` with the year and protocol)
returns the raw :class:`app.domain.figures.Figures`; :func:`figures_for_display` returns the
suppressed :class:`app.domain.figures.Figure` list that the dashboard, the annual report and
the CSV export show. :func:`available_years` gives the years there is data for.
:func:`export_annual_report` writes the annual report (and its CSV tables) through
``app.export.annual_report``.

Every figure is computed from fields that carry no personal data, so that a destroyed case
still counts: the ``cases`` row (which doubles as the tombstone: number, protocol, the
referring party's type, the per-transition dates, the intake decision and the outcome), the
closure tombstones (``case_tombstones``: action counts), the meetings (dates and states) and
agenda items (case ids only). Nothing personal is read: no names, no texts, no BSNs. The
repository (``app.store.figures``) reads them through the figures' views on both engines,
which show only those columns (on the house server the manager's role may read nothing else).

"Cases discussed" counts the distinct cases on the agenda of the meetings held; the agenda
items of a destroyed case are gone, so a destroyed case counts in the month of its first
case meeting (from its tombstone date) and its follow-up discussions no longer do.
"""


from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Connection

from app.domain.figures import (
    ActionFigures,
    Figure,
    Figures,
    IntakeOutcome,
    LeadStep,
    LeadTime,
    ReferralOutcome,
    Stage,
    figure_list,
)
from app.domain.protocols import Protocol
from app.domain.roles import Permission
from app.domain.views import AnnualReportView
from app.store import figures as figure_rows
from app.vault.vault import OpenVault
from app.vault.access import entry_point


def _tables(conn: Connection) -> set[str]:
    return figure_rows.present_tables(conn)


def _days(later: str, earlier: str) -> float:
    return float((date.fromisoformat(later[:10]) - date.fromisoformat(earlier[:10])).days)


@dataclass
class _Tally:
    """The figures that come from the ``cases`` rows, counted in one pass."""

    referrals: dict[str, list[int]] = field(default_factory=dict)
    intake: dict[IntakeOutcome, int] = field(
        default_factory=lambda: {o: 0 for o in IntakeOutcome})
    lead: dict[LeadStep, list[float]] = field(
        default_factory=lambda: {s: [] for s in LeadStep})
    in_progress: dict[Protocol, dict[Stage, int]] = field(default_factory=dict)
    destroyed_first_meetings: list[tuple[int, int]] = field(default_factory=list)
    in_scope: set[int] = field(default_factory=set)
    referral_outcomes: dict[str, dict[ReferralOutcome, int]] = field(default_factory=dict)
    outcome_days: dict[str, list[float]] = field(default_factory=dict)


def _tally(conn: Connection, year: int, protocol: Protocol | None, day: date) -> _Tally:
    """One scan of the tombstone fields of ``cases``: under SQLCipher a full scan costs
    about what one aggregate query does, so one pass beats a query per figure.

    ``day`` is the reference day of "in progress": the cases open on that day, in the stage
    their per-transition dates put them in, so an earlier year reads as it was then.
    """
    start, end = f"{year:04d}-01-01", f"{year + 1:04d}-01-01"
    after = (day + timedelta(days=1)).isoformat()       # on or before ``day``: < after
    tally = _Tally()
    protocols = [protocol] if protocol is not None else list(Protocol)
    tally.in_progress = {p: {s: 0 for s in Stage} for p in protocols}
    rows = figure_rows.case_rows(conn, None if protocol is None else protocol.value)
    for (case_id, proto, state, received, party_type, decision, outcome, started, decided,
         triaged, first, closed) in rows:
        received = str(received)
        tally.in_scope.add(int(case_id))
        routed = outcome == "routed_elsewhere"
        if start <= received < end:
            months = tally.referrals.setdefault(party_type or "other", [0] * 12)
            months[int(received[5:7]) - 1] += 1
            # issue 24: the referral's triage outcome and the days to it
            kind = party_type or "other"
            moment = decided if decision == "declined" else triaged
            result = (ReferralOutcome.DECLINED if decision == "declined" and decided else
                      ReferralOutcome.ADVICE_ONLY if routed and triaged else
                      ReferralOutcome.TAKEN_ON if triaged else ReferralOutcome.PENDING)
            counts = tally.referral_outcomes.setdefault(
                kind, {o: 0 for o in ReferralOutcome})
            counts[result] += 1
            days = tally.outcome_days.setdefault(kind, [])
            if result is not ReferralOutcome.PENDING and moment is not None:
                days.append(_days(str(moment), received))
        if decided is not None and decision and start <= decided < end:
            tally.intake[IntakeOutcome.DECLINED if decision == "declined" else
                         IntakeOutcome.ROUTED_ELSEWHERE if routed else
                         IntakeOutcome.ACCEPTED] += 1
        for step, moment in ((LeadStep.INTAKE_DECISION, decided),
                             (LeadStep.FIRST_MEETING, first), (LeadStep.CLOSURE, closed)):
            if moment is not None and start <= moment < end:
                tally.lead[step].append(_days(moment, received))
        if state == "destroyed" and first is not None and start <= first < end:
            tally.destroyed_first_meetings.append((int(first[5:7]), int(case_id)))
        # Open on ``day``: referred by then and not yet ended (declined at intake, routed
        # elsewhere at triage, or closed) by then.
        ended = decided if decision == "declined" else triaged if routed else closed
        if received < after and (ended is None or ended >= after):
            stage = (Stage.IN_MEETINGS if first is not None and first < after else
                     Stage.SCHEDULED if triaged is not None and triaged < after else
                     Stage.TRIAGE if decided is not None and decided < after else
                     Stage.INTAKE if started is not None and started < after else
                     Stage.REFERRED)
            try:
                key = Protocol(proto)
            except ValueError:
                continue
            tally.in_progress.setdefault(key, {s: 0 for s in Stage})[stage] += 1
    return tally


def _year(year: int) -> tuple[str, str]:
    """The year as ``[start, end)`` in ISO text."""
    return f"{year:04d}-01-01", f"{year + 1:04d}-01-01"


def _actions(conn: Connection, year: int, protocol: Protocol | None,
             present: set[str]) -> ActionFigures:
    if "case_tombstones" not in present:
        return ActionFigures()
    return ActionFigures(*figure_rows.action_totals(
        conn, *_year(year), None if protocol is None else protocol.value))


def _overdue(conn: Connection, protocol: Protocol | None, day: date,
             present: set[str]) -> int:
    if not {"plans", "plan_actions"} <= present:
        return 0
    return figure_rows.overdue_actions(conn, day.isoformat(),
                                       protocol.value if protocol else None)


def _meetings(conn: Connection, year: int, protocol: Protocol | None, present: set[str],
              tally: _Tally) -> tuple[list[int], list[int], int, int]:
    """Meetings held per month and the distinct cases they discussed. Under one protocol a
    meeting counts when it discussed a case of that protocol."""
    meetings = [0] * 12
    discussed = [0] * 12
    if not {"meetings", "agenda_items"} <= present:
        return meetings, discussed, 0, 0
    month_of = figure_rows.finished_meeting_months(conn, *_year(year))
    pairs: set[tuple[int, int]] = set()
    counted: set[int] = set() if protocol is not None else set(month_of)
    for meeting_id, case_id in figure_rows.finished_meeting_cases(conn, *_year(year)):
        if case_id in tally.in_scope:
            pairs.add((month_of[meeting_id], case_id))
            counted.add(meeting_id)
    # A destroyed case's agenda items are gone: it counts in the month of its first meeting.
    pairs.update(tally.destroyed_first_meetings)
    for meeting_id in counted:
        meetings[month_of[meeting_id] - 1] += 1
    for month, _case in pairs:
        discussed[month - 1] += 1
    return meetings, discussed, sum(meetings), len({case for _m, case in pairs})


def compute_in(conn: Connection, year: int, protocol: Protocol | None = None,
               today: date | None = None) -> Figures:
    """The figures inside a caller's read connection (no permission check, no audit row)."""
    today = today or date.today()
    present = _tables(conn)
    reference = min(date(year, 12, 31), today)
    tally = _tally(conn, year, protocol, reference)
    meetings, discussed, held, cases_discussed = _meetings(conn, year, protocol, present,
                                                           tally)
    return Figures(
        year=year, protocol=protocol, reference_day=reference.isoformat(),
        referrals=tally.referrals, intake=tally.intake,
        lead_times={s: LeadTime.of(d) for s, d in tally.lead.items()},
        in_progress=tally.in_progress,
        actions=_actions(conn, year, protocol, present),
        overdue_open_actions=_overdue(conn, protocol, today, present),
        meetings_per_month=meetings, cases_discussed_per_month=discussed,
        meetings_held=held, cases_discussed=cases_discussed,
        referrals_total=sum(sum(v) for v in tally.referrals.values()),
        referral_outcomes=tally.referral_outcomes,
        outcome_lead={t: LeadTime.of(d) for t, d in tally.outcome_days.items()})


@entry_point
def compute(vault: OpenVault, year: int, protocol: Protocol | None = None,
            today: date | None = None) -> Figures:
    """The year's figures (all protocols, or one); ``VIEW_FIGURES``; audited."""
    target = f"{year}" + (f":{protocol.value}" if protocol else "")
    vault.require(Permission.VIEW_FIGURES, "figures", target)
    protocol = Protocol(protocol) if protocol is not None else None
    with vault.read() as conn:
        figures = compute_in(conn, int(year), protocol, today)
    vault.log_now("figures.view", "figures", target, detail={
        "year": int(year), "protocol": protocol.value if protocol else None})
    return figures


@entry_point
def figures_for_display(vault: OpenVault, year: int, protocol: Protocol | None = None,
                        today: date | None = None) -> list[Figure]:
    """The year's figures as shown (suppressed), in the dashboard's order."""
    return figure_list(compute(vault, year, protocol, today))


@entry_point
def available_years(vault: OpenVault, today: date | None = None) -> list[int]:
    """The years from the first referral to this year, newest first (``VIEW_FIGURES``)."""
    vault.require(Permission.VIEW_FIGURES, "figures", "-")
    this_year = (today or date.today()).year
    with vault.read() as conn:
        first = figure_rows.first_received(conn)
    start = int(first[:4]) if first else this_year
    return list(range(this_year, min(start, this_year) - 1, -1))


@entry_point
def export_annual_report(vault: OpenVault, year: int, out: Path, *,
                         protocol: Protocol | None = None, csv_dir: Path | None = None,
                         today: date | None = None) -> str:
    """Write the annual report PDF (and the CSV tables, one per table, into ``csv_dir``):
    the figures as :func:`figures_for_display` shows them (``VIEW_FIGURES``), audited as
    ``figures.annual_report`` with the file's SHA-256; returns that SHA-256."""
    from app.export import annual_report
    from app.services.handouts import house_name

    today = today or date.today()
    shown = figures_for_display(vault, year, protocol, today)
    with vault.read() as conn:
        house = house_name(conn)
    view = AnnualReportView(year=year, protocol=protocol, house=house, printed_on=today,
                            figures=tuple(shown))
    digest = annual_report.build_annual_report(view, Path(out))
    written = (annual_report.write_csv(view.figures, csv_dir, year, protocol)
               if csv_dir is not None else [])
    vault.log_now("figures.annual_report", "figures", str(year), detail={
        "protocol": protocol.value if protocol else None, "sha256": digest,
        "csv_files": len(written)})
    return digest
