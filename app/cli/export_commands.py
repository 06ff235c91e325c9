"""``export``: PDFs on the command line, every one through the sharing policy and recorded in
the disclosure log.

    casuskamer export handout --vault D --case NUMBER --party NAME --out FILE.pdf
                              [--meeting ID] [--password-file F | --no-password]
    casuskamer export plan    --vault D --case NUMBER --out FILE.pdf [--password-file F ...]
    casuskamer export handouts --vault D --case NUMBER --out-dir DIR [--meeting ID]
                               [--no-password] [--passwords-file FILE]
    casuskamer export receipt --vault D --case NUMBER --out FILE.pdf [--password-file F ...]
    casuskamer export triage-outcome --vault D --case NUMBER --out FILE.pdf [...]

The receipt and the triage outcome go to the case's referring party only (issue 24).

A handout is made only for a case on a meeting's agenda, for a party invited to the case's
current meeting (``--meeting`` may name only that meeting), and says whether it was made
before the case meeting (the pre-meeting view only) or after its start. A refused recipient
(withdrawn, not in the protocol, not invited, the case ended or on no agenda) is a one-line
refusal with exit code 2 and no file; ``handouts`` prints one line per refused invitee and
exits 2 when it wrote no file at all. A generated password is printed once and never stored;
a handout is protected by default: ``handout`` with a password of its own (generated unless
``--password-file`` names one), ``handouts`` gives every party its own
(``app.services.handout_passwords``); ``--no-password`` declines, recorded.

Other areas add verbs to ``export`` (e.g. ``agenda``) through a module named in
``EXTRA_VERB_MODULES`` that has ``register_export_verb(verbs)``.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from pathlib import Path

from app.cli import output
from app.cli.common import add_vault_options, unlock
from app.errors import ValidationError
from app.domain import document_password
from app.i18n import _
from app.domain.views import phase_label
from app.services import handout_passwords, handouts
from app.vault.vault import OpenVault

#: Modules that add further ``export`` verbs when they exist (an area not built yet is
#: simply absent).
EXTRA_VERB_MODULES = ("app.cli.agenda_export", "app.cli.meeting_commands",
                      "app.cli.retention_commands")


def _password(args: argparse.Namespace) -> str | None:
    """The PDF's password: generated (printed by :func:`app.cli.output.report` only after
    every file is written), from ``--password-file``, or none."""
    if getattr(args, "generate_password", False):
        return document_password.generate_password()
    path = getattr(args, "password_file", None)
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(_("The password file {file} cannot be read: {reason}")
                              .format(file=path, reason=exc.strerror)) from None
    password = text.splitlines()[0] if text else ""
    document_password.check_password(password)
    return password


def party_names(opened: OpenVault) -> dict[int, str]:
    from app.services.parties import list_parties

    return {p.id: p.name for p in list_parties(opened)}


def cmd_handout(args: argparse.Namespace) -> int:
    """One party's handout, protected by default with a password of its own (generated and
    printed once, or from ``--password-file``); ``--no-password`` declines, recorded in the
    disclosure row."""
    from app.cli.read_commands import party_by_name

    if not args.no_password and args.password_file is None:
        args.generate_password = True
    password = _password(args)
    opened = unlock(args)
    try:
        party_id = party_by_name(opened, args.party)
        names = party_names(opened)
        output.make_folder(Path(args.out).parent)
        result = handouts.export_handout(opened, args.case, party_id, args.out,
                                         meeting_id=args.meeting, password=password,
                                         declined=bool(args.no_password))
    finally:
        opened.lock()
    output.report(args, [output.written(result.path, result.sha256, _case(args.case),
                                        names.get(party_id), "handout", result.encrypted)],
                  password, _phase(result.meeting_started))
    return 0


def _phase(meeting_started: bool | None) -> list[str]:
    if meeting_started is None:
        return []
    return [_("Handout {phase}.").format(phase=phase_label(bool(meeting_started)))]


def _case(number: str) -> str:
    return str(number).strip().upper()


def cmd_plan(args: argparse.Namespace) -> int:
    password = _password(args)
    opened = unlock(args)
    try:
        output.make_folder(Path(args.out).parent)
        result = handouts.export_plan(opened, args.case, args.out, password=password)
    finally:
        opened.lock()
    output.report(args, [output.written(result.path, result.sha256, _case(args.case), None,
                                        "plan", result.encrypted)], password)
    return 0


#: The two documents for the referring party (issue 24): the verb and its kind as the
#: output names it.
REFERRER_DOCUMENTS: dict[str, str] = {"receipt": "receipt",
                                      "triage-outcome": "triage_outcome"}


def cmd_referrer_document(args: argparse.Namespace) -> int:
    """``export receipt`` and ``export triage-outcome``: the document for the case's
    referring party only (issue 24), through ``app.services.referral_receipts`` (the
    sharing policy, the disclosure log); one helper for both verbs."""
    from app.services import referral_receipts

    kind = REFERRER_DOCUMENTS[args.document]
    export = (referral_receipts.export_receipt if kind == "receipt"
              else referral_receipts.export_triage_outcome)
    password = _password(args)
    opened = unlock(args)
    try:
        output.make_folder(Path(args.out).parent)
        result = export(opened, args.case, args.out, password=password)
        names = party_names(opened)
    finally:
        opened.lock()
    output.report(args, [output.written(result.path, result.sha256, _case(args.case),
                                        names.get(result.party_id or 0), kind,
                                        result.encrypted)], password)
    return 0


def cmd_handouts(args: argparse.Namespace) -> int:
    """Every invitee's handout, each protected by that party's own password (the default;
    ``--no-password`` declines, recorded in the disclosure rows). The passwords are shown
    once after every file is written: one line per party on the terminal, or in the
    ``--passwords-file`` (mode 600) for the house's secure mail."""
    declined = bool(args.no_password)
    if declined and args.passwords_file is not None:
        raise ValidationError(_("--passwords-file and --no-password exclude each other."),
                              field="passwords_file")
    if args.passwords_file is not None:
        handout_passwords.check_passwords_file(args.passwords_file, args.out_dir)
    passwords = None if declined else handout_passwords.PerRecipient()
    opened = unlock(args)
    try:
        names = party_names(opened)
        output.make_folder(Path(args.out_dir))
        batch = handouts.export_handouts_for_invited(opened, args.case, args.out_dir,
                                                     meeting_id=args.meeting,
                                                     passwords=passwords, declined=declined)
    finally:
        opened.lock()
    for refusal in batch.refused:
        print(f"casuskamer: {refusal.message}", file=sys.stderr)
    if not batch.exported and batch.refused:
        return 2
    entries = handout_passwords.pair(batch, passwords.issued() if passwords else {}, names)
    if passwords is not None:
        passwords.forget()
    if args.passwords_file is not None and entries:
        handout_passwords.write_passwords_file(args.passwords_file, entries)
    output.report(args, [output.written(r.path, r.sha256, _case(args.case),
                                        names.get(r.party_id or 0), "handout", r.encrypted)
                         for r in batch.exported], None,
                  _phase(batch.exported[0].meeting_started if batch.exported else None))
    _show_passwords(args, entries)
    return 0


def _show_passwords(args: argparse.Namespace,
                    entries: list[handout_passwords.PartyPassword]) -> None:
    """One line per party, after every file is written: its password, or where it is.
    With ``--json`` only with ``--show-password`` (on stderr, as for one file)."""
    if args.passwords_file is not None:
        lines = [_("{party} ({file}): password in {passwords_file}").format(
            party=e.party, file=e.file, passwords_file=args.passwords_file) for e in entries]
    else:
        lines = [_("Password for {party} ({file}), shown only this once: {password}").format(
            party=e.party, file=e.file, password=e.password) for e in entries]
    if not getattr(args, "json", False):
        for line in lines:
            print(line)
    elif getattr(args, "show_password", False) and args.passwords_file is None:
        for line in lines:
            print(line, file=sys.stderr)


def _add_password_options(parser: argparse.ArgumentParser, *, declinable: bool = False,
                          ) -> None:
    """``declinable``: protected by default (a handout goes to a party): a generated password
    unless ``--password-file`` names one, ``--no-password`` to decline."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--password-file", type=Path, default=None, metavar="F",
                       help=_("protect the PDF with the password on the first line of F"))
    group.add_argument("--generate-password", action="store_true",
                       help=_("protect the PDF with a new password, printed once after "
                              "every file is written"))
    if declinable:
        group.add_argument("--no-password", action="store_true",
                           help=_("write the handout without a password (recorded)"))
    output.add_output_options(parser)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = sub.add_parser("export", help=_("PDFs: handouts, the plan of action, agendas, "
                                            "the subject-access export"))
    verbs = group.add_subparsers(dest="verb", metavar="handout|handouts|plan|agenda|subject",
                                 parser_class=type(group))
    verbs.required = True

    handout = verbs.add_parser("handout", help=_("one party's handout of a case"))
    add_vault_options(handout)
    handout.add_argument("--case", required=True, metavar="NUMBER",
                         help=_("the case number, e.g. ZVH-2026-0042"))
    handout.add_argument("--party", required=True, metavar="NAME",
                         help=_("the receiving party's name or short name"))
    handout.add_argument("--out", required=True, type=Path, metavar="FILE.pdf",
                         help=_("the PDF to write"))
    handout.add_argument("--meeting", type=int, default=None, metavar="ID",
                         help=_("the case's current meeting (the default; an older "
                                "meeting is refused)"))
    _add_password_options(handout, declinable=True)
    handout.set_defaults(func=cmd_handout)

    plan = verbs.add_parser("plan", help=_("the full plan of action, for the case file"))
    add_vault_options(plan)
    plan.add_argument("--case", required=True, metavar="NUMBER",
                      help=_("the case number, e.g. ZVH-2026-0042"))
    plan.add_argument("--out", required=True, type=Path, metavar="FILE.pdf",
                      help=_("the PDF to write"))
    _add_password_options(plan)
    plan.set_defaults(func=cmd_plan)

    batch = verbs.add_parser("handouts", help=_("a handout for every party invited to the "
                                                "case's meeting"))
    add_vault_options(batch)
    batch.add_argument("--case", required=True, metavar="NUMBER",
                       help=_("the case number, e.g. ZVH-2026-0042"))
    batch.add_argument("--out-dir", required=True, type=Path, metavar="DIR",
                       help=_("the folder to write the PDFs into"))
    batch.add_argument("--meeting", type=int, default=None, metavar="ID",
                       help=_("the case's current meeting (the default; an older "
                              "meeting is refused)"))
    protection = batch.add_mutually_exclusive_group()
    protection.add_argument("--generate-password", action="store_true",
                            help=_("protect each party's PDF with its own new password (the "
                                   "default), each shown once after every file is written"))
    protection.add_argument("--no-password", action="store_true",
                            help=_("make the handouts without a password (recorded in the "
                                   "disclosure log); only for a route that is secure itself"))
    batch.add_argument("--passwords-file", type=Path, default=None, metavar="FILE",
                       help=_("write the passwords to FILE (one line per party: party, "
                              "file, password; readable only by you) for the house's "
                              "secure mail, instead of showing them"))
    output.add_output_options(batch)
    batch.set_defaults(func=cmd_handouts)

    for verb, helptext in (
            ("receipt", _("the receipt of a referral, for the referring party")),
            ("triage-outcome", _("the triage outcome of a referral, for the referring party"))):
        referrer = verbs.add_parser(verb, help=helptext)
        add_vault_options(referrer)
        referrer.add_argument("--case", required=True, metavar="NUMBER",
                              help=_("the case number, e.g. ZVH-2026-0042"))
        referrer.add_argument("--out", required=True, type=Path, metavar="FILE.pdf",
                              help=_("the PDF to write"))
        _add_password_options(referrer)
        referrer.set_defaults(func=cmd_referrer_document, document=verb)

    for name in EXTRA_VERB_MODULES:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register_export_verb(verbs)
