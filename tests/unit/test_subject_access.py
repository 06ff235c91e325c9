"""Subject access (AVG art. 15): one person found across cases, more than one match refused
with the reason, and a PDF (made from a reviewed draft) that lists what is held, its source,
the disclosures the log holds (by the file's SHA-256), what was withheld and where to ask,
and the destruction date."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.cli import main as cli_main
from app.domain.cases import Subject, SubjectRole
from app.domain.closure import ClosureDecision, CoordinatorAgreement, CriterionCheck, Outcome
from app.domain.information import Category
from app.errors import NotFound
from app.services import closure as closure_service
from app.services import disclosures as disclosure_service
from app.services import handouts
from app.services import subject_access
from app.services.subject_access import Choice, Ground, ItemDecision
from app.store.tables import audit_log
from app.vault.vault import OpenVault

from tests.pg_engine import audit_reader, vault_arg
from tests.unit.retention_fixtures import (DIRECTOR, DIRECTOR_PASSPHRASE,  # noqa: F401
                                           director_vault, make_case, party_id)

BSN = "123456782"


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def reviewed(draft: subject_access.SubjectAccessDraft,
             **by_category: ItemDecision) -> subject_access.SubjectAccessDraft:
    """The draft with a decision per item by its category (``police=...``); include else."""
    for item in draft.items:
        draft = draft.decide(item.item_id, by_category.get(item.category.value,
                                                           ItemDecision(Choice.INCLUDE)))
    return draft


def test_the_pdf_lists_items_sources_disclosures_and_destruction(
        director_vault: OpenVault, tmp_path: Path) -> None:  # noqa: F811
    vault = director_vault
    made = make_case(vault, surname="Yılmaz", given="Şükrü", bsn=BSN, birth=date(1975, 4, 3),
                     items=[("gemeente-den-haag", Category.GENERAL, "Huurachterstand gemeld"),
                            ("politie", Category.POLICE, "Proces-verbaal 2025-77")])
    police = party_id(vault, "politie")
    plan = handouts.export_plan(vault, made.number, tmp_path / "plan.pdf")
    # a handout to the police as the disclosure log holds it
    vault.log_now("export.handout", "case", made.number,
                  detail={"kind": "handout", "party_id": police, "sha256": "ab" * 32})
    logged = disclosure_service.case_disclosures(vault, made.number)
    assert [d.sha256 for d in logged] == [plan.sha256, "ab" * 32]

    out = tmp_path / "inzage.pdf"
    match = subject_access.find_subject(vault, bsn="1234.56.782")
    draft = subject_access.draft_subject_access(vault, match)
    result = subject_access.export_subject_access(
        vault, out, reviewed(draft, police=ItemDecision(
            Choice.WITHHOLD, ground=Ground.OTHER_CONTROLLER)), match=match)
    assert result.cases == (made.number,)
    text = _text(out)
    compact = _compact(text)
    assert "Şükrü" in text and "Yılmaz" in text
    assert "Huurachterstand gemeld" in text
    assert "Proces-verbaal" not in text, "police data withheld: its own access regime"
    assert "Politiegegevens" in text and "Politie regionale eenheid Den Haag" in text
    # Every disclosure the log holds is in the PDF, with its hash.
    for disclosure in logged:
        assert disclosure.sha256 in compact
    assert "wordt 24 maanden na de afschaling vernietigd" in text
    # The export itself is logged with its hash and without the person's name or BSN.
    with audit_reader(vault) as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.object_id,
                                   audit_log.c.detail)).all()
    exported = [json.loads(r[2]) for r in rows if r[0] == "export.subject_access"]
    assert exported and exported[-1]["sha256"] == result.sha256
    flat = json.dumps([list(r) for r in rows], ensure_ascii=False)
    assert "Yılmaz" not in flat and BSN not in flat


def test_closed_case_shows_its_destruction_date_and_is_found_by_bsn_elsewhere(
        director_vault: OpenVault, tmp_path: Path) -> None:  # noqa: F811
    vault = director_vault
    closed = make_case(vault, surname="Visser", given="Anna", bsn=BSN, birth=date(1990, 1, 2))
    open_case = make_case(vault, surname="Visser", given="Anna", bsn=BSN,
                          birth=date(1990, 1, 2))
    context = closure_service.closure_context(vault, closed.number, today=date(2025, 9, 1))
    closure_service.close_case(vault, closed.number, ClosureDecision(
        criteria=tuple(CriterionCheck(c.criterion, True) for c in context.criteria),
        agreement=CoordinatorAgreement("Sanne", party_id(vault, "gemeente-den-haag"),
                                       date(2025, 9, 1)),
        outcome=Outcome.GOALS_REACHED), closure_service.preview(vault, closed.number),
        today=date(2025, 9, 1))
    match = subject_access.find_subject(vault, bsn=BSN)
    assert set(match.case_numbers) == {closed.number, open_case.number}
    report = subject_access.subject_access_report(vault, match, today=date(2025, 9, 2))
    by_number = {c.number: c for c in report.cases}
    assert by_number[closed.number].destroy_on == date(2027, 9, 1)
    assert by_number[closed.number].bsn is None and by_number[closed.number].address is None
    assert by_number[open_case.number].destroy_on is None


def test_more_than_one_person_is_refused_and_can_be_narrowed(
        director_vault: OpenVault, tmp_path: Path, vault_dir: Path,
        capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    vault = director_vault
    make_case(vault, surname="de Jong", given="Kees", bsn=None, birth=date(2001, 6, 1),
              life_domains={})   # nothing to review: the CLI's draft is made as it is
    make_case(vault, surname="de Jong", given="Karel", bsn=None, birth=date(2001, 6, 1),
              extra_subjects=[Subject("Mies", "Bakker", date(1970, 1, 1), SubjectRole.PARENT)])
    with pytest.raises(subject_access.MoreThanOneMatch) as many:
        subject_access.find_subject(vault, surname="De  Jong", birth_date=date(2001, 6, 1))
    assert many.value.count == 2
    assert "verfijn" in str(many.value).lower()
    narrowed = subject_access.find_subject(vault, surname="de jong",
                                           birth_date=date(2001, 6, 1), given_names="karel")
    assert narrowed.given_names == "Karel"
    with pytest.raises(NotFound):
        subject_access.find_subject(vault, surname="de Jong", birth_date=date(2001, 6, 2))

    vault.lock()
    os.environ["CASUSKAMER_PASSPHRASE"] = DIRECTOR_PASSPHRASE
    try:
        base = ["export", "subject", "--vault", vault_arg(vault), "--account", DIRECTOR]
        code = cli_main(base + ["--surname", "de Jong", "--birth-date", "2001-06-01",
                                "--draft", str(tmp_path / "x.json")])
        err = capsys.readouterr().err
        assert code == 2 and "2 verschillende personen" in err
        assert not (tmp_path / "x.json").exists()
        kees = base + ["--surname", "de Jong", "--birth-date", "2001-06-01",
                       "--given-names", "Kees"]
        code = cli_main(kees + ["--draft", str(tmp_path / "k.json")])
        assert code == 0, capsys.readouterr().err
        code = cli_main(kees + ["--review", str(tmp_path / "k.json"),
                                "--out", str(tmp_path / "k.pdf")])
        assert code == 0, capsys.readouterr().err
        assert "Kees" in _text(tmp_path / "k.pdf")
        assert cli_main(base + ["--bsn", "1", "--surname", "x", "--draft",
                                str(tmp_path / "y.json")]) == 2
    finally:
        os.environ.pop("CASUSKAMER_PASSPHRASE", None)
