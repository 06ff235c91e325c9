"""``casuskamer parties list``: the register for scripts (JSON) and people (tab-separated)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from app.cli import main
from app.domain.parties import EndReason
from app.services import parties as ps
from app.vault.vault import OpenVault
from tests.pg_engine import vault_args
from tests.conftest import ADMIN_PASSPHRASE


def test_list_json_shows_the_register(admin_vault: OpenVault, vault_dir: Path,
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    exodus = ps.find_party_by_name(admin_vault, "Stichting Exodus")
    assert exodus is not None
    ps.end_participation(admin_vault, exodus.id, date(2023, 1, 1), EndReason.WITHDRAWAL)
    admin_vault.lock()
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)

    assert main(["parties", "list", *vault_args(admin_vault), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 34
    by_name = {r["name"]: r for r in rows}
    assert by_name["Den Haag"]["type"] == "municipality"
    assert by_name["Den Haag"]["domain"] == "municipal"
    assert by_name["Den Haag"]["host_municipality"] is True
    assert by_name["Openbaar Ministerie"]["protocols"] == [
        {"protocol": "integrale_veiligheid", "start": "2019-01-01", "end": None}]
    assert by_name["Openbaar Ministerie"]["active_from"] == "2019-01-01"
    assert by_name["Openbaar Ministerie"]["active_until"] is None
    assert by_name["Stichting Exodus"]["active_until"] == "2022-12-31"
    assert by_name["Stichting Exodus"]["end_reason"] == "withdrawal"
    assert by_name["Stichting Exodus"]["active"] is False

    assert main(["parties", "list", *vault_args(admin_vault)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 34
    politie = next(line.split("\t") for line in lines if line.startswith("Politie"))
    assert politie == ["Politie regionale eenheid Den Haag", "Politie", "Justitieel domein",
                       "integrale_veiligheid", "2019-01-01", "-"]


def test_list_without_a_vault_is_one_clear_line(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    assert main(["parties", "list", "--vault", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("casuskamer:") and "\n" not in err
