"""Issue 24, point 4: the figures count referrals by the referring party's type and their
triage outcome, with the days from referral to the outcome, under the same small-number
suppression as every figure (counts below 5 as "< 5", a total that would give a small
cell away as "x", a median over fewer than five cases as "< 5"). Fails on HEAD 303c06b
(no such figure)."""

from __future__ import annotations

from app.domain.figures import (
    ActionFigures,
    Figures,
    IntakeOutcome,
    LeadStep,
    LeadTime,
    ReferralOutcome,
    Stage,
    figure_list,
)
from app.domain.protocols import Protocol
from app.i18n import set_language


def figures(outcomes: dict[str, dict[ReferralOutcome, int]],
            days: dict[str, list[float]]) -> Figures:
    return Figures(
        year=2026, protocol=None, reference_day="2026-12-31", referrals={},
        intake={o: 0 for o in IntakeOutcome}, lead_times={s: LeadTime.of([]) for s in LeadStep},
        in_progress={p: {s: 0 for s in Stage} for p in Protocol},
        actions=ActionFigures(), overdue_open_actions=0, meetings_per_month=[0] * 12,
        cases_discussed_per_month=[0] * 12, meetings_held=0, cases_discussed=0,
        referral_outcomes=outcomes,
        outcome_lead={t: LeadTime.of(d) for t, d in days.items()})


def the_table(f: Figures) -> tuple[list[str], list[list[str]]]:
    set_language("en")
    [figure] = [x for x in figure_list(f) if x.key == "referral_outcomes"]
    return figure.table()


def test_outcomes_by_party_type_with_suppression_and_median_days() -> None:
    police = {ReferralOutcome.TAKEN_ON: 7, ReferralOutcome.ADVICE_ONLY: 5,
              ReferralOutcome.DECLINED: 6, ReferralOutcome.PENDING: 0}
    f = figures({"police": police}, {"police": [float(d) for d in range(1, 19)]})
    header, [row] = the_table(f)
    assert header == ["", "Taken on", "Advice only", "Declined", "No outcome yet",
                      "Median days to the outcome", "Total"]
    # 0 is below five too: shown "< 5"; then one small cell beside the total: total hidden
    assert row[1:] == ["7", "5", "6", "< 5", "9 d", "x"]


def test_a_small_count_and_a_median_over_few_cases_are_suppressed() -> None:
    care = {ReferralOutcome.TAKEN_ON: 2, ReferralOutcome.ADVICE_ONLY: 0,
            ReferralOutcome.DECLINED: 1, ReferralOutcome.PENDING: 9}
    f = figures({"care": care}, {"care": [3.0, 10.0, 40.0]})
    _header, [row] = the_table(f)
    assert row[1:5] == ["< 5", "< 5", "< 5", "9"]
    assert row[5] == "< 5"          # median over three cases
    assert row[6] == "12"           # three small cells: the total gives none of them away


def test_the_service_counts_outcomes_from_the_case_rows(admin_vault) -> None:  # type: ignore[no-untyped-def]
    """Raw figures from the ``cases`` rows: a referral declined at intake, one routed
    elsewhere, one taken on and one still waiting, by the referring party's type."""
    from datetime import datetime

    from sqlalchemy import insert

    from app.domain.roles import Role
    from app.services.figures import compute_in
    from app.store.case_tables import cases
    from tests.conftest import unlock_as

    at = datetime(2026, 3, 1, 9)
    rows = [
        # (seq, type, decision, decided, triaged, outcome)
        (1, "police", "declined", "2026-03-05 10:00:00", None, None),
        (2, "police", "accepted", "2026-03-03 10:00:00", "2026-03-11 10:00:00",
         "routed_elsewhere"),
        (3, "police", "accepted", "2026-03-02 10:00:00", "2026-03-08 10:00:00", None),
        (4, "care", None, None, None, None),
    ]
    # written by a process director (on the house server the administrator's role writes
    # no case), read in the administrator's session (through the figures' views there)
    with unlock_as(admin_vault, Role.PROCESS_DIRECTOR).begin() as conn:
        for seq, kind, decision, decided, triaged, outcome in rows:
            conn.execute(insert(cases).values(
                number=f"ZVH-2026-{seq:04d}", number_year=2026, number_seq=seq,
                protocol="integrale_veiligheid", state="referred",
                referring_party_type=kind, received=datetime(2026, 3, 1).date(),
                intake_decision=decision,
                intake_decided_at=datetime.fromisoformat(decided) if decided else None,
                triage_done_at=datetime.fromisoformat(triaged) if triaged else None,
                outcome=outcome, created_at=at, created_by="x", updated_at=at))
    with admin_vault.read() as conn:
        found = compute_in(conn, 2026)
    assert found.referral_outcomes["police"] == {
        ReferralOutcome.TAKEN_ON: 1, ReferralOutcome.ADVICE_ONLY: 1,
        ReferralOutcome.DECLINED: 1, ReferralOutcome.PENDING: 0}
    assert found.referral_outcomes["care"][ReferralOutcome.PENDING] == 1
    # days from the referral (1 March) to the outcome: 4 (declined), 10 (elsewhere), 7
    assert found.outcome_lead["police"].median == 7.0
    assert found.outcome_lead["police"].cases == 3
