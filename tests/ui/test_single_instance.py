"""A second start of the program on the same vault brings the running window forward and
ends with exit code 0, instead of reaching the vault's "in use" refusal (issue 21, point 7).

The second start is the real ``casuskamer gui --vault DIR`` in a subprocess; the first is a
listening server in this test process with a (minimised) window."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalServer
from PySide6.QtWidgets import QMainWindow

from ui.single_instance import SingleInstance, claim, server_name

ROOT = Path(__file__).resolve().parents[2]


def test_a_second_start_raises_the_first_window_and_exits_0(qtbot, tmp_path):
    folder = tmp_path / "kluis"
    first = SingleInstance(server_name(folder))
    assert first.listen()
    window = QMainWindow()
    qtbot.addWidget(window)
    window.showMinimized()
    first.window = window
    requests: list[bool] = []
    first.raise_requested.connect(lambda: requests.append(True))

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    second = subprocess.Popen(
        [sys.executable, "-m", "ui.launcher", "gui", "--vault", str(folder), "--lang", "nl"],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        # The event loop runs while waiting, so the first program can answer.
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=60_000)
    finally:
        if second.poll() is None:  # it went on as a first program (the old behaviour)
            second.kill()
        out, err = second.communicate()
        first.close()
    assert second.returncode == 0, err
    assert requests == [True]
    assert not window.isMinimized(), "the running window was not brought forward"
    assert "al geopend" in err  # the second start says why it ended (in Dutch)
    assert not (folder / "casuskamer.db").exists()  # the second start made no vault


def test_no_running_program_means_this_start_listens(qtbot, tmp_path):
    instance = claim(tmp_path / "kluis")
    assert instance is not None
    try:
        assert instance.server.isListening()
    finally:
        instance.close()


@pytest.mark.skipif(sys.platform == "win32", reason="stale socket files exist on Unix only")
def test_a_socket_file_left_by_a_crash_is_taken_over(qtbot, tmp_path):
    name = server_name(tmp_path / "kluis")
    probe = QLocalServer()
    assert probe.listen(name)
    path = probe.fullServerName()
    probe.close()
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # bound, never listening,
    stale.bind(path)                                            # never removed: a crash
    stale.close()
    assert Path(path).exists()
    instance = claim(tmp_path / "kluis")
    assert instance is not None and instance.server.isListening()
    instance.close()


def test_the_server_name_separates_vaults_and_users_and_shows_neither(tmp_path):
    folder = tmp_path / "Jansen-dossiers"
    name = server_name(folder, account="pdirecteur")
    assert name == server_name(folder, account="pdirecteur")
    assert name != server_name(tmp_path / "andere-kluis", account="pdirecteur")
    assert name != server_name(folder, account="collega")
    assert "Jansen" not in name and "pdirecteur" not in name
    assert str(tmp_path) not in name
