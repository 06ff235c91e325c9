"""The unlock screen: account and passphrase, nothing of the cases behind it.

It is shown at start (when the vault exists) and in place of the workspace after every lock.
Key derivation (Argon2id, about half a second by design) runs on a worker thread so the window
keeps painting. The passphrase field is wiped the moment an attempt starts, whatever its
outcome. After ``Backoff.threshold`` failed attempts the button waits before the next try, the
wait doubling each time up to a ceiling, with a countdown on the button. The count and the
wait are the vault's attempt counter (``app.vault.attempts``, a file beside the vault): they
survive restarting the program, count the command line's attempts too, and the next
successful unlock reports them (``show_attempts_notice``).

While an attempt runs, Cancel (or Escape) abandons it: Argon2id inside ``cryptography``
cannot be interrupted, so the worker (a daemon thread, which never holds up quitting) runs
to its end and its result is dropped; a vault it opened is locked again, and a failure still
counts. A worker process that could be killed was not chosen: the passphrase and the data
key would have to cross into another process (and its memory, core dumps and packaging),
while the key-slot file's ceilings (``app.vault.keyslots``) already bound the wait to
seconds.

An account whose passphrase someone else set (an administrator adding it) does not get the
workspace at once: the screen shows ``ui.first_use.FirstUsePanel`` in place of its own panel,
and ``unlocked`` is emitted only after the account has chosen its own passphrase; cancelling
locks the vault again (issue 17, point 4).

On the house server (``--vault PROFILE``, issue 22 point 1) the screen asks the account name
as typed text: the server shows no list of its accounts to a workstation that has not logged
in. The one passphrase opens both the login and the account's key slot
(``app.vault.server``); the failed attempts are counted in memory for this run
(``app.vault.memory_attempts``), so nothing is written beside the profile. The panel names
the server (host, port, database: the profile holds no password, so neither does the
screen).
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QHideEvent, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.errors import AccountRevoked, CasuskamerError, WrongPassphrase
from app.i18n import _, ngettext
from app.services import unlocking
from app.vault import attempts, first_use, forwarding
from app.vault.keyslots import KdfParams
from app.vault.memory_attempts import MemoryAttempts
from app.vault.vault import OpenVault, Vault
from ui import a11y
from ui.first_use import IDLE_MS, FirstUsePanel


@dataclass(frozen=True)
class Backoff:
    """How long to wait before the next attempt, after ``failures`` failed ones in a row."""

    threshold: int = 3
    first_ms: int = 1000
    max_ms: int = 60_000

    def delay_ms(self, failures: int) -> int:
        if failures < self.threshold:
            return 0
        return min(self.max_ms, self.first_ms * (1 << (failures - self.threshold)))

    def as_delay(self) -> attempts.Delay:
        """The same policy for the vault's attempt counter."""
        return attempts.Delay(self.threshold, self.first_ms / 1000, self.max_ms / 1000)


class _Relay(QObject):
    """Brings a worker thread's result to the GUI thread (one object for the program's
    life, on the GUI thread). A result nobody waits for any more (cancelled, or its screen
    is gone) is dropped, and a vault it opened is locked again."""

    done = Signal(int, object, object)

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[int, Callable[[Any, BaseException | None], None]] = {}
        self.done.connect(self._deliver)

    @Slot(int, object, object)
    def _deliver(self, token: int, result: Any, exc: Any) -> None:
        callback = self.waiting.pop(token, None)
        if callback is not None:
            callback(result, exc)
        elif isinstance(result, tuple) and result and isinstance(result[0], OpenVault):
            result[0].lock()


_relay: _Relay | None = None
_tokens = itertools.count(1)


def _get_relay() -> _Relay:
    global _relay
    if _relay is None:
        _relay = _Relay()
    return _relay


class _CapsLockWatch(QObject):
    """Guesses Caps Lock from typed letters: upper case without Shift, or lower case with it.

    Qt has no portable way to read the Caps Lock state; the letters themselves tell.
    """

    changed = Signal(bool)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            text = event.text()
            if len(text) == 1 and text.isalpha() and text.upper() != text.lower():
                shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self.changed.emit(text.isupper() != shift)
            elif event.key() == Qt.Key.Key_CapsLock:
                self.changed.emit(False)  # toggled: unknown until the next letter
        return False


class UnlockScreen(QWidget):
    """Emits ``unlocked(OpenVault)`` after a successful attempt."""

    unlocked = Signal(object)

    def __init__(self, vault: Vault, parent: QWidget | None = None,
                 backoff: Backoff | None = None, kdf: KdfParams | None = None,
                 first_use_idle_ms: int = IDLE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("unlock_screen")
        self.vault = vault
        self.backoff = backoff or Backoff()
        #: for the key slot of a passphrase chosen at first use (None: measured here)
        self.kdf = kdf
        self.first_use_idle_ms = first_use_idle_ms
        #: the vault opened by an account that is choosing its own passphrase first
        self.first_use: FirstUsePanel | None = None
        self._first_use_vault: OpenVault | None = None
        #: failed attempts in a row of the chosen account (from the vault's counter)
        self.failures = 0
        self.busy = False
        self._ready_at = 0.0
        self._attempt_account = ""
        self._token = 0
        self._cancel: threading.Event | None = None
        #: the failed attempts reported by the last successful unlock (None: there were none)
        self.reported: attempts.Failures | None = None
        #: the house server (issue 22): the account is typed, the attempts counted in memory
        self.on_server = unlocking.is_server(vault)
        self._memory = MemoryAttempts(self.backoff.as_delay()) if self.on_server else None

        self.title = QLabel(_("Casuskamer is locked"))
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title.setFont(font)
        self.intro = QLabel(_("Type your account name and passphrase to open the house "
                              "server.") if self.on_server else
                            _("Choose your account and type your passphrase to unlock the "
                              "vault."))
        self.intro.setWordWrap(True)

        self.account = QComboBox()
        self.account.setObjectName("account")
        if self.on_server:
            # typed: the server lists no accounts to a workstation that has not logged in
            self.account.setEditable(True)
            self.account.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            edit = self.account.lineEdit()
            assert edit is not None  # editable: the combo box has its line edit
            edit.setMaxLength(64)
            edit.setPlaceholderText(_("your account name"))
            edit.returnPressed.connect(self._account_entered)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        # No undo history, no drag out, no context menu copying: the field holds a secret.
        self.passphrase.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.passphrase.setDragEnabled(False)
        self.passphrase.returnPressed.connect(self.submit)
        self.caps_warning = QLabel(_("Caps Lock is on."))
        self.caps_warning.setObjectName("caps_warning")
        self.caps_warning.setStyleSheet(a11y.warning_style())
        self.caps_warning.setVisible(False)
        self._caps = _CapsLockWatch(self)
        self._caps.changed.connect(self.caps_warning.setVisible)
        self.passphrase.installEventFilter(self._caps)

        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(a11y.error_style())
        self.message.setVisible(False)
        self.status = QLabel("")
        self.status.setObjectName("status")

        self.button = QPushButton(_("Unlock"))
        self.button.setObjectName("unlock_button")
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setObjectName("cancel_unlock")
        self.cancel_button.setToolTip(_("Stop this attempt (Esc)"))
        self.cancel_button.clicked.connect(self.cancel_attempt)
        self.cancel_button.setVisible(False)

        form = QFormLayout()
        form.addRow(_("&Account:"), self.account)
        form.addRow(_("&Passphrase:"), self.passphrase)
        form.addRow("", self.caps_warning)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.button)

        self.panel = panel = QFrame()
        panel.setObjectName("unlock_panel")
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel.setFixedWidth(500)
        panel.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Maximum)
        inner = QVBoxLayout(panel)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(12)
        inner.addWidget(self.title)
        inner.addWidget(self.intro)
        inner.addLayout(form)
        inner.addWidget(self.message)
        inner.addLayout(buttons)
        self.folder_label = QLabel(self._where())
        self.folder_label.setStyleSheet(a11y.secondary_style())
        self.folder_label.setWordWrap(True)
        inner.addWidget(self.folder_label)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        self._row = row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(panel)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        self._tick = QTimer(self)
        self._tick.setInterval(200)
        self._tick.timeout.connect(self._update_wait)
        self.account.currentTextChanged.connect(lambda _t: self._refresh_wait())
        self.reload_accounts()

    # -- state --------------------------------------------------------------------------

    def _where(self) -> str:
        """The vault's folder, or the house server (host, port, database: no secret)."""
        profile = getattr(self.vault, "profile", None)
        if self.on_server and profile is not None:
            return _("House server: {server}").format(
                server=f"{profile.host}:{profile.port}/{profile.database}")
        return _("Vault: {folder}").format(folder=self.vault.folder)

    def _may_try(self) -> bool:
        """An account to try: one in the list, or (on the server) a field to type it in."""
        return self.on_server or self.account.count() > 0

    def _account_entered(self) -> None:
        """Enter in the account name (server): on to the passphrase."""
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)

    def reload_accounts(self, preselect: str | None = None) -> None:
        """Fill the account list from the slot file (readable while locked); on the house
        server only the account last used in this run, to be typed over."""
        current = preselect or self.account.currentText()
        self.account.clear()
        if self.on_server:
            names = [current] if current else []
        else:
            try:
                names = self.vault.account_names()
            except CasuskamerError as exc:
                self._show_message(str(exc))
                names = []
        self.account.blockSignals(True)
        self.account.addItems(names)
        if current in names:
            self.account.setCurrentText(current)
        self.account.blockSignals(False)
        self._refresh_wait()

    def prepare(self, preselect: str | None = None) -> None:
        """Make the screen ready after a lock: fresh accounts, empty field, focus."""
        self.passphrase.clear()
        self.caps_warning.setVisible(False)
        self.message.setVisible(False)
        self.reload_accounts(preselect)
        if self.on_server and not self.account.currentText():
            self.account.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)

    def wait_ms(self) -> int:
        return max(0, int((self._ready_at - time.monotonic()) * 1000))

    def _counter(self) -> attempts.Attempts:
        if self._memory is not None:
            return self._memory  # the house server: in memory, nothing beside the profile
        return attempts.Attempts(self.vault.folder, self.backoff.as_delay())

    def _refresh_wait(self) -> None:
        """The chosen account's failures and wait, from the vault's counter (which the
        command line and earlier runs of the program fill too)."""
        account = self.account.currentText()
        record = self._counter().failures(account) if account else None
        self.failures = record.count if record else 0
        wait = self._counter().wait_seconds(account) if account else 0.0
        self._ready_at = time.monotonic() + wait
        if self.busy:
            return
        if wait > 0:
            self._set_enabled(False)
            # another account may try
            self.account.setEnabled(self.on_server or self.account.count() > 1)
            self._update_wait()
            self._tick.start()
        else:
            self._tick.stop()
            self.button.setText(_("Unlock"))
            self._set_enabled(self._may_try())

    def _set_enabled(self, enabled: bool) -> None:
        self.button.setEnabled(enabled)
        self.account.setEnabled(enabled)
        self.passphrase.setEnabled(enabled)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_message(self, text: str) -> None:
        """Say why the session ended (after a lock the program did not ask for)."""
        self._show_message(text)

    # -- an attempt ---------------------------------------------------------------------

    def submit(self) -> None:
        if self.busy or self.wait_ms() > 0 or not self.button.isEnabled():
            return
        account = self.account.currentText().strip()
        passphrase = self.passphrase.text()
        # Wiped at once, whatever comes of the attempt.
        self.passphrase.clear()
        if not account:
            if self.on_server:
                self._show_message(_("Type your account name."))
                self.account.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if not passphrase:
            self._show_message(_("Type your passphrase."))
            return
        self.busy = True
        self._attempt_account = account
        self._set_enabled(False)
        self.status.setText(_("Unlocking..."))
        self.cancel_button.setVisible(True)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)  # Esc or Space cancels
        vault, delay, counter = self.vault, self.backoff.as_delay(), self._memory
        cancel = self._cancel = threading.Event()
        token = self._token = next(_tokens)
        relay = _get_relay()
        relay.waiting[token] = self._attempt_finished
        self.destroyed.connect(lambda *_a: relay.waiting.pop(token, None))

        def work() -> None:
            outcome: tuple[Any, BaseException | None]
            try:
                outcome = (unlocking.unlock(vault, account, passphrase, delay=delay,
                                            cancelled=cancel, counter=counter), None)
            except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread
                outcome = (None, exc)
            try:
                relay.done.emit(token, *outcome)
            except RuntimeError:  # the program has quit meanwhile: nobody to tell
                if outcome[0] is not None:
                    outcome[0][0].lock()

        # a daemon thread: an abandoned attempt never holds up quitting the program
        threading.Thread(target=work, name="unlock", daemon=True).start()

    def _attempt_finished(self, result: Any, exc: BaseException | None) -> None:
        self.cancel_button.setVisible(False)
        if exc is not None:
            self._failed(exc)
        else:
            self._succeeded(result)

    def cancel_attempt(self) -> None:
        """Abandon the running attempt (Cancel, Escape): the screen is usable at once."""
        if not self.busy:
            return
        if self._cancel is not None:
            self._cancel.set()
        # its result, when it comes, is dropped (a vault it opened is locked again)
        _get_relay().waiting.pop(self._token, None)
        self.busy = False
        self.cancel_button.setVisible(False)
        self._refresh_wait()
        if self.wait_ms() == 0:
            self.status.setText(_("Attempt cancelled."))
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_attempts_notice(self, host: Any) -> None:
        """After an unlock: the failed attempts since the last success, as a warning notice
        above the sections (``host.show_notice``), once."""
        reported, self.reported = self.reported, None
        if reported is None or host is None:
            return
        text = reported.text() + " " + _("If that was not you, tell your administrator.")
        banner = host.show_notice("failed_attempts", text, True)
        banner.setAccessibleName(_("Failed attempts"))

    def _succeeded(self, result: tuple[OpenVault, attempts.Failures | None]) -> None:
        opened, self.reported = result
        self.busy = False
        self.failures = 0
        self.status.setText("")
        self._show_message("")
        self._set_enabled(True)
        # the central log, while unlocked (when on); on the house server the house's one
        # queue, sent by one workstation at a time (app.vault.forwarding)
        forwarding.start_background(opened)
        if opened.passphrase_set_by:
            self._begin_first_use(opened)
            return
        self.unlocked.emit(opened)

    # -- first use: choosing one's own passphrase -------------------------------------------

    @property
    def first_use_pending(self) -> bool:
        return self._first_use_vault is not None

    def _begin_first_use(self, opened: OpenVault) -> None:
        """Nothing but the choice of a passphrase until it is made (audited)."""
        try:
            first_use.note_refused(opened, "program")
        except CasuskamerError:
            pass  # the unlock row is there; the choice is asked all the same
        self._first_use_vault = opened
        panel = FirstUsePanel(opened, self.kdf, self.first_use_idle_ms, self)
        panel.chosen.connect(self._first_use_chosen)
        panel.cancelled.connect(self.cancel_first_use)
        self.first_use = panel
        self.panel.hide()
        self._row.insertWidget(2, panel)
        panel.show()
        panel.given.setFocus(Qt.FocusReason.OtherFocusReason)

    def _end_first_use(self) -> None:
        panel, self.first_use = self.first_use, None
        self._first_use_vault = None
        if panel is not None:
            panel.clear()
            self._row.removeWidget(panel)
            panel.hide()
            panel.deleteLater()
        self.panel.show()

    def _first_use_chosen(self) -> None:
        opened = self._first_use_vault
        self._end_first_use()
        if opened is not None and opened.is_open:
            self.unlocked.emit(opened)
        else:
            self.prepare()

    def cancel_first_use(self) -> None:
        """Lock the vault of an account still choosing its passphrase and show the unlock
        screen again (Cancel, Escape, Ctrl+L, the idle time, the screen saver, quitting).
        While its new key slot is being sealed, the lock waits for that to finish."""
        panel, opened = self.first_use, self._first_use_vault
        if opened is None:
            return
        if panel is not None and panel.busy:
            panel.cancel()  # cancels (and comes back here) once the sealing has ended
            return
        account = opened.actor.account
        self._end_first_use()
        opened.lock()
        self.prepare(account)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.status.setText("")
        if isinstance(exc, attempts.Cancelled):
            self._refresh_wait()
            return
        if isinstance(exc, (WrongPassphrase, AccountRevoked)) and self.on_server:
            # The server answers an unknown login, a wrong secret and a revoked account's
            # dropped login alike (it names no accounts), so the message names all three.
            # The server's own log has the failed login; the workstation's system log and
            # the central log (when on) get it too, as for a vault folder.
            text = str(exc)
            if text == _("The account or passphrase is not correct."):
                text = _("The account or passphrase is not correct, or the account has been "
                         "revoked.")
            self._show_message(text)
            forwarding.report_failed_login_later(self.vault, self._attempt_account,
                                                 "passphrase")
        elif isinstance(exc, (WrongPassphrase, AccountRevoked)):
            self._show_message(str(exc))
            # not in the vault that did not open: the system's log and the central log
            failures = self.vault.pending_failures
            forwarding.report_failed_unlock_later(
                self.vault.folder, self._attempt_account,
                failures[-1].reason if failures else "passphrase")
        elif isinstance(exc, CasuskamerError):
            # In use, damaged, read-only: the message names the problem and the way out.
            self._show_message(str(exc))
        else:
            self._show_message(_("The vault could not be unlocked because of an unexpected "
                                 "error."))
            sys.excepthook(type(exc), exc, exc.__traceback__)
        # the count and the wait as the vault's counter has them now
        self._refresh_wait()
        if self.wait_ms() == 0:
            self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_wait(self) -> None:
        remaining = self.wait_ms()
        if remaining <= 0:
            self._tick.stop()
            self.button.setText(_("Unlock"))
            self.status.setText("")
            self._set_enabled(self._may_try())
            self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        seconds = (remaining + 999) // 1000
        self.button.setText(_("Unlock ({seconds})").format(seconds=seconds))
        self.status.setText(ngettext("Too many failed attempts; wait {n} second.",
                                     "Too many failed attempts; wait {n} seconds.",
                                     seconds).format(n=seconds))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.busy:
            self.cancel_attempt()
            event.accept()
            return
        super().keyPressEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self.passphrase.clear()
        super().hideEvent(event)
