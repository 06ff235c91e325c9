"""The live announcements against a login without the house's data key (issue 22, point 4).

PostgreSQL puts no privilege on LISTEN/NOTIFY: every login of the database hears the channel
and may send on it. So an announcement is sealed on the workstation under a key derived from
the data key, and carries internal ids only: what the server (here its superuser, who LISTENs
and NOTIFYs as any login could) sees on the wire names no case number, table or session; a
false announcement it sends reloads nothing; a real one it recorded and sends again later is
recognised and ignored. Ignored announcements are counted by reason, never logged with their
text.

Skipped, with the reason, where no PostgreSQL binaries are installed (tests/pg_server.py)."""

from __future__ import annotations

import json
import logging
import os
import queue
from collections.abc import Iterator
from typing import Any

import pytest

from app.domain.live_changes import Change
from app.services import cases as case_service
from app.services import intake
from app.store import live
from app.vault.server import ServerOpenVault
from tests.unit.test_pg_services import (ADMIN, ADMIN_PASS, DIRECTOR, DIRECTOR_PASS, House,
                                         _referral)

#: generous, so a busy test machine does not fail the test (no timing is asserted)
WAIT = 10.0


class Superuser:
    """The server's superuser on the channel: hears every announcement as sent, sends its
    own (no data key)."""

    def __init__(self, pg_server: Any, database: str) -> None:
        self.conn = pg_server.connect(pg_server.superuser, pg_server.superuser_password,
                                      database, autocommit=True)
        self.conn.execute(f"LISTEN {live.CHANNEL}")

    def heard(self) -> str:
        for note in self.conn.notifies(timeout=WAIT, stop_after=1):
            return str(note.payload)
        raise AssertionError("no notification")

    def send(self, payload: str) -> None:
        self.conn.execute("SELECT pg_notify(%s, %s)", (live.CHANNEL, payload))


@pytest.fixture
def superuser(server_house: House, pg_server: Any) -> Iterator[Superuser]:
    made = Superuser(pg_server, server_house.vault.profile.database)  # type: ignore[attr-defined]
    yield made
    made.conn.close()


def _session(house: House) -> ServerOpenVault:
    opened = house.unlock(DIRECTOR, DIRECTOR_PASS)
    assert isinstance(opened, ServerOpenVault)
    return opened


def _case_id(session: ServerOpenVault, number: str) -> int:
    with session.read() as conn:
        return case_service.case_id_for(conn, number)


def _next_heard(heard: queue.Queue[Change]) -> Change:
    return heard.get(timeout=WAIT)


def test_the_wire_names_no_case_number_table_or_session(server_house: House,
                                                        superuser: Superuser) -> None:
    """What every login hears: one opaque text. No case number, no table name, no session
    token, nothing personal; its length a multiple of the padding. Opened with the house's
    key it names the case by its internal id."""
    a = _session(server_house)
    number = intake.register_referral(a, _referral(a, "Jansen", "111222333"))
    raw = superuser.heard()
    for clear in (number, "cases", "subjects", a.origin, "Jansen", "111222333"):
        assert clear not in raw
    assert raw.startswith(live.WIRE_PREFIX)
    opened = live.Announcements(a.key_buffer()).open(raw)
    assert opened is not None
    assert opened["i"] == [["case", str(_case_id(a, number))]]
    assert "cases" in opened["t"] and opened["o"] == a.origin
    # another house's key (or none) opens nothing
    assert live.Announcements(os.urandom(32)).open(raw) is None


def test_a_false_announcement_from_a_login_without_the_key_reloads_nothing(
        server_house: House, superuser: Superuser, caplog: pytest.LogCaptureFixture) -> None:
    """The superuser sends what a listener used to take (kinds and a case number in plain
    JSON), an opaque text in our format, and a sealed one under another key: none reaches
    the screens; each is counted as not opened, and the log names the reason, never the
    text. A real change after them is heard (the listener was listening all along)."""
    a, b = _session(server_house), _session(server_house)
    heard: queue.Queue[Change] = queue.Queue()
    listener = b.listen(heard.put)
    first = intake.register_referral(a, _referral(a, "Jansen", None))
    assert _next_heard(heard).concerns("case", _case_id(a, first))
    superuser.heard()

    plain = json.dumps({"o": "elsewhere", "t": ["cases", "meetings"],
                        "i": [["case", first], ["case", str(_case_id(a, first))]]})
    forged = live.Announcements(os.urandom(32)).seal({"cases"}, [("case", "1")], "elsewhere")
    with caplog.at_level(logging.INFO, logger="app.store.live"):
        for payload in (plain, live.WIRE_PREFIX + "AAAA" * 20, forged):
            superuser.send(payload)
            assert superuser.heard() == payload
        sentinel = intake.register_referral(a, _referral(a, "De Vries", None))
        change = _next_heard(heard)
    assert change.concerns("case", _case_id(a, sentinel))     # the forgeries: nothing
    assert not change.concerns("case", _case_id(a, first))
    assert heard.empty()
    assert listener.ignored == {"unopened": 3}
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "unopened" in logged and first not in logged and "AAAA" not in logged


def test_a_recorded_announcement_sent_again_later_is_ignored(server_house: House,
                                                              superuser: Superuser) -> None:
    """The superuser records a real announcement and sends it again: the listener that
    heard it passes over the repeat (its session's sequence number was used), and so does
    one that began listening after it was sent (it predates the listener)."""
    a, b = _session(server_house), _session(server_house)
    heard_by_b: queue.Queue[Change] = queue.Queue()
    listener_b = b.listen(heard_by_b.put)
    number = intake.register_referral(a, _referral(a, "Jansen", None))
    recorded = superuser.heard()
    assert _next_heard(heard_by_b).concerns("case", _case_id(a, number))

    c = _session(server_house)
    heard_by_c: queue.Queue[Change] = queue.Queue()
    listener_c = c.listen(heard_by_c.put)
    superuser.send(recorded)
    assert superuser.heard() == recorded
    sentinel = intake.register_referral(a, _referral(a, "De Vries", None))
    for heard in (heard_by_b, heard_by_c):
        assert _next_heard(heard).concerns("case", _case_id(a, sentinel))
        assert heard.empty()
    assert listener_b.ignored == {"replayed": 1}
    assert listener_c.ignored == {"stale": 1}


def test_a_login_that_may_not_read_the_case_register_announces_some_cases(
        server_house: House, superuser: Superuser) -> None:
    """The case numbers the audit rows name become internal ids through the case register;
    an administrator's login may not read it (no VIEW_CASES): its write still commits, and
    its announcement names no case (the tables written still say "some cases") but keeps
    the other ids."""
    import sqlalchemy as sa

    from app.store.party_tables import parties

    admin = server_house.unlock(ADMIN, ADMIN_PASS)
    assert isinstance(admin, ServerOpenVault)
    with admin.begin() as conn:
        live.note_object(conn, "case", "ZVH-2026-0001")
        live.note_object(conn, "party", "3")
        conn.execute(sa.update(parties).where(parties.c.id == -1).values(name="Niemand"))
    opened = live.Announcements(admin.key_buffer()).open(superuser.heard())
    assert opened is not None
    assert opened["i"] == [["party", "3"]] and opened["t"] == ["parties"]


def test_a_locked_session_announces_nothing_and_its_key_is_gone(server_house: House) -> None:
    """The announcements' key hangs on the session's engine until the lock (the lock then
    zeroes the data key it derives from); a locked session's listener is refused."""
    from app.errors import VaultNotFound

    a = _session(server_house)
    engine = a.engine
    assert live.attached(engine) is not None
    a.lock(audit_it=False)
    assert live.attached(engine) is None
    with pytest.raises(VaultNotFound):
        a.listen(lambda change: None)
