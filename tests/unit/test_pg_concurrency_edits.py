"""Several sessions edit the same record (issue 22, point 4): the second save, built on what
it read before the first was saved, is refused with the account and moment of the first,
and nothing of it is written: never a silent overwrite. On both engines: two sessions on one
vault file (two windows) and two workstations on the house server (PostgreSQL cases skipped,
with the reason, where no PostgreSQL binaries are installed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.domain.parties import Contact, PartyDetails
from app.errors import EditConflict
from app.services import parties as party_service
from tests.unit.test_pg_services import (ADMIN, ADMIN_PASS, ENGINES, House, _server_house,
                                         _sqlcipher_house)


@pytest.fixture(params=ENGINES)
def house(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[House]:
    if request.param == "postgresql":
        made = _server_house(request.getfixturevalue("pg_server"))
    else:
        made = _sqlcipher_house(tmp_path / "kluis")
    yield made
    for opened in made.opened:
        opened.lock(audit_it=False)


def _details(party: object, **change: str) -> PartyDetails:
    base = PartyDetails(name=party.name, party_type=party.party_type,  # type: ignore[attr-defined]
                        domain=party.domain, seat=party.seat,  # type: ignore[attr-defined]
                        address=party.address,  # type: ignore[attr-defined]
                        representative=party.representative,  # type: ignore[attr-defined]
                        short_name=party.short_name)  # type: ignore[attr-defined]
    return replace(base, **change)


def test_the_second_save_of_a_party_is_refused_with_who_and_when(house: House) -> None:
    first, second = house.unlock(ADMIN, ADMIN_PASS), house.unlock(ADMIN, ADMIN_PASS)
    read_by_first = party_service.list_parties(first)[0]
    read_by_second = party_service.list_parties(second)[0]
    before = datetime.utcnow() - timedelta(minutes=1)

    party_service.update_details(first, read_by_first.id,
                                 _details(read_by_first, seat="Utrecht"),
                                 version=read_by_first.version)
    with pytest.raises(EditConflict) as refused:
        party_service.update_details(second, read_by_second.id,
                                     _details(read_by_second, seat="Zwolle"),
                                     version=read_by_second.version)

    assert refused.value.by_account == ADMIN
    assert isinstance(refused.value.at, datetime) and refused.value.at >= before
    assert ADMIN in str(refused.value)
    # nothing of the refused save was written: the first save stands
    now = next(p for p in party_service.list_parties(second) if p.id == read_by_first.id)
    assert now.seat == "Utrecht"
    # reloaded, the second session's change goes through
    party_service.update_details(second, now.id, _details(now, seat="Zwolle"),
                                 version=now.version)
    again = next(p for p in party_service.list_parties(first) if p.id == now.id)
    assert again.seat == "Zwolle"


def test_the_second_save_of_a_contact_person_is_refused(house: House) -> None:
    first, second = house.unlock(ADMIN, ADMIN_PASS), house.unlock(ADMIN, ADMIN_PASS)
    party = party_service.list_parties(first)[0]
    party_service.save_contact(first, Contact(party_id=party.id, name="J. de Contact",
                                              phone="010-1234567"))
    read_by_first = party_service.contacts(first, party.id)[0]
    read_by_second = party_service.contacts(second, party.id)[0]

    party_service.save_contact(first, replace(read_by_first, phone="010-7654321"))
    with pytest.raises(EditConflict) as refused:
        party_service.save_contact(second, replace(read_by_second, phone="020-0000000"))

    assert refused.value.by_account == ADMIN
    assert party_service.contacts(second, party.id)[0].phone == "010-7654321"


def test_the_second_change_of_a_meeting_is_refused(admin_vault: object) -> None:
    from app.domain.roles import Role
    from app.services import meetings as meeting_service
    from tests.conftest import unlock_as
    from tests.unit.handout_cases import (as_process_director, make_case, party_ids,
                                          plan_meeting, route_to_meeting)

    director = as_process_director(admin_vault)  # type: ignore[arg-type]
    colleague = unlock_as(director, Role.PROCESS_DIRECTOR, "collega")
    invited = [party_ids(director)["Den Haag"]]
    number = make_case(director)
    route_to_meeting(director, number, invited)
    meeting_id = plan_meeting(director, number, invited)
    mine = meeting_service.get_meeting(director, meeting_id)
    theirs = meeting_service.get_meeting(colleague, meeting_id)

    meeting_service.update_meeting(colleague, meeting_id, theirs.starts_at, "Zaal 5",
                                   theirs.chair, version=theirs.version)
    with pytest.raises(EditConflict) as refused:
        meeting_service.update_meeting(director, meeting_id, mine.starts_at, "Zaal 7",
                                       mine.chair, version=mine.version)
    assert refused.value.by_account == "collega"
    # an agenda item's change built on the old read is refused too (the meeting's version
    # covers its agenda)
    item = mine.items[0]
    with pytest.raises(EditConflict):
        meeting_service.update_item(director, item.id, duration=45, goal="Anders",
                                    themes=["wonen"], decision_types=item.decision_types,
                                    version=mine.version)
    now = meeting_service.get_meeting(director, meeting_id)
    assert now.place == "Zaal 5" and now.items[0].goal == item.goal
    meeting_service.update_meeting(director, meeting_id, now.starts_at, "Zaal 7", now.chair,
                                   version=now.version)
    assert meeting_service.get_meeting(colleague, meeting_id).place == "Zaal 7"
