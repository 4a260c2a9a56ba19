"""A campaign's results: one row per student, instrument and scale, filtered by class, instrument,
scale, band and flags; a student's result sheet; export to xlsx. Homeroom teachers and grade
leaders (``screening.summary`` only) see band counts for their own classes instead — no names,
no scores, no answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from xadesk.columnar.campaign_results import flags_text, result_lines
from xadesk.columnar.table import Table
from xadesk.display import instrument_name
from xadesk.errors import UserError
from xadesk.services import instruments, screening_answers, screening_results
from xadesk.services.campaigns import class_sort, get_campaign
from xadesk.services.context import AppContext
from xadesk.services.screening_results import BandCount, ResultRow

from .. import messages
from ..messages import MessageBanner
from ..pagedmodel import LineColumn, PagedTableModel, connect_search_edit
from ..tablemodel import (
    CENTER,
    RIGHT,
    Column,
    FilterProxy,
    RowTableModel,
    configure_table_view,
    connect_filter_edit,
)
from ..worker import BackgroundOp

ALL = "__all__"


def scale_names(ctx: AppContext, pairs: set[tuple[str, int]]) -> dict[tuple[str, str], str]:
    """(instrument, scale id) → the scale's Chinese name, for the versions that appear."""
    out: dict[tuple[str, str], str] = {}
    for iid, version in pairs:
        try:
            defn = instruments.get_definition(ctx, iid, version)
        except UserError:
            continue
        for sc in defn.scales:
            out[(iid, sc.id)] = sc.name_zh
    return out


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:g}" if float(x).is_integer() else f"{x:.1f}"


def flag_text(flags: tuple[str, ...], instrument_id: str = "") -> str:
    """Flags in words (the core's display table), safety ones first-named as 安全."""
    return flags_text(flags, instrument_id)


def result_columns() -> list[LineColumn]:
    """The columns of ``columnar.campaign_results.result_lines`` the table shows (each sorts by itself)."""
    return [
        LineColumn("班级", "class_label"),
        LineColumn("学籍号", "student_no"),
        LineColumn("姓名", "name"),
        LineColumn("量表", "instrument"),
        LineColumn("分量表", "scale_name"),
        LineColumn("原始分", "raw", align=RIGHT, fmt=_num),
        LineColumn("T分", "t", align=RIGHT, fmt=_num),
        LineColumn("等级", "band_text", align=CENTER),
        LineColumn("有效", "valid", align=CENTER, fmt=lambda v: "是" if v else "否"),
        LineColumn("标记", "flags_text"),
    ]


@dataclass(frozen=True)
class BandLine:
    source: BandCount
    scale_name: str

    def __getattr__(self, name: str):
        return getattr(self.source, name)


def _bands(ctx: AppContext, campaign_id: int) -> list[BandLine]:
    counts = screening_results.band_summary(ctx, campaign_id)
    names = scale_names(ctx, {(b.instrument_id, b.version) for b in get_campaign(ctx, campaign_id).battery})
    return [BandLine(b, names.get((b.instrument_id, b.scale_id), b.scale_id)) for b in counts]


def band_columns() -> list[Column]:
    return [Column("班级", "class_label"), Column("量表", lambda b: instrument_name(b.instrument_id)), Column("分量表", "scale_name"),
            Column("等级", lambda b: b.band_label or b.band or "（未定级）", align=CENTER),
            Column("人数", "count", align=RIGHT)]


def set_widths(view: QTableView, chars: list[float]) -> None:
    """Column widths in Chinese characters, so they hold at 150 % too."""
    char = view.fontMetrics().horizontalAdvance("中")
    for column, n in enumerate(chars):
        view.setColumnWidth(column, int(char * n + 20))


def ask_save_path(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    """The save dialog (a function so tests can answer it)."""
    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path


class ResultsView(QWidget):
    """Results of one campaign. ``set_campaign(id)`` reads every line in the worker; the filters, the
    search box and the header clicks select and sort all of them; the table shows a page at a time
    and more as it is scrolled (a 5,000-student campaign is ~75,000 lines)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.campaign_id: int | None = None
        self.campaign_name = ""
        self.full = ctx.actor.can("screening.results")
        self.bands: list[BandCount] = []
        self.banner = MessageBanner(self)
        self.table = QTableView(self)
        if self.full:
            self.model: PagedTableModel | RowTableModel = PagedTableModel(result_columns(), self)
            self.model.queryChanged.connect(self._count_lines)
            self.table.setModel(self.model)
        else:   # band counts: a few hundred rows at most
            self.model = RowTableModel(band_columns(), self)
            self.proxy = FilterProxy(self.model, parent=self)
            self.table.setModel(self.proxy)
        self.table.setObjectName("resultsTable")
        self.table.setAccessibleName(self.tr("测评结果"))
        configure_table_view(self.table)
        self.table.doubleClicked.connect(lambda _i: self.open_sheet())
        set_widths(self.table, [6, 11, 4, 9, 7, 3.5, 3, 6, 2.5] if self.full else [6, 9, 10, 8, 3])

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText(self.tr("姓名、学籍号…") if self.full else self.tr("班级、量表、等级…"))
        self.filter_edit.setAccessibleName(self.tr("筛选结果"))
        if isinstance(self.model, PagedTableModel):
            connect_search_edit(self.filter_edit, self.model)
        else:
            connect_filter_edit(self.filter_edit, self.proxy)
        self.class_combo = QComboBox(self)
        self.instrument_combo = QComboBox(self)
        self.scale_combo = QComboBox(self)
        self.band_combo = QComboBox(self)
        for combo, name in ((self.class_combo, "班级"), (self.instrument_combo, "量表"),
                            (self.scale_combo, "分量表"), (self.band_combo, "等级")):
            combo.setAccessibleName(name)
            combo.currentIndexChanged.connect(lambda _i: self._apply_filters())
        self.flagged_check = QCheckBox(self.tr("只看有标记的(&J)"), self)
        self.flagged_check.toggled.connect(lambda _on: self._apply_filters())
        self.sheet_button = QPushButton(self.tr("结果单(&H)…"), self)
        self.sheet_button.clicked.connect(self.open_sheet)
        self.export_button = QPushButton(self.tr("导出 Excel(&E)…"), self)
        self.export_button.clicked.connect(self.export)
        self.rescore_button = QPushButton(self.tr("按最新量表版本重新计分…"), self)
        self.rescore_button.setToolTip(self.tr("量表定义更新后使用：用新版本重新计分，原来的结果保留在历史中"))
        self.rescore_button.clicked.connect(self.rescore)
        self.rescore_button.setVisible(ctx.actor.can("screening.manage"))
        if ctx.counselling_key is None:
            # Rescoring reads every item answer, which is counselling content (xadesk.compartment.answers).
            self.rescore_button.setEnabled(False)
            self.rescore_button.setToolTip(self.tr("重新计分要读出每题答案，需要辅导钥匙；您的账号还没有。"
                                                   "另一位心理教师登录一次后会自动授予您。"))
        self.count_label = QLabel(self)

        # Two rows: the text filter keeps room for its whole hint and the check box for its label
        # (one row cut them to "姓名、学…" and "只看有标记的(J" at 150 %).
        fm = self.filter_edit.fontMetrics()
        self.filter_edit.setMinimumWidth(fm.horizontalAdvance(self.filter_edit.placeholderText()) + 32)
        top = QHBoxLayout()
        label = QLabel(self.tr("筛选(&R)："), self)
        label.setBuddy(self.filter_edit)
        top.addWidget(label)
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.flagged_check)
        combos = QHBoxLayout()
        for combo in (self.class_combo, self.instrument_combo, self.scale_combo, self.band_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combos.addWidget(combo)
        combos.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.rescore_button)
        bottom.addWidget(self.sheet_button)
        bottom.addWidget(self.export_button)
        for w in (self.scale_combo, self.flagged_check, self.sheet_button, self.export_button):
            w.setVisible(self.full)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addLayout(combos)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    # -- loading ----------------------------------------------------------------------------------------

    def set_campaign(self, campaign_id: int | None, name: str = "") -> None:
        self.campaign_id, self.campaign_name = campaign_id, name
        if campaign_id is None:
            self._loaded(Table({}) if self.full else [])
            return
        ctx = self.ctx
        if self.full:
            fn = lambda _t: result_lines(ctx, campaign_id)  # noqa: E731
        else:
            fn = lambda _t: _bands(ctx, campaign_id)  # noqa: E731
        (BackgroundOp(self, fn, title=self.tr("正在读取测评结果…"), cancellable=False)
         .success(self._loaded).failure(self.banner.show_user_error).run())

    def _loaded(self, rows: list | Table) -> None:
        self.rows_all = rows
        def keyed(get):
            return sorted({get(x) for x in rows if get(x)})
        if isinstance(rows, Table):
            classes = rows.distinct("class_label")
            instruments_ = rows.distinct("instrument_id")
            scales = rows.distinct("scale_name")
            bands = rows.distinct("band_text")
        else:
            classes = _unique(b.class_label for b in rows)
            instruments_ = keyed(lambda b: b.instrument_id)
            scales = []
            bands = keyed(lambda b: b.band_label or b.band)
        for combo, label, values in ((self.class_combo, "全部班级", classes),
                                     (self.instrument_combo, "全部量表", instruments_),
                                     (self.scale_combo, "全部分量表", scales), (self.band_combo, "全部等级", bands)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr(label), ALL)
            for v in values:
                combo.addItem(instrument_name(v) if combo is self.instrument_combo else v, v)
            combo.blockSignals(False)
        self._apply_filters()

    def _apply_filters(self) -> None:
        rows = getattr(self, "rows_all", [])
        cls, inst = self.class_combo.currentData(), self.instrument_combo.currentData()
        scale, band = self.scale_combo.currentData(), self.band_combo.currentData()
        if isinstance(self.model, PagedTableModel):
            if isinstance(rows, Table) and rows is not self.model.table:
                self.model.set_table(rows)
            pick = {"class_label": cls, "instrument_id": inst, "scale_name": scale, "band_text": band}
            self.model.set_query(equals={k: v for k, v in pick.items() if v not in (None, ALL)},
                                 truthy=["flags"] if self.flagged_check.isChecked() else [])
            return
        else:
            shown = [b for b in rows if cls in (None, ALL, b.class_label) and inst in (None, ALL, b.instrument_id)
                     and band in (None, ALL, b.band_label or b.band)]
            self.count_label.setText(self.tr("各班各等级人数（不含姓名和分数）"))
        self.model.set_rows(shown)

    def _count_lines(self) -> None:
        """Counts of every line the filters select, loaded into the table yet or not."""
        model = self.model
        assert isinstance(model, PagedTableModel)
        self.count_label.setText(self.tr("%1 名学生，%2 行").replace("%1", str(model.distinct_count("student_id")))
                                 .replace("%2", str(model.total())))

    # -- actions ----------------------------------------------------------------------------------------

    def selected(self) -> dict | None:
        """The current line's columns (``result_lines``), or None (nothing chosen, or band counts)."""
        index = self.table.currentIndex()
        if not index.isValid() or not isinstance(self.model, PagedTableModel):
            return None
        return self.model.record(index.row())

    def open_sheet(self) -> QDialog | None:
        line = self.selected()
        if line is None or self.campaign_id is None:
            return None
        rows = screening_results.student_results(self.ctx, self.campaign_id, line["student_id"])
        if not rows:
            return None
        dialog = ResultSheetDialog(rows[0], rows, self.campaign_name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.sheet = dialog
        return dialog

    def rescore(self) -> BackgroundOp | None:
        if self.campaign_id is None or not messages.question(
                self, self.tr("用各量表的最新版本重新计分？只有用旧版本计分的作答会重新计分，原来的结果会保留在历史中。"),
                yes=self.tr("重新计分"), no=self.tr("取消")):
            return None
        ctx, cid, name = self.ctx, self.campaign_id, self.campaign_name

        def done(n: int) -> None:
            self.banner.show_success(self.tr("已重新计分 %1 份作答；原来的结果已保留。").replace("%1", str(n))
                                     if n else self.tr("所有作答都已是按最新版本计分的，没有需要重新计分的。"))
            self.set_campaign(cid, name)

        return (BackgroundOp(self, lambda _t: screening_answers.rescore(ctx, cid), title=self.tr("正在重新计分…"),
                             cancellable=False)
                .success(done).failure(self.banner.show_user_error).run())

    def export(self) -> BackgroundOp | None:
        if self.campaign_id is None:
            return None
        path = ask_save_path(self, self.tr("导出测评结果"), f"{self.campaign_name or '测评结果'}.xlsx",
                             self.tr("Excel 工作簿 (*.xlsx)"))
        if not path:
            return None
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        ctx, cid = self.ctx, self.campaign_id
        return (BackgroundOp(self, lambda _t: screening_results.export_results_xlsx(ctx, cid, Path(path)),
                             title=self.tr("正在导出…"), cancellable=False)
                .success(lambda n: self.banner.show_success(
                    self.tr("已导出 %1 行到 %2").replace("%1", str(n)).replace("%2", path)))
                .failure(self.banner.show_user_error).run())


def _unique(values) -> list[str]:
    return sorted({v for v in values if v}, key=class_sort)


class ResultSheetDialog(QDialog):
    """One student's results in this campaign (reading it is audited by the core)."""

    def __init__(self, who: ResultRow, rows: list[ResultRow], campaign_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("结果单 · %1").replace("%1", who.name))
        self.body = QTextBrowser(self)
        self.body.setHtml(sheet_html(who, rows, campaign_name))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.body, 1)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 40, self.fontMetrics().height() * 30)


def sheet_html(who: ResultRow, rows: list[ResultRow], campaign_name: str) -> str:
    from html import escape

    parts = [f"<h3>{escape(who.name)}　{escape(who.class_label)}　{escape(who.student_no)}</h3>",
             f"<p>{escape(campaign_name)}</p>"]
    for r in rows:
        parts.append(f"<h4>{escape(instrument_name(r.instrument_id))}（第{r.version}版）{'' if r.valid else '　<b>作答无效</b>'}</h4>")
        parts.append("<table border='1' cellspacing='0' cellpadding='4'><tr><th>分量表</th><th>原始分</th>"
                     "<th>T分</th><th>等级</th></tr>")
        for sid, sc in r.scales.items():
            parts.append(f"<tr><td>{escape(sid)}</td><td align='right'>{_num(sc.raw)}</td>"
                         f"<td align='right'>{_num(sc.t)}</td><td>{escape(sc.band_label or sc.band or '')}</td></tr>")
        parts.append("</table>")
        if r.flags:
            parts.append(f"<p>标记：{escape(flag_text(r.flags, r.instrument_id))}</p>")
    return "".join(parts)
