"""``export receipt`` and ``export triage-outcome`` are one helper (known defect: two
near-copies on HEAD 4caafe6, cmd_receipt and cmd_triage_outcome, where a fix to one would
miss the other). Both verbs run the same function, and each still writes its own document
for the referring party with its own kind in the output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import build_parser
from tests.unit.cli_demo_vault import DIRECTOR, DemoVault, demo, run

__all__ = ["demo"]


def _defaults(verb: str) -> dict[str, object]:
    args = build_parser().parse_args(["export", verb, "--vault", "V", "--case", "ZVH-1",
                                      "--out", "x.pdf"])
    return vars(args)


def test_both_verbs_run_one_helper() -> None:
    receipt, outcome = _defaults("receipt"), _defaults("triage-outcome")
    assert receipt["func"] is outcome["func"]
    assert (receipt["document"], outcome["document"]) == ("receipt", "triage-outcome")


def test_each_verb_writes_its_own_document(demo: DemoVault, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    for verb, kind in (("receipt", "receipt"), ("triage-outcome", "triage_outcome")):
        out = tmp_path / verb / f"{demo.scheduled}_{verb}.pdf"
        code, stdout, err = run(["export", verb, "--vault", str(demo.folder), "--account",
                                 DIRECTOR, "--case", demo.scheduled, "--out", str(out),
                                 "--json"], capsys)
        assert code == 0, err
        [written] = json.loads(stdout)
        assert (written["kind"], written["case"], written["file"]) == (
            kind, demo.scheduled, str(out))
        assert out.read_bytes().startswith(b"%PDF")
    # an unknown case: the same one-line refusal from both
    for verb in ("receipt", "triage-outcome"):
        code, stdout, err = run(["export", verb, "--vault", str(demo.folder), "--account",
                                 DIRECTOR, "--case", "ZVH-1999-0001",
                                 "--out", str(tmp_path / "nee.pdf")], capsys)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "nee.pdf").exists()
