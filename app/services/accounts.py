"""Accounts: add (admin only), change one's own passphrase, revoke, list.

Each change touches one key slot in the slot file and one row in ``accounts``, and is
audited. The slot file is written only after the database transaction succeeded... except
for adding, where the slot is written first and the row second inside the same guarded
block, so that a failure leaves neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.domain.accounts import check_account_name
from app.domain.passphrase import check_passphrase
from app.domain.roles import Permission, Role
from app.errors import NotFound, ValidationError
from app.i18n import _
from app.store import audit
from app.store.tables import accounts
from app.vault import keyslots
from app.vault.vault import OpenVault, utcnow


@dataclass(frozen=True)
class AccountInfo:
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


def list_accounts(vault: OpenVault) -> list[AccountInfo]:
    vault.require(Permission.MANAGE_ACCOUNTS, "account")
    with vault.read() as conn:
        rows = conn.execute(select(accounts).order_by(accounts.c.id)).mappings().all()
    return [AccountInfo(r["name"], Role(r["role"]), r["created_at"], r["revoked_at"])
            for r in rows]


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
        slot = keyslots.seal(vault.vault_id, name, passphrase, vault.data_key,
                             kdf or keyslots.calibrate())
        slots.replace(slot, role=role.value)
        # Written inside the transaction: if writing fails, the row is rolled back too.
        slots.write(vault.vault.slots_path)


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
    keyslots.open_slot(slots.vault_id, slot, current)  # raises WrongPassphrase
    with vault.begin() as conn:
        conn.execute(accounts.update().where(accounts.c.name == name)
                     .values(passphrase_changed_at=utcnow()))
        vault.log(conn, "account.passwd", "account", name)
        slots.replace(keyslots.seal(vault.vault_id, name, new, vault.data_key,
                                    kdf or keyslots.calibrate()))
        slots.write(vault.vault.slots_path, forget_previous=True)


def revoke_account(vault: OpenVault, name: str) -> None:
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
        slots.remove(name, audit.utc_now_iso())
        slots.write(vault.vault.slots_path, forget_previous=True)
