"""Field encryption, blind indexes and the login secret for the house server (issue 22,
points 2 and 3), without a server: the stored format, the binding of a value to its table,
column and row, the typed error on tampering, the blind indexes over the program's normalised
forms, and the SCRAM-SHA-256 verifier against RFC 7677's own example."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.errors import ValidationError
from app.store.field_crypto import FieldCipher, FieldTampered, scram_verifier, split_unlock_key

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def hkdf(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


def test_stored_form_is_version_nonce_ciphertext_with_place_as_associated_data() -> None:
    stored = FieldCipher(KEY).encrypt_text("subjects", "surname", 7, "Jansen")
    assert stored[0] == 1
    assert len(stored) == 1 + 12 + len("Jansen") + 16
    assert b"Jansen" not in stored
    # Anyone holding the data key reads it back with the documented scheme alone.
    field_key = hkdf(KEY, b"casuskamer field encryption v1")
    plain = AESGCM(field_key).decrypt(stored[1:13], stored[13:],
                                      b"casuskamer/1|subjects|surname|7")
    assert plain == b"Jansen"


def test_fresh_nonce_per_value() -> None:
    cipher = FieldCipher(KEY)
    first = cipher.encrypt_text("subjects", "surname", 7, "Jansen")
    second = cipher.encrypt_text("subjects", "surname", 7, "Jansen")
    assert first[1:13] != second[1:13]
    assert first != second


@pytest.mark.parametrize("place", [("subjects", "surname", 8),       # another row
                                   ("subjects", "given_names", 7),   # another column
                                   ("contacts", "surname", 7)])      # another table
def test_a_value_moved_elsewhere_does_not_decrypt(place: tuple[str, str, int]) -> None:
    cipher = FieldCipher(KEY)
    stored = cipher.encrypt_text("subjects", "surname", 7, "Jansen")
    with pytest.raises(FieldTampered) as caught:
        cipher.decrypt_text(*place, stored)
    table, column, row = place
    assert (caught.value.table, caught.value.column, caught.value.row_id) == place
    message = str(caught.value)
    assert f"{table}.{column}" in message and str(row) in message
    assert "Jansen" not in message


def test_a_changed_byte_or_another_key_is_tampering_named_by_place() -> None:
    stored = FieldCipher(KEY).encrypt_text("items", "text", 42, "zorgen over school")
    changed = stored[:20] + bytes([stored[20] ^ 1]) + stored[21:]
    for cipher, value in ((FieldCipher(KEY), changed), (FieldCipher(OTHER_KEY), stored),
                          (FieldCipher(KEY), b"\x02" + stored[1:]), (FieldCipher(KEY), b"")):
        with pytest.raises(FieldTampered) as caught:
            cipher.decrypt_text("items", "text", 42, value)
        assert "items.text" in str(caught.value) and "42" in str(caught.value)
        assert "school" not in str(caught.value)


def test_bsn_blind_index_is_hmac_of_the_nine_digits_under_a_derived_key() -> None:
    cipher = FieldCipher(KEY)
    index_key = hkdf(KEY, b"casuskamer blind index v1|bsn")
    expected = hmac.new(index_key, b"123456782", hashlib.sha256).digest()
    assert cipher.bsn_index("123456782") == expected
    assert cipher.bsn_index("1234 56 782") == expected      # as people type it
    assert cipher.bsn_index("1234.56.782") == expected
    assert cipher.bsn_index("12345611") == cipher.bsn_index("012345611")  # eight digits padded
    assert cipher.bsn_index("111222333") != expected
    assert FieldCipher(OTHER_KEY).bsn_index("123456782") != expected
    with pytest.raises(ValidationError):
        cipher.bsn_index("123456789")                       # fails the eleven-test


def test_surname_birth_index_uses_the_search_folding_and_iso_date() -> None:
    cipher = FieldCipher(KEY)
    index_key = hkdf(KEY, b"casuskamer blind index v1|surname_birth")
    expected = hmac.new(index_key, b"yilmaz|2011-03-04", hashlib.sha256).digest()
    assert cipher.surname_birth_index("Yılmaz", date(2011, 3, 4)) == expected
    assert cipher.surname_birth_index("  YILMAZ ", date(2011, 3, 4)) == expected
    assert cipher.surname_birth_index("Yilmaz", date(2011, 3, 5)) != expected
    # another index name, another key: the same text never gives the same index
    assert cipher.blind_index("bsn", "yilmaz|2011-03-04") != expected
    with pytest.raises(ValidationError):
        cipher.surname_birth_index("  ", date(2011, 3, 4))


def test_scram_verifier_matches_rfc_7677_example() -> None:
    """RFC 7677, section 3: user "user", password "pencil"; the client's proof and the
    server's signature in that exchange must check out against our StoredKey/ServerKey."""
    salt = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
    verifier = scram_verifier("pencil", salt=salt, iterations=4096)
    head, keys = verifier.rsplit("$", 1)
    assert head == "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ=="
    stored_key, server_key = (base64.b64decode(k) for k in keys.split(":"))
    nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    auth_message = (f"n=user,r=rOprNGfwEbeRWgbNEkqO,r={nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,"
                    f"i=4096,c=biws,r={nonce}").encode()
    server_signature = hmac.new(server_key, auth_message, hashlib.sha256).digest()
    assert base64.b64encode(server_signature) == b"6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
    proof = base64.b64decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    client_signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
    client_key = bytes(a ^ b for a, b in zip(proof, client_signature))
    assert hashlib.sha256(client_key).digest() == stored_key


def test_one_derivation_gives_two_unrelated_secrets() -> None:
    master = hashlib.sha256(b"argon2id output stand-in").digest()
    keys = split_unlock_key(master)
    assert keys.slot_key == hkdf(master, b"casuskamer key slot v1")
    assert keys.login_secret.encode() == base64.urlsafe_b64encode(
        hkdf(master, b"casuskamer server login v1")).rstrip(b"=")
    assert keys.slot_key not in base64.urlsafe_b64decode(keys.login_secret + "=")
    assert split_unlock_key(OTHER_KEY).login_secret != keys.login_secret
    assert keys.login_secret not in repr(keys)
