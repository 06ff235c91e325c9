"""The house server gives the information centre's role only the register's columns (issue
22, point 3): the permission matrix (app/domain/roles.py) gives the centre the case register
and the meetings' logistics, never the substance, so the server refuses its role the referral's
reason and question, the referring contact, the decline's reason and advice, and the agenda's
goals, themes and decision types, even to a centre account that holds the data key and queries
the server directly. The process director reads them all. Grants run again on an existing house
(``upgrade``) take back a wider grant an older version gave.

On e9db4e2 the centre's role could SELECT every column of ``cases`` and ``agenda_items``."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import sqlalchemy as sa

from app.domain.roles import Role
from app.store import pg_roles, sealed
from app.store.schema import metadata
from app.vault import server
from tests.pg_server import prepare_roles, role_engines, role_logins
from tests.pg_server import required_values as _required

#: Written from the matrix's division (the substance is the process director's), not read
#: from the grants under test.
FORBIDDEN = {
    "cases": ("reason", "question", "referring_contact", "decline_reason", "decline_advice"),
    "agenda_items": ("goal", "themes", "decision_types"),
    "invitations": ("contribution",),
    "case_search": ("search_key",),
    "plans": ("coordinator_person", "closure_criteria", "next_meeting_note"),
    "plan_actions": ("description", "owner"),
    "triage_queries": ("recorded_by",),
}
#: What the centre's screens read (the register, the logistics).
ALLOWED = {
    "cases": ("id", "number", "state", "protocol", "received", "referring_party_id",
              "external_ref", "closed_at"),
    "agenda_items": ("id", "meeting_id", "case_id", "position", "kind", "duration_minutes",
                     "started_at"),
}
CANARY = "KANARIE-REDEN"
#: The account each role's login belongs to (its key slot row says so).
ACCOUNT = {Role.ADMIN: "beheerder", Role.PROCESS_DIRECTOR: "regisseur",
           Role.INFORMATION_CENTRE: "infocentrum", Role.MANAGER: "manager"}
DATA_KEY = secrets.token_bytes(32)


@pytest.fixture(scope="module")
def house(pg_server: Any) -> dict[Role, sa.Engine]:
    """The real schema owned by the migration owner, the grants and session policies, one case
    on one meeting's agenda with a canary in every substance column, and a login per role
    (each engine holds the house's data key, as an unlocked session does)."""
    pytest.importorskip("psycopg")
    prefix = f"ck{secrets.token_hex(3)}"
    db = pg_server.new_database("cols")
    prepare_roles(pg_server, db, prefix)
    owner = sa.create_engine(pg_server.sqlalchemy_url(pg_server.superuser,
                                                      pg_server.superuser_password, db))
    sealed.attach(owner, DATA_KEY)
    with owner.begin() as conn:
        conn.exec_driver_sql(f"SET ROLE {pg_roles.owner_role(prefix)}")
        metadata.create_all(conn)
        for statement in server.key_slot_statements(prefix):
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql("RESET ROLE")
        # the whole table, as e9db4e2 granted it: the grants below must take it back
        conn.exec_driver_sql(f"GRANT SELECT ON cases, agenda_items TO "
                             f"{pg_roles.group_role(Role.INFORMATION_CENTRE, prefix)}")
        for statement in pg_roles.grant_statements(metadata.sorted_tables, [], prefix):
            conn.exec_driver_sql(statement)
        for statement in pg_roles.session_policy_statements(server.KEY_SLOTS_TABLE, prefix):
            conn.exec_driver_sql(statement)
        _fill(conn)
    owner.dispose()
    engines = role_engines(pg_server, db, role_logins(pg_server, db, prefix, key_slots=True,
                                                      accounts=ACCOUNT), DATA_KEY)
    yield engines
    for engine in engines.values():
        engine.dispose()


def _fill(conn: sa.Connection) -> None:
    t = metadata.tables
    conn.execute(t["parties"].insert().values(**_required("parties", id=1)))
    conn.execute(t["cases"].insert().values(**_required(
        "cases", id=1, number="ZVH-2026-0001", state="closed", reason=CANARY, question=CANARY,
        referring_contact=CANARY, decline_reason=CANARY, decline_advice=CANARY,
        external_ref="GEM-1")))
    conn.execute(t["meetings"].insert().values(**_required("meetings", id=1, state="planned")))
    conn.execute(t["agenda_items"].insert().values(**_required(
        "agenda_items", id=1, meeting_id=1, case_id=1, goal=CANARY, themes=f'["{CANARY}"]',
        decision_types='["deciding"]')))
    conn.execute(t["invitations"].insert().values(**_required(
        "invitations", agenda_item_id=1, party_id=1, contribution=CANARY)))
    conn.execute(t["case_search"].insert().values(case_id=1, main_subject="Tester, Pim",
                                                  search_key=CANARY))
    conn.execute(t["plans"].insert().values(**_required(
        "plans", id=1, case_id=1, coordinator_person=CANARY, closure_criteria=CANARY,
        next_meeting_note=CANARY)))
    conn.execute(t["plan_actions"].insert().values(**_required(
        "plan_actions", id=1, plan_id=1, party_id=1, description=CANARY, owner=CANARY)))
    for draft_id, owner in ((1, "regisseur"), (2, "infocentrum")):
        conn.execute(t["drafts"].insert().values(**_required(
            "drafts", id=draft_id, kind="intake", owner=owner, object_id=str(draft_id),
            payload=CANARY)))


def _refused(engine: sa.Engine, table: str, column: str) -> bool:
    import psycopg

    try:
        with engine.connect() as conn:
            conn.execute(sa.select(metadata.tables[table].c[column]))
    except sa.exc.ProgrammingError as exc:
        return isinstance(exc.orig, psycopg.errors.InsufficientPrivilege)
    return False


@pytest.mark.parametrize("table,column", [(t, c) for t, cs in FORBIDDEN.items() for c in cs])
def test_the_centres_role_may_not_read_a_column_of_the_substance(house: dict[Role, sa.Engine],
                                                                 table: str, column: str
                                                                 ) -> None:
    assert _refused(house[Role.INFORMATION_CENTRE], table, column)


def test_nor_the_whole_row_but_the_director_reads_it(house: dict[Role, sa.Engine]) -> None:
    for table in ("cases", "agenda_items", "invitations", "case_search", "plans"):
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), \
                house[Role.INFORMATION_CENTRE].connect() as conn:
            conn.execute(sa.select(metadata.tables[table]))
    with house[Role.PROCESS_DIRECTOR].connect() as conn:
        row = conn.execute(sa.select(metadata.tables["cases"])).mappings().one()
        assert (row["reason"], row["decline_advice"]) == (CANARY, CANARY)
        assert conn.execute(sa.select(metadata.tables["agenda_items"].c.goal)).scalar() \
            == CANARY


def test_the_centre_reads_the_register_and_the_logistics(house: dict[Role, sa.Engine]
                                                         ) -> None:
    t = metadata.tables
    with house[Role.INFORMATION_CENTRE].connect() as conn:
        for table, columns in ALLOWED.items():
            conn.execute(sa.select(*(t[table].c[c] for c in columns))).one()
        assert conn.execute(sa.select(t["cases"].c.number, t["cases"].c.external_ref)).one() \
            == ("ZVH-2026-0001", "GEM-1")
        assert conn.execute(sa.select(t["invitations"].c.party_id)).scalar() == 1
        assert conn.execute(sa.select(t["case_search"].c.main_subject)).scalar() \
            == "Tester, Pim"


def test_the_administrator_and_the_manager_read_no_case_column(house: dict[Role, sa.Engine]
                                                               ) -> None:
    for role in (Role.ADMIN, Role.MANAGER):
        for table in ("cases", "agenda_items", "case_search"):
            assert _refused(house[role], table, "id" if table != "case_search" else "case_id")


def test_each_account_reads_and_changes_only_its_own_drafts_but_the_case_work(
        house: dict[Role, sa.Engine]) -> None:
    """A draft holds work in progress (a director's minutes, an intake): the centre's login
    reads and changes its own drafts only; the process director (closure and destruction
    remove every account's drafts about a case) all of them."""
    drafts = metadata.tables["drafts"]
    with house[Role.INFORMATION_CENTRE].begin() as conn:
        assert conn.execute(sa.select(drafts.c.id, drafts.c.owner)).all() == [(2, "infocentrum")]
        assert conn.execute(sa.delete(drafts).where(drafts.c.id == 1)).rowcount == 0
        assert conn.execute(sa.update(drafts).where(drafts.c.id == 1)
                            .values(title="x")).rowcount == 0
    with house[Role.PROCESS_DIRECTOR].connect() as conn:
        assert sorted(conn.execute(sa.select(drafts.c.owner)).scalars()) == [
            "infocentrum", "regisseur"]
