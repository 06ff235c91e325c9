"""Cases: the case (tombstone after destruction), subjects, the Cases table's search row,
life-domain problems, answers to the Bijlage 2 criteria, information items and whom each
may be shared with.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(20), nullable=False, unique=True),
        sa.Column("number_year", sa.Integer, nullable=False),
        sa.Column("number_seq", sa.Integer, nullable=False),
        sa.Column("protocol", sa.String(32), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("referring_party_id", sa.Integer, sa.ForeignKey("parties.id"),
                  nullable=True),
        sa.Column("referring_party_type", sa.String(32), nullable=True),
        sa.Column("referring_contact", sa.Text, nullable=True),
        sa.Column("received", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("question", sa.Text, nullable=True),
        sa.Column("external_ref", sa.String(100), nullable=True, unique=True),
        sa.Column("intake_decision", sa.String(16), nullable=True),
        sa.Column("intake_decided_by", sa.String(64), nullable=True),
        sa.Column("decline_reason", sa.Text, nullable=True),
        sa.Column("decline_advice", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("intake_started_at", sa.DateTime, nullable=True),
        sa.Column("intake_decided_at", sa.DateTime, nullable=True),
        sa.Column("triage_done_at", sa.DateTime, nullable=True),
        sa.Column("first_meeting_at", sa.DateTime, nullable=True),
        sa.Column("closed_at", sa.DateTime, nullable=True),
        sa.Column("destroyed_at", sa.DateTime, nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.UniqueConstraint("number_year", "number_seq", name="uq_cases_number_seq"),
    )
    op.create_index("ix_cases_state", "cases", ["state"])
    op.create_index("ix_cases_received", "cases", ["received"])
    op.create_index("ix_cases_referring_party_id", "cases", ["referring_party_id"])
    op.create_table(
        "subjects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("given_names", sa.Text, nullable=False),
        sa.Column("surname", sa.Text, nullable=False),
        sa.Column("surname_key", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("bsn", sa.String(9), nullable=True),
        sa.Column("address", sa.Text, nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
    )
    op.create_index("ix_subjects_case_role", "subjects", ["case_id", "role"])
    op.create_index("ix_subjects_surname_birth", "subjects", ["surname_key", "birth_date"])
    op.create_index("ix_subjects_bsn", "subjects", ["bsn"])
    op.create_index("ix_subjects_birth_date", "subjects", ["birth_date"])
    op.create_table(
        "case_search",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("main_subject", sa.Text, nullable=False),
        sa.Column("search_key", sa.Text, nullable=False),
    )
    op.create_table(
        "life_domain_problems",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("domain", sa.String(32), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.UniqueConstraint("case_id", "domain", name="uq_life_domain_problems_case_domain"),
    )
    op.create_table(
        "criteria_answers",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("criterion", sa.String(32), primary_key=True),
        sa.Column("answer", sa.Boolean, nullable=False),
        sa.Column("motivation", sa.Text, nullable=False),
        sa.Column("answered_at", sa.DateTime, nullable=False),
        sa.Column("answered_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "information_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("source_party_id", sa.Integer, sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("received", sa.Date, nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("pre_meeting_view", sa.Boolean, nullable=False),
        sa.Column("meeting_screen", sa.Boolean, nullable=False),
        sa.Column("use_restriction", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_information_items_case_id", "information_items", ["case_id"])
    op.create_table(
        "item_shared_with",
        sa.Column("item_id", sa.Integer,
                  sa.ForeignKey("information_items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id"), primary_key=True),
    )


def downgrade() -> None:
    raise NotImplementedError("Casuskamer migrations only go forward.")
