"""``casuskamer upgrade --vault PROFILE`` on a house that a schema migration refuses to move
(issue 22; found reading this session's diff): migration 0017 will not seal the meetings'
places and chairs that a test version of the program stored in the clear (the migration
owner holds no data key), and says so by raising. The command line must answer that with
one line and exit 2, like every other refusal, and leave the house as it was.

On e9db4e2 (and until this change) the migration's own exception went past the command
line's error handling: a Python traceback, exit 1.

On the session's throwaway PostgreSQL (``tests/pg_server.py``); skipped with the reason
where no PostgreSQL 15+ binaries are installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.cli import main as cli_main
from app.store import migrate

OWNER_ENV = "CASUSKAMER_OWNER_PASSWORD"
PASSPHRASE = "de sleutel ligt bij het zorg en veiligheidshuis"
#: The last schema version that stored a meeting's place and chair in the clear.
CLEAR_PLACES = "0016"
PLACE, CHAIR = "Lindenlaan 4", "Mevrouw Voorzitter"


def _revision(pg: Any, database: str) -> str:
    with pg.admin(database) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def test_upgrade_refused_by_a_migration_is_one_line_and_changes_nothing(
        pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    pg = pg_server
    monkeypatch.setenv(OWNER_ENV, pg.superuser_password)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    database = pg.new_database("upgref")
    profile = tmp_path / "zvh.json"
    # a house made by a version whose schema stored places in the clear, with a meeting
    real_upgrade = migrate.upgrade
    monkeypatch.setattr(migrate, "upgrade", lambda conn, target="head":
                        real_upgrade(conn, CLEAR_PLACES))
    assert cli_main(["--lang", "en", "init", "--server",
                     f"postgresql://{pg.host}:{pg.port}/{database}", "--ca", str(pg.ca_file),
                     "--vault", str(profile), "--create", "--owner", pg.superuser]) == 0
    monkeypatch.setattr(migrate, "upgrade", real_upgrade)
    with pg.admin(database) as conn:
        conn.execute("INSERT INTO meetings(id, starts_at, place, place_key, chair, state, "
                     "created_at, created_by) VALUES (1, '2026-12-10 10:00', %s, %s, %s, "
                     "'planned', '2026-12-07 10:00', 'beheerder')",
                     (PLACE, PLACE.lower(), CHAIR))
    capsys.readouterr()

    code = cli_main(["--lang", "nl", "upgrade", "--vault", str(profile),
                     "--owner", pg.superuser])

    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "Er is niets gewijzigd" in err  # the Dutch of "Nothing was changed"
    assert PLACE not in err and CHAIR not in err
    assert _revision(pg, database) == CLEAR_PLACES
    with pg.admin(database) as conn:
        assert conn.execute("SELECT place, chair FROM meetings").fetchone() == (PLACE, CHAIR)
        assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'vault.upgrade'"
                            ).fetchone()[0] == 0
