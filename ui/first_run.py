"""The first-run wizard: where the vault goes, and its first administrator account.

Shown when there is no vault in the chosen folder. Each page checks its input and says why it
refuses; the vault is made once, at the end, by ``Vault.create`` on a worker thread (it measures
and runs Argon2id, which takes about a second). ``opened`` holds the unlocked vault afterwards.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.domain.accounts import check_account_name
from app.errors import CasuskamerError, ValidationError
from app.i18n import _
from app.services import session
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from ui import a11y, dialogs, wizard_steps
from ui.passphrase_pair import PassphrasePair
from ui.tasks import run_in_background

DEFAULT_ADMIN = "beheerder"


def _reason_label() -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setStyleSheet(a11y.error_style())
    label.setVisible(False)
    return label


class FolderPage(QWizardPage):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.setTitle(_("Where will the vault be kept?"))
        self.setSubTitle(_("The vault is one encrypted folder holding all case data of the "
                           "house. Choose a folder on this workstation that is included in the "
                           "backups."))
        self.folder = QLineEdit(str(folder))
        self.folder.setObjectName("folder")
        browse = QPushButton(_("&Browse..."))
        browse.clicked.connect(self._browse)
        self.reason = _reason_label()
        self.reason.setObjectName("folder_reason")
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        label = QLabel(_("Vault &folder:"))
        label.setBuddy(self.folder)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addLayout(row)
        layout.addWidget(self.reason)
        layout.addStretch(1)

    def chosen(self) -> Path:
        return Path(self.folder.text().strip()).expanduser()

    def _browse(self) -> None:
        start = self.chosen()
        picked = dialogs.choose_folder(self, _("Choose the vault folder"),
                                       start if start.exists() else start.parent)
        if picked is not None:
            self.folder.setText(str(picked))

    def validatePage(self) -> bool:
        text = self.folder.text().strip()
        reason = ""
        if not text:
            reason = _("Choose a folder for the vault.")
        elif Vault(self.chosen()).exists():
            reason = _("There is already a vault in this folder. Choose another folder, or "
                       "start the program with that vault.")
        elif self.chosen().exists() and not self.chosen().is_dir():
            reason = _("This is a file, not a folder.")
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
        return not reason


class AccountPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("The first administrator"))
        self.setSubTitle(_("This account manages the accounts of colleagues, the parties and "
                           "the settings. Keep its passphrase somewhere safe: without a "
                           "passphrase the vault cannot be opened by anyone."))
        self.account = QLineEdit(DEFAULT_ADMIN)
        self.account.setObjectName("account")
        self.account_reason = _reason_label()
        self.account_reason.setObjectName("account_reason")
        self.pair = PassphrasePair()
        self.status = QLabel("")
        self.status.setObjectName("status")
        self.error = _reason_label()
        self.error.setObjectName("create_error")
        self.pair.form.insertRow(0, _("Account &name:"), self.account)
        self.pair.form.insertRow(1, "", self.account_reason)
        QWidget.setTabOrder(self.account, self.pair.first)
        QWidget.setTabOrder(self.pair.first, self.pair.second)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pair)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def initializePage(self) -> None:
        # The account name has a sensible default; the passphrase is what must be typed.
        QTimer.singleShot(0, self.pair.first, self.pair.first.setFocus)

    def checked(self) -> tuple[str, str]:
        """Account name and passphrase, or ValidationError with the reason shown."""
        name = self.account.text().strip()
        try:
            check_account_name(name)
        except ValidationError as exc:
            self.account_reason.setText(str(exc))
            self.account_reason.setVisible(True)
            self.account.setFocus()
            self.account.selectAll()
            raise
        self.account_reason.setVisible(False)
        return name, self.pair.checked_value(name)

    def validatePage(self) -> bool:
        wizard = self.wizard()
        assert isinstance(wizard, FirstRunWizard)
        return wizard.create_vault()


class FirstRunWizard(QWizard):
    def __init__(self, folder: Path, kdf: KdfParams | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first_run")
        self.setWindowTitle(_("Casuskamer: set up a new vault"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        self.kdf = kdf
        self.opened: OpenVault | None = None
        self.busy = False
        self.folder_page = FolderPage(folder)
        self.account_page = AccountPage()
        self.addPage(self.folder_page)
        self.addPage(self.account_page)
        wizard_steps.install(self)
        self.setButtonText(QWizard.WizardButton.FinishButton, _("&Create vault"))
        self.resize(640, 520)

    def create_vault(self) -> bool:
        """Called by Finish: start making the vault and keep the wizard open meanwhile."""
        if self.opened is not None:
            return True
        if self.busy:
            return False
        try:
            account, passphrase = self.account_page.checked()
        except ValidationError:
            return False
        folder = self.folder_page.chosen()
        kdf = self.kdf
        self.busy = True
        self.account_page.error.setVisible(False)
        self.account_page.status.setText(_("The vault is being created; this takes a few "
                                           "seconds..."))
        for which in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.BackButton,
                      QWizard.WizardButton.CancelButton):
            self.button(which).setEnabled(False)
        self.account_page.pair.wipe()
        run_in_background(lambda: session.after_unlock(
                              Vault.create(folder, account, passphrase, kdf=kdf), created=True),
                          self._created, self._failed, context=self)
        return False

    def _created(self, opened: OpenVault) -> None:
        self.busy = False
        self.opened = opened
        self.account_page.status.setText("")
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.account_page.status.setText("")
        for which in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.BackButton,
                      QWizard.WizardButton.CancelButton):
            self.button(which).setEnabled(True)
        if not isinstance(exc, CasuskamerError):
            raise exc
        self.account_page.error.setText(str(exc))
        self.account_page.error.setVisible(True)

    def reject(self) -> None:
        if self.busy:
            return  # the vault is half made; let it finish
        self.account_page.pair.wipe()
        super().reject()
