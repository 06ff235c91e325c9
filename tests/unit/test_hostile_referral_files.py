"""Issue 25, point 6: hostile referral files. A size cap (20 MB) checked before the file is
read; length caps per field (names 200, prose 20,000 characters); nesting limited before
the JSON parser recurses (never a RecursionError); keys from the file never echoed raw; and
on the command line every error line has its control characters escaped, so a terminal
escape sequence in a file name or key cannot rewrite the terminal.

Expected answers are the documented caps (docs/referral-format.md), not the code's.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.errors import ValidationError
from app.i18n import set_language
from app.services.referral_import import ImportRefused, parse_referrals, read_referral_file
from tests.unit.test_referral_import import PARTIES, STANDINGS, TODAY, good_file

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


def write(tmp_path: Path, data: Any, name: str = "aanmeldingen.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def problems(data: Any) -> dict[str, str]:
    with pytest.raises(ImportRefused) as caught:
        parse_referrals(data, parties_by_name=PARTIES, standings=STANDINGS, today=TODAY)
    return {p.field: p.message for p in caught.value.problems}


# -- the size cap -----------------------------------------------------------------------------

def test_a_file_over_20_mb_is_refused(tmp_path: Path) -> None:
    data = good_file(1)
    data["referrals"][0]["reason"] = "x" * (20 * MB)  # valid JSON, just too large
    with pytest.raises(ValidationError) as caught:
        read_referral_file(write(tmp_path, data))
    assert caught.value.field == "format" and "20 MB" in str(caught.value)


def test_a_file_of_300_mb_is_refused_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "groot.json"
    with open(path, "wb") as handle:
        handle.truncate(300 * MB)  # sparse: costs no disk
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError):
            read_referral_file(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 * MB, f"{peak} bytes taken to refuse a 300 MB file"


def test_a_file_just_under_the_cap_is_read(tmp_path: Path) -> None:
    data = good_file(1)
    path = write(tmp_path, data)
    assert read_referral_file(path) == data


# -- caps per field -------------------------------------------------------------------------

@pytest.mark.parametrize("where, key, limit", [
    (("referrals", 0), "reason", 20_000), (("referrals", 0), "question", 20_000),
    (("referrals", 0, "subjects", 0), "surname", 200),
    (("referrals", 0, "subjects", 0), "given_names", 200),
    (("referrals", 0, "subjects", 0), "address", 500),
    (("referrals", 0, "information", 0), "text", 20_000),
    (("referrals", 0, "information", 0), "use_restriction", 20_000),
    (("referrals", 0, "life_domains"), "housing", 20_000),
    (("referrals", 0), "external_ref", 100)])
def test_each_text_field_has_its_documented_cap(where: tuple[Any, ...], key: str,
                                                limit: int) -> None:
    path = ".".join(str(w) for w in where[:1]) + "".join(
        f"[{w}]" if isinstance(w, int) else f".{w}" for w in where[1:]) + f".{key}"
    for length, refused in ((limit, False), (limit + 1, True)):
        data = good_file(1)
        target: Any = data
        for w in where:
            target = target[w]
        target[key] = "a" * length
        if refused:
            assert "longer than" in problems(data).get(path, ""), path
        else:
            parse_referrals(data, parties_by_name=PARTIES, standings=STANDINGS, today=TODAY)


def test_a_50_million_character_reason_is_not_stored(tmp_path: Path) -> None:
    data = good_file(1)
    data["referrals"][0]["reason"] = "x" * 50_000_000
    with pytest.raises(ValidationError):
        read_referral_file(write(tmp_path, data))


# -- nesting ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["[" * 100_000, "[" * 5_000 + "]" * 5_000,
                                  '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_deep_nesting_is_one_refusal_never_a_recursion_error(tmp_path: Path,
                                                             text: str) -> None:
    path = tmp_path / "diep.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_referral_file(path)
    assert caught.value.field == "format" and "deeper" in str(caught.value)


def test_nesting_inside_a_field_of_the_format_is_refused_too(tmp_path: Path) -> None:
    data = good_file(1)
    deep: Any = "bodem"
    for _ in range(40):
        deep = [deep]
    data["referrals"][0]["life_domains"]["housing"] = deep
    with pytest.raises(ValidationError) as caught:
        read_referral_file(write(tmp_path, data))
    assert "deeper" in str(caught.value)


def test_brackets_inside_texts_are_not_nesting(tmp_path: Path) -> None:
    data = good_file(1)
    data["referrals"][0]["reason"] = "[{" * 3000 + '\\"]' + "}]" * 3000
    assert read_referral_file(write(tmp_path, data)) == data


def test_a_number_of_thousands_of_digits_is_one_refusal(tmp_path: Path) -> None:
    path = tmp_path / "getal.json"
    path.write_text('{"format": ' + "9" * 10_000 + "}", encoding="utf-8")
    with pytest.raises(ValidationError):
        read_referral_file(path)


# -- keys and names echoed ----------------------------------------------------------------

@pytest.mark.parametrize("key", ["\x1b]0;pwned\x07", "\x1b[2J\x1b[H3 referrals imported",
                                 "a\u202egpj.exe", "x\nreferrals[0]: fine", "<b>ok</b>" * 50])
def test_an_unknown_key_is_named_escaped_and_short(key: str) -> None:
    data = good_file(1)
    data["referrals"][0][key] = 1
    [(field, message)] = problems(data).items()
    assert message == "is not a field of this format"
    assert field.startswith("referrals[0].")
    assert field.isprintable(), repr(field)
    assert len(field) < 100


def test_an_unknown_life_domain_key_is_escaped() -> None:
    data = good_file(1)
    data["referrals"][0]["life_domains"]["\x1b[31mhousing"] = "x"
    assert all(f.isprintable() for f in problems(data))


# -- the command line ---------------------------------------------------------------------

def test_a_terminal_escape_in_the_file_name_is_escaped_in_the_error_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a\x1b]0;pwned\x07\x1b[2Jb.json"
    path.write_text("{not json", encoding="utf-8")
    code = main(["import", "--vault", str(tmp_path / "geen-kluis"), str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "\x1b" not in err and "\x07" not in err
    assert "\\x1b" in err
    assert len(err.strip().splitlines()) == 1


def test_a_file_with_deep_nesting_on_the_command_line_is_one_line_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "diep.json"
    path.write_text("[" * 200_000, encoding="utf-8")
    code = main(["import", "--vault", str(tmp_path / "geen-kluis"), str(path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and "RecursionError" not in err
