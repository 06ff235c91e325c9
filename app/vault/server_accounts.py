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

from sqlalchemy import Connection, text

from app import keymem
from app.domain.roles import Role
from app.errors import VaultError
from app.i18n import _
from app.store import engine as server_engine, pg_roles
from app.store.field_crypto import scram_verifier
from app.store.profile import ServerProfile
from app.vault.keyslots import KeySlot
from app.vault.vault import OpenVault

#: The key in ``meta`` that names the house's role prefix (``create_house`` records it).
PREFIX_KEY = "server_role_prefix"
#: A login role name as ``app.store.engine.login_role`` makes them.
LOGIN_PATTERN = f"^{server_engine.LOGIN_PREFIX}_[0-9a-f]{{10}}_[a-z0-9_]{{1,32}}$"
VERIFIER_PATTERN = r"^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$"


def maker_role(prefix: str = pg_roles.PREFIX) -> str:
    return pg_roles.ident(f"{prefix}_account_maker")


def add_function(prefix: str = pg_roles.PREFIX) -> str:
    return pg_roles.ident(f"{prefix}_add_login")


def drop_function(prefix: str = pg_roles.PREFIX) -> str:
    return pg_roles.ident(f"{prefix}_drop_login")


def maker_statements(prefix: str = pg_roles.PREFIX) -> list[str]:
    """The account maker and its two functions (idempotent: ``upgrade`` runs them again).
    Run by the migration owner's login, which may create roles."""
    maker = maker_role(prefix)
    admin = pg_roles.group_role(Role.ADMIN, prefix)
    groups = [pg_roles.group_role(r, prefix) for r in Role]
    group_list = ", ".join(f"'{g}'" for g in groups)
    add, drop = add_function(prefix), drop_function(prefix)
    return [
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
        f"'{maker}') THEN CREATE ROLE {maker} NOLOGIN CREATEROLE; END IF; END $$",
        # PostgreSQL 16 asks a role-maker to hold the groups it grants WITH ADMIN OPTION
        f"GRANT {', '.join(groups)} TO {maker} WITH ADMIN OPTION",
        f"GRANT {maker} TO CURRENT_USER",
        f"""CREATE OR REPLACE FUNCTION public.{add}(login text, verifier text, grp text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $f$
BEGIN
  IF login !~ '{LOGIN_PATTERN}' THEN
    RAISE EXCEPTION 'not a login of the program' USING ERRCODE = '22023';
  END IF;
  IF verifier !~ '{VERIFIER_PATTERN}' THEN
    RAISE EXCEPTION 'not a SCRAM-SHA-256 verifier' USING ERRCODE = '22023';
  END IF;
  IF grp NOT IN ({group_list}) THEN
    RAISE EXCEPTION 'not a group of the program' USING ERRCODE = '22023';
  END IF;
  EXECUTE 'CREATE ROLE ' || quote_ident(login) || ' LOGIN PASSWORD '
    || quote_literal(verifier);
  EXECUTE 'GRANT ' || quote_ident(grp) || ' TO ' || quote_ident(login);
END $f$""",
        f"""CREATE OR REPLACE FUNCTION public.{drop}(login text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $f$
BEGIN
  IF login !~ '{LOGIN_PATTERN}' OR NOT EXISTS (
      SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
      JOIN pg_roles r ON r.oid = m.member
      WHERE r.rolname = login AND r.rolcanlogin AND NOT r.rolsuper
        AND g.rolname IN ({group_list})) THEN
    RAISE EXCEPTION 'not a login of the program' USING ERRCODE = '22023';
  END IF;
  -- its sessions still open end now (the maker may end only what it is a member of)
  EXECUTE 'GRANT ' || quote_ident(login) || ' TO ' || quote_ident(current_user);
  PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity a WHERE a.usename = login;
  EXECUTE 'DROP ROLE ' || quote_ident(login);
END $f$""",
        f"ALTER FUNCTION public.{add}(text, text, text) OWNER TO {maker}",
        f"ALTER FUNCTION public.{drop}(text) OWNER TO {maker}",
        f"REVOKE ALL ON FUNCTION public.{add}(text, text, text) FROM PUBLIC",
        f"REVOKE ALL ON FUNCTION public.{drop}(text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION public.{add}(text, text, text) TO {admin}",
        f"GRANT EXECUTE ON FUNCTION public.{drop}(text) TO {admin}",
    ]


def own_slot_statements(prefix: str = pg_roles.PREFIX) -> list[str]:
    """What every login may change of its own account when it changes its passphrase, and
    nothing else: its own key slot row, the time of the change in its own ``accounts`` row,
    and the recorded public key of its own slot in ``meta`` (idempotent)."""
    from app.store.vault_meta import SLOT_KEY_PREFIX
    from app.vault.server import KEY_SLOTS_TABLE

    everyone = ", ".join(pg_roles.group_role(r, prefix) for r in Role)
    own = f"(SELECT k.account FROM {KEY_SLOTS_TABLE} k WHERE k.login_role = current_user)"
    own_key = f"key = '{SLOT_KEY_PREFIX}' || {own}"

    def policy(name: str, table: str, body: str) -> str:
        return ("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = "
                f"'{table}' AND policyname = '{name}') THEN CREATE POLICY {name} ON {table} "
                f"{body}; END IF; END $$")

    return [
        f"GRANT UPDATE (slot) ON TABLE {KEY_SLOTS_TABLE} TO {everyone}",
        policy("own_slot_update", KEY_SLOTS_TABLE, "FOR UPDATE USING (login_role = "
               "current_user) WITH CHECK (login_role = current_user)"),
        f"GRANT UPDATE (passphrase_changed_at) ON TABLE accounts TO {everyone}",
        policy("own_account_update", "accounts",
               f"FOR UPDATE USING (name = {own}) WITH CHECK (name = {own})"),
        f"GRANT INSERT, DELETE ON TABLE meta TO {everyone}",
        policy("own_slot_key_insert", "meta", f"FOR INSERT WITH CHECK ({own_key})"),
        policy("own_slot_key_delete", "meta", f"FOR DELETE USING ({own_key})"),
    ]


def house_prefix(conn: Connection) -> str:
    """The role prefix of the house this connection is in."""
    value = conn.execute(text("SELECT value FROM meta WHERE key = :k"),
                         {"k": PREFIX_KEY}).scalar()
    return pg_roles.ident(str(value)) if value else pg_roles.PREFIX


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
    if not re.match(VERIFIER_PATTERN, verifier):
        raise ValueError("not a SCRAM-SHA-256 verifier")
    return NewLogin(server_engine.login_role(profile, name), verifier, slot,
                    keys.login_secret)


def add_login(conn: Connection, name: str, role: Role, made: NewLogin) -> None:
    """Inside the adding transaction: the login role and the slot row of ``name``."""
    from app.vault.server import KEY_SLOTS_TABLE

    prefix = house_prefix(conn)
    if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                    {"r": made.login}).first():
        raise VaultError(_("The server already has a login for an account named {name}; "
                           "ask the server's administrator.").format(name=name))
    conn.execute(text(f"SELECT public.{add_function(prefix)}(:l, :v, :g)"),
                 {"l": made.login, "v": made.verifier, "g": pg_roles.group_role(role, prefix)})
    conn.execute(text(f"INSERT INTO {KEY_SLOTS_TABLE}(account, login_role, role, slot) "
                      "VALUES (:a, :l, :r, :s)"),
                 {"a": name, "l": made.login, "r": role.value,
                  "s": json.dumps(made.slot.to_json())})


def drop_login(conn: Connection, vault: OpenVault, name: str) -> None:
    """Inside the revocation's transaction: the login role and the slot row of ``name``."""
    from app.vault.server import KEY_SLOTS_TABLE

    prefix = house_prefix(conn)
    login = conn.execute(text(f"DELETE FROM {KEY_SLOTS_TABLE} WHERE account = :a "
                              "RETURNING login_role"), {"a": name}).scalar()
    if login is None:
        login = server_engine.login_role(_profile(vault), name)
    if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": login}).first():
        conn.execute(text(f"SELECT public.{drop_function(prefix)}(:l)"), {"l": login})


def change_own_login(conn: Connection, vault: OpenVault, made: NewLogin) -> None:
    """Inside the passphrase change's transaction: one's own verifier and slot row."""
    from app.vault.server import KEY_SLOTS_TABLE

    conn.exec_driver_sql(f"ALTER ROLE {pg_roles.ident(made.login)} PASSWORD "
                         f"'{made.verifier}'")
    conn.execute(text(f"UPDATE {KEY_SLOTS_TABLE} SET slot = :s WHERE account = :a"),
                 {"s": json.dumps(made.slot.to_json()), "a": vault.actor.account})


def on_server(vault: OpenVault) -> bool:
    """Whether ``vault`` is a session on the house server (its accounts are login roles)."""
    from app.vault.server import ServerOpenVault

    return isinstance(vault, ServerOpenVault)


def check_own_passphrase(vault: OpenVault, passphrase: str) -> None:
    """``WrongPassphrase`` unless ``passphrase`` opens the session's own key slot."""
    from app.vault.server import KEY_SLOTS_TABLE, _open, _unlock_keys

    keys = _unlock_keys(_profile(vault), vault.actor.account, passphrase)
    with vault.read() as conn:
        row = conn.execute(text(f"SELECT slot FROM {KEY_SLOTS_TABLE} WHERE account = :a"),
                           {"a": vault.actor.account}).scalar()
    if row is None:
        raise VaultError(_("This account has no key slot."))
    for key in _open(vault.vault_id, KeySlot.from_json(json.loads(str(row))), keys.slot_key):
        keymem.wipe(key)


def use_new_secret(vault: OpenVault, made: NewLogin) -> None:
    """After the commit: the session's new connections log in with the new secret."""
    from app.vault.server import ServerOpenVault

    if isinstance(vault, ServerOpenVault) and vault.login_secret is not None:
        vault.login_secret.replace(made.secret)
