"""问卷导入: a 问卷星 export or a spreadsheet into the selected campaign, with the mapping step.

1. 选择文件 — ``survey_columns`` reads it (in a BackgroundOp): the export kind (按文本/按序号/按分数,
   from the file name or the cells; a person chooses when it is ambiguous), the mapping as a table
   (column → item with its text, and the evidence: question number, text, or a guess by order),
   and a few decoded rows;
2. the counselor checks the table and changes a column's item in place (a combo in the 对应到
   column); every change refreshes the decoded rows;
3. 试导入 (nothing written) lists who matched — rows matched by name + class and duplicate
   submissions go into the confirmation list, where the counselor ticks what to accept / keep;
4. 确认并导入 stores everything in one transaction with the mapping as confirmed, or nothing (the
   banner says why: an unmapped item, an unclear kind, a cell that is not an option and whether
   mapping or data is the likely cause). The confirmed mapping is saved for the next file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xadesk.errors import UserError
from xadesk.services import screening_import
from xadesk.services.campaigns import CampaignInfo
from xadesk.services.context import AppContext
from xadesk.services.screening_import import ImportReport, SurveyPreview

from ..messages import MessageBanner
from ..tablemodel import Column as TColumn
from ..tablemodel import RowTableModel, configure_table_view, set_column_widths
from ..worker import BackgroundOp
from .survey_models import MappingModel, MatchModel, TargetDelegate

KINDS = {"": "（请选择）", "label": "按文本（答案文字）", "ordinal": "按序号（选项的序号）", "value": "按分数（选项的分数）"}
SOURCE_LABELS = {"wjx": "问卷星导出", "score_layout": "xadesk 计分表格（无需对应）", "table": "普通表格"}
FILE_FILTER = "问卷或答卷文件 (*.xlsx *.xls *.csv);;所有文件 (*)"


def ask_open_path(parent: QWidget, title: str, filters: str) -> str:
    """The open dialog (a function so tests can answer it)."""
    path, _filter = QFileDialog.getOpenFileName(parent, title, "", filters)
    return path


class SurveyImportPanel(QWidget):
    imported = Signal()      # answers were written: coverage and results are out of date

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.campaign: CampaignInfo | None = None
        self.path: Path | None = None
        self.preview: SurveyPreview | None = None
        self.report: ImportReport | None = None

        self.banner = MessageBanner(self)
        self.file_label = QLabel(self.tr("还没有选择文件。"), self)
        self.file_label.setWordWrap(True)
        self.browse_button = QPushButton(self.tr("选择文件(&B)…"), self)
        self.browse_button.clicked.connect(self.browse)

        self.kind_combo = QComboBox(self)
        self.kind_combo.setAccessibleName(self.tr("问卷星导出方式"))
        for key, label in KINDS.items():
            self.kind_combo.addItem(self.tr(label), key)
        self.kind_combo.activated.connect(lambda _i: self.refresh())
        kind_label = QLabel(self.tr("导出方式(&K)："), self)
        kind_label.setBuddy(self.kind_combo)
        self.kind_reason = QLabel(self)
        self.kind_reason.setWordWrap(True)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)

        self.model = MappingModel(self)
        self.model.edited.connect(self.refresh)
        self.columns_view = QTableView(self)
        self.columns_view.setObjectName("mappingTable")
        self.columns_view.setAccessibleName(self.tr("对应表：文件中的列与量表的题目"))
        self.columns_view.setModel(self.model)
        configure_table_view(self.columns_view)
        self.columns_view.setItemDelegateForColumn(1, TargetDelegate(self.columns_view))
        self.columns_view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                          | QAbstractItemView.EditTrigger.EditKeyPressed
                                          | QAbstractItemView.EditTrigger.SelectedClicked)
        self.columns_view.setWordWrap(False)
        set_column_widths(self.columns_view, (12, 20, 9))
        self.columns_view.horizontalHeader().setStretchLastSection(True)

        self.decoded_model = RowTableModel([], self)
        self.decoded_view = QTableView(self)
        self.decoded_view.setObjectName("decodedTable")
        self.decoded_view.setAccessibleName(self.tr("按当前对应关系解读的前几行"))
        self.decoded_view.setModel(self.decoded_model)
        configure_table_view(self.decoded_view)
        self.decode_note = QLabel(self)
        self.decode_note.setWordWrap(True)

        self.matches = MatchModel(self)
        self.matches_view = QTableView(self)
        self.matches_view.setObjectName("matchTable")
        self.matches_view.setAccessibleName(self.tr("需要确认的匹配"))
        self.matches_view.setModel(self.matches)
        configure_table_view(self.matches_view)
        set_column_widths(self.matches_view, (4, 3, 5, 8), padding=16)
        self.matches_view.horizontalHeader().setStretchLastSection(True)
        self.accept_all_button = QPushButton(self.tr("全部采用(&A)"), self)
        self.accept_all_button.clicked.connect(self.matches.accept_all)
        self.matches_hint = QLabel(self.tr("试导入后，按姓名和班级匹配的行、重复提交的行列在这里：勾选要导入的行；"
                                           "同一学生重复提交时勾选要保留的一行。"), self)
        self.matches_hint.setWordWrap(True)

        self.values_table = QTableWidget(0, 2, self)
        self.values_table.setAccessibleName(self.tr("特别的答案文字与分值"))
        self.values_table.setHorizontalHeaderLabels([self.tr("答案文字"), self.tr("分值")])
        self.values_table.verticalHeader().setVisible(False)
        self.values_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.add_value_button = QPushButton(self.tr("添加答案文字(&T)"), self)
        self.add_value_button.clicked.connect(lambda: self.add_value_row("", ""))
        values_hint = QLabel(self.tr("问卷上的措辞和量表不同时（如“从不”），在这里写明它对应的分值。"), self)
        values_hint.setWordWrap(True)

        self.side = QTabWidget(self)
        decoded_page = QWidget(self)
        dl = QVBoxLayout(decoded_page)
        dl.addWidget(self.decode_note)
        dl.addWidget(self.decoded_view, 1)
        match_page = QWidget(self)
        ml = QVBoxLayout(match_page)
        ml.addWidget(self.matches_hint)
        ml.addWidget(self.matches_view, 1)
        ml.addWidget(self.accept_all_button, 0, Qt.AlignmentFlag.AlignLeft)
        values_page = QWidget(self)
        vl = QVBoxLayout(values_page)
        vl.addWidget(values_hint)
        vl.addWidget(self.values_table, 1)
        vl.addWidget(self.add_value_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.side.addTab(decoded_page, self.tr("解读预览"))
        self.side.addTab(match_page, self.tr("需确认的匹配"))
        self.side.addTab(values_page, self.tr("特别的答案文字"))

        self.dry_button = QPushButton(self.tr("试导入(&D)"), self)
        self.dry_button.setToolTip(self.tr("检查整个文件并列出需要确认的行，不写入任何数据"))
        self.dry_button.clicked.connect(lambda: self.run_import(dry_run=True))
        self.import_button = QPushButton(self.tr("确认对应关系并导入(&I)"), self)
        self.import_button.clicked.connect(lambda: self.run_import(dry_run=False))

        top = QHBoxLayout()
        top.addWidget(self.browse_button)
        top.addWidget(self.file_label, 1)
        kind_row = QHBoxLayout()
        kind_row.addWidget(kind_label)
        kind_row.addWidget(self.kind_combo)
        kind_row.addWidget(self.kind_reason, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.columns_view)
        split.addWidget(self.side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([3000, 2000])
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.dry_button)
        bottom.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addLayout(kind_row)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)
        self._update_enabled()

    # -- campaign and file ------------------------------------------------------------------------------

    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        if campaign is not None and self.campaign is not None and campaign.id == self.campaign.id:
            return
        self.campaign, self.path, self.preview, self.report = campaign, None, None, None
        self.model.load([], [], {})
        self.matches.load(None)
        self.decoded_model.set_rows([])
        self.values_table.setRowCount(0)
        self.banner.dismiss()
        self.file_label.setText(self.tr("还没有选择文件。"))
        self.kind_reason.clear()
        self.status_label.clear()
        self._update_enabled()

    def _update_enabled(self) -> None:
        is_open = self.campaign is not None and self.campaign.status == "open"
        ready = is_open and self.preview is not None
        self.browse_button.setEnabled(is_open)
        self.dry_button.setEnabled(ready)
        self.import_button.setEnabled(ready)
        self.kind_combo.setEnabled(ready and self.preview.kind != "score_layout")
        if self.campaign is not None and not is_open:
            self.file_label.setText(self.tr("只有进行中的测评活动可以导入作答。"))

    def browse(self) -> None:
        path = ask_open_path(self, self.tr("选择问卷星导出或答卷表格"), self.tr(FILE_FILTER))
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        ctx, cid = self.ctx, self.campaign.id
        (BackgroundOp(self, lambda _t: screening_import.survey_columns(ctx, cid, path),
                      title=self.tr("正在读取文件…"), cancellable=False)
         .success(lambda preview: self._previewed(path, preview, fresh=True))
         .failure(self.banner.show_user_error).run())

    def refresh(self) -> None:
        """Read the preview again with the mapping and kind as the person set them."""
        if self.preview is None or self.path is None or self.preview.kind == "score_layout":
            return
        try:
            mapping = self.mapping()
        except UserError as exc:
            self.banner.show_user_error(exc)
            return
        ctx, cid, path, coding = self.ctx, self.campaign.id, self.path, self.kind_combo.currentData() or None
        (BackgroundOp(self, lambda _t: screening_import.survey_columns(ctx, cid, path, mapping=mapping, coding=coding),
                      title=self.tr("正在读取文件…"), cancellable=False)
         .success(lambda preview: self._previewed(path, preview, fresh=False))
         .failure(self.banner.show_user_error).run())

    def _previewed(self, path: Path, preview: SurveyPreview, *, fresh: bool) -> None:
        first = self.preview
        self.path, self.preview = path, preview
        self.banner.dismiss()
        if fresh:
            self.report = None
            self.matches.load(None)
            how = {"saved": self.tr("沿用上次确认的对应关系"), "proposed": self.tr("已按题号和题干建立对应关系"),
                   "score_layout": self.tr("无需设置对应关系")}.get(preview.mapping_source, "")
            self.file_label.setText(f"{path.name} · {SOURCE_LABELS.get(preview.kind, preview.kind)} · {how}")
            samples = ["、".join(r[i] for r in preview.sample if i < len(r) and r[i])
                       for i in (c.index for c in preview.columns)]
            self.model.load(preview.columns, samples, preview.targets)
            self.values_table.setRowCount(0)
            for text, value in (preview.mapping.get("values") or {}).get("*", {}).items():
                self.add_value_row(text, f"{value:g}" if isinstance(value, (int, float)) else str(value))
            self._column_values = {k: v for k, v in (preview.mapping.get("values") or {}).items() if k != "*"}
        elif first is not None:
            preview.proven = False      # edited by a person: the import confirms it
        v = preview.verdict
        if v is not None and preview.kind != "score_layout":
            chosen = v.coding if v.source != "conflict" else None
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(chosen or "")))
            self.kind_reason.setText(v.reason)
        else:
            self.kind_reason.clear()
        self._show_decoded(preview)
        self._show_status(preview)
        self._update_enabled()

    def _show_decoded(self, preview: SurveyPreview) -> None:
        cols = [TColumn(self.tr("行号"), "row"), TColumn(self.tr("姓名"), "name")]
        for iid, name in preview.instruments.items():
            cols.append(TColumn(name, lambda d, iid=iid: " ".join("-" if v is None else f"{v:g}"
                                                                 for v in d.answers.get(iid, []))))
        self.decoded_model = RowTableModel(cols, self)
        self.decoded_model.set_rows(preview.decoded)
        self.decoded_view.setModel(self.decoded_model)
        self.decoded_view.resizeColumnsToContents()
        self.decoded_view.horizontalHeader().setStretchLastSection(True)
        if preview.decode_error:
            self.decode_note.setText(preview.decode_error)
        elif preview.verdict is not None and preview.verdict.coding is None:
            self.decode_note.setText(self.tr("请先选定导出方式，才能解读答案。"))
        elif preview.problems:
            self.decode_note.setText(self.tr("对应表还不完整，改正后才能解读答案。"))
        else:
            self.decode_note.setText(self.tr("按当前对应关系解读的前几行（每题的分值，“-”为未答）："))

    def _show_status(self, preview: SurveyPreview) -> None:
        if preview.problems:
            self.banner.show_warning(self.tr("对应表还不完整：每个量表的每道计分题都要恰好对应一列。"), preview.problems)
            self.status_label.setText(self.tr("改正对应表后再导入。"))
        elif preview.kind == "score_layout":
            self.status_label.setText(self.tr("计分表格的列名即题号，无需核对。"))
        elif preview.proven:
            self.status_label.setText(self.tr("每一列都由题号或题干证实。请看一眼解读预览，再导入。"))
        else:
            self.status_label.setText(self.tr("标为“请核对”的列只是推测：请逐列核对，再点“确认对应关系并导入”。"))

    # -- the mapping ------------------------------------------------------------------------------------

    def add_value_row(self, text: str, value: str) -> None:
        row = self.values_table.rowCount()
        self.values_table.insertRow(row)
        self.values_table.setItem(row, 0, QTableWidgetItem(text))
        self.values_table.setItem(row, 1, QTableWidgetItem(value))
        if not text:
            self.side.setCurrentIndex(2)
            self.values_table.setCurrentCell(row, 0)
            self.values_table.editItem(self.values_table.item(row, 0))

    def set_use(self, header: str, key: str) -> None:
        """Set one column's item (what choosing in its combo does; for tests)."""
        self.model.set_use(header, key)

    def mapping(self) -> dict:
        """The mapping as the person set it (the core checks it against the file)."""
        identity, items = self.model.mapping_parts()
        overrides: dict[str, float] = {}
        for row in range(self.values_table.rowCount()):
            text = (self.values_table.item(row, 0).text() if self.values_table.item(row, 0) else "").strip()
            value = (self.values_table.item(row, 1).text() if self.values_table.item(row, 1) else "").strip()
            if not text and not value:
                continue
            try:
                overrides[text] = float(value)
            except ValueError:
                raise UserError(f"答案文字“{text}”的分值“{value}”不是数字。",
                                f"The value {value!r} for {text!r} is not a number.") from None
        values = dict(getattr(self, "_column_values", {}))
        if overrides:
            values["*"] = overrides
        base = dict(self.preview.mapping) if self.preview else {}
        base.update(identity=identity, items=items, values=values, coding=self.kind_combo.currentData() or None)
        return base

    # -- importing --------------------------------------------------------------------------------------

    def run_import(self, *, dry_run: bool) -> BackgroundOp | None:
        if self.preview is None or self.campaign is None:
            return None
        try:
            mapping = None if self.preview.kind == "score_layout" else self.mapping()
        except UserError as exc:
            self.banner.show_user_error(exc)
            return None
        if mapping is not None and not mapping.get("coding"):
            self.banner.show_error(self.tr("请先选定导出方式（按文本、按序号或按分数）：按错了每题都会差一分。"))
            self.kind_combo.setFocus()
            return None
        ctx, cid, path = self.ctx, self.campaign.id, self.path
        accept, keep = self.matches.accepted_rows(), self.matches.kept_rows()

        def work(task):
            return screening_import.import_survey(ctx, cid, path, mapping=mapping, dry_run=dry_run, confirm=True,
                                                  accept=accept, keep=keep, progress=task.progress_callback(),
                                                  cancelled=task.cancel_callback())

        return (BackgroundOp(self, work, title=self.tr("正在检查…") if dry_run else self.tr("正在导入…"))
                .success(self._imported).failure(self.banner.show_user_error).run())

    def _imported(self, report: ImportReport) -> None:
        self.report = report
        t = report.total
        head = (self.tr("试导入（没有写入）：") if report.dry_run else self.tr("已导入：")) + self.tr(
            "共 %1 行，匹配 %2 人，未匹配 %3 行，待确认 %4 行；新增 %5，更新 %6，未变 %7，待处理的重复作答 %8。")
        for k, v in enumerate((report.rows, report.matched, len(report.unmatched), len(report.to_confirm), t.added,
                               t.updated, t.unchanged, t.conflicts), start=1):
            head = head.replace(f"%{k}", str(v))
        if report.dry_run or report.to_confirm or report.duplicates:
            self.matches.load(report)
        if report.to_confirm or report.duplicates:
            self.side.setCurrentIndex(1)
        left_out = len(report.safety_unplaced) + len(report.safety_held)
        if left_out:
            # Said in the headline, not only under 显示详情: a person must act on these now.
            head = self.tr("有 %1 处安全题阳性作答在没有导入的行中，请立即看详情。").replace("%1", str(left_out)) + head
        if report.safety_unplaced or report.safety_held or report.unmatched or report.to_confirm:
            # Safety answers in rows that were left out come first: a person must act on them now.
            self.banner.show_warning(head, [*report.safety_unplaced, *report.safety_held, *report.unmatched])
        else:
            self.banner.show_success(head)
        if not report.dry_run:
            self.imported.emit()
