"""``export agenda``: a case meeting's agenda for one party, on the command line.

    casuskamer export agenda --vault D --meeting ID --party NAME --out FILE.pdf
                             [--account NAME] [--password-file F | --generate-password]

The ``export`` group lives in ``app.cli.export_commands``; this module adds its ``agenda``
verb through that module's ``EXTRA_VERB_MODULES`` hook (:func:`register_export_verb`). Each
case stands on the agenda only when the sharing policy lets the party have it
(``app.services.agenda``); a party entitled to no case of the meeting (not invited,
withdrawn, not in the case's protocol, the case ended) gets no file: a one-line refusal
with the reason, exit code 2, and the refusal is logged.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import add_vault_options, unlock
from app.i18n import _


def cmd_agenda(args: argparse.Namespace) -> int:
    from app.cli import output
    from app.cli.export_commands import _password, party_names
    from app.cli.read_commands import party_by_name
    from app.services.agenda import export_agenda

    password = _password(args)
    opened = unlock(args)
    try:
        party_id = party_by_name(opened, args.party)
        names = party_names(opened)
        output.make_folder(Path(args.out).parent)
        digest = export_agenda(opened, args.meeting, party_id, args.out, password=password)
    finally:
        opened.lock()
    output.report(args, [output.written(args.out, digest, None, names.get(party_id),
                                        "agenda", password is not None)], password)
    return 0


def register_export_verb(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from app.cli.export_commands import _add_password_options

    agenda = verbs.add_parser("agenda", help=_("a case meeting's agenda for one party"))
    add_vault_options(agenda)
    agenda.add_argument("--meeting", required=True, type=int, metavar="ID",
                        help=_("the meeting's number"))
    agenda.add_argument("--party", required=True, metavar="NAME",
                        help=_("the party's name or short name"))
    agenda.add_argument("--out", required=True, type=Path, metavar="FILE.pdf",
                        help=_("the PDF to write"))
    _add_password_options(agenda)
    agenda.set_defaults(func=cmd_agenda)
