"""Shared test set-up: no test touches the real home folder, Qt runs offscreen, key
derivation uses its floor (64 MiB, 3 iterations) so that unlocking is quick, and a few
fixtures hand out fresh vaults."""

from __future__ import annotations

import os
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

from app.i18n import set_language  # noqa: E402
from app.vault.keyslots import KdfParams  # noqa: E402
from app.vault.vault import OpenVault, Vault  # noqa: E402
from app.services import session  # noqa: E402

def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true", default=False,
                     help="run the reliability suite at full size (make reliability)")


ADMIN = "beheerder"
ADMIN_PASSPHRASE = "correct paard batterij nietje"


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
def admin_vault(vault_dir: Path) -> Iterator[OpenVault]:
    """A new vault, unlocked by its first admin account."""
    opened = Vault.create(vault_dir, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    session.after_unlock(opened, created=True)  # its seed data
    yield opened
    opened.lock(audit_it=False)
