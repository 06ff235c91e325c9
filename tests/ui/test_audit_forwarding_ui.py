"""Forwarding to the house's central log in the program (issue 17, point 6): a failed unlock
on the unlock screen reaches the operating system's log and the collector; an unlock starts
the sender; the administrator sets and stops forwarding in Settings. A TLS syslog receiver
runs on 127.0.0.1 inside the test; every wait is bounded. Fails on 7ca920e (no forwarding).
"""
# Fixtures are imported from shell_fixtures, so pytest sees them as parameters here.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.vault import forwarding
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.ui.shell_fixtures import (  # noqa: F401
    FAST_BACKOFF,
    _no_scripted_dialogs,
    ctx,
    locked_vault,
    settings,
)
from tests.unit.audit_forwarding_receiver import Authority, Receiver
from ui import dialogs
from ui.forwarding_box import ForwardingBox
from ui.unlock import UnlockScreen

CANARY = "Kanarie-wachtzin-998877"


@pytest.fixture(autouse=True)
def _short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forwarding, "TIMEOUT", 1.0)
    monkeypatch.setattr(forwarding, "INTERVAL", 0.1)


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    r = Receiver(Authority(tmp_path / "ca")).start()
    yield r
    r.stop()


@pytest.fixture
def system_log_lines(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    import syslog

    from app.vault import system_log

    lines: list[str] = []
    socket_file = tmp_path / "dev-log"
    socket_file.touch()
    monkeypatch.setattr(system_log, "SYSLOG_SOCKETS", (str(socket_file),))
    monkeypatch.setattr(syslog, "openlog", lambda *a, **k: None)
    monkeypatch.setattr(syslog, "syslog", lambda priority, text: lines.append(text))
    return lines


def _unlock_attempt(qtbot, screen: UnlockScreen, passphrase: str) -> None:
    screen.account.setCurrentText(ADMIN)
    qtbot.keyClicks(screen.passphrase, passphrase)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not screen.busy, timeout=10_000)


def test_failed_unlock_on_the_screen_goes_to_system_log_and_collector_and_unlock_sends(
        qtbot, locked_vault: OpenVault, receiver: Receiver,
        system_log_lines: list[str]) -> None:
    folder = locked_vault.vault.folder
    admin = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    assert forwarding.configure(admin, receiver.address, receiver.authority.ca_pem) is None
    admin.lock()
    before = receiver.total()

    screen = UnlockScreen(Vault(folder), backoff=FAST_BACKOFF)
    qtbot.addWidget(screen)
    screen.show()
    opened: list[OpenVault] = []
    screen.unlocked.connect(opened.append)
    _unlock_attempt(qtbot, screen, "niet de goede " + CANARY)
    qtbot.waitUntil(lambda: any(m.params.get("result") == "failed"
                                for m in receiver.received), timeout=10_000)
    assert len(system_log_lines) == 1 and ADMIN in system_log_lines[0]
    assert CANARY not in system_log_lines[0]
    assert all(CANARY.encode() not in m.raw for m in receiver.received)

    # a good unlock starts the sender: the rows of the unlock (with the failure it now
    # writes into the vault) reach the collector without anyone asking
    _unlock_attempt(qtbot, screen, ADMIN_PASSPHRASE)
    assert len(opened) == 1
    try:
        qtbot.waitUntil(lambda: any(m.params.get("action") == "unlock"
                                    and m.params.get("result") == "ok"
                                    for m in receiver.received[before:]), timeout=10_000)
    finally:
        opened[0].lock()


def test_administrator_sets_and_stops_forwarding_in_settings(
        qtbot, locked_vault: OpenVault, receiver: Receiver, tmp_path: Path) -> None:
    opened = Vault(locked_vault.vault.folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        box = ForwardingBox(opened)
        qtbot.addWidget(box)
        box.show()
        assert "Uit" in box.state.text()
        box.collector.setText(receiver.address)
        box.ca_file.setText(str(receiver.authority.ca_file))
        qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: forwarding.config_of(opened) is not None, timeout=10_000)
        qtbot.waitUntil(lambda: box.save_button.isEnabled(), timeout=10_000)
        assert receiver.address in box.state.text()
        qtbot.waitUntil(lambda: any(m.params.get("action") == "forwarding.configure"
                                    for m in receiver.received), timeout=10_000)

        # a certificate that does not verify: refused with one line, nothing changed
        rogue = Receiver(Authority(tmp_path / "rogue", name="Rogue CA")).start()
        try:
            box.collector.setText(rogue.address)
            with dialogs.scripted() as script:
                qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
                qtbot.waitUntil(lambda: bool(script.shown), timeout=10_000)
            assert len(script.shown[0].text.splitlines()) == 1
            config = forwarding.config_of(opened)
            assert config is not None and config.address == receiver.address
        finally:
            rogue.stop()

        with dialogs.scripted(True):
            qtbot.mouseClick(box.off_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: forwarding.config_of(opened) is None, timeout=10_000)
        qtbot.waitUntil(lambda: "Uit" in box.state.text(), timeout=10_000)
    finally:
        opened.lock()
