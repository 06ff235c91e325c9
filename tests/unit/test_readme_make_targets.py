"""Every ``make`` command the README shows in a code block is a target of the Makefile (the
README is tested like the code: a target renamed or dropped fails here)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _targets() -> set[str]:
    return {m.group(1) for m in re.finditer(r"^([A-Za-z][\w-]*):",
                                            (ROOT / "Makefile").read_text(encoding="utf-8"),
                                            re.M)}


def _documented() -> list[str]:
    found, fenced = [], False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        match = re.match(r"\s*make(?:\s+([\w-]+))?\b", line) if fenced else None
        if match:
            found.append(match.group(1) or "")
    return found


def test_each_make_command_in_the_readme_is_a_makefile_target() -> None:
    documented = _documented()
    assert {"run", "test", "test-pg", "reliability", "bench"} <= set(documented)
    missing = [t for t in documented if t and t not in _targets()]
    assert not missing, f"the README shows make targets the Makefile lacks: {missing}"
