"""First use: an account whose passphrase someone else set chooses its own before anything
else (issue 17, point 4).

An administrator who adds an account types its first passphrase, so the administrator knows
it. Until the account's holder has chosen a passphrase of their own, the account is *marked*:
the command line refuses every command it unlocks for except ``casuskamer users passwd``,
and the program shows nothing but the choice of a new passphrase.

Where the mark lives: nowhere of its own. It is read from the vault's hash-chained audit log
(whose head is also forwarded to the house's central log): the account is marked when the
newest row that set its passphrase is an ``account.add`` written by another account with
``must_choose`` in its detail (``app.services.accounts.add_account``), and no
``account.passwd`` of the account itself followed. An administrator therefore cannot clear
the mark quietly: there is no flag to flip, only a row to append (which only the account's
own passphrase change writes) or the chain to break (which ``casuskamer verify`` and the
central log's rollback check report). The key-slot file holds no copy of it: that file lies
outside the database and the chain, anyone with the folder can edit it, and it is not
needed, since the mark is read right after the unlock, before anything else is done.
A mark in the slot's sealed data would not help either: the administrator who set the
passphrase can open and reseal that slot at will.

The mark is read once per unlock (``OpenVault.after_unlock``) from the audit log's action
index (accounts are added and passphrases changed rarely, so the rows read are few).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from app.errors import PermissionDenied
from app.i18n import _
from app.store import vault_meta

if TYPE_CHECKING:  # pragma: no cover
    from app.vault.vault import OpenVault

#: The audit actions that set an account's passphrase.
ADD = "account.add"
PASSWD = "account.passwd"
#: The detail key of an ``account.add`` row: the holder must choose their own passphrase.
MUST_CHOOSE = "must_choose"
#: The command that stays open to a marked account.
PASSWD_COMMAND = "casuskamer users passwd"


def passphrase_set_by(conn: Connection, account: str) -> str:
    """The account that set ``account``'s passphrase, when that was someone else and the
    holder has not chosen their own since; empty when the account chose its own."""
    newest = vault_meta.newest_passphrase_row(conn, account, (ADD, PASSWD))
    if newest is None:
        return ""
    action, actor, detail = newest
    if action != ADD or actor == account:
        return ""
    return actor if detail.get(MUST_CHOOSE) else ""


def how_to_choose(opened: OpenVault) -> str:
    """One line: whose passphrase this is and the command that sets one's own."""
    return _("The passphrase of {account} was set by {by}; choose your own first: "
             "casuskamer users passwd --vault {folder} --account {account} (the new "
             "passphrase from the prompt, --new-passphrase-file FILE or {env}).").format(
        account=opened.actor.account, by=opened.passphrase_set_by,
        folder=getattr(opened.vault, "profile_path", None) or opened.vault.folder,
        env="CASUSKAMER_NEW_PASSPHRASE")  # a house server's profile, else the folder


def note_refused(opened: OpenVault, action: str) -> None:
    """Audit that ``action`` was withheld until the account chooses its own passphrase."""
    opened.log_now("denied", "account", opened.actor.account, "denied",
                   {"action": action, "reason": "must choose own passphrase"})


def refuse_until_chosen(opened: OpenVault, action: str) -> None:
    """Refuse ``action`` (audited, one line) while the unlocked account is marked; the
    command that chooses the passphrase itself is let through."""
    if not opened.passphrase_set_by or action == PASSWD_COMMAND:
        return
    note_refused(opened, action)
    raise PermissionDenied(how_to_choose(opened))
