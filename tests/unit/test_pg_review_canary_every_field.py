"""Done means (issue 22): "a test connects to the server as a plain superuser with psql-level
access (SQLAlchemy without the data key) and finds none of the canary names, BSNs or texts
in any table, index or the server's log", for every personal field point 2 names: names,
BSN, birth date, address, item texts, life-domain texts, minutes, plan texts, drafts and
meeting goals (the older scan in test_pg_sealed_store.py plants names, a BSN, an address, a
reason, a life-domain text, a contact, a place and a chair, not the items, minutes, plan,
drafts, goals or the birth date).

The house holds tests/unit/service_world.py's case (a canary in every field about the people
and the case: items, criteria, triage, agenda goals and themes, contributions, the four
kinds of minutes, the plan's goals, needs and notes, a progress note), built through the
services by a process director, plus a draft of each kind that has an object. The superuser
then reads every table with SQLAlchemy, every file of the database on disk (tables, indexes,
TOAST) after a CHECKPOINT, the write-ahead log written meanwhile and the server's log from
the test's start, with every statement of the house's database logged with its parameters
(``log_statement = 'all'``, as a house's IT may switch on). A control value it writes
itself in the clear is found, so the scan reads what the server keeps.

On the session's throwaway PostgreSQL; skipped with the reason where no PostgreSQL 15+
binaries are installed."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.services import drafts
from app.vault.vault import OpenVault
from tests.unit.service_world import CANARIES, CANARY_BIRTH_DATE, CANARY_BSN, build_world


def _planted(tag: str) -> dict[str, str]:
    b = CANARY_BIRTH_DATE
    return {**CANARIES, "bsn": CANARY_BSN, "birth_date_iso": b.isoformat(),
            "birth_date_nl": b.strftime("%d-%m-%Y"),
            "draft_plan": f"KANARIE-CONCEPTPLAN-{tag}",
            "draft_closure": f"KANARIE-CONCEPTAFSLUITING-{tag}",
            "draft_minutes": f"KANARIE-CONCEPTVERSLAG-{tag}"}


def _drafts(director: OpenVault, number: str, meeting_id: int, planted: dict[str, str]
            ) -> None:
    drafts.put(director, drafts.PLAN, number, {"goal": planted["draft_plan"]})
    drafts.put(director, drafts.CLOSURE, number, {"reason": planted["draft_closure"]})
    drafts.put(director, drafts.MINUTES, str(meeting_id), {"text": planted["draft_minutes"]})


def _database_files(pg: Any, database: str) -> list[Path]:
    data = Path(pg.log_file).parent / "data"
    with pg.admin(database) as admin:
        oid = admin.execute("SELECT oid FROM pg_database WHERE datname = %s",
                            (database,)).fetchone()[0]
    return [p for p in (data / "base" / str(oid)).iterdir() if p.is_file()]


def _wal_since(pg: Any, started: float) -> list[Path]:
    wal = Path(pg.log_file).parent / "data" / "pg_wal"
    return [p for p in wal.iterdir() if p.is_file() and p.stat().st_mtime >= started - 1]


def test_the_superuser_finds_no_canary_of_any_personal_field(suite_house: Any,
                                                              tmp_path: Path) -> None:
    pg = suite_house.pg
    started = time.time()
    log_start = Path(pg.log_file).stat().st_size
    planted = _planted(secrets.token_hex(4))
    house = suite_house.fresh()
    database = suite_house.profile.database
    # the server logs every statement of this database with its parameters, as a house's IT
    # may switch on while looking for a fault: still no canary may reach its log
    with pg.admin() as conn:
        conn.execute(f'ALTER DATABASE "{database}" SET log_statement = \'all\'')
        conn.execute(f'ALTER DATABASE "{database}" SET log_parameter_max_length = -1')
    admin = house.unlock(suite_house.admin, suite_house.admin_passphrase, exclusive=False)
    sessions: list[OpenVault] = [admin]
    try:
        world = build_world(admin, tmp_path)
        director = world.vault
        sessions.append(director)
        _drafts(director, world.number, world.planned_meeting_id, planted)
        # the workstation reads its draft back whole: the value did reach the server
        back = drafts.get(director, drafts.PLAN, world.number)
        assert back is not None and back.payload == {"goal": planted["draft_plan"]}
    finally:
        for session in sessions:
            if session.is_open:
                session.lock(audit_it=False)

    control = f"controlewaarde{secrets.token_hex(4)}"
    engine = sa.create_engine(pg.sqlalchemy_url(pg.superuser, pg.superuser_password, database))
    found: list[str] = []
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO meta(key, value) VALUES ('control', :v)"),
                         {"v": control})
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            assert {"subjects", "information_items", "minutes_entries", "plans",
                    "drafts", "agenda_items"} <= set(tables)
            for table in tables:
                rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
                text = " ".join(repr(tuple(row)) for row in rows).lower()
                found += [f"{table}: {k}" for k, v in planted.items() if v.lower() in text]
            conn.execute(sa.text("CHECKPOINT"))  # every page and the log on disk
    finally:
        engine.dispose()
    stored = b"".join(p.read_bytes() for p in _database_files(pg, database)).lower()
    assert control.encode() in stored  # the scan reads the database's files
    found += [f"database files: {k}" for k, v in planted.items()
              if v.lower().encode() in stored]
    wal = b"".join(p.read_bytes() for p in _wal_since(pg, started)).lower()
    assert control.encode() in wal
    found += [f"write-ahead log: {k}" for k, v in planted.items() if v.lower().encode() in wal]
    with Path(pg.log_file).open("rb") as handle:
        handle.seek(log_start)
        log = handle.read().decode("utf-8", errors="replace").lower()
    assert control in log  # the log holds this database's statements and parameters
    assert "insert into subjects" in log and "parameters:" in log
    found += [f"server log: {k}" for k, v in planted.items() if v.lower() in log]
    assert found == []
