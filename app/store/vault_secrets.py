"""Random secrets kept inside the vault (in ``meta``), made on first use.

For keyed hashes that must stay comparable for the vault's whole life, also across a change
of the data key (a revocation re-keys the database): the hash of a search in the audit log,
the fingerprint of a subject-access review file. Kept inside the encrypted database, so only
someone who can unlock the vault can compute or test them.

On the house server ``meta`` is not inside an encrypted file: there the secret is sealed
under the data key (``app.store.sealed.seal_secret``), so the server's administrator, who
reads every table, cannot use it to test a guessed BSN against the audit log's search
hashes. A plain secret on the server is refused rather than used (one planted by whoever
writes the table would let them test guesses).
"""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, select

from app.store import sealed
from app.store.tables import meta

#: The secrets kept this way (``app.services.audit_log.SEARCH_KEY``,
#: ``app.services.subject_access.FINGERPRINT_KEY``), and the private key of the client
#: certificate for the central log (``app.vault.forwarding.CLIENT_KEY_KEY``, kept by the
#: forwarding's own code): sealed on the server, also when a vault is moved there
#: (``app.vault.move``), and sealed again at a change of the server's data key.
SECRET_KEYS = frozenset({"audit_search_key", "subject_access_fingerprint_key",
                         "forward_client_key_pem"})


def vault_secret(conn: Connection, name: str) -> bytes:
    """The 32-byte secret ``name``, made in the caller's write transaction if missing."""
    value = conn.execute(select(meta.c.value).where(meta.c.key == name)).scalar()
    if value:
        return bytes.fromhex(sealed.open_secret(conn, name, str(value)))
    secret = secrets.token_bytes(32)
    conn.execute(meta.insert().values(key=name,
                                      value=sealed.seal_secret(conn, name, secret.hex())))
    return secret
