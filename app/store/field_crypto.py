"""Field encryption, blind indexes and the server login secret for the house server (issue 22,
point 2 and 3). ``app.store.sealed`` seals the personal columns with it at the store's edge.

Every personal value is encrypted on the workstation before it is sent:

- AES-256-GCM under a key derived from the house's data key (HKDF-SHA-256, info
  ``b"casuskamer field encryption v1"``), so the data key itself is used for nothing else;
- a fresh random 96-bit nonce per value (``os.urandom``);
- the associated data binds the value to its place: ``b"casuskamer/1|<table>|<column>|<row
  id>"``, so a value copied to another row or column on the server no longer decrypts;
- the stored form is ``version byte (1) || nonce (12) || ciphertext || tag (16)``.

A value that does not decrypt (changed on the server, moved, or under another key) raises
:class:`FieldTampered`, which names the table, column and row, never the value.

Blind indexes make the exact look-ups the program needs (a BSN; surname plus birth date for
"already known") possible without the plaintext: HMAC-SHA-256 under a key per index, derived
from the data key with HKDF (info ``b"casuskamer blind index v1|" + index name``), over the
program's normalised form. The full 32 bytes are kept: without the key nobody can compute an
index to test a guess, so truncating would only add false matches the services would then
have to weed out by decrypting, while it hides little (equal values must match for the
look-up to work at all).

The login secret: one Argon2id derivation at unlock (``app.vault.keyslots.derive``) gives a
master value; HKDF with two distinct info strings turns it into the key that opens the
account's key slot and the account's PostgreSQL password. The workstation computes the SCRAM-
SHA-256 verifier of that password (RFC 5802/7677, PostgreSQL's ``pg_authid`` format), so the
server only ever receives the verifier (``ALTER ROLE ... PASSWORD 'SCRAM-SHA-256$...'``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.domain.bsn import check_bsn
from app.domain.cases import fold_for_search
from app.errors import ValidationError, VaultDamaged
from app.i18n import _

#: The format version: the first byte of every stored value, and part of the associated data.
VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32

FIELD_KEY_INFO = b"casuskamer field encryption v1"
BLIND_INDEX_INFO = b"casuskamer blind index v1"
SLOT_KEY_INFO = b"casuskamer key slot v1"
LOGIN_SECRET_INFO = b"casuskamer server login v1"
#: The index over a subject's folded surname and birth date together (issue 22, point 2);
#: its key is derived as every index's, under this name, which no column's index has.
SURNAME_BIRTH_INDEX = "surname_birth"

#: PostgreSQL's own defaults for a SCRAM verifier (scram_iterations, SCRAM_DEFAULT_SALT_LEN).
SCRAM_ITERATIONS = 4096
SCRAM_SALT_BYTES = 16

#: The row part of the associated data where no row is bound: a keyed-hash secret in
#: ``meta`` (bound by its key name) and a value only compared with, never stored
#: (``app.store.sealed``; every stored personal value is bound to its row).
UNBOUND_ROW = "-"

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}\Z")
_ROW_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}\Z")


class FieldTampered(VaultDamaged):
    """A stored value that does not decrypt: changed on the server, moved to another row or
    column, or encrypted under another key. Names the place, never the value."""

    def __init__(self, table: str, column: str, row_id: int | str) -> None:
        if row_id == UNBOUND_ROW:  # no row known (a value read without its row's key)
            message = _("A value in {table}.{column} could not be decrypted: it was "
                        "changed on the server or does not belong there. Nothing was read "
                        "from it; ask your administrator.").format(table=table, column=column)
        else:
            message = _("The value in {table}.{column} of record {row} could not be "
                        "decrypted: it was changed on the server or does not belong "
                        "there. Nothing was read from it.").format(
                            table=table, column=column, row=row_id)
        super().__init__(message)
        self.table = table
        self.column = column
        self.row_id = row_id


def _hkdf(key: bytes, info: bytes, length: int = KEY_BYTES) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(key)


def _check_key(key: bytes) -> bytes:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ValueError("a 32-byte key is required")
    return key


@lru_cache(maxsize=1024)
def _place(table: str, column: str, version: int) -> bytes:
    """``casuskamer/<version>|<table>|<column>|``: the fixed part of a column's associated
    data, checked and encoded once per column (a listing of 100,000 cases on the house
    server opens two values per row: the two regular expressions and the text built per
    value cost more than AES-GCM itself, issue 23)."""
    if not _IDENTIFIER.match(table) or not _IDENTIFIER.match(column):
        raise ValueError("table and column must be lower-case identifiers")
    return f"casuskamer/{version}|{table}|{column}|".encode("ascii")


def _row_part(row_id: int | str) -> bytes:
    """The row id as the associated data ends it: an integer's digits, or a short token of
    letters, digits and ``_.:-`` (at most 64 characters, never ``|``)."""
    # the common forms first, without the expression: an integer, a row key of digits
    if type(row_id) is int:
        row = str(row_id)
        if len(row) <= 64:
            return row.encode("ascii")
    elif (type(row_id) is str and 0 < len(row_id) <= 64 and row_id.isascii()
          and row_id.isdigit()):
        return row_id.encode("ascii")
    if isinstance(row_id, bool) or not isinstance(row_id, int | str):
        raise ValueError("the row id must be an integer or a token")
    row = str(row_id)
    if not _ROW_ID.match(row):
        raise ValueError("the row id must be an integer or a token")
    return row.encode("ascii")


def associated_data(table: str, column: str, row_id: int | str,
                    version: int = VERSION) -> bytes:
    """``casuskamer/<version>|<table>|<column>|<row id>``: the place a value belongs to.

    Table and column are lower-case SQL identifiers and the row id an integer or a short
    token without ``|``, so the encoding is unambiguous."""
    return _place(table, column, version) + _row_part(row_id)


class FieldCipher:
    """Encrypts and decrypts personal values and computes blind indexes under one data key."""

    def __init__(self, data_key: bytes) -> None:
        _check_key(data_key)
        self._aead = AESGCM(_hkdf(data_key, FIELD_KEY_INFO))
        self._data_key = data_key
        self._index_keys: dict[str, bytes] = {}

    # -- values -------------------------------------------------------------------------

    def encrypt(self, table: str, column: str, row_id: int | str, value: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        aad = associated_data(table, column, row_id)
        return bytes([VERSION]) + nonce + self._aead.encrypt(nonce, value, aad)

    def decrypt(self, table: str, column: str, row_id: int | str, stored: bytes) -> bytes:
        if (not isinstance(stored, bytes) or len(stored) < 1 + NONCE_BYTES + TAG_BYTES
                or stored[0] != VERSION):
            raise FieldTampered(table, column, row_id)
        nonce = stored[1:1 + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, stored[1 + NONCE_BYTES:],
                                      associated_data(table, column, row_id, stored[0]))
        except InvalidTag:
            raise FieldTampered(table, column, row_id) from None

    def encrypt_text(self, table: str, column: str, row_id: int | str, text: str) -> bytes:
        return self.encrypt(table, column, row_id, text.encode("utf-8"))

    def decrypt_text(self, table: str, column: str, row_id: int | str, stored: bytes) -> str:
        plain = self.decrypt(table, column, row_id, stored)
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:
            raise FieldTampered(table, column, row_id) from None

    # -- blind indexes ------------------------------------------------------------------

    def _index_key(self, name: str) -> bytes:
        if not _IDENTIFIER.match(name):
            raise ValueError("an index name is a lower-case identifier")
        if name not in self._index_keys:
            self._index_keys[name] = _hkdf(self._data_key,
                                           BLIND_INDEX_INFO + b"|" + name.encode("ascii"))
        return self._index_keys[name]

    def blind_index(self, name: str, normalised: str) -> bytes:
        """HMAC-SHA-256 (32 bytes) of an already normalised value under index ``name``'s key."""
        return hmac.new(self._index_key(name), normalised.encode("utf-8"),
                        hashlib.sha256).digest()

    def bsn_index(self, bsn: str) -> bytes:
        """The blind index of a BSN as the program normalises it (nine digits)."""
        return self.blind_index("bsn", bsn_index_input(bsn))

    def surname_birth_index(self, surname: str, birth_date: date | str) -> bytes:
        """The one blind index over a subject's surname and birth date ("already known", the
        subject-access search): one HMAC over both under index ``surname_birth``'s own key,
        so it equals no column's index and shows no surname or birth date on its own."""
        return self.blind_index(SURNAME_BIRTH_INDEX, surname_birth_input(surname, birth_date))


def bsn_index_input(bsn: str) -> str:
    """The BSN's nine digits (eight are padded), as search and the eleven-test see it."""
    return check_bsn(bsn)


def surname_birth_input(surname: str, birth_date: date | str) -> str:
    """``<surname folded as search folds it>|<ISO birth date>`` (folding is idempotent, so
    the stored folded surname, ``subjects.surname_key``, gives the same input; the date is
    the last ten characters, so the ``|`` cannot make two pairs one)."""
    folded = fold_for_search(surname)
    if not folded:
        raise ValidationError(_("A surname is needed for this look-up."), field="surname")
    day = birth_date if isinstance(birth_date, date) else date.fromisoformat(birth_date)
    return f"{folded}|{day.isoformat()}"


# -- one derivation at unlock: the slot key and the server login ---------------------------

@dataclass(frozen=True, repr=False)
class UnlockKeys:
    """What one Argon2id derivation at unlock yields (never printed: ``repr`` hides it)."""

    slot_key: bytes
    login_secret: str

    def __repr__(self) -> str:
        return "UnlockKeys(<hidden>)"


def split_unlock_key(master: bytes) -> UnlockKeys:
    """The key that opens the account's slot and its server password, from the one Argon2id
    output (HKDF with distinct info strings: knowing one tells nothing about the other)."""
    _check_key(master)
    login = base64.urlsafe_b64encode(_hkdf(master, LOGIN_SECRET_INFO)).decode("ascii")
    return UnlockKeys(slot_key=_hkdf(master, SLOT_KEY_INFO), login_secret=login.rstrip("="))


def _saslprep(password: str) -> bytes:
    """The password as SCRAM hashes it. Our login secrets are plain ASCII, for which SASLprep
    changes nothing; other text is NFKC-normalised as RFC 4013 asks for its common case (and
    PostgreSQL falls back to the raw bytes for what SASLprep rejects)."""
    if password.isascii():
        return password.encode("ascii")
    return unicodedata.normalize("NFKC", password).encode("utf-8")


def scram_verifier(password: str, salt: bytes | None = None,
                   iterations: int = SCRAM_ITERATIONS) -> str:
    """``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`` (base64), the form
    PostgreSQL keeps in ``pg_authid.rolpassword`` (RFC 5802, RFC 7677)."""
    if iterations < 4096:
        raise ValueError("RFC 7677 asks for at least 4096 iterations")
    salt = os.urandom(SCRAM_SALT_BYTES) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", _saslprep(password), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"
