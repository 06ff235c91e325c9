"""The done-check of issue 22 ("the whole service suite passes on both engines in CI"): the
suite's PostgreSQL run exists as ``make test-pg``, CI runs it after the main suite, and the
SQL the store hands the server is PostgreSQL's."""

from __future__ import annotations

import re
from pathlib import Path

from app.store.dialect import server_sql

ROOT = Path(__file__).resolve().parents[2]


def _recipe(target: str) -> str:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", text, re.M)
    assert match, f"no {target} target"
    return match.group(1)


def test_make_test_pg_runs_the_service_files_on_postgresql() -> None:
    recipe = _recipe("test-pg")
    assert "--engine=postgresql" in recipe
    suite = re.search(r"^PG_SUITE := ((?:.*\\\n)*.*)$",
                      (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert suite is not None
    files = [f for f in suite.group(1).split() if f != "\\"]
    assert "tests/unit/test_intake_service.py" in files
    assert all((ROOT / f).exists() for f in files)


def test_ci_runs_the_postgresql_suite_after_the_main_suite() -> None:
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in run.splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert commands.index("make test-pg") > commands.index("make test")
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert workflow.index("make test-pg") > workflow.index("make test\n")
    assert "install -y -qq --no-install-recommends postgresql" in workflow


def test_sqlites_join_order_and_instr_become_postgresqls() -> None:
    sql = ("SELECT ai.case_id FROM meetings m CROSS JOIN agenda_items ai ON ai.meeting_id = "
           "m.id WHERE instr(cs.search_key, :w0) > 0")
    assert server_sql(sql) == ("SELECT ai.case_id FROM meetings m JOIN agenda_items ai ON "
                               "ai.meeting_id = m.id WHERE strpos(cs.search_key, :w0) > 0")
