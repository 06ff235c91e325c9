"""SQLAlchemy Core tables: the foundation (meta, accounts, audit log, drafts).

Each later area (parties, cases, meetings, plans) declares its tables in its own module on
the same ``metadata``; ``app.store.schema`` imports them all. The Alembic migrations in
``app/store/migrations/versions`` are the source of truth for the file; these objects are
what the queries are written against, and a test checks that both agree.
"""

from __future__ import annotations

from sqlalchemy import (Column, DateTime, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)
from app.store.personal import declare

metadata = MetaData()

#: Small key/value facts about the vault (no personal data): vault id, created, audit head.
meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

#: Accounts that may unlock the vault. The key material lives in the key-slot file; the
#: authoritative role and revocation live here, inside the encryption.
accounts = Table(
    "accounts", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(32), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=True),
    Column("passphrase_changed_at", DateTime, nullable=True),
    Column("revoked_at", DateTime, nullable=True),
    Column("revoked_by", String(64), nullable=True),
)

#: Append-only, hash-chained audit log (NEN 7513 fields). Never a name or case text: objects
#: are referred to by type and id or case number.
audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String(32), nullable=False),          # ISO 8601 UTC, microseconds
    Column("actor", String(64), nullable=False),       # account name ('-' before login)
    Column("role", String(32), nullable=False),
    Column("action", String(48), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("result", String(16), nullable=False),      # ok | denied | failed
    Column("origin", String(128), nullable=False),     # the workstation
    Column("detail", Text, nullable=False),            # JSON, no personal data
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
# Reading the log by filter, a page at a time (migration 0010; app.services.audit_log).
Index("ix_audit_log_actor", audit_log.c.actor, audit_log.c.id)
Index("ix_audit_log_action", audit_log.c.action, audit_log.c.id)
Index("ix_audit_log_object", audit_log.c.object_type, audit_log.c.object_id, audit_log.c.id)
Index("ix_audit_log_at", audit_log.c.at)

#: Half-finished wizards, saved as the user goes and on lock; JSON inside the vault.
drafts = Table(
    "drafts", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("owner", String(64), nullable=False),
    Column("object_id", String(64), nullable=True),
    Column("title", String(200), nullable=False),     # no personal data: e.g. case number
    Column("payload", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("kind", "owner", "object_id", name="uq_drafts_kind_owner_object"),
)

# -- personal data (app.store.personal) -----------------------------------------------------
#: a draft's title is a case number or the like, never personal; its payload is the work
declare(drafts, personal=("payload",), not_personal=("kind", "owner", "object_id", "title"))
