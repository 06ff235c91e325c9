"""The associated data of a sealed value after issue 23's work on the house server's case list
(the fixed part built once per column, the row's part without a regular expression for the
common forms): byte for byte what the rule of issue 22 says,
``casuskamer/1|<table>|<column>|<row key>``, for every sealed column of the schema; the same
refusals of a place that cannot be encoded unambiguously; and values sealed by the code
before this change (10d2460, fixed nonces) still open, while a value moved elsewhere still
does not.
"""

from __future__ import annotations

import pytest

from app.store import schema  # noqa: F401  (every area's tables)
from app.store.field_crypto import FieldCipher, FieldTampered, associated_data
from app.store.sealed import Sealed
from app.store.tables import metadata

KEY = bytes(range(32))

SEALED = sorted((t.name, c.name, c.type.keys) for t in metadata.sorted_tables for c in t.c
                if isinstance(c.type, Sealed))

#: Written out from the rule, not computed by the code under test.
EXPECTED = [
    ("subjects", "surname", 7, b"casuskamer/1|subjects|surname|7"),
    ("subjects", "surname", "7", b"casuskamer/1|subjects|surname|7"),
    ("case_search", "search_key", 104233, b"casuskamer/1|case_search|search_key|104233"),
    ("case_search", "main_subject", "104233",
     b"casuskamer/1|case_search|main_subject|104233"),
    ("criteria_answers", "motivation", "4711:severity",
     b"casuskamer/1|criteria_answers|motivation|4711:severity"),
    ("invitations", "contribution", "12:3", b"casuskamer/1|invitations|contribution|12:3"),
    ("meta", "audit_key", "-", b"casuskamer/1|meta|audit_key|-"),
    ("subjects", "bsn", 0, b"casuskamer/1|subjects|bsn|0"),
    ("subjects", "bsn", -5, b"casuskamer/1|subjects|bsn|-5"),
    ("subjects", "bsn", "0042", b"casuskamer/1|subjects|bsn|0042"),
    ("subjects", "bsn", "a.B_c-9", b"casuskamer/1|subjects|bsn|a.B_c-9"),
    ("subjects", "bsn", "9" * 64, b"casuskamer/1|subjects|bsn|" + b"9" * 64),
    ("subjects", "bsn", int("9" * 64), b"casuskamer/1|subjects|bsn|" + b"9" * 64),
]


@pytest.mark.parametrize(("table", "column", "row", "expected"), EXPECTED)
def test_the_associated_data_is_the_rules_bytes(table: str, column: str, row: int | str,
                                                expected: bytes) -> None:
    assert associated_data(table, column, row) == expected
    # asked again (the column's part now cached), the same bytes
    assert associated_data(table, column, row) == expected


def test_every_sealed_column_of_the_schema_keeps_its_place() -> None:
    assert len(SEALED) > 40  # the schema's sealed columns, not an empty list
    for table, column, keys in SEALED:
        row = ":".join(["31337"] * len(keys))
        rule = f"casuskamer/1|{table}|{column}|{row}".encode("ascii")
        assert associated_data(table, column, row) == rule, (table, column)
        if len(keys) == 1:
            assert associated_data(table, column, 31337) == rule, (table, column)
        assert associated_data(table, column, row, 2) == rule.replace(b"/1|", b"/2|", 1)


@pytest.mark.parametrize(("table", "column", "row"), [
    ("Subjects", "surname", 7),            # not lower case
    ("subjects", "sur name", 7),           # not an identifier
    ("subjects|x", "surname", 7),          # the separator in the table
    ("subjects", "surname", ""),           # no row
    ("subjects", "surname", "7|8"),        # the separator in the row
    ("subjects", "surname", "7\n"),        # a line end after the row
    ("subjects", "surname", "\u0667"),     # a digit, but not an ASCII one
    ("subjects", "surname", "9" * 65),     # too long a token
    ("subjects", "surname", int("9" * 65)),  # too long a number
    ("subjects", "surname", True),         # a truth value is no row id
    ("subjects", "surname", 7.0),          # nor a real number
    ("subjects", "surname", None),
])
def test_a_place_that_cannot_be_written_unambiguously_is_refused(table: str, column: str,
                                                                 row: object) -> None:
    with pytest.raises(ValueError):
        associated_data(table, column, row)  # type: ignore[arg-type]


#: Sealed by the code before this change (10d2460) under KEY with fixed nonces.
OLD_VALUES = [
    ("subjects", "surname", 4711, "De Vries",
     "016465666768696a6b6c6d6e6ff036b4777e29eb3a71d7c90ec543a05d3a60ec295b451656"),
    ("case_search", "search_key", "4711", "zvh-2026-0042 de vries jan",
     "0178797a7b7c7d7e7f8081828322263660fb524a1cfdb7c2f8e54163442de34a07dfe65ace8d"
     "28f5498059c541012ca7f7ef2934c90a1a"),
    ("criteria_answers", "motivation", "4711:severity", "Meerdere meldingen",
     "018c8d8e8f9091929394959697cd0c9b559f9f75b6c7052361ffd1f5b77c941b923640970e7e"
     "9c9aea5c632d4fa0b1"),
]


@pytest.mark.parametrize(("table", "column", "row", "plain", "stored"), OLD_VALUES)
def test_a_value_sealed_before_still_opens_and_only_in_its_place(
        table: str, column: str, row: int | str, plain: str, stored: str) -> None:
    cipher = FieldCipher(KEY)
    sealed = bytes.fromhex(stored)
    assert cipher.decrypt_text(table, column, row, sealed) == plain
    assert cipher.decrypt_text(table, column, str(row), sealed) == plain
    for elsewhere in ((table, column, f"{row}0"), (table, "reason", row),
                      ("subjects", "given_names", row)):
        with pytest.raises(FieldTampered):
            cipher.decrypt_text(*elsewhere, sealed)


def test_a_value_sealed_now_opens_under_the_rules_associated_data() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    stored = FieldCipher(KEY).encrypt_text("criteria_answers", "motivation", "8:severity",
                                           "Zorgen")
    field_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                     info=b"casuskamer field encryption v1").derive(KEY)
    assert AESGCM(field_key).decrypt(
        stored[1:13], stored[13:], b"casuskamer/1|criteria_answers|motivation|8:severity"
    ) == b"Zorgen"
