"""A house moved to the server with ``casuskamer migrate`` has every value sealed for its row
(issue 22, point 2, with point 5): after the move, two subjects' BSNs and two cases'
referral questions swapped by the server's superuser are refused when read and named, record
by record, by ``verify`` on the server.

On the session's throwaway PostgreSQL; skipped with the reason where no PostgreSQL 15+
binaries are installed. Fails on e9db4e2, where the move sealed table and column only and the
swapped values opened for the other rows.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from app.errors import VaultDamaged
from app.services import cases as case_service
from app.store.profile import ServerProfile
from app.vault.server import ServerVault
from app.vault.server_admin import verify_server
from tests.unit.test_pg_move_vault import (DIRECTOR, OWN, PASSPHRASE, demo_folder,  # noqa: F401
                                           house, main)
from tests.unit.test_pg_rowbind_swap import SWAP


def test_a_moved_house_refuses_values_swapped_between_rows(
        demo_folder: Path, house: tuple[Any, ServerProfile, Path],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    pg, profile, path = house
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", pg.superuser_password)
    capsys.readouterr()
    handed = tmp_path / "eenmalig.txt"
    assert main(["migrate", "--from-vault", str(demo_folder), "--to", str(path),
                 "--owner", pg.superuser, "--one-time-passphrases", str(handed)]) == 0, \
        capsys.readouterr().err
    one_time = dict(re.findall(r"^  (\S+): (\S+)$", handed.read_text(encoding="utf-8"), re.M))
    server = ["--vault", str(path), "--account", DIRECTOR]
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", one_time[DIRECTOR])
    monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", OWN)
    assert main(["users", "passwd", *server]) == 0

    with pg.admin(profile.database) as admin:
        subjects = [r for r in admin.execute(
            "SELECT id, case_id FROM subjects WHERE bsn IS NOT NULL ORDER BY id").fetchall()]
        first = subjects[0]
        second = next(s for s in subjects if s[1] != first[1])
        case_ids = [r[0] for r in admin.execute(
            "SELECT id FROM cases WHERE question IS NOT NULL ORDER BY id LIMIT 2").fetchall()]
    director = ServerVault(profile).unlock(DIRECTOR, OWN, exclusive=False)
    try:
        # the move sealed every value for its own row: all open, verify finds nothing
        assert verify_server(director).problems == []
        with pg.admin(profile.database) as admin:
            admin.execute(SWAP.format(table="subjects", column="bsn", key="id"),
                          {"a": first[0], "b": second[0]})
        with pytest.raises(VaultDamaged) as refused, director.read() as conn:
            case_service.load_case(conn, int(first[1]))
        assert "subjects.bsn" in str(refused.value) and str(first[0]) in str(refused.value)
        with pg.admin(profile.database) as admin:
            admin.execute(SWAP.format(table="cases", column="question", key="id"),
                          {"a": case_ids[0], "b": case_ids[1]})
        named = sorted(re.sub(r":.*", "", p) for p in verify_server(director).problems)
        expected = sorted([f"subjects.bsn #{first[0]}", f"subjects.bsn #{second[0]}",
                           f"cases.question #{case_ids[0]}", f"cases.question #{case_ids[1]}"])
        assert named == expected
        # the command on the profile says the same, and fails
        monkeypatch.setenv("CASUSKAMER_PASSPHRASE", OWN)
        capsys.readouterr()
        assert main(["verify", *server]) != 0
        said = capsys.readouterr()
        for place in expected:
            assert place in said.out + said.err
    finally:
        director.lock(audit_it=False)
