"""Fixtures of the information centre's tests on both engines (issue 22, points 1 and 3):
the house's first administrator on a vault file or on a fresh house server, and the centre
and the process director unlocked in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.domain.roles import Role
from app.services.session import after_unlock
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE, unlock_as


@pytest.fixture(params=["vault_file", "server"])
def admin(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenVault]:
    """The house's first administrator, on a vault file or on a fresh house server."""
    if request.param == "server":
        house: Any = request.getfixturevalue("suite_house")
        opened = house.fresh().unlock(house.admin, house.admin_passphrase, exclusive=False)
    else:
        opened = Vault.create(tmp_path / "kluis", ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
        after_unlock(opened, created=True)
    yield opened
    if opened.is_open:
        opened.lock(audit_it=False)


@pytest.fixture
def centre(admin: OpenVault) -> OpenVault:
    opened = unlock_as(admin, Role.INFORMATION_CENTRE)
    assert opened.actor.role is Role.INFORMATION_CENTRE
    return opened


@pytest.fixture
def director(admin: OpenVault) -> OpenVault:
    return unlock_as(admin, Role.PROCESS_DIRECTOR)
