"""A meeting's place and chair on the house server (issue 22, point 2: nothing readable on the
server). The place can be an address (a home visit) and the chair is a person: both are sealed
like the other personal columns (the superuser's canary scan in test_pg_sealed_store covers
them). What sealing must not break: two meetings at the same time and place are still refused,
by the service's check (the folded place's blind index) and by the database itself as the last
guard (a unique index on the time and that blind index); and a server whose meetings table
still holds places in the clear is not upgraded (nothing is kept readable or thrown away).

Skipped, with the reason, where no PostgreSQL binaries are installed (tests/pg_server.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.domain.meetings import place_key
from app.errors import ValidationError
from app.services import meetings as meeting_service
from app.store import meetings as meeting_rows
from app.store.meeting_tables import meetings
from tests.unit.handout_cases import party_ids, plan_meeting, route_to_meeting
from tests.unit.test_pg_services import DIRECTOR, DIRECTOR_PASS, House, _referral


def _at_ten(days: int) -> datetime:
    return (datetime.now() + timedelta(days=days)).replace(hour=10, minute=0, second=0,
                                                           microsecond=0)


def test_a_second_meeting_at_the_same_time_and_place_is_refused_on_the_server(
        server_house: House) -> None:
    """The clash check compares the folded place (case, accents and spaces ignored) with
    the stored one; on the server the stored one is sealed and the check goes through its
    blind index. Another place at that time, or the same place another day, is fine."""
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    invited = [party_ids(director)["Politie regionale eenheid Den Haag"]]
    numbers = [intake_case(director, surname) for surname in ("Jansen", "De Vries", "Bakker")]
    for number in numbers:
        route_to_meeting(director, number, invited)
    plan_meeting(director, numbers[0], invited, _at_ten(3), place="Zaal Één")
    with pytest.raises(ValidationError) as refused:
        plan_meeting(director, numbers[1], invited, _at_ten(3), place="  zaal een ")
    assert refused.value.field == "starts_at"
    plan_meeting(director, numbers[1], invited, _at_ten(3), place="Zaal Twee")
    plan_meeting(director, numbers[2], invited, _at_ten(4), place="Zaal Één")
    listed = sorted(m.place for m in meeting_service.list_meetings(director))
    assert listed == ["Zaal Twee", "Zaal Één", "Zaal Één"]


def intake_case(director: Any, surname: str) -> str:
    from app.services import intake

    return intake.register_referral(director, _referral(director, surname, None))


def test_the_database_itself_refuses_a_second_meeting_at_the_same_time_and_place(
        server_house: House) -> None:
    """The last guard when two workstations plan at once (both pass the service's check
    before either commits): written straight through the store, past the service's check,
    the second row at the same time and (folded) place is refused by the server, although
    the sealed values differ (a fresh nonce each)."""
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    at = _at_ten(5)

    def row(place: str) -> dict[str, Any]:
        return {"starts_at": at, "place": place, "place_key": place_key(place),
                "chair": "A. de Regisseur", "state": "planned", "created_at": datetime.now(),
                "created_by": DIRECTOR}

    with director.begin() as conn:
        meeting_rows.add_meeting(conn, row("Zaal 2"))
    with pytest.raises(sa.exc.IntegrityError), director.engine.begin() as conn:
        meeting_rows.add_meeting(conn, row("ZAAL 2"))
    with director.begin() as conn:   # another place at that time is no clash
        meeting_rows.add_meeting(conn, row("Zaal 3"))
    with director.read() as conn:
        stored = conn.execute(sa.select(sa.type_coerce(meetings.c.place, sa.LargeBinary),
                                        meetings.c.place)).all()
    assert sorted(plain for _raw, plain in stored) == ["Zaal 2", "Zaal 3"]
    assert all(b"Zaal" not in bytes(raw) for raw, _plain in stored)   # sealed, not clear


def test_0017_refuses_a_server_whose_meetings_hold_places_in_the_clear(pg_server: Any) -> None:
    """A server database planned on by a version that stored the place and chair in the
    clear is not upgraded: the migration owner holds no data key to seal them, and throwing
    them away would lose meetings. Nothing changes; the refusal is one line."""
    from app.store import migrate

    database = pg_server.new_database("placeclear")
    engine = sa.create_engine(pg_server.sqlalchemy_url(pg_server.superuser,
                                                       pg_server.superuser_password, database))
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn, "0016")
            conn.exec_driver_sql(
                "INSERT INTO meetings(id, starts_at, place, place_key, chair, state, "
                "created_at, created_by) VALUES (1, '2026-12-10 10:00', 'Lindenlaan 4', "
                "'lindenlaan 4', 'Mevrouw Voorzitter', 'planned', '2026-12-07 10:00', 'a')")
        with pytest.raises(Exception, match="unencrypted") as refused, engine.begin() as conn:
            migrate.upgrade(conn)
        assert len(str(refused.value).splitlines()) == 1
        with engine.connect() as conn:
            assert migrate.current_revision(conn) == "0016"
            assert conn.exec_driver_sql("SELECT place, chair FROM meetings").one() \
                == ("Lindenlaan 4", "Mevrouw Voorzitter")
    finally:
        engine.dispose()
