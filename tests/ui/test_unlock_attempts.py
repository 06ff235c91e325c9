"""Failed unlock attempts per account (issue 25, point 7): counted in a file beside the vault
that holds no secret, a delay that grows and survives restarting the program, guesses from
parallel command lines taken one at a time, and the count reported (program, command line,
audit) at the next successful unlock. And Cancel on a running attempt (point 5)."""
# Fixtures are imported from shell_fixtures, so pytest sees them as parameters here.
# ruff: noqa: F811

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.cli import main
from app.store.tables import audit_log
from app.vault import attempts
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.ui.shell_fixtures import (  # noqa: F401
    FAST_BACKOFF,
    MANAGER,
    _no_scripted_dialogs,
    locked_vault,
)
from ui.unlock import Backoff, UnlockScreen

WRONG = "Onjuiste-Gok-Zebra-Kwartel-77"
COUNTER = "unlock-attempts.json"


def _cli(folder: Path, passphrase: str, *extra: str, timeout: float = 120
         ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CASUSKAMER_PASSPHRASE": passphrase, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "ui.launcher", "users", "list", "--vault",
                           str(folder), "--account", ADMIN, *extra], env=env,
                          capture_output=True, text=True, timeout=timeout)


def _run(folder: Path, passphrase: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", passphrase)
    return main(["users", "list", "--vault", str(folder), "--account", ADMIN])


@pytest.fixture
def folder(locked_vault: OpenVault) -> Path:
    return locked_vault.vault.folder


def test_the_delay_grows_from_the_fourth_attempt_to_a_minute() -> None:
    """0 s for the first three failures, then 1, 2, 4, ... seconds, never more than 60."""
    assert [attempts.Delay().seconds(n) for n in range(12)] == [
        0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert attempts.Delay().seconds(10_000) == 60


def test_each_attempt_waits_its_delay_first(folder: Path) -> None:
    """The wait is applied before the attempt is tried, measured from the last failure."""
    now = [1_000_000.0]
    slept: list[float] = []
    vault = Vault(folder)

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    for _ in range(6):
        with pytest.raises(Exception, match="klopt niet"):
            attempts.guarded_unlock(vault, ADMIN, WRONG, sleep=sleep,
                                    delay=attempts.Delay())
    # guarded_unlock uses the real clock; the counter's own view with a frozen clock:
    frozen = attempts.Attempts(folder, clock=lambda: now[0] - 10_000)
    assert frozen.failures(ADMIN) is not None
    assert frozen.failures(ADMIN).count == 6  # type: ignore[union-attr]
    assert 0 < frozen.wait_seconds(ADMIN) <= 8  # after 6 failures: 8 s at most
    assert all(s > 0 for s in slept) and len(slept) == 3  # the 4th, 5th and 6th waited
    assert slept == sorted(slept)


def test_the_count_survives_a_new_process_and_the_screen_shows_the_wait(
        qtbot: Any, folder: Path) -> None:
    for _ in range(3):
        done = _cli(folder, WRONG)
        assert done.returncode == 2 and "Traceback" not in done.stderr
    record = attempts.Attempts(folder).failures(ADMIN)
    assert record is not None and record.count == 3
    # a program started afterwards knows: the account waits before its next attempt
    screen = UnlockScreen(Vault(folder), backoff=Backoff())
    qtbot.addWidget(screen)
    screen.show()
    screen.account.setCurrentText(ADMIN)
    assert screen.failures == 3
    assert screen.wait_ms() > 0
    assert not screen.button.isEnabled() and not screen.passphrase.isEnabled()
    assert "(" in screen.button.text()  # the countdown
    # the other account has no wait
    screen.account.setCurrentText(MANAGER)
    assert screen.wait_ms() == 0 and screen.button.isEnabled()


def test_success_resets_and_reports_on_the_command_line(
        folder: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):
        assert _run(folder, WRONG, monkeypatch) == 2
    capsys.readouterr()
    assert _run(folder, ADMIN_PASSPHRASE, monkeypatch) == 0
    err = capsys.readouterr().err
    assert "2 mislukte pogingen" in err and "sinds" in err
    assert attempts.Attempts(folder).failures(ADMIN) is None
    # reported once: the next command says nothing
    assert _run(folder, ADMIN_PASSPHRASE, monkeypatch) == 0
    assert "mislukte" not in capsys.readouterr().err
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        with opened.read() as conn:
            rows = conn.execute(select(audit_log.c.object_id, audit_log.c.detail).where(
                audit_log.c.action == "unlock.failed_attempts")).all()
    finally:
        opened.lock(audit_it=False)
    assert len(rows) == 1 and rows[0][0] == ADMIN
    assert json.loads(rows[0][1])["count"] == 2


class _Host:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str, bool]] = []

    def show_notice(self, name: str, text: str, warning: bool = False) -> Any:
        from PySide6.QtWidgets import QLabel

        self.shown.append((name, text, warning))
        return QLabel(text)


def test_success_resets_and_reports_in_the_program(qtbot: Any, folder: Path) -> None:
    assert _cli(folder, WRONG).returncode == 2  # one from the command line
    screen = UnlockScreen(Vault(folder), backoff=FAST_BACKOFF)
    qtbot.addWidget(screen)
    screen.show()
    results: list[OpenVault] = []
    screen.unlocked.connect(results.append)
    for passphrase in (WRONG, ADMIN_PASSPHRASE):
        screen.account.setCurrentText(ADMIN)
        qtbot.keyClicks(screen.passphrase, passphrase)
        qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not screen.busy, timeout=10_000)
    assert len(results) == 1
    try:
        host = _Host()
        screen.show_attempts_notice(host)
        assert len(host.shown) == 1
        name, text, warning = host.shown[0]
        assert "2 mislukte pogingen" in text and "sinds" in text and warning
        screen.show_attempts_notice(host)
        assert len(host.shown) == 1, "reported once"
        assert attempts.Attempts(folder).failures(ADMIN) is None
        assert screen.failures == 0
    finally:
        results[0].lock(audit_it=False)


def test_the_file_holds_no_secret(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(2):
        assert _run(folder, WRONG, monkeypatch) == 2
    path = folder / COUNTER
    raw = path.read_text(encoding="utf-8")
    for secret in (WRONG, ADMIN_PASSPHRASE):
        for i in range(len(secret) - 5):
            assert secret[i:i + 6] not in raw
    doc = json.loads(raw)
    assert set(doc) == {"format", "accounts"}
    assert set(doc["accounts"]) == {ADMIN}
    assert set(doc["accounts"][ADMIN]) == {"count", "since", "last"}
    if os.name == "posix":
        assert path.stat().st_mode & 0o077 == 0


def test_a_planted_link_is_not_written_through(folder: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    if os.name != "posix":
        pytest.skip("symbolic links need privileges on Windows")
    victim = tmp_path / "ander-bestand.txt"
    victim.write_text("niet aanraken\n")
    (folder / COUNTER).symlink_to(victim)
    assert _run(folder, WRONG, monkeypatch) == 2
    assert victim.read_text() == "niet aanraken\n"
    assert not (folder / COUNTER).is_symlink()  # replaced by the counter itself
    record = attempts.Attempts(folder).failures(ADMIN)
    assert record is not None and record.count == 1


def test_parallel_guesses_wait_for_each_other(folder: Path) -> None:
    """A second command line cannot try while another attempt holds the counter."""
    counter = attempts.Attempts(folder)
    with counter.turn():
        with pytest.raises(subprocess.TimeoutExpired):
            _cli(folder, WRONG, timeout=8)
        assert counter.failures(ADMIN) is None  # nothing was tried
    assert _cli(folder, WRONG).returncode == 2
    record = counter.failures(ADMIN)
    assert record is not None and record.count == 1


def test_cancel_abandons_a_running_attempt(qtbot: Any, folder: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Escape while the key is being derived: the screen is usable at once, the attempt's
    result is dropped, and a vault it opened is locked again."""
    entered, release = threading.Event(), threading.Event()
    opened_in_worker: list[OpenVault] = []
    real_unlock = Vault.unlock

    def slow_unlock(self: Vault, account: str, passphrase: str, **kw: Any) -> OpenVault:
        entered.set()  # the key derivation is under way
        release.wait(20)
        opened = real_unlock(self, account, passphrase, **kw)
        opened_in_worker.append(opened)
        return opened

    monkeypatch.setattr(Vault, "unlock", slow_unlock)
    screen = UnlockScreen(Vault(folder), backoff=FAST_BACKOFF)
    qtbot.addWidget(screen)
    screen.show()
    results: list[OpenVault] = []
    screen.unlocked.connect(results.append)
    screen.account.setCurrentText(ADMIN)
    qtbot.keyClicks(screen.passphrase, ADMIN_PASSPHRASE)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    assert screen.busy and screen.cancel_button.isVisible()
    assert entered.wait(20)
    qtbot.keyClick(screen.cancel_button, Qt.Key.Key_Escape)
    assert not screen.busy
    assert screen.button.isEnabled() and screen.passphrase.isEnabled()
    assert not screen.cancel_button.isVisible()
    release.set()
    qtbot.waitUntil(lambda: bool(opened_in_worker) and not opened_in_worker[0].is_open,
                    timeout=20_000)
    qtbot.wait(100)
    assert results == [], "an abandoned attempt does not open the workspace"


def test_a_damaged_key_file_is_a_message_on_the_unlock_screen(qtbot: Any,
                                                              folder: Path) -> None:
    """Issue 25, point 5: a slot asking for 8 GiB is refused before any derivation, and the
    screen says so in one line instead of staying busy."""
    path = folder / "keyslots.json"
    doc = json.loads(path.read_text())
    good = path.read_text()
    screen = UnlockScreen(Vault(folder), backoff=FAST_BACKOFF)
    qtbot.addWidget(screen)
    screen.show()
    doc["slots"][0]["kdf"]["memory_kib"] = 8 * 1024 * 1024
    path.write_text(json.dumps(doc))
    screen.account.setCurrentText(ADMIN)
    qtbot.keyClicks(screen.passphrase, ADMIN_PASSPHRASE)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not screen.busy, timeout=10_000)
    assert screen.message.isVisible()
    assert "sleutelbestand" in screen.message.text() and "beschadigd" in screen.message.text()
    assert "\n" not in screen.message.text()
    path.write_text(good)
