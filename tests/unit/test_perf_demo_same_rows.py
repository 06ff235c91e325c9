"""``casuskamer demo`` makes and checks the next chunk of referrals in a second process while
the first one writes (issue 23, point 6). What it writes must not change: for a fixed seed
and day, the same rows in every table, the same cases, meetings, subjects and tombstones and
the same audit rows as the generator wrote before the change (figures taken from the demo
at 70d2d44, one process, with the same chunk size)."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import text

from app.services import demo_activity
from app.vault.vault import OpenVault
from tests import pg_engine

TODAY = date(2026, 11, 1)

TABLES = ("cases", "subjects", "case_search", "life_domain_problems", "criteria_answers",
          "information_items", "item_shared_with", "meetings", "attendees", "agenda_items",
          "invitations", "minutes_entries", "plans", "plan_goals", "plan_actions",
          "plan_versions", "case_closures", "case_tombstones", "triage_queries",
          "routing_decisions", "routing_invitees")

# Columns the generator decides (not the moment of the run, nor the random plan keys).
DIGESTS = {
    "cases": "SELECT number, state, protocol, referring_party_id, received, "
             "intake_started_at, intake_decided_at, triage_done_at, first_meeting_at, "
             "closed_at, destroyed_at, outcome FROM cases ORDER BY id",
    "meetings": "SELECT id, starts_at, place, state FROM meetings ORDER BY id",
    "tombstones": "SELECT case_id, number, final_state, referred_on, ended_on, "
                  "destroyed_on, outcome, subjects, information_items, meetings, "
                  "actions_total, actions_done FROM case_tombstones ORDER BY case_id",
    "agenda": "SELECT meeting_id, case_id, position, kind FROM agenda_items ORDER BY id",
    "subjects": "SELECT case_id, position, bsn, birth_date FROM subjects "
                "ORDER BY case_id, position",
}

#: 130 cases of seed 5 in chunks of 40 (four chunks: the second process makes three of them
#: while the first writes), as the one-process generator wrote them.
BEFORE_COUNTS = {
    "agenda_items": 130, "attendees": 855, "case_closures": 40, "case_search": 72,
    "case_tombstones": 98, "cases": 130, "criteria_answers": 268, "information_items": 34,
    "invitations": 454, "item_shared_with": 56, "life_domain_problems": 123,
    "meetings": 180, "minutes_entries": 124, "plan_actions": 199, "plan_goals": 96,
    "plan_versions": 94, "plans": 48, "routing_decisions": 55, "routing_invitees": 172,
    "subjects": 183, "triage_queries": 208}
BEFORE_DIGESTS = {"agenda": "bdd0a18231bace05", "cases": "f508436ef90d86f9",
                  "meetings": "f682e651484b175e", "subjects": "ee2f57f547538cd6",
                  "tombstones": "056a7ab4af64f950"}
BEFORE_AUDIT = {"case.bulk_create": 4, "demo.activity": 4}


def written(vault: OpenVault) -> tuple[dict[str, int], dict[str, str], dict[str, int]]:
    with vault.read() as conn:
        counts = {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() or 0)
                  for t in TABLES}
        digests = {}
        for name, query in DIGESTS.items():
            rows = [tuple(str(x) for x in r) for r in conn.execute(text(query)).all()]
            digests[name] = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
        audit = {str(a): int(n) for a, n in conn.execute(text(
            "SELECT action, COUNT(*) FROM audit_log WHERE action IN "
            "('demo.activity', 'case.bulk_create') GROUP BY action")).all()}
    return counts, digests, audit


@pytest.mark.parametrize("forked", [True, False], ids=["second-process", "one-process"])
def test_second_process_writes_what_one_process_wrote(admin_vault: OpenVault,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      request: pytest.FixtureRequest,
                                                      forked: bool) -> None:
    """With the second process (Linux), and without it (Windows and macOS have no safe
    fork: app.services.demo_producer.AVAILABLE), the same rows."""
    if pg_engine.on_server(request.config):
        pytest.skip("the figures were taken on the vault file (the server stores text "
                    "of dates its own way)")
    from app.services import demo_producer

    monkeypatch.setattr(demo_producer, "AVAILABLE", forked)
    monkeypatch.setattr(demo_activity, "CHUNK", 40)
    assert demo_activity.fill(admin_vault, cases=130, seed=5, today=TODAY) == 130
    counts, digests, audit = written(admin_vault)
    assert counts == BEFORE_COUNTS
    assert digests == BEFORE_DIGESTS
    assert audit == BEFORE_AUDIT
    # and run again with the same seed, nothing is added (each chunk is recognised)
    assert demo_activity.fill(admin_vault, cases=130, seed=5, today=TODAY) == 0
    assert written(admin_vault)[0] == BEFORE_COUNTS
