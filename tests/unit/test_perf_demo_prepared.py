"""``casuskamer demo`` prepares each referral's rows in its second process and writes tuples
of stored values (issue 23, point 6). What it writes must not change: for a fixed seed and
day, every column of every table the demo fills holds what the generator wrote before the
change (digests taken from the demo at 10d2460 with ``written_everything`` below, in both
the one-process and the two-process path), the audit rows have the same shape, and
``verify`` finds the vault sound. The columns left out are the moment of the run
(``created_at``) and the random plan keys (16 hex digits, masked in the JSON snapshots)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from app.domain.cases import Subject, SubjectRole
from app.domain.intake import Referral
from app.domain.protocols import Protocol
from app.services import cases as case_store
from app.services import demo_activity, synthetic
from app.vault import maintenance
from app.vault.vault import OpenVault
from tests import pg_engine

TODAY = date(2026, 11, 1)

#: Every table the demo fills (the cases, their subjects, texts and items, the triage,
#: the meetings, plans, closures and tombstones).
TABLES = ("cases", "subjects", "case_search", "life_domain_problems", "criteria_answers",
          "information_items", "item_shared_with", "meetings", "attendees", "agenda_items",
          "invitations", "minutes_entries", "plans", "plan_goals", "plan_actions",
          "plan_versions", "case_closures", "case_tombstones", "triage_queries",
          "routing_decisions", "routing_invitees")
#: the moment of the run and the random plan keys
VOLATILE = {"created_at", "key", "goal_key", "plan_key"}
_KEY = re.compile(r"\b[0-9a-f]{16}\b")

#: 130 cases of seed 5 in chunks of 40, as the demo at 10d2460 wrote them (both paths).
BEFORE = {
    "cases": (130, "3fade68347941fef"), "subjects": (183, "b6b1c811f0ed0f8a"),
    "case_search": (72, "fb26419d83d81d8c"),
    "life_domain_problems": (123, "5bb034b53cae140b"),
    "criteria_answers": (268, "3f7e35872a86d455"),
    "information_items": (34, "f6cc75df1201ebf6"),
    "item_shared_with": (56, "8a6259f7f4a1b660"), "meetings": (180, "4a6efb503ca4b5b7"),
    "attendees": (855, "5b5a3378374d32b7"), "agenda_items": (130, "a7cf2a957a83c369"),
    "invitations": (454, "0b2d81d83ec6ba54"), "minutes_entries": (124, "f6f537c171696b34"),
    "plans": (48, "48d6f4aab4092b4c"), "plan_goals": (96, "dc897953fdc996ba"),
    "plan_actions": (199, "9fc63930ea6b11c7"), "plan_versions": (94, "2926524ea14850d5"),
    "case_closures": (40, "7eb0f61d0bc1a2d3"), "case_tombstones": (98, "9aaf4c80f743dc1d"),
    "triage_queries": (208, "a7fc80ad0c2488c8"),
    "routing_decisions": (55, "e772ca672513d774"),
    "routing_invitees": (172, "2dc786344059494f")}
#: the demo's audit rows, in order: action and the keys of their detail
BEFORE_AUDIT = [("case.bulk_create", ["count", "first", "last"]),
                ("demo.activity", ["cases", "chunk", "first", "last", "seed"])] * 4


def written_everything(conn: Any) -> tuple[dict[str, tuple[int, str]],
                                           list[tuple[str, list[str]]]]:
    """Per table its row count and a digest of every column (volatile ones masked), and the
    demo's audit rows (action, detail keys) in order."""
    found: dict[str, tuple[int, str]] = {}
    for table in TABLES:
        result = conn.execute(text(f"SELECT * FROM {table} ORDER BY rowid"))
        columns = list(result.keys())
        digest = hashlib.sha256()
        count = 0
        for row in result:
            digest.update(repr([
                "*" if column in VOLATILE else
                _KEY.sub("K", value) if isinstance(value, str) else value
                for column, value in zip(columns, row)]).encode())
            count += 1
        found[table] = (count, digest.hexdigest()[:16])
    audit = [(str(action), sorted(json.loads(detail or "{}")))
             for action, detail in conn.execute(text(
                 "SELECT action, detail FROM audit_log WHERE action IN "
                 "('demo.activity', 'case.bulk_create') ORDER BY id")).all()]
    return found, audit


@pytest.mark.parametrize("forked", [True, False], ids=["second-process", "one-process"])
def test_every_column_the_demo_writes_is_as_before(admin_vault: OpenVault,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   request: pytest.FixtureRequest,
                                                   forked: bool) -> None:
    if pg_engine.on_server(request.config):
        pytest.skip("the figures were taken on the vault file (the server stores text "
                    "of dates its own way)")
    from app.services import demo_producer

    monkeypatch.setattr(demo_producer, "AVAILABLE", forked)
    monkeypatch.setattr(demo_activity, "CHUNK", 40)
    assert demo_activity.fill(admin_vault, cases=130, seed=5, today=TODAY) == 130
    with admin_vault.read() as conn:
        tables, audit = written_everything(conn)
    assert tables == BEFORE
    assert audit == BEFORE_AUDIT
    report = maintenance.verify(admin_vault)
    assert report.sound, report.problems


def _referral(subjects: tuple[Subject, ...]) -> Referral:
    return Referral(protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=1,
                    received=date(2025, 3, 4), reason="Zorgen.", question="Een plan.",
                    subjects=subjects, external_ref="X-1")


AWKWARD = (
    # names with doubled and outer spaces, accents and a dotless i; the main subject not
    # first; one subject without a BSN, one without an address
    (Subject("  Kees ", "de  Vries", date(1980, 1, 2), SubjectRole.PARTNER, "123456782",
             "Hoefkade 1, 2511 AB Den Haag"),
     Subject("Şükrü", "Yılmaz", date(1975, 5, 6), SubjectRole.MAIN_SUBJECT, None,
             "Hoefkade 1, 2511 AB Den Haag"),
     Subject("Ayşe", "Yılmaz", date(2012, 7, 8), SubjectRole.CHILD, "111222333", None)),
    # no main subject at all: the first one names the case
    (Subject("Anna", "Jansen", date(1990, 1, 1), SubjectRole.PARENT, "123456782", None),),
    # the same name twice (a word of the search key once)
    (Subject("Jan", "Bakker", date(1960, 2, 2), SubjectRole.MAIN_SUBJECT, "123456782", None),
     Subject("Jan", "Bakker", date(1990, 3, 3), SubjectRole.CHILD, "111222333", None)),
)


@pytest.mark.parametrize("subjects", AWKWARD, ids=["mixed", "no-main", "same-name"])
def test_prepared_rows_are_what_the_program_writes(subjects: tuple[Subject, ...]) -> None:
    """The rows the second process prepares are the ones the program's own functions give
    (``subject_values``, ``search_values``), the case number added by the writer."""
    prepared = synthetic.prepare(_referral(subjects))
    stored = [tuple(str(v) if isinstance(v, date) else v
                    for v in case_store.subject_values(7, i, s).values())
              for i, s in enumerate(subjects)]
    assert [(7, *row) for row in prepared.subjects] == stored
    number = "2025-0042"
    program = case_store.search_values(7, number, subjects)
    assert prepared.main_subject == program["main_subject"]
    assert case_store.compact_search_key(
        f"{number.lower()} {prepared.search_key}") == program["search_key"]
    without = tuple(Subject(s.given_names, s.surname, s.birth_date, s.role, None, s.address)
                    for s in subjects)
    assert case_store.compact_search_key(
        f"{number.lower()} {prepared.search_key_closed}") == case_store.search_values(
        7, number, without)["search_key"]
