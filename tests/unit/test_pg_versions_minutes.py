"""The live minutes under several sessions (issue 22, point 4): two windows or workstations
hold the same entry of the live minutes; the second correction (or removal), built on what it
read before the first correction was stored, is refused with the account and moment of the
first, and nothing of it is written: never a silent overwrite of a colleague's correction.
On the house server too (``pytest --engine=postgresql``: ``admin_vault`` is a house there)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.domain.meetings import EntryInput, EntryKind
from app.domain.roles import Role
from app.errors import EditConflict
from app.services import meeting_live as live_svc
from app.services import meetings as svc
from app.services import minutes as minutes_svc
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.unit.meeting_fixtures import (GGZ, POLICE, as_process_director, draft_for, item,
                                         party_ids, routed_case)

DUE = date.today() + timedelta(days=14)


@pytest.fixture
def two_sessions(admin_vault: OpenVault) -> tuple[OpenVault, OpenVault, int, dict[str, int]]:
    """The process director and a colleague (another process director, another session)
    during the meeting, on its first agenda item."""
    director = as_process_director(admin_vault)
    ids = party_ids(director)
    p, g = ids[POLICE], ids[GGZ]
    case = routed_case(director, "Jan", "de Vries", invitees=[p, g],
                       items=[item(p, "Melding", [g])])
    meeting_id = svc.plan_meeting(director, draft_for([case], [p, g]))
    live_svc.start_meeting(director, meeting_id)
    item_id = svc.get_meeting(director, meeting_id).items[0].id
    live_svc.start_item(director, item_id)
    colleague = unlock_as(director, Role.PROCESS_DIRECTOR, "collega")
    return director, colleague, item_id, ids


def _action(text: str, party: int, owner: str = "P. Smit") -> EntryInput:
    return EntryInput(EntryKind.ACTION, text, party, owner, DUE)


def test_the_second_correction_of_an_entry_is_refused_with_who_and_when(
        two_sessions: tuple[OpenVault, OpenVault, int, dict[str, int]]) -> None:
    director, colleague, item_id, ids = two_sessions
    minutes_svc.add_entry(director, item_id, _action("Huisbezoek plannen", ids[GGZ]))
    [mine] = minutes_svc.entries(director, item_id)
    [theirs] = minutes_svc.entries(colleague, item_id)
    before = datetime.utcnow() - timedelta(minutes=1)

    minutes_svc.edit_entry(colleague, theirs.id, _action("Huisbezoek binnen een week",
                                                         ids[GGZ]), version=theirs.version)
    with pytest.raises(EditConflict) as refused:
        minutes_svc.edit_entry(director, mine.id, _action("Huisbezoek door de wijkagent",
                                                          ids[POLICE], "K. Jansen"),
                               version=mine.version)

    assert refused.value.by_account == "collega"
    assert isinstance(refused.value.at, datetime) and refused.value.at >= before
    assert "collega" in str(refused.value)
    # nothing of the refused correction was written: the colleague's stands, whole
    [now] = minutes_svc.entries(director, item_id)
    assert (now.text, now.party_id, now.owner) == ("Huisbezoek binnen een week", ids[GGZ],
                                                   "P. Smit")
    # read again, the director's correction goes through (a choice made on what is there)
    minutes_svc.edit_entry(director, now.id, _action("Huisbezoek door de wijkagent",
                                                     ids[POLICE], "K. Jansen"),
                           version=now.version)
    [after] = minutes_svc.entries(colleague, item_id)
    assert (after.text, after.owner) == ("Huisbezoek door de wijkagent", "K. Jansen")


def test_a_correction_after_one_s_own_needs_no_reload(
        two_sessions: tuple[OpenVault, OpenVault, int, dict[str, int]]) -> None:
    """The version a correction returns is the one the next correction names."""
    director, _colleague, item_id, ids = two_sessions
    added = minutes_svc.add_entry(director, item_id, _action("Eerste", ids[GGZ]))
    once = minutes_svc.edit_entry(director, added.id, _action("Tweede", ids[GGZ]),
                                  version=added.version)
    minutes_svc.edit_entry(director, added.id, _action("Derde", ids[GGZ]), version=once.version)
    assert [e.text for e in minutes_svc.entries(director, item_id)] == ["Derde"]


def test_removing_an_entry_a_colleague_corrected_meanwhile_is_refused(
        two_sessions: tuple[OpenVault, OpenVault, int, dict[str, int]]) -> None:
    director, colleague, item_id, ids = two_sessions
    minutes_svc.add_entry(director, item_id, _action("Dubbel ingevoerd?", ids[GGZ]))
    [mine] = minutes_svc.entries(director, item_id)
    [theirs] = minutes_svc.entries(colleague, item_id)
    minutes_svc.edit_entry(colleague, theirs.id, _action("Toch nodig: huisbezoek", ids[GGZ]),
                           version=theirs.version)

    with pytest.raises(EditConflict) as refused:
        minutes_svc.remove_entry(director, mine.id, version=mine.version)

    assert refused.value.by_account == "collega"
    assert [e.text for e in minutes_svc.entries(director, item_id)] == [
        "Toch nodig: huisbezoek"]
