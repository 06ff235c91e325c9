"""The Figures screen as a process director and the steering group use it (issue 18,
point 7; covenant 4.4 and 6.4, small numbers hidden under 2.2c): it opens on the current
year, every bar reaches the value shown above it with a hatched band for what is hidden,
and the annual report with its CSV tables is made from the screen, through the annual
report's own export and audited as such. Each of these failed on 7ca920e: the screen
opened on last year, a "< 5" part had no height (a bar labelled 46 reached about 35) and
there was no way to write the report or the CSV from the screen."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import QPointF
from sqlalchemy import select

from app.domain.figures import ChartKind, Figure, Series, protect_total, suppress
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.unit.test_figures import build_hand_made
from ui import dialogs
from ui.figures.screen import STUB_PIXELS, FiguresScreen, build_chart, hidden_bands


@pytest.fixture
def screen(qtbot, admin_vault: OpenVault) -> FiguresScreen:  # type: ignore[no-untyped-def]
    widget = FiguresScreen(build_hand_made(admin_vault))
    qtbot.addWidget(widget)
    yield widget
    dialogs.reset()


def shown_in_view(qtbot, chart: QChart) -> QChartView:  # type: ignore[no-untyped-def]
    view = QChartView(chart)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    return view


def y_of(chart: QChart, value: float) -> float:
    series = chart.series()[0]
    return chart.mapToPosition(QPointF(0, value), series).y()


def stacked(parts: list[int]) -> Figure:
    """One stacked bar of the given counts, suppressed and totalled as the domain does."""
    values = [suppress(n) for n in parts]
    total = protect_total(values, suppress(sum(parts)))
    return Figure("t", "T", "", "Cases", ("March",),
                  tuple(Series(f"s{i}", (v,)) for i, v in enumerate(values)),
                  ChartKind.STACKED, (total,))


def test_opens_on_the_current_year(screen: FiguresScreen) -> None:
    """Covenant 6.4: the figures of the year running, not last year's."""
    assert screen.selected()[0] == date.today().year
    assert screen.year_box.currentIndex() == 0


def test_a_bar_labelled_46_reaches_46_with_a_hatched_band(qtbot) -> None:  # type: ignore[no-untyped-def]
    """41 shown, 3 and 2 hidden as "< 5", total 46 shown: the bar reaches 46 and the top
    five are one hatched band (the table gives 46 - 41 already)."""
    figure = stacked([41, 3, 2])
    assert [b.top for b in hidden_bands(figure)] == [46.0]
    chart = build_chart(figure)
    _view = shown_in_view(qtbot, chart)
    assert chart.property("bar_labels") == ["46"]
    [(band, rect)] = chart._hatched_bands.rects()
    assert band.bottom == 41.0 and band.text == "46"
    assert rect.top() == pytest.approx(y_of(chart, 46.0), abs=0.5)
    assert rect.bottom() == pytest.approx(y_of(chart, 41.0), abs=0.5)
    assert rect.width() > 10
    label = next(item for _x, _y, _s, item in chart._bar_labels.items)
    # the label stands just above the top of the bar
    assert label.pos().y() + label.boundingRect().height() == pytest.approx(rect.top() - 1,
                                                                             abs=1)


def test_a_hidden_total_gets_a_stub_that_says_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    """6 and 2: the total 8 is hidden ("x"); the 2 is a stub of fixed height, the same as
    for 4 (its height may not tell 2 from 4)."""
    heights = []
    for small in (2, 4):
        chart = build_chart(stacked([6, small]))
        _view = shown_in_view(qtbot, chart)
        assert chart.property("bar_labels") == ["x"]
        [(band, rect)] = chart._hatched_bands.rects()
        assert band.top is None
        assert rect.bottom() == pytest.approx(y_of(chart, 6.0), abs=0.5)
        heights.append(rect.height())
    assert heights == [pytest.approx(STUB_PIXELS)] * 2


def test_side_by_side_bars_hidden_as_stubs(qtbot, screen: FiguresScreen) -> None:  # type: ignore[no-untyped-def]
    """The hand-made 2025 intake: 5 accepted, 2 routed elsewhere, 2 declined: the two small
    ones are hatched stubs labelled "< 5", the 5 a bar of height 5."""
    screen.year_box.setCurrentIndex(screen.year_box.findData(2025))
    card = next(c for c in screen.cards if c.figure.key == "intake")
    screen.resize(1280, 720)
    screen.show()
    qtbot.waitExposed(screen)
    chart = card.chart_view.chart()
    assert chart.property("bar_labels") == ["5", "< 5", "< 5"]
    rects = chart._hatched_bands.rects()
    assert [b.x for b, _r in rects] == [1.0, 2.0]
    for _band, rect in rects:
        assert rect.height() == pytest.approx(STUB_PIXELS)
        assert rect.bottom() == pytest.approx(y_of(chart, 0.0), abs=0.5)
    assert chart.series()[0].barSets()[0].at(0) == 5.0


def test_every_figure_of_the_year_is_drawn_to_its_shown_values(screen: FiguresScreen) -> None:
    screen.year_box.setCurrentIndex(screen.year_box.findData(2025))
    for card in screen.cards:
        figure = card.figure
        bands = hidden_bands(figure)
        hidden = sum(1 for s in figure.chart()[1] for v in s.values if v.suppressed)
        if figure.kind is ChartKind.STACKED:
            assert len(bands) == sum(
                1 for c in range(len(figure.chart()[0]))
                if any(s.values[c].suppressed for s in figure.chart()[1]))
        else:
            assert len(bands) == hidden, figure.key
        for band in bands:
            assert band.top is None or band.top > band.bottom


def test_annual_report_and_csv_from_the_screen(screen: FiguresScreen, tmp_path: Path,
                                               admin_vault: OpenVault) -> None:
    screen.year_box.setCurrentIndex(screen.year_box.findData(2025))
    screen.with_csv.setChecked(True)
    with dialogs.scripted(tmp_path / "verslag") as script:
        written = screen.export_report()
    assert script.shown[0].kind == "save"
    assert written == tmp_path / "verslag.pdf"
    assert written.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.glob("*.csv")) == sorted(
        f"2025-{key}.csv" for key in ("referrals", "intake", "lead_times", "in_progress",
                                      "actions", "meetings", "referral_outcomes"))
    intake = (tmp_path / "2025-intake.csv").read_text(encoding="utf-8-sig")
    assert "< 5" in intake
    with admin_vault.read() as conn:
        rows = conn.execute(select(audit_log.c.object_id, audit_log.c.detail).where(
            audit_log.c.action == "figures.annual_report")).all()
    assert len(rows) == 1 and rows[0][0] == "2025"
    detail = json.loads(rows[0][1]) if isinstance(rows[0][1], str) else rows[0][1]
    assert detail["csv_files"] == 7
    assert "2025" in screen.message.text()


def test_annual_report_without_csv_and_cancelled(screen: FiguresScreen,
                                                 tmp_path: Path) -> None:
    with dialogs.scripted(None):
        assert screen.export_report() is None
    with dialogs.scripted(tmp_path / "jaar.pdf"):
        assert screen.export_report() == tmp_path / "jaar.pdf"
    assert list(tmp_path.glob("*.csv")) == []
