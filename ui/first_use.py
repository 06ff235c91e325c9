"""First use and account notices in the program (issue 17, point 4).

``FirstUsePanel`` takes the unlock screen's place when the account that just unlocked has a
passphrase someone else set (``OpenVault.passphrase_set_by``, read from the audit log by
``app.vault.first_use``): the passphrase it was given, a new one twice (the rule of
``app.domain.passphrase``, through ``ui.passphrase_pair``), and nothing else. The workspace is
not built until the new passphrase is sealed; cancelling, Escape, Ctrl+L, the idle time or the
screen saver lock the vault again and bring back the unlock screen.

``show_account_notices`` puts the changes to the accounts since the account last saw them
(``app.services.accounts.account_notices``: accounts added, revoked, roles changed; only for
process directors and administrators; seeing them is audited) in a notice above the
workspace's sections, once; its Dismiss button is in the tab order.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.errors import CasuskamerError, ValidationError
from app.i18n import _
from app.services import accounts
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault
from ui import a11y
from ui.passphrase_pair import PassphrasePair, secret_field
from ui.tasks import run_in_background

#: Without a key typed for this long, the panel gives up and the vault is locked again.
IDLE_MS = 5 * 60_000
#: At most this many notices are listed; the rest are counted.
MAX_NOTICES = 20


class FirstUsePanel(QFrame):
    """Choose one's own passphrase. Emits ``chosen`` once it is sealed, ``cancelled`` when
    the user (or the idle time) gives up; the owner locks the vault then."""

    chosen = Signal()
    cancelled = Signal()

    def __init__(self, opened: OpenVault, kdf: KdfParams | None = None,
                 idle_ms: int = IDLE_MS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first_use_panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(540)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Maximum)
        self.opened = opened
        self.kdf = kdf
        self.busy = False
        #: cancelled while the key was being sealed: cancel once that has ended
        self._cancel_pending = False
        self.account = opened.actor.account

        title = QLabel(_("Choose your own passphrase"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        self.explanation = QLabel(_(
            "The passphrase of {account} was set by {by}. Before you can work, choose a "
            "passphrase that only you know; the one you were given then no longer opens the "
            "vault.").format(account=self.account, by=opened.passphrase_set_by))
        self.explanation.setObjectName("first_use_explanation")
        self.explanation.setWordWrap(True)
        self.given = secret_field("given_passphrase")
        self.pair = PassphrasePair()
        self.pair.form.insertRow(0, _("Account:"), QLabel(self.account))
        self.pair.form.insertRow(1, _("Passphrase you were &given:"), self.given)
        QWidget.setTabOrder(self.given, self.pair.first)
        QWidget.setTabOrder(self.pair.first, self.pair.second)
        self.error = QLabel("")
        self.error.setObjectName("first_use_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(a11y.error_style())
        self.error.setVisible(False)
        self.status = QLabel("")
        self.choose_button = QPushButton(_("&Choose passphrase"))
        self.choose_button.setObjectName("choose_passphrase")
        self.choose_button.setDefault(True)
        self.choose_button.setAutoDefault(True)
        self.choose_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton(_("Cancel and &lock"))
        self.cancel_button.setObjectName("cancel_first_use")
        self.cancel_button.clicked.connect(self.cancel)
        for field in (self.given, self.pair.first, self.pair.second):
            field.returnPressed.connect(self.submit)
            field.textChanged.connect(self._typed)

        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.choose_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(self.explanation)
        layout.addWidget(self.pair)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        for keys in (QKeySequence(Qt.Key.Key_Escape), QKeySequence("Ctrl+L")):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.cancel)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(max(1, idle_ms))
        self._idle.timeout.connect(self.cancel)
        self._idle.start()

    def _typed(self, _text: str) -> None:
        self.error.setVisible(False)
        self._idle.start()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def submit(self) -> None:
        if self.busy:
            return
        given = self.given.text()
        if not given:
            self._show_error(_("Type the passphrase you were given."))
            self.given.setFocus()
            return
        try:
            new = self.pair.checked_value(self.account)
        except ValidationError:
            return  # the reason is shown under the fields
        self.clear()
        self.busy = True
        self._set_enabled(False)
        self.status.setText(_("One moment, the key is being sealed..."))
        opened, kdf = self.opened, self.kdf
        run_in_background(lambda: accounts.change_passphrase(opened, given, new, kdf=kdf),
                          self._done, self._failed, context=self)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.given, self.pair.first, self.pair.second, self.choose_button,
                       self.cancel_button):
            widget.setEnabled(enabled)

    def _done(self, _result: object) -> None:
        self.busy = False
        self._idle.stop()
        self.status.setText("")
        if self._cancel_pending:
            self.cancel()
            return
        self.chosen.emit()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.status.setText("")
        self._set_enabled(True)
        if self._cancel_pending:
            self.cancel()
            return
        if not isinstance(exc, CasuskamerError):
            self._show_error(_("The passphrase could not be changed because of an unexpected "
                               "error."))
            return
        self._show_error(str(exc))
        self.given.setFocus()

    def cancel(self) -> None:
        """Give up: the owner locks the vault (also while the key is being sealed: it is
        locked as soon as that ends)."""
        self._idle.stop()
        self.clear()
        if self.busy:
            self._cancel_pending = True
            return
        self._cancel_pending = False
        self.cancelled.emit()

    def clear(self) -> None:
        """Wipe every passphrase field (the lock protocol, and after each attempt)."""
        self.given.clear()
        self.pair.wipe()


class _NoticeHost(Protocol):
    def show_notice(self, name: str, text: str, warning: bool = False) -> QWidget: ...


def notices_text(notices: list[accounts.AccountNotice]) -> str:
    """The notices as the workspace shows them: a heading and one line each."""
    lines = [_("Changes to the accounts since you last unlocked:")]
    lines += [f"\u2022 {notice.text()}" for notice in notices[-MAX_NOTICES:]]
    if len(notices) > MAX_NOTICES:
        lines.append(_("... and {n} earlier changes (the audit log has them all).")
                     .format(n=len(notices) - MAX_NOTICES))
    return "\n".join(lines)


def show_account_notices(host: _NoticeHost | None, opened: OpenVault | None) -> None:
    """After an unlock: the changes to the accounts this account has not seen yet, as a
    notice above the sections (recorded as seen by the service)."""
    if host is None or opened is None:
        return
    try:
        notices = accounts.account_notices(opened)
    except CasuskamerError:
        return  # a notice, not a condition for working
    if notices:
        banner = host.show_notice("accounts", notices_text(notices))
        banner.setAccessibleName(_("Changes to the accounts"))
