"""The case meeting's SQL as far as a case's own rows go: its agenda items, the
contributions asked of the invited parties, the minutes entries and the minutes stored with
the case.

Typed functions on a connection the caller holds; the services keep the rules and the
transaction (``app.services.meetings``, ``meeting_live``, ``minutes``, ``closure``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from app.store.meeting_tables import (agenda_items, case_minutes, invitations, meetings,
                                      minutes_entries)


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
    (not empty, not already replaced by ``removed_text``)."""
    return [(int(i), int(p)) for i, p in conn.execute(
        select(invitations.c.agenda_item_id, invitations.c.party_id)
        .where(invitations.c.agenda_item_id.in_(list(item_ids)),
               invitations.c.contribution != "", invitations.c.contribution != removed_text)
        .order_by(invitations.c.agenda_item_id, invitations.c.party_id))]


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


def remove_entry(conn: Connection, entry_id: int) -> None:
    conn.execute(delete(minutes_entries).where(minutes_entries.c.id == entry_id))


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


def set_meeting_fields(conn: Connection, meeting_id: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(meetings).where(meetings.c.id == meeting_id).values(dict(values)))


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
