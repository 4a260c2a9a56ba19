"""Report charts on screen, drawn with QPainter from the same ``ChartData`` the PDF draws
(``xadesk.reports.charts.series``): bar, stacked bar and trend line, each series with its colour,
lines with their own dash and marker, a legend, and hidden cells ("<5") not drawn."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from xadesk.reports.charts import ChartData

DASHES = [Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine]


class ReportChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportChart")
        self.data: ChartData | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(self.tr("报告图表"))

    def set_data(self, data: ChartData | None) -> None:
        self.data = data
        self.update()

    def sizeHint(self) -> QSize:
        em = self.fontMetrics().height()
        return QSize(em * 40, em * 18)

    def minimumSizeHint(self) -> QSize:
        em = self.fontMetrics().height()
        return QSize(em * 20, em * 12)

    def _top(self) -> float:
        d = self.data
        if d is None:
            return 1.0
        if d.percent:
            return 1.0
        if d.kind == "stacked":
            sums = [sum(s.values[i] or 0 for s in d.series) for i in range(len(d.categories))]
            top = max(sums or [0])
        else:
            top = max((v or 0 for s in d.series for v in s.values), default=0)
        return _nice(top)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#ffffff"))
        fm = self.fontMetrics()
        em = fm.height()
        d = self.data
        if d is None or not d.categories or not d.series:
            p.setPen(QColor("#616e7c"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("此表没有可画的数字（全部为零或已隐藏），请看数据表。"))
            return
        legend_rows = (len(d.series) + 3) // 4
        many = len(d.categories) > 8
        label_h = em * (3 if many else 1.5)
        plot = QRectF(em * 3.5, em * 0.8, self.width() - em * 4.5,
                      self.height() - em * 0.8 - label_h - legend_rows * em * 1.3 - (em if d.hidden else 0))
        top = self._top()
        # grid and value axis
        p.setPen(QPen(QColor("#e4e7eb"), 1))
        for i in range(5):
            y = plot.bottom() - plot.height() * i / 4
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(QColor("#616e7c"))
            value = top * i / 4
            text = f"{value * 100:.0f}%" if d.percent else f"{value:g}"
            p.drawText(QRectF(0, y - em / 2, plot.left() - 4, em), Qt.AlignmentFlag.AlignRight, text)
            p.setPen(QPen(QColor("#e4e7eb"), 1))
        p.setPen(QPen(QColor("#1f2933"), 1))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        n = len(d.categories)
        slot = plot.width() / n

        def y_of(v: float) -> float:
            return plot.bottom() - plot.height() * min(v / top, 1.0) if top else plot.bottom()

        if d.kind == "line":
            for k, s in enumerate(d.series):
                pen = QPen(QColor(s.colour), 2, DASHES[k % len(DASHES)])
                p.setPen(pen)
                prev = None
                for i, v in enumerate(s.values):
                    if v is None:
                        prev = None
                        continue
                    pt = QPointF(plot.left() + slot * (i + 0.5), y_of(v))
                    if prev is not None:
                        p.drawLine(prev, pt)
                    p.setBrush(QColor(s.colour))
                    r = em * 0.22 + k
                    if k % 2:
                        p.drawRect(QRectF(pt.x() - r, pt.y() - r, 2 * r, 2 * r))
                    else:
                        p.drawEllipse(pt, r, r)
                    prev = pt
        else:
            inner = slot * 0.75
            for i in range(n):
                x0 = plot.left() + slot * i + (slot - inner) / 2
                base = 0.0
                for k, s in enumerate(d.series):
                    v = s.values[i]
                    if d.kind == "stacked":
                        if v:
                            rect = QRectF(x0, y_of(base + v), inner, y_of(base) - y_of(base + v))
                            p.fillRect(rect, QColor(s.colour))
                            base += v
                    else:
                        w = inner / len(d.series)
                        if v:
                            rect = QRectF(x0 + w * k, y_of(v), w - 1, plot.bottom() - y_of(v))
                            p.fillRect(rect, QColor(s.colour))
        # category labels
        p.setPen(QColor("#1f2933"))
        for i, c in enumerate(d.categories):
            cx = plot.left() + slot * (i + 0.5)
            if many:
                p.save()
                p.translate(cx, plot.bottom() + 4)
                p.rotate(35)
                p.drawText(QPointF(0, em * 0.7), c)
                p.restore()
            else:
                p.drawText(QRectF(cx - slot / 2, plot.bottom() + 2, slot, em * 1.4),
                           Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, fm.elidedText(
                               c, Qt.TextElideMode.ElideRight, int(slot)))
        # legend
        y = plot.bottom() + label_h + em * 0.2
        col_w = (self.width() - em * 4) / 4
        for k, s in enumerate(d.series):
            x = em * 3.5 + col_w * (k % 4)
            yy = y + em * 1.3 * (k // 4)
            p.fillRect(QRectF(x, yy + em * 0.2, em * 0.8, em * 0.8), QColor(s.colour))
            p.drawText(QRectF(x + em, yy, col_w - em * 1.2, em * 1.2), Qt.AlignmentFlag.AlignLeft,
                       fm.elidedText(s.name, Qt.TextElideMode.ElideRight, int(col_w - em * 1.2)))
        if d.hidden:
            p.setPen(QColor("#616e7c"))
            p.drawText(QRectF(0, self.height() - em * 1.2, self.width() - em * 0.5, em * 1.1),
                       Qt.AlignmentFlag.AlignRight, self.tr("隐藏的小数字（<5 等）未绘出，见数据表。"))


def _nice(top: float) -> float:
    if top <= 0:
        return 4.0
    for mag in range(0, 7):
        for step in (0.25, 0.5, 1, 1.25, 2.5):
            candidate = step * 10 ** mag
            if candidate * 4 >= top:
                return candidate * 4
    return top
