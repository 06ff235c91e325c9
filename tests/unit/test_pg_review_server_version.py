"""PostgreSQL 15 or newer (issue 22, point 1), checked by the program: a server older than the
program's minimum is refused at the connection, in one line naming the version it runs,
before any statement, so ``init --server --create`` writes neither the house nor the
profile, ``upgrade`` changes nothing and an unlock writes no audit row. Before this review the
program never asked (only the tests' binaries were checked for 15).

No older server is installed here, so the test raises the program's minimum one above the
throwaway server's own version: that server is then "too old" for the program, which is the
situation to check; with the real minimum the same server is accepted (every other server
test). On the session's throwaway PostgreSQL; skipped with the reason where no PostgreSQL
15+ binaries are installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.cli import main as cli_main
from app.errors import VaultError
from app.store import engine as server_engine
from app.vault.server import ServerVault

ADMIN_PASS = "de sleutel ligt bij het zorg en veiligheidshuis"


def _version(pg: Any) -> tuple[int, str]:
    with pg.admin() as conn:
        return (int(conn.execute("SHOW server_version_num").fetchone()[0]),
                str(conn.execute("SHOW server_version").fetchone()[0]).split()[0])


def _state(pg: Any, database: str) -> dict[str, int]:
    with pg.admin(database) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])
                for t in tables}


def test_the_throwaway_server_meets_the_programs_minimum(pg_server: Any) -> None:
    number, _shown = _version(pg_server)
    assert server_engine.MIN_SERVER_VERSION == 150000 <= number


def test_a_server_older_than_the_minimum_is_refused_and_nothing_is_written(
        pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    number, shown = _version(pg_server)
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", pg_server.superuser_password)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    url = f"postgresql://{pg_server.host}:{pg_server.port}/"
    made, fresh = pg_server.new_database("version"), pg_server.new_database("version_new")
    profile = tmp_path / "zvh.json"
    assert cli_main(["--lang", "en", "init", "--server", url + made, "--ca",
                     str(pg_server.ca_file), "--vault", str(profile), "--create", "--owner",
                     pg_server.superuser]) == 0
    before = _state(pg_server, made)
    capsys.readouterr()

    monkeypatch.setattr(server_engine, "MIN_SERVER_VERSION", number + 1)
    # a new house: refused, no schema, no profile
    second = tmp_path / "tweede.json"
    assert cli_main(["--lang", "en", "init", "--server", url + fresh, "--ca",
                     str(pg_server.ca_file), "--vault", str(second), "--create", "--owner",
                     pg_server.superuser]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"PostgreSQL {shown}" in err and "15 or newer" in err
    assert _state(pg_server, fresh) == {} and not second.exists()
    # the upgrade of a house: refused, nothing changed
    assert cli_main(["--lang", "en", "upgrade", "--vault", str(profile), "--owner",
                     pg_server.superuser]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "15 or newer" in err
    # an account's unlock: refused, no audit row
    with pytest.raises(VaultError, match="15 or newer"):
        ServerVault.from_file(profile).unlock("beheerder", ADMIN_PASS, exclusive=False)
    assert _state(pg_server, made) == before
