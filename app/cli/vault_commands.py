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
from app.vault.vault import OpenVault, Vault


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
    _refuse_a_profile(args.vault, _("init makes a new vault folder; a house server's profile "
                                    "is written with --server URL --ca FILE."))
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


#: The migration owner's password for ``init --server --create`` and ``upgrade`` (else a
#: prompt); never an option, so that it is not in the shell's history or the process list.
OWNER_PASSWORD_ENV = "CASUSKAMER_OWNER_PASSWORD"


def _owner_password() -> str:
    import os

    value = os.environ.get(OWNER_PASSWORD_ENV)
    if value is not None:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise ValidationError(_("No password for the migration owner: set {env} or run the "
                                "command at a terminal.").format(env=OWNER_PASSWORD_ENV),
                              field="owner")
    return getpass.getpass(_("Password of the migration owner on the server: "))


def _init_server_profile(args: argparse.Namespace) -> int:
    """``init --server URL --ca FILE --vault PROFILE`` (issue 22): writes a connection profile
    (host, port, database, verify-full, the CA; never a password) for a workstation joining
    an existing house; with ``--create --owner LOGIN`` it first makes the house on the
    server, with ``--account`` as its first administrator (passphrase asked twice)."""
    from app.services import server_profile

    if args.server is None or args.ca is None:
        raise ValidationError(_("--server and --ca go together: the server's address and the "
                                "CA certificate its certificate must verify against."),
                              field="server")
    if args.collector is not None and not args.create:
        raise ValidationError(_("--collector goes with --create: an administrator sets the "
                                "central log of an existing house with casuskamer config "
                                "--vault PROFILE."), field="collector")
    if args.collector is not None:
        _check_collector_options(args)  # before the server is touched
    if not args.create:
        if args.owner is not None:
            raise ValidationError(_("--owner goes with --create: joining a house needs no "
                                    "migration owner."), field="owner")
        profile = server_profile.create_profile(args.server, args.ca, args.vault)
        print(_("Server profile written to {path} (server {host}, port {port}, database "
                "{database}). Open the house with --vault {path} --account NAME.").format(
            path=args.vault, host=profile.host, port=profile.port, database=profile.database))
        return 0
    if not args.owner:
        raise ValidationError(_("Name the migration owner's login on the server with "
                                "--owner."), field="owner")
    # everything local first (address, CA, the profile path), then the two secrets
    server_profile.check_new_house(args.server, args.ca, args.vault)
    owner_password = _owner_password()
    passphrase = _new_passphrase(args)
    profile, _vault_id = server_profile.create_house_profile(
        args.server, args.ca, args.vault, args.owner, owner_password, args.account,
        passphrase)
    print(_("House made on the server {host}, database {database}, with administrator "
            "account {account}; profile written to {path}.").format(
        host=profile.host, database=profile.database, account=args.account, path=args.vault))
    if args.collector is not None:  # forwarding from the start, as init on a folder
        from app.vault.server import ServerVault

        opened = ServerVault.from_file(args.vault).unlock(args.account, passphrase,
                                                          exclusive=False)
        try:
            apply_collector_options(opened, args)
            forwarding.send_before_lock(opened)
        finally:
            opened.lock()
    return 0


def _check_collector_options(args: argparse.Namespace) -> None:
    """``--collector`` and its files, checked as ``apply_collector_options`` will use them
    (one line for a bad one), so that nothing is made on the server first."""
    if args.collector.strip().lower() != "off":
        forwarding.parse_collector(args.collector)
        if args.ca_file is None:
            raise ValidationError(_("Give --ca-file: the CA certificate the collector's "
                                    "certificate must verify against."), field="ca_file")
    for name in ("ca_file", "client_cert", "client_key"):
        if getattr(args, name, None) is not None:
            forwarding.read_pem_file(getattr(args, name), name.replace("_", "-"))


def cmd_upgrade(args: argparse.Namespace) -> int:
    """``upgrade --vault PROFILE --owner LOGIN``: the house server's schema to this program's
    version, as the migration owner (a vault folder upgrades itself at its unlock)."""
    from app.services import server_profile
    from app.vault.server import is_server_profile

    if not is_server_profile(args.vault):
        raise ValidationError(_("{path} is not a server profile: a vault folder is upgraded "
                                "when it is unlocked; upgrade is for the house server.")
                              .format(path=args.vault), field="vault")
    if not args.owner:
        raise ValidationError(_("Name the migration owner's login on the server with "
                                "--owner."), field="owner")
    done = server_profile.upgrade_house(args.vault, args.owner, _owner_password())
    if done.changed:
        print(_("The house server was upgraded from schema version {before} to {after}.")
              .format(before=done.before, after=done.after))
    else:
        print(_("The house server is already at schema version {version}; its roles, "
                "grants, row-level policies and functions were applied again.")
              .format(version=done.after))
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
    from app.vault.server import ServerOpenVault

    if isinstance(opened, ServerOpenVault):
        return _verify_server(opened)
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


def _verify_server(opened: OpenVault) -> int:
    """``verify --vault PROFILE``: what can be checked on the house server (its own file
    checks are the server's); audited as on a folder, with the count of problems only."""
    from app.vault import server_admin

    try:
        report = server_admin.verify_server(opened)
        opened.log_now("verify", "vault", opened.vault_id,
                       "ok" if report.sound else "failed", {"problems": len(report.problems)})
    finally:
        opened.lock()
    for note in report.notes:
        print(note)
    _print_text_findings(report.texts)
    if report.sound:
        print(_("Sound: the house server's schema ({schema}), your key slot and the audit log "
                "({rows} rows) checked.").format(schema=report.schema, rows=report.audit_rows))
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
    from app.vault.server import is_server_profile

    if is_server_profile(args.vault):
        # nothing is written: a script must not take this for a backup (exit 2)
        raise ValidationError(_("The house server is backed up with the server's own tools "
                                "(pg_dump or the house's backup), not by casuskamer backup; "
                                "see docs/house-server.md."), field="vault")
    opened = unlock(args, exclusive=False)
    try:
        opened.require(Permission.BACKUP, "vault", opened.vault_id)  # administrators only
        digest = maintenance.backup(opened, args.to)
    finally:
        opened.lock()
    print(_("Backup written to {path} (SHA-256 {digest}).").format(path=args.to, digest=digest))
    return 0


BACKUP_PASSPHRASE_ENV = "CASUSKAMER_BACKUP_PASSPHRASE"


def _refuse_a_profile(vault: Path, message: str) -> None:
    """A command about a vault folder given a house server's profile: one clear line (exit
    2), before any passphrase is read or anything is written."""
    from app.vault.server import is_server_profile

    if is_server_profile(vault):
        raise ValidationError(message, field="vault")


def cmd_restore(args: argparse.Namespace) -> int:
    import os

    _refuse_a_profile(args.vault, _(
        "The house server is restored with the server's own tools (pg_restore by the "
        "server's superuser), not by casuskamer restore; see docs/house-server.md."))
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
    _refuse_a_profile(args.vault, _("casuskamer demo makes a new vault folder, never a house "
                                    "on the server: give --vault a new folder."))
    summary = demo.build_demo_vault(Path(args.vault), read_passphrase(args), cases=args.cases,
                                    seed=args.seed, account=args.account or "beheerder")
    print(summary)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("init", help=_("create a vault and its first administrator account"))
    p.add_argument("--vault", required=True, type=Path, metavar="DIR",
                   help=_("the folder for the new vault (with --server: the new profile "
                          "file)"))
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
    p.add_argument("--create", action="store_true",
                   help=_("with --server: make the house in the server's empty database "
                          "first (as the migration owner, --owner), with --account as its "
                          "first administrator"))
    p.add_argument("--owner", default=None, metavar="LOGIN",
                   help=_("with --create: the migration owner's login on the server (its "
                          "password from {env} or a prompt)").format(env=OWNER_PASSWORD_ENV))
    add_collector_options(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("upgrade", help=_("upgrade the house server's schema and apply its "
                                         "roles, grants and policies again (as the migration "
                                         "owner)"))
    p.add_argument("--vault", required=True, type=Path, metavar="PROFILE",
                   help=_("the house server's profile"))
    p.add_argument("--owner", required=True, metavar="LOGIN",
                   help=_("the migration owner's login on the server (its password from "
                          "{env} or a prompt)").format(env=OWNER_PASSWORD_ENV))
    p.set_defaults(func=cmd_upgrade)

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
