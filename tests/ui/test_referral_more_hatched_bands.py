"""One rule for the hatched bands (known defect: the rule existed twice, the annual report's
``hidden_parts`` and the figures screen's ``hidden_bands``, each with its own conditions).
Now ``app.domain.figures.hidden_parts`` is the rule and both draw by it. Fails on HEAD
4caafe6 (no such rule in the domain).

The rule, from the figures' suppression (``app.domain.figures``: a count below five shows as
"< 5", a total that would give a single small count away is hidden as "x"): a stacked bar
with a suppressed part reaches its total only when the total is shown and exceeds the parts
shown, so the bar gives away nothing the table does not; otherwise the band is a stub of a
fixed height; a side-by-side bar that is suppressed is a stub."""

from __future__ import annotations

from app.domain.figures import (
    ChartKind,
    Figure,
    HiddenPart,
    Series,
    Value,
    hidden_parts,
)
from reportlab.graphics.charts.barcharts import VerticalBarChart

from app.export import fonts
from app.export.annual_report import BAND_NAME, chart_drawing
from ui.figures.screen import BAR_WIDTH, hidden_bands

SMALL = "< 5"


def stacked() -> Figure:
    return Figure(
        key="t", title="T", explanation="", axis="Cases",
        categories=("shown total", "hidden total", "nothing hidden", "no total left"),
        series=(Series("A", (Value(7), Value(6), Value(8), Value(6))),
                Series("B", (Value(2, suppressed=True), Value(3, suppressed=True), Value(5),
                             Value(0, suppressed=True)))),
        kind=ChartKind.STACKED,
        totals=(Value(9), Value(9, suppressed=True, secondary=True), Value(13), Value(6)))


def side_by_side() -> Figure:
    return Figure(
        key="s", title="S", explanation="", axis="Cases", categories=("x", "y"),
        series=(Series("A", (Value(3, suppressed=True), Value(12))),
                Series("B", (Value(10), Value(1, suppressed=True)))))


def test_the_rule_for_a_stacked_chart() -> None:
    assert hidden_parts(stacked()) == [
        HiddenPart(-1, 0, 7.0, 9.0, "9"),        # the total is shown: the bar reaches it
        HiddenPart(-1, 1, 6.0, None, "x"),       # a hidden total: a stub, labelled "x"
        HiddenPart(-1, 3, 6.0, None, "6"),       # nothing above the parts shown: a stub
    ]


def test_the_rule_for_bars_side_by_side() -> None:
    assert hidden_parts(side_by_side()) == [HiddenPart(0, 0, 0.0, None, SMALL),
                                            HiddenPart(1, 1, 0.0, None, SMALL)]


def test_the_screen_draws_by_the_rule() -> None:
    bands = hidden_bands(stacked())
    assert [(b.x, b.width, b.bottom, b.top, b.text) for b in bands] == [
        (0.0, BAR_WIDTH, 7.0, 9.0, "9"), (1.0, BAR_WIDTH, 6.0, None, "x"),
        (3.0, BAR_WIDTH, 6.0, None, "6")]
    width = BAR_WIDTH / 2
    assert [(b.x, b.width, b.top, b.text) for b in hidden_bands(side_by_side())] == [
        (0 - width / 2, width, None, SMALL), (1 + width / 2, width, None, SMALL)]


def test_the_annual_report_draws_by_the_rule() -> None:
    for figure, expected in ((stacked(), 3), (side_by_side(), 2)):
        fonts.register_fonts()
        drawing = chart_drawing(figure)
        chart = next(c for c in drawing.contents if isinstance(c, VerticalBarChart))
        names = [getattr(shape, "name", None) for shape in _walk(chart.draw())]
        assert names.count(BAND_NAME) == expected, figure.key


def _walk(node: object) -> list[object]:
    found = [node]
    for child in getattr(node, "contents", []) or []:
        found.extend(_walk(child))
    return found
