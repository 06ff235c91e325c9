"""The Cases list after the query-mix work of issue 23 (points 2 and 3) answers as before
(behaviour, not timing):

- the next meeting of a case is the day of the earliest coming meeting whose agenda holds it
  (a finished meeting and one on an earlier day do not count), also when only the newest
  few cases are asked for; without a coming meeting, the day the case's plan names;
- the listing's status and protocol come back as the case's own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.services import cases as case_service
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director, make_case, on_agenda, party_ids

CARE_PARTY_NAME = "Parnassia Groep"


@pytest.fixture
def vault(admin_vault: OpenVault) -> OpenVault:
    return as_process_director(admin_vault)


def _at_ten(days: int) -> datetime:
    return (datetime.now() + timedelta(days=days)).replace(hour=10, minute=0, second=0,
                                                          microsecond=0)


def _second_agenda_item(vault: OpenVault, number: str, meeting_id: int) -> None:
    """The case also on the agenda of ``meeting_id`` (as a follow-up item)."""
    with vault.begin() as conn:
        conn.execute(text(
            "INSERT INTO agenda_items (meeting_id, case_id, position, kind, duration_minutes,"
            " goal, themes, decision_types) SELECT :m, id, 9, 'follow_up', 20, 'Vervolg',"
            " '[]', '[]' FROM cases WHERE number = :n"), {"m": meeting_id, "n": number})


def test_next_meeting_is_the_earliest_coming_meeting_of_the_case(vault: OpenVault) -> None:
    invited = [party_ids(vault)[CARE_PARTY_NAME]]
    both = make_case(vault)
    in_nine = on_agenda(vault, both, invited, starts_at=_at_ten(9))
    other = make_case(vault)
    in_three = on_agenda(vault, other, invited, starts_at=_at_ten(3))
    _second_agenda_item(vault, both, in_three)          # on both: the sooner one
    finished_first = make_case(vault)
    in_two = on_agenda(vault, finished_first, invited, starts_at=_at_ten(2))
    _second_agenda_item(vault, finished_first, in_nine)  # the sooner one is finished
    gone = make_case(vault)
    was = on_agenda(vault, gone, invited, starts_at=_at_ten(5))
    with vault.begin() as conn:
        conn.execute(text("UPDATE meetings SET state = 'finished' WHERE id = :m"),
                     {"m": in_two})
        conn.execute(text("UPDATE meetings SET starts_at = :s WHERE id = :m"),
                     {"s": (datetime.now() - timedelta(days=2)).isoformat(" "), "m": was})
    lone = make_case(vault)
    expected = {both: _at_ten(3).date(), other: _at_ten(3).date(),
                finished_first: _at_ten(9).date(), gone: None, lone: None}

    every = {r.number: r.next_meeting for r in case_service.list_cases(vault)}
    newest = {r.number: r.next_meeting for r in case_service.list_cases(vault, limit=10)}
    for found in (every, newest):
        assert {n: found[n] for n in expected} == expected


def test_the_listing_gives_each_case_its_own_state_and_protocol(vault: OpenVault) -> None:
    numbers = [make_case(vault) for _ in range(3)]
    ids = party_ids(vault)
    on_agenda(vault, numbers[1], [ids[CARE_PARTY_NAME]], starts_at=_at_ten(4))
    rows = {r.number: r for r in case_service.list_cases(vault)}
    assert rows[numbers[0]].state is CaseState.REFERRED
    assert rows[numbers[1]].state is CaseState.SCHEDULED
    assert all(rows[n].protocol is Protocol.INTEGRALE_VEILIGHEID for n in numbers)
