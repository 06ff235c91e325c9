"""The demo generator's bulk writes on the house server (issue 22, point 1 and its done-check;
``app/store/demo_rows.py``).

On the vault file the generator writes with the driver's own ``executemany`` and SQLite's
``?``. On the server that statement was refused by psycopg (it binds ``%s``), and, had it
run, it would have put every name and text in the clear past the sealed columns. Now the rows
go through SQLAlchemy Core there: the server's superuser finds none of the generated people,
the workstation reads them back whole, and the ids the generator chose itself are taken from
the tables' sequences, so the next case the program registers gets a free id.

The cases use the session's throwaway server (``tests/pg_server.py``) and are skipped, with
the reason, where no PostgreSQL 15+ binaries are installed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from app.services import cases as case_service
from app.services import intake, synthetic
from app.services import meetings as meeting_service
from app.store import demo_rows
from app.store.meeting_tables import meetings
from tests.unit.test_pg_services import DIRECTOR, DIRECTOR_PASS, House
from tests.unit.test_pg_sealed_store import Canaries, _referral

TODAY = date(2026, 11, 16)


def _superuser_text(pg_server: Any, house: House, tables: tuple[str, ...]) -> str:
    """Every row of ``tables`` as the server's superuser reads it (no data key)."""
    database = house.vault.profile.database  # type: ignore[attr-defined]
    engine = sa.create_engine(pg_server.sqlalchemy_url(pg_server.superuser,
                                                       pg_server.superuser_password, database))
    try:
        with engine.connect() as conn:
            return " ".join(repr(tuple(row)) for table in tables
                            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')))
    finally:
        engine.dispose()


def test_the_demos_cases_are_sealed_on_the_server_and_the_next_case_gets_a_free_id(
        server_house: House, pg_server: Any) -> None:
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    assert synthetic.fill_demo(director, cases=12, seed=5, today=TODAY) == 12
    listed = case_service.list_cases(director, today=TODAY)
    assert len(listed) == 12
    # read back through the workstation: the people are there, whole
    surnames = {row.main_subject.split(",")[0] for row in listed}
    assert all(name.strip() for name in surnames)
    # the server's superuser reads none of them
    stored = _superuser_text(pg_server, server_house,
                             ("cases", "subjects", "case_search", "information_items",
                              "life_domain_problems"))
    assert [name for name in surnames if name in stored] == []
    # the program's own registration after the demo: a new case with its own id
    canaries = Canaries()
    number = intake.register_referral(director, _referral(director, canaries))
    assert number not in {row.number for row in listed}
    assert len(case_service.list_cases(director, today=TODAY)) == 13
    with director.read() as conn:
        case = case_service.load_case(conn, case_service.case_id_for(conn, number))
    assert case.subjects[0].surname == canaries.surname


def test_rows_given_as_stored_text_are_written_as_their_types_on_the_server(
        server_house: House) -> None:
    """``insert_tuples`` takes moments as the ISO text SQLite stores; the server's typed
    columns get them as moments. The ids it wrote are behind the table's sequence afterwards:
    the next meeting written without an id gets the next free one."""
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    starts = [datetime(2026, 12, day, 10, 0) for day in (1, 3, 8)]
    columns = ("id", "starts_at", "place", "place_key", "chair", "state", "created_at",
               "created_by", "started_at", "ended_at")
    with director.begin() as conn:
        demo_rows.insert_tuples(conn, meetings, columns, [
            (n, at.isoformat(" ", "microseconds"), "Zaal 2", "zaal 2", "Voorzitter",
             "planned", "2026-11-16 09:00:00.000000", DIRECTOR, None, None)
            for n, at in enumerate(starts, start=1)])
    made = meeting_service.get_meeting(director, 2)
    assert made.starts_at == starts[1] and made.place == "Zaal 2"
    with director.begin() as conn:
        new_id = conn.execute(meetings.insert().values(
            starts_at=datetime(2026, 12, 10, 10, 0), place="Zaal 3", place_key="zaal 3",
            chair="Voorzitter", state="planned", created_at=datetime(2026, 11, 16, 9, 0),
            created_by=DIRECTOR)).inserted_primary_key[0]
    assert new_id == 4
