"""问卷导入: a 问卷星 export or a spreadsheet into the selected campaign, with the mapping step.

1. 选择文件 — ``survey_columns`` reads it (in a BackgroundOp) and suggests a mapping, or brings back
   the one saved for this campaign;
2. the counselor checks each column's use (an identity column, an item, or not imported), how the
   answers are coded, and answer texts that need a value of their own (e.g. "从不" → 0);
3. 试导入 (nothing written) shows who matched and every unmatched row; 导入 writes everything or, on
   a cell that is not an option, nothing — the banner names row and column. The mapping used is
   saved with the campaign for the next file of the same survey.
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
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xadesk.errors import UserError
from xadesk.services import instruments, screening_import
from xadesk.services.campaigns import CampaignInfo
from xadesk.services.context import AppContext
from xadesk.services.screening_import import ImportReport, SurveyPreview

from ..messages import MessageBanner
from ..worker import BackgroundOp

NOT_IMPORTED = ""
IDENTITY = {"student_no": "学籍号", "name": "姓名", "class": "班级", "grade": "年级"}
CODINGS = {"label": "答案文字（问卷星“按选项文本”）", "ordinal": "选项序号（问卷星“按选项序号”）",
           "value": "选项分值（表格里直接是分值）"}
KIND_LABELS = {"wjx_readable": "问卷星导出（选项文本）", "wjx_original": "问卷星导出（选项序号）",
               "score_layout": "xadesk 计分表格（无需对应）", "table": "普通表格"}
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
        self.choices: list[tuple[str, str]] = []       # (label, key) for the use combos

        self.banner = MessageBanner(self)
        self.file_label = QLabel(self.tr("还没有选择文件。"), self)
        self.file_label.setWordWrap(True)
        self.browse_button = QPushButton(self.tr("选择文件(&B)…"), self)
        self.browse_button.clicked.connect(self.browse)

        self.columns_table = QTableWidget(0, 3, self)
        self.columns_table.setAccessibleName(self.tr("文件的列与用途"))
        self.columns_table.setHorizontalHeaderLabels([self.tr("文件中的列"), self.tr("用途"), self.tr("前几行的内容")])
        self.columns_table.verticalHeader().setVisible(False)
        self.columns_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.columns_table.horizontalHeader().setStretchLastSection(True)
        char = self.fontMetrics().horizontalAdvance("中")
        self.columns_table.setColumnWidth(0, char * 16)
        self.columns_table.setColumnWidth(1, char * 18)
        self.columns_table.verticalHeader().setDefaultSectionSize(int(self.fontMetrics().height() * 2.0))

        self.coding_combo = QComboBox(self)
        self.coding_combo.setAccessibleName(self.tr("答案的写法"))
        for key, label in CODINGS.items():
            self.coding_combo.addItem(label, key)
        coding_label = QLabel(self.tr("答案的写法(&W)："), self)
        coding_label.setBuddy(self.coding_combo)

        self.values_table = QTableWidget(0, 2, self)
        self.values_table.setAccessibleName(self.tr("特别的答案文字与分值"))
        self.values_table.setHorizontalHeaderLabels([self.tr("答案文字"), self.tr("分值")])
        self.values_table.verticalHeader().setVisible(False)
        self.values_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.add_value_button = QPushButton(self.tr("添加答案文字(&A)"), self)
        self.add_value_button.clicked.connect(lambda: self.add_value_row("", ""))
        values_hint = QLabel(self.tr("问卷上的措辞和量表不同时（如“从不”），在这里写明它对应的分值。"), self)
        values_hint.setWordWrap(True)

        self.dry_button = QPushButton(self.tr("试导入(&D)"), self)
        self.dry_button.setToolTip(self.tr("检查整个文件并列出未匹配的行，不写入任何数据"))
        self.dry_button.clicked.connect(lambda: self.run_import(dry_run=True))
        self.import_button = QPushButton(self.tr("导入(&I)"), self)
        self.import_button.clicked.connect(lambda: self.run_import(dry_run=False))

        top = QHBoxLayout()
        top.addWidget(self.browse_button)
        top.addWidget(self.file_label, 1)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(coding_label)
        rl.addWidget(self.coding_combo)
        rl.addWidget(values_hint)
        rl.addWidget(self.values_table, 1)
        rl.addWidget(self.add_value_button)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.columns_table)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.dry_button)
        bottom.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)
        self._update_enabled()

    # -- campaign and file ------------------------------------------------------------------------------

    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        if campaign is not None and self.campaign is not None and campaign.id == self.campaign.id:
            return
        self.campaign, self.path, self.preview = campaign, None, None
        self.columns_table.setRowCount(0)
        self.values_table.setRowCount(0)
        self.banner.dismiss()
        self.file_label.setText(self.tr("还没有选择文件。"))
        self.choices = []
        if campaign is not None:
            self.choices = [(self.tr("（不导入）"), NOT_IMPORTED)]
            self.choices += [(self.tr("学生的%1").replace("%1", v), f"identity:{k}") for k, v in IDENTITY.items()]
            for b in campaign.battery:
                defn = instruments.get_definition(self.ctx, b.instrument_id, b.version)
                for n, it in enumerate(defn.items, start=1):
                    text = (it.text_zh or "")[:16]
                    self.choices.append((f"{b.instrument_id} 第{n}题 {text}", f"{b.instrument_id}:{it.id}"))
        self._update_enabled()

    def _update_enabled(self) -> None:
        is_open = self.campaign is not None and self.campaign.status == "open"
        self.browse_button.setEnabled(is_open)
        self.dry_button.setEnabled(is_open and self.preview is not None)
        self.import_button.setEnabled(is_open and self.preview is not None)
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
         .success(lambda preview: self._previewed(path, preview))
         .failure(self.banner.show_user_error).run())

    def _previewed(self, path: Path, preview: SurveyPreview) -> None:
        self.path, self.preview = path, preview
        self.banner.dismiss()
        how = {"saved": self.tr("沿用上次保存的对应关系"), "suggested": self.tr("已自动推测对应关系，请逐列核对"),
               "score_layout": self.tr("无需设置对应关系")}.get(preview.mapping_source, "")
        self.file_label.setText(f"{path.name} · {KIND_LABELS.get(preview.kind, preview.kind)} · {how}")
        self.show_mapping(preview.mapping, preview.headers, preview.sample)
        self._update_enabled()

    # -- the mapping ------------------------------------------------------------------------------------

    def show_mapping(self, mapping: dict, headers: list[str], sample: list[list[str]]) -> None:
        use: dict[str, str] = {h: f"identity:{k}" for k, h in mapping.get("identity", {}).items()}
        use.update(mapping.get("items", {}))
        self.columns_table.setRowCount(len(headers))
        for row, header in enumerate(headers):
            item = QTableWidgetItem(header)
            item.setToolTip(header)
            self.columns_table.setItem(row, 0, item)
            combo = QComboBox(self.columns_table)
            combo.setAccessibleName(self.tr("“%1”的用途").replace("%1", header))
            for label, key in self.choices:
                combo.addItem(label, key)
            combo.setCurrentIndex(max(0, combo.findData(use.get(header, NOT_IMPORTED))))
            self.columns_table.setCellWidget(row, 1, combo)
            texts = "、".join(r[row] for r in sample if row < len(r) and r[row])
            self.columns_table.setItem(row, 2, QTableWidgetItem(texts))
        self.coding_combo.setCurrentIndex(max(0, self.coding_combo.findData(mapping.get("coding", "label"))))
        self.values_table.setRowCount(0)
        for text, value in mapping.get("values", {}).get("*", {}).items():
            self.add_value_row(text, f"{value:g}" if isinstance(value, (int, float)) else str(value))
        self._column_values = {k: v for k, v in mapping.get("values", {}).items() if k != "*"}

    def add_value_row(self, text: str, value: str) -> None:
        row = self.values_table.rowCount()
        self.values_table.insertRow(row)
        self.values_table.setItem(row, 0, QTableWidgetItem(text))
        self.values_table.setItem(row, 1, QTableWidgetItem(value))
        if not text:
            self.values_table.setCurrentCell(row, 0)
            self.values_table.editItem(self.values_table.item(row, 0))

    def set_use(self, header: str, key: str) -> None:
        """Set one column's use (what choosing in its combo does; for tests)."""
        for row in range(self.columns_table.rowCount()):
            if self.columns_table.item(row, 0).text() == header:
                combo: QComboBox = self.columns_table.cellWidget(row, 1)
                combo.setCurrentIndex(combo.findData(key))
                return
        raise KeyError(header)

    def mapping(self) -> dict:
        """The mapping as the person set it (the core checks it against the file)."""
        identity: dict[str, str] = {}
        items: dict[str, str] = {}
        for row in range(self.columns_table.rowCount()):
            header = self.columns_table.item(row, 0).text()
            key = self.columns_table.cellWidget(row, 1).currentData()
            if key.startswith("identity:"):
                identity[key.split(":", 1)[1]] = header
            elif key:
                items[header] = key
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
        base.update(identity=identity, items=items, values=values, coding=self.coding_combo.currentData())
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
        ctx, cid, path = self.ctx, self.campaign.id, self.path

        def work(task):
            return screening_import.import_survey(ctx, cid, path, mapping=mapping, dry_run=dry_run,
                                                  progress=task.progress_callback(),
                                                  cancelled=task.cancel_callback())

        return (BackgroundOp(self, work, title=self.tr("正在检查…") if dry_run else self.tr("正在导入…"))
                .success(self._imported).failure(self.banner.show_user_error).run())

    def _imported(self, report: ImportReport) -> None:
        self.report = report
        t = report.total
        head = (self.tr("试导入（没有写入）：") if report.dry_run else self.tr("已导入：")) + self.tr(
            "共 %1 行，匹配 %2 人，未匹配 %3 行；新增 %4，更新 %5，未变 %6，待处理的重复作答 %7。")
        for k, v in enumerate((report.rows, report.matched, len(report.unmatched), t.added, t.updated, t.unchanged,
                               t.conflicts), start=1):
            head = head.replace(f"%{k}", str(v))
        if report.unmatched:
            self.banner.show_warning(head, report.unmatched)
        else:
            self.banner.show_success(head)
        if not report.dry_run:
            self.imported.emit()
