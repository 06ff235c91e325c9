"""The SQL of the house server's accounts (issue 22, point 3), as the migration owner runs
it (``create_house``, ``upgrade``): the account maker and its two functions, and what every
login may change of its own account. The steps that use them are in
``app.vault.server_accounts``; why they are shaped so is said there."""

from __future__ import annotations

from app.domain.roles import Role
from app.store import engine as server_engine, pg_roles
from app.store.vault_meta import SLOT_KEY_PREFIX

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
        # a function's new owner must be allowed to create in its schema
        f"GRANT USAGE, CREATE ON SCHEMA public TO {maker}",
        f"ALTER FUNCTION public.{add}(text, text, text) OWNER TO {maker}",
        f"ALTER FUNCTION public.{drop}(text) OWNER TO {maker}",
        f"REVOKE ALL ON FUNCTION public.{add}(text, text, text) FROM PUBLIC",
        f"REVOKE ALL ON FUNCTION public.{drop}(text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION public.{add}(text, text, text) TO {admin}",
        f"GRANT EXECUTE ON FUNCTION public.{drop}(text) TO {admin}",
    ]


def own_slot_statements(key_slots_table: str, prefix: str = pg_roles.PREFIX) -> list[str]:
    """What every login may change of its own account when it changes its passphrase, and
    nothing else: its own key slot row, the time of the change in its own ``accounts`` row,
    and the recorded public key of its own slot in ``meta`` (idempotent)."""
    KEY_SLOTS_TABLE = pg_roles.ident(key_slots_table)  # noqa: N806
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
