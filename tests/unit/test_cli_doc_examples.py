"""Every documented command line runs (issue 19, point 5): the fenced ``casuskamer ...`` lines
of README.md and docs/*.md, and those of the parser's descriptions and epilogs, are run
against a demo vault made as the README says (``casuskamer demo --vault DIR --cases 20``).

Placeholders (DIR, FILE, NUMBER, ID, NAME, ...) take real values from that vault through
the table below; ``a|b`` as a sub-command is run once per alternative; an optional part in
``[...]`` is left out of the run but each option it names must be one the command takes.
Every line must exit 0. On the old code (commit 7ca920e) the README's ``parties --vault DIR
list`` failed, and cases and meetings could not be listed at all.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.cli import build_parser
from app.cli.options import commands
from tests.unit.cli_demo_vault import DIRECTOR, DemoVault, demo, run

__all__ = ["demo"]

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def documented_lines() -> list[tuple[str, str]]:
    """(where, line) for every ``casuskamer ...`` line in a fenced block or an epilog."""
    found: list[tuple[str, str]] = []
    for doc in DOCS:
        fenced = False
        for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            if fenced and line.strip().startswith("casuskamer "):
                found.append((f"{doc.name}:{n}", line.strip()))
    for words, parser in commands(build_parser()).items():
        for text in (parser.description or "", parser.epilog or ""):
            for line in text.splitlines():
                if line.strip().startswith("casuskamer "):
                    found.append((" ".join(words) + " --help", line.strip()))
    return found


def test_the_readme_documents_the_new_commands() -> None:
    lines = " ".join(line for _w, line in documented_lines())
    for command in ("cases   list", "cases   show", "meetings list", "meetings show",
                    "disclosures", "gui", "report", "parties --vault DIR list"):
        assert f"casuskamer {command}" in lines


def _optional_options(line: str) -> tuple[str, list[str]]:
    """The line without its ``[...]`` parts, and the options those parts name."""
    options: list[str] = []
    while "[" in line:
        inner = re.search(r"\[([^\[\]]*)\]", line)
        assert inner, line
        options += re.findall(r"(?<![\w-])(--[a-z][\w-]*)", inner.group(1))
        line = line[:inner.start()] + line[inner.end():]
    return " ".join(line.split()), options


def _alternatives(words: list[str]) -> list[list[str]]:
    """``users add|passwd ...`` -> one line per alternative (the sub-command position)."""
    for i, word in enumerate(words[:3]):
        if "|" in word and not word.startswith("-"):
            return [[*words[:i], alt, *words[i + 1:]] for alt in word.split("|")]
    return [words]


def _values(demo: DemoVault, line_no: int) -> dict[tuple[str, str], str]:
    """(option or command, placeholder) -> value; '' as option: a positional."""
    tmp = demo.tmp / f"line{line_no}"
    tmp.mkdir(exist_ok=True)
    # the referral format's own example, its web form's reference made unique per line
    example = json.loads(re.search(r"```json\n(.*?)```", (ROOT / "docs" / "referral-format.md")
                                   .read_text(encoding="utf-8"), re.S).group(1))
    for referral in example["referrals"]:
        referral["external_ref"] = f"{referral.get('external_ref', 'DOC')}-{line_no}"
    referrals = tmp / "aanmeldingen.json"
    referrals.write_text(json.dumps(example), encoding="utf-8")
    return {
        ("--vault", "DIR"): str(demo.folder),
        ("init --vault", "DIR"): str(tmp / "nieuw"),
        ("demo --vault", "DIR"): str(tmp / "demo2"),
        ("restore --vault", "DIR"): str(tmp / "teruggezet"),
        ("--out-dir", "DIR"): str(tmp / "uit" / "nieuw"),
        ("--receipts", "DIR"): str(tmp / "ontvangst" / "nieuw"),
        ("--account", "NAME"): DIRECTOR,
        ("init --account", "NAME"): "beheerder",
        ("--to", "FILE"): str(demo.tmp / "kluis.ckbak"),
        ("--from", "FILE"): str(demo.tmp / "kluis.ckbak"),
        ("", "FILE.json"): str(referrals),
        ("--draft", "FILE.json"): str(tmp / "inzage" / "concept.json"),
        ("--out", "FILE.pdf"): str(tmp / "uit.pdf"),
        ("--case", "NUMBER"): demo.scheduled,
        ("", "NUMBER"): demo.scheduled,
        ("", "ID"): str(demo.meeting_id),
        ("--meeting", "ID"): str(demo.meeting_id),
        ("--party", "NAME"): demo.party,
        ("--bsn", "N"): demo.bsn,
        ("--year", "YYYY"): "2026",
    }


def _fill(words: list[str], values: dict[tuple[str, str], str]) -> list[str]:
    filled: list[str] = []
    command = words[0] if words else ""
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        key_option = before if before.startswith("--") else ""
        for key in ((f"{command} {key_option}", word), (key_option, word)):
            if key in values:
                filled.append(values[key])
                break
        else:
            assert not re.fullmatch(r"[A-Z][A-Z._]*", word) or word in ("--",), \
                f"no value for the placeholder {word} after {before!r}"
            filled.append(word)
    return filled


def _options_of(words: list[str]) -> set[str]:
    parser = build_parser()
    found = commands(parser)
    path = tuple(w for w in words if not w.startswith("-"))
    for n in range(len(path), 0, -1):
        if path[:n] in found:
            return {o for a in found[path[:n]]._actions for o in a.option_strings}
    return set()


LINES = documented_lines()


@pytest.mark.parametrize("where,line", LINES, ids=[w for w, _l in LINES])
def test_every_documented_line_runs(where: str, line: str, demo: DemoVault,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    bare, optional = _optional_options(line)
    words = bare.split()[1:]
    for alternative in _alternatives(words):
        known = _options_of(alternative)
        missing = [o for o in optional if o not in known]
        assert not missing, f"{where}: {' '.join(alternative)} takes no {missing}"
        args = _fill(alternative, _values(demo, LINES.index((where, line))))
        code, out, err = run(args, capsys)
        assert code == 0, f"{where}: casuskamer {' '.join(args)}: exit {code}: {err}"
        assert "Traceback" not in out + err
