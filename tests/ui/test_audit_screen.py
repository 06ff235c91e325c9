"""The audit log screen (issue 17, point 5): the administrator's section shows the log newest
first, fetches further pages as the view scrolls, filters, exports, and holds nothing after a
lock; other roles do not get the section."""
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from app.domain.roles import Role
from app.services import audit_log
from app.vault.vault import OpenVault
from tests.ui.shell_fixtures import (  # noqa: F401
    ctx,
    make_window,
    no_quick_check,
    settings,
)
from ui import dialogs
from ui.audit.screen import AuditScreen
from ui.main_window import MainWindow
from ui.navigation import default_sections


def test_only_the_administrator_sees_the_audit_log_section() -> None:
    section = next(s for s in default_sections(lambda v: None)  # type: ignore[arg-type,return-value]
                   if s.id == "audit")
    assert [r for r in Role if section.visible_for(r)] == [Role.ADMIN]


def test_the_screen_pages_filters_and_exports(
        qtbot: QtBot, admin_vault: OpenVault, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(1200):
        admin_vault.log_now("case.view", "case", f"ZVH-2026-{n:04d}")
    admin_vault.log_now("export.plan", "case", "ZVH-2026-0007")
    screen = AuditScreen(admin_vault)
    qtbot.addWidget(screen)
    model = screen.model
    assert model.rowCount() == audit_log.PAGE
    assert model.rows[0].action == "export.plan"          # newest first
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 2 * audit_log.PAGE
    ids = [r.id for r in model.rows]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)

    case = screen.findChild(QLineEdit, "case")
    assert case is not None
    case.setText("ZVH-2026-0007")
    show = screen.findChild(QPushButton, "show")
    assert show is not None
    show.click()
    assert [r.action for r in model.rows] == ["export.plan", "case.view"]
    assert not model.canFetchMore()
    assert "2" in screen.message.text()

    screen.since.setText("morgen")
    show.click()
    assert "morgen" in screen.message.text()              # one clear line, no crash
    screen.since.setText("")

    target = tmp_path / "log.json"
    monkeypatch.setattr(dialogs, "save_file", lambda *a, **k: target)
    screen.export()
    assert target.exists() and '"export.plan"' in target.read_text(encoding="utf-8")

    screen.clear()
    assert model.rowCount() == 0
    # opening the screen, each filter shown and the export were logged
    logged = audit_log.read_page(admin_vault, audit_log.AuditFilter(action="audit"),
                                 log_it=False)
    assert [r.action for r in logged].count("audit.export") == 1
    assert [r.action for r in logged].count("audit.read") >= 2


def test_the_section_opens_in_the_main_window_for_the_administrator(
        qtbot: QtBot, make_window: Callable[..., MainWindow], admin_vault: OpenVault,
        no_quick_check: None) -> None:
    window = make_window(opened=admin_vault)
    assert window.go_to("audit")
    assert window.workspace is not None
    screen = window.workspace.screens["audit"]
    assert isinstance(screen, AuditScreen)
    assert screen.model.rowCount() > 0
