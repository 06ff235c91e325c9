"""Importing referral files into a vault: all or nothing, numbers printed, another party's
items held at the narrowest with the terms asked of their source, a second import of the
same reference refused; and the command ``casuskamer import`` with its exit codes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.domain.roles import Role
from app.errors import PermissionDenied, ValidationError
from app.services import accounts, cases, triage
from app.services import parties as party_service
from app.services.referral_import import FORMAT, ImportRefused, import_referrals
from app.store.case_tables import cases as cases_table
from app.store.case_tables import information_items, item_shared_with
from app.store.tables import audit_log
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.pg_engine import audit_reader, vault_arg
from tests.conftest import ADMIN_PASSPHRASE

assert triage  # the import must keep working with the triage area loaded


@pytest.fixture
def director(admin_vault: OpenVault, vault_dir: Path) -> Iterator[OpenVault]:
    accounts.add_account(admin_vault, "regisseur", Role.PROCESS_DIRECTOR, ADMIN_PASSPHRASE,
                         kdf=KdfParams())
    admin_vault.lock()
    opened = Vault(vault_dir).unlock("regisseur", ADMIN_PASSPHRASE)
    yield opened
    opened.lock()


def referral(ref: str, bsn: str = "123456782") -> dict[str, Any]:
    return {
        "external_ref": ref, "referring_party": "Veilig Thuis",
        "protocol": "integrale_veiligheid", "received": "2026-03-01",
        "reason": "Zorgen.", "question": "Plan.",
        "subjects": [{"given_names": "Łukasz", "surname": "Wiśniewski",
                      "birth_date": "1990-01-01", "bsn": bsn, "role": "main_subject"}],
        "information": [{"source_party": "Politie regionale eenheid Den Haag",
                         "received": "2026-02-27", "category": "police",
                         "text": "Aanhouding.", "shared_with": ["Veilig Thuis", "Delft"],
                         "pre_meeting_view": False, "meeting_screen": True,
                         "use_restriction": "Alleen mondeling."}]}


def write(tmp_path: Path, data: Any, name: str = "aanmeldingen.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def count_cases(vault: OpenVault) -> int:
    with vault.read() as conn:
        return int(conn.execute(select(func.count()).select_from(cases_table)).scalar_one())


def test_import_creates_referred_cases_with_items_on_their_terms(director: OpenVault,
                                                                 tmp_path: Path) -> None:
    path = write(tmp_path, {"format": FORMAT, "referrals": [referral("WEB-1"),
                                                            referral("WEB-2", "111222333")]})
    numbers = import_referrals(director, path, today=date(2026, 11, 29))
    assert numbers == ["ZVH-2026-0001", "ZVH-2026-0002"]
    rows = cases.list_cases(director)
    assert {r.number for r in rows} == set(numbers)
    assert all(r.state.value == "referred" for r in rows)
    assert rows[0].main_subject == "Wiśniewski, Łukasz"
    police = party_service.find_party_by_name(director, "Politie regionale eenheid Den Haag")
    vt = party_service.find_party_by_name(director, "Veilig Thuis")
    delft = party_service.find_party_by_name(director, "Delft")
    assert police and vt and delft
    with director.read() as conn:
        case_id = cases.case_id_for(conn, "ZVH-2026-0001")
        items = cases.information_items(conn, case_id)
    assert len(items) == 1
    item = items[0]
    assert item.source_party_id == police.id and item.category.value == "police"
    # the police's item in Veilig Thuis's file: narrowest until the police confirm
    assert item.terms.shared_with == frozenset()
    assert (item.terms.pre_meeting_view, item.terms.meeting_screen) == (False, False)
    assert item.terms.use_restriction == "Alleen mondeling."
    assert item.terms_to_confirm
    assert item.received == date(2026, 2, 27)
    asked = triage.triage_context(director, "ZVH-2026-0001", date(2026, 11, 29)).widening
    assert {(w.item_id, w.party_id, w.want_meeting_screen) for w in asked} == {
        (item.id, None, True), (item.id, delft.id, False), (item.id, vt.id, False)}


def test_one_bad_referral_and_nothing_is_imported(director: OpenVault, tmp_path: Path) -> None:
    data = {"format": FORMAT, "referrals": [referral("WEB-1"), referral("WEB-2"),
                                            referral("WEB-3"), referral("WEB-4", "123456789")]}
    with pytest.raises(ImportRefused) as refused:
        import_referrals(director, write(tmp_path, data), today=date(2026, 11, 29))
    assert str(refused.value) == "referrals[3].subjects[0].bsn: voldoet niet aan de elfproef"
    assert count_cases(director) == 0
    with director.read() as conn:
        assert conn.execute(select(func.count()).select_from(information_items)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(item_shared_with)).scalar() == 0
    with audit_reader(director) as conn:
        failed = conn.execute(select(audit_log.c.detail).where(
            audit_log.c.action == "referral.import", audit_log.c.result == "failed")).scalar()
    assert failed is not None and "Wi" not in failed


def test_the_same_external_ref_twice_is_refused(director: OpenVault, tmp_path: Path) -> None:
    import_referrals(director, {"format": FORMAT, "referrals": [referral("WEB-9")]},
                     today=date(2026, 11, 29))
    with pytest.raises(ImportRefused) as refused:
        import_referrals(director, {"format": FORMAT, "referrals": [
            referral("WEB-10", "111222333"), referral("WEB-9")]}, today=date(2026, 11, 29))
    assert refused.value.field == "referrals[1].external_ref"
    assert count_cases(director) == 1


def test_not_json_is_one_clear_refusal(director: OpenVault, tmp_path: Path) -> None:
    path = tmp_path / "kapot.json"
    path.write_text('{"format": "casuskamer-referrals/1", "referrals": [', encoding="utf-8")
    with pytest.raises(ValidationError) as refused:
        import_referrals(director, path)
    assert "geen geldige JSON" in str(refused.value) and "regel 1" in str(refused.value)


def test_roles_that_do_not_register_may_not_import(admin_vault: OpenVault) -> None:
    with pytest.raises(PermissionDenied):
        import_referrals(admin_vault, {"format": FORMAT, "referrals": [referral("WEB-1")]})


# -- the command line -----------------------------------------------------------------------

@pytest.fixture
def cli_vault(admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch) -> str:
    """What ``--vault`` takes for the house: its folder, or on the server its profile."""
    accounts.add_account(admin_vault, "regisseur", Role.PROCESS_DIRECTOR, ADMIN_PASSPHRASE,
                         kdf=KdfParams())
    where = vault_arg(admin_vault)
    admin_vault.lock()
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    return where


def test_cli_import_prints_the_new_numbers(cli_vault: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    this_year = date.today().year
    data = {"format": FORMAT, "referrals": [referral("WEB-1"), referral("WEB-2", "111222333")]}
    for r in data["referrals"]:
        r["received"] = f"{this_year}-01-02"
        r["information"][0]["received"] = f"{this_year}-01-01"
    path = write(tmp_path, data)
    code = main(["import", "--vault", cli_vault, "--account", "regisseur", str(path)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.split() == [f"ZVH-{this_year}-0001", f"ZVH-{this_year}-0002"]


def test_cli_import_bad_file_exit_2_one_line(cli_vault: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    data = {"format": FORMAT, "referrals": [referral("WEB-1", "123456789")]}
    code = main(["import", "--vault", cli_vault, "--account", "regisseur",
                 str(write(tmp_path, data))])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [
        "casuskamer: referrals[0].subjects[0].bsn: voldoet niet aan de elfproef"]
    code = main(["import", "--vault", cli_vault, "--account", "regisseur",
                 str(tmp_path / "bestaat-niet.json")])
    assert code == 2 and len(capsys.readouterr().err.strip().splitlines()) == 1
