"""One output shape for every ``export`` verb (handout, handouts, plan, agenda, subject).

People get a table: a header and one line per file written (file, SHA-256, case, party,
kind, encrypted); scripts get, with ``--json``, an array of ``{"file", "sha256", "case",
"party", "kind", "encrypted"}``. A password made with ``--generate-password`` is printed
only after every file is written, and never with ``--json`` unless ``--show-password`` is
given (then on stderr, so standard output stays one JSON array). The output folder is made
when it is missing (mode 700), just before the first file is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from app.domain.text_rules import escape_invisible
from app.i18n import _


@dataclass(frozen=True)
class Written:
    file: str
    sha256: str
    case: str | None
    party: str | None
    kind: str
    encrypted: bool


def written(path: Path | str, sha256: str, case: str | None, party: str | None, kind: str,
            encrypted: bool) -> Written:
    return Written(str(path), sha256, case, party, kind, encrypted)


def error_line(message: object) -> str:
    """One ``casuskamer: ...`` line for stderr with every control and format character of
    ``message`` escaped (``\\x1b``, ``\\n``, ``\\u202e``): a name or key from a hostile
    file can neither send a terminal escape sequence nor start a line of its own."""
    return "casuskamer: " + escape_invisible(str(message))


def make_folder(folder: Path) -> None:
    """The output folder, made (mode 700, parents too) when missing."""
    folder = Path(folder)
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)


def report(args: argparse.Namespace, files: Sequence[Written],
           password: str | None = None, notes: Sequence[str] = ()) -> None:
    """Print what was written (for people: the table, then ``notes``, e.g. which handout
    it is), then the generated password (see the module doc)."""
    if getattr(args, "json", False):
        print(json.dumps([asdict(f) for f in files], ensure_ascii=False, indent=2))
    else:
        print("\t".join([_("File"), "SHA-256", _("Case"), _("Party"), _("Kind"),
                         _("Encrypted")]))
        for f in files:
            print("\t".join([f.file, f.sha256, f.case or "-", f.party or "-", f.kind,
                             _("yes") if f.encrypted else _("no")]))
        for note in notes:
            print(note)
    if password is not None and getattr(args, "generate_password", False):
        line = _("Password (shown only this once): {password}").format(password=password)
        if not getattr(args, "json", False):
            print(line)
        elif getattr(args, "show_password", False):
            print(line, file=sys.stderr)


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``--json`` and ``--show-password`` for an export verb."""
    parser.add_argument("--json", action="store_true",
                        help=_("print the files written as JSON for scripts"))
    parser.add_argument("--show-password", action="store_true",
                        help=_("with --json: print the generated password as well (on "
                               "stderr)"))
