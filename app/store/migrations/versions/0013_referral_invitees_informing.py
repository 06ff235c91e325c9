"""The referral as houses practise it (issue 24): the partners to invite with their contact
persons, and per subject whether the subject was informed that the case is discussed (AVG
13/14) or the recorded ground not to.

* ``case_invitees``: per case, the parties the referral proposes to invite, each with a
  contact person (name, role, phone, e-mail: personal data of professionals, inside the
  vault). The contact fields are blanked at closure unless the same person is among the
  party register's own contacts; destruction removes the rows with the case.
* ``subject_informing``: per subject, informed (on a date, by a party) or not informed with
  a ground from a fixed list (``criminal_investigation``, ``safety``, ``other`` with the
  ground in words) and a date to look again.

Existing cases get no rows: nothing was recorded, which triage shows as "not recorded".
No code of the program is imported (a migration never imports live code).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_invitees",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("contact_name", sa.Text(), nullable=False, server_default=""),
        sa.Column("contact_role", sa.Text(), nullable=False, server_default=""),
        sa.Column("phone", sa.Text(), nullable=False, server_default=""),
        sa.Column("email", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("case_id", "position", name="uq_case_invitees_position"),
    )
    op.create_index("ix_case_invitees_case_id", "case_invitees", ["case_id"])
    op.create_table(
        "subject_informing",
        sa.Column("subject_id", sa.Integer(),
                  sa.ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("informed", sa.Boolean(), nullable=False),
        sa.Column("informed_on", sa.Date(), nullable=True),
        sa.Column("informed_by_party_id", sa.Integer(), sa.ForeignKey("parties.id"),
                  nullable=True),
        sa.Column("ground", sa.String(32), nullable=True),
        sa.Column("ground_text", sa.Text(), nullable=False, server_default=""),
        sa.Column("review_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_subject_informing_case_id", "subject_informing", ["case_id"])


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward")
