"""Accounts on the house server (issue 22, point 3): ``users add`` makes a login role of its
own with a SCRAM verifier computed on the workstation and a key slot row; ``users passwd``
changes one's own verifier and slot; ``users revoke`` drops the login and the slot in the
revocation's transaction. An administrator's login may not create or drop roles itself:
only through the house's two functions, which take nothing but the program's logins.

On the session's throwaway PostgreSQL (``tests/pg_server.py``); skipped with the reason
where no PostgreSQL 15+ binaries are installed."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.cli import main as cli_main
from app.domain.roles import Role
from app.errors import CasuskamerError, WrongPassphrase
from app.services import accounts as account_service
from app.services import cases as case_service
from app.store import engine as server_engine
from app.store.profile import ServerProfile, write_profile
from app.vault.server import FirstAccount, ServerVault, create_house

ADMIN, ADMIN_PASS = "beheer", "de sleutel ligt bij het zorg en veiligheidshuis"
NEW, FIRST_PASS = "regisseur", "een eerste wachtzin die zij zelf vervangt"
OWN_PASS = "regie over de casus blijft mensenwerk"


def main(words: list[str]) -> int:
    return cli_main(["--lang", "en", *words])


@pytest.fixture
def house(pg_server: Any, tmp_path: Path) -> tuple[Any, ServerProfile, Path, str]:
    prefix = f"ck{secrets.token_hex(3)}"
    profile = ServerProfile(host=pg_server.host, port=pg_server.port,
                            database=pg_server.new_database("acc"), ca_file=pg_server.ca_file)
    create_house(profile, pg_server.superuser, pg_server.superuser_password,
                 [FirstAccount(ADMIN, Role.ADMIN, ADMIN_PASS)], prefix=prefix)
    path = tmp_path / "zvh.json"
    write_profile(path, profile)
    return pg_server, profile, path, prefix


def _as(monkeypatch: pytest.MonkeyPatch, passphrase: str, new: str | None = None) -> None:
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", passphrase)
    if new is None:
        monkeypatch.delenv("CASUSKAMER_NEW_PASSPHRASE", raising=False)
    else:
        monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", new)


def _login(pg: Any, profile: ServerProfile, account: str) -> tuple[str, list[str]] | None:
    """The login role's stored password and its groups, as the superuser sees them."""
    role = server_engine.login_role(profile, account)
    with pg.admin(profile.database) as conn:
        row = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s",
                           (role,)).fetchone()
        if row is None:
            return None
        groups = [r[0] for r in conn.execute(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s", (role,)).fetchall()]
    return str(row[0]), groups


def _slot_rows(pg: Any, profile: ServerProfile, account: str) -> int:
    with pg.admin(profile.database) as conn:
        return int(conn.execute("SELECT count(*) FROM server_key_slots WHERE account = %s",
                                (account,)).fetchone()[0])


def test_users_add_passwd_and_revoke_on_the_server(
        house: tuple[Any, ServerProfile, Path, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    pg, profile, path, prefix = house
    vault = ["--vault", str(path)]

    # add: a login of its own, in the process directors' group, holding only a verifier
    _as(monkeypatch, ADMIN_PASS, FIRST_PASS)
    assert main(["users", "add", NEW, "--role", "process_director", *vault,
                 "--account", ADMIN]) == 0
    login = _login(pg, profile, NEW)
    assert login is not None
    stored, groups = login
    assert stored.startswith("SCRAM-SHA-256$") and FIRST_PASS not in stored
    assert groups == [f"{prefix}_process_director"]
    assert _slot_rows(pg, profile, NEW) == 1
    opened = ServerVault(profile).unlock(NEW, FIRST_PASS, exclusive=False)
    assert opened.actor.role is Role.PROCESS_DIRECTOR
    opened.lock(audit_it=False)

    # the holder chooses their own passphrase before anything else, then works with it
    capsys.readouterr()
    _as(monkeypatch, FIRST_PASS)
    assert main(["cases", "list", *vault, "--account", NEW]) == 2
    # the hint names the profile to give --vault (not the folder it is in)
    assert f"users passwd --vault {path} --account {NEW}" in capsys.readouterr().err
    _as(monkeypatch, FIRST_PASS, OWN_PASS)
    assert main(["users", "passwd", *vault, "--account", NEW]) == 0
    with pytest.raises(WrongPassphrase):
        ServerVault(profile).unlock(NEW, FIRST_PASS, exclusive=False)
    _as(monkeypatch, OWN_PASS)
    assert main(["cases", "list", *vault, "--account", NEW]) == 0
    still_open = ServerVault(profile).unlock(NEW, OWN_PASS, exclusive=False)
    case_service.list_cases(still_open)

    # revoke: the login and the slot row are gone in the revocation's transaction
    _as(monkeypatch, ADMIN_PASS)
    capsys.readouterr()
    assert main(["users", "revoke", NEW, *vault, "--account", ADMIN]) == 0
    assert "house server" in capsys.readouterr().out
    assert _login(pg, profile, NEW) is None
    assert _slot_rows(pg, profile, NEW) == 0
    with pytest.raises(WrongPassphrase):
        ServerVault(profile).unlock(NEW, OWN_PASS, exclusive=False)
    # a session of the account still open is refused at its next statement
    with pytest.raises(CasuskamerError):
        case_service.list_cases(still_open)
    still_open.lock(audit_it=False)
    with pg.admin(profile.database) as conn:
        assert conn.execute("SELECT revoked_at IS NOT NULL FROM accounts WHERE name = %s",
                            (NEW,)).fetchone()[0] is True


def test_a_failed_add_leaves_no_login_and_no_row(
        house: tuple[Any, ServerProfile, Path, str]) -> None:
    pg, profile, _path, _prefix = house
    admin = ServerVault(profile).unlock(ADMIN, ADMIN_PASS, exclusive=False)
    try:
        account_service.add_account(admin, NEW, Role.PROCESS_DIRECTOR, FIRST_PASS)
        # the same name again: refused, and the first login is untouched
        with pytest.raises(CasuskamerError):
            account_service.add_account(admin, NEW, Role.ADMIN, FIRST_PASS)
    finally:
        admin.lock(audit_it=False)
    login = _login(pg, profile, NEW)
    assert login is not None and login[1] == [f"{_prefix}_process_director"]
    with pg.admin(profile.database) as conn:
        assert conn.execute("SELECT count(*) FROM accounts WHERE name = %s",
                            (NEW,)).fetchone()[0] == 1


def test_an_administrators_login_makes_and_drops_only_the_programs_logins(
        house: tuple[Any, ServerProfile, Path, str]) -> None:
    pg, profile, _path, prefix = house
    admin = ServerVault(profile).unlock(ADMIN, ADMIN_PASS, exclusive=False)
    try:
        verifier = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"
        refused = [
            "CREATE ROLE zelfgemaakt LOGIN",
            f"GRANT {prefix}_owner TO CURRENT_USER",
            f"SELECT public.{prefix}_add_login('zelfgemaakt', '{verifier}', "
            f"'{prefix}_admin')",
            f"SELECT public.{prefix}_add_login('casuskamer_0123456789_x', '{verifier}', "
            f"'{prefix}_owner')",
            f"SELECT public.{prefix}_drop_login('{pg.superuser}')",
            f"SELECT public.{prefix}_drop_login('{prefix}_owner')",
        ]
        for statement in refused:
            with pytest.raises(sa.exc.DBAPIError), admin.engine.begin() as conn:
                conn.exec_driver_sql(statement)
    finally:
        admin.lock(audit_it=False)
    with pg.admin(profile.database) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname IN "
                            "('zelfgemaakt', 'casuskamer_0123456789_x')").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s",
                            (f"{prefix}_owner",)).fetchone()[0] == 1
