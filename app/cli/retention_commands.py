"""``casuskamer purge`` and ``casuskamer export subject``: destruction of cases whose retention
period has passed, and the subject-access export.

``purge --vault D --due`` prints the number of every case it destroyed, one per line (also
those destroyed by the purge that runs at unlock), and a count on stderr.

The subject-access export is made in two steps, with the process director's review between
them (AVG art. 15):

``export subject --vault D (--bsn N | --surname S --birth-date YYYY-MM-DD [--given-names G])
--draft FILE.json`` writes the review file: every item that concerns the person, the marked
ones undecided. It holds the items' texts, so it is personal data: written atomically (mode
600) and logged like an export, with its SHA-256. The director sets a decision for every
marked item in it (include, redact with the redacted text, withhold with a ground).

``export subject ... --review FILE.json --out FILE.pdf [--password-file F]`` makes the PDF from
the reviewed file. A file that is not a review file, a marked item left undecided, or a
review of data that changed since the draft: exit 2 with one line, nothing written, the
refusal logged. ``--out`` without ``--review`` is refused the same way.

The ``export`` group is owned by ``app.cli.export_commands``, which calls
:func:`register_export_verb` (this module is named in its ``EXTRA_VERB_MODULES``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.common import add_vault_options, unlock
from app.domain.cases import parse_date
from app.errors import ValidationError
from app.i18n import _, ngettext


def register(sub: Any) -> None:
    purge = sub.add_parser("purge", help=_("destroy the cases whose retention period has "
                                           "passed"))
    add_vault_options(purge)
    purge.add_argument("--due", action="store_true", required=True,
                       help=_("destroy every case that is due today"))
    purge.set_defaults(func=run_purge)


def register_export_verb(verbs: Any) -> None:
    """Add ``subject`` to the ``export`` group (called by ``app.cli.export_commands``)."""
    register_subject_export(verbs)


def register_subject_export(export_sub: Any) -> None:
    subject = export_sub.add_parser(
        "subject", help=_("the subject-access export (AVG article 15) of one person: first "
                          "--draft, then --review with --out"),
        description=_("The subject-access export is made in two steps. --draft FILE.json "
                      "writes a review file with every item that concerns the person; "
                      "decide every marked item in it (include, redact, or withhold with a "
                      "ground). --review FILE.json --out FILE.pdf then makes the PDF from "
                      "it. The review file holds the items' texts: it is personal data. "
                      "Keep it where the exports are kept and delete it once the PDF is "
                      "made."))
    add_vault_options(subject)
    subject.add_argument("--bsn", default=None, metavar="N", help=_("the person's BSN"))
    subject.add_argument("--surname", default=None, metavar="S",
                         help=_("the person's surname (with --birth-date)"))
    subject.add_argument("--birth-date", default=None, metavar="YYYY-MM-DD",
                         help=_("the person's birth date (with --surname)"))
    subject.add_argument("--given-names", default=None, metavar="G",
                         help=_("the person's given names, to narrow the search"))
    subject.add_argument("--draft", type=Path, default=None, metavar="FILE.json",
                         help=_("write the review file (personal data: it holds the items' "
                                "texts; logged with its SHA-256)"))
    subject.add_argument("--review", type=Path, default=None, metavar="FILE.json",
                         help=_("make the PDF (with --out) from this reviewed file"))
    subject.add_argument("--out", type=Path, default=None, metavar="FILE.pdf",
                         help=_("the PDF to write (with --review)"))
    subject.add_argument("--password-file", dest="pdf_password_file", type=Path,
                         default=None, metavar="F",
                         help=_("protect the PDF with the password on the first line of F"))
    subject.add_argument("--json", action="store_true",
                         help=_("print the files written as JSON for scripts"))
    subject.set_defaults(func=run_export_subject)


def run_purge(args: argparse.Namespace) -> int:
    from app.services.retention import purge_due

    vault = unlock(args)
    try:
        destroyed = list(getattr(vault, "purged_at_unlock", None) or [])
        destroyed += purge_due(vault)
    finally:
        vault.lock()
    for number in destroyed:
        print(number)
    print(ngettext("{n} case destroyed.", "{n} cases destroyed.", len(destroyed))
          .format(n=len(destroyed)), file=sys.stderr)
    return 0


def run_export_subject(args: argparse.Namespace) -> int:
    from app.services import subject_access

    if args.draft is not None and (args.out is not None or args.review is not None):
        raise ValidationError(_("--draft writes the review file only; --review and --out "
                                "make the PDF from it afterwards."))
    if args.draft is None and args.out is None:
        raise ValidationError(_("Give --draft FILE.json to write the review file, or "
                                "--review FILE.json with --out FILE.pdf to make the PDF."))
    if bool(args.bsn) == bool(args.surname or args.birth_date):
        raise ValidationError(_("Give either --bsn, or --surname with --birth-date."))
    birth = None
    if not args.bsn:
        if not args.surname or not args.birth_date:
            raise ValidationError(_("Give both --surname and --birth-date."))
        try:
            birth = parse_date(args.birth_date, "birth_date")
        except ValidationError:
            raise ValidationError(_("--birth-date is not a date of the form YYYY-MM-DD."),
                                  field="birth_date") from None
    password = None
    if args.pdf_password_file is not None:
        try:
            text = Path(args.pdf_password_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValidationError(_("The password file {file} cannot be read: {reason}")
                                  .format(file=args.pdf_password_file,
                                          reason=exc.strerror)) from None
        password = text.splitlines()[0] if text else ""
    vault = unlock(args)
    try:
        match = subject_access.find_subject(vault, bsn=args.bsn, surname=args.surname,
                                            birth_date=birth, given_names=args.given_names)
        from app.cli.output import make_folder

        make_folder(Path(args.draft if args.draft is not None else args.out).parent)
        if args.draft is not None:
            draft = subject_access.draft_subject_access(vault, match)
            written = subject_access.write_draft(vault, draft, args.draft)
        else:
            review = (subject_access.read_review(vault, args.review)
                      if args.review is not None else None)
            result = subject_access.export_subject_access(
                vault, args.out, review, match=match, password=password)
    finally:
        vault.lock()
    from app.cli import output

    if args.draft is not None:
        output.report(args, [output.written(written.path, written.sha256, None, None,
                                            "subject-access-review", False)])
        if not args.json:
            print(ngettext("{n} item, {marked} to review. The file holds personal data: "
                           "delete it once the PDF is made.",
                           "{n} items, {marked} to review. The file holds personal data: "
                           "delete it once the PDF is made.", written.items)
                  .format(n=written.items, marked=written.to_review))
        return 0
    output.report(args, [output.written(result.path, result.sha256, None, None,
                                        "subject-access", password is not None)])
    return 0
