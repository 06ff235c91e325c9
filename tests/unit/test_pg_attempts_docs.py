"""The pages say where the command line counts failed passphrases on a house server's profile
(issue 22, review gap G5): docs/house-server.md no longer lists the attempt counter under
"Not yet", and both it and the README's protection section name the file beside the profile
that ``Attempts.beside`` uses (checked against the file the counter writes)."""

from __future__ import annotations

import re
from pathlib import Path

from app.vault import attempts

ROOT = Path(__file__).resolve().parents[2]


def _not_yet(text: str) -> str:
    found = re.findall(r"^- Not yet:.*?(?=^\S|^- |\Z)", text, re.S | re.M)
    return " ".join(" ".join(found).split())


def test_the_pages_name_the_counter_beside_the_profile(tmp_path: Path) -> None:
    counter = attempts.Attempts.beside(tmp_path / "huis.json")
    counter.record_failure("regisseur")
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["huis.json.unlock-attempts.json"]
    page = (ROOT / "docs" / "house-server.md").read_text(encoding="utf-8")
    assert "attempt" not in _not_yet(page)
    flat = " ".join(page.split())
    assert "`huis.json` -> `huis.json.unlock-attempts.json`" in flat
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    protection = readme.split("## How the data is protected, honestly", 1)[1].split("\n## ")[0]
    assert "`<profile>.unlock-attempts.json`" in " ".join(protection.split())
