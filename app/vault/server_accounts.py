"""Accounts on the house server (issue 22, point 3): what ``users add``, ``users passwd`` and
``users revoke`` (and the program's Accounts screen, through the same service,
``app.services.accounts``) do on the server instead of writing ``keyslots.json``.

- adding an account makes its own LOGIN role in its program role's group, with the SCRAM
  verifier computed on the workstation (the server never gets the secret), and its key slot
  row, in the same transaction as its ``accounts`` row and audit row;
- revoking drops that login and deletes its slot row in the revocation's transaction and
  ends the login's open sessions: the account can no longer log in, and a session of it
  still open is refused at its next statement (it cannot log in again);
- changing one's own passphrase sets one's own login's verifier (PostgreSQL lets a role set
  its own password) and replaces one's own slot row (row-level security: only one's own).

An administrator's login may not create roles (that would let it make itself a member of
the owner and switch the audit log's triggers off). The two role statements therefore run
in two SECURITY DEFINER functions owned by a NOLOGIN role ``<prefix>_account_maker`` that
may create roles and nothing else; they check their arguments (a login name of the
program's form, a SCRAM verifier, one of the program's groups) and only the administrators'
group may execute them. :func:`maker_statements` makes them (``create_house``, and
``upgrade`` for a house made before them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from sqlalchemy import Connection

from app import keymem
from app.domain.roles import Role
from app.errors import VaultError
from app.i18n import _
from app.store import engine as server_engine, pg_roles, server_logins, server_slots
from app.store.field_crypto import scram_verifier
from app.store.pg_accounts import VERIFIER_PATTERN
from app.store.profile import ServerProfile
from app.vault.keyslots import KeySlot
from app.vault.vault import OpenVault

#: The role prefix of the house a connection is in (its SQL is in ``app.store``).
house_prefix = server_logins.house_prefix


def _profile(vault: OpenVault) -> ServerProfile:
    from app.vault.server import ServerVault

    assert isinstance(vault.vault, ServerVault)
    return vault.vault.profile


@dataclass(frozen=True)
class NewLogin:
    """An account's login role, SCRAM verifier, key slot and login secret for a passphrase."""

    login: str
    verifier: str
    slot: KeySlot
    secret: str = field(repr=False)


def new_login(vault: OpenVault, name: str, passphrase: str) -> NewLogin:
    """What the server keeps of ``name`` with ``passphrase`` (one Argon2id derivation, made
    before the transaction so that the write lock is not held through it)."""
    from app.vault.server import _seal, _unlock_keys

    profile = _profile(vault)
    keys = _unlock_keys(profile, name, passphrase)
    slot = _seal(vault.vault_id, name, keys.slot_key, vault.key_buffer(), profile)
    verifier = scram_verifier(keys.login_secret)
    if not re.fullmatch(VERIFIER_PATTERN, verifier):
        raise ValueError("not a SCRAM-SHA-256 verifier")
    return NewLogin(server_engine.login_role(profile, name), verifier, slot,
                    keys.login_secret)


def add_login(conn: Connection, name: str, role: Role, made: NewLogin) -> None:
    """Inside the adding transaction: the login role and the slot row of ``name``."""
    prefix = house_prefix(conn)
    if server_logins.role_exists(conn, made.login):
        raise VaultError(_("The server already has a login for an account named {name}; "
                           "ask the server's administrator.").format(name=name))
    server_logins.add_login(conn, prefix, made.login, made.verifier,
                            pg_roles.group_role(role, prefix))
    server_slots.add_slot(conn, name, made.login, role.value, json.dumps(made.slot.to_json()))


def drop_login(conn: Connection, vault: OpenVault, name: str) -> None:
    """Inside the revocation's transaction: the login role and the slot row of ``name``."""
    prefix = house_prefix(conn)
    login = server_slots.remove_slot(conn, name)
    if login is None:
        login = server_engine.login_role(_profile(vault), name)
    if server_logins.role_exists(conn, login):
        server_logins.drop_login(conn, prefix, login)


def change_own_login(conn: Connection, vault: OpenVault, made: NewLogin) -> None:
    """Inside the passphrase change's transaction: one's own verifier and slot row."""
    server_logins.set_own_verifier(conn, made.login, made.verifier)
    server_slots.replace_slot(conn, vault.actor.account, json.dumps(made.slot.to_json()))


def on_server(vault: OpenVault) -> bool:
    """Whether ``vault`` is a session on the house server (its accounts are login roles)."""
    from app.vault.server import ServerOpenVault

    return isinstance(vault, ServerOpenVault)


def check_own_passphrase(vault: OpenVault, passphrase: str) -> None:
    """``WrongPassphrase`` unless ``passphrase`` opens the session's own key slot."""
    from app.vault.server import _open, _unlock_keys

    keys = _unlock_keys(_profile(vault), vault.actor.account, passphrase)
    with vault.read() as conn:
        row = server_slots.slot_of(conn, vault.actor.account)
    if row is None:
        raise VaultError(_("This account has no key slot."))
    for key in _open(vault.vault_id, KeySlot.from_json(json.loads(str(row))), keys.slot_key):
        keymem.wipe(key)


def use_new_secret(vault: OpenVault, made: NewLogin) -> None:
    """After the commit: the session's new connections log in with the new secret."""
    from app.vault.server import ServerOpenVault

    if isinstance(vault, ServerOpenVault) and vault.login_secret is not None:
        vault.login_secret.replace(made.secret)
