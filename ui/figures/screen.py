"""The Figures screen: the dashboard for the manager and the Stuurgroep (covenant 4.4, 6.4).

One card per figure (``app.domain.figures.figure_list``): its title, a short explanation, a
Qt chart and a table of the same values, with small numbers already suppressed by the
service ("< 5", a total that would give one away "x"). A chart draws every bar to the
values shown: a suppressed part is a hatched band (``hidden_bands``), which fills a stacked
bar up to its total where the total is shown, and is a stub of fixed height where nothing
shown gives the value away. Filters: year (this year first) and protocol. Each chart can be
saved as PNG, and the annual report (with its tables as CSV if asked) written through
``app.services.figures.export_annual_report``, both through the file picker of
``ui.dialogs``. The screen shows only counts, never a name; ``clear()`` drops them when the
vault locks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from app.domain.figures import (
    HIDDEN_TEXT,
    THRESHOLD,
    ChartKind,
    Figure,
    hidden_parts,
    suppressed_text,
)
from app.domain.protocols import Protocol
from app.errors import CasuskamerError
from app.i18n import _
from app.services import figures as figure_service
from app.vault.vault import OpenVault
from ui import a11y, dialogs

#: Series colours (the same as the annual report's).
PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6", "#bf9000",
           "#a9d18e", "#f4b183", "#9dc3e6", "#595959", "#ff7c80")


#: How high a hatched stub is drawn for a hidden value that no shown number gives away
#: (pixels): always the same, so that its height says nothing about the value.
STUB_PIXELS = 12.0
#: The bar width Qt draws by default, as a share of a category.
BAR_WIDTH = 0.5


@dataclass(frozen=True)
class Band:
    """A hatched band over a bar for what suppression hides.

    ``top`` is the value the band reaches when the shown numbers give it (a stacked bar
    whose total is shown: the band fills the bar up to that total, so the bar reaches the
    number above it); None for a value nothing shown gives away: a stub of
    :data:`STUB_PIXELS` on top of ``bottom``, the same for every hidden value."""

    x: float
    width: float
    bottom: float
    top: float | None
    text: str


def hidden_bands(figure: Figure) -> list[Band]:
    """The hatched bands of the figure's chart (see :class:`Band`), placed for Qt's bars:
    where they are and how high is ``app.domain.figures.hidden_parts``, the rule the annual
    report draws by too."""
    _categories, series = figure.chart()
    width = BAR_WIDTH / max(len(series), 1)
    bands: list[Band] = []
    for part in hidden_parts(figure):
        if part.series < 0:         # the whole stack of a category
            bands.append(Band(float(part.category), BAR_WIDTH, part.bottom, part.top,
                              part.text))
        else:
            offset = (part.series - (len(series) - 1) / 2) * width
            bands.append(Band(part.category + offset, width, part.bottom, part.top,
                              part.text))
    return bands


def build_chart(figure: Figure) -> QChart:
    """The figure as a Qt chart. A suppressed part is drawn as a hatched band
    (:func:`hidden_bands`): a stacked bar whose total is shown reaches that total, the band
    making up what the shown parts do not; a hidden value that no shown number gives away
    gets a hatched stub of a fixed height. The labels (and tooltips) say "< 5" or "x", as
    the table does."""
    categories, series = figure.chart()
    chart = QChart()
    chart.setTitle(figure.title)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    stacked = figure.kind is ChartKind.STACKED
    bars = QStackedBarSeries() if stacked else QBarSeries()
    bars.setBarWidth(BAR_WIDTH)
    bands = hidden_bands(figure)
    top = 0.0
    for i, s in enumerate(series):
        bar_set = QBarSet(s.name)
        bar_set.setColor(QColor(PALETTE[i % len(PALETTE)]))
        for value in s.values:
            bar_set.append(value.plot)
        bars.append(bar_set)
        if not stacked:
            top = max([top] + [v.plot for v in s.values])
    if stacked:
        top = max([0.0] + [sum(s.values[c].plot for s in series)
                           for c in range(len(categories))])
    top = max([top] + [b.top for b in bands if b.top is not None])
    chart.addSeries(bars)
    axis_x = QBarCategoryAxis()
    axis_x.append([wrap_label(c) for c in categories])
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    bars.attachAxis(axis_x)
    axis_y = QValueAxis()
    axis_y.setRange(0, max(top * 1.15, 5.0))
    axis_y.applyNiceNumbers()
    axis_y.setLabelFormat("%d")
    axis_y.setTitleText(figure.axis)
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    bars.attachAxis(axis_y)
    chart.legend().setVisible(len(series) > 1)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    texts = [[v.text for v in s.values] for s in series]
    totals = [t.text for t in figure.totals]
    # Qt's own bar labels print the plotted number, which for a suppressed bar is 0; the
    # labels are drawn over the chart instead, with the same text as the table, on top of
    # the bar or of its hatched band.
    band_at = {round(b.x, 6): b for b in bands}
    labels: list[tuple[float, float, str, bool]] = []
    if stacked:
        for c in range(len(categories)):
            band = band_at.get(round(float(c), 6))
            height = sum(s.values[c].plot for s in series)
            if band is not None and band.top is not None:
                height = band.top
            if c < len(totals):
                labels.append((float(c), height, totals[c],
                               band is not None and band.top is None))
    else:
        width = BAR_WIDTH / max(len(series), 1)
        for i, s in enumerate(series):
            offset = (i - (len(series) - 1) / 2) * width
            labels.extend((c + offset, v.plot, v.text, v.suppressed)
                          for c, v in enumerate(s.values))
    chart.setProperty("bar_labels", [text for _x, _y, text, _stub in labels])
    HatchedBands(chart, bars, bands)
    BarLabels(chart, bars, labels)

    def hovered(status: bool, index: int, bar_set: QBarSet) -> None:
        if not status:
            QToolTip.hideText()
            return
        row = texts[bars.barSets().index(bar_set)]
        tip = f"{bar_set.label()} \u00b7 {categories[index]}: {row[index]}"
        if stacked and index < len(totals):
            tip += "\n" + _("Total: {n}").format(n=totals[index])
        QToolTip.showText(QCursor.pos(), tip)

    bars.hovered.connect(hovered)
    chart.setProperty("figure_key", figure.key)
    return chart


def chart_note() -> str:
    """What the screen says about small numbers and how its charts draw them."""
    return _("Counts of cases below {n} are shown as \u201c{small}\u201d, so that no one "
             "can be recognised from a number. Where such a count could be worked out from "
             "a total, the total is hidden as well and shown as \u201c{x}\u201d. In a "
             "chart a hidden part is a hatched band: in a stacked bar whose total is shown "
             "the band makes up the rest of that total; elsewhere it is a low stub whose "
             "height says nothing about the number.").format(
                 n=THRESHOLD, small=suppressed_text(), x=HIDDEN_TEXT)


def wrap_label(label: str, width: int = 22) -> str:
    """A category name over lines of about ``width`` characters, so the axis does not cut
    it off with an ellipsis."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


class HatchedBands:
    """The hatched bands over the bars (:class:`Band`), kept in place when the chart is
    resized."""

    def __init__(self, chart: QChart, series: QAbstractBarSeries, bands: list[Band]) -> None:
        self.chart = chart
        self.series = series
        self.items: list[tuple[Band, QGraphicsRectItem]] = []
        brush = QBrush(QColor("#404040"), Qt.BrushStyle.BDiagPattern)
        for band in bands:
            item = QGraphicsRectItem(chart)
            item.setBrush(brush)
            item.setPen(QPen(QColor("#404040"), 1))
            item.setZValue(9)
            item.setToolTip(_("Hidden: {text}").format(text=band.text))
            self.items.append((band, item))
        chart.plotAreaChanged.connect(self.place)
        self.place()
        chart.setProperty("hatched_bands", len(self.items))
        chart._hatched_bands = self  # type: ignore[attr-defined]

    def place(self, *_args: object) -> None:
        for band, item in self.items:
            left = self.chart.mapToPosition(QPointF(band.x - band.width / 2, band.bottom),
                                            self.series)
            right = self.chart.mapToPosition(QPointF(band.x + band.width / 2, band.bottom),
                                             self.series)
            if band.top is None:
                upper = left.y() - STUB_PIXELS
            else:
                upper = self.chart.mapToPosition(QPointF(band.x, band.top), self.series).y()
            item.setRect(QRectF(QPointF(left.x(), upper), QPointF(right.x(), left.y())))

    def rects(self) -> list[tuple[Band, QRectF]]:
        """Each band with where it is drawn (chart coordinates)."""
        return [(band, item.rect()) for band, item in self.items]


class BarLabels:
    """Text over the bars (value, "< 5" or "x"), kept in place when the chart is resized;
    over a hatched stub the label stands above the stub."""

    def __init__(self, chart: QChart, series: QAbstractBarSeries,
                 labels: list[tuple[float, float, str, bool]]) -> None:
        self.chart = chart
        self.series = series
        self.items: list[tuple[float, float, bool, QGraphicsSimpleTextItem]] = []
        font = QFont(chart.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.8, 6.0))
        for x, y, text, over_stub in labels:
            item = QGraphicsSimpleTextItem(text, chart)
            item.setFont(font)
            item.setZValue(10)
            self.items.append((x, y, over_stub, item))
        chart.plotAreaChanged.connect(self.place)
        self.place()
        chart.setProperty("bar_label_items", len(self.items))
        # Keep this helper alive as long as the chart.
        chart._bar_labels = self  # type: ignore[attr-defined]

    def place(self, *_args: object) -> None:
        for x, y, over_stub, item in self.items:
            point = self.chart.mapToPosition(QPointF(x, y), self.series)
            box = item.boundingRect()
            lift = STUB_PIXELS if over_stub else 0.0
            item.setPos(point.x() - box.width() / 2, point.y() - lift - box.height() - 1)


class FigureCard(QFrame):
    """One figure: title, explanation, chart, table, and "save as PNG"."""

    def __init__(self, figure: Figure, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure = figure
        self.setObjectName(f"figure_{figure.key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        explanation = QLabel(figure.explanation)
        explanation.setWordWrap(True)
        self.chart_view = QChartView(build_chart(figure))
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(300)
        # A screen reader says which figure the chart and its table are; the table carries
        # the same numbers as the chart, in words and digits, for whoever cannot see it.
        a11y.name(self.chart_view, _("Chart: {title}").format(title=figure.title))
        header, rows = figure.table()
        self.table = QTableWidget(len(rows), len(header))
        self.table.setHorizontalHeaderLabels(header)
        a11y.name(self.table, _("Table: {title}").format(title=figure.title))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem(value)
                if c > 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.resizeColumnsToContents()
        self.table.setFixedHeight(self.table.horizontalHeader().height()
                                  + sum(self.table.rowHeight(r) for r in range(len(rows)))
                                  + 2 * self.table.frameWidth() + 2)
        self.save_button = QPushButton(_("Save chart as PNG\u2026"))
        self.save_button.clicked.connect(self.save_png)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout.addWidget(self.chart_view)
        layout.addWidget(explanation)
        if figure.note:
            note = QLabel(figure.note)
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def save_png(self) -> Path | None:
        """Ask where, then write the chart as a PNG image; returns the file written."""
        chosen = dialogs.save_file(self, _("Save chart as PNG"),
                                   Path(f"{self.figure.key}.png"), _("PNG image (*.png)"))
        if chosen is None:
            return None
        if chosen.suffix.lower() != ".png":
            chosen = chosen.with_suffix(".png")
        image = self.chart_view.grab()
        if not image.save(str(chosen), "PNG"):
            dialogs.error(self, _("Save chart as PNG"),
                          _("The chart could not be saved to {file}.").format(file=chosen))
            return None
        return chosen


class FiguresScreen(QWidget):
    """The dashboard: filters at the top, the figure cards below in a scroll area."""

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("figures_screen")
        self.opened: OpenVault | None = opened
        self.cards: list[FigureCard] = []
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        heading = QLabel(_("Figures"))
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        self.year_box = QComboBox()
        self.year_box.setObjectName("figures_year")
        self.protocol_box = QComboBox()
        self.protocol_box.setObjectName("figures_protocol")
        self.protocol_box.addItem(_("All protocols"), None)
        for protocol in Protocol:
            self.protocol_box.addItem(protocol.label, protocol.value)
        filters.addWidget(heading)
        filters.addStretch(1)
        filters.addWidget(a11y.tie(QLabel(_("Year")), self.year_box))
        filters.addWidget(self.year_box)
        filters.addWidget(a11y.tie(QLabel(_("Protocol")), self.protocol_box))
        filters.addWidget(self.protocol_box)
        self.report_button = QPushButton(_("&Annual report (PDF)\u2026"))
        self.report_button.setObjectName("figures_annual_report")
        self.report_button.setToolTip(_("The year's figures as the annual report for the "
                                        "steering group, for the protocol chosen"))
        self.with_csv = QCheckBox(_("With the tables as CS&V"))
        self.with_csv.setObjectName("figures_with_csv")
        self.with_csv.setToolTip(_("Also write each table as a CSV file in the PDF's folder"))
        self.report_button.clicked.connect(self.export_report)
        filters.addSpacing(12)
        filters.addWidget(self.report_button)
        filters.addWidget(self.with_csv)
        self.note = QLabel(chart_note())
        self.note.setWordWrap(True)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        # Not a Tab stop of its own: Tab goes through the charts and tables, and the area
        # scrolls to the one with the focus.
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addLayout(filters)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        try:
            years = figure_service.available_years(opened)
        except CasuskamerError as exc:
            years = []
            self.message.setText(str(exc))
        for year in years:
            self.year_box.addItem(str(year), year)
        # The screen opens on this year (the one running); earlier years are in the list.
        this_year = self.year_box.findData(date.today().year)
        self.year_box.setCurrentIndex(this_year if this_year >= 0 else 0)
        self.year_box.currentIndexChanged.connect(self.refresh)
        self.protocol_box.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def selected(self) -> tuple[int | None, Protocol | None]:
        year = self.year_box.currentData()
        protocol = self.protocol_box.currentData()
        return (int(year) if year is not None else None,
                Protocol(protocol) if protocol else None)

    def refresh(self) -> None:
        """Recompute the figures for the chosen year and protocol and show them."""
        year, protocol = self.selected()
        if self.opened is None or year is None:
            return
        self.setCursor(Qt.CursorShape.WaitCursor)
        try:
            shown = figure_service.figures_for_display(self.opened, year, protocol)
        except CasuskamerError as exc:
            self.message.setText(str(exc))
            return
        finally:
            self.unsetCursor()
        self.message.clear()
        self._drop_cards()
        for figure in shown:
            card = FigureCard(figure)
            self.cards.append(card)
            self.body_layout.addWidget(card)
        self.body_layout.addStretch(1)

    def export_report(self) -> Path | None:
        """Ask where, then write the annual report of the year and protocol shown (and, when
        ticked, its tables as CSV beside it) through ``export_annual_report``, which audits
        it as every annual report is (``figures.annual_report``). Returns the PDF written."""
        year, protocol = self.selected()
        if self.opened is None or year is None:
            return None
        suffix = f"-{protocol.value}" if protocol else ""
        title = _("Annual report (PDF)")
        chosen = dialogs.save_file(self, title, Path(_("annual-report-{year}{suffix}.pdf")
                                                     .format(year=year, suffix=suffix)),
                                   _("PDF document (*.pdf)"))
        if chosen is None:
            return None
        if chosen.suffix.lower() != ".pdf":
            chosen = chosen.with_suffix(".pdf")
        csv_dir = chosen.parent if self.with_csv.isChecked() else None
        self.setCursor(Qt.CursorShape.WaitCursor)
        try:
            figure_service.export_annual_report(self.opened, year, chosen, protocol=protocol,
                                                csv_dir=csv_dir)
        except (CasuskamerError, OSError) as exc:
            dialogs.error(self, title, _("The annual report could not be written: {reason}")
                          .format(reason=exc))
            return None
        finally:
            self.unsetCursor()
        done = _("Annual report {year} written to {file}.").format(year=year, file=chosen)
        if csv_dir is not None:
            done += " " + _("The tables are written as CSV files in the same folder.")
        self.message.setText(done)
        return chosen

    def _drop_cards(self) -> None:
        while self.body_layout.count():
            item = self.body_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.cards = []

    def clear(self) -> None:
        """Drop every figure shown and the vault reference (the vault is about to lock)."""
        self._drop_cards()
        self.message.clear()
        self.opened = None
