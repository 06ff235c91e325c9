"""Fixtures shared by the Cases screen and intake wizard tests: a vault opened by a process
director (and one by the information centre), with a few synthetic cases."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.services import accounts as account_service
from app.services import intake as intake_service
from app.services import synthetic
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from app.services import session
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from ui import dialogs
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from ui.cases.screen import CasesScreen

DIRECTOR = "regisseur"
DIRECTOR_PASSPHRASE = "casus regie vraagt rust"
CENTRE = "infocentrum"
CENTRE_PASSPHRASE = "agenda en uitnodigingen klaar"

#: Valid by the eleven-test: 9*1+8*1+7*1+6*2+5*2+4*2+3*3+2*3-3 = 66.
GOOD_BSN = "111222333"
#: Nine digits that fail the eleven-test.
BAD_BSN = "123456789"


@pytest.fixture(autouse=True)
def _no_scripted_dialogs() -> Iterator[None]:
    dialogs.reset()
    yield
    dialogs.reset()


@pytest.fixture(scope="session")
def cases_vault_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Made once per run: creating a vault and two key slots costs seconds; each test gets
    a copy of the locked vault's files instead."""
    folder = tmp_path_factory.mktemp("cases-template") / "kluis"
    opened = Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    session.after_unlock(opened, created=True)  # its seed data
    account_service.add_account(opened, DIRECTOR, Role.PROCESS_DIRECTOR,
                                DIRECTOR_PASSPHRASE, kdf=KdfParams())
    account_service.add_account(opened, CENTRE, Role.INFORMATION_CENTRE,
                                CENTRE_PASSPHRASE, kdf=KdfParams())
    opened.lock(audit_it=False)
    return folder


@pytest.fixture
def accounts_vault(cases_vault_template: Path, tmp_path: Path) -> Path:
    """A locked vault of its own with an admin, a process director and an information-centre
    account (a copy of the closed template's files: no database is open while copying)."""
    folder = tmp_path / "kluis"
    shutil.copytree(cases_vault_template, folder,
                    ignore=shutil.ignore_patterns("*.lock", "*-wal", "*-shm"))
    return folder


@pytest.fixture
def director_vault(accounts_vault: Path) -> Iterator[OpenVault]:
    opened = Vault(accounts_vault).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    yield opened
    if opened.is_open:
        opened.lock(audit_it=False)


@pytest.fixture
def centre_vault(accounts_vault: Path) -> Iterator[OpenVault]:
    opened = Vault(accounts_vault).unlock(CENTRE, CENTRE_PASSPHRASE)
    yield opened
    if opened.is_open:
        opened.lock(audit_it=False)


def add_synthetic_cases(vault: OpenVault, n: int, seed: int = 7) -> list[dict]:
    """``n`` synthetic referrals stored as cases; returns the referrals (import format)."""
    referrals = synthetic.generate_referrals(n, seed)
    synthetic.bulk_insert_cases(vault, referrals)
    return referrals


def eligible_party(vault: OpenVault, protocol: Protocol = Protocol.INTEGRALE_VEILIGHEID
                   ) -> intake_service.PartyChoice:
    return intake_service.eligible_parties(vault, protocol)[0]


def paint_frame(app: QApplication, screen: CasesScreen) -> None:
    """Let the Cases screen lay out and paint one frame, as the event loop would."""
    app.processEvents()
    app.processEvents()
    QCoreApplication.sendEvent(screen.window(), QEvent(QEvent.Type.UpdateRequest))


def table_image(screen: CasesScreen) -> QImage:
    """What the Cases table's viewport shows now, as an image."""
    return screen.table.viewport().grab().toImage()
