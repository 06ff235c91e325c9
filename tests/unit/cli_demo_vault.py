"""A demo vault made through the command line, as the README tells a new administrator,
shared by the command-line contract tests (module-scoped: one per test module)."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli import main

PASSPHRASE = "een lange demo wachtzin voor de contracttest"
DIRECTOR, CENTRE = "procesregisseur", "informatiecentrum"


@dataclass
class DemoVault:
    folder: Path
    tmp: Path
    scheduled: str          # a case on a coming meeting's agenda
    meeting_id: int         # that meeting
    bsn: str                # a subject's BSN of that case
    party: str              # a party invited to that meeting


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def make_demo(tmp: Path, capsys: pytest.CaptureFixture[str]) -> DemoVault:
    folder = tmp / "demo"
    code, _out, err = run(["demo", "--vault", str(folder), "--cases", "20"], capsys)
    assert code == 0, err
    v = ["--vault", str(folder), "--account", DIRECTOR]
    code, out, err = run(["meetings", "list", *v, "--json"], capsys)
    assert code == 0, err
    planned = [m for m in json.loads(out)["meetings"] if m["state"] == "planned" and m["items"]]
    meeting_id = planned[0]["id"]
    code, out, err = run(["meetings", "show", str(meeting_id), *v, "--json"], capsys)
    agenda = json.loads(out)["meeting"]["agenda"]
    number, party = agenda[0]["case"], agenda[0]["invitees"][0]
    code, out, err = run(["cases", "show", number, *v, "--json"], capsys)
    assert code == 0, err
    bsn = next(s["bsn"] for s in json.loads(out)["case"]["subjects"] if s["bsn"])
    return DemoVault(folder, tmp, number, meeting_id, bsn, party)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoVault]:
    """The demo vault; the passphrase stays in the environment for the module's tests."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    tmp = tmp_path_factory.mktemp("cli")
    capture = StringCapture()
    with contextlib.redirect_stdout(capture.out), contextlib.redirect_stderr(capture.err):
        made = make_demo(tmp, capture)  # type: ignore[arg-type]
    yield made
    mp.undo()


@dataclass
class Captured:
    out: str
    err: str


class StringCapture:
    """``readouterr`` over two buffers (capsys is function-scoped)."""

    def __init__(self) -> None:
        self.out, self.err = io.StringIO(), io.StringIO()

    def readouterr(self) -> Captured:
        found = Captured(self.out.getvalue(), self.err.getvalue())
        for buf in (self.out, self.err):
            buf.seek(0)
            buf.truncate()
        return found
