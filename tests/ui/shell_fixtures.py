"""Fixtures shared by the desktop-shell tests (imported by each ``test_shell_*.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from app.domain.roles import Role
from app.services import accounts as account_service
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault
from ui import dialogs
from ui.app_context import AppContext
from ui.main_window import MainWindow
from ui.navigation import Section
from ui.settings import Settings
from ui.unlock import Backoff

MANAGER = "manager1"
MANAGER_PASSPHRASE = "cijfers zonder namen graag"

#: short waits so the back-off can be watched without slowing the suite
FAST_BACKOFF = Backoff(threshold=3, first_ms=300, max_ms=1200)


@pytest.fixture(autouse=True)
def _no_scripted_dialogs() -> Iterator[None]:
    dialogs.reset()
    yield
    dialogs.reset()


@pytest.fixture
def no_quick_check() -> Iterator[None]:
    """No vault quick check on a timer after an unlock (a test starts it by hand, or is not
    about it); a module that wants this everywhere makes an autouse fixture use it."""
    before = MainWindow.QUICK_CHECK_DELAY_MS
    MainWindow.QUICK_CHECK_DELAY_MS = -1
    yield
    MainWindow.QUICK_CHECK_DELAY_MS = before


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "settings" / "casuskamer.ini")


@pytest.fixture
def ctx(settings: Settings, vault_dir: Path) -> AppContext:
    return AppContext.create(settings, vault_dir, kdf=KdfParams(), backoff=FAST_BACKOFF)


@pytest.fixture
def locked_vault(admin_vault: OpenVault) -> OpenVault:
    """The admin vault, with a manager account added, then locked (ready for the unlock
    screen)."""
    account_service.add_account(admin_vault, MANAGER, Role.MANAGER, MANAGER_PASSPHRASE,
                                kdf=KdfParams())
    admin_vault.lock()
    return admin_vault


@pytest.fixture
def make_window(qtbot: object, ctx: AppContext) -> Iterator[Callable[..., MainWindow]]:
    made: list[MainWindow] = []

    def make(opened: OpenVault | None = None,
             sections: list[Section] | None = None) -> MainWindow:
        window = MainWindow(ctx, sections=sections, opened=opened)
        qtbot.addWidget(window)  # type: ignore[attr-defined]
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        try:
            if window.opened is not None:
                window.opened.lock(audit_it=False)
        except RuntimeError:
            pass
    ctx.idle.stop()


def all_texts(root: QWidget) -> str:
    """Every text a widget tree shows (labels, fields, buttons, list items, titles)."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QComboBox,
        QLabel,
        QLineEdit,
        QListWidget,
        QTableWidget,
    )
    parts: list[str] = [root.windowTitle()]
    for w in [root, *root.findChildren(QWidget)]:
        if isinstance(w, (QLabel, QLineEdit, QAbstractButton)):
            parts.append(w.text())
        elif isinstance(w, QComboBox):
            parts.extend(w.itemText(i) for i in range(w.count()))
        elif isinstance(w, QListWidget):
            parts.extend(w.item(i).text() for i in range(w.count()))
        elif isinstance(w, QTableWidget):
            parts.extend(w.item(r, c).text() for r in range(w.rowCount())
                         for c in range(w.columnCount()) if w.item(r, c))
    return "\n".join(parts)
