"""One student's growth archive (成长档案): summary, score-trend chart, and a timeline of everything
(screenings, levels, records, referrals, class and group history) filterable by kind.

The document comes from ``xadesk.archive.document.view_archive`` (audited as a view, counselling
content only for counselors) on the worker thread; this dialog only shows it. PDF export of either
edition goes through ``student_pdf`` (audited as an export).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xadesk.archive import kinds as K
from xadesk.archive.document import section_title, series_of, summary_lines, timeline, view_archive
from xadesk.archive.pdf import student_pdf
from xadesk.services.context import AppContext
from xadesk.storage.atomic import atomic_write_bytes

from .. import messages
from ..formutil import FittingDialog
from ..tablemodel import CENTER, Column, FilterProxy, RowTableModel, configure_table_view, set_column_widths
from ..worker import BackgroundOp
from .chart import TrendChart
from .observe import open_record_dialog, record_menu_actions


def kind_choices(doc: dict) -> list[tuple[str, str]]:
    """(kind, label) for the filter: record kinds, sections, class and group history present."""
    entries = timeline(doc)
    present: dict[str, str] = {}
    for e in entries:
        present.setdefault(e.kind, e.kind_label)
    order = list(doc.get("sections", {})) + list(K.KINDS) + ["group", "class"]
    return sorted(present.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)


class ArchiveDialog(FittingDialog):
    """Opened with an already loaded document (``open_archive`` loads it in the background)."""

    def __init__(self, ctx: AppContext, doc: dict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.doc = doc
        self.student_id: int | None = None
        st = doc["student"]
        self.setObjectName("archiveDialog")
        self.setWindowTitle(self.tr("成长档案 · {name}").format(name=st["name"]))
        em = self.fontMetrics().height()
        self.resize(em * 56, em * 33)  # fit_to_screen (on show) caps it at the screen's height

        name = QLabel(st["name"], self)
        font = name.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        name.setFont(font)
        header = QHBoxLayout()
        header.addWidget(name)
        header.addSpacing(12)
        header.addWidget(QLabel(f"{st.get('class_label') or self.tr('未分班')} · {self.tr('学籍号')} {st['student_no']}",
                                self))
        header.addStretch(1)

        self.summary = QLabel("\n".join(summary_lines(doc)), self)
        self.summary.setObjectName("archiveSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        chart_box = QGroupBox(self.tr("测评得分趋势"), self)
        self.chart = TrendChart(chart_box)
        self.chart.set_series(series_of(doc))
        screenings = doc.get("sections", {}).get("screenings")
        if isinstance(screenings, dict) and screenings.get("results_included") is False:
            self.chart.empty_text = self.tr("测评结果仅心理健康教师可见")
        QVBoxLayout(chart_box).addWidget(self.chart)

        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("kindFilter")
        self.kind_combo.addItem(self.tr("全部"), None)
        for kind, label in kind_choices(doc):
            self.kind_combo.addItem(label, kind)
        self.kind_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        kind_label = QLabel(self.tr("类别(&K)："), self)
        kind_label.setBuddy(self.kind_combo)
        self.count_label = QLabel(self)
        filter_row = QHBoxLayout()
        filter_row.addWidget(kind_label)
        filter_row.addWidget(self.kind_combo)
        filter_row.addSpacing(12)
        filter_row.addWidget(self.count_label)
        filter_row.addStretch(1)

        self.model = RowTableModel([
            Column(self.tr("日期"), "day", align=CENTER),
            Column(self.tr("类别"), "kind_label"),
            Column(self.tr("事项"), "title"),
            Column(self.tr("记录人"), lambda e: (e.author or "") + (f"（{e.source}）" if e.source else "")),
            Column(self.tr("内容"), "text"),  # last: it stretches and wraps
        ], self)
        self.model.set_rows(list(reversed(timeline(doc))))  # newest first: what a teacher looks for
        self.proxy = FilterProxy(self.model)
        self.view = QTableView(self)
        self.view.setObjectName("timeline")
        self.view.setModel(self.proxy)
        configure_table_view(self.view)
        self.view.setSortingEnabled(False)
        self.view.setWordWrap(True)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        set_column_widths(self.view, (7, 6, 11, 8))
        self.kind_combo.currentIndexChanged.connect(self._apply_filter)
        self._apply_filter()

        table_box = QWidget(self)
        tl = QVBoxLayout(table_box)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addLayout(filter_row)
        tl.addWidget(self.view, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(chart_box)
        split.addWidget(table_box)
        split.setStretchFactor(1, 1)

        buttons = QDialogButtonBox(self)
        self.pdf_full = buttons.addButton(self.tr("导出完整版PDF(&P)…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.pdf_transfer = buttons.addButton(self.tr("导出转移版PDF(&T)…"), QDialogButtonBox.ButtonRole.ActionRole)
        for b in (self.pdf_full, self.pdf_transfer):
            b.setEnabled(ctx.actor.can("archive.export"))
        self.pdf_full.clicked.connect(lambda: self.export_pdf("full"))
        self.pdf_transfer.clicked.connect(lambda: self.export_pdf("transfer"))
        for b in (self.pdf_full, self.pdf_transfer):
            if not b.isEnabled():
                b.setToolTip(self.tr("导出档案 PDF 需要心理健康教师角色；您可以在这里查看档案。"))
        self.record_buttons = []
        for text, cls in record_menu_actions(ctx):
            b = buttons.addButton(self.tr(text), QDialogButtonBox.ButtonRole.ActionRole)
            b.clicked.connect(lambda _c=False, k=cls: open_record_dialog(
                k, self.ctx, self.student_id, f"{st.get('class_label') or ''} {st['name']}".strip(), self))
            self.record_buttons.append(b)
        close = buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addLayout(header)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        close.setFocus()
        self.save_path: Path | None = None  # tests set this to skip the file dialog

    def _apply_filter(self) -> None:
        kind = self.kind_combo.currentData()
        self.model.set_rows([e for e in reversed(timeline(self.doc, {kind} if kind else None))])
        self.view.resizeRowsToContents()
        self.count_label.setText(self.tr("共 {n} 条").format(n=self.model.rowCount()))

    def visible_kinds(self) -> set[str]:
        return {e.kind for e in self.model.rows()}

    def export_pdf(self, edition: str) -> None:

        st = self.doc["student"]
        label = self.tr("完整版") if edition == "full" else self.tr("转移版")
        path = self.save_path
        if path is None:
            name, _ = QFileDialog.getSaveFileName(self, self.tr("保存档案PDF"),
                                                  f"成长档案-{label}-{st['student_no']}.pdf", "PDF (*.pdf)")
            if not name:
                return
            path = Path(name)
        sid = self.student_id

        def work(_task) -> Path:

            atomic_write_bytes(path, student_pdf(self.ctx, sid, edition=edition))
            return path

        (BackgroundOp(self, work, title=self.tr("正在生成PDF…"), cancellable=False)
         .success(lambda p: messages.notify(self, self.tr("已保存：{path}").format(path=p)))
         .run())


def open_archive(ctx: AppContext, student_id: int, parent: QWidget | None) -> BackgroundOp:
    """Load the archive in the background and show it (non-modal, deleted on close)."""

    def show(doc: dict) -> None:
        dlg = ArchiveDialog(ctx, doc, parent)
        dlg.student_id = student_id
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if parent is not None:
            parent.archive_dialog = dlg  # tests and the page find it here
        dlg.show()

    return (BackgroundOp(parent, lambda _t: view_archive(ctx, student_id), title="正在打开成长档案…",
                         cancellable=False).success(show).run())


__all__ = ["ArchiveDialog", "TrendChart", "kind_choices", "open_archive", "section_title"]
