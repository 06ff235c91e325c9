"""Information items say whom they concern and whether their terms still need the source
party's confirmation (issue 16, privacy on every output).

* ``concerns_all``: the item concerns the whole household; when false, ``item_subjects``
  lists the subjects it concerns. Existing items concern everyone, which marks them for
  the process director's review in a subject-access export (the safe reading).
* ``subject_access``: the source party agreed that the item goes to a subject who asks
  (AVG 15). Existing items: not agreed, so they are marked for review.
* ``terms_to_confirm``: terms set by someone other than the source party (an import) are
  stored narrowest until the source party confirms them in triage.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with a default: no table copy (SQLite and PostgreSQL alike).
    for name, default in (("concerns_all", "1"), ("subject_access", "0"),
                          ("terms_to_confirm", "0")):
        op.add_column("information_items", sa.Column(name, sa.Boolean(), nullable=False,
                                                     server_default=default))
    op.create_table(
        "item_subjects",
        sa.Column("item_id", sa.Integer(),
                  sa.ForeignKey("information_items.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("subject_id", sa.Integer(),
                  sa.ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True),
    )


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward")
