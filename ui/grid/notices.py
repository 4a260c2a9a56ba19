"""预警通知: the notices the grid left for this person (a level set, a safety alert, being named a
contact, a release to approve …), newest first. Opening one (Enter, double-click or 标为已读) marks
it read; 全部标为已读 marks the rest. Opened from the greeting's "N 条预警通知未读".

Through the core: ``grid_tracking.notices`` (scoped to the viewer) and ``mark_notices_read`` (only
the viewer's own notices).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xadesk.services import grid as G
from xadesk.services import grid_tracking as T
from xadesk.services.context import AppContext

from ..formutil import actions_then_close
from ..messages import MessageBanner
from ..tablemodel import CENTER, Column, configure_table_view, local_time, set_column_widths
from ..worker import BackgroundOp
from .common import StyledRowModel, level_map, level_text


class NoticesDialog(QDialog):
    changed = Signal(int)   # how many are still unread

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("预警通知"))
        self.levels = level_map(None)
        self.banner = MessageBanner(self)
        self.model = StyledRowModel([
            Column("状态", lambda n: "已读" if n.read else "未读", align=CENTER),
            Column("时间", lambda n: local_time(n.created_at)),
            Column("通知", "kind_label"),
            Column("学生", "name"),
            Column("班级", "class_label"),
            Column("等级", lambda n: level_text(self.levels, n.level, "")),
        ], self._style, self)
        self.table = QTableView(self)
        self.table.setObjectName("noticeTable")
        self.table.setAccessibleName(self.tr("预警通知"))
        self.table.setModel(self.model)
        configure_table_view(self.table)
        set_column_widths(self.table, (4, 8, 16, 5, 8, 5), padding=16)
        self.table.activated.connect(lambda _i: self.mark_current())
        self.empty = QLabel(self.tr("没有预警通知。"), self)
        self.empty.hide()
        self.read_button = QPushButton(self.tr("标为已读(&R)"), self)
        self.read_button.setObjectName("markReadButton")
        self.read_button.clicked.connect(self.mark_current)
        self.all_button = QPushButton(self.tr("全部标为已读(&A)"), self)
        self.all_button.setObjectName("markAllReadButton")
        self.all_button.clicked.connect(self.mark_all)
        row = actions_then_close(self, self.read_button, self.all_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(QLabel(self.tr("选中一条按 Enter（或双击）即标为已读。学生的情况请到“预警网格”页查看跟踪记录。"),
                                self))
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 56, self.fontMetrics().height() * 22)
        self.reload()

    def _style(self, n: T.NoticeRow, col: int):
        if not n.read:
            return None, None, True      # unread in bold
        return "#616161", None, False

    def reload(self) -> None:
        ctx = self.ctx
        (BackgroundOp(self, lambda _t: (G.levels(ctx), T.notices(ctx, unread_only=False)), show_dialog=False,
                      cancellable=False)
         .success(self._loaded).failure(self.banner.show_user_error).run())

    def _loaded(self, result) -> None:
        levels, rows = result
        self.levels = level_map(levels)
        current = self.table.currentIndex().row()
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        self.all_button.setEnabled(any(not n.read for n in rows))
        if rows:
            self.table.selectRow(max(0, min(current, len(rows) - 1)))
        self.changed.emit(sum(not n.read for n in rows))

    def mark_current(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        n = self.model.row_at(index)
        if n.read:
            return
        self._mark([n.id])

    def mark_all(self) -> None:
        self._mark(None)

    def _mark(self, ids: list[int] | None) -> None:
        ctx = self.ctx
        (BackgroundOp(self, lambda _t: T.mark_notices_read(ctx, ids), show_dialog=False, cancellable=False)
         .success(lambda _n: self.reload()).failure(self.banner.show_user_error).run())
