"""Live minutes and attendance a chair can correct in the moment (issue 18, points 1-2;
covenant 8.4 on the minutes, 9.2 and 17 on the meeting-room screen).

Service level: an entry corrected and deleted while the meeting is in session (audited with
its id and kind, never its text), refused once the meeting has ended; a mistyped attendee
taken off the list (audited, not "has left"); the stored minutes carry the meeting's real
start and end; a refusal names its field; the meeting is named by date, time and place;
and the meeting-room screen has one status that the director's view and the room view share.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.meetings import (EntryInput, EntryKind, Meeting, MeetingState, check_entry,
                                 meeting_file_stamp, meeting_label, refusal_text,
                                 start_needs_question)
from app.errors import TransitionRefused, ValidationError
from app.i18n import _
from app.services import meeting_room as room_service
from app.services import meetings as svc
from app.services import meeting_live as live_svc
from app.services import minutes as minutes_svc
from app.services.meeting_room import StatusKind
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import audit_reader
from tests.unit.meeting_fixtures import (GGZ, MUNICIPALITY, POLICE, as_process_director,
                                         draft_for, item, party_ids, routed_case)

SECRET = "Kees slaat zijn partner"        # minutes text that must never reach the audit log


@pytest.fixture
def live(admin_vault: OpenVault) -> tuple[OpenVault, dict[str, int], int, int]:
    pd = as_process_director(admin_vault)
    ids = party_ids(pd)
    p, g = ids[POLICE], ids[GGZ]
    case = routed_case(pd, "Jan", "de Vries", invitees=[p, g], items=[
        item(p, "Melding huiselijk geweld", [g]),
        item(g, "Behandeling gestart", [p])])
    meeting_id = svc.plan_meeting(pd, draft_for([case], [p, g]))
    live_svc.start_meeting(pd, meeting_id)
    item_id = svc.get_meeting(pd, meeting_id).items[0].id
    live_svc.start_item(pd, item_id)
    return pd, ids, meeting_id, item_id


def audit(vault: OpenVault, action: str) -> list[dict[str, object]]:
    with audit_reader(vault) as conn:
        rows = conn.execute(select(audit_log.c.detail, audit_log.c.result)
                            .where(audit_log.c.action == action)).all()
    return [dict(json.loads(d), result=r) for d, r in rows]


def all_audit_text(vault: OpenVault) -> str:
    with audit_reader(vault) as conn:
        return " ".join(conn.execute(select(audit_log.c.detail)).scalars())


def test_8_4_an_entry_is_corrected_and_deleted_during_the_meeting_audited_without_text(
        live: tuple[OpenVault, dict[str, int], int, int]) -> None:
    vault, ids, meeting_id, item_id = live
    due = date.today() + timedelta(days=7)
    added = minutes_svc.add_entry(vault, item_id, EntryInput(EntryKind.ACTION, "Huisbezoek",
                                                     ids[GGZ], "P. Smit", due))
    corrected = minutes_svc.edit_entry(vault, added.id, EntryInput(
        EntryKind.ACTION, SECRET, ids[POLICE], "K. Jansen", due + timedelta(days=1)))
    assert corrected.id == added.id
    [stored] = minutes_svc.entries(vault, item_id)
    assert (stored.text, stored.party_id, stored.owner, stored.due) == (
        SECRET, ids[POLICE], "K. Jansen", due + timedelta(days=1))
    assert audit(vault, "meeting.minutes_edit") == [
        {"meeting": meeting_id, "entry": added.id, "kind": "action", "result": "ok"}]

    minutes_svc.remove_entry(vault, added.id)
    assert minutes_svc.entries(vault, item_id) == []
    assert audit(vault, "meeting.minutes_remove") == [
        {"meeting": meeting_id, "entry": added.id, "kind": "action", "result": "ok"}]
    assert SECRET not in all_audit_text(vault) and "K. Jansen" not in all_audit_text(vault)


def test_8_4_a_correction_keeps_the_rules_of_an_entry_and_names_the_field(
        live: tuple[OpenVault, dict[str, int], int, int]) -> None:
    vault, ids, _meeting_id, item_id = live
    added = minutes_svc.add_entry(vault, item_id, EntryInput(EntryKind.NOTE, "Notitie"))
    with pytest.raises(ValidationError) as refused:
        minutes_svc.edit_entry(vault, added.id, EntryInput(EntryKind.ACTION, "Doen", ids[GGZ], "",
                                                   date.today() + timedelta(days=3)))
    assert refused.value.field == "owner"
    assert refusal_text(refused.value).startswith(_("Owner") + ": ")
    # A party not invited to the case is refused on the party field.
    with pytest.raises(ValidationError) as refused:
        minutes_svc.edit_entry(vault, added.id, EntryInput(EntryKind.NOTE, "Notitie",
                                                   ids[MUNICIPALITY]))
    assert refused.value.field == "party_id"
    assert minutes_svc.entries(vault, item_id)[0].text == "Notitie"


def test_8_4_a_case_coordinator_without_an_executor_names_the_field() -> None:
    """The complaint: "mag niet leeg zijn" without saying which field."""
    with pytest.raises(ValidationError) as refused:
        check_entry(EntryInput(EntryKind.COORDINATOR, "", 3, ""), date.today())
    message = refusal_text(refused.value)
    assert refused.value.field == "owner"
    assert message == "{field}: {message}".format(field=_("Owner"),
                                                  message=_("must not be empty"))


def test_8_4_minutes_no_longer_change_after_the_meeting_ended(
        live: tuple[OpenVault, dict[str, int], int, int]) -> None:
    vault, _ids, meeting_id, item_id = live
    added = minutes_svc.add_entry(vault, item_id, EntryInput(EntryKind.NOTE, "Notitie"))
    minutes_svc.end_meeting(vault, meeting_id)
    with pytest.raises(TransitionRefused):
        minutes_svc.edit_entry(vault, added.id, EntryInput(EntryKind.NOTE, "Anders"))
    with pytest.raises(TransitionRefused):
        minutes_svc.remove_entry(vault, added.id)


def test_17_a_mistyped_attendee_is_removed_not_marked_as_left(
        live: tuple[OpenVault, dict[str, int], int, int]) -> None:
    vault, ids, meeting_id, item_id = live
    wrong = live_svc.add_attendee(vault, meeting_id, "Kees de BoerLotte Visser", ids[POLICE], "x")
    live_svc.set_absent_for_item(vault, wrong, item_id, True)
    live_svc.remove_attendee(vault, wrong)
    assert [a.id for a in live_svc.list_attendees(vault, meeting_id)] == []
    assert audit(vault, "meeting.attendee_remove") == [
        {"attendee": wrong, "party": ids[POLICE], "result": "ok"}]
    assert audit(vault, "meeting.attendee_leave") == []
    assert "Kees" not in all_audit_text(vault)
    # Once the meeting has ended the attendance list is what it was.
    stays = live_svc.add_attendee(vault, meeting_id, "K. Jansen", ids[POLICE], "Wijkagent")
    minutes_svc.end_meeting(vault, meeting_id)
    with pytest.raises(TransitionRefused):
        live_svc.remove_attendee(vault, stays)
    assert [a.id for a in live_svc.list_attendees(vault, meeting_id)] == [stays]


def test_8_4_the_stored_minutes_carry_the_real_start_and_end(
        live: tuple[OpenVault, dict[str, int], int, int]) -> None:
    vault, _ids, meeting_id, item_id = live
    meeting = svc.get_meeting(vault, meeting_id)
    assert meeting.started_at is not None
    minutes_svc.add_entry(vault, item_id, EntryInput(EntryKind.NOTE, "Notitie"))
    minutes_svc.end_meeting(vault, meeting_id)
    ended = svc.get_meeting(vault, meeting_id)
    [minutes] = minutes_svc.case_minutes(vault, meeting.items[0].case_number)
    told = minutes.body["meeting"]
    # The planned start is tomorrow; the minutes say when it really began and ended.
    assert told["starts_at"] == meeting.started_at.isoformat()
    assert told["started_at"] == meeting.started_at.isoformat()
    assert told["planned_starts_at"] == meeting.starts_at.isoformat()
    assert ended.ended_at is not None and told["ended_at"] == ended.ended_at.isoformat()
    assert datetime.fromisoformat(told["starts_at"]).date() == date.today()


def test_a_meeting_is_named_by_date_time_and_place_and_files_by_date_and_time() -> None:
    meeting = Meeting(555, datetime(2026, 3, 12, 10, 0), "Zaal 3", "A. de Regisseur",
                      MeetingState.PLANNED)
    label = meeting_label(meeting)
    assert "555" not in label and "Zaal 3" in label and "10:00" in label
    assert "12" in label and "2026" in label
    assert meeting_file_stamp(meeting.starts_at) == "2026-03-12-1000"


def test_starting_more_than_a_day_from_the_planned_date_asks_first() -> None:
    meeting = Meeting(1, datetime(2026, 3, 12, 10, 0), "Zaal 3", "Voorzitter",
                      MeetingState.PLANNED)
    assert start_needs_question(meeting, date(2026, 3, 5))        # a week early
    assert start_needs_question(meeting, date(2026, 3, 14))       # two days late
    assert not start_needs_question(meeting, date(2026, 3, 11))   # the day before
    assert not start_needs_question(meeting, date(2026, 3, 12))


def test_9_2_17_one_status_for_the_room_screen_in_both_views(
        live: tuple[OpenVault, dict[str, int], int, int]) -> None:
    """The director's view and the room view carry the same status, through nobody
    present, waiting (naming who), showing N of M, blank, and blocked (naming who)."""
    vault, ids, meeting_id, item_id = live

    def both(blanked: bool = False) -> room_service.RoomStatus:
        room = room_service.load_room(vault, meeting_id)
        shown = room_service.room_view(room, item_id, blanked=blanked).status
        assert room_service.director_view(room, item_id, blanked=blanked).status == shown
        return shown

    assert both().kind is StatusKind.NOBODY_PRESENT
    kees = live_svc.add_attendee(vault, meeting_id, "K. Jansen", ids[POLICE], "Wijkagent")
    status = both()
    assert status.kind is StatusKind.WAITING
    assert status.names == (f"K. Jansen ({POLICE})",) and "K. Jansen" in status.text
    live_svc.accept_confidentiality(vault, kees)
    status = both()
    # The police see both items (one supplied by it, one shared with it).
    assert (status.kind, status.shown, status.total) == (StatusKind.SHOWING, 2, 2)
    blank = both(blanked=True)
    assert blank.kind is StatusKind.BLANKED and blank.room_text == ""
    guest = live_svc.add_attendee(vault, meeting_id, "R. Bos", ids[MUNICIPALITY], "Beleid",
                             accepted_at=datetime.now())
    status = both()
    assert status.kind is StatusKind.BLOCKED and status.names == (f"R. Bos ({MUNICIPALITY})",)
    live_svc.remove_attendee(vault, guest)
    assert both().kind is StatusKind.SHOWING
