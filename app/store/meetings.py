"""The case meeting's SQL as far as a case's own rows go: its agenda items, the
contributions asked of the invited parties, the minutes entries and the minutes stored with
the case.

Typed functions on a connection the caller holds; the services keep the rules and the
transaction (``app.services.meetings``, ``meeting_live``, ``minutes``, ``closure``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, select, update

from app.store.meeting_tables import agenda_items, case_minutes, invitations, minutes_entries


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
