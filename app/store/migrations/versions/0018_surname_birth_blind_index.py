"""One blind index over a subject's surname and birth date on the house server (issue 22,
point 2), instead of one per column.

Before this revision the server kept a blind index in front of each of ``subjects.
surname_key``, ``subjects.name_key`` and ``subjects.birth_date`` (0014), so its
administrator saw which subjects share a surname, a full name or a birth date, each on its
own. Every name look-up the program makes pairs the name with the birth date ("already
known"; the subject-access search, which compares the full name on the workstation), so
now:

- in front of the sealed ``surname_key`` stands one HMAC over the folded surname and the
  birth date (``FieldCipher.surname_birth_index``, under a key of its own);
- ``name_key`` and ``birth_date`` keep only their sealed value (their first 32 bytes, the
  old index, are cut off; the sealed value behind it is bound to its table, column and row
  and stays valid as it is);
- the three per-column indexes on those first 32 bytes are dropped; one index on the pair's
  (the first 32 bytes of ``surname_key``) takes their place.

The pair's index needs the data key, which the migration owner does not hold. So this
revision puts a placeholder (32 zero bytes, ``app.store.sealed.PENDING_INDEX``) in front of
every stored surname key, and the first unlock of an account that works on cases (a process
director) computes the real index for those rows on its workstation
(``app.store.sealed.fill_pending_pair_indexes``, in the session step; one audit row with
the count). Until then "already known" by surname and birth date does not find those
subjects (by BSN it does), and ``verify`` names them as "pending index".

On SQLite (the vault file, encrypted as a whole) it does nothing. The values are written
here (a migration never imports live code).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

#: Bytes of a blind index in front of a sealed value.
INDEX_BYTES = 32
#: The columns whose own index goes (the sealed value behind it stays).
UNINDEXED = ("name_key", "birth_date")
#: The per-column indexes of 0014 that go.
DROPPED = ("ix_subjects_surname_key_blind", "ix_subjects_name_key_blind",
           "ix_subjects_birth_date_blind")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name in DROPPED:
        op.execute(f'DROP INDEX IF EXISTS "{name}"')
    cut = ", ".join(f'"{c}" = substring("{c}" from {INDEX_BYTES + 1})' for c in UNINDEXED)
    placeholder = "'\\x" + "00" * INDEX_BYTES + "'::bytea"
    op.execute(f'UPDATE "subjects" SET {cut}, "surname_key" = overlay("surname_key" placing '
               f'{placeholder} from 1 for {INDEX_BYTES})')
    op.execute('CREATE INDEX "ix_subjects_surname_birth_blind" ON "subjects" '
               f'(substring("surname_key" from 1 for {INDEX_BYTES}))')


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward")
