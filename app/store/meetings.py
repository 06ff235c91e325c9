"""The case meeting's SQL: a case's agenda items, the contributions asked of the invited
parties, the attendance, the minutes entries and the minutes stored with the case.

Typed functions on a connection the caller holds; the services keep the rules and the
transaction (``app.services.meetings``, ``meeting_live``, ``minutes``, ``closure``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from app.store.case_tables import cases
from app.store.versioned import guarded_delete, guarded_update
from app.store.meeting_tables import (agenda_items, attendee_absences, attendees,
                                      case_minutes, invitations, meetings, minutes_entries)


def agenda_item_ids(conn: Connection, case_id: int) -> list[int]:
    """The case's agenda items (every meeting), oldest first."""
    return [int(i) for i in conn.execute(select(agenda_items.c.id).where(
        agenda_items.c.case_id == case_id).order_by(agenda_items.c.id)).scalars()]


def entry_ids(conn: Connection, case_id: int) -> list[int]:
    """The case's minutes entries, oldest first."""
    return [int(i) for i in conn.execute(select(minutes_entries.c.id).where(
        minutes_entries.c.case_id == case_id).order_by(minutes_entries.c.id)).scalars()]


def stored_minutes_ids(conn: Connection, case_id: int) -> list[int]:
    """The minutes stored with the case, one per meeting, oldest first."""
    return [int(i) for i in conn.execute(select(case_minutes.c.id).where(
        case_minutes.c.case_id == case_id).order_by(case_minutes.c.id)).scalars()]


def contributions_asked(conn: Connection, item_ids: Iterable[int],
                        removed_text: str) -> list[tuple[int, int]]:
    """``(agenda item, party)`` of the invitations to ``item_ids`` that ask a contribution
    (not empty, not already replaced by ``removed_text``). The text is compared on the
    workstation: on the house server it is sealed, and SQL cannot compare it there."""
    return [(int(i), int(p)) for i, p, text in conn.execute(
        select(invitations.c.agenda_item_id, invitations.c.party_id,
               invitations.c.contribution)
        .where(invitations.c.agenda_item_id.in_(list(item_ids)))
        .order_by(invitations.c.agenda_item_id, invitations.c.party_id))
        if text and text != removed_text]


def delete_minutes(conn: Connection, case_id: int, entries: Iterable[int],
                   stored: Iterable[int]) -> None:
    """Remove the named minutes entries and stored minutes of the case."""
    conn.execute(delete(minutes_entries).where(minutes_entries.c.case_id == case_id,
                                               minutes_entries.c.id.in_(list(entries))))
    conn.execute(delete(case_minutes).where(case_minutes.c.case_id == case_id,
                                            case_minutes.c.id.in_(list(stored))))


def blank_agenda_texts(conn: Connection, case_id: int, item_ids: Iterable[int],
                       text: str) -> None:
    """Replace the goal of the case's named agenda items with ``text``, empty their themes
    and the contributions asked for them."""
    ids = list(item_ids)
    conn.execute(update(agenda_items).where(
        agenda_items.c.case_id == case_id, agenda_items.c.id.in_(ids))
        .values(goal=text, themes="[]"))
    conn.execute(update(invitations).where(invitations.c.agenda_item_id.in_(ids))
                 .values(contribution=""))


# -- the minutes -------------------------------------------------------------------------------

def entry_rows(conn: Connection, item_id: int) -> list[RowMapping]:
    """The minutes entries of one agenda item, in the order typed."""
    return list(conn.execute(select(minutes_entries)
                             .where(minutes_entries.c.agenda_item_id == item_id)
                             .order_by(minutes_entries.c.id)).mappings())


def entry_row(conn: Connection, entry_id: int) -> RowMapping | None:
    return conn.execute(select(minutes_entries).where(minutes_entries.c.id == entry_id)
                        ).mappings().first()


def add_entry(conn: Connection, values: Mapping[str, Any]) -> int:
    """Insert one minutes entry (column: value); its id."""
    inserted = conn.execute(insert(minutes_entries).values(dict(values))).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def change_entry(conn: Connection, entry_id: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(minutes_entries).where(minutes_entries.c.id == entry_id)
                 .values(dict(values)))


def correct_entry(conn: Connection, entry_id: int, version: int | None,
                  values: Mapping[str, Any], by: str, at: datetime) -> bool:
    """A correction of the entry read at ``version`` (``app.store.versioned``): written and
    the version bumped, or ``EditConflict`` when another session corrected it since."""
    return guarded_update(conn, minutes_entries, minutes_entries.c.id == entry_id, version,
                          values, by, at)


def remove_entry_read_at(conn: Connection, entry_id: int, version: int | None) -> bool:
    """Remove the entry only as it was read (``version``); ``EditConflict`` otherwise."""
    return guarded_delete(conn, minutes_entries, minutes_entries.c.id == entry_id, version)


def actions_without_plan_key(conn: Connection, item_id: int, action_kind: str) -> list[int]:
    """The item's action entries not yet given a key in the plan."""
    return [int(i) for i in conn.execute(select(minutes_entries.c.id).where(
        minutes_entries.c.agenda_item_id == item_id, minutes_entries.c.kind == action_kind,
        minutes_entries.c.plan_key.is_(None))).scalars()]


def invited_parties(conn: Connection, item_id: int) -> list[int]:
    """The parties invited to one agenda item."""
    return [int(p) for p in conn.execute(select(invitations.c.party_id).where(
        invitations.c.agenda_item_id == item_id)).scalars()]


def set_item_fields(conn: Connection, item_id: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(agenda_items).where(agenda_items.c.id == item_id).values(dict(values)))


def set_meeting_fields(conn: Connection, meeting_id: int, values: Mapping[str, Any], *,
                       version: int | None = None, by: str = "-",
                       at: datetime | None = None) -> None:
    """Write ``values`` into the meeting's row and bump its version (which covers its
    agenda too); ``version`` given, a meeting saved since raises ``EditConflict``."""
    guarded_update(conn, meetings, meetings.c.id == meeting_id, version, values, by,
                   at or datetime.now(UTC).replace(tzinfo=None))


def store_case_minutes(conn: Connection, *, case_id: int, meeting_id: int, item_id: int,
                       stored_at: datetime, stored_by: str, body: str) -> None:
    """The minutes of one agenda item stored with its case (replacing an earlier store)."""
    conn.execute(delete(case_minutes).where(case_minutes.c.agenda_item_id == item_id))
    conn.execute(insert(case_minutes).values(
        case_id=case_id, meeting_id=meeting_id, agenda_item_id=item_id, stored_at=stored_at,
        stored_by=stored_by, body=body))


def minutes_bodies_of_meeting(conn: Connection, meeting_id: int) -> list[tuple[int, str]]:
    """``(id, body)`` of the minutes stored for the meeting's cases."""
    return [(int(i), str(b)) for i, b in conn.execute(
        select(case_minutes.c.id, case_minutes.c.body)
        .where(case_minutes.c.meeting_id == meeting_id)).all()]


def set_minutes_body(conn: Connection, minutes_id: int, body: str) -> None:
    conn.execute(update(case_minutes).where(case_minutes.c.id == minutes_id).values(body=body))


def minutes_of_case(conn: Connection, case_id: int) -> list[RowMapping]:
    """The minutes stored with the case, oldest first."""
    return list(conn.execute(select(case_minutes).where(case_minutes.c.case_id == case_id)
                             .order_by(case_minutes.c.stored_at)).mappings())


# -- attendance --------------------------------------------------------------------------------

def absences(conn: Connection, meeting_id: int) -> list[tuple[int, int]]:
    """``(attendee, agenda item)`` for each person absent for an item of the meeting."""
    return [(int(a), int(i)) for a, i in conn.execute(
        select(attendee_absences.c.attendee_id, attendee_absences.c.agenda_item_id)
        .join(attendees, attendees.c.id == attendee_absences.c.attendee_id)
        .where(attendees.c.meeting_id == meeting_id))]


def attendee_rows(conn: Connection, meeting_id: int) -> list[RowMapping]:
    """The meeting's attendance list, in the order recorded."""
    return list(conn.execute(select(attendees).where(attendees.c.meeting_id == meeting_id)
                             .order_by(attendees.c.id)).mappings())


def attendee_row(conn: Connection, attendee_id: int) -> RowMapping | None:
    return conn.execute(select(attendees).where(attendees.c.id == attendee_id)
                        ).mappings().first()


def add_attendee(conn: Connection, values: Mapping[str, Any]) -> int:
    inserted = conn.execute(insert(attendees).values(dict(values))).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def set_attendee_fields(conn: Connection, attendee_id: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(attendees).where(attendees.c.id == attendee_id).values(dict(values)))


def remove_attendee(conn: Connection, attendee_id: int) -> None:
    """Take the person off the list with their absences."""
    conn.execute(delete(attendee_absences).where(attendee_absences.c.attendee_id == attendee_id))
    conn.execute(delete(attendees).where(attendees.c.id == attendee_id))


def set_absent(conn: Connection, attendee_id: int, item_id: int, absent: bool) -> None:
    """Mark the person absent for the item (or present again)."""
    conn.execute(delete(attendee_absences).where(
        attendee_absences.c.attendee_id == attendee_id,
        attendee_absences.c.agenda_item_id == item_id))
    if absent:
        conn.execute(insert(attendee_absences).values(attendee_id=attendee_id,
                                                      agenda_item_id=item_id))


# -- meetings and their agendas ----------------------------------------------------------------

def meeting(conn: Connection, meeting_id: int) -> RowMapping | None:
    return conn.execute(select(meetings).where(meetings.c.id == meeting_id)).mappings().first()


def all_meetings(conn: Connection) -> list[RowMapping]:
    """Every meeting, earliest first."""
    return list(conn.execute(select(meetings).order_by(meetings.c.starts_at)).mappings())


def item_counts(conn: Connection) -> dict[int, int]:
    """Meeting id -> how many agenda items it has."""
    return {int(m): int(n) for m, n in conn.execute(
        select(agenda_items.c.meeting_id, func.count()).group_by(agenda_items.c.meeting_id))}


def add_meeting(conn: Connection, values: Mapping[str, Any]) -> int:
    inserted = conn.execute(insert(meetings).values(dict(values))).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def clashes(conn: Connection, starts_at: datetime, place_key: str,
            meeting_id: int | None = None) -> bool:
    """Whether another meeting (not ``meeting_id``) is planned at this time and place."""
    query = select(meetings.c.id).where(meetings.c.starts_at == starts_at,
                                        meetings.c.place_key == place_key)
    if meeting_id is not None:
        query = query.where(meetings.c.id != meeting_id)
    return conn.execute(query).first() is not None


def latest_item_of_case(conn: Connection, case_id: int,
                        exclude_meeting: int | None = None) -> RowMapping | None:
    """The case's agenda item in the latest meeting (not ``exclude_meeting``)."""
    query = (select(agenda_items).join(meetings, meetings.c.id == agenda_items.c.meeting_id)
             .where(agenda_items.c.case_id == case_id)
             .order_by(meetings.c.starts_at.desc()).limit(1))
    if exclude_meeting is not None:
        query = query.where(agenda_items.c.meeting_id != exclude_meeting)
    return conn.execute(query).mappings().first()


def open_item_of_case(conn: Connection, case_id: int, finished_state: str,
                      exclude_meeting: int | None = None) -> tuple[int, datetime] | None:
    """``(meeting id, starts_at)`` of a meeting not ``finished_state`` where the case is on
    the agenda and not yet discussed."""
    query = (select(meetings.c.id, meetings.c.starts_at)
             .join(agenda_items, agenda_items.c.meeting_id == meetings.c.id)
             .where(agenda_items.c.case_id == case_id, agenda_items.c.started_at.is_(None),
                    meetings.c.state != finished_state))
    if exclude_meeting is not None:
        query = query.where(meetings.c.id != exclude_meeting)
    row = conn.execute(query).first()
    return (int(row[0]), row[1]) if row else None


#: An agenda item's logistics: what a reader without the substance gets (on the house server
#: its role may select only these columns: app.store.pg_roles).
ITEM_LOGISTICS = ("id", "meeting_id", "case_id", "position", "kind", "duration_minutes",
                  "started_at", "ended_at", "minutes_stored_at")
#: What the process director wrote for the invitees.
ITEM_SUBSTANCE = ("goal", "themes", "decision_types")


def items_of_meetings(conn: Connection, meeting_ids: Iterable[int], *,
                      substance: bool = True) -> list[RowMapping]:
    """The agenda items of the meetings with their case's number, in agenda order; without
    ``substance`` the logistics only (:data:`ITEM_LOGISTICS`: no goal, themes or decision
    types in the row)."""
    names = ITEM_LOGISTICS + (ITEM_SUBSTANCE if substance else ())
    return list(conn.execute(
        select(*(agenda_items.c[n] for n in names), cases.c.number)
        .join(cases, cases.c.id == agenda_items.c.case_id)
        .where(agenda_items.c.meeting_id.in_(list(meeting_ids)))
        .order_by(agenda_items.c.meeting_id, agenda_items.c.position)).mappings())


def item_with_case(conn: Connection, item_id: int) -> RowMapping | None:
    """The agenda item with its case's number, protocol and state."""
    return conn.execute(select(agenda_items, cases.c.number, cases.c.protocol, cases.c.state)
                        .join(cases, cases.c.id == agenda_items.c.case_id)
                        .where(agenda_items.c.id == item_id)).mappings().first()


def item_ids_in_order(conn: Connection, meeting_id: int) -> list[int]:
    """The meeting's agenda items in agenda order."""
    return [int(i) for i in conn.execute(select(agenda_items.c.id).where(
        agenda_items.c.meeting_id == meeting_id).order_by(agenda_items.c.position)).scalars()]


def case_on_agenda(conn: Connection, meeting_id: int, case_id: int) -> bool:
    return conn.execute(select(agenda_items.c.id).where(
        agenda_items.c.meeting_id == meeting_id, agenda_items.c.case_id == case_id)
    ).first() is not None


def next_position(conn: Connection, meeting_id: int) -> int:
    """The position after the last item of the meeting's agenda."""
    return int(conn.execute(select(func.coalesce(func.max(agenda_items.c.position), -1))
                            .where(agenda_items.c.meeting_id == meeting_id)).scalar_one()) + 1


def add_item(conn: Connection, values: Mapping[str, Any]) -> int:
    inserted = conn.execute(insert(agenda_items).values(dict(values))).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def remove_item(conn: Connection, item_id: int) -> None:
    conn.execute(delete(agenda_items).where(agenda_items.c.id == item_id))


def invitation_rows(conn: Connection, item_ids: Iterable[int], *,
                    substance: bool = True) -> list[RowMapping]:
    """The invitations to the items, by party; without ``substance`` who is invited and
    when, not the contribution asked of them."""
    columns = [invitations.c.agenda_item_id, invitations.c.party_id, invitations.c.invited_at]
    if substance:
        columns.append(invitations.c.contribution)
    return list(conn.execute(select(*columns).where(
        invitations.c.agenda_item_id.in_(list(item_ids)))
        .order_by(invitations.c.party_id)).mappings())


def invited_in_order(conn: Connection, item_id: int) -> list[int]:
    """The parties invited to the item, by id."""
    return [int(p) for p in conn.execute(
        select(invitations.c.party_id).where(invitations.c.agenda_item_id == item_id)
        .order_by(invitations.c.party_id)).scalars()]


def contributions(conn: Connection, item_id: int) -> dict[int, str]:
    """Party id -> the contribution asked of it for the item."""
    return {int(p): str(c) for p, c in conn.execute(
        select(invitations.c.party_id, invitations.c.contribution)
        .where(invitations.c.agenda_item_id == item_id))}


def replace_invitations(conn: Connection, item_id: int, invited: Mapping[int, str],
                        at: datetime) -> None:
    """The item's invitations become ``invited`` (party id -> contribution)."""
    conn.execute(delete(invitations).where(invitations.c.agenda_item_id == item_id))
    if invited:
        conn.execute(insert(invitations), [
            {"agenda_item_id": item_id, "party_id": pid, "contribution": text,
             "invited_at": at} for pid, text in sorted(invited.items())])


def latest_meeting_of_case(conn: Connection,
                           case_id: int) -> tuple[int, int, datetime, str, datetime | None] | None:
    """``(agenda item, meeting, starts_at, place, started_at)`` of the latest meeting (by
    planned start) the case is on, or None."""
    row = conn.execute(
        select(agenda_items.c.id, meetings.c.id, meetings.c.starts_at, meetings.c.place,
               meetings.c.started_at)
        .join(meetings, meetings.c.id == agenda_items.c.meeting_id)
        .where(agenda_items.c.case_id == case_id)
        .order_by(meetings.c.starts_at.desc(), meetings.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return int(row[0]), int(row[1]), row[2], str(row[3] or ""), row[4]
