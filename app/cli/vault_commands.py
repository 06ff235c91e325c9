"""``init``, ``verify``, ``backup``, ``restore``, ``demo``: the vault as a whole."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from app.cli.common import add_vault_options, read_passphrase, unlock
from app.cli.config_commands import add_collector_options, apply_collector_options
from app.domain.roles import Permission
from app.errors import ValidationError
from app.i18n import _, ngettext
from app.services import session
from app.vault import forwarding, maintenance
from app.vault.text_scan import TextFinding
from app.vault.vault import Vault


def _new_passphrase(args: argparse.Namespace) -> str:
    """A passphrase for something new: from file/env, or asked twice at a prompt."""
    if getattr(args, "passphrase_file", None) is not None or _env_has_passphrase():
        return read_passphrase(args)
    if not sys.stdin or not sys.stdin.isatty():
        return read_passphrase(args)  # raises the clear "no passphrase" error
    first = getpass.getpass(_("New passphrase: "))
    second = getpass.getpass(_("Repeat the passphrase: "))
    if first != second:
        raise ValidationError(_("The two passphrases differ."), field="passphrase")
    return first


def _env_has_passphrase() -> bool:
    import os

    from app.cli.common import PASSPHRASE_ENV

    return PASSPHRASE_ENV in os.environ


def cmd_init(args: argparse.Namespace) -> int:
    if args.server is not None or args.ca is not None:
        return _init_server_profile(args)
    opened = session.after_unlock(Vault.create(args.vault, args.account,
                                               _new_passphrase(args)), created=True)
    print(_("Vault created in {folder} with administrator account {account}.")
          .format(folder=args.vault, account=args.account))
    try:
        if apply_collector_options(opened, args):  # --collector: forwarding from the start
            forwarding.send_before_lock(opened)
    finally:
        opened.lock()
    return 0


def _init_server_profile(args: argparse.Namespace) -> int:
    """``init --server URL --ca FILE --vault PROFILE`` (issue 22): writes a connection profile
    (host, port, database, verify-full, the CA; never a password) and nothing else yet."""
    from app.services.server_profile import create_profile

    if args.server is None or args.ca is None:
        raise ValidationError(_("--server and --ca go together: the server's address and the "
                                "CA certificate its certificate must verify against."),
                              field="server")
    if args.collector is not None:
        raise ValidationError(_("--collector is set on the server's own vault, not with "
                                "--server."), field="collector")
    profile = create_profile(args.server, args.ca, args.vault)
    print(_("Server profile written to {path} (server {host}, port {port}, database "
            "{database}). The program does not connect to a house server yet: the server "
            "mode is being built.").format(path=args.vault, host=profile.host,
                                           port=profile.port, database=profile.database))
    return 0


def _print_text_findings(findings: list[TextFinding]) -> None:
    if not findings:
        return
    print(ngettext("{count} stored text holds an invisible or control character; a process "
                   "director corrects it in the case or register:",
                   "{count} stored texts hold an invisible or control character; a process "
                   "director corrects them in the case or register:",
                   len(findings)).format(count=len(findings)))
    for finding in findings[:200]:
        where = f"{finding.table}.{finding.column} #{finding.record}"
        print(f"  - {where} ({finding.case_number})" if finding.case_number
              else f"  - {where}")


def cmd_verify(args: argparse.Namespace) -> int:
    from app.errors import VaultDamaged

    try:
        opened = unlock(args, exclusive=False)
    except VaultDamaged as exc:
        print(_("NOT SOUND: {reason}").format(reason=exc))
        return 1
    try:
        report = maintenance.verify(opened, texts=True)
        texts = report.texts
        try:
            opened.log_now("verify", "vault", opened.vault_id,
                           "ok" if report.sound else "failed",
                           {"problems": len(report.problems)})
        except Exception:  # noqa: BLE001 - a damaged file may refuse the write; say so below
            if report.sound:
                report.problems.append(_("The audit log cannot be written to."))
    finally:
        opened.lock()
    _print_replaced(report)
    _print_text_findings(texts)
    if report.sound:
        print(_("Sound: encryption, database and audit log ({rows} rows) checked.")
              .format(rows=report.audit_rows))
        return 0
    print(ngettext("NOT SOUND: {count} problem found:", "NOT SOUND: {count} problems found:",
                   len(report.problems)).format(count=len(report.problems)))
    for problem in report.problems[:50]:
        print(f"  - {problem}")
    return 1


def _print_replaced(report: maintenance.VerifyReport) -> None:
    for path in report.replaced:
        print(_("A vault replaced by a restore on {date} is kept at {path}; an administrator "
                "removes it in Settings.").format(date=maintenance.replaced_date(path),
                                                   path=path))


def cmd_backup(args: argparse.Namespace) -> int:
    opened = unlock(args, exclusive=False)
    try:
        opened.require(Permission.BACKUP, "vault", opened.vault_id)  # administrators only
        digest = maintenance.backup(opened, args.to)
    finally:
        opened.lock()
    print(_("Backup written to {path} (SHA-256 {digest}).").format(path=args.to, digest=digest))
    return 0


BACKUP_PASSPHRASE_ENV = "CASUSKAMER_BACKUP_PASSPHRASE"


def cmd_restore(args: argparse.Namespace) -> int:
    import os

    passphrase = read_passphrase(args)
    backup_passphrase = None
    if args.backup_passphrase_file is not None or BACKUP_PASSPHRASE_ENV in os.environ:
        backup_passphrase = read_passphrase(args, env=BACKUP_PASSPHRASE_ENV,
                                            file_attr="backup_passphrase_file")
    report = maintenance.restore(args.source, args.vault, args.account, passphrase,
                                 force=args.force, backup_passphrase=backup_passphrase)
    print(_("Vault restored in {folder} and verified ({rows} audit rows).")
          .format(folder=args.vault, rows=report.audit_rows))
    if report.replaced_by_restore is not None:
        print(_("The vault it replaced is kept at {path}.")
              .format(path=report.replaced_by_restore))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.services import demo

    if args.cases < 0:
        raise ValidationError(_("--cases must be 0 or more."), field="cases")
    summary = demo.build_demo_vault(Path(args.vault), read_passphrase(args), cases=args.cases,
                                    seed=args.seed, account=args.account or "beheerder")
    print(summary)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("init", help=_("create a vault and its first administrator account"))
    p.add_argument("--vault", required=True, type=Path, metavar="DIR",
                   help=_("the folder for the new vault"))
    p.add_argument("--account", default="beheerder", metavar="NAME",
                   help=_("the first administrator account (default: beheerder)"))
    p.add_argument("--passphrase-file", type=Path, default=None, metavar="FILE",
                   help=_("read the passphrase from the first line of FILE"))
    p.add_argument("--server", default=None, metavar="URL",
                   help=_("a house server (postgresql://host[:port]/database): write a "
                          "connection profile to the --vault path instead of a vault"))
    p.add_argument("--ca", type=Path, default=None, metavar="FILE",
                   help=_("with --server: the CA certificate (PEM) the server's certificate "
                          "must verify against"))
    add_collector_options(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("verify", help=_("check encryption, database integrity and audit log"))
    add_vault_options(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("backup", help=_("write an encrypted, consistent backup"))
    add_vault_options(p)
    p.add_argument("--to", required=True, type=Path, metavar="FILE",
                   help=_("the backup file to write"))
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help=_("restore a vault from a backup and verify it"))
    p.add_argument("--from", dest="source", required=True, type=Path, metavar="FILE",
                   help=_("the backup file to restore"))
    add_vault_options(p)
    p.add_argument("--force", action="store_true",
                   help=_("replace a vault whose audit log is newer than the backup (it is "
                          "kept beside it)"))
    p.add_argument("--backup-passphrase-file", type=Path, default=None, metavar="FILE",
                   help=_("the passphrase the account had when the backup was made, if it "
                          "has changed since"))
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("demo", help=_("a vault full of synthetic cases to try the program"))
    add_vault_options(p)
    p.add_argument("--cases", type=int, default=1500, metavar="N",
                   help=_("how many synthetic cases (default: 1500)"))
    p.add_argument("--seed", type=int, default=2019, metavar="S",
                   help=_("the seed of the random generator (the same seed, the same vault)"))
    p.set_defaults(func=cmd_demo)
