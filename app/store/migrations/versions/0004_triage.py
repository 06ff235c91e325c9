"""Triage: party queries and answers, requests to widen an item's terms, the routing
decision and its invitees.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "triage_queries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("asked_on", sa.Date, nullable=False),
        sa.Column("answered_on", sa.Date, nullable=True),
        sa.Column("answer", sa.String(16), nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("case_id", "party_id", name="uq_triage_queries_case_party"),
    )
    op.create_index("ix_triage_queries_case_id", "triage_queries", ["case_id"])
    op.create_table(
        "widening_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("item_id", sa.Integer,
                  sa.ForeignKey("information_items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id"), nullable=True),
        sa.Column("want_pre_meeting_view", sa.Boolean, nullable=False),
        sa.Column("want_meeting_screen", sa.Boolean, nullable=False),
        sa.Column("requested_on", sa.Date, nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("answered_on", sa.Date, nullable=True),
        sa.Column("answer", sa.String(8), nullable=True),
        sa.Column("answered_by", sa.Text, nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_widening_requests_case_id", "widening_requests", ["case_id"])
    op.create_table(
        "routing_decisions",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("route", sa.String(16), nullable=False),
        sa.Column("goal", sa.Text, nullable=False),
        sa.Column("themes", sa.Text, nullable=False),
        sa.Column("decision_types", sa.Text, nullable=False),
        sa.Column("elsewhere_party_id", sa.Integer, sa.ForeignKey("parties.id"),
                  nullable=True),
        sa.Column("elsewhere_chain", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "routing_invitees",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id"), primary_key=True),
    )


def downgrade() -> None:
    raise NotImplementedError("Casuskamer migrations only go forward.")
