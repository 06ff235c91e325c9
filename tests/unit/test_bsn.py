"""The BSN eleven-test."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.bsn import (check_bsn, eleven_test_check_digit, is_valid_bsn, normalise_bsn,
                            passes_eleven_test)
from app.errors import ValidationError


@pytest.mark.parametrize("bsn", ["111222333", "123456782", "999999990", "010000008"])
def test_valid_numbers_pass(bsn: str) -> None:
    assert passes_eleven_test(bsn)
    assert check_bsn(bsn) == bsn


@pytest.mark.parametrize("bsn", ["123456789", "111222334", "000000000", "12345678x",
                                 "1234567820", "１２３４５６７８２"])
def test_invalid_numbers_fail(bsn: str) -> None:
    assert not is_valid_bsn(bsn)
    with pytest.raises(ValidationError) as refused:
        check_bsn(bsn, field="subjects[0].bsn")
    assert refused.value.field == "subjects[0].bsn"


def test_eleven_test_message_is_dutch_and_short() -> None:
    with pytest.raises(ValidationError) as refused:
        check_bsn("123456789")
    assert str(refused.value) == "voldoet niet aan de elfproef"


def test_spaces_dots_and_eight_digits_are_normalised() -> None:
    assert normalise_bsn(" 1234.56.782 ") == "123456782"
    assert normalise_bsn("1234 56 782") == "123456782"
    assert normalise_bsn("10000008") == "010000008"
    assert check_bsn("10000008") == "010000008"


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_check_digit_makes_a_valid_number(first: str) -> None:
    digit = eleven_test_check_digit(first)
    if digit is None:
        assert not any(passes_eleven_test(first + str(d)) for d in range(10))
    elif first + digit != "000000000":
        assert passes_eleven_test(first + digit)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.integers(0, 8),
       st.integers(1, 9))
def test_every_single_digit_error_is_caught(first: str, position: int, delta: int) -> None:
    digit = eleven_test_check_digit(first)
    if digit is None or first + digit == "000000000":
        return
    valid = first + digit
    changed = valid[:position] + str((int(valid[position]) + delta) % 10) + valid[position + 1:]
    assert not passes_eleven_test(changed)
