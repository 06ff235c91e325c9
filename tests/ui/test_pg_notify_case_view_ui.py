"""A case screen follows another workstation's save of its own case (issue 22, point 4). The
announcements carry a case's internal id, never its case number (they cross the house
server, where every login hears them): the relay (``ui.live_updates.LiveUpdates``) tells the
screens the id, and the case screen reads again for its own case only. The Cases table reads
again for any case. The announcement is handed over as the listener thread hands it (a
``Change``); the listener is tested on the throwaway server in
tests/unit/test_pg_notify_announcements.py."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from app.domain.live_changes import Change
from app.services import cases as case_service
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director, make_case
from ui.cases.case_view import CaseViewScreen
from ui.live_updates import LiveUpdates


def _views(vault: OpenVault) -> int:
    """How often a case screen read a case (one audit row per reading)."""
    with vault.read() as conn:
        return int(conn.execute(select(func.count()).where(
            audit_log.c.action == "case.view")).scalar() or 0)


def _case_id(vault: OpenVault, number: str) -> int:
    with vault.read() as conn:
        return case_service.case_id_for(conn, number)


def _activate(window: object) -> None:
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))  # type: ignore[arg-type]


def test_the_case_screen_reads_again_for_its_own_case_id_only(
        qtbot, admin_vault: OpenVault) -> None:  # type: ignore[no-untyped-def]
    vault = as_process_director(admin_vault)
    shown, other = make_case(vault), make_case(vault)
    screen = CaseViewScreen(vault, shown)
    qtbot.addWidget(screen)
    screen.show()
    relay = LiveUpdates(screen)
    before = _views(vault)

    relay.received.emit(Change(frozenset({"cases", "plans"}),
                               (("case", str(_case_id(vault, other))),), "elsewhere"))
    _activate(screen.window())
    qtbot.wait(50)
    assert _views(vault) == before                     # another case: not read again

    relay.received.emit(Change(frozenset({"cases", "plans"}),
                               (("case", str(_case_id(vault, shown))),), "elsewhere"))
    _activate(screen.window())
    qtbot.waitUntil(lambda: _views(vault) == before + 1, timeout=5000)
