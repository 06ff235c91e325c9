"""Issue 18, point 5: the demo says how many cases it made and how many of them its years
of activity already destroyed by retention, and those numbers add up to what the case list
shows. On the old code (HEAD 303c06b) it said "1.500 synthetic cases" while the list showed
874, without a word about why."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.cli import main

PASSPHRASE = "een lange demo wachtzin voor de telling"


def test_the_demo_says_how_many_it_made_and_destroyed_and_the_list_agrees(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    folder = tmp_path / "demo"
    capsys.readouterr()
    assert main(["demo", "--vault", str(folder), "--cases", "80"]) == 0
    said = capsys.readouterr().out.strip()
    found = re.search(r"(\d+) synthetische casussen gemaakt; daarvan zijn er (\d+) al "
                      r"vernietigd volgens de bewaartermijn .* toont er (\d+)\.$", said)
    assert found, said
    made, destroyed, listed = (int(g) for g in found.groups())
    assert made == 80 and destroyed > 0 and listed == made - destroyed
    assert main(["cases", "list", "--vault", str(folder), "--account", "procesregisseur",
                 "--json"]) == 0
    cases = json.loads(capsys.readouterr().out)["cases"]
    assert len(cases) == listed
    assert all(c["state"] != "destroyed" for c in cases)
