"""What the manager's role reads on the house server (issue 22, point 2: "figures use only
unencrypted, non-personal columns"; point 3: "the manager's role reads only the figures'
views"): on a house holding a case with a canary in every personal field (tests/unit/
service_world.py), held in a meeting, with a plan and a closure tombstone, the manager's own
login reads every view it may select and finds no sealed value (no encrypted bytes, no
value any sealed column holds once opened), no name (of a person, an account or a party), no
BSN and no case number. The views it may select are asked of the server itself, so a view
added later is checked too. And the figures it computes from them are the process
director's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from app.domain.roles import Role
from app.errors import PermissionDenied
from app.services import figures
from app.store import cases as case_rows
from app.store import pg_roles
from app.store.schema import metadata
from app.store.sealed import sealed_columns
from app.store.tables import accounts
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.unit.service_world import CANARIES, CANARY_BIRTH_DATE, CANARY_BSN, World, \
    build_world

TODAY = date.today()


@pytest.fixture
def world(suite_house: Any, tmp_path: Path) -> Iterator[World]:
    admin = suite_house.fresh().unlock(suite_house.admin, suite_house.admin_passphrase,
                                       exclusive=False)
    try:
        yield build_world(admin, tmp_path)
    finally:
        if admin.is_open:
            admin.lock(audit_it=False)


def _with_tombstone(world: World) -> OpenVault:
    """The process director's session, after writing the case's closure tombstone (a
    closed case's counts; the world's case is still open, so every view has a row)."""
    director = unlock_as(world.vault, Role.PROCESS_DIRECTOR)
    with director.begin() as conn:
        case_rows.write_tombstone(conn, {
            "case_id": world.case_id, "number": world.number, "protocol": "zvh",
            "referring_party_type": "police", "final_state": "closed",
            "referred_on": TODAY, "intake_decided_on": TODAY, "triage_done_on": TODAY,
            "first_meeting_on": TODAY, "closed_on": TODAY, "ended_on": TODAY,
            "outcome": "goals_reached", "subjects": 2, "information_items": 2,
            "meetings": 1, "actions_total": 1, "actions_done": 0,
            "actions_done_on_time": 0, "actions_cancelled": 0, "criteria_total": 1,
            "criteria_met": 0}, replace=False)
    return director


def _opened_sealed_values(director: OpenVault) -> set[str]:
    """Every value a sealed column holds in the house, opened on the workstation in the
    process director's session (the role that reads the case tables); tables its role may
    not read are read by nobody who computes figures."""
    found: set[str] = set()
    by_table: dict[str, list[str]] = {}
    for table, column in sealed_columns(metadata.sorted_tables):
        by_table.setdefault(table, []).append(column)
    for table, columns in by_table.items():
        t = metadata.tables[table]
        try:
            with director.read() as conn:
                rows = conn.execute(select(*(t.c[c] for c in columns))).all()
        except PermissionDenied:
            continue
        found.update(str(v) for row in rows for v in row if v is not None)
    return found


def _manager_views(manager: OpenVault) -> list[str]:
    """The views of the house's schema the manager's login may select, asked of the server."""
    with manager.read() as conn:
        return list(conn.execute(text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm') "
            "AND has_table_privilege(c.oid, 'SELECT') ORDER BY c.relname")).scalars())


def test_the_manager_reads_no_sealed_value_and_no_name_through_any_view(
        world: World) -> None:
    director = _with_tombstone(world)
    opened = _opened_sealed_values(director)
    # every canary is (in) a sealed value: a theme sits in a sealed JSON list
    assert all(any(c in v for v in opened) for c in CANARIES.values())
    with director.read() as conn:
        names = set(conn.execute(select(accounts.c.name)).scalars())
    forbidden = {v for v in opened if len(v) >= 6} | set(CANARIES.values()) | names | {
        CANARY_BSN, CANARY_BIRTH_DATE.isoformat(), world.number, world.party_name}
    manager = unlock_as(world.vault, Role.MANAGER)
    views = _manager_views(manager)
    assert set(pg_roles.FIGURES_VIEWS) <= set(views)
    with manager.read() as conn:
        types = {(view, column): kind for view, column, kind in conn.execute(text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema()"))}
        for view in views:
            columns = [c for (v, c) in types if v == view]
            assert columns, view
            # a sealed column is bytea on the server: no view shows one
            assert all(types[(view, c)] != "bytea" for c in columns), view
            rows = conn.execute(text(f'SELECT * FROM "{view}"')).all()
            assert rows, f"{view} has a row in this house"
            for row in rows:
                for value in row:
                    assert not isinstance(value, (bytes, memoryview)), view
                    shown = "" if value is None else str(value)
                    leaked = [f for f in forbidden if f and f in shown]
                    assert not leaked, f"{view} shows {leaked}"


def test_the_manager_computes_the_directors_figures_from_the_views(world: World) -> None:
    director = _with_tombstone(world)
    manager = unlock_as(world.vault, Role.MANAGER)
    seen = figures.compute(manager, TODAY.year)
    assert seen == figures.compute(director, TODAY.year)
    # the house's one case, referred this year, is counted, and its closure's actions too
    assert seen.referrals_total == 1
    assert seen.actions.cases == 1 and seen.actions.total == 1
