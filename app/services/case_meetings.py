"""The meetings on whose agenda one case is, each with that case's own agenda item: what
``casuskamer cases show`` prints under "meetings".

Read as part of the case (``CASE_SUBSTANCE``: an item's goal and the parties asked are
substance) and audited as what was shown: one ``case.meetings`` row on the case number
naming the meeting ids shown. Reading other meetings' agendas to find the case (as
``cases show`` did through ``meetings.get_meeting``, one ``meeting.open`` row per meeting
with any case on it, shown or not, plus a ``meeting.list`` row) is not what the user
opened; the audit says only what the user saw.
"""

from __future__ import annotations

from app.domain.meetings import AgendaItem, Meeting, MeetingState
from app.domain.roles import Permission
from app.services import cases as case_service
from app.services.meetings import load_meeting
from app.store import meetings as meeting_rows
from app.vault.access import entry_point
from app.vault.vault import OpenVault


@entry_point
def case_meetings(vault: OpenVault, number_or_id: str | int
                  ) -> list[tuple[Meeting, AgendaItem]]:
    """``(meeting, the case's item)`` for every meeting the case is on, soonest first and
    finished meetings after the others (as the meetings list orders them)."""
    vault.require(Permission.CASE_SUBSTANCE, "case", str(number_or_id))
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number_or_id)
        _state, number = case_service.current_state(conn, case_id)
        meeting_ids = sorted({int(row["meeting_id"]) for row in (
            meeting_rows.item_with_case(conn, item_id)
            for item_id in meeting_rows.agenda_item_ids(conn, case_id)) if row is not None})
        meetings = [load_meeting(conn, meeting_id) for meeting_id in meeting_ids]
    meetings.sort(key=lambda m: (m.state is MeetingState.FINISHED, m.starts_at))
    found = [(meeting, item) for meeting in meetings for item in meeting.items
             if item.case_id == case_id]
    vault.log_now("case.meetings", "case", number,
                  detail={"meetings": [m.id for m in meetings]})
    return found
