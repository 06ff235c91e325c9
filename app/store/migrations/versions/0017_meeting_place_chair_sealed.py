"""A meeting's place and chair sealed on the house server (issue 22, point 2): the place can
be an address (a home visit, a school) and the chair is a person's name, so on PostgreSQL
``meetings.place``, ``meetings.place_key`` (the folded place of the clash check) and
``meetings.chair`` become ``bytea`` holding the value encrypted on the workstation
(``app.store.sealed``), like the columns of 0014.

The clash guard of 0006 (a unique constraint on ``starts_at`` and ``place_key``) cannot work
on sealed values (a fresh nonce per value): on the server it becomes a unique index on
``starts_at`` and the blind index in front of the sealed ``place_key`` (its first 32 bytes,
an HMAC of the folded place under a key derived from the data key), so two meetings at the
same time and place are still refused by the database.

A server database whose meetings table already holds rows was filled before this revision,
with the place and chair in the clear: the migration refuses it in one line, as 0014 does
(the migration owner holds no data key to seal them; the server is for test data only until
the issue's done-check passes). On SQLite (the vault file, encrypted as a whole) it does
nothing.

The list of columns is written out here (a migration never imports live code); a test
checks that 0014's and this list together are the sealed columns the tables declare.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

#: table -> the columns this revision seals on the server.
SEALED = {"meetings": ("place", "place_key", "chair")}

#: The columns looked up by exact value: a blind index in front of the sealed value.
SEARCHABLE = (("meetings", "place_key"),)


class UnsealedValuesOnServer(RuntimeError):
    pass


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if bind.execute(text('SELECT 1 FROM "meetings" LIMIT 1')).first():
        raise UnsealedValuesOnServer(
            "The server's table meetings holds places and chairs stored unencrypted by a "
            "test version; start the house on an empty database.")
    op.execute('ALTER TABLE "meetings" DROP CONSTRAINT "uq_meetings_time_place"')
    for table, columns in SEALED.items():
        for column in columns:
            op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE bytea USING NULL')
    op.execute('CREATE UNIQUE INDEX "ix_meetings_place_key_blind" ON "meetings" '
               '("starts_at", substring("place_key" from 1 for 32))')


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward")
