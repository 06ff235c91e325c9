"""Handouts from a vault: the disclosure log (kind, case, recipient, SHA-256 of the file),
refusals logged and without a file, password protection, the batch for every invitee of
the case's meeting with progress and cancel, and the ``casuskamer export`` commands."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.cli import main
from app.domain.information import Category
from app.domain.parties import EndReason
from app.domain.plan import Action, ActionPlan
from app.domain.roles import Role
from app.errors import PermissionDenied
from app.sharing.handout import HandoutRefused
from app.services import handouts
from app.services import parties as party_service
from app.services import plan as plan_service
from app.sharing.policy import Reason
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import vault_arg, vault_args
from tests.conftest import ADMIN_PASSPHRASE, ROLE_PASSPHRASE, unlock_as
from tests.unit.handout_cases import (as_process_director, item, make_case, on_agenda,
                                     party_ids, tomorrow_at_ten)

POLICE = "Politie regionale eenheid Den Haag"
PROBATION = "Reclassering Nederland"
CITY = "Den Haag"
GONE = "Stichting Barka"
DIRECTOR_PASSPHRASE = ROLE_PASSPHRASE  # the process director unlock_as added


#: a moment after the start of the fixture's meeting (tomorrow at ten)
AFTER_START = tomorrow_at_ten() + timedelta(hours=1)


@pytest.fixture
def case(admin_vault: OpenVault) -> tuple[OpenVault, str, dict[str, int]]:
    """A case on tomorrow's meeting with the police, probation, the city and a party that
    withdrew since it was invited (today)."""
    ids = party_ids(admin_vault)
    vault = as_process_director(admin_vault)
    number = make_case(vault, items=[
        item(ids[POLICE], "GEDEELD melding huiselijk geweld", [ids[PROBATION]],
             category=Category.POLICE, restriction="Alleen voor risicotaxatie"),
        item(ids[POLICE], "GEHEIM lopend onderzoek", [], category=Category.POLICE),
        item(ids[CITY], "HUUR achterstand vier maanden", [ids[PROBATION], ids[POLICE]],
             pre_meeting=True),
    ])
    on_agenda(vault, number, [ids[POLICE], ids[PROBATION], ids[CITY], ids[GONE]])
    party_service.end_participation(admin_vault, ids[GONE], date.today(),
                                    EndReason.WITHDRAWAL)
    with vault.read() as conn:
        from app.services.cases import case_id_for
        case_id = case_id_for(conn, number)
    plan_service.save_plan(vault, ActionPlan(
        case_id=case_id, closure_criteria="Stabiel",
        actions=(Action("a1", ids[PROBATION], "ACTIE toezicht"),
                 Action("a2", ids[CITY], "ACTIE beperkt", limited_to=frozenset({ids[CITY]})))))
    return vault, number, ids


def text_of(path: Path, password: str | None = None) -> str:
    reader = PdfReader(str(path))
    if password:
        reader.decrypt(password)
    return "\n".join(p.extract_text() or "" for p in reader.pages)


def disclosure_rows(vault: OpenVault, number: str) -> list[tuple[str, str, dict[str, object]]]:
    with vault.read() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.result, audit_log.c.detail)
                            .where(audit_log.c.object_id == number,
                                   audit_log.c.action.like("export.%"))
                            .order_by(audit_log.c.id)).all()
    return [(r[0], r[1], json.loads(r[2])) for r in rows]


def test_a_handout_is_written_and_recorded_with_its_sha256(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, number, ids = case
    out = tmp_path / handouts.handout_file_name(vault, number, ids[PROBATION])
    assert out.name == f"{number}_handout_reclassering-nederland.pdf"
    result = handouts.export_handout(vault, number, ids[PROBATION], out, now=AFTER_START)
    assert result.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    text = text_of(out)
    assert "GEDEELD" in text and "HUUR" in text and "Alleen voor risicotaxatie" in text
    assert "GEHEIM" not in text
    assert "ACTIE toezicht" in text and "ACTIE beperkt" not in text
    assert "Şükrü Yılmaz" in text
    [(action, result_word, detail)] = disclosure_rows(vault, number)
    assert (action, result_word) == ("export.handout", "ok")
    assert detail["kind"] == "handout" and detail["party_id"] == ids[PROBATION]
    assert detail["sha256"] == result.sha256 and detail["encrypted"] is False
    assert detail["meeting_started"] is True and "meeting_id" in detail
    assert "Şükrü" not in json.dumps(detail, ensure_ascii=False)
    assert handouts.disclosures(vault, number)[0]["sha256"] == result.sha256


def test_a_withdrawn_party_is_refused_logged_and_gets_no_file(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, number, ids = case
    out = tmp_path / "x.pdf"
    with pytest.raises(HandoutRefused) as refused:
        handouts.export_handout(vault, number, ids[GONE], out)
    assert refused.value.reason is Reason.WITHDRAWN
    assert not out.exists()
    [(_action, result_word, detail)] = disclosure_rows(vault, number)
    assert result_word == "denied" and detail["reason"] == "withdrawn"


def test_an_encrypted_handout_opens_only_with_its_password(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, number, ids = case
    out = tmp_path / "h.pdf"
    result = handouts.export_handout(vault, number, ids[POLICE], out,
                                     password="geheim-wachtwoord-42")
    reader = PdfReader(str(out))
    assert reader.is_encrypted and reader.decrypt("fout") == 0
    assert "GEHEIM" in text_of(out, "geheim-wachtwoord-42")       # the police's own item
    assert b"GEHEIM" not in out.read_bytes()
    assert disclosure_rows(vault, number)[0][2]["encrypted"] is True
    assert result.encrypted


def test_the_full_plan_shows_every_action_and_is_recorded(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, number, _ids = case
    out = tmp_path / "plan.pdf"
    result = handouts.export_plan(vault, number, out)
    text = text_of(out)
    assert "ACTIE toezicht" in text and "ACTIE beperkt" in text
    assert "uitsluitend bestemd voor de procesregisseur" in text
    assert "GEDEELD" not in text                           # the plan holds no items
    [(action, _r, detail)] = disclosure_rows(vault, number)
    assert action == "export.plan" and detail["sha256"] == result.sha256


def test_only_the_process_director_exports(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, number, ids = case
    with pytest.raises(PermissionDenied):
        handouts.export_handout(unlock_as(vault, Role.INFORMATION_CENTRE), number, ids[POLICE],
                                tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_batch_for_every_invitee_with_progress_refusals_and_cancel(  # type: ignore[no-untyped-def]
        case, tmp_path: Path) -> None:
    vault, number, ids = case
    seen: list[tuple[int, int, str]] = []
    out_dir = tmp_path / "handouts"
    out_dir.mkdir()
    batch = handouts.export_handouts_for_invited(
        vault, number, out_dir, progress=lambda d, t, n: seen.append((d, t, n)))
    assert [r.party_id for r in batch.refused] == [ids[GONE]]
    assert batch.refused[0].reason is Reason.WITHDRAWN
    shorts = {p.id: p.short_name for p in party_service.list_parties(vault)}
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        f"{number}_handout_{shorts[ids[name]]}.pdf" for name in (POLICE, PROBATION, CITY))
    for result in batch.exported:
        assert result.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert [s[0] for s in seen] == [1, 2, 3, 4] and all(s[1] == 4 for s in seen)
    assert len([r for r in disclosure_rows(vault, number) if r[1] == "ok"]) == 3
    # Cancelled after the first file: the run stops between two files.
    later = tmp_path / "later"
    later.mkdir()
    calls = iter([False, True])
    stopped = handouts.export_handouts_for_invited(vault, number, later, now=AFTER_START,
                                                   cancelled=lambda: next(calls, True))
    assert stopped.cancelled and len(stopped.exported) == 1
    assert len(list(later.iterdir())) == 1


def test_the_export_commands(case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                             capsys: pytest.CaptureFixture[str]) -> None:
    vault, number, _ids = case
    vault.lock(audit_it=False)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", DIRECTOR_PASSPHRASE)
    out = tmp_path / "h.pdf"
    password_file = tmp_path / "pw.txt"
    password_file.write_text("een-lang-wachtwoord\n", encoding="utf-8")
    base = ["export", "handout", "--vault", vault_arg(vault), "--account", "regisseur",
            "--case", number]
    assert main(base + ["--party", "reclassering-nederland", "--out", str(out),
                        "--password-file", str(password_file)]) == 0
    assert "HUUR" in text_of(out, "een-lang-wachtwoord")        # shared for before the meeting
    assert hashlib.sha256(out.read_bytes()).hexdigest() in capsys.readouterr().out
    assert main(base + ["--party", GONE, "--out", str(tmp_path / "no.pdf")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Stichting Barka" in err[0] and "uitgetreden" in err[0]
    assert not (tmp_path / "no.pdf").exists()
    assert main(base + ["--party", "Bestaat Niet", "--out", str(tmp_path / "x.pdf")]) == 2
    plan_out = tmp_path / "plan.pdf"
    assert main(["export", "plan", "--vault", vault_arg(vault), "--account", "regisseur",
                 "--case", number, "--out", str(plan_out), "--generate-password"]) == 0
    printed = capsys.readouterr().out
    password = printed.split(": ", 1)[1].splitlines()[0]
    assert "ACTIE beperkt" in text_of(plan_out, password)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    assert main(["export", "plan", *vault_args(vault), "--case", number,
                 "--out", str(tmp_path / "admin.pdf")]) == 2      # an admin sees no cases
