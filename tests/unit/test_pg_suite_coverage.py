"""Done means (issue 22): "the whole service suite passes on both engines in CI". ``make
test-pg`` runs PG_SUITE (the Makefile) with ``--engine=postgresql``; these checks keep that
list whole and its exceptions honest:

- every file of the service suite whose tests get their vault from the shared fixtures (what
  ``--engine=postgresql`` keeps: ``admin_vault`` and what builds on it) is in PG_SUITE, or
  is about the vault FILE as a whole and says so in ``tests/pg_suite_marks.SQLITE_ONLY``
  with its reason; a new service test file is run on the server from the day it is added;
- every mark names a file and test that exist (a renamed test does not leave a stale mark
  behind, nor a reason that no longer applies to anything), and a file is not both run and
  skipped as a whole.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.pg_suite_marks import NOT_YET, SERVER_CHOICE, SQLITE_ONLY

ROOT = Path(__file__).resolve().parents[2]


def _pg_suite() -> list[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    suite = re.search(r"^PG_SUITE := ((?:.*\\\n)*.*)$", text, re.M)
    assert suite is not None, "no PG_SUITE in the Makefile"
    return [f for f in suite.group(1).split() if f != "\\"]


def _files_on_the_engine_fixtures() -> set[str]:
    """The test files under tests/unit that ``--engine=postgresql`` keeps, as pytest itself
    collects them (no server is started: collection only)."""
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "--engine=postgresql", "tests/unit"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return {line.split("::", 1)[0] for line in run.stdout.splitlines()
            if line.startswith("tests/unit/") and "::" in line}


def test_every_service_test_file_on_the_shared_fixtures_runs_on_the_server() -> None:
    suite = set(_pg_suite())
    whole_files = {key for key in SQLITE_ONLY if "::" not in key}
    found = _files_on_the_engine_fixtures()
    assert len(found) > 20  # the collection did find the service suite
    missing = sorted(found - suite - whole_files)
    assert missing == [], ("service test files that make test-pg does not run and "
                           f"pg_suite_marks.SQLITE_ONLY does not explain: {missing}")
    assert sorted(suite & whole_files) == []
    assert len(suite) == len(set(suite)), "a file named twice in PG_SUITE"


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test")}


def test_every_mark_names_a_test_that_exists_with_a_reason() -> None:
    stale = []
    for marks in (SQLITE_ONLY, NOT_YET, SERVER_CHOICE):
        for key, reason in marks.items():
            path, _sep, test = key.partition("::")
            if not (ROOT / path).is_file() or (test and test not in _test_names(ROOT / path)):
                stale.append(key)
            assert len(reason.split()) >= 5, f"{key}: say why"
    assert stale == []
