"""``casuskamer gui [--vault DIR|PROFILE]``: start the desktop program (also what ``casuskamer``
without a command does). ``app`` never imports the desktop: the launcher (``ui.launcher``)
hands :func:`app.cli.main` the program's entry, and this command calls it with the words it
takes (``--vault``, ``--lang``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.errors import ValidationError
from app.i18n import _


def cmd_gui(args: argparse.Namespace) -> int:
    runner = getattr(args, "gui_runner", None)
    if runner is None:
        raise ValidationError(_("The desktop program is not part of this installation."))
    words: list[str] = []
    if args.vault is not None:
        words += ["--vault", str(args.vault)]
    if args.lang is not None:
        words += ["--lang", str(args.lang)]
    return int(runner(words))


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("gui", help=_("start the desktop program (the default without a "
                                     "command)"))
    p.add_argument("--vault", type=Path, default=None, metavar="DIR|PROFILE",
                   help=_("the vault folder, or a house server's connection profile "
                          "(default: the last one used)"))
    p.set_defaults(func=cmd_gui)
