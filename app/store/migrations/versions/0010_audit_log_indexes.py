"""Indexes for reading the audit log by the privacy officer (issue 17, point 5): by account,
by action, by object (a case number, a subject id) and by time, each ending in the row id so
that a page ("the newest 500 before row N") is read from the index alone, also at a million
rows.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "id"])
    op.create_index("ix_audit_log_action", "audit_log", ["action", "id"])
    # 0001's object index, now with the id (PostgreSQL does not add it by itself as SQLite
    # adds the rowid) and declared in app.store.tables like the others
    op.drop_index("ix_audit_log_object", "audit_log")
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id", "id"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward")
