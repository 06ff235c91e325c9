"""The service suite on the house server (issue 22, point 1 and its done-check: "the whole
service suite passes on both engines").

``pytest --engine=postgresql`` (``make test-pg``) runs the tests that open a vault through the
shared fixtures (``admin_vault``, ``unlock_as`` and what builds on them) on a fresh house on
the session's throwaway PostgreSQL (``tests/pg_server.py``: TLS verify-full, SCRAM) instead of
a vault folder; the default, ``--engine=sqlite``, is the vault file as always.

Fast: the house is made once per session (``create_house``, the covenant's parties seeded
by the administrator's first session) in a database of the suite's name, which is then
renamed into a template; every test gets ``CREATE DATABASE <name> TEMPLATE <template>``
(tens of milliseconds) under the same name, so the accounts' login roles and Argon2id salts
(both derived from the database's name) stay valid. An account ``unlock_as`` adds is made by
the program's own path, ``app.services.accounts.add_account`` in an administrator's session
(the passphrase rule, its login role by the house's account maker, its key slot row, the
accounts row and the ``account.add`` audit row); only a login role of the same name that an
earlier test's house left on the server is dropped first, by the superuser.

Under ``--engine=postgresql``:

- a test that uses none of those fixtures does not touch the engine: it is deselected (the
  main suite runs it);
- a test about the vault FILE (``keyslots.json``, the folder lock, SQLCipher pages, backup,
  the file's rekey, ...) is marked ``sqlite_only`` with its reason, in the test or in
  :data:`tests.pg_suite_marks.SQLITE_ONLY` (a whole file or one test), and skipped;
- what cannot pass on the server yet is in :data:`tests.pg_suite_marks.NOT_YET` with the
  precise reason (a strict xfail: it fails the run when it starts to pass).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.domain.roles import Role
from app.store.profile import ServerProfile

ENGINE_OPTION = "--engine"
SQLITE, POSTGRESQL = "sqlite", "postgresql"
#: The database each test gets, and the template it is copied from.
HOUSE_DB = "suite_house"
TEMPLATE_DB = "suite_house_template"
#: The group roles of the suite's houses (shared by name on the server).
PREFIX = "cksuite"


def add_engine_option(parser: pytest.Parser) -> None:
    parser.addoption(ENGINE_OPTION, choices=(SQLITE, POSTGRESQL), default=SQLITE,
                     help="the engine of the vault fixtures: the vault file (sqlite, the "
                          "default) or a house on a throwaway PostgreSQL (make test-pg)")


def engine_of(config: pytest.Config) -> str:
    return str(config.getoption(ENGINE_OPTION, default=SQLITE))


def on_server(config: pytest.Config) -> bool:
    return engine_of(config) == POSTGRESQL


@dataclass
class SuiteHouse:
    """The suite's house on the throwaway server."""

    pg: Any
    admin: str
    admin_passphrase: str
    profile: ServerProfile = field(init=False)

    #: the administrator's login secret (the same in every copy of the template: the salt
    #: comes from the database's name) and the profile file the command line is given
    _admin_secret: str = field(init=False, default="")
    _profile_file: Path | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.profile = ServerProfile(host=self.pg.host, port=self.pg.port, database=HOUSE_DB,
                                     ca_file=self.pg.ca_file)

    def profile_file(self) -> Path:
        """The house's profile file, as ``casuskamer init --server`` writes it (made once)."""
        from app.store.profile import write_profile

        if self._profile_file is None:
            path = Path(tempfile.mkdtemp(prefix="casuskamer-suite-")) / "huis.profile"
            write_profile(path, self.profile)
            self._profile_file = path
        return self._profile_file

    @contextmanager
    def as_administrator(self) -> Iterator[Any]:
        """A connection to the house as its first administrator's login role: what the
        administrator's session may read (the whole audit log), without opening a session
        (which would add its own audit rows)."""
        from app.store import engine as server_engine
        from app.vault.server import _unlock_keys

        if not self._admin_secret:
            self._admin_secret = _unlock_keys(self.profile, self.admin,
                                              self.admin_passphrase).login_secret
        secret = self._admin_secret
        engine = server_engine.make_server_engine(
            self.profile, server_engine.login_role(self.profile, self.admin), lambda: secret)
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()

    def _drop(self, conn: Any, name: str) -> None:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def make_template(self) -> None:
        """The house, made once: schema, roles, the first administrator, the covenant's
        parties; then renamed into the template."""
        from app.services import session
        from app.vault.server import FirstAccount, ServerVault, create_house

        with self.pg.admin() as conn:
            self._drop(conn, HOUSE_DB)
            self._drop(conn, TEMPLATE_DB)
            conn.execute(f'CREATE DATABASE "{HOUSE_DB}"')
        create_house(self.profile, self.pg.superuser, self.pg.superuser_password,
                     [FirstAccount(self.admin, Role.ADMIN, self.admin_passphrase)],
                     prefix=PREFIX)
        opened = ServerVault(self.profile).unlock(self.admin, self.admin_passphrase,
                                                  exclusive=False)
        try:
            session.after_unlock(opened, created=True)  # its seed data, as a new vault's
        finally:
            opened.lock(audit_it=False)
            opened.engine.dispose()
        with self.pg.admin() as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         f"WHERE datname = '{HOUSE_DB}' AND pid <> pg_backend_pid()")
            conn.execute(f'ALTER DATABASE "{HOUSE_DB}" RENAME TO "{TEMPLATE_DB}"')

    def fresh(self) -> Any:
        """A fresh copy of the house under the suite's name: its ``ServerVault``."""
        from app.vault.server import ServerVault

        with self.pg.admin() as conn:
            self._drop(conn, HOUSE_DB)
            conn.execute(f'CREATE DATABASE "{HOUSE_DB}" TEMPLATE "{TEMPLATE_DB}"')
        if self._profile_file is not None:
            # what the command line keeps beside the profile (the failed-attempt counter,
            # forwarding's file) belongs to the house before: each test starts as a folder
            # does, with none
            for kept in self._profile_file.parent.iterdir():
                if kept != self._profile_file and kept.is_file():
                    kept.unlink()
        return ServerVault(self.profile)

    def has_account(self, name: str) -> bool:
        with self.pg.connect(self.pg.superuser, self.pg.superuser_password, HOUSE_DB) as conn:
            return conn.execute("SELECT 1 FROM server_key_slots WHERE account = %s",
                                (name,)).fetchone() is not None

    def add_account(self, admin: Any, name: str, role: Role, passphrase: str,
                    *args: Any, **kwargs: Any) -> None:
        """``name`` with ``role`` on the server through the program's own path
        (``app.services.accounts.add_account`` in the administrator's session ``admin``:
        the passphrase rule, the login role made by the house's account maker with the
        SCRAM verifier computed here, the key slot row, the accounts row and its
        ``account.add`` audit row). Roles belong to the whole server and every test's house
        is a copy under the same database name, so a login role of that name an earlier
        test's house left behind is dropped first (by the superuser; the program itself
        refuses to take over a login it did not make for this house)."""
        from app.store import engine as server_engine

        login = server_engine.login_role(self.profile, name)
        with self.pg.admin() as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{login}"')
        _program_add_account()(admin, name, role, passphrase, *args, **kwargs)


@pytest.fixture(scope="session")
def suite_house(pg_server: Any) -> Iterator[SuiteHouse]:
    """The suite's house template on the session's throwaway server (made once)."""
    from tests.conftest import ADMIN, ADMIN_PASSPHRASE

    house = SuiteHouse(pg_server, ADMIN, ADMIN_PASSPHRASE)
    house.make_template()
    _houses.append(house)
    yield house
    _houses.remove(house)


def server_admin_vault(request: pytest.FixtureRequest) -> Any:
    """``admin_vault`` on the server: a fresh house, unlocked by its first administrator."""
    house: SuiteHouse = request.getfixturevalue("suite_house")
    return house.fresh().unlock(house.admin, house.admin_passphrase, exclusive=False)


def server_unlock_as(vault: Any, role: Role, name: str, passphrase: str) -> Any:
    """``unlock_as`` on the server (see tests/conftest.py)."""
    house = _house_of(vault)
    if not house.has_account(name):
        if vault.actor.role is Role.ADMIN and vault.is_open:
            house.add_account(vault, name, role, passphrase)
        else:
            admin = vault.vault.unlock(house.admin, house.admin_passphrase, exclusive=False)
            try:
                house.add_account(admin, name, role, passphrase)
            finally:
                admin.lock(audit_it=False)
    return vault.vault.unlock(name, passphrase, exclusive=False)


_houses: list[SuiteHouse] = []
#: ``app.services.accounts.add_account`` itself (kept before a test's set-up replaces it)
_add_account: list[Any] = []


def _program_add_account() -> Any:
    if not _add_account:
        from app.services import accounts

        _add_account.append(accounts.add_account)
    return _add_account[0]


_derived: dict[tuple[Any, str, str], Any] = {}
#: ``app.vault.server._unlock_keys`` itself (kept before it is replaced for a test)
_derive: list[Any] = []


def _remembered_unlock_keys(profile: ServerProfile, account: str, passphrase: str) -> Any:
    """``app.vault.server._unlock_keys``, remembered per (profile, account, passphrase)."""
    key = (profile, account, passphrase)
    if key not in _derived:
        _derived[key] = _derive[0](profile, account, passphrase)
    return _derived[key]


def _house_of(vault: Any) -> SuiteHouse:
    for house in _houses:
        if house.profile == vault.vault.profile:
            return house
    raise AssertionError("not a vault of the suite's house")


def is_server_vault(vault: Any) -> bool:
    from app.vault.server import ServerOpenVault

    return isinstance(vault, ServerOpenVault)


@contextmanager
def audit_reader(vault: Any) -> Iterator[Any]:
    """A connection that reads the whole audit log of ``vault``'s house, the same way on both
    engines: in the vault file any session reads every row (``vault.read()``); on the server
    row-level security shows a role only the rows about its own account, so the log is read
    as the house's administrator reads it (the role that holds ``READ_AUDIT``), without a
    session of its own that would add rows. ``vault`` may be locked on the server."""
    if not is_server_vault(vault):
        with vault.read() as conn:
            yield conn
        return
    with _house_of(vault).as_administrator() as conn:
        yield conn


def vault_arg(vault: Any) -> str:
    """What the command line's ``--vault`` takes for ``vault``'s house: the vault folder,
    or on the server the house's profile file (``casuskamer init --server`` writes one)."""
    if not is_server_vault(vault):
        return str(vault.vault.folder)
    return str(_house_of(vault).profile_file())


def vault_args(vault: Any) -> list[str]:
    """``--vault`` for ``vault``'s house and, on the server, ``--account`` of its first
    administrator: a folder's default account (a profile has none); an ``--account`` later
    on the command line wins."""
    if not is_server_vault(vault):
        return ["--vault", vault_arg(vault)]
    return ["--vault", vault_arg(vault), "--account", _house_of(vault).admin]


#: The fixtures that give a test a vault of the engine chosen.
ENGINE_FIXTURES = frozenset({"admin_vault"})


def select_for_engine(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--engine=postgresql``: keep only the tests whose vault comes from the engine's
    fixtures; skip the ``sqlite_only`` ones, mark the known gaps (tests/pg_suite_marks.py)."""
    if not on_server(config):
        return
    from tests.pg_suite_marks import NOT_YET, SERVER_CHOICE, SQLITE_ONLY

    kept, dropped = [], []
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        (kept if names & ENGINE_FIXTURES else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        test = item.nodeid.split("[", 1)[0]
        marker = item.get_closest_marker("sqlite_only")
        reason = (marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
                  if marker is not None else None) or SQLITE_ONLY.get(test) \
            or SQLITE_ONLY.get(path)
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"sqlite_only: {reason}"))
            continue
        choice = SERVER_CHOICE.get(test) or SERVER_CHOICE.get(path)
        if choice:
            item.add_marker(pytest.mark.skip(reason=f"server choice: {choice}"))
            continue
        gap = NOT_YET.get(test) or NOT_YET.get(path)
        if gap:
            item.add_marker(pytest.mark.xfail(reason=f"not yet on the server: {gap}",
                                              strict=True))


@pytest.fixture(autouse=True)
def _server_accounts(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
                     ) -> Iterator[None]:
    """Under ``--engine=postgresql``: a test's set-up that adds an account with
    ``app.services.accounts.add_account`` gets it on the server through the same service
    (:meth:`SuiteHouse.add_account`: a login role an earlier test's house left behind is
    dropped first); on a vault folder the service runs as always."""
    if not on_server(request.config):
        yield
        return
    from app.errors import ValidationError
    from app.i18n import _
    from app.services import accounts as account_service
    from app.vault import server as server_module

    # One Argon2id derivation per account and passphrase for the whole run, not one per
    # unlock: the result depends only on the passphrase and the salt (the database's name,
    # the same in every copy of the template), and it is most of a test's set-up time on a
    # loaded machine (make test-pg's budget). A wrong passphrase is derived on its own.
    if not _derive:
        _derive.append(server_module._unlock_keys)
    monkeypatch.setattr(server_module, "_unlock_keys", _remembered_unlock_keys)

    service = _program_add_account()

    def add_account(vault: Any, name: str, role: Role, passphrase: str, *args: Any,
                    **kwargs: Any) -> None:
        if not is_server_vault(vault):
            return service(vault, name, role, passphrase, *args, **kwargs)
        house = _house_of(vault)
        if house.has_account(name):
            raise ValidationError(_("There is already an account named {name}.")
                                  .format(name=name), field="account")
        house.add_account(vault, name, role, passphrase, *args, **kwargs)
        return None

    monkeypatch.setattr(account_service, "add_account", add_account)

    # The test's vault folder (``vault_dir``) is the test's house: a set-up that unlocks
    # ``Vault(vault_dir)`` as another account opens the house on the server.
    if "admin_vault" not in request.fixturenames:
        yield
        return
    from app.vault.server import ServerVault
    from app.vault.vault import Vault

    folder = request.getfixturevalue("vault_dir")
    unlock = Vault.unlock

    def unlock_here(self: Any, account: str, passphrase: str, *, exclusive: bool = True
                    ) -> Any:
        if not isinstance(self, ServerVault) and self.folder == folder and _houses \
                and not (folder / "keyslots.json").exists():
            opened = ServerVault(_houses[0].profile).unlock(account, passphrase,
                                                             exclusive=exclusive)
            sessions.append(opened)
            return opened
        return unlock(self, account, passphrase, exclusive=exclusive)

    sessions: list[Any] = []
    monkeypatch.setattr(Vault, "unlock", unlock_here)
    yield
    for opened in sessions:  # a session the test left open holds server connections
        if opened.is_open:
            opened.lock(audit_it=False)
