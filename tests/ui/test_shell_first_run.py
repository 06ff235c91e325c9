"""The first-run wizard, clicked through: it refuses with reasons, then makes a vault that
unlocks with what was typed."""
# Fixtures are imported from shell_fixtures, so pytest sees them as parameters here.

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWizard

from app.vault.keyslots import KdfParams
from app.vault.vault import Vault
from tests.ui.shell_fixtures import _no_scripted_dialogs  # noqa: F401
from ui import dialogs
from ui.first_run import DEFAULT_ADMIN, FirstRunWizard

GOOD = "zeven zeeen en een vuurtoren"  # keyClicks types ASCII only


def finish(wizard: FirstRunWizard) -> None:
    wizard.button(QWizard.WizardButton.FinishButton).click()


def test_wizard_creates_a_vault_that_then_unlocks(qtbot, tmp_path: Path) -> None:
    folder = tmp_path / "huis" / "kluis"
    wizard = FirstRunWizard(tmp_path / "ergens", kdf=KdfParams())
    qtbot.addWidget(wizard)
    wizard.show()

    # Page 1: the folder, chosen through the (scripted) folder picker.
    with dialogs.scripted(folder) as script:
        browse = next(b for b in wizard.folder_page.findChildren(type(wizard.button(
            QWizard.WizardButton.NextButton))) if b.text() == "&Bladeren…")
        browse.click()
    assert script.shown[0].kind == "folder"
    assert wizard.folder_page.folder.text() == str(folder)
    wizard.button(QWizard.WizardButton.NextButton).click()
    assert wizard.currentPage() is wizard.account_page

    # Page 2: the default account name, then passphrases that are refused with a reason.
    page = wizard.account_page
    assert page.account.text() == DEFAULT_ADMIN == "beheerder"
    qtbot.keyClicks(page.pair.first, "te kort")
    qtbot.keyClicks(page.pair.second, "te kort")
    finish(wizard)
    assert page.pair.reason.isVisible()
    assert "minstens 12" in page.pair.reason.text() or "12" in page.pair.reason.text()
    assert not Vault(folder).exists()

    page.pair.wipe()
    qtbot.keyClicks(page.pair.first, GOOD)
    qtbot.keyClicks(page.pair.second, GOOD + "!")
    finish(wizard)
    assert page.pair.reason.text() == "De twee wachtzinnen zijn niet gelijk."
    assert not Vault(folder).exists()

    page.pair.wipe()
    qtbot.keyClicks(page.pair.first, GOOD)
    qtbot.keyClicks(page.pair.second, GOOD)
    finish(wizard)
    # The fields are wiped as soon as creation starts; the wizard waits for the worker.
    assert page.pair.first.text() == "" and page.pair.second.text() == ""
    qtbot.waitUntil(lambda: wizard.opened is not None, timeout=20_000)
    assert wizard.result() == QWizard.DialogCode.Accepted
    opened = wizard.opened
    assert opened is not None and opened.is_open
    assert opened.actor.account == "beheerder"
    opened.lock()

    again = Vault(folder).unlock("beheerder", GOOD)
    assert again.is_open
    again.lock()


def test_wizard_refuses_a_folder_that_already_holds_a_vault(qtbot, admin_vault) -> None:
    wizard = FirstRunWizard(admin_vault.vault.folder, kdf=KdfParams())
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.button(QWizard.WizardButton.NextButton).click()
    assert wizard.currentPage() is wizard.folder_page
    reason = wizard.folder_page.reason
    assert reason.isVisible() and "staat al een kluis" in reason.text()


def test_wizard_refuses_a_bad_account_name(qtbot, tmp_path: Path) -> None:
    wizard = FirstRunWizard(tmp_path / "kluis", kdf=KdfParams())
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.button(QWizard.WizardButton.NextButton).click()
    page = wizard.account_page
    page.account.setText("Jan de Vries")
    qtbot.keyClicks(page.pair.first, GOOD)
    qtbot.keyClicks(page.pair.second, GOOD)
    finish(wizard)
    assert page.account_reason.isVisible()
    assert wizard.opened is None and not wizard.busy
    assert not Vault(tmp_path / "kluis").exists()
