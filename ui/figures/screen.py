"""The Figures screen: the dashboard for the manager and the Stuurgroep (covenant 4.4, 6.4).

One card per figure (``app.domain.figures.figure_list``): its title, a short explanation, a
Qt chart and a table of the same values, with small numbers already suppressed by the
service ("< 5"; a suppressed bar has no height). Filters: year and protocol. Each chart can
be saved as PNG through the file picker of ``ui.dialogs``. The screen shows only counts,
never a name; ``clear()`` drops them when the vault locks.
"""

from __future__ import annotations

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
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QCursor, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
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

from app.domain.figures import ChartKind, Figure, suppression_note
from app.domain.protocols import Protocol
from app.errors import CasuskamerError
from app.i18n import _
from app.services import figures as figure_service
from app.vault.vault import OpenVault
from ui import a11y, dialogs

#: Series colours (the same as the annual report's).
PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6", "#bf9000",
           "#a9d18e", "#f4b183", "#9dc3e6", "#595959", "#ff7c80")


def build_chart(figure: Figure) -> QChart:
    """The figure as a Qt chart; a suppressed bar is drawn with no height and its label
    (and tooltip) says "< 5"."""
    categories, series = figure.chart()
    chart = QChart()
    chart.setTitle(figure.title)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    stacked = figure.kind is ChartKind.STACKED
    bars = QStackedBarSeries() if stacked else QBarSeries()
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
    # labels are drawn over the chart instead, with the same text as the table.
    labels: list[tuple[float, float, str]] = []
    if stacked:
        for c in range(len(categories)):
            height = sum(s.values[c].plot for s in series)
            if c < len(totals):
                labels.append((float(c), height, totals[c]))
    else:
        width = 0.5 / max(len(series), 1)     # Qt's default: the bars fill half a category
        for i, s in enumerate(series):
            offset = (i - (len(series) - 1) / 2) * width
            labels.extend((c + offset, v.plot, v.text) for c, v in enumerate(s.values))
    chart.setProperty("bar_labels", [text for _x, _y, text in labels])
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


class BarLabels:
    """Text over the bars (value, or "< 5"), kept in place when the chart is resized."""

    def __init__(self, chart: QChart, series: QAbstractBarSeries,
                 labels: list[tuple[float, float, str]]) -> None:
        self.chart = chart
        self.series = series
        self.items: list[tuple[float, float, QGraphicsSimpleTextItem]] = []
        font = QFont(chart.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.8, 6.0))
        for x, y, text in labels:
            item = QGraphicsSimpleTextItem(text, chart)
            item.setFont(font)
            item.setZValue(10)
            self.items.append((x, y, item))
        chart.plotAreaChanged.connect(self.place)
        self.place()
        chart.setProperty("bar_label_items", len(self.items))
        # Keep this helper alive as long as the chart.
        chart._bar_labels = self  # type: ignore[attr-defined]

    def place(self, *_args: object) -> None:
        for x, y, item in self.items:
            point = self.chart.mapToPosition(QPointF(x, y), self.series)
            box = item.boundingRect()
            item.setPos(point.x() - box.width() / 2, point.y() - box.height() - 1)


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
        self.note = QLabel(suppression_note())
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
        # The last whole year is what the Stuurgroep asks for; this year is still running.
        if self.year_box.count() > 1:
            self.year_box.setCurrentIndex(1)
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

    def _drop_cards(self) -> None:
        while self.body_layout.count():
            item = self.body_layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.cards = []

    def clear(self) -> None:
        """Drop every figure shown and the vault reference (the vault is about to lock)."""
        self._drop_cards()
        self.message.clear()
        self.opened = None
