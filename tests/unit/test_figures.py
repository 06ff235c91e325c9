"""The figures for the Stuurgroep on a small hand-made set, compared with numbers worked out
by hand (see the comments at each case), including small-number suppression, a destroyed
case that still counts, the protocol filter, the audit row and the refusal of roles
without ``VIEW_FIGURES``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from app.domain.figures import (
    THRESHOLD,
    ActionFigures,
    IntakeOutcome,
    LeadStep,
    LeadTime,
    Stage,
    Value,
    figure_list,
    percentile,
    protect_total,
    suppress,
)
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.errors import PermissionDenied
from app.services import accounts
from app.services import figures as service
from app.store.case_tables import cases
from app.store.meeting_tables import agenda_items, meetings
from app.store.plan_tables import plan_actions, plans
from app.store.retention_tables import case_tombstones
from app.store.tables import audit_log
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.conftest import unlock_as

TODAY = date(2026, 3, 1)
IV = Protocol.INTEGRALE_VEILIGHEID
JG = Protocol.JEUGDGROEPEN


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour)


def _case(conn: Any, n: int, received: date, party_type: str, *, protocol: Protocol = IV,
          state: str, decision: str | None = None, decided: int | None = None,
          triage: int | None = None, first: int | None = None, closed: int | None = None,
          outcome: str | None = None) -> None:
    """One case row; the step dates are given in days after ``received``."""
    def after(days: int | None) -> datetime | None:
        return None if days is None else at(received + timedelta(days=days))

    destroyed = state == "destroyed"
    conn.execute(insert(cases).values(
        id=n, number=f"ZVH-{received.year}-{n:04d}", number_year=received.year,
        number_seq=n, protocol=protocol.value, state=state, referring_party_id=None,
        referring_party_type=party_type, received=received,
        reason=None if destroyed else "Zorgen", question=None if destroyed else "Vraag",
        intake_decision=decision, created_at=at(received), created_by="t",
        updated_at=at(received), intake_started_at=after(0 if decided is not None else None),
        intake_decided_at=after(decided), triage_done_at=after(triage),
        first_meeting_at=after(first), closed_at=after(closed),
        destroyed_at=at(TODAY) if destroyed else None, outcome=outcome))


def _tombstone(conn: Any, n: int, received: date, closed: int,
               actions: tuple[int, int, int, int]) -> None:
    total, done, on_time, cancelled = actions
    closed_on = received + timedelta(days=closed)
    conn.execute(insert(case_tombstones).values(
        case_id=n, number=f"ZVH-{received.year}-{n:04d}", protocol=IV.value,
        referring_party_type="police", final_state="closed", referred_on=received,
        closed_on=closed_on, ended_on=closed_on, subjects=1, information_items=0,
        meetings=2, actions_total=total, actions_done=done, actions_done_on_time=on_time,
        actions_cancelled=cancelled, criteria_total=1, criteria_met=1))


def _meeting(conn: Any, meeting_id: int, day: date, state: str,
             case_ids: list[int]) -> None:
    conn.execute(insert(meetings).values(
        id=meeting_id, starts_at=at(day), place=f"Zaal {meeting_id}",
        place_key=f"zaal {meeting_id}", chair="Voorzitter", state=state,
        created_at=at(day), created_by="t"))
    for position, case_id in enumerate(case_ids):
        conn.execute(insert(agenda_items).values(
            meeting_id=meeting_id, case_id=case_id, position=position, kind="first",
            duration_minutes=20, goal="Doel", themes="[]", decision_types="[]"))


def _writer(vault: OpenVault) -> OpenVault:
    """A process director's session beside ``vault``: who writes the set's case rows."""
    return unlock_as(vault, Role.PROCESS_DIRECTOR)


@pytest.fixture
def hand_made(admin_vault: OpenVault) -> OpenVault:
    """The hand-made set (year 2025, "today" 1 March 2026)."""
    return build_hand_made(admin_vault)


def build_hand_made(admin_vault: OpenVault) -> OpenVault:
    """Write the hand-made set into a fresh vault (also used by the UI test); returns
    ``admin_vault``. The rows are written by a process director, the role that writes cases,
    meetings and plans (on the house server the administrator's role has no case tables)."""
    march = [date(2025, 3, d) for d in range(1, 7)]
    with _writer(admin_vault).begin() as conn:
        # Six police referrals in March 2025. Intake decided after 2, 4, 6, 8, 10 days
        # (accepted) and 12 days (accepted, routed elsewhere at triage).
        # First meetings after 20, 25, 30, 35, 40 days. Case 1 closed after 100 days and
        # destroyed since; case 2 closed after 200 days.
        _case(conn, 1, march[0], "police", state="destroyed", decision="accepted",
              decided=2, triage=10, first=20, closed=100, outcome="goals_reached")
        _case(conn, 2, march[1], "police", state="closed", decision="accepted", decided=4,
              triage=12, first=25, closed=200, outcome="partly_reached")
        for n, decided, first in ((3, 6, 30), (4, 8, 35), (5, 10, 40)):
            _case(conn, n, march[n - 1], "police", state="in_progress", decision="accepted",
                  decided=decided, triage=decided + 8, first=first)
        _case(conn, 6, march[5], "police", state="routed_elsewhere", decision="accepted",
              decided=12, triage=17, outcome="routed_elsewhere")
        # Two municipality referrals in March, declined after 14 and 20 days; case 8 has
        # been destroyed (its personal fields are empty) and still counts.
        _case(conn, 7, date(2025, 3, 10), "municipality", state="declined",
              decision="declined", decided=14)
        _case(conn, 8, date(2025, 3, 11), "municipality", state="destroyed",
              decision="declined", decided=20)
        # One referral in December under the youth-groups protocol, not yet taken up.
        _case(conn, 9, date(2025, 12, 20), "municipality", protocol=JG, state="referred")
        # Three cases from 2024, closed in 2025 after 245, 273 and 304 days.
        for n, closed in ((10, 245), (11, 273), (12, 304)):
            _case(conn, n, date(2024, 6, 1), "mental_health", state="closed",
                  decision="accepted", decided=5, triage=12, first=30, closed=closed,
                  outcome="goals_reached")
        # A case from 2023: outside the year everywhere.
        _case(conn, 13, date(2023, 5, 1), "police", state="referred")
        # The action counts kept at closure: (total, done, on time, cancelled).
        _tombstone(conn, 1, march[0], 100, (4, 3, 2, 1))
        _tombstone(conn, 2, march[1], 200, (4, 3, 2, 0))
        _tombstone(conn, 10, date(2024, 6, 1), 245, (4, 3, 2, 1))
        _tombstone(conn, 11, date(2024, 6, 1), 273, (4, 3, 2, 0))
        _tombstone(conn, 12, date(2024, 6, 1), 304, (4, 2, 1, 0))
        # Meetings held: March 21 (case 1, whose agenda item went with its destruction),
        # March 27 (case 2), April 4, 9 and 14 (cases 3, 4, 5), May 6 (follow-ups of 2-5
        # and of case 10). A planned meeting in June that was never held does not count,
        # nor one in 2026.
        _meeting(conn, 1, date(2025, 3, 21), "finished", [])
        _meeting(conn, 2, date(2025, 3, 27), "finished", [2])
        _meeting(conn, 3, date(2025, 4, 4), "finished", [3])
        _meeting(conn, 4, date(2025, 4, 9), "finished", [4])
        _meeting(conn, 5, date(2025, 4, 14), "finished", [5])
        _meeting(conn, 6, date(2025, 5, 6), "finished", [2, 3, 4, 5, 10])
        _meeting(conn, 7, date(2025, 6, 3), "planned", [3])
        _meeting(conn, 8, date(2026, 1, 13), "finished", [4])
        # Case 3's plan: two open actions past their due date, one done, one not yet due.
        conn.execute(insert(plans).values(id=1, case_id=3, version=1, updated_at=at(TODAY),
                                          updated_by="t"))
        for key, due, status in (("a", date(2025, 6, 1), "open"),
                                 ("b", date(2025, 7, 1), "in_progress"),
                                 ("c", date(2025, 6, 1), "done"),
                                 ("d", date(2026, 5, 1), "open")):
            conn.execute(insert(plan_actions).values(
                plan_id=1, key=key, position=0, party_id=1, description="Actie",
                due=due, status=status))
    return admin_vault


def test_referrals_per_month_by_party_type(hand_made: OpenVault) -> None:
    figures = service.compute(hand_made, 2025, today=TODAY)
    march, december = 2, 11
    assert figures.referrals["police"][march] == 6
    assert figures.referrals["municipality"][march] == 2      # one of them destroyed
    assert figures.referrals["municipality"][december] == 1
    assert sum(figures.referrals["police"]) == 6               # 2023 is not in 2025
    assert figures.referrals_total == 9


def test_intake_outcomes(hand_made: OpenVault) -> None:
    figures = service.compute(hand_made, 2025, today=TODAY)
    assert figures.intake == {IntakeOutcome.ACCEPTED: 5, IntakeOutcome.ROUTED_ELSEWHERE: 1,
                              IntakeOutcome.DECLINED: 2}


def test_lead_times_median_and_90th_percentile(hand_made: OpenVault) -> None:
    lead = service.compute(hand_made, 2025, today=TODAY).lead_times
    # Decisions after 2, 4, 6, 8, 10, 12, 14, 20 days: the 4th of 8 and the 8th of 8.
    assert lead[LeadStep.INTAKE_DECISION] == LeadTime(8, 8.0, 20.0)
    # First meetings after 20, 25, 30, 35, 40 days (cases 10-12 met in 2024).
    assert lead[LeadStep.FIRST_MEETING] == LeadTime(5, 30.0, 40.0)
    # Closed after 100, 200, 245, 273, 304 days: the 3rd and the 5th of 5.
    assert lead[LeadStep.CLOSURE] == LeadTime(5, 245.0, 304.0)


def test_cases_in_progress_on_the_last_day_of_the_year(hand_made: OpenVault) -> None:
    in_progress = service.compute(hand_made, 2025, today=TODAY).in_progress
    # Cases 3-5 are in case meetings; 6, 7 and 8 ended; 1, 2 and 10-12 were closed in 2025.
    # Case 13 (2023) was never taken up and is still open.
    assert in_progress[IV] == {Stage.REFERRED: 1, Stage.INTAKE: 0, Stage.TRIAGE: 0,
                               Stage.SCHEDULED: 0, Stage.IN_MEETINGS: 3}
    assert in_progress[JG][Stage.REFERRED] == 1


def test_in_progress_reads_the_dates_of_an_earlier_day(hand_made: OpenVault) -> None:
    with hand_made.read() as conn:
        figures = service.compute_in(conn, 2025, today=date(2025, 3, 31))
    # On 31 March 2025: cases 1 and 2 had had their first meeting (21 and 27 March);
    # 3, 4 and 5 were on the agenda (triage done, first meeting in April); 6 had been
    # routed elsewhere (23 March) and 7 and 8 declined (24 and 31 March): ended; of 10-12,
    # only 12 was not yet closed (1 April); 13 was referred; 9 did not exist yet.
    assert figures.reference_day == "2025-03-31"
    assert figures.in_progress[IV] == {Stage.REFERRED: 1, Stage.INTAKE: 0, Stage.TRIAGE: 0,
                                       Stage.SCHEDULED: 3, Stage.IN_MEETINGS: 3}


def test_actions_done_by_their_due_date(hand_made: OpenVault) -> None:
    figures = service.compute(hand_made, 2025, today=TODAY)
    assert figures.actions == ActionFigures(cases=5, total=20, done=14, done_on_time=9,
                                            cancelled=2)
    # 9 on time of the 18 that were not cancelled.
    assert figures.actions.share_on_time() == Value(50.0, unit="%")
    assert figures.overdue_open_actions == 2


def test_meetings_held_and_cases_discussed(hand_made: OpenVault) -> None:
    figures = service.compute(hand_made, 2025, today=TODAY)
    assert figures.meetings_per_month[2:5] == [2, 3, 1]
    assert sum(figures.meetings_per_month) == figures.meetings_held == 6
    # March: case 1 (destroyed, by its first-meeting date) and case 2; April: 3, 4, 5;
    # May: 2, 3, 4, 5 and 10.
    assert figures.cases_discussed_per_month[2:5] == [2, 3, 5]
    assert figures.cases_discussed == 6


def test_suppression_of_small_numbers() -> None:
    assert [suppress(n).text for n in (0, 1, 4, 5, 17)] == ["< 5", "< 5", "< 5", "5", "17"]
    assert suppress(3).plot == 0.0 and suppress(5).plot == 5.0
    assert THRESHOLD == 5
    assert LeadTime.of([3.0, 9.0]).median_value().text == "< 5"
    assert LeadTime.of([]).median_value().text == "\u2013"
    assert ActionFigures(cases=4, total=40, done=30, done_on_time=20).share_on_time().text \
        == "< 5"


def test_secondary_suppression_keeps_a_small_count_from_being_worked_out() -> None:
    def shown(cells: list[int], total: int) -> str:
        return protect_total([suppress(n) for n in cells], suppress(total)).text

    # one small count beside a shown total: it would be the total minus the rest
    assert shown([9, 2, 6], 17) == "x"
    hidden = protect_total([suppress(9), suppress(2)], suppress(11))
    assert hidden.plot == 0.0 and hidden.secondary and hidden.number == 11
    # the rule does not look at values: a lone hidden zero hides the total as well, so
    # whether a total is shown says nothing about what "< 5" stands for
    assert shown([9, 0], 9) == "x"
    # two small counts: only their sum could be worked out, not either of them
    assert shown([6, 1, 1], 8) == "8"
    assert shown([9, 6], 15) == "15"
    # a total that is small itself is "< 5" already
    assert shown([3, 0], 3) == "< 5"


def test_the_figures_as_shown_are_suppressed(hand_made: OpenVault) -> None:
    shown = {f.key: f for f in service.figures_for_display(hand_made, 2025, today=TODAY)}
    header, rows = shown["referrals"].table()
    assert header[3] == "mrt"
    by_type = {row[0]: row for row in rows}
    # March: police 6, municipality 2. A total of 8 would give the 2 away: it is hidden.
    assert by_type["Politie"][3] == "6"
    assert by_type["Gemeente"][3] == "< 5"       # 2 in March
    assert by_type["Gemeente"][12] == "< 5"      # 1 in December
    assert by_type["Totaal"][3] == "x"
    _header, rows = shown["intake"].table()
    assert [r[1] for r in rows] == ["5", "< 5", "< 5"]
    _header, rows = shown["lead_times"].table()
    assert rows[0][1:] == ["8 d", "20 d", "8"]
    assert rows[2][1:] == ["245 d", "304 d", "5"]
    _header, rows = shown["in_progress"].table()
    assert rows[0][-1] == "< 5"                   # 4 open cases under Integrale Veiligheid
    _header, rows = shown["actions"].table()
    assert [r[1] for r in rows] == ["9", "5", "4", "50%"]
    _header, rows = shown["meetings"].table()
    assert rows[0][3:6] == ["2", "3", "1"]        # meetings are not about people
    assert rows[1][3:6] == ["< 5", "< 5", "5"]
    # A suppressed bar is drawn with no height.
    intake = shown["intake"]
    assert [v.plot for v in intake.series[0].values] == [5.0, 0.0, 0.0]


def test_protocol_filter(hand_made: OpenVault) -> None:
    figures = service.compute(hand_made, 2025, JG, today=TODAY)
    assert figures.referrals == {"municipality": [0] * 11 + [1]}
    assert list(figures.in_progress) == [JG]
    assert figures.meetings_held == 0 and figures.actions.total == 0
    iv = service.compute(hand_made, 2025, IV, today=TODAY)
    # The meeting of 21 March discussed only case 1, whose agenda item went with its
    # destruction: it no longer shows under a protocol (it does under all protocols).
    assert iv.meetings_held == 5 and iv.referrals_total == 8


def test_viewing_the_figures_is_audited(hand_made: OpenVault) -> None:
    service.compute(hand_made, 2025, JG, today=TODAY)
    with hand_made.read() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.action == "figures.view")
                           ).mappings().one()
    assert row["object_id"] == "2025:jeugdgroepen" and row["result"] == "ok"


def test_figures_read_no_personal_field(hand_made: OpenVault) -> None:
    """The figures stay the same when every personal field and table is emptied."""
    before = service.compute(hand_made, 2025, today=TODAY)
    with _writer(hand_made).begin() as conn:
        conn.execute(cases.update().values(reason=None, question=None, external_ref=None,
                                           referring_contact=None))
    assert service.compute(hand_made, 2025, today=TODAY) == before


def test_available_years(hand_made: OpenVault) -> None:
    assert service.available_years(hand_made, today=TODAY) == [2026, 2025, 2024, 2023]


@pytest.mark.parametrize("role", [Role.INFORMATION_CENTRE])
def test_roles_without_view_figures_are_refused(admin_vault: OpenVault, role: Role) -> None:
    with pytest.raises(PermissionDenied):
        service.compute(unlock_as(admin_vault, role), 2025)
    with admin_vault.read() as conn:
        assert conn.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.result == "denied")).scalar() == 1


def test_manager_sees_the_figures(admin_vault: OpenVault, vault_dir: Any) -> None:
    accounts.add_account(admin_vault, "manager", Role.MANAGER, "cijfers zonder namen graag",
                         kdf=KdfParams())
    admin_vault.lock()
    manager = Vault(vault_dir).unlock("manager", "cijfers zonder namen graag")
    try:
        assert service.compute(manager, 2025, today=TODAY).referrals_total == 0
    finally:
        manager.lock(audit_it=False)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([5, 1, 3], 50) == 3.0
    assert percentile(list(range(1, 11)), 90) == 9.0
    assert percentile([7], 90) == 7.0
    assert percentile([], 50) is None


def test_figure_list_on_empty_figures() -> None:
    empty = service.Figures(
        year=2025, protocol=None, reference_day="2025-12-31", referrals={},
        intake={o: 0 for o in IntakeOutcome},
        lead_times={s: LeadTime.of([]) for s in LeadStep},
        in_progress={p: {s: 0 for s in Stage} for p in Protocol}, actions=ActionFigures(),
        overdue_open_actions=0, meetings_per_month=[0] * 12,
        cases_discussed_per_month=[0] * 12, meetings_held=0, cases_discussed=0)
    shown = figure_list(empty)
    assert [f.key for f in shown] == ["referrals", "intake", "lead_times", "in_progress",
                                      "actions", "meetings", "referral_outcomes"]
    assert shown[0].table()[1] == [["Totaal"] + ["< 5"] * 12]
