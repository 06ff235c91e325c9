"""Case meetings: meetings, agenda items, invitations, attendance with confidentiality,
absences per item, live minutes and the minutes stored with each case.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("place", sa.Text, nullable=False),
        sa.Column("place_key", sa.Text, nullable=False),
        sa.Column("chair", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("ended_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("starts_at", "place_key", name="uq_meetings_time_place"),
    )
    op.create_index("ix_meetings_starts_at", "meetings", ["starts_at"])
    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("goal", sa.Text, nullable=False),
        sa.Column("themes", sa.Text, nullable=False),
        sa.Column("decision_types", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("ended_at", sa.DateTime, nullable=True),
        sa.Column("minutes_stored_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("meeting_id", "case_id", name="uq_agenda_items_meeting_case"),
    )
    op.create_index("ix_agenda_items_case_id", "agenda_items", ["case_id"])
    op.create_table(
        "invitations",
        sa.Column("agenda_item_id", sa.Integer,
                  sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id"), primary_key=True),
        sa.Column("contribution", sa.Text, nullable=False),
        sa.Column("invited_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "attendees",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("function", sa.Text, nullable=False),
        sa.Column("arrived_at", sa.DateTime, nullable=False),
        sa.Column("confidentiality_accepted_at", sa.DateTime, nullable=True),
        sa.Column("left_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_attendees_meeting_id", "attendees", ["meeting_id"])
    op.create_table(
        "attendee_absences",
        sa.Column("attendee_id", sa.Integer, sa.ForeignKey("attendees.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("agenda_item_id", sa.Integer,
                  sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "minutes_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agenda_item_id", sa.Integer,
                  sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id"), nullable=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("due", sa.Date, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("plan_key", sa.String(32), nullable=True),
    )
    op.create_index("ix_minutes_entries_agenda_item_id", "minutes_entries", ["agenda_item_id"])
    op.create_index("ix_minutes_entries_case_id", "minutes_entries", ["case_id"])
    op.create_table(
        "case_minutes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("meeting_id", sa.Integer, nullable=False),
        sa.Column("agenda_item_id", sa.Integer, nullable=False, unique=True),
        sa.Column("stored_at", sa.DateTime, nullable=False),
        sa.Column("stored_by", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_case_minutes_case_id", "case_minutes", ["case_id"])


def downgrade() -> None:
    raise NotImplementedError("Casuskamer migrations only go forward.")
