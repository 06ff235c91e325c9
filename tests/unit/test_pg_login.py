"""The house server's login and what its administrator sees (issue 22, points 2, 3 and 7), on
the session's throwaway PostgreSQL (``tests/pg_server.py``: TLS, SCRAM-SHA-256 only):

- a role whose SCRAM verifier the workstation computed from the login secret (split from one
  Argon2id derivation) logs in with that secret over verified TLS, and not with another;
- the server keeps exactly the verifier it was sent, and our verifier for a password equals
  the one PostgreSQL computes itself for the same salt;
- no plain (non-TLS) connection is accepted;
- a superuser reading a table with an encrypted row finds no name, BSN or text, nor in the
  server's log.
"""

from __future__ import annotations

import base64
import re
import secrets

import pytest

from app.store.field_crypto import FieldCipher, scram_verifier, split_unlock_key
from app.vault.keyslots import KdfParams, derive

psycopg = pytest.importorskip("psycopg")


def _role() -> str:
    return f"account_{secrets.token_hex(4)}"


def test_role_with_workstation_verifier_logs_in_with_derived_secret_only(pg_server) -> None:
    master = derive("correct paard batterij nietje", b"0123456789abcdef", KdfParams())
    keys = split_unlock_key(master)
    verifier = scram_verifier(keys.login_secret)
    role = _role()
    with pg_server.admin() as admin:
        # The statement carries only the verifier; the server never sees the secret.
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{verifier}'")
        stored = admin.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s",
                               (role,)).fetchone()[0]
    assert stored == verifier

    with pg_server.connect(role, keys.login_secret) as conn:
        user, ssl = conn.execute("SELECT current_user, ssl FROM pg_stat_ssl "
                                 "WHERE pid = pg_backend_pid()").fetchone()
    assert (user, ssl) == (role, True)

    other = split_unlock_key(derive("een andere zin van vier", b"0123456789abcdef",
                                    KdfParams())).login_secret
    for wrong in (other, "correct paard batterij nietje"):
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            pg_server.connect(role, wrong).close()


def test_our_verifier_is_the_one_postgresql_computes(pg_server) -> None:
    role = _role()
    with pg_server.admin() as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'pencil and paper'")
        stored = admin.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s",
                               (role,)).fetchone()[0]
    match = re.fullmatch(r"SCRAM-SHA-256\$(\d+):([^$]+)\$[^:]+:.+", stored)
    assert match, stored
    salt = base64.b64decode(match.group(2))
    assert scram_verifier("pencil and paper", salt=salt,
                          iterations=int(match.group(1))) == stored


def test_no_connection_without_tls(pg_server) -> None:
    params = pg_server.conninfo(pg_server.superuser, pg_server.superuser_password,
                                sslmode="disable")
    with pytest.raises(psycopg.OperationalError, match="no pg_hba.conf entry"):
        psycopg.connect(**params).close()


CANARY_SURNAME = "Vliegenthart-Canarie"
CANARY_BSN = "123456782"
CANARY_TEXT = "zorgen over de kanarie op school"


def test_superuser_finds_no_plaintext_of_an_encrypted_row(pg_server) -> None:
    db = pg_server.new_database("crypt")
    cipher = FieldCipher(secrets.token_bytes(32))
    with pg_server.admin(db) as conn:
        conn.execute("CREATE TABLE subjects (id integer PRIMARY KEY, surname bytea, "
                     "bsn bytea, bsn_index bytea, note bytea)")
        conn.execute("CREATE INDEX subjects_bsn ON subjects (bsn_index)")
        conn.execute("INSERT INTO subjects VALUES (1, %s, %s, %s, %s)", (
            cipher.encrypt_text("subjects", "surname", 1, CANARY_SURNAME),
            cipher.encrypt_text("subjects", "bsn", 1, CANARY_BSN),
            cipher.bsn_index(CANARY_BSN),
            cipher.encrypt_text("subjects", "note", 1, CANARY_TEXT)))
    # The administrator's view: every column as text and the raw bytes, without the key.
    with pg_server.admin(db) as conn:
        dumped = " ".join(
            str(v) for row in conn.execute(
                "SELECT t::text, encode(surname, 'escape'), encode(bsn, 'escape'), "
                "encode(note, 'escape'), encode(bsn_index, 'hex') FROM subjects t")
            for v in row)
        found = conn.execute("SELECT id FROM subjects WHERE bsn_index = %s",
                             (cipher.bsn_index("1234 56 782"),)).fetchall()
    assert found == [(1,)]  # the look-up still works through the blind index
    log = pg_server.log_file.read_text(encoding="utf-8", errors="replace")
    for canary in (CANARY_SURNAME, CANARY_BSN, CANARY_TEXT, "Vliegenthart", "kanarie"):
        assert canary.lower() not in dumped.lower()
        assert canary.lower() not in log.lower()
    assert cipher.decrypt_text("subjects", "note", 1, _read_note(pg_server, db)) == CANARY_TEXT


def _read_note(pg_server, db: str) -> bytes:
    with pg_server.admin(db) as conn:
        return bytes(conn.execute("SELECT note FROM subjects WHERE id = 1").fetchone()[0])
