"""Accounts: add (admin only), change one's own passphrase, revoke, list; and changing the
vault's data key (admin only).

Each change touches one key slot in the slot file and one row in ``accounts``, and is
audited. The slot file is written inside the database transaction, just before its commit,
so that a failure leaves neither (a slot whose row never committed is removed at the next
unlock).

Revoking an account also changes the data key (``app.vault.rekey``): the database is
re-encrypted under a new random key that only the remaining accounts' slots receive, so the
revoked passphrase opens nothing in use, even with an old copy of ``keyslots.json``. The
request is recorded with the revocation; if the change cannot be made at once (another
program has the database open), the next unlock that holds the vault makes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.domain.accounts import check_account_name
from app.domain.passphrase import check_passphrase
from app.domain.roles import Permission, Role
from app.errors import NotFound, ValidationError, VaultInUse
from app.i18n import _
from app.store import audit
from app.store.tables import accounts
from app.vault import keyslots, rekey
from app.vault.vault import OpenVault, record_slot_key, slot_key_name, utcnow
from app.store.tables import meta
from app.vault.access import entry_point


@dataclass(frozen=True)
class AccountInfo:
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


@entry_point
def list_accounts(vault: OpenVault) -> list[AccountInfo]:
    vault.require(Permission.MANAGE_ACCOUNTS, "account")
    with vault.read() as conn:
        rows = conn.execute(select(accounts).order_by(accounts.c.id)).mappings().all()
    return [AccountInfo(r["name"], Role(r["role"]), r["created_at"], r["revoked_at"])
            for r in rows]


@entry_point
def add_account(vault: OpenVault, name: str, role: Role, passphrase: str,
                kdf: keyslots.KdfParams | None = None) -> None:
    vault.require(Permission.MANAGE_ACCOUNTS, "account", name)
    check_account_name(name)
    check_passphrase(passphrase, name)
    slots = vault.vault.slot_file()
    with vault.begin() as conn:
        existing = conn.execute(select(accounts.c.id).where(accounts.c.name == name)).first()
        if existing is not None or slots.find(name) is not None:
            raise ValidationError(_("There is already an account named {name}.")
                                  .format(name=name), field="account")
        conn.execute(accounts.insert().values(name=name, role=role.value, created_at=utcnow(),
                                              created_by=vault.actor.account))
        vault.log(conn, "account.add", "account", name, detail={"role": role.value})
        slot = keyslots.seal(vault.vault_id, name, passphrase, vault.key_buffer(),
                             kdf or keyslots.calibrate())
        record_slot_key(conn, slot)
        slots.replace(slot, role=role.value)
        # Written inside the transaction: if writing fails, the row is rolled back too.
        slots.write(vault.vault.slots_path)


@entry_point
def change_passphrase(vault: OpenVault, current: str, new: str,
                      kdf: keyslots.KdfParams | None = None) -> None:
    """Change the unlocked account's own passphrase (the current one is asked again)."""
    name = vault.actor.account
    check_passphrase(new, name)
    if new == current:
        raise ValidationError(_("The new passphrase is the same as the current one."),
                              field="passphrase")
    slots = vault.vault.slot_file()
    slot = slots.find(name)
    if slot is None:
        raise NotFound(_("This account has no key slot."))
    keyslots.check_passphrase(slots.vault_id, slot, current)  # raises WrongPassphrase
    with vault.begin() as conn:
        conn.execute(accounts.update().where(accounts.c.name == name)
                     .values(passphrase_changed_at=utcnow()))
        vault.log(conn, "account.passwd", "account", name)
        fresh = keyslots.seal(vault.vault_id, name, new, vault.key_buffer(),
                              kdf or keyslots.calibrate())
        record_slot_key(conn, fresh)
        slots.replace(fresh)
        slots.write(vault.vault.slots_path, forget_previous=True)


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
    except VaultInUse as exc:
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
    slots = vault.vault.slot_file()
    with vault.begin() as conn:
        row = conn.execute(select(accounts).where(accounts.c.name == name)).mappings().first()
        if row is None:
            raise NotFound(_("There is no account named {name}.").format(name=name))
        if row["revoked_at"] is not None:
            raise ValidationError(_("The account {name} is already revoked.")
                                  .format(name=name), field="account")
        if row["role"] == Role.ADMIN.value:
            admins = conn.execute(select(accounts.c.name).where(
                accounts.c.role == Role.ADMIN.value, accounts.c.revoked_at.is_(None))).all()
            if len(admins) <= 1:
                raise ValidationError(_("The last administrator cannot be revoked."),
                                      field="account")
        conn.execute(accounts.update().where(accounts.c.name == name)
                     .values(revoked_at=utcnow(), revoked_by=vault.actor.account))
        vault.log(conn, "account.revoke", "account", name)
        conn.execute(meta.delete().where(meta.c.key == slot_key_name(name)))
        # Recorded with the revocation: if the program stops before the key is changed,
        # the next unlock that holds the vault changes it.
        rekey.request(conn, rekey.REVOCATION)
        slots.remove(name, audit.utc_now_iso())
        slots.write(vault.vault.slots_path, forget_previous=True)
    return _change_key(vault, rekey.REVOCATION)
