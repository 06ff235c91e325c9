"""The annual report for the Stuurgroep (covenant 4.4, 6.4): the year's figures as charts
(reportlab graphics) and tables, each with a short explanation, and a CSV export of the same
tables.

Everything shown comes from ``app.domain.figures.figure_list``: the same suppressed values as
the dashboard, so a count of cases below five is "< 5" here too, and a chart draws what it
hides as a hatched band, as the figures screen does (:func:`chart_drawing`). No name, no case
number: the report may go to the Stuurgroep as it is.

:func:`build_annual_report` renders the view model (``app.domain.views.AnnualReportView``)
that ``app.services.figures.export_annual_report`` builds (``VIEW_FIGURES``; audited as
``figures.annual_report`` with the file's SHA-256), and :func:`write_csv` writes one CSV file
per table; this module reads no vault and decides nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether

from app.domain.figures import (
    ChartKind,
    Figure,
    HiddenPart,
    hidden_parts,
    suppression_note,
)
from app.domain.protocols import Protocol
from app.domain.views import AnnualReportView
from app.export import fonts, pdf
from app.formatting import format_date
from app.i18n import _

#: Colours of the series, in order (distinguishable in grey print too).
PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6", "#bf9000",
           "#a9d18e", "#f4b183", "#9dc3e6", "#595959", "#ff7c80")


def series_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def chart_drawing(figure: Figure, width: float = pdf.CONTENT_WIDTH,
                  height: float = 62 * mm) -> Drawing:
    """The figure's chart: bars side by side, or stacked, drawn to the values shown.

    A suppressed part is a hatched band (as on the figures screen): in a stacked bar whose
    total is shown, the band fills the bar up to that total, so the bar reaches the number
    above it; elsewhere it is a stub of :data:`STUB_HEIGHT`, the same for every hidden value,
    so that its height tells nothing. The labels ("< 5", "x", the values) stand on top."""
    categories, series = figure.chart()
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    legend_width = 48 * mm if len(series) > 1 else 0
    chart.x, chart.y = 12 * mm, 12 * mm
    chart.width = width - chart.x - legend_width - 4 * mm
    chart.height = height - chart.y - 6 * mm
    stacked = figure.kind is ChartKind.STACKED
    data = [[v.plot for v in s.values] for s in series] or [[0.0] * len(categories)]
    bands = hidden_parts(figure)
    if stacked:
        chart.categoryAxis.style = "stacked"
        # the band up to a shown total is one more (hatched) part on top of the stack
        filler = [0.0] * len(categories)
        for band in bands:
            if band.top is not None:
                filler[band.category] = band.top - band.bottom
        data.append(filler)
    chart.data = data
    names = [wrap_label(c) for c in categories]
    lines = max((n.count("\n") + 1 for n in names), default=1)
    chart.y = (6 + 3 * lines) * mm
    chart.height = height - chart.y - 6 * mm
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.labels.fontName = fonts.FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.leading = 7.5
    chart.valueAxis.valueMin = 0
    top = max((sum(col) if stacked else max(col)) for col in zip(*chart.data)) \
        if chart.data and chart.data[0] else 0
    if top <= 0:
        chart.valueAxis.valueMax = 10
    chart.valueAxis.labels.fontName = fonts.FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    chart.barSpacing = 1
    chart.groupSpacing = 6
    for i in range(len(series) or 1):
        chart.bars[i].fillColor = colors.HexColor(series_colour(i))
        chart.bars[i].strokeColor = None
    if stacked:
        chart.bars[len(data) - 1].fillColor = None      # the band draws itself (hatched)
        chart.bars[len(data) - 1].strokeColor = None
    stubs = {(b.series, b.category) for b in bands if b.top is None}
    chart.barLabelFormat = "values"
    if stacked:
        # A stacked bar is labelled once, on top, with its total ("< 5" when small); the
        # table gives every part. Over a stub the label stands on the stub.
        totals = [t.text for t in figure.totals[:len(categories)]] or [""] * len(categories)
        on_top = ["" if (-1, c) in stubs else text for c, text in enumerate(totals)]
        chart.barLabelArray = [[""] * len(categories) for _s in data[:-1]] + [on_top]
    else:
        chart.barLabelArray = [["" if (i, c) in stubs else v.text
                                for c, v in enumerate(s.values)]
                               for i, s in enumerate(series)] or [[""] * len(categories)]
    chart.barLabels.fontName = fonts.FONT
    chart.barLabels.fontSize = 6
    chart.barLabels.nudge = 5
    chart.annotations = [lambda chart_, _cscale, _vscale: _hatched(chart_, bands, stacked)]
    drawing.add(chart)
    if len(series) > 1:
        legend = Legend()
        legend.x = width - legend_width + 2 * mm
        legend.y = height - 4 * mm
        legend.alignment = "right"
        legend.fontName = fonts.FONT
        legend.fontSize = 6.5
        legend.columnMaximum = 12
        legend.dx = legend.dy = 6
        legend.deltay = 8
        legend.colorNamePairs = [(colors.HexColor(series_colour(i)), s.name[:30])
                                 for i, s in enumerate(series)]
        drawing.add(legend)
    drawing.add(String(0, height - 4 * mm, figure.axis, fontName=fonts.FONT, fontSize=7,
                       fillColor=colors.HexColor("#444444")))
    return drawing


#: The height of a hatched stub for a hidden value that no shown number gives away: always
#: the same, so that it says nothing about the value (the figures screen draws 12 pixels).
STUB_HEIGHT = 3 * mm
#: The name the hatched bands carry in the drawing (for tests and for readers of the code).
BAND_NAME = "hidden_part"


def _hatched(chart: VerticalBarChart, parts: Sequence[HiddenPart], stacked: bool) -> Group:
    """The hatched bands (``app.domain.figures.hidden_parts``, the figures screen's rule
    too), placed from the chart's own bar positions (after it laid them
    out): a band up to a shown total over the stack's top part, a stub otherwise."""
    group = Group()
    positions = chart._barPositions          # per series, per category: (x, y, w, h)
    scale = chart.valueAxis.scale
    for part in parts:
        row = positions[-1 if stacked else part.series]
        x, _y, bar_width, _h = row[part.category]
        bottom = scale(part.bottom)
        top = scale(part.top) if part.top is not None else bottom + STUB_HEIGHT
        group.add(_band(x, bottom, bar_width, top - bottom))
        if part.top is None:
            group.add(String(x + bar_width / 2, top + 2, part.text, fontName=fonts.FONT,
                             fontSize=6, textAnchor="middle"))
    return group


def _band(x: float, y: float, width: float, height: float) -> Group:
    """A rectangle outlined in grey with diagonal hatching clipped to it."""
    band = Group()
    band.add(Rect(x, y, width, height, fillColor=colors.white,
                  strokeColor=colors.HexColor("#595959"), strokeWidth=0.5, name=BAND_NAME))
    step = 2.5
    k = -height
    while k < width:
        # the line x' - y' = k (in the band's own coordinates), clipped to the rectangle
        x0, y0 = max(k, 0.0), max(-k, 0.0)
        x1, y1 = min(width, height + k), min(height, width - k)
        if x1 > x0 and y1 > y0:
            band.add(Line(x + x0, y + y0, x + x1, y + y1,
                          strokeColor=colors.HexColor("#595959"), strokeWidth=0.4))
        k += step
    return band


def wrap_label(label: str, width: int = 18) -> str:
    """A category name over lines of about ``width`` characters (chart axes cannot wrap)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def _table(figure: Figure) -> Flowable:
    header, rows = figure.table()
    if figure.by_series:
        first = 42 * mm
        rest = [(pdf.CONTENT_WIDTH - first) / max(len(header) - 1, 1)] * (len(header) - 1)
    else:
        # Each number column as wide as its header's longest word (a header such as
        # "Geagendeerd" must not break inside the word); the labels take the rest.
        style = pdf.styles().cell_head
        rest = [max(max(stringWidth(w, style.fontName, style.fontSize) for w in h.split())
                    + 8, 16 * mm) for h in header[1:]]
        first = max(pdf.CONTENT_WIDTH - sum(rest), 40 * mm)
        if first + sum(rest) > pdf.CONTENT_WIDTH:
            rest = [w * (pdf.CONTENT_WIDTH - first) / sum(rest) for w in rest]
    return pdf.table([header] + rows, [first] + rest)


def story(figures: Sequence[Figure], year: int, protocol: Protocol | None, house: str,
          printed_on: date) -> list[Flowable]:
    st = pdf.styles()
    scope = protocol.label if protocol else _("all protocols")
    flow: list[Flowable] = [
        pdf.para(_("Annual report {year}").format(year=year), st.title),
        pdf.para(_("Figures for the steering group of {house}: {scope}.")
                 .format(house=house, scope=scope), st.body),
        pdf.para(_("The figures are counted from dates, states and party types only, never "
                   "from names or case texts; cases destroyed since still count. Printed "
                   "on {day}.").format(day=format_date(printed_on)), st.body),
        pdf.para(suppression_note(), st.small),
        pdf.spacer(4),
    ]
    for number, figure in enumerate(figures, start=1):
        flow.append(CondPageBreak(110 * mm))
        parts: list[Flowable] = [
            pdf.para(f"{number}. {figure.title}", st.heading),
            pdf.para(figure.explanation, st.body),
            chart_drawing(figure),
        ]
        if figure.note:
            parts.append(pdf.para(figure.note, st.small))
        flow.append(KeepTogether(parts))
        flow.append(pdf.spacer(2))
        flow.append(_table(figure))
        flow.append(pdf.spacer(6))
    return flow


def csv_text(figure: Figure) -> str:
    """One table as CSV (semicolons, as Dutch spreadsheets expect), suppressed like the
    report."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    header, rows = figure.table()
    writer.writerow([figure.title] + [""] * (len(header) - 1))
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_csv(figures: Sequence[Figure], folder: Path, year: int,
              protocol: Protocol | None = None) -> list[Path]:
    """One file per table, ``<year>[-<protocol>]-<figure>.csv`` (UTF-8 with a byte-order
    mark so that spreadsheets read the accents), written atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = f"-{protocol.value}" if protocol else ""
    written = []
    for figure in figures:
        path = folder / f"{year}{suffix}-{figure.key}.csv"
        pdf.write_atomically(path, ("\ufeff" + csv_text(figure)).encode("utf-8"))
        written.append(path)
    return written


def build_annual_report(view: AnnualReportView, out: Path) -> str:
    """Write the annual report PDF; returns its SHA-256."""
    marks = pdf.PageMarks(house=view.house, recipient=_("the steering group"),
                          case_number=_("Annual report {year}").format(year=view.year),
                          printed_on=view.printed_on)
    meta = pdf.Metadata(title=_("Annual report {year}").format(year=view.year),
                        subject=_("Figures for the steering group"),
                        keywords=("jaarverslag", str(view.year)))
    return pdf.build_pdf(story(view.figures, view.year, view.protocol, view.house,
                               view.printed_on), Path(out), marks, meta)
