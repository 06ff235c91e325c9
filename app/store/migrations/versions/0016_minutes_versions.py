"""Live minutes under several sessions (issue 22, point 4): each entry of the live minutes
carries a version, the account that saved it last and when, like the records of 0015, so a
correction built on an older read of the entry is refused ("changed by ... at ... in the
meantime") instead of overwriting a colleague's correction silently.

``row_version`` starts at 1 for every existing entry; ``changed_by``/``changed_at`` stay
empty until the next correction. The same on both engines (SQLite and PostgreSQL). No code
of the program is imported (a migration never imports live code).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("minutes_entries", sa.Column("row_version", sa.Integer(), nullable=False,
                                               server_default="1"))
    op.add_column("minutes_entries", sa.Column("changed_by", sa.String(64), nullable=True))
    op.add_column("minutes_entries", sa.Column("changed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward")
