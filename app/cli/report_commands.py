"""``report``: the annual report for the Stuurgroep on the command line.

    casuskamer report --vault D --year YYYY --out FILE.pdf [--csv DIR] [--protocol P]

The PDF holds the year's figures as charts and tables with small numbers suppressed; with
``--csv`` the same tables are also written as CSV files into DIR. Needs an account that may
view the figures (the manager, the process director or the administrator).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from app.cli.common import add_vault_options, unlock
from app.domain.protocols import Protocol
from app.errors import ValidationError
from app.i18n import _


def cmd_report(args: argparse.Namespace) -> int:
    from app.services import figures

    this_year = date.today().year
    if not 2000 <= args.year <= this_year:
        raise ValidationError(_("--year must be a year from 2000 to {year}.")
                              .format(year=this_year), field="year")
    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise ValidationError(_("--out must name a .pdf file."), field="out")
    if not out.parent.is_dir():
        raise ValidationError(_("The folder {folder} does not exist.")
                              .format(folder=out.parent), field="out")
    protocol = Protocol(args.protocol) if args.protocol else None
    vault = unlock(args, exclusive=False)
    try:
        digest = figures.export_annual_report(vault, args.year, out, protocol=protocol,
                                              csv_dir=args.csv)
    finally:
        vault.lock()
    print(_("Annual report {year} written to {file} (SHA-256 {sha}).")
          .format(year=args.year, file=out, sha=digest))
    if args.csv is not None:
        print(_("Tables written as CSV to {folder}.").format(folder=args.csv))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help=_("the annual report for the steering group (PDF)"))
    add_vault_options(p)
    p.add_argument("--year", required=True, type=int, metavar="YYYY",
                   help=_("the year the report is about"))
    p.add_argument("--out", required=True, type=Path, metavar="FILE.pdf",
                   help=_("the PDF to write"))
    p.add_argument("--csv", type=Path, default=None, metavar="DIR",
                   help=_("also write the tables as CSV files into DIR"))
    p.add_argument("--protocol", choices=[p.value for p in Protocol], default=None,
                   help=_("only the cases of one protocol"))
    p.set_defaults(func=cmd_report)
