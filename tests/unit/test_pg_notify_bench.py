"""The house server's benchmark rows (benchmarks/bench_pg_server.py) run only where a
PostgreSQL is installed: elsewhere ``python -m benchmarks`` says in one line why they are
skipped and goes on with the other rows. The concurrent-intake row's check is that the two
processes' numbers are gap-free and each given once. (No timing is asserted here: the
figures are the benchmark's.)"""

from __future__ import annotations

from datetime import date

import pytest

from benchmarks import bench_pg_server


def test_without_postgresql_the_rows_are_skipped_with_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import tests.pg_server

    monkeypatch.setattr(tests.pg_server, "find_pg_ctl", lambda: None)
    assert bench_pg_server.rows(2_000, smoke=False) == []
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and "skipped" in said[0] and "PostgreSQL" in said[0]


def test_the_intake_check_refuses_a_gap_or_a_number_given_twice() -> None:
    year = date.today().year
    one, two, three = (f"ZVH-{year}-{n:04d}" for n in (1, 2, 3))
    assert bench_pg_server._gap_free([two, one, three])
    assert not bench_pg_server._gap_free([one, three])             # 0002 skipped
    assert not bench_pg_server._gap_free([one, two, two])          # 0002 twice
    assert not bench_pg_server._gap_free([f"ZVH-{year - 1}-0001", two])
