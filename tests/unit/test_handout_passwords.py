"""Issue 25, point 4: handout passwords on by default, one per recipient, never one for a
batch; shown once (one line per party on the terminal) or written to a separate passwords
file (mode 600) for the house's secure mail; declining is explicit and recorded; no
password in the audit log.

On the old code (HEAD 303c06b) ``export handouts --generate-password`` gave every party the
same password (the police's password opened probation's handout), ``export handouts``
without options wrote unprotected files, and there was no ``--passwords-file`` or
``--no-password``."""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.cli import main
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.conftest import ROLE_PASSPHRASE
from tests.pg_engine import audit_reader, vault_arg
from tests.unit.handout_cases import as_process_director, item, make_case, on_agenda, party_ids

POLICE = "Politie regionale eenheid Den Haag"
PROBATION = "Reclassering Nederland"
CITY = "Den Haag"
THREE = (POLICE, PROBATION, CITY)


@dataclass(frozen=True)
class House:
    """The test's house: what the command line's ``--vault`` takes (the folder, or on the
    server its profile) and the vault to unlock again (a ``Vault`` or ``ServerVault``)."""

    where: str
    vault: Any


@pytest.fixture
def locked(admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch
           ) -> tuple[House, str, dict[str, int]]:
    """A case on a meeting's agenda with three invited parties; the vault locked, the
    process director's passphrase in the environment."""
    vault = as_process_director(admin_vault)
    ids = party_ids(vault)
    number = make_case(vault, items=[
        item(ids[POLICE], "Melding politie", [ids[PROBATION], ids[CITY]], pre_meeting=True),
        item(ids[CITY], "Huurachterstand", [ids[POLICE], ids[PROBATION]], pre_meeting=True)])
    on_agenda(vault, number, [ids[name] for name in THREE])
    house = House(vault_arg(vault), vault.vault)
    vault.lock(audit_it=False)  # the director's session, which holds the folder
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ROLE_PASSPHRASE)  # the account unlock_as made
    return house, number, ids


def _base(house: House, number: str, out_dir: Path) -> list[str]:
    return ["export", "handouts", "--vault", house.where, "--account", "regisseur",
            "--case", number, "--out-dir", str(out_dir)]


def _opens_with(path: Path, password: str) -> bool:
    reader = PdfReader(str(path))
    assert reader.is_encrypted
    return bool(reader.decrypt(password))


def _audit_text(house: House) -> str:
    """The whole audit log, read as a session allowed to (tests.pg_engine.audit_reader)."""
    opened = house.vault.unlock("regisseur", ROLE_PASSPHRASE)
    try:
        with audit_reader(opened) as conn:
            rows = conn.execute(select(audit_log.c.action, audit_log.c.object_id,
                                       audit_log.c.detail)).all()
    finally:
        opened.lock(audit_it=False)
    return "\n".join(f"{r[0]} {r[1]} {r[2]}" for r in rows)


def _handout_details(house: House, number: str) -> list[dict[str, object]]:
    opened = house.vault.unlock("regisseur", ROLE_PASSPHRASE)
    try:
        with audit_reader(opened) as conn:
            rows = conn.execute(select(audit_log.c.detail).where(
                audit_log.c.action == "export.handout", audit_log.c.object_id == number,
                audit_log.c.result == "ok")).all()
    finally:
        opened.lock(audit_it=False)
    return [json.loads(r[0]) for r in rows]


def test_each_party_gets_its_own_password_in_a_private_passwords_file(
        locked: tuple[House, str, dict[str, int]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    house, number, _ids = locked
    out_dir = tmp_path / "handouts"
    secret = tmp_path / "beveiligd" / "wachtwoorden.txt"
    secret.parent.mkdir()
    capsys.readouterr()
    assert main(_base(house, number, out_dir) + ["--passwords-file", str(secret)]) == 0
    captured = capsys.readouterr()
    # the file: private, one line per party (party, file, password)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    lines = secret.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    rows = [line.split("\t") for line in lines]
    assert all(len(row) == 3 for row in rows)
    assert sorted(row[0] for row in rows) == sorted(THREE)
    pdfs = sorted(out_dir.glob("*.pdf"))
    assert sorted(row[1] for row in rows) == [p.name for p in pdfs] and len(pdfs) == 3
    passwords = {row[1]: row[2] for row in rows}
    assert len(set(passwords.values())) == 3
    assert all(len(p.replace("-", "")) >= 20 for p in passwords.values())
    # each PDF opens with its own password and with no other party's
    for pdf_file in pdfs:
        for name, password in passwords.items():
            assert _opens_with(pdf_file, password) == (name == pdf_file.name), (
                pdf_file.name, name)
    # nothing of the passwords on the terminal; one line per party says where they are
    for password in passwords.values():
        assert password not in captured.out + captured.err
    assert sum(str(secret) in line for line in captured.out.splitlines()) == 3
    # nor in the audit log; the disclosure rows say the batch was protected per recipient
    audit = _audit_text(house)
    assert not any(password in audit for password in passwords.values())
    details = _handout_details(house, number)
    assert len(details) == 3 and all(d["encrypted"] is True
                                     and d["protection"] == "per_recipient" for d in details)


def test_protection_is_the_default_and_each_password_is_shown_once_beside_its_party(
        locked: tuple[House, str, dict[str, int]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """No option at all: the files are protected; the terminal has one line per party with
    that party's file and password, after the table of files."""
    house, number, _ids = locked
    out_dir = tmp_path / "uit"
    capsys.readouterr()
    assert main(_base(house, number, out_dir)) == 0
    out = capsys.readouterr().out.splitlines()
    shown = [line for line in out if line.startswith("Wachtwoord voor ")]
    assert len(shown) == 3
    by_file: dict[str, str] = {}
    for party in THREE:
        line = next(line for line in shown if line.startswith(f"Wachtwoord voor {party} ("))
        file_name = line.split("(", 1)[1].split(")", 1)[0]
        by_file[file_name] = line.rsplit(": ", 1)[1]
    assert len(set(by_file.values())) == 3
    assert out.index(shown[0]) > max(i for i, line in enumerate(out) if ".pdf\t" in line)
    for pdf_file in out_dir.glob("*.pdf"):
        for name, password in by_file.items():
            assert _opens_with(pdf_file, password) == (name == pdf_file.name)


def test_generate_password_still_gives_one_password_per_party_and_json_shows_none(
        locked: tuple[House, str, dict[str, int]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    house, number, _ids = locked
    out_dir = tmp_path / "json"
    capsys.readouterr()
    assert main(_base(house, number, out_dir) + ["--generate-password", "--json",
                                                 "--show-password"]) == 0
    captured = capsys.readouterr()
    files = json.loads(captured.out)
    assert len(files) == 3 and all(f["encrypted"] for f in files)
    lines = [line for line in captured.err.splitlines() if line.startswith("Wachtwoord")]
    passwords = {line.rsplit(": ", 1)[1] for line in lines}
    assert len(lines) == 3 and len(passwords) == 3


def test_declining_is_explicit_and_recorded(locked: tuple[House, str, dict[str, int]],
                                           tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    house, number, _ids = locked
    out_dir = tmp_path / "open"
    capsys.readouterr()
    assert main(_base(house, number, out_dir) + ["--no-password"]) == 0
    assert "Wachtwoord" not in capsys.readouterr().out
    assert all(not PdfReader(str(p)).is_encrypted for p in out_dir.glob("*.pdf"))
    details = _handout_details(house, number)
    assert len(details) == 3 and all(d["encrypted"] is False
                                     and d["protection"] == "declined" for d in details)


@pytest.mark.parametrize("where", ["in the handouts' folder", "with --no-password"])
def test_a_passwords_file_among_the_handouts_or_without_passwords_is_refused(
        where: str, locked: tuple[House, str, dict[str, int]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    house, number, _ids = locked
    out_dir = tmp_path / "uit"
    out_dir.mkdir()
    extra = (["--passwords-file", str(out_dir / "wachtwoorden.txt")]
             if where.startswith("in") else
             ["--passwords-file", str(tmp_path / "w.txt"), "--no-password"])
    capsys.readouterr()
    assert main(_base(house, number, out_dir) + extra) == 2
    captured = capsys.readouterr()
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err
    assert list(out_dir.iterdir()) == []


def test_a_single_handout_on_the_command_line_is_protected_by_default(
        locked: tuple[House, str, dict[str, int]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 25, point 4: protection on by default for one party's handout too: a password of
    its own, printed once, not in the audit log; --no-password declines and is recorded."""
    house, number, _ids = locked
    base = ["export", "handout", "--vault", house.where, "--account", "regisseur",
            "--case", number, "--party", POLICE]
    capsys.readouterr()
    out = tmp_path / "een.pdf"
    assert main(base + ["--out", str(out)]) == 0
    printed = capsys.readouterr().out
    reader = PdfReader(str(out))
    assert reader.is_encrypted
    passwords = [w.strip(".,;:") for w in printed.split() if len(w) >= 20]
    passwords = [w for w in passwords if reader.decrypt(w)]
    assert len(passwords) == 1, printed
    plain = tmp_path / "open.pdf"
    assert main(base + ["--out", str(plain), "--no-password"]) == 0
    assert not PdfReader(str(plain)).is_encrypted
    details = _handout_details(house, number)
    assert [d.get("protection") for d in details[-2:]] == ["per_recipient", "declined"]
    assert passwords[0] not in _audit_text(house)
