"""Several workstations at once (issue 22, point 4): the records people edit carry a version,
the account that saved last and when, so that a save built on an older read is refused
("changed by ... at ... in the meantime") instead of overwriting silently.

``row_version`` starts at 1 for every existing row; ``changed_by``/``changed_at`` stay empty
until the next save. The same on both engines (SQLite and PostgreSQL). No code of the program
is imported (a migration never imports live code).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: The tables whose rows are edited as a whole record (app.store.versioned).
TABLES = ("cases", "meetings", "case_minutes", "parties", "party_contacts")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("row_version", sa.Integer(), nullable=False,
                                       server_default="1"))
        op.add_column(table, sa.Column("changed_by", sa.String(64), nullable=True))
        op.add_column(table, sa.Column("changed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward")
