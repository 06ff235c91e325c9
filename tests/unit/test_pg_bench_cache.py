"""The house server's bench house and its cache (issue 22, Done means: "make bench gains ...
the case list at 100,000 cases ... on PostgreSQL"; ``benchmarks/pg_house.py``).

The bench fills a house on the server with the demo's cases as a process director and keeps
it as a ``pg_dump`` plus the house's roles; a later run restores that into its own fresh
throwaway server. Small here (50 demo cases and one canary case): restored into a second,
fresh server, the director's case list holds every case that was made, the canary case
opens whole (its data key slot and the sealed values came along) and "already known" finds
it by BSN and by surname plus birth date (the blind indexes came along), while the new server's
superuser, reading every table without the data key, finds no name of any of them.

Skipped, with the reason, where no PostgreSQL 15+ binaries or pg_dump/pg_restore are
installed.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.services import cases as case_service
from app.services import intake
from app.vault.server import ServerVault
from benchmarks import pg_house
from benchmarks.harness import DIRECTOR, PASSPHRASE
from tests.unit.test_pg_sealed_store import Canaries, _referral

DEMO_CASES = 50


@contextlib.contextmanager
def _fresh_server() -> Iterator[Any]:
    """A second throwaway server (stopped and removed on leaving), as a later bench run has."""
    from tests.pg_server import _start, find_pg_ctl

    pg_ctl = find_pg_ctl()
    if pg_ctl is None:
        pytest.skip("no PostgreSQL 15+ server binaries")
    with contextlib.contextmanager(_start)(pg_ctl) as server:
        yield server


def _everything_the_superuser_reads(pg: Any, database: str) -> str:
    engine = sa.create_engine(pg.sqlalchemy_url(pg.superuser, pg.superuser_password, database))
    try:
        with engine.connect() as conn:
            tables = [name for (name,) in conn.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))]
            assert "cases" in tables and "subjects" in tables
            return " ".join(repr(tuple(row)) for table in tables
                            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')))
    finally:
        engine.dispose()


def test_the_cached_house_restores_on_a_fresh_server_whole_and_sealed(
        pg_server: Any, tmp_path: Path) -> None:
    for tool in ("pg_dump", "pg_dumpall", "pg_restore", "psql"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed (Debian's postgresql-client)")
    profile, _took = pg_house.fill_house(pg_server, DEMO_CASES)
    canaries = Canaries()
    director = ServerVault(profile).unlock(DIRECTOR, PASSPHRASE, exclusive=False)
    try:
        number = intake.register_referral(director, _referral(director, canaries))
        made = case_service.list_cases(director, today=pg_house.FILL_DAY)
        surnames = {row.main_subject.split(",")[0].strip() for row in made}
    finally:
        director.lock()
    assert len(made) == DEMO_CASES + 1
    cache = tmp_path / "cache"
    pg_house.dump_house(pg_server, profile, cache, {"listed": len(made), "fill_seconds": 0})
    assert (cache / "complete").exists()
    # the cache's files hold no name either (the roles: SCRAM verifiers only)
    for file in cache.iterdir():
        data = file.read_bytes()
        assert canaries.surname.encode() not in data and canaries.bsn.encode() not in data
        assert PASSPHRASE.encode() not in data

    with _fresh_server() as fresh:
        restored = pg_house.restore_house(fresh, cache)
        assert restored.port == fresh.port
        director = ServerVault(restored).unlock(DIRECTOR, PASSPHRASE, exclusive=False)
        try:
            listed = case_service.list_cases(director, today=pg_house.FILL_DAY)
            with director.read() as conn:
                case = case_service.load_case(conn, case_service.case_id_for(conn, number))
            # the blind indexes came along and fit the restored data key: "already known"
            by_bsn = intake.already_known(director, bsn=canaries.bsn)
            by_pair = intake.already_known(director, surname=canaries.surname.upper(),
                                           birth_date=date(1981, 6, 17))
            not_born_then = intake.already_known(director, surname=canaries.surname,
                                                 birth_date=date(1981, 6, 18))
        finally:
            director.lock()
        assert len(listed) == DEMO_CASES + 1
        assert {row.number for row in listed} == {row.number for row in made}
        assert case.subjects[0].surname == canaries.surname
        assert case.subjects[0].bsn == canaries.bsn
        assert [k.number for k in by_bsn] == [number]
        assert [k.number for k in by_pair] == [number]
        assert not_born_then == []
        stored = _everything_the_superuser_reads(fresh, restored.database)
    assert [c for c in canaries.all() if c in stored] == []
    assert sorted(name for name in surnames if name and name in stored) == []


def test_a_cut_off_cache_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache folder without its ``complete`` marker (a dump cut off) is made again, not
    restored."""
    monkeypatch.setattr(pg_house, "CACHE", tmp_path)
    folder = pg_house.cache_folder(7, smoke=True)
    assert folder.parent == tmp_path
    folder.mkdir()
    (folder / "house.dump").write_bytes(b"half")
    calls: list[str] = []

    def fill(pg: Any, listed: int) -> tuple[Any, float]:
        calls.append("fill")
        raise RuntimeError("stop here")

    monkeypatch.setattr(pg_house, "fill_house", fill)
    monkeypatch.setattr(pg_house, "restore_house",
                        lambda *_a: calls.append("restore"))  # type: ignore[func-returns-value]
    with pytest.raises(RuntimeError, match="stop here"):
        pg_house.filled(object(), 7, smoke=True)
    assert calls == ["fill"]


def test_the_vault_file_beside_the_server_holds_the_very_same_cases(
        pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows 'beside a vault file with the same cases' compare like with like: the
    director lists the same numbers, states and main subjects in both houses."""
    monkeypatch.setattr(pg_house, "CACHE", tmp_path)
    profile, _took = pg_house.fill_house(pg_server, 30)
    folder = pg_house.same_cases_vault(30, smoke=True)
    assert folder.parent == tmp_path and (folder / "complete").exists()
    from app.vault.vault import Vault

    houses = []
    for vault in (ServerVault(profile), Vault(folder)):
        director = vault.unlock(DIRECTOR, PASSPHRASE, exclusive=False)
        try:
            houses.append(sorted((row.number, str(row.state), row.main_subject)
                                 for row in case_service.list_cases(
                                     director, today=pg_house.FILL_DAY)))
        finally:
            director.lock()
    on_server, on_vault = houses
    assert len(on_server) == 30
    assert on_server == on_vault
