"""The first-run wizard's second branch (issue 22, point 1): a workstation joining the house
server. The first page offers a vault on this workstation or the house server; the server's
page asks the address, the CA file and where the profile goes, refuses beside each field
what is wrong, and writes a profile holding no password. No vault folder is made."""
# Fixtures are imported from shell_fixtures, so pytest sees them as parameters here.

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QWizard

from app.domain.first_run import FLOW
from app.vault.keyslots import KdfParams
from app.vault.vault import Vault
from tests.pg_server import write_tls_files
from tests.ui.shell_fixtures import _no_scripted_dialogs  # noqa: F401
from ui import dialogs
from ui.first_run import FirstRunWizard


def _click(wizard: FirstRunWizard, which: QWizard.WizardButton) -> None:
    wizard.button(which).click()


def test_the_wizard_joins_a_house_server(qtbot, tmp_path: Path) -> None:
    tls = tmp_path / "tls"
    tls.mkdir()
    ca_file, _cert, _key = write_tls_files(tls)
    folder = tmp_path / "kluis"
    wizard = FirstRunWizard(folder, kdf=KdfParams())
    qtbot.addWidget(wizard)
    wizard.show()

    # page 1: the house server instead of a folder; the folder is not asked then
    assert wizard.folder_page.local.isChecked()
    wizard.folder_page.server.click()
    assert not wizard.folder_page.folder.isEnabled()
    _click(wizard, QWizard.WizardButton.NextButton)
    page = wizard.server_page
    assert wizard.currentPage() is page
    assert page.title() == FLOW.step("server").title or page.title()

    # nothing typed: a reason beside the address and the CA file, nothing written
    profile = tmp_path / "huisserver.json"
    page.profile.setText(str(profile))
    _click(wizard, QWizard.WizardButton.FinishButton)
    assert wizard.currentPage() is page
    assert page.error_text("server") and page.error_text("ca_file")
    assert not profile.exists()

    # an address with a password in it is refused beside the address
    qtbot.keyClicks(page.server, "postgresql://beheer:geheim@127.0.0.1:5432/casuskamer")
    page.ca_file.setText(str(ca_file))
    _click(wizard, QWizard.WizardButton.FinishButton)
    assert page.error_text("server") and not page.error_text("ca_file")
    assert wizard.currentPage() is page and not profile.exists()

    # a good address: the profile is written, with no password, and the wizard ends
    page.server.clear()
    qtbot.keyClicks(page.server, "postgresql://127.0.0.1:5432/casuskamer")
    with dialogs.scripted() as script:
        _click(wizard, QWizard.WizardButton.FinishButton)
    assert [s.kind for s in script.shown] == ["inform"]
    assert str(profile) in script.shown[0].text
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert wizard.profile_path == profile and wizard.opened is None
    written = json.loads(profile.read_text(encoding="utf-8"))
    assert written["host"] == "127.0.0.1" and written["database"] == "casuskamer"
    assert written["sslmode"] == "verify-full"
    assert "geheim" not in profile.read_text(encoding="utf-8")
    assert not Vault(folder).exists()


def test_the_server_page_refuses_an_existing_profile_file(qtbot, tmp_path: Path) -> None:
    tls = tmp_path / "tls"
    tls.mkdir()
    ca_file, _cert, _key = write_tls_files(tls)
    existing = tmp_path / "bestaand.json"
    existing.write_text("{}", encoding="utf-8")
    wizard = FirstRunWizard(tmp_path / "kluis", kdf=KdfParams())
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.folder_page.server.click()
    _click(wizard, QWizard.WizardButton.NextButton)
    page = wizard.server_page
    qtbot.keyClicks(page.server, "postgresql://127.0.0.1/casuskamer")
    page.ca_file.setText(str(ca_file))
    page.profile.setText(str(existing))
    _click(wizard, QWizard.WizardButton.FinishButton)
    assert page.error_text("profile")
    assert wizard.currentPage() is page
    assert existing.read_text(encoding="utf-8") == "{}"


def test_back_to_a_local_vault_asks_the_account_again(qtbot, tmp_path: Path) -> None:
    wizard = FirstRunWizard(tmp_path / "kluis", kdf=KdfParams())
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.folder_page.server.click()
    _click(wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.server_page
    _click(wizard, QWizard.WizardButton.BackButton)
    wizard.folder_page.local.click()
    assert wizard.folder_page.folder.isEnabled()
    _click(wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.account_page
