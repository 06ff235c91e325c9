"""Issue 23, point 4: the first frame after an unlock does not wait for the overdue notice's
count (a query over every open action): it is counted off the GUI thread and shown when
done. Fails on 4caafe6, which counted it on the GUI thread inside ``open_workspace``."""

from __future__ import annotations

import threading
from typing import Any

from app.vault.vault import OpenVault
from tests.ui.shell_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    ctx,
    make_window,
    no_quick_check,
    settings,
)
from ui import main_window


class _Notice:
    def text(self) -> str:
        return "2 acties zijn over hun datum (in 1 casus)."


def test_the_overdue_notice_is_counted_off_the_gui_thread(
        qtbot: Any, admin_vault: OpenVault, make_window: Any, no_quick_check: None,  # noqa: F811
        monkeypatch: Any) -> None:
    counted_on: list[threading.Thread] = []

    def overdue_notice(vault: OpenVault) -> _Notice:
        counted_on.append(threading.current_thread())
        return _Notice()

    monkeypatch.setattr(main_window.followup, "overdue_notice", overdue_notice)
    window = make_window(admin_vault)
    qtbot.waitUntil(lambda: window.workspace.notice("overdue") is not None, timeout=10_000)
    assert window.workspace.notice("overdue").text().startswith("2 acties")
    assert counted_on and counted_on[0] is not threading.main_thread()


def test_a_count_that_ends_after_the_lock_shows_nothing(
        qtbot: Any, admin_vault: OpenVault, make_window: Any, no_quick_check: None,  # noqa: F811
        monkeypatch: Any) -> None:
    release = threading.Event()

    def overdue_notice(vault: OpenVault) -> _Notice:
        release.wait(10)
        return _Notice()

    monkeypatch.setattr(main_window.followup, "overdue_notice", overdue_notice)
    window = make_window(admin_vault)
    workspace = window.workspace
    window.lock()
    release.set()
    qtbot.wait(300)
    assert window.workspace is None or window.workspace is not workspace
