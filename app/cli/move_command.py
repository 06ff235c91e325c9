"""``migrate --from-vault DIR --to PROFILE``: a house's vault folder onto the house server
(issue 22, point 5; ``app.vault.move``)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from app.cli.common import read_passphrase
from app.errors import ValidationError
from app.i18n import _

#: The administrator's passphrase on the server when it differs from the vault's (else a
#: prompt).
SERVER_PASSPHRASE_ENV = "CASUSKAMER_SERVER_PASSPHRASE"


def _server_passphrase(account: str) -> str:
    value = os.environ.get(SERVER_PASSPHRASE_ENV)
    if value is not None:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise ValidationError(_("The passphrase of {account} on the server differs from the "
                                "vault's: set {env} or run the command at a terminal.")
                              .format(account=account, env=SERVER_PASSPHRASE_ENV),
                              field="passphrase")
    return getpass.getpass(_("Passphrase of {account} on the server (as chosen at init "
                             "--server --create): ").format(account=account))


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.cli.vault_commands import _owner_password
    from app.vault.move import migrate_vault
    from app.vault.server import ServerVault, is_server_profile
    from app.vault.vault import Vault

    if is_server_profile(args.from_vault):
        raise ValidationError(_("{path} is a server profile: --from-vault names the vault "
                                "folder to move.").format(path=args.from_vault),
                              field="from_vault")
    if not is_server_profile(args.to):
        raise ValidationError(_("{path} is not a server profile: make one with casuskamer "
                                "init --server ... --create.").format(path=args.to),
                              field="to")
    vault = Vault(args.from_vault)
    vault.require_exists()
    account = args.account or vault.first_admin()
    profile = ServerVault.from_file(args.to).profile
    report = migrate_vault(vault, profile, account, read_passphrase(args), args.owner,
                           _owner_password(),
                           server_passphrase=lambda: _server_passphrase(account))
    print(_("Moved to the server {host}, database {database}: {tables} tables, {rows} rows "
            "(of which {audit} audit rows), the same counts on both sides.").format(
        host=profile.host, database=profile.database, tables=len(report.counts),
        rows=report.rows, audit=report.audit_rows))
    if report.first_passphrases:
        print(_("One-time passphrases for the server (hand each over in person; the holder "
                "chooses their own at the first login; they are not shown again):"))
        for name, one_time in report.first_passphrases.items():
            print(f"  {name}: {one_time}")
    if report.problems:
        print(_("The verification on the server found problems:"), file=sys.stderr)
        for problem in report.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(_("Verified on the server: the audit chain, every sealed value and every blind "
            "index. The vault folder was not changed."))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from app.cli.vault_commands import OWNER_PASSWORD_ENV

    p = sub.add_parser("migrate", help=_("move a house's vault folder to the house server"),
                       description=_("Copies everything of the vault folder into an empty "
                                     "house on the server (made by init --server ... "
                                     "--create with the same administrator), seals the "
                                     "personal values, continues the audit chain and "
                                     "verifies the result. The vault folder is only read."))
    p.add_argument("--from-vault", required=True, type=Path, metavar="DIR",
                   help=_("the vault folder to move (read only)"))
    p.add_argument("--to", required=True, type=Path, metavar="PROFILE",
                   help=_("the house server's profile"))
    p.add_argument("--account", default=None, metavar="NAME",
                   help=_("an administrator of the vault, also the house's first "
                          "administrator on the server (default: the vault's first "
                          "administrator)"))
    p.add_argument("--owner", required=True, metavar="LOGIN",
                   help=_("the migration owner's login on the server (its password from "
                          "{env} or a prompt)").format(env=OWNER_PASSWORD_ENV))
    p.add_argument("--passphrase-file", type=Path, default=None, metavar="FILE",
                   help=_("read the passphrase from the first line of FILE"))
    p.set_defaults(func=cmd_migrate)
