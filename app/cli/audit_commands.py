"""``casuskamer audit``: the audit log for the privacy officer, filtered, as CSV or JSON.

``casuskamer audit --vault D [--since DATE] [--until DATE] [--case N] [--actor A]
[--action X] [--subject ID] [--result ok|denied|failed] [--format csv|json] [--out FILE]``

The rows of one account are asked for with ``--actor``: ``--account`` is, as for every
command that unlocks, the account that unlocks the vault (default: the first admin).

Dates are ``YYYY-MM-DD`` (or ``DD-MM-YYYY``), local days, both ends included. ``--action``
takes an action or the start of one (``export`` finds every export). Without ``--out`` the
rows go to standard output. Needs an account that may read the log (the administrator);
the reading is logged (``audit.export``). The rows hold no personal data: objects are case
numbers, subject ids and account names.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app.cli.common import add_vault_options, unlock
from app.i18n import _
from app.services import audit_log


def _filter(args: argparse.Namespace) -> audit_log.AuditFilter:
    return audit_log.AuditFilter(
        since=audit_log.parse_day(args.since or "", "since"),
        until=audit_log.parse_day(args.until or "", "until"),
        case=args.case or "", account=args.account_filter or "", action=args.action or "",
        subject_id=args.subject, result=args.result or "")


def cmd_audit(args: argparse.Namespace) -> int:
    flt = _filter(args)        # bad dates are refused before the passphrase is asked
    opened = unlock(args, exclusive=False)
    try:
        pieces = audit_log.export(opened, flt, args.format)
        if args.out:
            out = Path(args.out)
            part = out.with_name(out.name + ".part")
            with part.open("w", encoding="utf-8", newline="") as fh:
                for piece in pieces:
                    fh.write(piece)
            part.replace(out)
            return 0
        try:
            for piece in pieces:
                sys.stdout.write(piece)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader stopped (``| head``): not an error of ours. Point stdout at devnull
            # so that Python's flush at exit does not complain a second time.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        opened.lock()


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("audit", help=_("the audit log, filtered, as CSV or JSON"))
    add_vault_options(parser)
    parser.add_argument("--since", metavar=_("DATE"),
                        help=_("from this day on (YYYY-MM-DD)"))
    parser.add_argument("--until", metavar=_("DATE"),
                        help=_("up to and including this day (YYYY-MM-DD)"))
    parser.add_argument("--case", metavar=_("NUMBER"), help=_("rows about this case"))
    parser.add_argument("--actor", dest="account_filter", metavar=_("ACCOUNT"),
                        help=_("rows of this account (--account is the one that unlocks)"))
    parser.add_argument("--action", metavar=_("ACTION"),
                        help=_("this action, or every action starting with it"))
    parser.add_argument("--subject", type=int, metavar="ID",
                        help=_("rows about this subject (by id)"))
    parser.add_argument("--result", choices=("ok", "denied", "failed"),
                        help=_("only rows with this result"))
    parser.add_argument("--format", choices=audit_log.FORMATS, default="csv",
                        help=_("csv (default) or json"))
    parser.add_argument("--out", metavar=_("FILE"), help=_("write to this file"))
    parser.set_defaults(func=cmd_audit)
