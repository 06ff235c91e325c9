"""Shared test set-up: no test touches the real home folder, Qt runs offscreen, key
derivation uses its floor (64 MiB, 3 iterations) so that unlocking is quick, and a few
fixtures hand out fresh vaults."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from collections.abc import Iterator

import pytest

_SANDBOX = Path(tempfile.mkdtemp(prefix="casuskamer-tests-"))
for _name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
              "XDG_STATE_HOME", "XDG_RUNTIME_DIR"):
    (_SANDBOX / _name.lower()).mkdir(mode=0o700, exist_ok=True)
    os.environ[_name] = str(_SANDBOX / _name.lower())
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["CASUSKAMER_KDF_SECONDS"] = "0"
os.environ.pop("CASUSKAMER_PASSPHRASE", None)

from app.domain.roles import Role  # noqa: E402
from app.i18n import set_language  # noqa: E402
from app.services import accounts as account_service  # noqa: E402
from app.vault.keyslots import KdfParams  # noqa: E402
from app.vault.vault import OpenVault, Vault  # noqa: E402
from app.services import session  # noqa: E402

from tests import pg_engine  # noqa: E402
from tests.pg_engine import _server_accounts, suite_house  # noqa: E402, F401  (--engine)
from tests.pg_server import pg_server, server_house  # noqa: E402, F401


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true", default=False,
                     help="run the reliability suite at full size (make reliability)")
    pg_engine.add_engine_option(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): about the vault FILE; skipped "
                                       "under --engine=postgresql (tests/pg_engine.py)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    pg_engine.select_for_engine(config, items)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A failure is named the moment it is known, with its last lines, not only in the
    summary at the end: a CI run that is stopped (its 90 minutes up, a worker that crashed
    and left pytest-xdist waiting) still says which test failed and why. Printed by the
    process that reports (the main one under pytest-xdist, where reports arrive)."""
    if not report.failed or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    lines = str(report.longrepr).splitlines()[-25:]
    sys.stderr.write(f"\n[failed: {report.nodeid} ({report.when})]\n"
                     + "\n".join("    " + line for line in lines) + "\n")
    sys.stderr.flush()


ADMIN = "beheerder"
ADMIN_PASSPHRASE = "correct paard batterij nietje"


#: The account a test unlocks as for each role (``unlock_as``): the names the tests used when
#: they still assigned ``vault.actor``, so audit rows read as before.
ROLE_ACCOUNTS = {Role.ADMIN: ADMIN, Role.PROCESS_DIRECTOR: "regisseur",
                 Role.INFORMATION_CENTRE: "infocentrum", Role.MANAGER: "manager"}
#: The passphrase of every account ``unlock_as`` adds (ADMIN keeps ADMIN_PASSPHRASE).
ROLE_PASSPHRASE = "blauwe reiger vangt zeven vissen"
_opened_as: list[OpenVault] = []


def unlock_as(vault: OpenVault, role: Role, account: str = "", *, passphrase: str = "",
              hold_folder: bool = False) -> OpenVault:
    """``vault``'s folder unlocked again by an account of ``role`` (``ROLE_ACCOUNTS[role]``
    unless ``account`` names another; ``passphrase`` when the test gave that account its own),
    as a user of that role would: through its key slot,
    so the role is the one the slot and the accounts table give it. The account is added
    the first time, by an administrator (``vault`` itself when it is unlocked by one, else
    the test vault's first admin, ADMIN). ``vault`` stays open as it was: the new session is
    a second one, locked when the test ends. ``hold_folder``: the new session takes over the
    folder lock if ``vault`` held it, for a test that goes on as this account (locking it then
    frees the folder for the unlock screen or a command); without it, a session for one or
    two calls in another role leaves the lock where it is. A test changes role with this,
    never by assigning ``vault.actor``."""
    name = account or ROLE_ACCOUNTS[role]
    folder = vault.vault
    passphrase = passphrase or (ADMIN_PASSPHRASE if name == ADMIN else ROLE_PASSPHRASE)
    if pg_engine.is_server_vault(vault):  # --engine=postgresql: no folder, no slot file
        opened = pg_engine.server_unlock_as(vault, role, name, passphrase)
        _opened_as.append(opened)
        assert opened.actor.role is role, f"account {name} has the role {opened.actor.role}"
        return opened
    if folder.slot_file().find(name) is None:
        admin = vault if vault.actor.role is Role.ADMIN and vault.is_open \
            else folder.unlock(ADMIN, ADMIN_PASSPHRASE, exclusive=False)
        try:
            account_service.add_account(admin, name, role, passphrase, kdf=KdfParams())
        finally:
            if admin is not vault:
                admin.lock(audit_it=False)
    opened = folder.unlock(name, passphrase, exclusive=False)
    if hold_folder:
        opened._lock = vault.detach_folder_lock()
    _opened_as.append(opened)
    assert opened.actor.role is role, f"account {name} has the role {opened.actor.role}"
    return opened


@pytest.fixture(autouse=True)
def _lock_role_sessions() -> Iterator[None]:
    """Lock the sessions ``unlock_as`` opened once the test is done."""
    yield
    while _opened_as:
        _opened_as.pop().lock(audit_it=False)


@pytest.fixture(autouse=True)
def _dutch() -> Iterator[None]:
    set_language("nl")
    yield
    set_language("nl")


@pytest.fixture
def sandbox_home() -> Path:
    """The folder every standard location (HOME, XDG_*) points into during the tests."""
    return _SANDBOX


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    return tmp_path / "kluis"


@pytest.fixture
def admin_vault(vault_dir: Path, request: pytest.FixtureRequest) -> Iterator[OpenVault]:
    """A new vault, unlocked by its first admin account (under --engine=postgresql a fresh
    house on the throwaway server: tests/pg_engine.py)."""
    if pg_engine.on_server(request.config):
        opened = pg_engine.server_admin_vault(request)
        yield opened
        opened.lock(audit_it=False)
        return
    opened = Vault.create(vault_dir, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    session.after_unlock(opened, created=True)  # its seed data
    yield opened
    opened.lock(audit_it=False)
