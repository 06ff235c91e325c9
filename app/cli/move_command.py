"""``migrate --from-vault DIR --to PROFILE``: a house's vault folder onto the house server
(issue 22, point 5; ``app.vault.move``).

The one-time passphrases the move makes for the other accounts are handed over once: printed
when the output is a terminal, or written to a new file named with ``--one-time-passphrases
FILE`` (created, never overwritten, readable by its owner only). Output that is not a
terminal (redirected to a file, a pipe or a log) is refused before anything is written on
the server: the passphrases would end up where nobody hands them over and anyone who reads
that file or log could log in as those accounts.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from contextlib import suppress
from pathlib import Path

from app import fs
from app.cli.common import read_passphrase
from app.errors import ValidationError
from app.i18n import _, ngettext

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


def output_is_terminal() -> bool:
    """Whether the command's standard output goes to a terminal, where a person reads it."""
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced by something without a terminal, closed
        return False


class HandOver:
    """Where the one-time passphrases go (given to ``migrate_vault`` as ``hand_over``, which
    calls it before anything is written on the server): with ``path``, into that new file;
    without, to the terminal after the commit, and a move whose output is no terminal is
    refused."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.written = False

    def check(self) -> None:
        """Before anything is read: a file that exists is refused (never overwritten), as is
        a folder that does not exist."""
        if self.path is None:
            return
        if self.path.exists() or self.path.is_symlink():
            raise ValidationError(_("{file} already exists: name a new file for the one-time "
                                    "passphrases (it is never overwritten). Nothing was "
                                    "changed.").format(file=self.path),
                                  field="one_time_passphrases")
        if not self.path.parent.is_dir():
            raise ValidationError(_("The folder of {file} does not exist. Nothing was "
                                    "changed.").format(file=self.path),
                                  field="one_time_passphrases")

    def __call__(self, passphrases: dict[str, str]) -> None:
        if not passphrases:
            return
        if self.path is None:
            if not output_is_terminal():
                raise ValidationError(_(
                    "The output of this command is not a terminal, and it would hold the "
                    "one-time passphrases of the accounts: run it at a terminal, or name a new "
                    "file for them with --one-time-passphrases FILE. Nothing was changed."),
                    field="one_time_passphrases")
            return
        self._write(passphrases)

    def _write(self, passphrases: dict[str, str]) -> None:
        assert self.path is not None
        lines = [_("One-time passphrases for the house server (hand each over in person; the "
                   "holder chooses their own at the first login; delete this file "
                   "afterwards):")]
        lines += [f"  {name}: {one_time}" for name, one_time in passphrases.items()]
        try:
            fd = fs.open_no_follow(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                                   fs.PRIVATE_MODE)
        except FileExistsError:
            raise ValidationError(_("{file} already exists: name a new file for the "
                                    "one-time passphrases (it is never overwritten). Nothing "
                                    "was changed.").format(file=self.path),
                                  field="one_time_passphrases") from None
        except OSError as exc:
            raise ValidationError(_("{file} cannot be written ({reason}). Nothing was "
                                    "changed.").format(file=self.path, reason=exc.strerror),
                                  field="one_time_passphrases") from None
        self.written = True
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write("\n".join(lines) + "\n")
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            self.discard()
            raise ValidationError(_("{file} cannot be written ({reason}). Nothing was "
                                    "changed.").format(file=self.path, reason=exc.strerror),
                                  field="one_time_passphrases") from None

    def discard(self) -> None:
        """The move did not happen: the passphrases written open nothing; the file goes."""
        if self.written and self.path is not None:
            with suppress(OSError):
                self.path.unlink()
            self.written = False


def _print_one_time(passphrases: dict[str, str]) -> None:
    """At a terminal (``HandOver`` refused any other output before the move)."""
    if not passphrases:
        return
    print(_("One-time passphrases for the server (hand each over in person; the holder "
            "chooses their own at the first login; they are not shown again):"))
    for name, one_time in passphrases.items():
        print(f"  {name}: {one_time}")


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.cli.vault_commands import _owner_password
    from app.vault.move import MoveReport, migrate_vault
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
    hand_over = HandOver(args.one_time_passphrases)
    hand_over.check()
    vault = Vault(args.from_vault)
    vault.require_exists()
    account = args.account or vault.first_admin()
    profile = ServerVault.from_file(args.to).profile
    report = MoveReport()
    try:
        migrate_vault(vault, profile, account, read_passphrase(args), args.owner,
                      _owner_password(), server_passphrase=lambda: _server_passphrase(account),
                      hand_over=hand_over, report=report)
    except BaseException:
        if not report.committed:  # the passphrases in the file open nothing
            hand_over.discard()
        elif not hand_over.written:  # in use now: shown before the error, never lost
            _print_one_time(report.first_passphrases)
        raise
    print(_("Moved to the server {host}, database {database}: {tables} tables, {rows} rows "
            "(of which {audit} audit rows), the same counts on both sides.").format(
        host=profile.host, database=profile.database, tables=len(report.counts),
        rows=report.rows, audit=report.audit_rows))
    if report.first_passphrases and hand_over.written:
        print(ngettext("The one-time passphrase of {count} account is in {file} (readable by "
                       "you only; not shown here): hand it over in person, then delete the "
                       "file.",
                       "The one-time passphrases of {count} accounts are in {file} (readable "
                       "by you only; not shown here): hand each over in person, then delete "
                       "the file.", len(report.first_passphrases))
              .format(count=len(report.first_passphrases), file=hand_over.path))
    else:
        _print_one_time(report.first_passphrases)
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
                                     "verifies the result. The vault folder is only read. "
                                     "The one-time passphrases of the other accounts are "
                                     "printed only at a terminal; otherwise name a new file "
                                     "for them with --one-time-passphrases."))
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
    p.add_argument("--one-time-passphrases", type=Path, default=None, metavar="FILE",
                   help=_("write the other accounts' one-time passphrases to the new file "
                          "FILE (readable by you only; an existing file is refused) instead "
                          "of the terminal; needed when the output is not a terminal"))
    p.set_defaults(func=cmd_migrate)
