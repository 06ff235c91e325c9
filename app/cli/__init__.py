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
import sys
from importlib import import_module
from collections.abc import Sequence

from app import __version__
from app.errors import CasuskamerError
from app.i18n import _, set_language

#: The modules that add sub-commands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "app.cli.vault_commands",
    "app.cli.user_commands",
    "app.cli.party_commands",
    "app.cli.case_commands",
    "app.cli.export_commands",
    "app.cli.retention_commands",
    "app.cli.report_commands",
    "app.cli.audit_commands",
    "app.cli.config_commands",
)


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
    parser = _Parser(prog="casuskamer",
                     description=_("Casuskamer: case work for a Zorg- en Veiligheidshuis."))
    parser.add_argument("--version", action="version", version=f"casuskamer {__version__}")
    parser.add_argument("--lang", choices=("nl", "en"), default=None,
                        help=_("language of messages (default: nl)"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    lang = "nl"
    if "--lang" in args_list:
        i = args_list.index("--lang")
        if i + 1 < len(args_list):
            lang = args_list[i + 1]
    set_language(lang)
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # usage errors, --help, --version
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except CasuskamerError as exc:
        print(f"casuskamer: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("casuskamer: " + _("interrupted"), file=sys.stderr)
        return 2
    except OSError as exc:
        # A file the user named could not be read or written: say which, without a traceback.
        print(f"casuskamer: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
              file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
