"""Report charts for the PDF (reportlab graphics): bar, stacked bar and trend line.

Print-safe: series differ in lightness as well as hue (a grey printer still tells them apart), lines
also differ in dash pattern and marker, and every chart has a legend with the column names. Hidden
cells ("<5", "×", "—") are drawn as nothing and the caption says so; the table beside the chart
holds the figures. The screen draws the same charts with QPainter from :func:`series`.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from .figures import Table
from .fonts import register_fonts

DEFAULT_COLOURS = ["#2a6f97", "#f9a825", "#2e7d32", "#c62828", "#6a1b9a", "#616e7c"]
DASHES = [None, (4, 2), (1, 2), (6, 2, 1, 2)]
MARKERS = ["FilledCircle", "FilledSquare", "FilledTriangle", "FilledDiamond"]


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: list[float | None]   # None: hidden or not a number


@dataclass(frozen=True)
class ChartData:
    kind: str                    # bar / stacked / line
    categories: list[str]
    series: list[Series]
    percent: bool                # values are shares (0–1)
    hidden: bool                 # some cells were hidden and are not drawn


def series(table: Table, shown: list[list]) -> ChartData | None:
    """The chart of ``table`` as this viewer sees it (``shown`` = ``table.display(...)``); None when
    the table has no chart or nothing in it to draw."""
    if not table.chart:
        return None
    rows = table.chart_rows if table.chart_rows is not None else list(range(len(table.rows)))
    cols = table.chart_cols if table.chart_cols is not None else list(range(len(table.cols)))
    colours = table.colours or DEFAULT_COLOURS
    hidden = False
    out = []
    for i, c in enumerate(cols):
        vals: list[float | None] = []
        for r in rows:
            v = shown[r][c]
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                vals.append(float(v))
            else:
                hidden = hidden or isinstance(v, str)
                vals.append(None)
        out.append(Series(table.cols[c], colours[i % len(colours)], vals))
    if not any(v for s_ in out for v in s_.values):
        return None  # nothing to draw (all hidden or all zero): the table says it
    percent = bool(cols) and all((rows[0], c) in table.rates for c in cols) if rows else False
    return ChartData(table.chart, [table.rows[r] for r in rows], out, percent, hidden)


def _short(label: str, n: int = 8) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def drawing(data: ChartData, width: float, height: float) -> Drawing:
    font = register_fonts()
    d = Drawing(width, height)
    legend_h = 14 * ((len(data.series) + 3) // 4)
    plot_x, plot_y = 36, 28 + legend_h
    plot_w, plot_h = width - plot_x - 10, height - plot_y - 10
    if data.kind == "line":
        chart = HorizontalLineChart()
        chart.data = [tuple(v if v is not None else 0 for v in s.values) for s in data.series]
        for i, s in enumerate(data.series):
            line = chart.lines[i]
            line.strokeColor = colors.HexColor(s.colour)
            line.strokeWidth = 1.6
            if DASHES[i % len(DASHES)]:
                line.strokeDashArray = DASHES[i % len(DASHES)]
            line.symbol = makeMarker(MARKERS[i % len(MARKERS)], size=4, fillColor=colors.HexColor(s.colour))
    else:
        chart = VerticalBarChart()
        chart.data = [tuple(v if v is not None else 0 for v in s.values) for s in data.series]
        if data.kind == "stacked":
            chart.categoryAxis.style = "stacked"
        chart.barSpacing = 1
        chart.groupSpacing = 6
        for i, s in enumerate(data.series):
            chart.bars[i].fillColor = colors.HexColor(s.colour)
            chart.bars[i].strokeColor = colors.white
            chart.bars[i].strokeWidth = 0.3
    chart.x, chart.y, chart.width, chart.height = plot_x, plot_y, plot_w, plot_h
    chart.categoryAxis.categoryNames = [_short(c) for c in data.categories]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 6.5
    many = len(data.categories) > 8
    chart.categoryAxis.labels.angle = 35 if many else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if many else "n"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    if data.percent:
        chart.valueAxis.valueMax = 1
        chart.valueAxis.valueStep = 0.25
        chart.valueAxis.labelTextFormat = lambda v: f"{v * 100:.0f}%"
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e4e7eb")
    chart.valueAxis.visibleGrid = True
    d.add(chart)
    legend = Legend()
    legend.fontName = font
    legend.fontSize = 7.5
    legend.x, legend.y = plot_x, legend_h + 2
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 7
    legend.deltax = max(60, (plot_w) / max(1, min(4, len(data.series))))
    legend.colorNamePairs = [(colors.HexColor(s.colour), _short(s.name, 14)) for s in data.series]
    legend.boxAnchor = "nw"
    if len(data.series) > 4:
        legend.columnMaximum = (len(data.series) + 3) // 4
    d.add(legend)
    if data.hidden:
        d.add(String(width - 4, 2, "注：隐藏的小数字（<5 等）未绘出，见下表。", fontName=font, fontSize=6.5,
                     textAnchor="end", fillColor=colors.HexColor("#616e7c")))
    return d
