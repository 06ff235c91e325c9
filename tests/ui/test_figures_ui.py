"""The Figures screen with pytest-qt, on the hand-made set of the unit tests: one card per
figure with a chart and a table showing the suppressed values, the filters recompute, a
chart is saved as PNG through the dialog seam, clear() drops everything, and the manager's
navigation offers this screen and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCharts import QAbstractBarSeries

from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.vault.vault import OpenVault
from tests.unit.test_figures import build_hand_made
from ui import dialogs
from ui.figures.screen import FiguresScreen
from ui.navigation import default_sections


@pytest.fixture
def screen(qtbot, admin_vault: OpenVault) -> FiguresScreen:  # type: ignore[no-untyped-def]
    widget = FiguresScreen(build_hand_made(admin_vault))
    qtbot.addWidget(widget)
    widget.year_box.setCurrentIndex(widget.year_box.findData(2025))
    yield widget
    dialogs.reset()


def card(screen: FiguresScreen, key: str):  # type: ignore[no-untyped-def]
    return next(c for c in screen.cards if c.figure.key == key)


def column(table, col: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [table.item(r, col).text() for r in range(table.rowCount())]


def test_every_figure_has_a_chart_and_a_table(screen: FiguresScreen) -> None:
    assert [c.figure.key for c in screen.cards] == [
        "referrals", "intake", "lead_times", "in_progress", "actions", "meetings",
        "referral_outcomes"]
    intake = card(screen, "intake")
    assert column(intake.table, 1) == ["5", "< 5", "< 5"]
    chart = intake.chart_view.chart()
    series = chart.series()[0]
    assert isinstance(series, QAbstractBarSeries)
    # The suppressed bars are drawn with no height, and labelled "< 5".
    assert [series.barSets()[0].at(i) for i in range(3)] == [5.0, 0.0, 0.0]
    assert chart.property("bar_labels") == ["5", "< 5", "< 5"]
    referrals = card(screen, "referrals")
    rows = {referrals.table.item(r, 0).text(): r for r in range(referrals.table.rowCount())}
    # 6 and 2 in March: the total 8 is hidden ("x"), else 2 could be worked out from it
    assert referrals.table.item(rows["Politie"], 3).text() == "6"
    assert referrals.table.item(rows["Gemeente"], 3).text() == "< 5"
    # A stacked chart is labelled with each month's total, hidden ones as "x".
    assert referrals.chart_view.chart().property("bar_labels")[2] == "x"
    assert "< 5" in screen.note.text() and "\u201cx\u201d" in screen.note.text()


def test_filters_recompute(screen: FiguresScreen) -> None:
    screen.protocol_box.setCurrentIndex(screen.protocol_box.findData(
        Protocol.JEUGDGROEPEN.value))
    referrals = card(screen, "referrals")
    assert [referrals.table.item(r, 0).text() for r in range(referrals.table.rowCount())] \
        == ["Gemeente", "Totaal"]
    screen.year_box.setCurrentIndex(screen.year_box.findData(2023))
    assert screen.selected() == (2023, Protocol.JEUGDGROEPEN)
    assert column(card(screen, "intake").table, 1) == ["< 5", "< 5", "< 5"]


def test_chart_saved_as_png(screen: FiguresScreen, tmp_path: Path) -> None:
    target = tmp_path / "instroom"
    with dialogs.scripted(target) as script:
        written = card(screen, "intake").save_png()
    assert script.shown[0].kind == "save"
    assert written == tmp_path / "instroom.png"
    assert written.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with dialogs.scripted(None):
        assert card(screen, "intake").save_png() is None


def test_clear_drops_everything(screen: FiguresScreen) -> None:
    screen.clear()
    assert screen.cards == [] and screen.opened is None
    assert screen.body_layout.count() == 0


def test_the_manager_sees_figures_and_nothing_else() -> None:
    sections = [s for s in default_sections(lambda _o: None)  # type: ignore[arg-type,return-value]
                if s.visible_for(Role.MANAGER)]
    assert [s.id for s in sections] == ["figures"]
    assert sections[0].factory is FiguresScreen
