"""``casuskamer import``: referrals from a file (format ``casuskamer-referrals/1``, see
``docs/referral-format.md``). Prints the new case numbers, one per line; exit 2 with one
line naming the referral and the field when the file is refused (nothing is imported then).

The account must be one that registers referrals (process director or information centre):
``--account NAME``; the first admin, the default, may not.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import add_vault_options, unlock
from app.i18n import _
from app.services.referral_import import import_referrals, read_referral_file


def cmd_import(args: argparse.Namespace) -> int:
    # Read and parse the file before unlocking, so a bad file fails fast and touches nothing.
    data = read_referral_file(args.file)
    opened = unlock(args)
    try:
        numbers = import_referrals(opened, data)
    finally:
        opened.lock()
    for number in numbers:
        print(number)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("import", help=_("import referrals from a file"),
                            description=_("Import referrals (format casuskamer-referrals/1) as "
                                          "cases in the state referred. All or nothing."))
    add_vault_options(parser)
    parser.add_argument("file", type=Path, metavar="FILE.json",
                        help=_("the referral file"))
    parser.set_defaults(func=cmd_import)
