"""One running program per user and vault (issue 21, point 7): a second start of Casuskamer on
the same vault brings the running window forward and ends, instead of unlocking up to the
vault's "in use" refusal.

The first program listens on a ``QLocalServer`` (a socket file in the temporary folder on
Linux and macOS, a named pipe on Windows); a second start connects with ``QLocalSocket``,
sends ``raise`` and leaves as soon as the first answers ``ok``. The server's name is a hash
of the account name and the vault's folder, so it holds no personal data and no path, two
vaults on one workstation (or two users on one terminal server) do not meet, and the socket
is opened to its owner only (``UserAccessOption``).

Nothing here locks the vault: the vault's own lock file stays the authority. A program that
does not answer within a second (hung, or a stale socket file after a crash) is taken for
absent, and this start goes on as the first.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QWidget

from app.platform import is_windows

RAISE = b"raise\n"
OK = b"ok\n"
#: how long a second start waits for the first one's answer (milliseconds)
TIMEOUT_MS = 1000


def _account() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers): the number will do
        return str(os.getuid()) if hasattr(os, "getuid") else "user"


def server_name(folder: Path, account: str | None = None) -> str:
    """The local server's name for this user and vault folder: a hash, never the path or the
    account name in plain (socket files in /tmp are listed for everybody)."""
    path = os.path.normcase(os.path.abspath(Path(folder).expanduser()))
    who = account if account is not None else _account()
    digest = hashlib.sha256(f"{who}\0{path}".encode()).hexdigest()[:32]
    return f"casuskamer-{digest}"


def _allow_foreground_switch() -> None:
    """Windows lets only the program the user just started take the foreground: give that
    right to the first program before asking it to come forward."""
    if not is_windows():
        return
    import ctypes

    windll = getattr(ctypes, "windll", None)  # absent on a simulated Windows
    if windll is not None:
        try:
            windll.user32.AllowSetForegroundWindow(-1)  # ASFW_ANY
        except OSError:
            pass


def ask_running_to_raise(name: str, timeout_ms: int = TIMEOUT_MS) -> bool:
    """True when a program already listens on ``name`` and confirmed it came forward."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    _allow_foreground_switch()
    socket.write(RAISE)
    socket.flush()
    answered = False
    while socket.state() == QLocalSocket.LocalSocketState.ConnectedState:
        if bytes(socket.peek(len(OK)).data()) == OK:
            answered = True
            break
        if not socket.waitForReadyRead(timeout_ms):
            break
    socket.disconnectFromServer()
    return answered


def bring_forward(window: QWidget | None) -> None:
    """Show ``window`` (restored if minimised) above the others, and a dialog it has open
    (the unlock screen's, a wizard) above it."""
    targets: list[QWidget] = []
    if window is not None:
        targets.append(window)
    modal = QApplication.activeModalWidget()
    if modal is not None and modal is not window:
        targets.append(modal)
    if not targets:  # e.g. the first-run wizard before there is a main window
        targets = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    for widget in targets:
        if widget.isMinimized():
            widget.showNormal()
        widget.show()
        widget.raise_()
        widget.activateWindow()


class SingleInstance(QObject):
    """The first program's side: listens and says ``raise_requested`` for every second start.

    ``window`` is what comes forward (set it once the main window exists)."""

    raise_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.window: QWidget | None = None
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_connection)
        self.raise_requested.connect(lambda: bring_forward(self.window))

    def listen(self) -> bool:
        if self.server.listen(self.name):
            return True
        if self.server.serverError() == QAbstractSocket.SocketError.AddressInUseError:
            # A socket file left by a program that crashed (nobody answered a moment ago).
            QLocalServer.removeServer(self.name)
            return self.server.listen(self.name)
        return False

    def close(self) -> None:
        self.server.close()

    def _on_connection(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            if socket is None:
                break
            socket.readyRead.connect(lambda s=socket: self._on_ready(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._on_ready(socket)

    def _on_ready(self, socket: QLocalSocket) -> None:
        if socket.canReadLine() and bytes(socket.readLine().data()) == RAISE:
            self.raise_requested.emit()
            socket.write(OK)
            socket.flush()


def claim(folder: Path) -> SingleInstance | None:
    """At start-up: None when a program already runs on ``folder`` for this user (it has been
    asked to come forward: end this one); otherwise the listening server for this program.

    Two starts at the same moment: the one that fails to listen asks again before it takes
    over a socket file, so a live first program is not pushed aside."""
    name = server_name(folder)
    if ask_running_to_raise(name):
        return None
    instance = SingleInstance(name)
    if instance.server.listen(name):
        return instance
    if ask_running_to_raise(name):
        instance.close()
        return None
    instance.listen()  # a stale socket file: removed and taken over
    return instance
