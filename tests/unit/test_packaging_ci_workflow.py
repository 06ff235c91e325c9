"""The CI definition for a public host (issue 21, point 6): Linux, Windows and macOS each run
`make test`'s pytest command and `make package`'s build and smoke test, installing the
locked set. It runs only there; this checks that it says so."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def makefile_recipe(target: str) -> str:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", text, re.M)
    assert match, f"no {target} target"
    return match.group(1)


def test_the_workflow_runs_on_linux_windows_and_macos():
    text = WORKFLOW.read_text(encoding="utf-8")
    matrices = re.findall(r"os: \[([^\]]+)\]", text)
    assert len(matrices) == 2  # the tests and the package
    for matrix in matrices:
        oses = [name.strip() for name in matrix.split(",")]
        assert any(n.startswith("ubuntu") for n in oses)
        assert any(n.startswith("windows") for n in oses)
        assert any(n.startswith("macos") for n in oses)


def test_the_workflow_runs_make_tests_pytest_command_and_make_packages_build():
    text = WORKFLOW.read_text(encoding="utf-8")
    pytest_args = re.search(r"-m pytest (.*)", makefile_recipe("test")).group(1).strip()
    assert f"-m pytest {pytest_args}" in text  # Windows and macOS, without make
    assert "make test" in text  # Linux
    package = makefile_recipe("package")
    assert "packaging/casuskamer.spec" in package and "packaging/smoke.py" in package
    assert "pyinstaller' }} --noconfirm" in text and "packaging/casuskamer.spec" in text
    assert "packaging/smoke.py dist/casuskamer" in text
    assert text.count("--require-hashes -r requirements/lock.txt") == 2
