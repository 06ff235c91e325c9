"""Issue 18, point 7: the annual report's charts draw every bar to the value shown above
it, with a hatched band for what suppression hides, as the figures screen does. A bar
labelled 46 whose parts include two "< 5" reached only 40 (the suppressed parts got no
height) on the old code (HEAD 303c06b); these tests measure the drawn bars against the
values written into the figure."""

from __future__ import annotations

from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.textlabels import Label
from reportlab.graphics.shapes import Group, Rect, String

from app.domain.figures import ChartKind, Figure, Series, Value
from app.export import fonts
from app.export.annual_report import chart_drawing

SMALL = "< 5"


def hidden(n: int) -> Value:
    return Value(n, suppressed=True)


def shown(n: int) -> Value:
    return Value(n)


def _walk(node: Any) -> list[Any]:
    found = [node]
    for child in getattr(node, "contents", []) or []:
        found += _walk(child)
    return found


def drawn(figure: Figure) -> tuple[VerticalBarChart, list[Any]]:
    """The chart and every shape it draws (laid out as when the PDF is made)."""
    fonts.register_fonts()
    drawing = chart_drawing(figure)
    renderPDF.drawToString(drawing)        # the chart draws without error
    chart = next(c for c in drawing.contents if isinstance(c, VerticalBarChart))
    return chart, _walk(chart.draw())


def tops(chart: VerticalBarChart, shapes: list[Any], categories: int) -> list[float]:
    """Per category, how high the highest filled or outlined rectangle over its bars
    reaches, in the value axis's units."""
    zero, one = chart.valueAxis.scale(0), chart.valueAxis.scale(1)
    found = []
    for c in range(categories):
        xs = [row[c][0] for row in chart._barPositions]
        x0 = min(xs)
        x1 = max(row[c][0] + row[c][2] for row in chart._barPositions)
        highest = zero
        for shape in shapes:
            if not isinstance(shape, Rect) or shape.width >= chart.width / categories:
                continue
            if shape.x >= x0 - 0.01 and shape.x + shape.width <= x1 + 0.01 \
                    and shape.height > 0.01:
                highest = max(highest, shape.y + shape.height)
        found.append((highest - zero) / (one - zero))
    return found


def bands(shapes: list[Any]) -> list[Rect]:
    return [s for s in shapes if isinstance(s, Rect) and getattr(s, "name", "") ==
            "hidden_part"]


def texts(shapes: list[Any]) -> list[str]:
    """The chart's texts: its own bar labels (reportlab Labels) and the strings drawn."""
    return [s.text if isinstance(s, String) else s._text for s in shapes
            if isinstance(s, (String, Label))]


def test_stacked_bars_reach_their_shown_totals_with_a_hatched_band() -> None:
    figure = Figure(
        "test", "Aanmeldingen", "", "Aantal casussen", ("jan", "feb", "mrt", "apr"),
        (Series("Gemeente", (shown(40), shown(12), hidden(3), shown(20))),
         Series("Politie", (hidden(3), shown(8), hidden(2), hidden(2))),
         Series("Zorg", (hidden(3), shown(0), shown(10), shown(0)))),
        ChartKind.STACKED,
        # the totals as shown above the bars; april's is hidden ("x") beside one "< 5"
        (shown(46), shown(20), shown(15), Value(22, suppressed=True, secondary=True)))
    chart, shapes = drawn(figure)
    heights = tops(chart, shapes, 4)
    # jan: 40 shown + two hidden parts: the bar reaches its label, 46 (was 40)
    assert abs(heights[0] - 46) < 0.05, heights
    assert abs(heights[1] - 20) < 0.05, heights        # nothing hidden: as before
    assert abs(heights[2] - 15) < 0.05, heights        # 10 shown, up to the total 15
    # april: the total is hidden, so the hidden part is a stub on top of the 20 shown,
    # whose height says nothing about the value
    zero, one = chart.valueAxis.scale(0), chart.valueAxis.scale(1)
    stub = [b for b in bands(shapes) if abs(b.y - (zero + 20 * (one - zero))) < 0.05]
    assert len(stub) == 1 and 0 < stub[0].height < 6 * (one - zero)
    # the bands: jan 40..46, mrt 10..15, apr the stub, each outlined and hatched
    found = sorted((round((b.y - zero) / (one - zero), 2),
                    round((b.y + b.height - zero) / (one - zero), 2)) for b in bands(shapes))
    assert [f[0] for f in found] == [10.0, 20.0, 40.0]
    assert found[0][1] == 15.0 and found[2][1] == 46.0
    labels = texts(shapes)
    assert {"46", "20", "15", "x"} <= set(labels)


def test_bars_side_by_side_stand_to_their_values_and_hidden_ones_get_equal_stubs() -> None:
    figure = Figure(
        "test", "Casussen per protocol", "", "Aantal casussen", ("2025", "2026"),
        (Series("Integrale veiligheid", (shown(30), hidden(1))),
         Series("Radicalisering", (hidden(4), shown(12)))))
    chart, shapes = drawn(figure)
    zero, one = chart.valueAxis.scale(0), chart.valueAxis.scale(1)
    rows = chart._barPositions
    assert abs(rows[0][0][3] / (one - zero) - 30) < 0.05
    assert abs(rows[1][1][3] / (one - zero) - 12) < 0.05
    stubs = bands(shapes)
    # a hidden 1 and a hidden 4 are drawn the same: a stub from the axis, labelled "< 5"
    assert len(stubs) == 2
    assert all(abs(b.y - zero) < 0.01 for b in stubs)
    assert abs(stubs[0].height - stubs[1].height) < 1e-9 and stubs[0].height > 1
    assert texts(shapes).count(SMALL) == 2
    hatching = [s for s in _walk(Group(*shapes)) if type(s).__name__ == "Line"
                and s.strokeWidth == 0.4]
    assert hatching, "the hidden parts are hatched"
