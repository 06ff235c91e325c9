"""Nothing readable on the house server (issue 22, point 2): on PostgreSQL every personal
column becomes ``bytea``, holding the value encrypted on the workstation (``app.store.sealed``);
the columns looked up by exact value get an index on their blind index (the first 32 bytes).

On SQLite (the vault file, encrypted as a whole by SQLCipher) this migration does nothing:
the vault keeps its schema and its values byte for byte.

A server database that already holds values in these columns was filled by a test version
that sent them unencrypted: the migration refuses it (one line) rather than keep those
values or throw them away; such a house starts again on an empty database (the issue's
server mode was for test data only until this revision).

The list of columns is written out here (a migration never imports live code); a test
checks that it is the list of sealed columns the tables declare.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: table -> its personal columns, sealed on the server.
SEALED = {
    "agenda_items": ("goal", "themes"),
    "attendees": ("name", "function"),
    "case_closures": ("coordinator_name", "criteria", "reason", "plan_summary"),
    "case_invitees": ("contact_name", "contact_role", "phone", "email"),
    "case_minutes": ("body",),
    "case_search": ("main_subject", "search_key"),
    "cases": ("referring_contact", "reason", "question", "external_ref", "decline_reason",
              "decline_advice"),
    "criteria_answers": ("motivation",),
    "drafts": ("payload",),
    "information_items": ("text", "use_restriction"),
    "invitations": ("contribution",),
    "life_domain_problems": ("description",),
    "minutes_entries": ("text", "owner"),
    "parties": ("representative",),
    "party_contacts": ("name", "function", "phone", "email"),
    "plan_action_notes": ("text",),
    "plan_actions": ("description", "owner"),
    "plan_goals": ("description",),
    "plan_information_needs": ("description",),
    "plan_versions": ("snapshot",),
    "plans": ("coordinator_person", "closure_criteria", "next_meeting_note"),
    "routing_decisions": ("goal", "themes", "elsewhere_chain", "reason"),
    "subject_informing": ("ground_text",),
    "subjects": ("given_names", "surname", "surname_key", "name_key", "birth_date", "bsn",
                 "address"),
    "widening_requests": ("answered_by",),
}

#: The columns looked up by exact value: an index on the blind index in front of the value.
SEARCHABLE = (("subjects", "bsn"), ("subjects", "surname_key"), ("subjects", "name_key"),
              ("subjects", "birth_date"), ("cases", "external_ref"))


class UnsealedValuesOnServer(RuntimeError):
    pass


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, columns in SEALED.items():
        held = " OR ".join(f'"{c}" IS NOT NULL' for c in columns)
        if bind.execute(text(f'SELECT 1 FROM "{table}" WHERE {held} LIMIT 1')).first():
            raise UnsealedValuesOnServer(
                f"The server's table {table} holds personal values stored unencrypted by a "
                "test version; start the house on an empty database.")
    for table, columns in SEALED.items():
        for column in columns:
            op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" DROP DEFAULT')
            op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE bytea '
                       f'USING NULL')
    # what the tables' server default '' was: an empty value (not sealed: it says nothing)
    for table, column in (("case_invitees", "contact_name"), ("case_invitees", "contact_role"),
                          ("case_invitees", "phone"), ("case_invitees", "email"),
                          ("subject_informing", "ground_text")):
        op.execute(f"ALTER TABLE \"{table}\" ALTER COLUMN \"{column}\" SET DEFAULT '\\x'::bytea")
    for table, column in SEARCHABLE:
        op.execute(f'CREATE INDEX "ix_{table}_{column}_blind" ON "{table}" '
                   f'(substring("{column}" from 1 for 32))')


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward")
