"""Parties: the covenant's register, protocol membership, contacts, history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parties",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("short_name", sa.String(64), nullable=False, unique=True),
        sa.Column("party_type", sa.String(32), nullable=False),
        sa.Column("domain", sa.String(32), nullable=False),
        sa.Column("seat", sa.String(120), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("representative", sa.String(200), nullable=False),
        sa.Column("is_host_municipality", sa.Boolean, nullable=False),
        sa.Column("joined_on", sa.Date, nullable=True),
        sa.Column("accession_requested_on", sa.Date, nullable=True),
        sa.Column("steering_group_agreed_on", sa.Date, nullable=True),
        sa.Column("bijlage1_signed_on", sa.Date, nullable=True),
        sa.Column("active_from", sa.Date, nullable=True),
        sa.Column("active_until", sa.Date, nullable=True),
        sa.Column("end_reason", sa.String(16), nullable=True),
        sa.Column("end_note", sa.Text, nullable=False),
    )
    op.create_table(
        "party_protocols",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("protocol", sa.String(32), nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=True),
        sa.UniqueConstraint("party_id", "protocol", "start", name="uq_party_protocols_start"),
    )
    op.create_index("ix_party_protocols_party_id", "party_protocols", ["party_id"])
    op.create_table(
        "party_contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("function", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("steering_group", sa.Boolean, nullable=False),
        sa.Column("partner_board", sa.Boolean, nullable=False),
        sa.Column("case_meetings", sa.Boolean, nullable=False),
    )
    op.create_index("ix_party_contacts_party_id", "party_contacts", ["party_id"])
    op.create_table(
        "party_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_party_events_party_id", "party_events", ["party_id"])


def downgrade() -> None:
    raise NotImplementedError("Casuskamer migrations only go forward.")
