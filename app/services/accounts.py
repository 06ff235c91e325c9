"""Accounts: add (admin only), change one's own passphrase, revoke, list; and changing the
vault's data key (admin only).

Each change touches one key slot in the slot file and one row in ``accounts``, and is
audited. Adding an account or changing a passphrase writes the slot file inside the database
transaction, just before its commit, so that a failure leaves neither (a slot whose row
never committed is removed at the next unlock). A revocation writes the slot file only after
its row has committed (``OpenVault.write_slots_after_commit``): should that write fail, the
revoked slot stays in the file but unlocks nothing through the program, the data-key change
leaves it out, and the next unlock removes it.

Revoking an account also changes the data key (``app.vault.rekey``): the database is
re-encrypted under a new random key that only the remaining accounts' slots receive, so the
revoked passphrase opens nothing in use, even with an old copy of ``keyslots.json``. The
request is recorded with the revocation; if the change cannot be made at once (another
program has the database open), the next unlock that holds the vault makes it.

First use (issue 17, point 4): an account the administrator adds through the program or the
command line (``must_choose_passphrase=True``) must choose its own passphrase before it can
do anything else; the mark is read from the audit log (``app.vault.first_use``) and cleared
only by the account's own ``change_passphrase``. Adding and revoking an account (and a
change of role, should one be added: action ``account.role``) reach every process director
and administrator at their next unlock as notices (:func:`account_notices`), and seeing them
is audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from app.domain.accounts import check_account_name
from app.domain.passphrase import check_passphrase
from app.domain.roles import Permission, Role
from app.errors import NotFound, ValidationError, VaultInUse, WriteFailed
from app.i18n import _
from app.store import audit
from app.formatting import format_moment
from app.store import accounts as account_rows
from app.store import settings
from app.store import vault_meta
from app.vault import first_use, keyslots, rekey, server_accounts
from app.vault.vault import OpenVault, record_slot_key, slot_key_name, utcnow
from app.vault.access import entry_point


@dataclass(frozen=True)
class AccountInfo:
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None
    #: Someone else set the passphrase; the holder must choose their own before working.
    must_choose: bool = False


@entry_point
def list_accounts(vault: OpenVault) -> list[AccountInfo]:
    vault.require(Permission.MANAGE_ACCOUNTS, "account")
    with vault.read() as conn:
        rows = account_rows.rows(conn)
        return [AccountInfo(r["name"], Role(r["role"]), r["created_at"], r["revoked_at"],
                            bool(first_use.passphrase_set_by(conn, r["name"])))
                for r in rows]


@entry_point
def add_account(vault: OpenVault, name: str, role: Role, passphrase: str,
                kdf: keyslots.KdfParams | None = None, *,
                must_choose_passphrase: bool = False, demo: bool = False) -> None:
    """Add ``name`` with ``role`` and the first ``passphrase``.

    ``must_choose_passphrase``: the holder must choose their own passphrase at the first
    unlock (the command line's ``users add`` and the program's Accounts dialog always ask
    for it; the demo, whose accounts share a published passphrase, does not). It is recorded
    in the ``account.add`` row's detail, where ``app.vault.first_use`` reads it.
    """
    vault.require(Permission.MANAGE_ACCOUNTS, "account", name)
    check_account_name(name)
    check_passphrase(passphrase, name, demo=demo)  # demo: only the demo vault's builder
    if server_accounts.on_server(vault):  # the house server: a login role and a slot row
        made = server_accounts.new_login(vault, name, passphrase)
        with vault.begin() as conn:
            if account_rows.exists(conn, name):
                raise ValidationError(_("There is already an account named {name}.")
                                      .format(name=name), field="account")
            account_rows.insert_account(conn, {"name": name, "role": role.value,
                                               "created_at": utcnow(),
                                               "created_by": vault.actor.account})
            vault.log(conn, first_use.ADD, "account", name,
                      detail=_add_detail(vault, name, role, must_choose_passphrase))
            server_accounts.add_login(conn, name, role, made)
            record_slot_key(conn, made.slot)
        return
    slots = vault.vault.slot_file()
    with vault.begin() as conn:
        if account_rows.exists(conn, name) or slots.find(name) is not None:
            raise ValidationError(_("There is already an account named {name}.")
                                  .format(name=name), field="account")
        account_rows.insert_account(conn, {"name": name, "role": role.value,
                                           "created_at": utcnow(),
                                           "created_by": vault.actor.account})
        vault.log(conn, first_use.ADD, "account", name,
                  detail=_add_detail(vault, name, role, must_choose_passphrase))
        slot = keyslots.seal(vault.vault_id, name, passphrase, vault.key_buffer(),
                             kdf or keyslots.calibrate())
        record_slot_key(conn, slot)
        slots.replace(slot, role=role.value)
        # Written inside the transaction: if writing fails, the row is rolled back too.
        slots.write(vault.vault.slots_path)


def _add_detail(vault: OpenVault, name: str, role: Role,
                must_choose: bool) -> dict[str, object]:
    detail: dict[str, object] = {"role": role.value}
    if must_choose and name != vault.actor.account:
        detail[first_use.MUST_CHOOSE] = True
    return detail


@entry_point
def change_passphrase(vault: OpenVault, current: str, new: str,
                      kdf: keyslots.KdfParams | None = None) -> None:
    """Change the unlocked account's own passphrase (the current one is asked again).

    For an account whose passphrase an administrator set this is its first use: the mark
    goes (the ``account.passwd`` row says ``first_use``) and the account may work."""
    name = vault.actor.account
    check_passphrase(new, name)
    if new == current:
        raise ValidationError(_("The new passphrase is the same as the current one."),
                              field="passphrase")
    if server_accounts.on_server(vault):
        server_accounts.check_own_passphrase(vault, current)  # raises WrongPassphrase
        made = server_accounts.new_login(vault, name, new)
        with vault.begin() as conn:
            account_rows.update_account(conn, name, {"passphrase_changed_at": utcnow()})
            vault.log(conn, first_use.PASSWD, "account", name,
                      detail={"first_use": True} if vault.passphrase_set_by else None)
            server_accounts.change_own_login(conn, vault, made)
            record_slot_key(conn, made.slot)
        server_accounts.use_new_secret(vault, made)
        vault.passphrase_set_by = ""
        return
    slots = vault.vault.slot_file()
    slot = slots.find(name)
    if slot is None:
        raise NotFound(_("This account has no key slot."))
    keyslots.check_passphrase(slots.vault_id, slot, current)  # raises WrongPassphrase
    fresh = keyslots.seal(vault.vault_id, name, new, vault.key_buffer(),
                          kdf or keyslots.calibrate())
    # The slot file and the database cannot change in one step: the new public key is
    # announced first, so a crash after the file was written and before the commit leaves
    # a slot the vault still trusts (settled at the next exclusive unlock), not one that
    # looks altered and blocks every later change of the data key.
    with vault.begin() as conn:
        # an earlier attempt of this session that reached the file and not its commit is
        # settled first (its key announced, in the file): only then is the next announced
        if rekey.settle_announced(conn, slot, vault_meta.recorded_slot_keys(conn)):
            vault.log(conn, rekey.SLOT_SETTLED, "account", name)
        vault_meta.announce_slot_key(conn, name, fresh.public_key)
    with vault.begin() as conn:
        account_rows.update_account(conn, name, {"passphrase_changed_at": utcnow()})
        vault.log(conn, first_use.PASSWD, "account", name,
                  detail={"first_use": True} if vault.passphrase_set_by else None)
        record_slot_key(conn, fresh)
        vault_meta.drop_announced_slot_key(conn, name)
        slots.replace(fresh)
        slots.write(vault.vault.slots_path, forget_previous=True)
    vault.passphrase_set_by = ""


@dataclass(frozen=True)
class KeyChange:
    """What became of the data key after a revocation or an administrator's change."""

    #: the data key was changed now (its generation number), or 0 when it is still to come
    generation: int
    #: why it is still to come: accounts with an older slot, or another program holding it
    waiting_for: tuple[str, ...] = ()
    reason: str = ""

    @property
    def done(self) -> bool:
        return self.generation > 0


def _change_key(vault: OpenVault, why: str) -> KeyChange:
    try:
        return KeyChange(rekey.change_data_key(vault, why))
    except rekey.KeyChangeWaiting as exc:
        return KeyChange(0, tuple(exc.accounts), str(exc))
    except (VaultInUse, WriteFailed) as exc:  # a full disk: still to come, with the reason
        return KeyChange(0, (), str(exc))


@entry_point
def change_data_key(vault: OpenVault) -> KeyChange:
    """An administrator's action: give the vault a new data key (every account keeps its
    passphrase; copies of the vault and of ``keyslots.json`` made before stay on the old
    key)."""
    vault.require(Permission.MANAGE_ACCOUNTS, "vault", vault.vault_id)
    if not vault.holds_folder_lock:
        raise VaultInUse(_("The data key can only be changed while holding the vault."))
    return _change_key(vault, rekey.ADMINISTRATOR)


@entry_point
def revoke_account(vault: OpenVault, name: str) -> KeyChange:
    """Revoke ``name``: its row is marked, its slot goes, and the data key changes."""
    vault.require(Permission.MANAGE_ACCOUNTS, "account", name)
    if name == vault.actor.account:
        raise ValidationError(_("You cannot revoke the account you are using."),
                              field="account")
    server = server_accounts.on_server(vault)
    slots = None if server else vault.vault.slot_file()
    with vault.begin() as conn:
        row = account_rows.row(conn, name)
        if row is None:
            raise NotFound(_("There is no account named {name}.").format(name=name))
        if row["revoked_at"] is not None:
            raise ValidationError(_("The account {name} is already revoked.")
                                  .format(name=name), field="account")
        if row["role"] == Role.ADMIN.value:
            admins = account_rows.active_with_role(conn, Role.ADMIN.value)
            if len(admins) <= 1:
                raise ValidationError(_("The last administrator cannot be revoked."),
                                      field="account")
        account_rows.update_account(conn, name, {"revoked_at": utcnow(),
                                                 "revoked_by": vault.actor.account})
        vault.log(conn, "account.revoke", "account", name, detail={"role": row["role"]})
        settings.remove(conn, slot_key_name(name))
        if slots is None:  # the house server: its login and slot row go in this transaction
            server_accounts.drop_login(conn, vault, name)
            return KeyChange(0, (), _(
                "On the house server the data key stays as it is: the account's login and "
                "key slot are gone, so it can no longer reach the server."))
        # Recorded with the revocation: if the program stops before the key is changed,
        # the next unlock that holds the vault changes it.
        rekey.request(conn, rekey.REVOCATION)
        slots.remove(name, audit.utc_now_iso())
        vault.write_slots_after_commit(slots)
    return _change_key(vault, rekey.REVOCATION)


# -- notices of changes to the accounts ------------------------------------------------------

#: The audit actions that are shown as notices: an account added, revoked, its role changed
#: (no service changes a role today; a future one logs ``account.role`` with ``from`` and
#: ``to`` in the detail and is shown without a change here).
NOTICE_ACTIONS = ("account.add", "account.revoke", "account.role")
#: Who is told: the roles that can see case substance or manage the accounts.
NOTICE_ROLES = frozenset({Role.PROCESS_DIRECTOR, Role.ADMIN})
SEEN_ACTION = "account.notices_seen"


@dataclass(frozen=True)
class AccountNotice:
    """One change to the accounts, as the audit log recorded it."""

    row_id: int
    action: str
    account: str
    by: str
    #: the moment as logged (ISO 8601, UTC)
    at: str
    role: Role | None = None
    #: for a change of role: the role before
    old_role: Role | None = None

    def text(self) -> str:
        """One line in the user's language, the moment in local time."""
        role = self.role.label.lower() if self.role else "?"
        when = format_moment(self.at)
        if self.action == "account.add":
            return _("New account {account} ({role}), created by {by} on {when}").format(
                account=self.account, role=role, by=self.by, when=when)
        if self.action == "account.revoke":
            return _("Account {account} ({role}) revoked by {by} on {when}").format(
                account=self.account, role=role, by=self.by, when=when)
        old = self.old_role.label.lower() if self.old_role else "?"
        return _("Role of account {account} changed from {old} to {role} by {by} on "
                 "{when}").format(account=self.account, old=old, role=role, by=self.by,
                                  when=when)


def _role(value: object) -> Role | None:
    try:
        return Role(str(value))
    except ValueError:
        return None


def _seen_up_to(conn: Connection, name: str) -> int:
    """The audit row up to which ``name`` has seen the notices: the ``up_to`` of its last
    ``seen`` row, else the row that added it (what came before is no news to a new
    account)."""
    seen = account_rows.last_row_of(conn, SEEN_ACTION, name)
    if seen is not None:
        seen_id, detail = seen
        try:
            return int(json.loads(detail or "{}")["up_to"])
        except (ValueError, KeyError, TypeError):
            return seen_id
    return account_rows.last_added(conn, name) or 0


@entry_point
def account_notices(vault: OpenVault) -> list[AccountNotice]:
    """The changes to the accounts since the unlocked account last saw them (accounts
    created, revoked, roles changed; one's own doing left out), oldest first, and record
    that it has now seen them (audited: ``account.notices_seen`` with their number).

    Only process directors and administrators are told; for the other roles the list is
    empty and nothing is recorded. The command line and the program call this once after
    each unlock.
    """
    me = vault.actor.account
    if vault.actor.role not in NOTICE_ROLES:
        return []
    with vault.read() as conn:  # no write lock unless there is something to record
        since = _seen_up_to(conn, me)
        rows = account_rows.changes_since(conn, NOTICE_ACTIONS, since, me)
        notices: list[AccountNotice] = []
        for row in rows:
            try:
                detail = json.loads(row["detail"] or "{}")
            except ValueError:
                detail = {}
            if not isinstance(detail, dict):
                detail = {}
            notices.append(AccountNotice(
                int(row["id"]), str(row["action"]), str(row["object_id"]), str(row["actor"]),
                str(row["at"]), _role(detail.get("to", detail.get("role"))),
                _role(detail.get("from"))))
    if notices:
        vault.log_now(SEEN_ACTION, "account", me,
                      detail={"count": len(notices), "up_to": notices[-1].row_id})
    return notices
