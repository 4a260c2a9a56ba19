"""报告 (reports) page for school leaders, counselors and grade leaders: pick a school year or a
campaign and a scope (school, grade, class); see the summary, the plan table and every table with
its chart one click away (图表 / 数据表 tabs); export the report as PDF or xlsx in the background.

Everything shown comes from ``xadesk.reports.indicators.build_report``: the core decides what this
person may see and hides small counts ("<5") for everyone but counselors.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xadesk.reports.charts import series
from xadesk.reports.figures import Report, Table
from xadesk.reports.indicators import build_report, choices
from xadesk.reports.school_report import headline_lines, table_text, write_report
from xadesk.services.context import AppContext

from ..mainwindow import PageSpec, register_page
from ..messages import MessageBanner
from ..worker import BackgroundOp
from .chart import ReportChart
from .registers import RegistersDialog


def ask_save_path(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    """The save dialog (a function so tests can answer it)."""
    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path


def fill_table(widget: QTableWidget, table: Table, counselor: bool) -> None:
    text = table_text(table, counselor)
    widget.clear()
    widget.setColumnCount(len(table.cols) + 1)
    widget.setRowCount(len(table.rows))
    widget.setHorizontalHeaderLabels([table.row_header, *table.cols])
    for r, (label, row) in enumerate(zip(table.rows, text, strict=True)):
        widget.setItem(r, 0, QTableWidgetItem(label))
        for c, v in enumerate(row, 1):
            item = QTableWidgetItem(v)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            widget.setItem(r, c, item)
    widget.resizeColumnsToContents()


def _readonly_table(parent: QWidget, name: str) -> QTableWidget:
    t = QTableWidget(parent)
    t.setObjectName(name)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return t


class ReportPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.report: Report | None = None
        self.choices = choices(ctx)
        self.period = QComboBox(self)
        self.period.setObjectName("reportPeriod")
        self.period.setAccessibleName(self.tr("学年或测评批次"))
        for y in self.choices.years:
            self.period.addItem(self.tr("%1学年").replace("%1", y), ("year", y))
        for cid, name, _year in self.choices.campaigns:
            self.period.addItem(self.tr("测评批次：%1").replace("%1", name), ("campaign", cid))
        self.scope = QComboBox(self)
        self.scope.setObjectName("reportScope")
        self.scope.setAccessibleName(self.tr("范围"))
        if self.choices.whole_school:
            self.scope.addItem(self.tr("全校"), ("school", None))
        for code, label in self.choices.grades:
            self.scope.addItem(label, ("grade", code))
        for cid, label, _g in self.choices.classes:
            self.scope.addItem("　" + label, ("class", cid))
        period_label = QLabel(self.tr("期间(&P)："), self)
        period_label.setBuddy(self.period)
        scope_label = QLabel(self.tr("范围(&S)："), self)
        scope_label.setBuddy(self.scope)
        self.pdf_button = QPushButton(self.tr("导出 PDF(&D)…"), self)
        self.pdf_button.setObjectName("exportPdf")
        self.xlsx_button = QPushButton(self.tr("导出 Excel(&X)…"), self)
        self.xlsx_button.setObjectName("exportXlsx")
        bar = QHBoxLayout()
        for w in (period_label, self.period, scope_label, self.scope):
            bar.addWidget(w)
        bar.addStretch(1)
        self.registers_button = QPushButton(self.tr("登记人员与活动(&R)…"), self)
        self.registers_button.setObjectName("openRegisters")
        self.registers_button.setVisible(ctx.actor.can("reports.manage"))
        self.registers_button.clicked.connect(self.open_registers)
        bar.addWidget(self.registers_button)
        bar.addWidget(self.pdf_button)
        bar.addWidget(self.xlsx_button)
        self.banner = MessageBanner(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("reportSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sections = QListWidget(self)
        self.sections.setObjectName("reportSections")
        self.sections.setAccessibleName(self.tr("报告各部分"))
        # Titles share long prefixes (one per scale of an instrument): wrapped whole, never cut.
        self.sections.setWordWrap(True)
        self.sections.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("reportTabs")
        self.chart = ReportChart(self)
        self.table = _readonly_table(self, "reportTable")
        self.tabs.addTab(self.chart, self.tr("图表(&C)"))
        self.tabs.addTab(self.table, self.tr("数据表(&T)"))
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setObjectName("reportNote")
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.tabs, 1)
        rl.addWidget(self.note)
        split = QSplitter(self)
        split.addWidget(self.sections)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        em = self.fontMetrics().horizontalAdvance("中")
        split.setSizes([em * 20, em * 60])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self.period.currentIndexChanged.connect(self.reload)
        self.scope.currentIndexChanged.connect(self.reload)
        self.sections.currentRowChanged.connect(self._show_section)
        self.pdf_button.clicked.connect(lambda: self.export(".pdf"))
        self.xlsx_button.clicked.connect(lambda: self.export(".xlsx"))
        self.reload()

    # --- loading ---------------------------------------------------------------------------------
    def _args(self) -> dict:
        kind, value = self.period.currentData()
        args: dict = {"year": value} if kind == "year" else {"campaign": value}
        skind, svalue = self.scope.currentData() or ("school", None)
        if skind == "grade":
            args["grade_code"] = svalue
        elif skind == "class":
            args["class_"] = svalue
        return args

    def reload(self) -> None:
        args = self._args()
        BackgroundOp(self, lambda task: build_report(self.ctx, **args), title=self.tr("正在统计…")) \
            .success(self._loaded).failure(lambda exc: self.banner.show_error(str(exc))).run()

    def refresh(self) -> None:
        self.reload()

    def _loaded(self, report: Report) -> None:
        self.banner.hide()
        self.report = report
        lines = "　".join(f"{k}：{v}" for k, v in headline_lines(report))
        met = sum(1 for p in report.plan if p.met)
        unmet = sum(1 for p in report.plan if p.met is False)
        self.summary.setText(f"{report.period_label} · {report.scope_label}　{lines}　"
                             + self.tr("行动方案指标 %1 项达标、%2 项未达标").replace("%1", str(met))
                             .replace("%2", str(unmet)))
        current = self.sections.currentRow()
        self.sections.blockSignals(True)
        self.sections.clear()
        for t in report.tables:
            self.sections.addItem(t.title)
            self.sections.item(self.sections.count() - 1).setToolTip(t.title)  # long titles are cut
        self.sections.blockSignals(False)
        self.sections.setCurrentRow(min(max(current, 0), len(report.tables) - 1))
        self._show_section(self.sections.currentRow())

    def _show_section(self, row: int) -> None:
        if self.report is None or not 0 <= row < len(self.report.tables):
            return
        t = self.report.tables[row]
        counselor = self.report.counselor_view
        data = series(t, t.display(counselor))
        self.chart.set_data(data)
        fill_table(self.table, t, counselor)
        self.tabs.setTabEnabled(0, t.chart is not None)
        if t.chart is None:
            self.tabs.setCurrentIndex(1)
        legend = "" if counselor else self.tr("“<5”表示人数为 1–4；“×”为防止由合计反推而一并隐藏。")
        self.note.setText("　".join(x for x in (t.note, legend) if x))

    def open_registers(self) -> RegistersDialog:
        dlg = RegistersDialog(self.ctx, self.choices.classes, self)
        dlg.finished.connect(lambda _r: self.reload() if dlg.saved else None)
        dlg.open()
        return dlg

    # --- export ----------------------------------------------------------------------------------
    def export(self, suffix: str) -> None:
        if self.report is None:
            return
        filters = self.tr("PDF 文件 (*.pdf)") if suffix == ".pdf" else self.tr("Excel 文件 (*.xlsx)")
        suggested = f"{self.report.school_name}-{self.report.period_label}-{self.report.scope_label}{suffix}"
        chosen = ask_save_path(self, self.tr("导出报告"), suggested, filters)
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        report = self.report
        BackgroundOp(self, lambda task: write_report(self.ctx, report, path), title=self.tr("正在导出报告…")) \
            .success(lambda p: self.banner.show_info(self.tr("已导出：%1").replace("%1", str(p)))) \
            .failure(lambda exc: self.banner.show_error(str(exc))).run()


register_page(PageSpec("reports", "报告", ReportPage, order=80, permission="reports.read"))
