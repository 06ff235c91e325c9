"""Closing a case on the house server (issue 22): the figures' tombstone of a case is written
once per case as an upsert of non-personal counts and dates. Who closes and destroys cases
(the process director, CASE_WORK) may insert it, update every column but its key and read it
for the closure figures; nobody deletes it, the manager reads no table (only the figures'
views). On the vault file the replaced row is the same as before (a fresh row's values).

On 4caafe6 the tombstone was replaced by DELETE + INSERT and the server granted the work roles
only INSERT: closing a case failed there with SQLSTATE 42501."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

import pytest
import sqlalchemy as sa

from app.domain.roles import Role
from app.store import cases as case_rows
from app.store import pg_roles
from app.store.retention_tables import case_tombstones
from app.store.schema import metadata
from tests.pg_server import prepare_roles, role_engines, role_logins
from tests.pg_server import required_values as _required

COLUMNS = [c.name for c in case_tombstones.c]


def tombstone(case_id: int, **given: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "case_id": case_id, "number": f"ZVH-2026-{case_id:04d}", "protocol": "zvh",
        "referring_party_type": "gemeente", "final_state": "closed",
        "referred_on": dt.date(2026, 1, 5), "intake_decided_on": dt.date(2026, 1, 12),
        "triage_done_on": None, "first_meeting_on": None, "closed_on": dt.date(2026, 6, 1),
        "ended_on": dt.date(2026, 6, 1), "outcome": "goals_reached", "subjects": 2,
        "information_items": 3, "meetings": 1, "actions_total": 4, "actions_done": 3,
        "actions_done_on_time": 2, "actions_cancelled": 1, "criteria_total": 2,
        "criteria_met": 2}
    values.update(given)
    return values


def grants_on_tombstones() -> dict[str, tuple[set[str], set[str] | None]]:
    """privilege -> (group roles, the columns when granted on some only)."""
    out: dict[str, tuple[set[str], set[str] | None]] = {}
    for statement in pg_roles.grant_statements(metadata.sorted_tables, [], "casuskamer"):
        m = re.fullmatch(r"GRANT (\w+)(?: \(([\w, ]+)\))? ON TABLE public\.case_tombstones "
                         r"TO (.+)", statement)
        if m:
            columns = set(m.group(2).split(", ")) if m.group(2) else None
            out[m.group(1)] = (set(m.group(3).split(", ")), columns)
    return out


def test_who_closes_cases_updates_the_tombstone_but_its_key_and_nobody_deletes_it() -> None:
    grants = grants_on_tombstones()
    director = {"casuskamer_process_director"}
    assert grants["INSERT"] == (director, None)
    assert grants["SELECT"] == (director, None)
    assert grants["UPDATE"] == (director, set(COLUMNS) - {"case_id"})
    assert "DELETE" not in grants


def test_on_sqlite_a_replaced_tombstone_is_a_fresh_row() -> None:
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        metadata.create_all(conn)
        _a_case(conn, 1)
        case_rows.write_tombstone(conn, tombstone(1), replace=False)
        conn.execute(sa.update(case_tombstones).values(destroyed_on=dt.date(2028, 6, 1)))
        case_rows.write_tombstone(conn, tombstone(1, subjects=5, outcome=None))
        row = dict(conn.execute(sa.select(case_tombstones)).mappings().one())
    assert row == {**tombstone(1, subjects=5, outcome=None), "destroyed_on": None}


def _a_case(conn: sa.Connection, case_id: int) -> None:
    conn.execute(metadata.tables["cases"].insert().values(**_required(
        "cases", id=case_id, number=f"ZVH-2026-{case_id:04d}", number_year=2026,
        number_seq=case_id, state="closed")))


# -- on the throwaway server ---------------------------------------------------------------

@pytest.fixture(scope="module")
def house(pg_server):
    """The real schema owned by the migration owner, the grants, two cases and a login per
    program role: (database, {role: SQLAlchemy engine})."""
    pytest.importorskip("psycopg")
    prefix = f"ck{secrets.token_hex(3)}"
    db = pg_server.new_database("tomb")
    prepare_roles(pg_server, db, prefix)
    owner = sa.create_engine(pg_server.sqlalchemy_url(pg_server.superuser,
                                                      pg_server.superuser_password, db))
    with owner.begin() as conn:
        conn.exec_driver_sql(f"SET ROLE {pg_roles.owner_role(prefix)}")
        metadata.create_all(conn)
        conn.exec_driver_sql("RESET ROLE")
        for statement in pg_roles.grant_statements(metadata.sorted_tables, [], prefix):
            conn.exec_driver_sql(statement)
        _a_case(conn, 1)
        _a_case(conn, 2)
    owner.dispose()
    engines = role_engines(pg_server, db, role_logins(pg_server, db, prefix))
    yield engines
    for engine in engines.values():
        engine.dispose()


def test_on_the_server_the_director_writes_and_replaces_a_tombstone(house) -> None:
    with house[Role.PROCESS_DIRECTOR].begin() as conn:
        case_rows.write_tombstone(conn, tombstone(1))           # closing the case
        case_rows.write_tombstone(conn, tombstone(1, meetings=4))  # written again: replaced
        case_rows.write_tombstone(conn, tombstone(2, final_state="declined"), replace=False)
        assert case_rows.has_tombstone(conn, 2)
        case_rows.mark_tombstone_destroyed(conn, 2, dt.date(2028, 1, 1))  # the purge
        rows = {r["case_id"]: dict(r) for r in conn.execute(
            sa.select(case_tombstones)).mappings()}
    assert rows == {1: {**tombstone(1, meetings=4), "destroyed_on": None},
                    2: {**tombstone(2, final_state="declined"),
                        "destroyed_on": dt.date(2028, 1, 1)}}


@pytest.mark.parametrize("statement", [
    "DELETE FROM case_tombstones",
    "UPDATE case_tombstones SET case_id = case_id + 100",
    "TRUNCATE case_tombstones"])
def test_on_the_server_nobody_deletes_a_tombstone_or_moves_its_key(house, statement) -> None:
    for role in Role:
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), \
                house[role].begin() as conn:
            conn.exec_driver_sql(statement)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.INFORMATION_CENTRE, Role.ADMIN])
def test_on_the_server_only_who_closes_cases_reads_the_tombstones(house, role) -> None:
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), \
            house[role].connect() as conn:
        conn.execute(sa.select(case_tombstones.c.case_id)).all()
