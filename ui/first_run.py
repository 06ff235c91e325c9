"""The first-run wizard: where the vault goes, and its first administrator account; or, for a
workstation joining a house server (issue 22), the server's address, its CA file and where
the connection profile is saved (``app.services.server_profile``: the profile holds no
password; the house itself is made by its IT with ``casuskamer init --server ... --create``).

Shown when there is no vault in the chosen folder. Each page checks its step of
``app.domain.first_run.FLOW`` (``ui.wizard.StepPage``) and says why it refuses; the vault is
made once, at the end, by ``Vault.create`` on a worker thread (it measures and runs
Argon2id, which takes about a second). ``opened`` holds the unlocked vault afterwards; in
the server branch ``profile_path`` holds the profile written, and the program goes on to the
unlock screen of that house server (``ui.main.build_window``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from app.domain import first_run
from app.domain.first_run import FirstRunStep, FolderFacts, SetupDraft, Where
from app.domain.wizard import FieldError
from app.errors import CasuskamerError, ValidationError
from app.i18n import _
from app.services import server_profile, session
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from ui import a11y, dialogs, wizard_steps
from ui.passphrase_pair import PassphrasePair
from ui.tasks import run_in_background
from ui.wizard import StepPage

DEFAULT_ADMIN = "beheerder"


def _reason_label() -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setStyleSheet(a11y.error_style())
    label.setVisible(False)
    return label


class SetupPage(StepPage):
    """A step of ``app.domain.first_run.FLOW``: the draft is what the two pages hold."""

    def __init__(self, step: FirstRunStep, error_name: str) -> None:
        super().__init__(first_run.FLOW, step, error_name=error_name)

    def draft(self) -> SetupDraft:
        wizard = self.wizard()
        assert isinstance(wizard, FirstRunWizard)
        return wizard.setup_draft()


class FolderPage(SetupPage):
    def __init__(self, folder: Path) -> None:
        super().__init__(FirstRunStep.FOLDER, "folder_reason")
        self.local = QRadioButton(_("A vault &on this workstation (one encrypted folder)"))
        self.local.setObjectName("where_local")
        self.server = QRadioButton(_("Join the house &server that IT set up for the house"))
        self.server.setObjectName("where_server")
        self.local.setChecked(True)
        self.where = QButtonGroup(self)
        self.where.addButton(self.local)
        self.where.addButton(self.server)
        self.folder = QLineEdit(str(folder))
        self.folder.setObjectName("folder")
        self.browse = QPushButton(_("&Browse..."))
        self.browse.clicked.connect(self._browse)
        self.reason = self.page_error
        self.register_field("folder", self.folder)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        label = QLabel(_("Vault &folder:"))
        label.setBuddy(self.folder)
        layout = QVBoxLayout(self)
        layout.addWidget(self.local)
        layout.addWidget(self.server)
        layout.addWidget(label)
        layout.addLayout(row)
        layout.addWidget(self.reason)
        layout.addStretch(1)
        self.server.toggled.connect(self._where_changed)

    def chosen_where(self) -> Where:
        return Where.SERVER if self.server.isChecked() else Where.LOCAL

    def _where_changed(self) -> None:
        local = self.chosen_where() is Where.LOCAL
        self.folder.setEnabled(local)
        self.browse.setEnabled(local)
        self.clear_errors()
        wizard = self.wizard()
        if isinstance(wizard, FirstRunWizard):  # Next or Finish follows the choice
            wizard.setButtonText(QWizard.WizardButton.FinishButton,
                                 _("&Create vault") if local else _("&Save profile"))

    def chosen(self) -> Path:
        return Path(self.folder.text().strip()).expanduser()

    def _browse(self) -> None:
        start = self.chosen()
        picked = dialogs.choose_folder(self, _("Choose the vault folder"),
                                       start if start.exists() else start.parent)
        if picked is not None:
            self.folder.setText(str(picked))

    def context(self) -> FolderFacts:
        """What the folder typed is (asked of the disk only when something is typed)."""
        if not self.folder.text().strip():
            return FolderFacts()
        chosen = self.chosen()
        return FolderFacts(holds_vault=Vault(chosen).exists(),
                           is_file=chosen.exists() and not chosen.is_dir())


class AccountPage(SetupPage):
    def __init__(self) -> None:
        super().__init__(FirstRunStep.ACCOUNT, "account_reason")
        self.account = QLineEdit(DEFAULT_ADMIN)
        self.account.setObjectName("account")
        self.account_reason = self.page_error
        self.register_field("account", self.account)
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
        found = self.refusals()
        self.show_refusals(found)   # beside the name, the focus on it
        if found:
            self.account.selectAll()
            raise ValidationError(found[0].message, field=found[0].field or None)
        return name, self.pair.checked_value(name)

    def validatePage(self) -> bool:
        wizard = self.wizard()
        assert isinstance(wizard, FirstRunWizard)
        return wizard.create_vault()


class ServerPage(SetupPage):
    """Joining a house server: its address, its CA file, where the profile is saved."""

    def __init__(self, folder: Path) -> None:
        super().__init__(FirstRunStep.SERVER, "server_reason")
        self.server = QLineEdit("")
        self.server.setObjectName("server")
        self.server.setPlaceholderText("postgresql://server.zvh.local/casuskamer")
        self.ca_file = QLineEdit("")
        self.ca_file.setObjectName("ca_file")
        self.profile = QLineEdit(str(folder.parent / "huisserver.json"))
        self.profile.setObjectName("profile")
        self.server.setAccessibleName(_("Server address"))
        self.ca_file.setAccessibleName(_("CA file"))
        self.profile.setAccessibleName(_("Profile file"))
        browse_ca = QPushButton(_("B&rowse..."))
        browse_ca.clicked.connect(self._browse_ca)
        browse_profile = QPushButton(_("Br&owse..."))
        browse_profile.clicked.connect(self._browse_profile)
        form = QFormLayout()
        server_label = QLabel(_("Server &address:"))
        server_label.setBuddy(self.server)
        form.addRow(server_label, self.with_error("server", self.server))
        for path, field, text, button in (
                ("ca_file", self.ca_file, _("CA f&ile:"), browse_ca),
                ("profile", self.profile, _("&Profile file:"), browse_profile)):
            row = QHBoxLayout()
            row.addWidget(field, 1)
            row.addWidget(button)
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, row)
            error = self.make_error_label(path)
            self.register_field(path, field, error)
            form.addRow("", error)
        self.status = QLabel("")
        self.status.setObjectName("server_status")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.page_error)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def initializePage(self) -> None:
        QTimer.singleShot(0, self.server, self.server.setFocus)

    def context(self) -> FolderFacts:
        """What the address, the CA file and the profile's path checks refuse."""
        return FolderFacts(server_refusals=tuple(server_profile.profile_refusals(
            self.server.text(), self.ca_file.text(), self.profile.text())))

    def _browse_ca(self) -> None:
        picked = dialogs.open_file(self, _("Choose the house server's CA file"), None,
                                   _("Certificates (*.pem *.crt);;All files (*)"))
        if picked is not None:
            self.ca_file.setText(str(picked))

    def _browse_profile(self) -> None:
        picked = dialogs.save_file(self, _("Save the connection profile"),
                                   Path(self.profile.text().strip() or "huisserver.json"),
                                   _("Profiles (*.json)"))
        if picked is not None:
            self.profile.setText(str(picked))

    def validatePage(self) -> bool:
        if not self.check_and_show():
            return False
        wizard = self.wizard()
        assert isinstance(wizard, FirstRunWizard)
        return wizard.save_profile()


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
        #: the house server's profile written (the server branch), else None
        self.profile_path: Path | None = None
        self.busy = False
        self.folder_page = FolderPage(folder)
        self.account_page = AccountPage()
        self.server_page = ServerPage(folder)
        self.addPage(self.folder_page)
        self.addPage(self.account_page)
        self.addPage(self.server_page)
        wizard_steps.install(self)
        self.setButtonText(QWizard.WizardButton.FinishButton, _("&Create vault"))
        self.resize(640, 520)

    def setup_draft(self) -> SetupDraft:
        """What the pages hold, for their steps' checks."""
        return SetupDraft(self.folder_page.folder.text(), self.account_page.account.text(),
                          self.folder_page.chosen_where(), self.server_page.server.text(),
                          self.server_page.ca_file.text(), self.server_page.profile.text())

    def save_profile(self) -> bool:
        """Finish on the server page: write the profile (checked again as it is written;
        a refusal is shown on the page and the wizard stays open)."""
        page = self.server_page
        path = Path(page.profile.text().strip()).expanduser()
        try:
            server_profile.create_profile(page.server.text().strip(),
                                          Path(page.ca_file.text().strip()).expanduser(), path,
                                          make_folder=True)
        except ValidationError as exc:
            page.show_refusals(server_profile.profile_refusals(
                page.server.text(), page.ca_file.text(), page.profile.text())
                or [FieldError("", str(exc))])
            return False
        except CasuskamerError as exc:
            page.show_problem(str(exc))
            return False
        self.profile_path = path
        dialogs.inform(self, _("Connection profile saved"), _(
            "The connection profile is saved in {path}. It holds no password. The program "
            "now opens the house server: sign in with your account name and passphrase. "
            "Next time the program opens this house server by itself.").format(path=path))
        return True

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
