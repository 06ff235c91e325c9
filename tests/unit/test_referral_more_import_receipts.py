"""The receipt at import (issue 24, point 3: "a receipt ... at import or intake"):
``casuskamer import FILE --receipts DIR`` writes each new case's receipt for its referring
party into DIR through the receipt service (the sharing policy, the disclosure log), and a
folder that cannot be used is refused before anything is imported. Fails on HEAD 4caafe6
(the import command took no --receipts)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.domain.roles import Role
from app.services import accounts, disclosures
from app.services import parties as party_service
from app.services.cases import list_cases
from app.services.referral_import import FORMAT
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault
from tests.conftest import ADMIN_PASSPHRASE
from tests.pg_engine import vault_arg
from tests.privacy_world import pdf_text

SURNAME = "Canarywebform"


@pytest.fixture
def house(admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenVault]:
    """The house with a process director, its administrator's session locked: the command
    line reaches it by ``vault_arg`` (the folder, or on the server the profile), a session
    by ``house.vault.unlock``."""
    accounts.add_account(admin_vault, "regisseur", Role.PROCESS_DIRECTOR, ADMIN_PASSPHRASE,
                         kdf=KdfParams())
    admin_vault.lock()
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    yield admin_vault


def _file(tmp: Path) -> Path:
    def referral(ref: str, party: str) -> dict[str, Any]:
        return {"external_ref": ref, "referring_party": party,
                "protocol": "integrale_veiligheid", "received": "2026-11-20",
                "reason": "Zorgen canaryreden.", "question": "Plan.",
                "subjects": [{"given_names": "Jan", "surname": SURNAME,
                              "birth_date": "1990-01-01", "role": "main_subject"}]}
    path = tmp / "aanmeldingen.json"
    path.write_text(json.dumps({"format": FORMAT, "referrals": [
        referral("WEB-1", "Veilig Thuis"), referral("WEB-2", "Den Haag")]}), encoding="utf-8")
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_import_writes_each_receipt_for_its_referring_party(
        house: OpenVault, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ontvangst" / "nieuw"           # made when missing
    code, stdout, err = _run(["import", "--vault", vault_arg(house), "--account",
                              "regisseur", str(_file(tmp_path)), "--receipts", str(out)],
                             capsys)
    assert code == 0, err
    lines = stdout.splitlines()
    numbers = lines[:2]
    assert all(n.startswith("ZVH-") for n in numbers), stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}_receipt.pdf" for n in numbers)
    opened = house.vault.unlock("regisseur", ADMIN_PASSPHRASE)
    try:
        for number, party in zip(numbers, ("Veilig Thuis", "Den Haag"), strict=True):
            data = (out / f"{number}_receipt.pdf").read_bytes()
            text = pdf_text(data)
            assert number in text and party.replace(" ", "") in text.replace(" ", "")
            assert SURNAME.lower() not in text.lower() and "canaryreden" not in text
            # recorded in the disclosure log, for the referring party, with this file's hash
            found = party_service.find_party_by_name(opened, party)
            assert found is not None
            [row] = disclosures.case_disclosures(opened, number)
            assert (row.action, row.recipient_party_id, row.sha256) == (
                "export.receipt", found.id, hashlib.sha256(data).hexdigest())
        # the output names each file beside its case
        assert all(any(n in line and f"{n}_receipt.pdf" in line for line in lines[2:])
                   for n in numbers), stdout
    finally:
        opened.lock()


def test_a_receipts_folder_that_is_a_file_imports_nothing(
        house: OpenVault, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "geen-map"
    blocker.write_text("x", encoding="utf-8")
    code, stdout, err = _run(["import", "--vault", vault_arg(house), "--account",
                              "regisseur", str(_file(tmp_path)), "--receipts", str(blocker)],
                             capsys)
    assert code == 2 and stdout == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "geen map" in err                          # the folder named, before the import
    opened = house.vault.unlock("regisseur", ADMIN_PASSPHRASE)
    try:
        assert list(list_cases(opened)) == []
    finally:
        opened.lock()
