"""Cases: the Cases table query, search keys, opening a case, numbering, the schema of
migration 0003 against the Core tables, the tombstone, and the synthetic referrals with the
bulk path."""

from __future__ import annotations

import json
import secrets
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, func, inspect, select

from app.domain.bsn import passes_eleven_test
from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.errors import NotFound, PermissionDenied
from app.services import accounts, cases, synthetic
from app.services import parties as party_service
from app.services.referral_import import import_referrals
from app.store import case_tables, migrate
from app.store.db import connect_raw, make_engine
from app.store.tables import audit_log
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.pg_engine import audit_reader
from tests.conftest import ADMIN_PASSPHRASE

TODAY = date(2026, 11, 29)


@pytest.fixture
def director(admin_vault: OpenVault, vault_dir: Path) -> Iterator[OpenVault]:
    accounts.add_account(admin_vault, "regisseur", Role.PROCESS_DIRECTOR, ADMIN_PASSPHRASE,
                         kdf=KdfParams())
    admin_vault.lock()
    opened = Vault(vault_dir).unlock("regisseur", ADMIN_PASSPHRASE)
    yield opened
    opened.lock()


def seed(vault: OpenVault, n: int = 30, seed: int = 7) -> list[str]:
    referrals = synthetic.generate_referrals(n, seed, today=TODAY)
    return import_referrals(vault, synthetic.referral_file(referrals), today=TODAY)


# -- the Cases table ------------------------------------------------------------------------

def test_list_cases_gives_one_row_per_case_newest_first(director: OpenVault) -> None:
    numbers = seed(director)
    rows = cases.list_cases(director, today=TODAY)
    assert len(rows) == 30 and {r.number for r in rows} == set(numbers)
    # newest number first: by the year of the number, then its sequence
    keys = [(int(r.number[4:8]), int(r.number[9:])) for r in rows]
    assert keys == sorted(keys, reverse=True)
    row = rows[0]
    case = cases.get_case(director, row.number)
    main = case.main_subject
    assert main is not None and row.main_subject == f"{main.surname}, {main.given_names}"
    assert row.referring_party == case.referring_party_name
    assert (row.protocol, row.state, row.received) == (case.protocol, case.state,
                                                       case.received)
    assert row.next_meeting is None and row.open_actions == row.overdue_actions == 0
    assert isinstance(row, tuple)


def test_filters_by_state_protocol_and_party(director: OpenVault) -> None:
    seed(director)
    rows = cases.list_cases(director)
    party_name = rows[0].referring_party
    party = party_service.find_party_by_name(director, party_name)
    assert party is not None
    by_party = cases.list_cases(director, party_id=party.id)
    assert by_party and {r.referring_party for r in by_party} == {party_name}
    assert len(cases.list_cases(director, states=[CaseState.REFERRED])) == 30
    assert cases.list_cases(director, states=[CaseState.TRIAGE]) == []
    assert cases.list_cases(director, protocol=Protocol.RADICALISERING) == []


def test_search_key_finds_number_names_without_accents_and_bsn(director: OpenVault) -> None:
    seed(director)
    rows = cases.list_cases(director)
    target = rows[5]
    case = cases.get_case(director, target.number)
    child_or_main = case.subjects[-1]

    def hits(text: str) -> set[str]:
        q = cases.fold_query(text)
        return {r.number for r in rows if cases.row_matches(r, q)}

    assert target.number in hits(target.number.lower())
    assert target.number in hits(child_or_main.surname.upper())
    assert target.number in hits(f"{child_or_main.surname} {child_or_main.given_names}")
    bsn = next(s.bsn for s in case.subjects if s.bsn)
    assert hits(f"{bsn[:4]} {bsn[4:6]}.{bsn[6:]}") == {target.number}
    assert hits("no such name at all") == set()


def test_accents_are_ignored_in_search(director: OpenVault) -> None:
    referral = synthetic.generate_referrals(1, 1, today=TODAY)[0]
    referral["subjects"] = [{"given_names": "Şükrü", "surname": "Yılmaz",
                             "birth_date": "1980-01-01", "role": "main_subject"}]
    [number] = import_referrals(director, synthetic.referral_file([referral]), today=TODAY)
    rows = cases.list_cases(director)
    assert [r.number for r in rows if cases.row_matches(r, cases.fold_query("sukru yilmaz"))
            ] == [number]
    assert rows[0].main_subject == "Yılmaz, Şükrü"


def test_reading_is_audited_by_number_and_needs_the_role(director: OpenVault,
                                                         vault_dir: Path) -> None:
    numbers = seed(director, 3)
    cases.get_case(director, numbers[1])
    with audit_reader(director) as conn:
        opened = conn.execute(select(audit_log.c.object_id).where(
            audit_log.c.action == "case.open")).scalars().all()
        listed = conn.execute(select(audit_log.c.detail).where(
            audit_log.c.action == "case.list")).scalars().all()
    assert opened == [numbers[1]]
    assert listed == [] or all(json.loads(d) for d in listed)
    with pytest.raises(NotFound):
        cases.get_case(director, "ZVH-1999-0001")
    with pytest.raises(NotFound):
        cases.get_case(director, "Jansen")
    director.lock()
    admin = Vault(vault_dir).unlock("beheerder", ADMIN_PASSPHRASE)
    try:
        with pytest.raises(PermissionDenied):
            cases.list_cases(admin)
        with pytest.raises(PermissionDenied):
            cases.get_case(admin, numbers[0])
    finally:
        admin.lock()


def test_numbers_run_per_year_of_receipt(director: OpenVault) -> None:
    referrals = synthetic.generate_referrals(12, 3, today=TODAY, start=date(2025, 12, 1))
    numbers = import_referrals(director, synthetic.referral_file(referrals), today=TODAY)
    for year in (2025, 2026):
        seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers if n[4:8] == str(year))
        assert seqs == list(range(1, len(seqs) + 1))
    for number, referral in zip(numbers, referrals):
        assert number.startswith(f"ZVH-{referral['received'][:4]}-")


def test_tombstone_keeps_no_personal_data(director: OpenVault) -> None:
    numbers = seed(director, 2)
    with director.begin() as conn:
        case_id = cases.case_id_for(conn, numbers[0])
        cases.forget_personal_data(conn, case_id)
        cases.set_state(conn, case_id, CaseState.DESTROYED, cases.utcnow())
    rows = cases.list_cases(director)
    assert [r.number for r in rows] == [numbers[1]]
    tomb = [r for r in cases.list_cases(director, include_destroyed=True)
            if r.number == numbers[0]][0]
    assert tomb.main_subject == "" and tomb.search_key == numbers[0]
    case = cases.get_case(director, numbers[0])
    assert case.subjects == () and case.reason == "" and case.life_domains == {}
    assert case.destroyed_at is not None
    with director.read() as conn:
        assert cases.information_items(conn, case_id) == []


# -- schema ---------------------------------------------------------------------------------

#: Columns later migrations added to 0003's tables (0009: whom an item concerns, the
#: supplier's agreement to subject access, terms still to be confirmed).
ADDED_AFTER_0003 = {"information_items": {"concerns_all", "subject_access",
                                          "terms_to_confirm"},
                    "cases": {"row_version", "changed_by", "changed_at"}}      # 0015


@contextmanager
def migrated_to(tmp_path: Path, revision: str) -> Iterator[Connection]:
    """A new encrypted database migrated up to ``revision``, in one transaction."""
    key = secrets.token_bytes(32)
    connect_raw(tmp_path / "v.db", key, create=True).close()
    engine = make_engine(tmp_path / "v.db", lambda: key)
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn, revision)
            yield conn
    finally:
        engine.dispose()


def test_migration_0009_adds_the_item_columns_and_the_concerns_table(tmp_path: Path) -> None:
    with migrated_to(tmp_path, "0009") as conn:
        insp = inspect(conn)
        for table in (case_tables.information_items, case_tables.item_subjects):
            columns = {c["name"]: c for c in insp.get_columns(table.name)}
            assert set(columns) == {c.name for c in table.columns}, table.name
            for column in table.columns:
                assert columns[column.name]["nullable"] == column.nullable, column


def test_migration_0003_matches_the_core_tables(tmp_path: Path) -> None:
    with migrated_to(tmp_path, "0003") as conn:
        insp = inspect(conn)
        for table in (case_tables.cases, case_tables.subjects, case_tables.case_search,
                      case_tables.life_domain_problems, case_tables.criteria_answers,
                      case_tables.information_items, case_tables.item_shared_with):
            columns = {c["name"]: c for c in insp.get_columns(table.name)}
            later = ADDED_AFTER_0003.get(table.name, set())
            assert set(columns) == {c.name for c in table.columns} - later, table.name
            for column in table.columns:
                if column.name in later:
                    continue
                assert columns[column.name]["nullable"] == column.nullable, column
            declared = {i.name: [c.name for c in i.columns] for i in table.indexes}
            present = {i["name"]: i["column_names"] for i in insp.get_indexes(table.name)}
            assert declared == present, table.name
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT case_id FROM subjects WHERE bsn = '1'").all()
        assert "ix_subjects_bsn" in str(plan)
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT case_id FROM subjects WHERE surname_key = 'x' "
            "AND birth_date = '2000-01-01'").all()
        assert "ix_subjects_surname_birth" in str(plan)


# -- synthetic referrals and the bulk path --------------------------------------------------

def test_generator_is_deterministic_and_realistic() -> None:
    first = synthetic.generate_referrals(200, 42, today=TODAY)
    assert first == synthetic.generate_referrals(200, 42, today=TODAY)
    assert first != synthetic.generate_referrals(200, 43, today=TODAY)
    bsns = [s["bsn"] for r in first for s in r["subjects"] if s.get("bsn")]
    assert bsns and all(passes_eleven_test(b) for b in bsns)
    names = " ".join(s["surname"] for r in first for s in r["subjects"])
    assert any(ord(ch) > 0x17F for ch in names)              # beyond Latin-1 and Latin-A
    assert all(sum(s["role"] == "main_subject" for s in r["subjects"]) == 1 for r in first)
    assert len({r["external_ref"] for r in first}) == 200


def test_bulk_insert_with_states_then_list(director: OpenVault) -> None:
    referrals = synthetic.generate_referrals(300, 5, today=TODAY)
    states = [CaseState.REFERRED, CaseState.INTAKE, CaseState.TRIAGE, CaseState.DECLINED] * 75
    numbers = synthetic.bulk_insert_cases(director, referrals, states=states, today=TODAY)
    assert len(numbers) == len(set(numbers)) == 300
    rows = cases.list_cases(director)
    assert len(rows) == 300
    counts = {s: sum(r.state is s for r in rows) for s in set(states)}
    assert set(counts.values()) == {75}
    declined = cases.get_case(director, numbers[3])
    assert declined.state is CaseState.DECLINED and declined.decline_advice
    assert len(declined.criteria) == 4
    accepted = cases.get_case(director, numbers[2])
    assert accepted.intake_decision is not None and accepted.intake_decision.value == "accepted"
    # the ordinary path continues the numbering after the bulk path
    more = import_referrals(director, synthetic.referral_file(
        synthetic.generate_referrals(1, 99, today=TODAY, ref_prefix="X")), today=TODAY)
    assert more[0] not in numbers
    with audit_reader(director) as conn:
        assert conn.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.action == "case.bulk_create")).scalar() == 1


def test_fill_demo_adds_cases_once(director: OpenVault) -> None:
    # as the process director, who registers referrals (the matrix lets the administrator
    # fill a demo too, but on the house server the administrator's role writes no case)
    assert synthetic.fill_demo(director, cases=20, seed=1, today=TODAY) == 20
    assert synthetic.fill_demo(director, cases=20, seed=1, today=TODAY) == 0


def test_next_meeting_and_action_counts_come_from_the_plan(director: OpenVault) -> None:
    from app.store.plan_tables import plan_actions, plans

    numbers = seed(director, 2)
    party = party_service.find_party_by_name(director, "Veilig Thuis")
    assert party is not None
    with director.begin() as conn:
        case_id = cases.case_id_for(conn, numbers[0])
        plan_id = cases.inserted_id(conn.execute(plans.insert().values(
            case_id=case_id, version=1, coordinator_person="", closure_criteria="",
            next_meeting=date(2026, 12, 10), next_meeting_note="", updated_at=cases.utcnow(),
            updated_by="regisseur")))
        for key, status, due in (("a1", "open", date(2026, 11, 1)),
                                 ("a2", "in_progress", date(2026, 12, 31)),
                                 ("a3", "done", date(2026, 1, 1)),
                                 ("a4", "open", None)):
            conn.execute(plan_actions.insert().values(
                plan_id=plan_id, key=key, position=0, party_id=party.id, description="x",
                owner="", due=due, status=status))
    rows = {r.number: r for r in cases.list_cases(director, today=TODAY)}
    planned = rows[numbers[0]]
    assert (planned.next_meeting, planned.open_actions, planned.overdue_actions) == (
        date(2026, 12, 10), 3, 1)
    other = rows[numbers[1]]
    assert (other.next_meeting, other.open_actions, other.overdue_actions) == (None, 0, 0)


def test_ended_cases_count_no_open_actions_and_next_meeting_comes_from_the_agenda(
        director: OpenVault) -> None:
    """A closed case's leftover actions are no one's work; a case on a coming meeting's
    agenda shows that meeting's date."""
    from datetime import datetime, timedelta

    from app.store.meeting_tables import agenda_items, meetings
    from app.store.plan_tables import plan_actions, plans

    numbers = seed(director, n=2)
    with director.read() as conn:
        first, second = (cases.case_id_for(conn, n) for n in numbers)
    coming = datetime.combine(TODAY + timedelta(days=9), datetime.min.time())
    with director.begin() as conn:
        for case_id in (first, second):
            plan_id = conn.execute(plans.insert().values(
                case_id=case_id, version=1, updated_at=coming,
                updated_by="regisseur")).inserted_primary_key[0]
            conn.execute(plan_actions.insert().values(
                plan_id=plan_id, key="a1", position=0, party_id=1, description="x",
                owner="o", due=TODAY - timedelta(days=3), status="open"))
        conn.execute(case_tables.cases.update().where(case_tables.cases.c.id == second)
                     .values(state="closed"))
        meeting_id = conn.execute(meetings.insert().values(
            starts_at=coming, place="Den Haag", place_key="den haag", chair="pr",
            state="planned", created_at=coming, created_by="regisseur")
        ).inserted_primary_key[0]
        conn.execute(agenda_items.insert().values(
            meeting_id=meeting_id, case_id=first, position=0, kind="first",
            duration_minutes=20, goal="g", themes="[]", decision_types="[]"))
    rows = {r.id: r for r in cases.list_cases(director, today=TODAY)}
    assert (rows[first].open_actions, rows[first].overdue_actions) == (1, 1)
    assert (rows[second].open_actions, rows[second].overdue_actions) == (0, 0)
    assert rows[first].next_meeting == coming.date()
