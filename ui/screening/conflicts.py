"""重复作答: one student's answers for one questionnaire arrived twice and differ (a survey file after a
kiosk session, two lab PCs, a corrected file). Nothing was merged; the counselor decides which
version counts. Keeping the other version rescores it and keeps the old score (superseded).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QPushButton,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from xadesk.display import instrument_name
from xadesk.errors import UserError
from xadesk.services import campaigns, screening_answers
from xadesk.services.context import AppContext
from xadesk.services.screening_answers import ConflictRow, ConflictSide

from ..formutil import actions_then_close
from ..messages import MessageBanner
from ..tablemodel import Column, RowTableModel, configure_table_view
from .results import set_widths


def side_text(side: ConflictSide) -> str:
    mode = campaigns.MODE_LABELS.get(side.mode, (side.mode,))[0]
    state = "已答完" if side.status == "completed" else "未答完"
    return f"{mode}（{side.source}）· {state}" if side.source else f"{mode} · {state}"


LOCKED_TIP = ("每题答案属于辅导内容，需要辅导钥匙才能查看和处理重复作答；您的账号还没有。"
              "另一位心理教师登录一次后会自动授予您。")


def _answers(values: tuple[float | None, ...] | None, differing: tuple[int, ...]) -> str:
    if values is None:
        return "（需要辅导钥匙才能查看）"
    cells = []
    for j, v in enumerate(values, start=1):
        text = "–" if v is None else f"{v:g}"
        cells.append(f"<b><u>{text}</u></b>" if j in differing else text)
    return " ".join(cells)


def conflict_columns() -> list[Column]:
    return [Column("班级", "class_label"), Column("学籍号", "student_no"), Column("姓名", "name"),
            Column("量表", lambda r: instrument_name(r.instrument_id)), Column("原有作答（A）", lambda c: side_text(c.a)),
            Column("另一份（B）", lambda c: side_text(c.b)),
            Column("不一致的题", lambda c: "、".join(str(n) for n in c.differing_items))]


class ConflictsDialog(QDialog):
    resolved = Signal()

    def __init__(self, ctx: AppContext, campaign_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.campaign_id = ctx, campaign_id
        self.setWindowTitle(self.tr("重复作答"))
        self.banner = MessageBanner(self)
        note = QLabel(self.tr("同一学生的同一份问卷收到了两份不同的作答，系统没有合并。请核实后决定以哪一份为准。"), self)
        note.setWordWrap(True)
        self.model = RowTableModel(conflict_columns(), self)
        self.table = QTableView(self)
        self.table.setAccessibleName(self.tr("重复作答列表"))
        self.table.setModel(self.model)
        configure_table_view(self.table)
        set_widths(self.table, [6, 11, 4, 4, 12, 12])
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_selected())
        self.detail = QTextBrowser(self)
        self.detail.setMaximumHeight(self.fontMetrics().height() * 6)
        self.keep_a = QPushButton(self.tr("保留原有作答（A）(&A)"), self)
        self.keep_b = QPushButton(self.tr("改用另一份（B）(&B)"), self)
        self.keep_a.clicked.connect(lambda: self.resolve("a"))
        self.keep_b.clicked.connect(lambda: self.resolve("b"))
        row = actions_then_close(self, self.keep_a, self.keep_b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(row)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 64, self.fontMetrics().height() * 26)
        self.reload()

    def reload(self) -> None:
        self.model.set_rows(screening_answers.conflicts(self.ctx, self.campaign_id))
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self._show_selected()

    def selected(self) -> ConflictRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index) if index.isValid() else None

    def _show_selected(self) -> None:
        c = self.selected()
        for button in (self.keep_a, self.keep_b):
            button.setEnabled(c is not None and not c.locked)
            button.setToolTip(self.tr(LOCKED_TIP) if c is not None and c.locked else "")
        if c is None:
            self.detail.setHtml(self.tr("没有待处理的重复作答。"))
            return
        self.detail.setHtml(f"<p>A：{_answers(c.a.answers, c.differing_items)}</p>"
                            f"<p>B：{_answers(c.b.answers, c.differing_items)}</p>")

    def resolve(self, keep: str) -> None:
        c = self.selected()
        if c is None:
            return
        try:
            screening_answers.resolve_conflict(self.ctx, c.id, keep)
        except UserError as exc:
            self.banner.show_user_error(exc)
            return
        self.banner.show_success(self.tr("%1 的作答已按所选处理。").replace("%1", c.name))
        self.resolved.emit()
        self.reload()
