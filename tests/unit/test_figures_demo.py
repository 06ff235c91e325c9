"""``casuskamer demo``'s activity: a few years of cases through every step (intake, triage,
meetings, plans, closures, destructions), the same for the same seed, added once, and
destroyed cases left as retention leaves them, so that the figures have something to show."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, text

from app.services import demo_activity, figures
from app.store.case_tables import case_search, cases, subjects
from app.vault.vault import OpenVault
from app.services import session

TODAY = date(2026, 11, 1)


def counts(vault: OpenVault) -> dict[str, int]:
    with vault.read() as conn:
        return {name: int(conn.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar() or 0)
                for name in ("cases", "subjects", "meetings", "agenda_items", "attendees",
                             "invitations", "plans", "plan_actions", "plan_versions",
                             "case_closures", "case_tombstones", "triage_queries",
                             "routing_decisions")}


def test_demo_activity_reaches_every_step(admin_vault: OpenVault) -> None:
    assert demo_activity.fill(admin_vault, cases=400, seed=7, today=TODAY) == 400
    made = counts(admin_vault)
    assert all(n > 0 for n in made.values()), made
    with admin_vault.read() as conn:
        states = dict(conn.execute(select(cases.c.state, func.count())
                                   .group_by(cases.c.state)).all())
        # Destroyed cases keep their tombstone fields and nothing personal.
        orphans = conn.execute(select(func.count()).select_from(subjects).join(
            cases, cases.c.id == subjects.c.case_id).where(cases.c.state == "destroyed")
        ).scalar()
        searchable = conn.execute(select(func.count()).select_from(case_search).join(
            cases, cases.c.id == case_search.c.case_id).where(cases.c.state == "destroyed")
        ).scalar()
        blank = conn.execute(select(func.count()).select_from(cases).where(
            cases.c.state == "destroyed", cases.c.reason.is_(None),
            cases.c.received.is_not(None))).scalar()
        held_in_future = conn.execute(text(
            "SELECT COUNT(*) FROM meetings WHERE state = 'finished' AND starts_at >= :d"),
            {"d": TODAY.isoformat()}).scalar()
        on_time = conn.execute(text(
            "SELECT COUNT(*) FROM case_tombstones WHERE actions_done_on_time > actions_done"
        )).scalar()
    assert {"triage", "scheduled", "in_progress", "closed", "declined", "routed_elsewhere",
            "destroyed"} <= set(states), states
    assert {"referred", "intake"} & set(states)          # the newest are still at the door
    assert orphans == 0 and searchable == 0 and blank == states["destroyed"]
    assert held_in_future == 0 and on_time == 0
    shown = figures.compute(admin_vault, 2025, today=TODAY)
    assert shown.referrals_total > 50 and shown.meetings_held > 0
    assert shown.actions.total > 0


def test_demo_activity_is_deterministic_and_added_once(admin_vault: OpenVault,
                                                      tmp_path: object) -> None:
    demo_activity.fill(admin_vault, cases=120, seed=11, today=TODAY)
    first = counts(admin_vault)
    with admin_vault.read() as conn:
        rows = conn.execute(text("SELECT number, state, received, intake_decided_at, "
                                 "first_meeting_at, closed_at FROM cases ORDER BY id")).all()
    assert demo_activity.fill(admin_vault, cases=120, seed=11, today=TODAY) == 0
    assert counts(admin_vault) == first
    from app.vault.keyslots import KdfParams
    from app.vault.vault import Vault

    other = Vault.create(tmp_path / "tweede", "beheerder", "nog een lange wachtzin",  # type: ignore[operator]
                         kdf=KdfParams())
    session.after_unlock(other, created=True)  # its seed data
    try:
        demo_activity.fill(other, cases=120, seed=11, today=TODAY)
        with other.read() as conn:
            again = conn.execute(text("SELECT number, state, received, intake_decided_at, "
                                      "first_meeting_at, closed_at FROM cases ORDER BY id")
                                 ).all()
    finally:
        other.lock(audit_it=False)
    assert again == rows
