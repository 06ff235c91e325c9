"""The disclosure log on the house server (issue 22): the disclosure log is the audit table's
rows of files about a case that left the house (``export.handout``, ``export.plan``,
``export.receipt``, ``export.triage_outcome``). Who may read it (``VIEW_CASES``: the process
director and the information centre, app/domain/roles.py) reads those rows of every case,
refused ones too, and no other audit row; the manager none; the administrator (READ_AUDIT)
all. The subject-access report's fingerprint key (a secret in ``meta``) is made and read by
the process director (CASE_SUBSTANCE) only, besides who manages the settings.

On 4caafe6 the server's row-level security showed the process director only the audit rows
about its own account (the disclosure log came back empty: the handout tests failed there),
and only who manages the settings could insert a ``meta`` row (a subject-access report as the
process director was refused)."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
import sqlalchemy as sa

from app.domain.roles import Role
from app.store import pg_roles
from app.store.schema import metadata
from app.vault import server
from tests.pg_server import prepare_roles, role_engines, role_logins

CASE = "ZVH-2026-0001"
#: (object_type, object_id, action, result) of the audit rows the house holds.
ROWS = [
    ("case", CASE, "export.handout", "ok"),
    ("case", CASE, "export.handout", "denied"),        # a withdrawn party: refused, logged
    ("case", CASE, "export.plan", "ok"),
    ("case", "ZVH-2026-0002", "export.receipt", "ok"),
    ("case", "ZVH-2026-0002", "export.triage_outcome", "ok"),
    ("case", CASE, "case.view", "ok"),                 # not a disclosure
    ("case", CASE, "disclosure.report", "ok"),         # reading the log: not a disclosure
    ("subject", "7", "export.subject_access", "ok"),   # not about a case
    ("account", "someone", "account.add", "ok"),       # someone else's account
    ("party", "3", "export.handout", "ok"),            # not a case's row
]
DISCLOSED = {r for r in ROWS if r[0] == "case" and r[2].startswith("export.")}
FINGERPRINT = "subject_access_fingerprint_key"


@pytest.fixture(scope="module")
def house(pg_server):
    """The real schema owned by the migration owner, the grants and the sessions' row-level
    security, the audit rows above and a login per program role: {role: engine}."""
    pytest.importorskip("psycopg")
    prefix = f"ck{secrets.token_hex(3)}"
    db = pg_server.new_database("discl")
    prepare_roles(pg_server, db, prefix)
    owner = sa.create_engine(pg_server.sqlalchemy_url(pg_server.superuser,
                                                      pg_server.superuser_password, db))
    audit = metadata.tables["audit_log"]
    with owner.begin() as conn:
        conn.exec_driver_sql(f"SET ROLE {pg_roles.owner_role(prefix)}")
        metadata.create_all(conn)
        for statement in server.key_slot_statements(prefix):
            conn.exec_driver_sql(statement)
        for statement in pg_roles.grant_statements(metadata.sorted_tables, [], prefix):
            conn.exec_driver_sql(statement)
        for statement in pg_roles.session_policy_statements(server.KEY_SLOTS_TABLE, prefix):
            conn.exec_driver_sql(statement)
        for object_type, object_id, action, result in ROWS:
            conn.execute(audit.insert().values(
                at=dt.datetime(2026, 12, 7, 12, 0), actor="a", role="r", action=action,
                object_type=object_type, object_id=object_id, result=result, origin="ws",
                detail="{}", prev_hash="", hash=""))
        conn.execute(metadata.tables["meta"].insert().values(key="vault_id", value="v"))
    owner.dispose()
    engines = role_engines(pg_server, db, role_logins(pg_server, db, prefix, key_slots=True))
    yield engines
    for engine in engines.values():
        engine.dispose()


def _audit_rows(engine: sa.Engine) -> set[tuple[str, str, str, str]]:
    with engine.connect() as conn:
        return {tuple(r) for r in conn.exec_driver_sql(  # type: ignore[misc]
            "SELECT object_type, object_id, action, result FROM audit_log")}


@pytest.mark.parametrize("role", [Role.PROCESS_DIRECTOR, Role.INFORMATION_CENTRE])
def test_who_may_see_cases_reads_their_disclosure_rows_and_nothing_more(house, role) -> None:
    # the process director is told of changes to the accounts too (issue 17's notices:
    # tests/unit/test_pg_byfolder_account_notices.py), the centre is not
    told = {("account", "someone", "account.add", "ok")} if role is Role.PROCESS_DIRECTOR \
        else set()
    assert _audit_rows(house[role]) == DISCLOSED | told


def test_the_manager_reads_no_audit_row_and_the_administrator_all(house) -> None:
    assert _audit_rows(house[Role.MANAGER]) == set()
    assert _audit_rows(house[Role.ADMIN]) == set(ROWS)


def test_only_the_process_director_makes_and_reads_the_fingerprint_key(house) -> None:
    meta = metadata.tables["meta"]
    key = sa.select(meta.c.value).where(meta.c.key == FINGERPRINT)
    for role in (Role.INFORMATION_CENTRE, Role.MANAGER):
        with pytest.raises(sa.exc.ProgrammingError), house[role].begin() as conn:
            conn.execute(meta.insert().values(key=FINGERPRINT, value="00"))
    with house[Role.PROCESS_DIRECTOR].begin() as conn:
        conn.execute(meta.insert().values(key=FINGERPRINT, value="ab" * 32))
    with house[Role.PROCESS_DIRECTOR].connect() as conn:
        assert conn.execute(key).scalar() == "ab" * 32
    for role in (Role.INFORMATION_CENTRE, Role.MANAGER):
        with house[role].connect() as conn:
            assert conn.execute(key).scalar() is None
            assert conn.execute(sa.select(meta.c.key)).scalars().all() == ["vault_id"]
    # the process director inserts no other setting
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"), \
            house[Role.PROCESS_DIRECTOR].begin() as conn:
        conn.execute(meta.insert().values(key="demo", value="1"))


def test_the_server_names_the_actions_and_key_the_services_use() -> None:
    from app.services import disclosures, handouts, subject_access  # noqa: F401

    assert set(pg_roles.DISCLOSURE_ACTIONS) == set(disclosures.DISCLOSURE_ACTIONS)
    assert pg_roles.FINGERPRINT_KEY == subject_access.FINGERPRINT_KEY == FINGERPRINT
