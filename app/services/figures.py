"""The figures for the Stuurgroep as a use case: one call computes a year's figures (for all
protocols or one) and audits that the figures were viewed.

:func:`compute` (``VIEW_FIGURES``; audited as ``figures.view`` with the year and protocol)
returns the raw :class:`app.domain.figures.Figures`; :func:`figures_for_display` returns the
suppressed :class:`app.domain.figures.Figure` list that the dashboard, the annual report and
the CSV export show. :func:`available_years` gives the years there is data for.

Every figure is computed from fields that carry no personal data, so that a destroyed case
still counts: the ``cases`` row (which doubles as the tombstone: number, protocol, the
referring party's type, the per-transition dates, the intake decision and the outcome), the
closure tombstones (``case_tombstones``: action counts), the meetings (dates and states) and
agenda items (case ids only). Nothing personal is read: no names, no texts, no BSNs.

"Cases discussed" counts the distinct cases on the agenda of the meetings held; the agenda
items of a destroyed case are gone, so a destroyed case counts in the month of its first
case meeting (from its tombstone date) and its follow-up discussions no longer do.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, text

from app.domain.figures import (
    ActionFigures,
    Figure,
    Figures,
    IntakeOutcome,
    LeadStep,
    LeadTime,
    Stage,
    figure_list,
)
from app.domain.protocols import Protocol
from app.domain.roles import Permission
from app.vault.vault import OpenVault

#: The end of a case (the start of its retention clock), from its tombstone fields: declined
#: at intake, routed elsewhere at triage, or closed.
_ENDED_AT = ("CASE WHEN intake_decision = 'declined' THEN intake_decided_at "
             "WHEN outcome = 'routed_elsewhere' THEN triage_done_at ELSE closed_at END")


def _tables(conn: Connection) -> set[str]:
    return {r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}


def _protocol_clause(protocol: Protocol | None, column: str = "protocol") -> str:
    return "" if protocol is None else f" AND {column} = :protocol"


def _params(year: int, protocol: Protocol | None, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"start": f"{year:04d}-01-01", "end": f"{year + 1:04d}-01-01"}
    if protocol is not None:
        params["protocol"] = protocol.value
    params.update(extra)
    return params


def _referrals(conn: Connection, year: int, protocol: Protocol | None) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for month, party_type, count in conn.execute(text(
            "SELECT CAST(substr(received, 6, 2) AS INTEGER), "
            "COALESCE(referring_party_type, 'other'), COUNT(*) FROM cases "
            "WHERE received >= :start AND received < :end" + _protocol_clause(protocol)
            + " GROUP BY 1, 2"), _params(year, protocol)):
        found.setdefault(str(party_type), [0] * 12)[int(month) - 1] += int(count)
    return found


def _intake(conn: Connection, year: int, protocol: Protocol | None
            ) -> dict[IntakeOutcome, int]:
    counts = {o: 0 for o in IntakeOutcome}
    for decision, routed, count in conn.execute(text(
            "SELECT intake_decision, COALESCE(outcome, '') = 'routed_elsewhere', COUNT(*) "
            "FROM cases WHERE intake_decided_at >= :start AND intake_decided_at < :end "
            "AND intake_decision IS NOT NULL" + _protocol_clause(protocol)
            + " GROUP BY 1, 2"), _params(year, protocol)):
        if decision == "declined":
            counts[IntakeOutcome.DECLINED] += int(count)
        elif routed:
            counts[IntakeOutcome.ROUTED_ELSEWHERE] += int(count)
        else:
            counts[IntakeOutcome.ACCEPTED] += int(count)
    return counts


_LEAD_COLUMNS = {LeadStep.INTAKE_DECISION: "intake_decided_at",
                 LeadStep.FIRST_MEETING: "first_meeting_at",
                 LeadStep.CLOSURE: "closed_at"}


def _lead_times(conn: Connection, year: int, protocol: Protocol | None
                ) -> dict[LeadStep, LeadTime]:
    found: dict[LeadStep, LeadTime] = {}
    for step, column in _LEAD_COLUMNS.items():
        days = [float(d) for d in conn.execute(text(
            f"SELECT CAST(julianday(substr({column}, 1, 10)) - julianday(received) "
            f"AS INTEGER) FROM cases WHERE {column} >= :start AND {column} < :end"
            + _protocol_clause(protocol)), _params(year, protocol)).scalars()]
        found[step] = LeadTime.of(days)
    return found


def _in_progress(conn: Connection, protocol: Protocol | None, day: date
                 ) -> dict[Protocol, dict[Stage, int]]:
    """Open cases on ``day`` per protocol and stage, from the per-transition dates (so the
    figure for an earlier year is what it was then, destroyed cases included)."""
    protocols = [protocol] if protocol is not None else list(Protocol)
    found: dict[Protocol, dict[Stage, int]] = {p: {s: 0 for s in Stage} for p in protocols}
    stage_sql = ("CASE WHEN first_meeting_at < :next THEN 'in_meetings' "
                 "WHEN triage_done_at < :next THEN 'scheduled' "
                 "WHEN intake_decided_at < :next THEN 'triage' "
                 "WHEN intake_started_at < :next THEN 'intake' ELSE 'referred' END")
    rows = conn.execute(text(
        f"SELECT protocol, {stage_sql}, COUNT(*) FROM cases WHERE received < :next "
        f"AND ({_ENDED_AT} IS NULL OR {_ENDED_AT} >= :next)"
        + _protocol_clause(protocol) + " GROUP BY 1, 2"),
        {"next": (day + timedelta(days=1)).isoformat(),
         **({"protocol": protocol.value} if protocol else {})})
    for proto, stage, count in rows:
        try:
            found.setdefault(Protocol(proto), {s: 0 for s in Stage})[Stage(stage)] += int(count)
        except ValueError:
            continue
    return found


def _actions(conn: Connection, year: int, protocol: Protocol | None,
             present: set[str]) -> ActionFigures:
    if "case_tombstones" not in present:
        return ActionFigures()
    row = conn.execute(text(
        "SELECT COUNT(*), COALESCE(SUM(actions_total), 0), COALESCE(SUM(actions_done), 0), "
        "COALESCE(SUM(actions_done_on_time), 0), COALESCE(SUM(actions_cancelled), 0) "
        "FROM case_tombstones WHERE closed_on >= :start AND closed_on < :end"
        + _protocol_clause(protocol)), _params(year, protocol)).one()
    return ActionFigures(*(int(v) for v in row))


def _overdue(conn: Connection, protocol: Protocol | None, day: date,
             present: set[str]) -> int:
    if not {"plans", "plan_actions"} <= present:
        return 0
    return int(conn.execute(text(
        "SELECT COUNT(*) FROM plan_actions a JOIN plans p ON p.id = a.plan_id "
        "JOIN cases c ON c.id = p.case_id WHERE a.status IN ('open', 'in_progress') "
        "AND a.due < :day AND c.state IN ('referred', 'intake', 'triage', 'scheduled', "
        "'in_progress')" + _protocol_clause(protocol, "c.protocol")),
        {"day": day.isoformat(), **({"protocol": protocol.value} if protocol else {})}
    ).scalar() or 0)


def _meetings(conn: Connection, year: int, protocol: Protocol | None, present: set[str]
              ) -> tuple[list[int], list[int], int, int]:
    meetings = [0] * 12
    discussed = [0] * 12
    if not {"meetings", "agenda_items"} <= present:
        return meetings, discussed, 0, 0
    params = _params(year, protocol)
    # A meeting counts for a protocol when it discussed a case of that protocol.
    proto_filter = ("" if protocol is None else
                    " AND EXISTS (SELECT 1 FROM agenda_items ai JOIN cases c ON c.id = "
                    "ai.case_id WHERE ai.meeting_id = m.id AND c.protocol = :protocol)")
    for month, count in conn.execute(text(
            "SELECT CAST(substr(m.starts_at, 6, 2) AS INTEGER), COUNT(*) FROM meetings m "
            "WHERE m.state = 'finished' AND m.starts_at >= :start AND m.starts_at < :end"
            + proto_filter + " GROUP BY 1"), params):
        meetings[int(month) - 1] = int(count)
    # Distinct cases per month: on the agenda of a held meeting, or (destroyed, their agenda
    # items gone) first discussed that month.
    union = (
        "SELECT CAST(substr(m.starts_at, 6, 2) AS INTEGER) AS month, ai.case_id AS case_id "
        "FROM agenda_items ai JOIN meetings m ON m.id = ai.meeting_id "
        "JOIN cases c ON c.id = ai.case_id WHERE m.state = 'finished' "
        "AND m.starts_at >= :start AND m.starts_at < :end" + _protocol_clause(
            protocol, "c.protocol")
        + " UNION SELECT CAST(substr(first_meeting_at, 6, 2) AS INTEGER), id FROM cases "
        "WHERE state = 'destroyed' AND first_meeting_at >= :start AND first_meeting_at < :end"
        + _protocol_clause(protocol))
    for month, count in conn.execute(text(
            f"SELECT month, COUNT(DISTINCT case_id) FROM ({union}) GROUP BY month"), params):
        discussed[int(month) - 1] = int(count)
    in_year = int(conn.execute(text(f"SELECT COUNT(DISTINCT case_id) FROM ({union})"),
                               params).scalar() or 0)
    return meetings, discussed, sum(meetings), in_year


def compute_in(conn: Connection, year: int, protocol: Protocol | None = None,
               today: date | None = None) -> Figures:
    """The figures inside a caller's read connection (no permission check, no audit row:
    for :func:`compute` and the benchmark's reference)."""
    today = today or date.today()
    present = _tables(conn)
    reference = min(date(year, 12, 31), today)
    referrals = _referrals(conn, year, protocol)
    meetings, discussed, held, cases_discussed = _meetings(conn, year, protocol, present)
    return Figures(
        year=year, protocol=protocol, reference_day=reference.isoformat(),
        referrals=referrals, intake=_intake(conn, year, protocol),
        lead_times=_lead_times(conn, year, protocol),
        in_progress=_in_progress(conn, protocol, reference),
        actions=_actions(conn, year, protocol, present),
        overdue_open_actions=_overdue(conn, protocol, today, present),
        meetings_per_month=meetings, cases_discussed_per_month=discussed,
        meetings_held=held, cases_discussed=cases_discussed,
        referrals_total=sum(sum(v) for v in referrals.values()))


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


def figures_for_display(vault: OpenVault, year: int, protocol: Protocol | None = None,
                        today: date | None = None) -> list[Figure]:
    """The year's figures as shown (suppressed), in the dashboard's order."""
    return figure_list(compute(vault, year, protocol, today))


def available_years(vault: OpenVault, today: date | None = None) -> list[int]:
    """The years from the first referral to this year, newest first (``VIEW_FIGURES``)."""
    vault.require(Permission.VIEW_FIGURES, "figures", "-")
    this_year = (today or date.today()).year
    with vault.read() as conn:
        first = conn.execute(text("SELECT MIN(received) FROM cases")).scalar()
    start = int(str(first)[:4]) if first else this_year
    return list(range(this_year, min(start, this_year) - 1, -1))

