"""What every command that touches a vault shares: the vault and account options, reading
the passphrase, unlocking."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from app.errors import AccountRevoked, CasuskamerError, ValidationError, WrongPassphrase
from app.i18n import _
from app.services import accounts, session, unlocking
from app.vault import access, attempts, first_use, forwarding
from app.vault.vault import OpenVault, Vault

PASSPHRASE_ENV = "CASUSKAMER_PASSPHRASE"


def add_vault_options(parser: argparse.ArgumentParser, account: bool = True) -> None:
    parser.add_argument("--vault", required=True, type=Path, metavar="DIR",
                        help=_("the vault folder, or a house server's profile (with "
                               "--account)"))
    if account:
        parser.add_argument("--account", default=None, metavar="NAME",
                            help=_("the account to unlock with (default: the first admin)"))
    parser.add_argument("--passphrase-file", type=Path, default=None, metavar="FILE",
                        help=_("read the passphrase from the first line of FILE"))


def read_passphrase(args: argparse.Namespace, prompt: str | None = None,
                    env: str = PASSPHRASE_ENV, file_attr: str = "passphrase_file") -> str:
    path = getattr(args, file_attr, None)
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValidationError(_("The passphrase file {file} cannot be read: {reason}")
                                  .format(file=path, reason=exc.strerror)) from None
        return text.splitlines()[0] if text else ""
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise ValidationError(_("No passphrase: give --passphrase-file or set {env}.")
                              .format(env=env))
    return getpass.getpass(prompt or _("Passphrase: "))


def command_action(args: argparse.Namespace) -> str:
    """The command's row in the permission matrix: ``casuskamer VERB [SUBVERB]``."""
    words = [str(args.command)]
    if getattr(args, "verb", None):
        words.append(str(args.verb))
    return "casuskamer " + " ".join(words)


def unlock(args: argparse.Namespace, exclusive: bool = True) -> OpenVault:
    """Unlock the vault as the account the command names, and check the command's row in
    the permission matrix before anything else is done (a refusal: one line, exit 2,
    audited; the services it calls check their own rows again). An account whose passphrase
    an administrator set may only run ``users passwd`` until it has chosen its own
    (``app.vault.first_use``). Changes to the accounts since the last unlock are printed
    on stderr for process directors and administrators, once."""
    from app.vault.server import is_server_profile

    if is_server_profile(args.vault):
        return _unlock_server(args, exclusive)
    vault = Vault(args.vault)
    vault.require_exists()
    account = getattr(args, "account", None) or vault.first_admin()
    try:
        # behind the attempt counter: its delay first, parallel guesses one at a time
        opened, earlier = attempts.guarded_unlock(vault, account, read_passphrase(args),
                                                  exclusive=exclusive)
    except (WrongPassphrase, AccountRevoked) as exc:
        # No vault to write it into: the system's log and the central log (when on) get it.
        reason = (vault.pending_failures[-1].reason if vault.pending_failures
                  else "revoked" if isinstance(exc, AccountRevoked) else "passphrase")
        forwarding.report_failed_unlock(vault.folder, account, reason)
        raise
    if earlier is not None:
        print("casuskamer: " + earlier.text(), file=sys.stderr)
    if exclusive:  # a command that holds the vault: the session step (the retention purge)
        session.after_unlock(opened)
    forwarding.send_before_lock(opened)  # the command's audit rows, before the key goes
    try:
        action = command_action(args)
        first_use.refuse_until_chosen(opened, action)  # before anything else
        access.check(opened, action, "vault", opened.vault_id)
    except Exception:
        opened.lock()
        raise
    print_account_notices(opened)
    return opened


def _unlock_server(args: argparse.Namespace, exclusive: bool) -> OpenVault:
    """``--vault PROFILE`` (issue 22): the house server the profile names, as the account
    ``--account`` names (a server has no slot file to take a default account from); then
    the same session step, permission check and notices as a folder, and the command's
    audit rows forwarded to the house's central log when that is on (the house's queue,
    ``app.vault.forwarding``). Behind the attempt counter as on a folder (the same rule and
    delays, and the same notice and audit row at the next unlock), kept in a small file
    beside the profile (``Attempts.beside``: account names, counts and times only); the
    server's own log has the failed logins too, and the system's log and the central log
    get them from here."""
    from app.vault.server import ServerVault

    account = getattr(args, "account", None)
    if not account:
        raise ValidationError(_("Name the account with --account: a server profile has no "
                                "default account."), field="account")
    forwarding.register_server_checks()  # verify: the chain against the delivered head
    server = ServerVault.from_file(args.vault)
    try:
        # behind the counter beside the profile: its delay first, parallel guesses one at a time
        opened, earlier = attempts.guarded_unlock(
            server, account, read_passphrase(args), exclusive=exclusive,
            counter=attempts.Attempts.beside(args.vault))
    except (WrongPassphrase, AccountRevoked):
        # the server answers a wrong passphrase and a revoked account alike
        forwarding.report_failed_login(server, account, "passphrase")
        raise
    if earlier is not None:
        print("casuskamer: " + earlier.text(), file=sys.stderr)
    # The session step (the retention purge) reads every case's tables: on the server only
    # the roles that work on cases may (the grants), so theirs runs it for the whole house;
    # an administrator's command (users add, ...) leaves it to them (the one rule, shared
    # with the desktop program: app.services.unlocking.session_step).
    if exclusive:
        unlocking.session_step(opened)
    forwarding.send_before_lock(opened)  # the command's audit rows, before the key goes
    try:
        action = command_action(args)
        first_use.refuse_until_chosen(opened, action)
        access.check(opened, action, "vault", opened.vault_id)
    except Exception:
        opened.lock()
        raise
    print_account_notices(opened)
    return opened


def print_account_notices(opened: OpenVault) -> None:
    """The changes to the accounts this account has not seen yet, on stderr (recorded as
    seen, so the next command does not repeat them)."""
    try:
        notices = accounts.account_notices(opened)
    except CasuskamerError:
        return  # a notice, not a condition for the command
    if notices:
        print("casuskamer: " + _("Changes to the accounts since you last unlocked:"),
              file=sys.stderr)
        for notice in notices:
            print(f"  - {notice.text()}", file=sys.stderr)
