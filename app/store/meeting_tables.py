"""SQLAlchemy Core tables of case meetings (covenant 8, 9, 12.2c-e): the meeting, its agenda
items (one per case, with goal, themes and decision types), the invitations per agenda item,
the people present with their confidentiality statement, who was absent for which item, the
live minutes, and the minutes per case stored after the meeting.

Migration ``0006_meetings`` creates these tables; a test checks that both agree. Two
meetings at the same time and place are refused by the service with a reason, and by the
unique constraint on (``starts_at``, ``place_key``) as the last guard (on the house server,
where the place is sealed, a unique index on ``starts_at`` and the place's blind index:
migration 0017).
"""

from __future__ import annotations

from sqlalchemy import (Column, Date, DateTime, ForeignKey, Index, Integer, String, Table,
                        Text, UniqueConstraint)

from app.store.tables import metadata
from app.store.personal import declare
from app.store.sealed import seal
from app.store.versioned import version_columns

meetings = Table(
    "meetings", metadata,
    Column("id", Integer, primary_key=True),
    Column("starts_at", DateTime, nullable=False),
    Column("place", Text, nullable=False),
    Column("place_key", Text, nullable=False),        # folded, for the clash check
    Column("chair", Text, nullable=False),
    Column("state", String(16), nullable=False),      # planned | in_progress | finished
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("started_at", DateTime, nullable=True),
    Column("ended_at", DateTime, nullable=True),
    *version_columns(),                                # issue 22, point 4 (0015)
    UniqueConstraint("starts_at", "place_key", name="uq_meetings_time_place"),
)
Index("ix_meetings_starts_at", meetings.c.starts_at)

agenda_items = Table(
    "agenda_items", metadata,
    Column("id", Integer, primary_key=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id", ondelete="CASCADE"),
           nullable=False),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(16), nullable=False),       # first | follow_up
    Column("duration_minutes", Integer, nullable=False),
    Column("goal", Text, nullable=False),
    Column("themes", Text, nullable=False),           # JSON list of strings
    Column("decision_types", Text, nullable=False),   # JSON list of DecisionType values
    Column("started_at", DateTime, nullable=True),
    Column("ended_at", DateTime, nullable=True),
    Column("minutes_stored_at", DateTime, nullable=True),
    UniqueConstraint("meeting_id", "case_id", name="uq_agenda_items_meeting_case"),
)
Index("ix_agenda_items_case_id", agenda_items.c.case_id)

#: The parties invited to one agenda item, with the contribution asked of them (12.2e).
invitations = Table(
    "invitations", metadata,
    Column("agenda_item_id", Integer, ForeignKey("agenda_items.id", ondelete="CASCADE"),
           primary_key=True),
    Column("party_id", Integer, ForeignKey("parties.id"), primary_key=True),
    Column("contribution", Text, nullable=False),
    Column("invited_at", DateTime, nullable=False),
)

attendees = Table(
    "attendees", metadata,
    Column("id", Integer, primary_key=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("party_id", Integer, ForeignKey("parties.id"), nullable=False),
    Column("function", Text, nullable=False),
    Column("arrived_at", DateTime, nullable=False),
    Column("confidentiality_accepted_at", DateTime, nullable=True),
    Column("left_at", DateTime, nullable=True),
)

#: A person marked absent for one agenda item (e.g. steps out for one case).
attendee_absences = Table(
    "attendee_absences", metadata,
    Column("attendee_id", Integer, ForeignKey("attendees.id", ondelete="CASCADE"),
           primary_key=True),
    Column("agenda_item_id", Integer, ForeignKey("agenda_items.id", ondelete="CASCADE"),
           primary_key=True),
)

#: The live minutes: one row per entry, written the moment it is added.
minutes_entries = Table(
    "minutes_entries", metadata,
    Column("id", Integer, primary_key=True),
    Column("agenda_item_id", Integer, ForeignKey("agenda_items.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("kind", String(24), nullable=False),
    Column("text", Text, nullable=False),
    Column("party_id", Integer, ForeignKey("parties.id"), nullable=True),
    Column("owner", Text, nullable=False),
    Column("due", Date, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("plan_key", String(32), nullable=True),    # set once handed over to the plan
    *version_columns(),                                # issue 22, point 4 (0016)
)

#: The minutes of one case at one meeting, stored with the case after the meeting (JSON).
case_minutes = Table(
    "case_minutes", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("meeting_id", Integer, nullable=False),
    Column("agenda_item_id", Integer, nullable=False, unique=True),
    Column("stored_at", DateTime, nullable=False),
    Column("stored_by", String(64), nullable=False),
    Column("body", Text, nullable=False),
    *version_columns(),                                # issue 22, point 4 (0015)
)

# -- personal data (app.store.personal) -----------------------------------------------------
declare(agenda_items, personal=("goal", "themes"), not_personal=("kind", "decision_types"))
declare(invitations, personal=("contribution",))
declare(minutes_entries, personal=("text", "owner"),
        not_personal=("kind", "created_by", "plan_key", "changed_by"))
declare(case_minutes, personal=("body",), not_personal=("stored_by", "changed_by"))
# who attended (professionals' names and functions): sealed on the house server
# (app.store.sealed; unchanged in the vault file)
seal(attendees, "name", "function")
# a meeting's place (it can be an address: a home visit, a school) and its chair (a person):
# sealed on the house server (migration 0017); the folded place carries a blind index, so the
# clash check's equality and the server's unique index on (starts_at, blind index) still work
seal(meetings, "place", "place_key", "chair")
