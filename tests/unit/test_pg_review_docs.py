"""docs/house-server.md is accurate to the code (issue 22, point 6: the server's page says how a
house sets up the server, "roles, TLS, pg_hba.conf, backup", and what the server's
administrator can and cannot see).

- The page's ``pg_hba.conf`` admits the program's accounts by group membership
  (``+casuskamer_admin,...``): it names every group of the program's roles, and on a house
  with an account of every role each account's login role is a member of its group, as that
  line needs (a login outside every group would be shut out by the page's own advice), while
  no group role itself can log in.
- The page's command that prints the grant statements runs and prints the roles and grants.
- What the page lists as "Not yet" is not something a test proves built (on 2b97228 it still
  listed the two-process test and the session step at unlock, which run on the server).

The house-server cases use the session's throwaway PostgreSQL; skipped with the reason where
no PostgreSQL 15+ binaries are installed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from app.domain.roles import Role
from app.store import engine as server_engine
from app.store import pg_roles
from tests.conftest import unlock_as
from tests.pg_engine import PREFIX

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "house-server.md"


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    assert f"\n## {title}\n" in text, title
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _hba_lines() -> list[list[str]]:
    block = re.search(r"```\n(# TYPE.*?)```", _section("TLS and `pg_hba.conf`"), re.S)
    assert block, "the page gives a pg_hba.conf block"
    return [line.split() for line in block.group(1).splitlines()
            if line.strip() and not line.startswith("#")]


def test_the_pages_pg_hba_line_names_every_group_and_only_tls_with_scram() -> None:
    lines = _hba_lines()
    assert all(words[0] == "hostssl" and words[-1] == "scram-sha-256" for words in lines)
    groups = {u.removeprefix("+") for words in lines for u in words[2].split(",")
              if u.startswith("+")}
    assert groups == {pg_roles.group_role(role) for role in Role}


def test_every_account_logs_in_as_a_member_of_its_group(suite_house: Any) -> None:
    admin = suite_house.fresh().unlock(suite_house.admin, suite_house.admin_passphrase,
                                       exclusive=False)
    try:
        for role in Role:
            unlock_as(admin, role)  # an account of every role, made by the program
        with suite_house.pg.admin(suite_house.profile.database) as conn:
            accounts = conn.execute("SELECT name, role FROM accounts").fetchall()
            assert {Role(r) for _n, r in accounts} == set(Role)
            for name, role in accounts:
                login = server_engine.login_role(suite_house.profile, name)
                group = pg_roles.group_role(Role(role), PREFIX)
                row = conn.execute(
                    "SELECT rolcanlogin, pg_has_role(oid, %s, 'MEMBER') FROM pg_roles "
                    "WHERE rolname = %s", (group, login)).fetchone()
                assert row == (True, True), (name, login, group, row)
            for role in Role:
                cannot = conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s",
                                      (pg_roles.group_role(role, PREFIX),)).fetchone()
                assert cannot == (False,)
    finally:
        admin.lock(audit_it=False)


def test_the_pages_grant_statements_command_runs() -> None:
    command = re.search(r'`python -c "([^"]+)"`', DOC.read_text(encoding="utf-8"))
    assert command, "the page gives the command"
    done = subprocess.run([sys.executable, "-c", command.group(1)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "CREATE ROLE casuskamer_owner NOLOGIN" in done.stdout
    assert "GRANT" in done.stdout and "REVOKE" in done.stdout


#: What a test proves runs on the server, and the words a "Not yet" line would use for it.
BUILT = {
    "two-process test": ROOT / "tests" / "unit" / "test_pg_twoproc_workstations.py",
    "session step at unlock": ROOT / "tests" / "unit" / "test_pg_services.py",
    "Cases list": ROOT / "tests" / "unit" / "test_pg_services.py",
    "search on sealed search keys": ROOT / "tests" / "unit" / "test_pg_sealed_store.py",
    "no command for it yet": ROOT / "tests" / "unit" / "test_pg_admin_cli.py",
    "meant to call it": ROOT / "tests" / "unit" / "test_pg_review_tampered.py",
}


def test_what_the_page_calls_not_yet_is_not_built() -> None:
    text = DOC.read_text(encoding="utf-8")
    not_yet = " ".join(re.findall(r"^- Not yet:.*?(?=^\S|^- |\Z)", text, re.S | re.M))
    not_yet = " ".join(not_yet.split())
    for words, proof in BUILT.items():
        assert proof.exists()
        assert words not in not_yet, f"the page says {words!r} is not built ({proof.name})"
    assert "does not run on the server yet" not in text
    assert "no command for it yet" not in text and "is meant to call it" not in text


def test_the_administrators_view_names_forwardings_plain_settings() -> None:
    """The forwarding's collector and its queue are kept on the server in the clear (only
    the client key is among the sealed secrets of ``meta``), so the page's "Can" list names
    them (on b16d109 it did not mention forwarding at all)."""
    from app.store.forward_tables import COLLECTOR_KEY, audit_forward_queue
    from app.store.vault_secrets import SECRET_KEYS

    assert COLLECTOR_KEY not in SECRET_KEYS and "forward_client_key_pem" in SECRET_KEYS
    assert audit_forward_queue.name == "audit_forward_queue"
    section = _section("What the server's administrator can and cannot see")
    can = " ".join(section.split("**Can**", 1)[1].split("**Known limits", 1)[0].split())
    assert "collector's address" in can and "queue of audit rows" in can
    assert "client certificate's key is sealed" in can


def _anchor(title: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def test_the_readme_has_the_server_section_the_issue_asks_for() -> None:
    """Point 6: "the README's server section says how a house sets up the server (one page:
    roles, TLS, pg_hba.conf, backup) and what the server's administrator can and cannot
    see". The README had none (only protection bullets and a link in a sentence); now its
    section links each of those sections of the one page, and each link's anchor is a
    heading the page has."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n## The house server (PostgreSQL)\n" in readme
    section = readme.split("\n## The house server (PostgreSQL)\n", 1)[1].split("\n## ", 1)[0]
    headings = {_anchor(h) for h in re.findall(r"^## (.+)$", DOC.read_text(encoding="utf-8"),
                                               re.M)}
    linked = re.findall(r"\(docs/house-server\.md#([^)]+)\)", section)
    assert {"roles", "tls-and-pg_hbaconf", "setting-up-the-house", "backup",
            "what-the-servers-administrator-can-and-cannot-see"} <= set(linked)
    assert set(linked) <= headings, set(linked) - headings


def test_the_roles_table_names_every_command_that_uses_the_migration_owner() -> None:
    """The page's Roles table says where the migration owner's login is used; every command
    of the parser that takes ``--owner`` must be there (on b16d109 it named init, upgrade and
    migrate, not ``users rekey`` and ``users revoke --owner``)."""
    from app.cli import build_parser
    from app.cli.options import commands

    row = next(line for line in _section("Roles").splitlines()
               if line.startswith("| `casuskamer_owner` |"))
    taking = [" ".join(words) for words, parser in commands(build_parser()).items()
              if any("--owner" in a.option_strings for a in parser._actions)]
    assert sorted(taking) == ["init", "migrate", "upgrade", "users rekey", "users revoke"]
    for command in taking:
        assert f"`{command}" in row, command


def test_the_roles_section_says_what_every_audit_and_meta_policy_lets_a_role_read() -> None:
    """The Roles section lists what row-level security lets each role read of the audit log
    and ``meta``; each policy the program makes there is described (on b16d109 it said
    "nothing more of those tables" while the disclosure readers' and forwarding's policies
    gave more)."""
    from app.store.pg_roles import session_policy_statements

    policy = re.compile(r"CREATE POLICY (\w+) ON \S+\.(?:audit_log|meta) ")
    found = (policy.search(st) for st in session_policy_statements("server_key_slots"))
    made = {m.group(1) for m in found if m}
    described = {"own_account_rows": "the audit rows about its own account",
                 "case_disclosures": "the audit rows of the four\nexports about cases",
                 "account_notices": "also read the audit rows of an account added",
                 "read_audit": "reads the audit log",
                 "append_audit": "accepts INSERT only, from every role",
                 "read_meta": "read the settings in `meta`",
                 "read_fingerprint_key": "subject-access fingerprint key",
                 "make_fingerprint_key": "subject-access fingerprint key",
                 "make_search_key": "search key",
                 "audit_head": "audit chain's head",
                 "forward_position": "`forward_position`",
                 "manage_settings": "settings"}
    assert made <= set(described), made - set(described)
    text = " ".join(_section("Roles").split())
    for policy in made:
        assert " ".join(described[policy].split()) in text, policy


def test_the_page_says_the_owner_may_switch_the_audit_triggers_off(suite_house: Any) -> None:
    """The page said the audit log's triggers refuse UPDATE, DELETE and TRUNCATE "even for the
    table's owner", and the Roles section that no role may switch them off ("none owns
    it"): true of every account's role, not of the owner role, which owns the table and may
    switch them off (``casuskamer migrate`` does, app/store/copy_rows.py). On the server:
    the owner role may, the accounts' groups may not; the page says both."""
    import psycopg

    suite_house.fresh()
    owner = pg_roles.owner_role(PREFIX)
    with suite_house.pg.admin(suite_house.profile.database) as conn:
        conn.execute("BEGIN")
        conn.execute(f"SET LOCAL ROLE {owner}")
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_delete")
        conn.execute("ROLLBACK")
        for role in Role:
            conn.execute("BEGIN")
            conn.execute(f"SET LOCAL ROLE {pg_roles.group_role(role, PREFIX)}")
            try:
                conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_delete")
            except psycopg.errors.InsufficientPrivilege:
                pass
            else:
                raise AssertionError(f"{role} may switch the audit log's trigger off")
            finally:
                conn.execute("ROLLBACK")
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    assert "may switch them off, as `migrate` does" in text
