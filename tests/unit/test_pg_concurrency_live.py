"""Live updates between workstations on the house server (issue 22, point 4): after session
A commits a write, session B's listener hears what changed (kinds and ids only: the
notification's text is visible to the server, so no name, BSN or case text is in it); reads
announce nothing (a screen refreshing on an announcement cannot set off another one); the
listener stops at the lock. The announcements are sealed under the house's data key
(tests/unit/test_pg_notify_announcements.py tests what a login without it can do). Skipped,
with the reason, where no PostgreSQL binaries exist."""

from __future__ import annotations

import os
import queue
from collections.abc import Iterator
from typing import Any

import pytest

from app.services import cases as case_service
from app.services import intake
from app.domain.live_changes import Change
from app.store import live
from app.vault.server import ServerOpenVault
from tests.unit.test_pg_services import (DIRECTOR, DIRECTOR_PASS, House, _referral)

#: generous, so a busy test machine does not fail the test; the latency itself is measured
#: in benchmarks (a few milliseconds on the build machine), not asserted here
WAIT = 10.0


class Overhear:
    """The server's own view of the channel (the superuser LISTENs): the raw text sent."""

    def __init__(self, pg_server: Any, database: str) -> None:
        self.conn = pg_server.connect(pg_server.superuser, pg_server.superuser_password,
                                      database, autocommit=True)
        self.conn.execute(f"LISTEN {live.CHANNEL}")

    def close(self) -> None:
        self.conn.close()

    def next(self) -> str:
        for note in self.conn.notifies(timeout=WAIT, stop_after=1):
            return str(note.payload)
        raise AssertionError("no notification")


@pytest.fixture
def overhear(server_house: House, pg_server: Any) -> Iterator[Overhear]:
    made = Overhear(pg_server, server_house.vault.profile.database)  # type: ignore[attr-defined]
    yield made
    made.close()


def _sessions(house: House) -> tuple[ServerOpenVault, ServerOpenVault]:
    a, b = house.unlock(DIRECTOR, DIRECTOR_PASS), house.unlock(DIRECTOR, DIRECTOR_PASS)
    assert isinstance(a, ServerOpenVault) and isinstance(b, ServerOpenVault)
    return a, b


def test_another_workstation_hears_a_committed_write(server_house: House,
                                                     overhear: Overhear) -> None:
    a, b = _sessions(server_house)
    heard: queue.Queue[Change] = queue.Queue()
    b.listen(heard.put)
    server = overhear

    number = intake.register_referral(a, _referral(a, "Jansen", "111222333"))

    with a.read() as conn:
        case_id = case_service.case_id_for(conn, number)
    change = heard.get(timeout=WAIT)
    assert change.concerns("case", case_id) and "cases" in change.tables
    assert "subjects" in change.tables
    raw = server.next()
    for personal in ("Jansen", "111222333", "Piet", "Meerdervoort", "woonsituatie", "Bakker",
                     number):
        assert personal not in raw
    assert _opened(a, raw)["i"] == [["case", str(case_id)]]


def test_reads_announce_nothing_and_a_session_passes_over_its_own(server_house: House,
                                                                  overhear: Overhear) -> None:
    a, b = _sessions(server_house)
    first = intake.register_referral(a, _referral(a, "Jansen", "111222333"))
    assert _opened(a, overhear.next())["i"] == [["case", _case_id(a, first)]]
    heard_by_a: queue.Queue[Change] = queue.Queue()
    heard_by_b: queue.Queue[Change] = queue.Queue()
    a.listen(heard_by_a.put)
    b.listen(heard_by_b.put)
    server = overhear

    case_service.get_case(b, first)          # audited reads: no change to announce
    case_service.list_cases(b)
    second = intake.register_referral(a, _referral(a, "De Vries", None))  # the sentinel

    first_heard = _opened(a, server.next())
    assert first_heard["i"] == [["case", _case_id(a, second)]], first_heard  # reads: nothing
    assert heard_by_b.get(timeout=WAIT).concerns("case", _case_id(a, second))
    assert heard_by_a.empty()                 # its own write: passed over


def test_the_listener_stops_at_the_lock(server_house: House) -> None:
    a, _b = _sessions(server_house)
    listener = a.listen(lambda change: None)
    assert listener.running
    a.lock(audit_it=False)
    assert not listener.running


def test_an_announcement_carries_kinds_and_ids_only() -> None:
    key = bytearray(os.urandom(32))
    receiver = live.Receiver(live.Announcements(key), "mine")  # listening before it is sent
    text = live.Announcements(key).seal({"cases", "subjects"}, [("case", "17")] * 2, "abc")
    opened = live.Announcements(key).open(text)
    assert opened is not None
    assert {k: opened[k] for k in ("o", "t", "i")} == {"o": "abc", "t": ["cases", "subjects"],
                                                     "i": [["case", "17"]]}
    change = receiver.accept(text)
    assert change is not None and change.concerns("case", 17)
    assert not change.concerns("case", 18) and not change.concerns("meeting")
    assert live.Announcements(key).open("not ours") is None


def _opened(session: ServerOpenVault, raw: str) -> dict[str, Any]:
    """An announcement as the house's key opens it (the test holds the session's key)."""
    opened = live.Announcements(session.key_buffer()).open(raw)
    assert opened is not None
    return opened


def _case_id(session: ServerOpenVault, number: str) -> str:
    with session.read() as conn:
        return str(case_service.case_id_for(conn, number))
