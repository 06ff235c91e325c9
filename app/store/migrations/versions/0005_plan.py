"""Plan of action: plans, goals, actions (limited-to parties, progress notes), information
needs, and every saved version of a plan.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("coordinator_party_id", sa.Integer, sa.ForeignKey("parties.id"),
                  nullable=True),
        sa.Column("coordinator_person", sa.String(200), nullable=False),
        sa.Column("closure_criteria", sa.Text, nullable=False),
        sa.Column("next_meeting", sa.Date, nullable=True),
        sa.Column("next_meeting_note", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "plan_goals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("life_domain", sa.String(32), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.UniqueConstraint("plan_id", "key", name="uq_plan_goals_key"),
    )
    op.create_index("ix_plan_goals_plan_id", "plan_goals", ["plan_id"])
    op.create_table(
        "plan_actions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due", sa.Date, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("goal_key", sa.String(32), nullable=True),
        sa.UniqueConstraint("plan_id", "key", name="uq_plan_actions_key"),
    )
    op.create_index("ix_plan_actions_plan_id", "plan_actions", ["plan_id"])
    op.create_index("ix_plan_actions_party_id", "plan_actions", ["party_id"])
    op.create_table(
        "plan_action_parties",
        sa.Column("action_id", sa.Integer, sa.ForeignKey("plan_actions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id"), primary_key=True),
    )
    op.create_table(
        "plan_action_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("action_id", sa.Integer, sa.ForeignKey("plan_actions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_plan_action_notes_action_id", "plan_action_notes", ["action_id"])
    op.create_table(
        "plan_information_needs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.UniqueConstraint("plan_id", "key", name="uq_plan_information_needs_key"),
    )
    op.create_index("ix_plan_information_needs_plan_id", "plan_information_needs",
                    ["plan_id"])
    op.create_table(
        "plan_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("meeting_id", sa.Integer, nullable=True),
        sa.Column("saved_at", sa.DateTime, nullable=False),
        sa.Column("saved_by", sa.String(64), nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.UniqueConstraint("plan_id", "version", name="uq_plan_versions_version"),
    )
    op.create_index("ix_plan_versions_plan_id", "plan_versions", ["plan_id"])


def downgrade() -> None:
    raise NotImplementedError("Casuskamer migrations only go forward.")
