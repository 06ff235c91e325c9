"""The options every command shares, wherever they stand, and argparse in the user's language.

``--vault``, ``--account``, ``--passphrase-file``, ``--lang`` and ``--json`` may stand before
or after the sub-command: ``casuskamer parties --vault D list`` and ``casuskamer parties
list --vault D`` are the same command. argparse lets each sub-parser copy its own defaults
over what an outer parser already read, so :func:`free_standing` gives every such option,
on every parser of the tree, the default ``SUPPRESS`` (an option not given leaves no
attribute) and not ``required``; each command keeps what it declared (its default, whether
it is required) in ``_shared``, and :func:`settle` applies that after parsing: a missing
required option or a shared option the command does not take is the usual one-line usage
error (exit 2).

:func:`translate_argparse` makes argparse's own words ("usage:", "options", "the following
arguments are required", ...) go through :mod:`app.i18n`; their Dutch is in the
``cli_contract`` catalogue (the msgids are listed in :data:`ARGPARSE_MESSAGES`, so the
catalogue check knows them as used).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.i18n import N_, _, ngettext

#: The shared options: dest -> (option string, metavar or None for a flag).
SHARED: dict[str, tuple[str, str | None]] = {
    "vault": ("--vault", "DIR"),
    "account": ("--account", "NAME"),
    "passphrase_file": ("--passphrase-file", "FILE"),
    "lang": ("--lang", None),
    "json": ("--json", None),
}


@dataclass(frozen=True)
class Declared:
    """What a command declared for one shared option."""

    default: Any
    required: bool


def _shared_help(dest: str) -> str:
    return {
        "vault": _("the vault folder"),
        "account": _("the account to unlock with (default: the first admin)"),
        "passphrase_file": _("read the passphrase from the first line of FILE"),
        "lang": _("language of messages (default: nl)"),
        "json": _("print JSON for scripts"),
    }[dest]


def _add_shared(parser: argparse.ArgumentParser, dest: str) -> None:
    option, metavar = SHARED[dest]
    if dest == "json":
        parser.add_argument(option, action="store_true", default=argparse.SUPPRESS,
                            help=_shared_help(dest))
    elif dest == "lang":
        parser.add_argument(option, choices=("nl", "en"), default=argparse.SUPPRESS,
                            help=_shared_help(dest))
    else:
        parser.add_argument(option, dest=dest, metavar=metavar, default=argparse.SUPPRESS,
                            type=Path if dest != "account" else str, help=_shared_help(dest))


def _children(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    found: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.extend(action.choices.items())
    return found


def commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()
             ) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every command of the tree (a parser without sub-commands), by its words."""
    children = _children(parser)
    if not children:
        return {words: parser}
    found: dict[tuple[str, ...], argparse.ArgumentParser] = {}
    for name, child in children:
        found.update(commands(child, (*words, name)))
    return found


def free_standing(parser: argparse.ArgumentParser, top: bool = True) -> None:
    """Make the shared options free-standing on the whole tree (see the module doc)."""
    children = _children(parser)
    present = {a.dest for a in parser._actions}
    if children:
        # A parser with sub-commands takes every shared option, to hand down.
        for action in parser._actions:
            if action.dest in SHARED:
                action.default = argparse.SUPPRESS
                action.required = False
        for dest in SHARED:
            if dest not in present:
                _add_shared(parser, dest)
        for _name, child in children:
            free_standing(child, top=False)
        return
    declared: dict[str, Declared] = {}
    for action in parser._actions:
        if action.dest in SHARED:
            declared[action.dest] = Declared(action.default, bool(action.required))
            if action.required and action.help and action.help != argparse.SUPPRESS:
                action.help = _("{help} (required)").format(help=action.help)
            action.default = argparse.SUPPRESS
            action.required = False
    if "lang" not in present:
        _add_shared(parser, "lang")
        declared["lang"] = Declared(None, False)
    parser.set_defaults(_shared=declared, _command_prog=parser.prog)


def settle(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """After parsing: the command's defaults for shared options not given, and the usage
    errors argparse could no longer give (a required one missing, one it does not take)."""
    declared: dict[str, Declared] = getattr(args, "_shared", {}) or {}
    prog = getattr(args, "_command_prog", parser.prog)
    for dest, (option, _metavar) in SHARED.items():
        given = hasattr(args, dest)
        if given and dest not in declared and dest != "lang" and declared:
            _error(parser, prog, _("unrecognized arguments: %s") % option)
        if not given:
            wanted = declared.get(dest)
            if wanted is not None and wanted.required:
                _error(parser, prog,
                       _("the following arguments are required: %s") % option)
            setattr(args, dest, wanted.default if wanted is not None
                    else (False if dest == "json" else None))


def _error(parser: argparse.ArgumentParser, prog: str, message: str) -> None:
    old = parser.prog
    parser.prog = prog
    try:
        parser.error(message)
    finally:
        parser.prog = old


# -- argparse in the user's language ---------------------------------------------------------

#: argparse's own messages (Python 3.11), for the catalogue.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("options"),
    N_("positional arguments"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("ignored explicit argument %r"),
    N_("unexpected option string: %s"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("subcommands"),
    N_("can't open '%(filename)s': %(error)s"),
)


def _plural_messages() -> None:  # pragma: no cover - lists argparse's plural msgids only
    ngettext("expected %s argument", "expected %s arguments", 1)


def translate_argparse() -> None:
    """Let argparse's own texts go through :mod:`app.i18n` (argparse calls the names ``_``
    and ``ngettext`` of its module at the moment it shows a text)."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
