"""A value that fails to decrypt, tampered on the server (issue 22, "Bad input": "a clear
message, nothing written, and for tampering the affected record named").

One flipped byte in one subject's stored surname, by the server's superuser: the
workstation's read is refused in one line naming the table, the column and that subject's
record (its id), never the value; ``cases show`` on the command line says the same in one
line (no traceback, exit 1 or 2) and writes no file; ``verify`` names that record and no
other subject; the other case still opens. (tests/unit/test_pg_sealed_store.py checks the
table and column of a flipped byte; test_pg_rowbind_swap.py the record of swapped values.)

On the session's throwaway PostgreSQL; skipped with the reason where no PostgreSQL 15+
binaries are installed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from app.cli import main as cli_main
from app.errors import VaultDamaged
from app.services import cases as case_service
from app.services import intake
from app.store.profile import write_profile
from tests.unit.test_pg_services import DIRECTOR, DIRECTOR_PASS, House, _referral


def test_a_tampered_value_names_its_record_on_read_command_line_and_verify(
        server_house: House, pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    damaged = intake.register_referral(director, _referral(director, "Verbrugge", "123456782"))
    sound = intake.register_referral(director, _referral(director, "Ouwehand", "111222333"))
    with director.read() as conn:
        case_id = case_service.case_id_for(conn, damaged)
        subject_id = case_service.load_case(conn, case_id).subjects[0].id
    assert subject_id is not None
    database = server_house.vault.profile.database  # type: ignore[attr-defined]
    with pg_server.admin(database) as admin:
        admin.execute("UPDATE subjects SET surname = set_byte(surname, 20, "
                      "get_byte(surname, 20) # 1) WHERE id = %s", (subject_id,))

    # the workstation's read: one line, table, column and record
    with pytest.raises(VaultDamaged) as refused, director.read() as conn:
        case_service.load_case(conn, case_id)
    message = str(refused.value)
    assert len(message.splitlines()) == 1 and "subjects.surname" in message
    assert re.search(rf"\b{subject_id}\b", message), message
    assert "Verbrugge" not in message
    with director.read() as conn:  # the other case still opens
        other = case_service.load_case(conn, case_service.case_id_for(conn, sound))
    assert other.subjects[0].surname == "Ouwehand"
    director.lock()

    # the command line: the same in one line, no traceback, no file written
    profile = tmp_path / "zvh.json"
    write_profile(profile, server_house.vault.profile)  # type: ignore[attr-defined]
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", DIRECTOR_PASS)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code = cli_main(["--lang", "en", "cases", "show", damaged, "--vault", str(profile),
                     "--account", DIRECTOR])
    out, err = capsys.readouterr()
    assert code in (1, 2) and "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1, err
    assert "subjects.surname" in err and re.search(rf"\b{subject_id}\b", err), err
    assert "Verbrugge" not in out + err
    # nothing but the profile and the failed-attempt counter's lock beside it (c5a3df5)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "zvh.json", "zvh.json.unlock-attempts.lock"]

    # verify names that record, and only that subject's
    code = cli_main(["--lang", "en", "verify", "--vault", str(profile), "--account",
                     DIRECTOR])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err
    named = [line for line in (out + err).splitlines() if "subjects." in line]
    assert named and all(re.search(rf"\b{subject_id}\b", line) for line in named), named
    assert "Verbrugge" not in out + err
