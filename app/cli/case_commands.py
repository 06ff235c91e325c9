"""``casuskamer import``: referrals from a file (format ``casuskamer-referrals/1``, see
``docs/referral-format.md``). Prints the new case numbers, one per line; exit 2 with one
line naming the referral and the field when the file is refused (nothing is imported then).

The account must be one that registers referrals (process director or information centre):
``--account NAME``; the first admin, the default, may not.

``--receipts DIR`` (issue 24, point 3): after the import, the receipt of each new case for
its referring party is written into DIR (``ZVH-2026-0042_receipt.pdf``; made, mode 700, when
missing) through ``app.services.referral_receipts.export_receipt``, so through the sharing
policy and recorded in the disclosure log like every other PDF; one line per receipt
follows the case numbers. A receipt the policy refuses (or that cannot be written) is one
line on stderr; the import stands and its numbers are printed; exit 2 then. The folder is
checked (and made) before the import, so a folder that cannot be made imports nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import output
from app.cli.common import add_vault_options, unlock
from app.errors import CasuskamerError, ValidationError
from app.i18n import _
from app.services.referral_import import import_referrals, read_referral_file
from app.vault.vault import OpenVault


def cmd_import(args: argparse.Namespace) -> int:
    # Read and parse the file before unlocking, so a bad file fails fast and touches nothing.
    data = read_referral_file(args.file)
    folder: Path | None = args.receipts
    if folder is not None:
        _receipts_folder(folder)
    opened = unlock(args)
    written: list[tuple[str, Path]] = []
    refused: list[str] = []
    try:
        numbers = import_referrals(opened, data)
        if folder is not None:
            written, refused = write_receipts(opened, numbers, folder)
    finally:
        opened.lock()
    for number in numbers:
        print(number)
    for number, path in written:
        print(_("Receipt of {number} for the referring party: {file}")
              .format(number=number, file=path))
    for line in refused:
        print(output.error_line(line), file=sys.stderr)
    return 2 if refused else 0


def _receipts_folder(folder: Path) -> None:
    """The receipts' folder, made now (before anything is imported) or refused."""
    if folder.exists() and not folder.is_dir():
        raise ValidationError(_("{folder} is not a folder.").format(folder=folder),
                              field="receipts")
    try:
        output.make_folder(folder)
    except OSError as exc:
        raise ValidationError(_("The folder {folder} cannot be made: {reason}")
                              .format(folder=folder, reason=exc.strerror),
                              field="receipts") from None


def write_receipts(opened: OpenVault, numbers: list[str], folder: Path
                   ) -> tuple[list[tuple[str, Path]], list[str]]:
    """Each new case's receipt for its referring party into ``folder`` (the service's own
    path: the sharing policy and the disclosure log): ``(number, file)`` per receipt
    written, and one line per receipt refused or not written (the import stands either
    way, and the case numbers are still printed)."""
    from app.services import referral_receipts

    written: list[tuple[str, Path]] = []
    refused: list[str] = []
    for number in numbers:
        target = Path(folder) / referral_receipts.file_name(number, "receipt")
        try:
            result = referral_receipts.export_receipt(opened, number, target)
        except CasuskamerError as exc:          # the policy refused it (logged), or bad input
            refused.append(str(exc))
            continue
        except OSError as exc:                  # the folder filled up or went away
            refused.append(_("The receipt of {number} was not written: {reason}")
                           .format(number=number, reason=exc.strerror or exc))
            continue
        written.append((number, result.path))
    return written, refused


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("import", help=_("import referrals from a file"),
                            description=_("Import referrals (format casuskamer-referrals/2, or "
                                          "the older /1) as cases in the state referred. "
                                          "All or nothing."))
    add_vault_options(parser)
    parser.add_argument("file", type=Path, metavar="FILE.json",
                        help=_("the referral file"))
    parser.add_argument("--receipts", type=Path, default=None, metavar="DIR",
                        help=_("write each new case's receipt for its referring party (PDF, "
                               "recorded in the disclosure log) into DIR"))
    parser.set_defaults(func=cmd_import)
