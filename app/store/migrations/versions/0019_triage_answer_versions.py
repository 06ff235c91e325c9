"""A triage query's answer under several sessions (issue 22, point 4): each party asked
carries a version, the account that saved it last and when, like the records of 0015 and
the minutes' entries of 0016, so an answer recorded on an older read of the query is refused
("changed by ... at ... in the meantime") instead of replacing a colleague's answer
silently.

``row_version`` starts at 1 for every existing query; ``changed_by``/``changed_at`` stay
empty until the next save. The same on both engines (SQLite and PostgreSQL). No code of the
program is imported (a migration never imports live code).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("triage_queries", sa.Column("row_version", sa.Integer(), nullable=False,
                                              server_default="1"))
    op.add_column("triage_queries", sa.Column("changed_by", sa.String(64), nullable=True))
    op.add_column("triage_queries", sa.Column("changed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward")
