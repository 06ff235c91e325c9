"""Random secrets kept inside the vault (in ``meta``), made on first use.

For keyed hashes that must stay comparable for the vault's whole life, also across a change
of the data key (a revocation re-keys the database): the hash of a search in the audit log,
the fingerprint of a subject-access review file. Kept inside the encrypted database, so only
someone who can unlock the vault can compute or test them.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, select

from app.store.tables import meta


def vault_secret(conn: Connection, name: str) -> bytes:
    """The 32-byte secret ``name``, made in the caller's write transaction if missing."""
    value = conn.execute(select(meta.c.value).where(meta.c.key == name)).scalar()
    if value:
        return bytes.fromhex(str(value))
    secret = secrets.token_bytes(32)
    conn.execute(meta.insert().values(key=name, value=secret.hex()))
    return secret
