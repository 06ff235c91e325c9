"""A meeting's start and end are changes to its record like any other: a colleague whose
save of the meeting is refused afterwards is told who started or ended it, not '-'
(issue 22, point 4: "changed by <account> at <time> meanwhile")."""

from __future__ import annotations

import pytest

from app.domain.roles import Role
from app.errors import EditConflict
from app.services import meeting_live
from app.services import meetings as meeting_service
from app.services import minutes as minutes_service
from app.store import meetings as meeting_rows
from tests.conftest import unlock_as
from tests.unit.handout_cases import (as_process_director, make_case, party_ids, plan_meeting,
                                      route_to_meeting)


def test_a_start_and_an_end_name_the_account_that_made_them(admin_vault: object) -> None:
    director = as_process_director(admin_vault)  # type: ignore[arg-type]
    colleague = unlock_as(director, Role.PROCESS_DIRECTOR, "collega")
    invited = [party_ids(director)["Den Haag"]]
    number = make_case(director)
    route_to_meeting(director, number, invited)
    meeting_id = plan_meeting(director, number, invited)
    before = meeting_service.get_meeting(colleague, meeting_id)

    meeting_live.start_meeting(director, meeting_id)
    with pytest.raises(EditConflict) as refused:
        meeting_service.update_item(colleague, before.items[0].id, duration=45, goal="Anders",
                                    themes=["wonen"],
                                    decision_types=before.items[0].decision_types,
                                    version=before.version)
    assert refused.value.by_account == director.actor.account != "-"

    minutes_service.end_meeting(director, meeting_id)
    # an ended meeting refuses every edit before its version is compared, so the end is
    # read from the record itself
    with director.read() as conn:
        row = meeting_rows.meeting(conn, meeting_id)
    assert row is not None and row["changed_by"] == director.actor.account
