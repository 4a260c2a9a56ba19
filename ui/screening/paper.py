"""纸质答卷: print the answer sheets of a class (PDF), then type the answers into a grid.

The grid is students × items for one class and one questionnaire. An operator types one key per
cell: a code that is an option of that item is written and the cursor moves on; anything else is
refused with the allowed codes shown (range check per item). Leaving a row's last item saves the
row (``save_paper_row``), so a power cut loses at most the row being typed. With 双人录入 two
operators type the same sheets as pass 1 and pass 2; a row is stored only when both agree, and the
rows that differ are listed for checking against the paper sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xadesk.display import instrument_name
from xadesk.errors import UserError
from xadesk.reports.page import build_pdf
from xadesk.reports.styles import para
from xadesk.reports.tables import grid_table
from xadesk.screening.paper import check_cell
from xadesk.services import campaigns, instruments, roster, screening_paper
from xadesk.services.campaigns import CampaignInfo
from xadesk.services.context import AppContext
from xadesk.services.screening_paper import PaperGrid
from xadesk.storage.atomic import atomic_write_bytes

from ..messages import MessageBanner
from ..tablemodel import Column, RowTableModel, configure_table_view
from ..worker import BackgroundOp
from .results import ask_save_path, set_widths

FIXED = 2        # 学籍号, 姓名; the item columns follow, then 状态
PASSES = {0: ("单人录入", 1, False), 1: ("双人录入 · 第一遍", 1, True), 2: ("双人录入 · 第二遍", 2, True)}


@dataclass
class _Row:
    student_id: int
    student_no: str
    name: str
    cells: list[str]
    status: str = ""
    problems: list[str] = field(default_factory=list)


def _code(value: float | None, codes: tuple[str, ...], values: tuple[float, ...]) -> str:
    if value is None:
        return ""
    return codes[values.index(value)] if value in values else f"{value:g}"


class PaperGridModel(QAbstractTableModel):
    """The editable grid. ``setData`` range-checks a cell against its item's options."""

    refused = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.defn = None
        self.rows: list[_Row] = []

    def load(self, grid: PaperGrid, defn, pass_no: int) -> None:
        self.beginResetModel()
        self.defn = defn
        values = [tuple(o.value for o in it.options) for it in defn.items]
        self.rows = []
        for r in grid.rows:
            entered = r.pass1 if pass_no == 1 else r.pass2
            cells = [_code(v, grid.codes[j], values[j]) for j, v in enumerate(entered)] if entered \
                else [""] * grid.n_items
            if entered == ():    # typed, but sealed: this account holds no counselling key
                status = f"已录第{pass_no}遍（需辅导钥匙查看）"
            elif entered:
                status = "已保存" if r.stored else f"已录第{pass_no}遍"
            else:
                status = "已有作答" if r.stored else ""
            self.rows.append(_Row(r.student_id, r.student_no, r.name, cells, status))
        self.endResetModel()

    @property
    def n_items(self) -> int:
        return self.defn.n_items if self.defn else 0

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else FIXED + self.n_items + 1

    def is_item(self, column: int) -> bool:
        return FIXED <= column < FIXED + self.n_items

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == 0:
                return row.student_no
            if col == 1:
                return row.name
            if self.is_item(col):
                return row.cells[col - FIXED]
            return row.status
        if role == Qt.ItemDataRole.TextAlignmentRole and self.is_item(col):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col == self.columnCount() - 1 and row.problems:
            return "\n".join(row.problems)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if section == 0:
            return "学籍号"
        if section == 1:
            return "姓名"
        if self.is_item(section):
            return str(section - FIXED + 1)
        return "状态"

    def flags(self, index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if self.is_item(index.column()) else base

    def setData(self, index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not self.is_item(index.column()):
            return False
        j = index.column() - FIXED
        text = str(value or "").strip()
        try:
            check_cell(self.defn, j, text)
        except UserError as exc:
            self.refused.emit(exc.zh)
            return False
        row = self.rows[index.row()]
        row.cells[j] = text.upper()
        row.status = "未保存"
        self.dataChanged.emit(index, self.index(index.row(), self.columnCount() - 1))
        return True

    def set_status(self, row: int, status: str, problems: list[str] | None = None) -> None:
        self.rows[row].status = status
        self.rows[row].problems = problems or []
        last = self.index(row, self.columnCount() - 1)
        self.dataChanged.emit(last, last)


class PaperGridView(QTableView):
    """One key per cell: a valid code is written and the cursor moves right (then to the next row)."""

    row_finished = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        model: PaperGridModel = self.model()
        index = self.currentIndex()
        text = event.text().strip()
        if index.isValid() and model.is_item(index.column()) and self.state() != QAbstractItemView.State.EditingState:
            if event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
                model.setData(index, "")
                return
            if text and text.isprintable():
                if model.setData(index, text):
                    self._advance(index)
                return
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._advance(index)
                return
        super().keyPressEvent(event)

    def _advance(self, index: QModelIndex) -> None:
        model: PaperGridModel = self.model()
        if index.column() < FIXED + model.n_items - 1:
            self.setCurrentIndex(model.index(index.row(), index.column() + 1))
            return
        self.row_finished.emit(index.row())
        if index.row() + 1 < model.rowCount():
            self.setCurrentIndex(model.index(index.row() + 1, FIXED))


def mismatch_columns() -> list[Column]:
    return [Column("班级", "class_label"), Column("学籍号", "student_no"), Column("姓名", "name"),
            Column("量表", lambda r: instrument_name(r.instrument_id)),
            Column("两遍不一致的题", lambda m: "；".join(f"第{n}题 {_g(a)}/{_g(b)}" for n, a, b in m.items))]


def _g(v) -> str:
    return "空" if v is None else f"{v:g}"


class PaperPanel(QWidget):
    saved = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.campaign: CampaignInfo | None = None
        self.defn = None
        self.banner = MessageBanner(self)
        self.class_combo = QComboBox(self)
        self.class_combo.setAccessibleName(self.tr("班级"))
        self.instrument_combo = QComboBox(self)
        self.instrument_combo.setAccessibleName(self.tr("量表"))
        for combo in (self.class_combo, self.instrument_combo):  # "四年级(1)]": show the whole entry
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.pass_combo = QComboBox(self)
        self.pass_combo.setAccessibleName(self.tr("录入方式"))
        for key, (label, _p, _d) in PASSES.items():
            self.pass_combo.addItem(label, key)
        self.print_button = QPushButton(self.tr("打印答卷(&P)…"), self)
        self.print_button.setToolTip(self.tr("生成这个班每人一张的答卷（PDF），带学校/年级/班级/学号/姓名/性别/日期"))
        self.print_button.clicked.connect(self.print_sheets)
        self.codes_button = QPushButton(self.tr("打印登录码(&D)…"), self)
        self.codes_button.setToolTip(self.tr("这个班每个学生的自助测评登录码（PDF），剪开后发给学生"))
        self.codes_button.clicked.connect(self.print_codes)
        self.class_combo.currentIndexChanged.connect(lambda _i: self._class_changed())
        self.instrument_combo.currentIndexChanged.connect(lambda _i: self.load_grid())
        self.pass_combo.currentIndexChanged.connect(lambda _i: self.load_grid())

        self.model = PaperGridModel(self)
        self.model.refused.connect(self.banner.show_error)
        self.grid = PaperGridView(self)
        self.grid.setAccessibleName(self.tr("纸质答卷录入表"))
        self.grid.setModel(self.model)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.grid.verticalHeader().setVisible(False)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setTabKeyNavigation(False)
        self.grid.verticalHeader().setDefaultSectionSize(int(self.fontMetrics().height() * 1.8))
        self.grid.row_finished.connect(self.save_row)
        self.save_button = QPushButton(self.tr("保存本行(&T)"), self)
        self.save_button.clicked.connect(lambda: self.save_row(self.grid.currentIndex().row()))
        hint = QLabel(self.tr("每格按一个键：填选项编号，自动跳到下一题；一行填完自动保存。退格键清除一格。"), self)
        hint.setWordWrap(True)

        self.mismatch_model = RowTableModel(mismatch_columns(), self)
        self.mismatch_table = QTableView(self)
        self.mismatch_table.setAccessibleName(self.tr("两遍录入不一致"))
        self.mismatch_table.setModel(self.mismatch_model)
        configure_table_view(self.mismatch_table)
        set_widths(self.mismatch_table, [6, 11, 4, 4])
        self.resolve_edit = QLineEdit(self)
        self.resolve_edit.setPlaceholderText(self.tr("按纸质答卷核对后的整行答案，用空格分隔，如 1 0 2 …"))
        self.resolve_edit.setAccessibleName(self.tr("核对后的答案"))
        self.resolve_button = QPushButton(self.tr("按核对结果保存(&V)"), self)
        self.resolve_button.clicked.connect(self.resolve_selected)
        self.mismatch_table.selectionModel().currentRowChanged.connect(lambda *_a: self._mismatch_selected())

        top = QHBoxLayout()
        for label, w in ((self.tr("班级(&L)："), self.class_combo), (self.tr("量表(&Q)："), self.instrument_combo),
                         (self.tr("方式(&M)："), self.pass_combo)):
            lab = QLabel(label, self)
            lab.setBuddy(w)
            top.addWidget(lab)
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.codes_button)
        top.addWidget(self.print_button)
        grid_box = QWidget(self)
        gl = QVBoxLayout(grid_box)
        gl.setContentsMargins(0, 0, 0, 0)
        gl.addWidget(hint)
        gl.addWidget(self.grid, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        gl.addLayout(row)
        mm_box = self.mismatch_box = QWidget(self)
        ml = QVBoxLayout(mm_box)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(QLabel(self.tr("两遍录入不一致的学生（请对照纸质答卷核对）："), self))
        ml.addWidget(self.mismatch_table, 1)
        rr = QHBoxLayout()
        rr.addWidget(self.resolve_edit, 1)
        rr.addWidget(self.resolve_button)
        ml.addLayout(rr)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(grid_box)
        split.addWidget(mm_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        row_h = self.grid.verticalHeader().defaultSectionSize()
        split.setSizes([row_h * 12, row_h * 4])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.classes: dict[int, str] = {}
        self.mismatch_box.setVisible(False)       # only for double entry

    # -- campaign, class, instrument --------------------------------------------------------------------

    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        if campaign is not None and self.campaign is not None and campaign.id == self.campaign.id \
                and campaign.status == self.campaign.status:
            return
        self.campaign = campaign
        self.banner.dismiss()
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        self.classes = {}
        if campaign is not None:
            ids = {int(k.key) for k in campaigns.coverage(self.ctx, campaign.id).classes if k.key}
            for g in roster.class_tree(self.ctx):
                for c in g.classes:
                    if c.id in ids:
                        self.classes[c.id] = c.grade_code
                        self.class_combo.addItem(c.label, c.id)
        self.class_combo.blockSignals(False)
        is_open = campaign is not None and campaign.status == "open"
        for w in (self.grid, self.save_button, self.resolve_button, self.resolve_edit):
            w.setEnabled(is_open)
        self.print_button.setEnabled(campaign is not None and self.class_combo.count() > 0)
        self.codes_button.setEnabled(is_open and "kiosk" in campaign.modes and self.class_combo.count() > 0)
        self._class_changed()

    def _class_changed(self) -> None:
        gcode = self.classes.get(self.class_combo.currentData())
        self.instrument_combo.blockSignals(True)
        self.instrument_combo.clear()
        if self.campaign is not None:
            for b in self.campaign.battery:
                if b.applies_to(gcode):
                    self.instrument_combo.addItem(instrument_name(b.instrument_id, b.name), (b.instrument_id, b.version))
        self.instrument_combo.blockSignals(False)
        self.load_grid()

    def load_grid(self) -> None:
        data = self.instrument_combo.currentData()
        class_id = self.class_combo.currentData()
        if self.campaign is None or data is None or class_id is None:
            self.model.beginResetModel()
            self.model.rows, self.model.defn = [], None
            self.model.endResetModel()
            self.mismatch_model.set_rows([])
            return
        iid, version = data
        self.mismatch_box.setVisible(PASSES[self.pass_combo.currentData()][2])
        self.defn = instruments.get_definition(self.ctx, iid, version)
        grid = screening_paper.paper_grid(self.ctx, self.campaign.id, class_id, iid)
        _label, pass_no, _double = PASSES[self.pass_combo.currentData()]
        self.model.load(grid, self.defn, pass_no)
        char = self.fontMetrics().horizontalAdvance("中")
        metrics = self.grid.fontMetrics()
        self.grid.setColumnWidth(0, metrics.horizontalAdvance("G6101022013091454321") + 16)
        self.grid.setColumnWidth(1, char * 5)
        for j in range(self.defn.n_items):
            self.grid.setColumnWidth(FIXED + j, max(int(char * 1.9), metrics.horizontalAdvance(str(j + 1)) + 18))
        self.grid.horizontalHeader().setStretchLastSection(True)
        if self.model.rowCount():
            self.grid.setCurrentIndex(self.model.index(0, FIXED))
        self.load_mismatches()

    def load_mismatches(self) -> None:
        data = self.instrument_combo.currentData()
        if self.campaign is None or data is None:
            self.mismatch_model.set_rows([])
            return
        try:
            self.mismatch_model.set_rows(screening_paper.paper_mismatches(self.ctx, self.campaign.id, data[0]))
        except UserError as exc:   # comparing passes another operator typed needs the counselling key
            self.mismatch_model.set_rows([])
            self.banner.show_user_error(exc)

    # -- saving -----------------------------------------------------------------------------------------

    def save_row(self, row: int) -> bool:
        if row < 0 or row >= self.model.rowCount() or self.campaign is None:
            return False
        r = self.model.rows[row]
        _label, pass_no, double = PASSES[self.pass_combo.currentData()]
        iid = self.instrument_combo.currentData()[0]
        try:
            result = screening_paper.save_paper_row(self.ctx, self.campaign.id, r.student_id, iid, r.cells,
                                                    pass_no=pass_no, double_entry=double)
        except UserError as exc:
            self.model.set_status(row, self.tr("未保存"), list(getattr(exc, "details", None) or [exc.zh]))
            self.banner.show_user_error(exc)
            return False
        if result.stored:
            self.model.set_status(row, self.tr("已保存"))
        elif result.waiting_for_key:
            self.model.set_status(row, self.tr("已录第%1遍；与另一遍的比对需要辅导钥匙").replace("%1", str(pass_no)))
        elif result.mismatch:
            items = "、".join(str(n) for n in result.mismatch)
            self.model.set_status(row, self.tr("两遍不一致：第%1题").replace("%1", items))
            self.load_mismatches()
        else:
            self.model.set_status(row, self.tr("已录第%1遍，待另一遍").replace("%1", str(pass_no)))
        self.saved.emit()
        return True

    def _mismatch_selected(self) -> None:
        index = self.mismatch_table.currentIndex()
        if not index.isValid():
            return
        m = self.mismatch_model.row_at(index)
        grid_row = next((k for k, r in enumerate(self.model.rows) if r.student_id == m.student_id), None)
        if grid_row is not None:
            self.resolve_edit.setText(" ".join(c or "-" for c in self.model.rows[grid_row].cells))

    def resolve_selected(self) -> bool:
        index = self.mismatch_table.currentIndex()
        if not index.isValid() or self.campaign is None:
            return False
        m = self.mismatch_model.row_at(index)
        cells = ["" if t == "-" else t for t in self.resolve_edit.text().split()]
        try:
            screening_paper.resolve_paper(self.ctx, self.campaign.id, m.student_id, m.instrument_id, cells)
        except UserError as exc:
            self.banner.show_user_error(exc)
            return False
        self.banner.show_success(self.tr("%1 的答案已按核对结果保存。").replace("%1", m.name))
        self.resolve_edit.clear()
        self.load_grid()
        self.saved.emit()
        return True

    # -- printing ---------------------------------------------------------------------------------------

    def print_codes(self) -> BackgroundOp | None:
        class_id = self.class_combo.currentData()
        if self.campaign is None or class_id is None:
            return None
        label = self.class_combo.currentText()
        path = ask_save_path(self, self.tr("保存登录码（PDF）"), f"{self.campaign.name}-{label}-登录码.pdf",
                             self.tr("PDF 文件 (*.pdf)"))
        if not path:
            return None
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        ctx, name, cid = self.ctx, self.campaign.name, self.campaign.id

        def work(_task) -> int:
            codes = campaigns.kiosk_codes(ctx, cid, class_id)       # audited by the core
            _write(Path(path), codes_pdf(name, label, codes))
            return len(codes)

        return (BackgroundOp(self, work, title=self.tr("正在生成登录码…"), cancellable=False)
                .success(lambda n: self.banner.show_success(
                    self.tr("%1 个登录码已保存到 %2").replace("%1", str(n)).replace("%2", path)))
                .failure(self.banner.show_user_error).run())

    def print_sheets(self) -> BackgroundOp | None:
        class_id = self.class_combo.currentData()
        if self.campaign is None or class_id is None:
            return None
        label = self.class_combo.currentText()
        path = ask_save_path(self, self.tr("保存答卷（PDF）"), f"{self.campaign.name}-{label}-答卷.pdf",
                             self.tr("PDF 文件 (*.pdf)"))
        if not path:
            return None
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        ctx, cid = self.ctx, self.campaign.id

        def work(_task) -> int:
            data = screening_paper.answer_sheets(ctx, cid, class_id)
            _write(Path(path), data)
            return len(data)

        return (BackgroundOp(self, work, title=self.tr("正在生成答卷…"), cancellable=False)
                .success(lambda _n: self.banner.show_success(self.tr("答卷已保存到 %1").replace("%1", path)))
                .failure(self.banner.show_user_error).run())


def _write(path: Path, data: bytes) -> None:

    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise UserError(f"无法写入 {path}：{exc.strerror or exc}", f"Cannot write {path}") from None


def codes_pdf(campaign_name: str, class_label: str, codes) -> bytes:
    """One line per student, large code, to cut into slips (core report helpers; no Qt)."""
    from reportlab.lib.units import mm


    rows = [[c.class_label, c.student_no, c.name, c.code] for c in codes]
    story = [para(f"{campaign_name} · {class_label} · 学生自助测评登录码", "h1"),
             para("在测评电脑上输入登录码即可开始答题；登录码只给本人使用，请勿转借。", "small"),
             grid_table(["班级", "学号", "姓名", "登录码"], rows, [35 * mm, 55 * mm, 30 * mm, 45 * mm])]
    return build_pdf(story, header=f"{campaign_name} 登录码", title=f"{campaign_name} {class_label} 登录码")
