"""The annual report for the Stuurgroep (covenant 4.4, 6.4): the year's figures as charts
(reportlab graphics) and tables, each with a short explanation, and a CSV export of the same
tables.

Everything shown comes from ``app.domain.figures.figure_list``: the same suppressed values as
the dashboard, so a count of cases below five is "< 5" here too and a chart draws such a bar
with no height (its label says "< 5"). No name, no case number: the report may go to the
Stuurgroep as it is.

:func:`export_annual_report` (``VIEW_FIGURES``; audited as ``figures.annual_report`` with the
file's SHA-256) writes the PDF and, if asked, one CSV file per table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether

from app.domain.figures import ChartKind, Figure, suppression_note
from app.domain.protocols import Protocol
from app.export import fonts, pdf
from app.formatting import format_date
from app.i18n import _
from app.services import figures as figure_service
from app.services.handouts import house_name
from app.vault.vault import OpenVault

#: Colours of the series, in order (distinguishable in grey print too).
PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6", "#bf9000",
           "#a9d18e", "#f4b183", "#9dc3e6", "#595959", "#ff7c80")


def series_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def chart_drawing(figure: Figure, width: float = pdf.CONTENT_WIDTH,
                  height: float = 62 * mm) -> Drawing:
    """The figure's chart: bars side by side, or stacked; a suppressed bar has no height
    and the label "< 5"."""
    categories, series = figure.chart()
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    legend_width = 48 * mm if len(series) > 1 else 0
    chart.x, chart.y = 12 * mm, 12 * mm
    chart.width = width - chart.x - legend_width - 4 * mm
    chart.height = height - chart.y - 6 * mm
    chart.data = [[v.plot for v in s.values] for s in series] or [[0.0] * len(categories)]
    stacked = figure.kind is ChartKind.STACKED
    if stacked:
        chart.categoryAxis.style = "stacked"
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
    for i in range(len(chart.data)):
        chart.bars[i].fillColor = colors.HexColor(series_colour(i))
        chart.bars[i].strokeColor = None
    # Labels: "< 5" on every suppressed bar; the values themselves when bars stand apart.
    chart.barLabelFormat = "values"
    if stacked:
        # A stacked bar is labelled once, on top, with its total ("< 5" when small); the
        # table gives every part.
        totals = [t.text for t in figure.totals[:len(categories)]] or [""] * len(categories)
        chart.barLabelArray = [[""] * len(categories) for _s in series[:-1]] + [totals]
    else:
        chart.barLabelArray = [[v.text for v in s.values] for s in series] \
            or [[""] * len(categories)]
    chart.barLabels.fontName = fonts.FONT
    chart.barLabels.fontSize = 6
    chart.barLabels.nudge = 5
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


def export_annual_report(vault: OpenVault, year: int, out: Path, *,
                         protocol: Protocol | None = None, csv_dir: Path | None = None,
                         today: date | None = None) -> str:
    """Write the annual report PDF (and the CSV tables); returns the PDF's SHA-256."""
    today = today or date.today()
    shown = figure_service.figures_for_display(vault, year, protocol, today)
    with vault.read() as conn:
        house = house_name(conn)
    marks = pdf.PageMarks(house=house, recipient=_("the steering group"),
                          case_number=_("Annual report {year}").format(year=year),
                          printed_on=today)
    meta = pdf.Metadata(title=_("Annual report {year}").format(year=year),
                        subject=_("Figures for the steering group"),
                        keywords=("jaarverslag", str(year)))
    digest = pdf.build_pdf(story(shown, year, protocol, house, today), Path(out), marks, meta)
    written = write_csv(shown, csv_dir, year, protocol) if csv_dir is not None else []
    vault.log_now("figures.annual_report", "figures", str(year), detail={
        "protocol": protocol.value if protocol else None, "sha256": digest,
        "csv_files": len(written)})
    return digest
