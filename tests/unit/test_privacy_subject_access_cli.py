"""``casuskamer export subject`` in two steps (issue 16, point 4; AVG art. 15): ``--draft``
writes the review file (personal data: atomic, mode 600, logged with its SHA-256), the
director decides every marked item in it, and ``--review ... --out`` makes the PDF. A PDF
without a review, a malformed file, an undecided item and a file made against other data
are refused with exit 2 and one line, nothing written, the refusal audited.

On the old code (commit 7ca920e) ``--out`` alone wrote the finished PDF and ``--draft`` and
``--review`` did not exist.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from app.cli import main as cli_main
from app.domain.information import Category
from app.store.case_tables import information_items
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import audit_reader, vault_arg
from tests.unit.retention_fixtures import (  # noqa: F401
    DIRECTOR,
    DIRECTOR_PASSPHRASE,
    director_vault,
    make_case,
)

BSN = "123456782"
RENT = "Huurachterstand van drie maanden gemeld"
POLICE = "Proces-verbaal 2025-77 huiselijk geweld"


def item_id(vault: OpenVault, text: str) -> int:
    """The item with ``text``, compared here, not in SQL: on the house server the text is
    sealed (no equality there); the update then finds its row by the id."""
    with vault.read() as conn:
        [found] = [int(r.id) for r in conn.execute(
            select(information_items.c.id, information_items.c.text)) if r.text == text]
    return found


@pytest.fixture
def cli(director_vault: OpenVault,  # noqa: F811
        tmp_path: Path) -> Iterator[tuple[list[str], Path]]:
    """A locked vault with one case (an item of the municipality, a police item) and the
    command's first words (``--vault``: the folder, or on the server the house's profile);
    the exports go to their own folder."""
    make_case(director_vault, surname="Yılmaz", given="Şükrü", bsn=BSN,
              birth=date(1975, 4, 3), life_domains={},   # items only: no life-domain texts
              items=[("gemeente-den-haag", Category.GENERAL, RENT),
                     ("politie", Category.POLICE, POLICE)])
    rent = item_id(director_vault, RENT)
    with director_vault.begin() as conn:   # the municipality agreed to subject access
        conn.execute(update(information_items).where(information_items.c.id == rent)
                     .values(subject_access=True))
    where = vault_arg(director_vault)
    director_vault.lock()
    out = tmp_path / "exports"
    out.mkdir()
    os.environ["CASUSKAMER_PASSPHRASE"] = DIRECTOR_PASSPHRASE
    try:
        yield (["export", "subject", "--vault", where, "--account", DIRECTOR,
                "--bsn", BSN], out)
    finally:
        os.environ.pop("CASUSKAMER_PASSPHRASE", None)


def audit(house: OpenVault) -> list[dict[str, Any]]:
    """The audit log of ``house``'s vault (its session may be locked), read again as a
    session allowed to read all of it (tests.pg_engine.audit_reader)."""
    opened = house.vault.unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    try:
        with audit_reader(opened) as conn:
            return [{"action": r.action, "result": r.result,
                     "detail": json.loads(r.detail or "{}")}
                    for r in conn.execute(select(audit_log).order_by(audit_log.c.id))]
    finally:
        opened.lock(audit_it=False)


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_avg_15_draft_then_review_then_pdf(
        cli: tuple[list[str], Path], director_vault: OpenVault,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    base, out = cli
    review = out / "review.json"
    assert cli_main(base + ["--draft", str(review)]) == 0
    said = capsys.readouterr().out
    assert "SHA-256" in said and "persoonsgegevens" in said
    assert review.stat().st_mode & 0o777 == 0o600
    body = json.loads(review.read_text(encoding="utf-8"))
    drafted = audit(director_vault)
    logged = [r for r in drafted if r["action"] == "export.subject_access_draft"]
    assert logged and logged[-1]["detail"]["sha256"] in said
    by_text = {i["text"]: i for i in body["items"]}
    assert by_text[RENT]["decision"] == "include" and by_text[RENT]["review"] == []
    assert by_text[POLICE]["decision"] is None
    assert "other_access_regime" in by_text[POLICE]["review"]

    # undecided: refused
    pdf = out / "inzage.pdf"
    assert cli_main(base + ["--review", str(review), "--out", str(pdf)]) == 2
    assert "nog niet beslist" in one_line(capsys.readouterr().err)
    assert not pdf.exists()

    by_text[POLICE]["decision"] = "withhold"
    by_text[POLICE]["ground"] = "other_controller"
    review.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    assert cli_main(base + ["--review", str(review), "--out", str(pdf)]) == 0
    text = "\n".join(p.extract_text() or "" for p in PdfReader(str(pdf)).pages)
    assert "Huurachterstand" in text and "Proces-verbaal" not in text
    assert "Politiegegevens" in text and "Politie regionale eenheid Den Haag" in text
    rows = audit(director_vault)
    decisions = {r["detail"]["decision"] for r in rows
                 if r["action"] == "subject_access.decision"}
    assert decisions == {"include", "withhold"}


def test_a_pdf_without_a_review_is_refused(
        cli: tuple[list[str], Path], director_vault: OpenVault,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 16, bad input: a subject-access PDF without a reviewed draft."""
    base, out = cli
    assert cli_main(base + ["--out", str(out / "inzage.pdf")]) == 2
    assert "beoordeeld concept" in one_line(capsys.readouterr().err)
    assert not list(out.iterdir())
    last = [r for r in audit(director_vault) if r["action"] == "export.subject_access"][-1]
    assert last["result"] == "denied" and last["detail"]["reason"] == "no_review"


@pytest.mark.parametrize("spoil, words, reason", [
    (lambda text: text[:-20], "geen geldige JSON", "malformed"),
    (lambda text: text.replace('"decision": "include"', '"decision": "maybe"'),
     "include, redact of withhold", "malformed"),
    (lambda text: text.replace('"fingerprint": "', '"fingerprint": "00'),
     "gewijzigd sinds het concept", "changed"),
])
def test_a_bad_review_file_is_refused_in_one_line_and_audited(
        cli: tuple[list[str], Path], director_vault: OpenVault,  # noqa: F811
        capsys: pytest.CaptureFixture[str], spoil: Any, words: str, reason: str) -> None:
    base, out = cli
    review = out / "review.json"
    assert cli_main(base + ["--draft", str(review)]) == 0
    capsys.readouterr()
    review.write_text(spoil(review.read_text(encoding="utf-8")), encoding="utf-8")
    pdf = out / "inzage.pdf"
    assert cli_main(base + ["--review", str(review), "--out", str(pdf)]) == 2
    assert words in one_line(capsys.readouterr().err)
    assert sorted(p.name for p in out.iterdir()) == ["review.json"]
    last = [r for r in audit(director_vault) if r["action"] == "export.subject_access"][-1]
    assert last["result"] == "denied" and last["detail"]["reason"] == reason


def test_a_review_file_of_data_changed_since_the_draft_is_refused(
        cli: tuple[list[str], Path], director_vault: OpenVault,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 16, bad input: the vault's data changed after the review file was written."""
    base, out = cli
    review = out / "review.json"
    assert cli_main(base + ["--draft", str(review)]) == 0
    body = json.loads(review.read_text(encoding="utf-8"))
    for item in body["items"]:
        item["decision"] = "include"
    review.write_text(json.dumps(body), encoding="utf-8")
    opened = director_vault.vault.unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    police = item_id(opened, POLICE)
    with opened.begin() as conn:
        conn.execute(update(information_items).where(information_items.c.id == police)
                     .values(text=POLICE + ", aanvulling"))
    opened.lock()
    capsys.readouterr()
    assert cli_main(base + ["--review", str(review), "--out", str(out / "x.pdf")]) == 2
    assert "gewijzigd sinds het concept" in one_line(capsys.readouterr().err)
    assert not (out / "x.pdf").exists()


def test_draft_and_out_together_are_refused(cli: tuple[list[str], Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    base, out = cli
    assert cli_main(base + ["--draft", str(out / "r.json"), "--out", str(out / "x.pdf")]) == 2
    one_line(capsys.readouterr().err)
    assert not list(out.iterdir())


def test_the_help_says_the_review_file_is_personal_data(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["export", "subject", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--draft" in text and "--review" in text and "persoonsgegevens" in text
