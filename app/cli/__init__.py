"""``casuskamer``: the command line for administrators and scripts (a stable contract).

Each group of commands lives in its own module with a ``register(subparsers)`` function that
adds its sub-commands; every sub-command sets ``func`` to a callable taking the parsed
arguments and returning an exit code. Exit codes: 0 success, 1 a check failed, 2 bad usage or
bad input, always with one clear line and never a traceback.

The passphrase comes from a prompt, ``--passphrase-file FILE`` or the environment variable
``CASUSKAMER_PASSPHRASE``; never from an argument.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from app import __version__
from app.errors import CasuskamerError
from app.cli.options import free_standing, settle, translate_argparse
from app.cli.output import error_line
from app.i18n import _, set_language

#: The modules that add sub-commands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "app.cli.vault_commands",
    "app.cli.move_command",
    "app.cli.user_commands",
    "app.cli.party_commands",
    "app.cli.case_commands",
    "app.cli.export_commands",
    "app.cli.retention_commands",
    "app.cli.report_commands",
    "app.cli.audit_commands",
    "app.cli.config_commands",
    "app.cli.read_commands",
    "app.cli.gui_command",
)

#: What ``casuskamer gui`` runs: the desktop program's entry, given by the launcher
#: (``ui.launcher``), since ``app`` never imports the desktop. Takes the words for it.
GuiRunner = Callable[[list[str]], int]


class UsageError(CasuskamerError):
    exit_code = 2


class _Parser(argparse.ArgumentParser):
    """Errors exit 2 with one translated line; no abbreviations (``--passphrase`` must not
    quietly mean ``--passphrase-file``)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, _("{prog}: error: {message}").format(prog=self.prog, message=message)
                  + "\n")


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree, in the current language, with the shared options
    free-standing (``app.cli.options``)."""
    translate_argparse()
    parser = _Parser(prog="casuskamer",
                     description=_("Casuskamer: case work for a Zorg- en Veiligheidshuis."),
                     epilog=_("Without a command (or with 'gui') the desktop program starts. "
                              "'casuskamer COMMAND --help' describes each command."))
    parser.add_argument("--version", action="version", version=f"casuskamer {__version__}",
                        help=_("show program's version number and exit"))
    parser.add_argument("--lang", choices=("nl", "en"), default=None,
                        help=_("language of messages (default: nl)"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser,
                                title=_("commands"))
    for name in COMMAND_MODULES:
        import_module(name).register(sub)
    free_standing(parser)
    return parser


def language_of(args_list: Sequence[str]) -> str:
    """The ``--lang`` given anywhere in the words (before parsing: the parser's own texts
    are in it); Dutch by default."""
    lang = "nl"
    for i, word in enumerate(args_list):
        if word == "--lang" and i + 1 < len(args_list):
            lang = args_list[i + 1]
        elif word.startswith("--lang="):
            lang = word.partition("=")[2]
    return lang


def main(argv: Sequence[str] | None = None, gui: GuiRunner | None = None) -> int:
    """Run one command; output to a closed pipe (``| head``) ends quietly."""
    try:
        return _main(argv, gui)
    except BrokenPipeError:
        # The reader stopped: not an error of ours. Point stdout at devnull so that
        # Python's flush at exit does not complain a second time.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0


def _main(argv: Sequence[str] | None, gui: GuiRunner | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    set_language(language_of(args_list))
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
        settle(args, parser)
    except SystemExit as exc:  # usage errors, --help, --version
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    args.gui_runner = gui
    try:
        return int(args.func(args))
    except CasuskamerError as exc:
        print(error_line(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("casuskamer: " + _("interrupted"), file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise  # the reader stopped: main ends quietly
    except OSError as exc:
        # A file the user named could not be read or written: say which, without a traceback.
        print(error_line(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")),
              file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
