"""``users add|passwd|revoke|list|rekey``: accounts, their key slots and the data key."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from app.cli.common import add_vault_options, read_passphrase, unlock
from app.domain.roles import Permission, Role
from app.errors import ValidationError
from app.i18n import _
from app.services import accounts
from app.vault.vault import OpenVault

NEW_PASSPHRASE_ENV = "CASUSKAMER_NEW_PASSPHRASE"


def _new_passphrase(args: argparse.Namespace) -> str:
    if args.new_passphrase_file is not None or NEW_PASSPHRASE_ENV in os.environ:
        return read_passphrase(args, env=NEW_PASSPHRASE_ENV, file_attr="new_passphrase_file")
    if not sys.stdin or not sys.stdin.isatty():
        raise ValidationError(_("No new passphrase: give --new-passphrase-file or set {env}.")
                              .format(env=NEW_PASSPHRASE_ENV))
    first = getpass.getpass(_("New passphrase: "))
    if first != getpass.getpass(_("Repeat the passphrase: ")):
        raise ValidationError(_("The two passphrases differ."), field="passphrase")
    return first


def cmd_add(args: argparse.Namespace) -> int:
    opened = unlock(args)
    try:
        # The holder chooses their own passphrase at the first unlock (issue 17, point 4).
        accounts.add_account(opened, args.name, Role(args.role), _new_passphrase(args),
                             must_choose_passphrase=True)
    finally:
        opened.lock()
    print(_("Account {name} added with role {role}.").format(name=args.name,
                                                           role=Role(args.role).label))
    print(_("At the first unlock {name} must choose their own passphrase "
            "(casuskamer users passwd).").format(name=args.name))
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    opened = unlock(args)
    try:
        accounts.change_passphrase(opened, read_passphrase(args), _new_passphrase(args))
    finally:
        opened.lock()
    print(_("Passphrase changed for {name}.").format(name=opened.actor.account))
    return 0


def _key_change_line(change: accounts.KeyChange) -> str:
    if change.done:
        return _("The data key was changed; every remaining account keeps its passphrase.")
    return change.reason


def cmd_revoke(args: argparse.Namespace) -> int:
    from app.vault.server import is_server_profile

    owner_password = _server_owner_password(args, is_server_profile(args.vault))
    opened = unlock(args)
    try:
        opened.require(Permission.MANAGE_ACCOUNTS, "account", args.name)
        change = accounts.revoke_account(opened, args.name)
        print(_("Account {name} revoked.").format(name=args.name))
        if owner_password is None:
            print(_key_change_line(change))
            return 0
        # on the house server with --owner: the data key changes too, as in a vault folder
        rekeyed = _server_key_change(opened, args.owner, owner_password)
    finally:
        opened.lock()
    print(_rekeyed_line(rekeyed))
    return 0


def _server_owner_password(args: argparse.Namespace, on_server: bool) -> str | None:
    """The migration owner's password when ``--owner`` is given for a house server (asked
    before anything is unlocked); None without ``--owner``. ``--owner`` with a vault folder
    is refused."""
    from app.cli.vault_commands import _owner_password

    if args.owner is None:
        return None
    if not on_server:
        raise ValidationError(_("--owner is for the house server: a vault folder changes its "
                                "data key without it."), field="owner")
    if not args.owner:
        raise ValidationError(_("Name the migration owner's login on the server with --owner: "
                                "the data key of every sealed value is changed through it."),
                              field="owner")
    return _owner_password()


def _server_key_change(opened: OpenVault, owner: str, password: str) -> Any:
    """The house server's data key changed through the migration owner's login, with the
    count on stderr (every tenth)."""
    from app.vault import server_rekey

    shown = [-1]

    def progress(at: server_rekey.Progress) -> None:
        tenth = at.done * 10 // at.total if at.total else 10
        if tenth != shown[0]:
            shown[0] = tenth
            print(_("Sealed again: {done} of {total} rows.").format(
                done=at.done, total=at.total), file=sys.stderr)

    return server_rekey.change_data_key(opened, owner, password, progress)


def _rekeyed_line(change: Any) -> str:
    return _("The house server's data key was changed ({rows} rows, {accounts} key slots); "
             "every account keeps its passphrase. Other workstations must unlock again."
             ).format(rows=change.rows, accounts=change.accounts)


def cmd_rekey(args: argparse.Namespace) -> int:
    from app.vault.server import is_server_profile

    on_server = is_server_profile(args.vault)
    owner_password = _server_owner_password(args, on_server)
    if on_server and owner_password is None:
        raise ValidationError(_("Name the migration owner's login on the server with --owner: "
                                "the data key of every sealed value is changed through it."),
                              field="owner")
    opened = unlock(args)
    try:
        opened.require(Permission.MANAGE_ACCOUNTS, "vault", opened.vault_id)
        if owner_password is not None:
            rekeyed = _server_key_change(opened, args.owner, owner_password)
        else:
            change = accounts.change_data_key(opened)
    finally:
        opened.lock()
    if owner_password is not None:
        print(_rekeyed_line(rekeyed))
        return 0
    print(_key_change_line(change))
    return 0 if change.done else 1


def cmd_list(args: argparse.Namespace) -> int:
    opened = unlock(args)
    try:
        rows = accounts.list_accounts(opened)
    finally:
        opened.lock()
    for row in rows:
        state = (_("revoked {date}").format(date=row.revoked_at.date().isoformat())
                 if row.revoked_at else _("active"))
        if row.must_choose and not row.revoked_at:
            state += "; " + _("must choose own passphrase")
        print(f"{row.name}\t{row.role.value}\t{state}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    users = sub.add_parser("users", help=_("manage accounts"))
    verbs = users.add_subparsers(dest="verb", metavar="add|passwd|revoke|list|rekey",
                                 parser_class=type(users))
    verbs.required = True

    p = verbs.add_parser("add", help=_("add an account (administrators only)"))
    add_vault_options(p)
    p.add_argument("name", metavar="NAME", help=_("the new account's name"))
    p.add_argument("--role", required=True, choices=[r.value for r in Role],
                   help=_("the account's role"))
    p.add_argument("--new-passphrase-file", type=Path, default=None, metavar="FILE",
                   help=_("read the new account's first passphrase from FILE"))
    p.set_defaults(func=cmd_add)

    p = verbs.add_parser("passwd", help=_("change the passphrase of the account you unlock with"))
    add_vault_options(p)
    p.add_argument("--new-passphrase-file", type=Path, default=None, metavar="FILE",
                   help=_("read the new passphrase from the first line of FILE"))
    p.set_defaults(func=cmd_passwd)

    p = verbs.add_parser("revoke", help=_("revoke an account"))
    add_vault_options(p)
    p.add_argument("name", metavar="NAME", help=_("the account to revoke"))
    p.add_argument("--owner", default=None, metavar="LOGIN",
                   help=_("on the house server: also change the data key, through the "
                          "migration owner's login (its password from "
                          "CASUSKAMER_OWNER_PASSWORD or a prompt)"))
    p.set_defaults(func=cmd_revoke)

    p = verbs.add_parser("list", help=_("list the accounts"))
    add_vault_options(p)
    p.set_defaults(func=cmd_list)

    p = verbs.add_parser("rekey", help=_("give the vault a new data key (administrators "
                                         "only); passphrases stay as they are"))
    add_vault_options(p)
    p.add_argument("--owner", default=None, metavar="LOGIN",
                   help=_("on the house server: the migration owner's login, through which "
                          "every sealed value is sealed again (its password from "
                          "CASUSKAMER_OWNER_PASSWORD or a prompt)"))
    p.set_defaults(func=cmd_rekey)
