"""Closure and retention: retention periods per protocol, closure decisions, tombstones.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_periods",
        sa.Column("protocol", sa.String(32), primary_key=True),
        sa.Column("months", sa.Integer, nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", sa.DateTime, nullable=False),
        # The database refuses a period of zero or less too, not only the service.
        sa.CheckConstraint("months > 0", name="ck_retention_periods_months_positive"),
    )
    op.create_table(
        "case_closures",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("coordinator_name", sa.String(200), nullable=False),
        sa.Column("coordinator_party_id", sa.Integer, sa.ForeignKey("parties.id"),
                  nullable=True),
        sa.Column("coordinator_agreed_on", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("criteria", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("removed", sa.Text, nullable=False),
        sa.Column("plan_summary", sa.Text, nullable=False),
        sa.Column("retention_starts", sa.Date, nullable=False),
    )
    op.create_table(
        "case_tombstones",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("number", sa.String(20), nullable=False, unique=True),
        sa.Column("protocol", sa.String(32), nullable=False),
        sa.Column("referring_party_type", sa.String(32), nullable=True),
        sa.Column("final_state", sa.String(24), nullable=False),
        sa.Column("referred_on", sa.Date, nullable=False),
        sa.Column("intake_decided_on", sa.Date, nullable=True),
        sa.Column("triage_done_on", sa.Date, nullable=True),
        sa.Column("first_meeting_on", sa.Date, nullable=True),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("ended_on", sa.Date, nullable=False),
        sa.Column("destroyed_on", sa.Date, nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("subjects", sa.Integer, nullable=False),
        sa.Column("information_items", sa.Integer, nullable=False),
        sa.Column("meetings", sa.Integer, nullable=False),
        sa.Column("actions_total", sa.Integer, nullable=False),
        sa.Column("actions_done", sa.Integer, nullable=False),
        sa.Column("actions_done_on_time", sa.Integer, nullable=False),
        sa.Column("actions_cancelled", sa.Integer, nullable=False),
        sa.Column("criteria_total", sa.Integer, nullable=False),
        sa.Column("criteria_met", sa.Integer, nullable=False),
    )
    op.create_index("ix_case_tombstones_closed_on", "case_tombstones", ["closed_on"])


def downgrade() -> None:
    raise NotImplementedError("Casuskamer migrations only go forward.")
