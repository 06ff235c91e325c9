"""Changing the house's data key on the house server (issue 22): ``casuskamer users rekey
--vault PROFILE --account ADMIN --owner LOGIN``.

As on a vault folder (``app.vault.rekey``) it is an administrator's action (the
``MANAGE_ACCOUNTS`` permission: the same role, checked the same way), and every account keeps
its passphrase. On the server a new random data key means:

- every sealed value and blind index of every table is opened under the old key and sealed
  again under the new one, on this workstation (``app.store.server_rekey_rows``), and so are
  the keyed-hash secrets in ``meta`` (their value stays: logged search hashes and review
  fingerprints keep matching);
- every account's key slot row gets the new key wrapped for the slot's public key (no
  passphrase is needed, as in ``SlotFile.rewrapped``); the old key is in no slot afterwards;
- the new key's check value goes into ``meta`` (``app.store.key_check``): every other
  session, on any workstation, still holding the old key is refused at its next statement
  and asked to unlock again (a writer that waited for the write lock meanwhile too);
- one ``vault.rekey`` audit row with result ``ok``, counts only.

All of it is ONE transaction on the server. The administrator's own role may not read the
case tables, so the statements run as the migration owner (``--owner``: its login's
password from ``CASUSKAMER_OWNER_PASSWORD`` or a prompt, as for ``upgrade``), as the owner
role, holding the write lock from its first statement: no other workstation writes
meanwhile (they wait; readers go on reading the old values). A failure, a refused statement
or a kill of the program part way rolls the transaction back: the old key stays the house's
key and every slot still opens it; the administrator's session then writes a
``vault.rekey`` row with result ``failed`` and the kind of failure (a class name).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from app import keymem
from app.domain.roles import Permission
from app.errors import PermissionDenied, VaultError
from app.i18n import _
from app.store import (audit, key_check, live, migrate, pg_roles, sealed,
                       server_admin_rows, server_logins, server_slots)
from app.store import server_rekey_rows as rows
from app.store import vault_meta
from app.store.field_crypto import FieldCipher
from app.vault import keyslots
from app.vault.keyslots import KeySlot
from app.vault.rekey import ACTION, ADMINISTRATOR
from app.vault.server import ServerOpenVault, ServerVault
from app.vault.server_admin import owner_transaction
from app.vault.vault import OpenVault


@dataclass(frozen=True)
class Progress:
    """How far the change is: rows of sealed values rewritten out of all of them."""

    done: int
    total: int


@dataclass(frozen=True)
class ServerKeyChange:
    """What the change did: the key's generation number and counts (nothing personal)."""

    generation: int
    rows: int
    secrets: int
    accounts: int


def change_data_key(opened: OpenVault, owner_user: str, owner_password: str,
                    progress: Callable[[Progress], None] | None = None) -> ServerKeyChange:
    """Give the house on the server a new data key (see the module's docstring): an
    administrator's action (``MANAGE_ACCOUNTS``, checked and a refusal audited here too).
    ``progress`` hears the count after each chunk (and may raise to stop: nothing is changed
    then). After it returns, ``opened`` holds the new key; every other session is refused at
    its next statement."""
    if not isinstance(opened, ServerOpenVault) or not isinstance(opened.vault, ServerVault):
        raise VaultError(_("This is the data-key change of the house server; a vault folder "
                           "changes its key itself."))
    opened.require(Permission.MANAGE_ACCOUNTS, "vault", opened.vault_id)
    profile = opened.vault.profile
    new_key = keymem.random_key(keyslots.DATA_KEY_BYTES)
    old_key = bytearray(opened.key_buffer())
    detail: dict[str, Any] = {"reason": ADMINISTRATOR, "server": True}
    try:
        try:
            change = _change(opened, profile, owner_user, owner_password, bytes(old_key),
                             new_key, progress, detail)
        except BaseException as exc:
            _log_failure(opened, detail, exc)
            raise
        # this session goes on with the new key (its next checkout is checked against it)
        opened.replace_key(new_key)
        sealed.attach(opened.engine, opened.key_buffer())
        opened.engine.dispose()
        return change
    finally:
        keymem.wipe(new_key)
        keymem.wipe(old_key)


def _change(opened: OpenVault, profile: Any, owner_user: str, owner_password: str,
            old: bytes, new_key: bytearray, progress: Callable[[Progress], None] | None,
            detail: dict[str, Any]) -> ServerKeyChange:
    new = bytes(new_key)
    with owner_transaction(profile, owner_user, owner_password) as conn:
        usable = server_admin_rows.may_use_schema(conn)
        prefix = server_logins.house_prefix(conn) if usable else pg_roles.PREFIX
        owner = pg_roles.owner_role(prefix)
        if not usable or not server_admin_rows.is_member_of(conn, owner):
            raise PermissionDenied(_(
                "The server role {user} is not the migration owner ({owner}): the data key "
                "is changed with the migration owner's login, which reads every table. "
                "Nothing was changed.").format(user=owner_user, owner=owner))
        if migrate.current_revision(conn) != migrate.head_revision():
            raise VaultError(_("The house server's schema is not at this program's version: "
                               "upgrade it first (casuskamer upgrade). Nothing was "
                               "changed."))
        server_logins.set_role(conn, owner)
        vault_id = server_admin_rows.vault_id(conn)
        current = vault_meta.value(conn, key_check.CHECK_KEY)
        if vault_id != opened.vault_id:
            raise VaultError(_("The migration owner's login reaches another house than the "
                               "one you unlocked. Nothing was changed."))
        if current is not None and current != key_check.check_value_of(old):
            raise key_check.DataKeyChanged()
        tables = rows.sealed_tables()
        total = sum(rows.row_count(conn, t) for t in tables)
        done = 0

        def counted(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(Progress(done, total))

        if progress is not None:
            progress(Progress(0, total))
        for table in tables:
            rows.reseal_table(conn, table, old, new, counted)
        secrets_count = rows.reseal_secrets(conn, old, new)
        accounts = 0
        for account, stored in server_slots.all_slots(conn):
            slot = KeySlot.from_json(json.loads(stored))
            server_slots.replace_slot(conn, account, json.dumps(
                keyslots.with_keys(vault_id, slot, [new_key]).to_json()))
            accounts += 1
        generation = vault_meta.key_generation(conn) + 1
        vault_meta.set_value(conn, vault_meta.GENERATION_KEY, str(generation))
        key_check.record(conn, FieldCipher(new))
        detail.update(generation=generation, accounts=accounts, rows=total,
                      secrets=secrets_count)
        audit.append(conn, actor=opened.actor.account, role=opened.actor.role.value,
                     entry=audit.AuditEntry(ACTION, "vault", vault_id, "ok", dict(detail)))
        announcements = live.attached(opened.engine)  # still the old key: others open it
        if announcements is not None and isinstance(opened, ServerOpenVault):
            live.announce_key_change(conn, announcements, opened.origin, generation)
        server_logins.reset_role(conn)
    return ServerKeyChange(generation, total, secrets_count, accounts)


def _log_failure(opened: OpenVault, detail: dict[str, Any], exc: BaseException) -> None:
    """The honest row of a change that was not made (the old key is still the house's):
    result ``failed`` and the kind of failure, best effort."""
    with suppress(Exception):
        opened.log_now(ACTION, "vault", opened.vault_id, "failed",
                       {**detail, "failure": type(exc).__name__})
