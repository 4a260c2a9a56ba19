"""The score-trend chart of an archive: one line per scale total across campaigns, drawn with QPainter.

Series come from ``xadesk.archive.document.series_of`` (``{"name", "points": [[YYYY-MM-DD, value]]}``).
Dates are spaced by time, not by index, so two screenings a year apart look a year apart. Each
series gets its own colour and its own marker shape (readable without colour).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

COLOURS = ("#1565C0", "#C62828", "#2E7D32", "#EF6C00", "#6A1B9A", "#00838F", "#5D4037", "#AD1457")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


class TrendChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trendChart")
        self.series: list[dict] = []
        self.empty_text = self.tr("暂无测评记录")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName(self.tr("测评得分趋势图"))

    def set_series(self, series: list[dict]) -> None:
        self.series = [s for s in series if any(_day(p[0]) and p[1] is not None for p in s.get("points", []))]
        self.setToolTip("\n".join(f"{s['name']}：" + "，".join(f"{p[0]} {p[1]:g}" for p in s["points"]
                                                             if p[1] is not None) for s in self.series))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        em = self.fontMetrics().height()
        return QSize(em * 30, em * 11)

    def minimumSizeHint(self) -> QSize:
        em = self.fontMetrics().height()
        return QSize(em * 16, em * 9)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        em = fm.height()
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        text_pen = QPen(pal.text().color())
        if not self.series:
            p.setPen(text_pen)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        points = [(_day(d), float(v)) for s in self.series for d, v in s["points"] if _day(d) and v is not None]
        d0 = min(d for d, _ in points).toordinal()
        d1 = max(d for d, _ in points).toordinal()
        if d1 - d0 < 60:  # one screening (or two close ones): give the axis some width
            d0, d1 = d0 - 45, d1 + 45
        vmax = max(v for _, v in points)
        vmax = max(1.0, vmax * 1.15)
        # legend on the right: one line per series
        legend_w = min(max(fm.horizontalAdvance(s["name"]) for s in self.series) + em * 2, self.width() // 3)
        plot = QRectF(em * 2.6, em * 0.8, self.width() - em * 3.6 - legend_w, self.height() - em * 2.6)
        grid_pen = QPen(QColor(pal.mid().color()))
        grid_pen.setStyle(Qt.PenStyle.DotLine)
        p.setPen(text_pen)
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        p.drawLine(plot.bottomLeft(), plot.topLeft())
        step = _nice_step(vmax)
        tick = 0.0
        while tick <= vmax:
            y = plot.bottom() - tick / vmax * plot.height()
            p.setPen(grid_pen)
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(text_pen)
            p.drawText(QRectF(0, y - em / 2, plot.left() - em * 0.3, em), Qt.AlignmentFlag.AlignRight
                       | Qt.AlignmentFlag.AlignVCenter, f"{tick:g}")
            tick += step

        def x_of(d: date) -> float:
            return plot.left() + (d.toordinal() - d0) / (d1 - d0) * plot.width()

        # x labels: each distinct date that fits
        last_right = -1e9
        for d in sorted({d for d, _ in points}):
            label = d.strftime("%Y-%m")
            w = fm.horizontalAdvance(label)
            x = x_of(d)
            if x - w / 2 > last_right + em * 0.5:
                p.drawText(QRectF(x - w / 2, plot.bottom() + em * 0.3, w, em), Qt.AlignmentFlag.AlignCenter, label)
                last_right = x + w / 2
        for i, s in enumerate(self.series):
            colour = QColor(COLOURS[i % len(COLOURS)])
            pen = QPen(colour, max(2.0, em / 8))
            p.setPen(pen)
            pts = [QPointF(x_of(_day(d)), plot.bottom() - float(v) / vmax * plot.height())
                   for d, v in sorted(s["points"]) if _day(d) and v is not None]
            if len(pts) > 1:
                path = QPainterPath(pts[0])
                for q in pts[1:]:
                    path.lineTo(q)
                p.drawPath(path)
            p.setBrush(colour)
            for q in pts:
                _marker(p, q, i, em * 0.28)
            p.setBrush(Qt.BrushStyle.NoBrush)
            ly = plot.top() + i * em * 1.3
            lx = plot.right() + em * 0.8
            _marker(p, QPointF(lx + em * 0.4, ly + em * 0.5), i, em * 0.28, fill=colour)
            p.setPen(text_pen)
            name = fm.elidedText(s["name"], Qt.TextElideMode.ElideRight, int(legend_w - em * 1.2))
            p.drawText(QRectF(lx + em * 1.0, ly, legend_w, em), Qt.AlignmentFlag.AlignVCenter, name)
        p.end()


def _nice_step(vmax: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100):
        if vmax / step <= 6:
            return float(step)
    return vmax / 5


def _marker(p: QPainter, at: QPointF, index: int, r: float, fill: QColor | None = None) -> None:
    if fill is not None:
        p.setBrush(fill)
        p.setPen(QPen(fill))
    shape = index % 3
    if shape == 0:
        p.drawEllipse(at, r, r)
    elif shape == 1:
        p.drawRect(QRectF(at.x() - r, at.y() - r, 2 * r, 2 * r))
    else:
        path = QPainterPath(QPointF(at.x(), at.y() - r * 1.2))
        path.lineTo(at.x() + r * 1.1, at.y() + r * 0.8)
        path.lineTo(at.x() - r * 1.1, at.y() + r * 0.8)
        path.closeSubpath()
        p.drawPath(path)
    if fill is not None:
        p.setBrush(Qt.BrushStyle.NoBrush)
