"""审计日志: the most recent audit entries, read-only, and a 校验 button that checks the hash chain."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget

from xadesk.display import local_time as core_local_time
from xadesk.services import audit
from xadesk.services.audit import AuditRow, VerifyResult
from xadesk.services.context import AppContext

from .mainwindow import PageSpec, register_page
from .messages import MessageBanner
from .tablemodel import (
    RIGHT,
    Column,
    FilterProxy,
    RowTableModel,
    configure_table_view,
    connect_filter_edit,
    set_column_widths,
)
from .worker import BackgroundOp

RECENT = 1000


def local_time(stamp: str) -> str:
    """The stored UTC ISO stamp as local wall-clock time, the way a teacher reads it."""
    return core_local_time(stamp, seconds=True)


def audit_columns() -> list[Column]:
    return [
        Column("序号", "seq", align=RIGHT),
        Column("时间", "at", fmt=local_time),
        Column("操作人", "actor_login"),
        Column("操作", "action_label"),
        Column("学生学籍号", "student_no"),
        Column("对象", "target_label"),
        Column("说明", "detail_label"),
    ]


class AuditPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.last_result: VerifyResult | None = None
        self.model = RowTableModel(audit_columns(), self)
        self.proxy = FilterProxy(self.model, filter_columns=[1, 2, 3, 4, 5], parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("auditTable")
        self.table.setAccessibleName(self.tr("审计记录"))
        self.table.setModel(self.proxy)
        configure_table_view(self.table)
        set_column_widths(self.table, (4, 11, 6, 8, 10, 14))  # 对象 holds a campaign's name

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("auditFilter")
        self.filter_edit.setPlaceholderText(self.tr("输入操作人、操作或学籍号筛选（Ctrl+F）"))
        filter_label = QLabel(self.tr("筛选(&T)："), self)
        filter_label.setBuddy(self.filter_edit)
        connect_filter_edit(self.filter_edit, self.proxy)
        self.refresh_button = QPushButton(self.tr("刷新(&E)"), self)
        self.refresh_button.clicked.connect(self.reload)
        self.verify_button = QPushButton(self.tr("校验完整性(&V)"), self)
        self.verify_button.setObjectName("verifyButton")
        self.verify_button.setToolTip(self.tr("检查审计日志有没有被改动或删除"))
        self.verify_button.clicked.connect(self.verify)
        self.banner = MessageBanner(self)
        self.count_label = QLabel(self)

        top = QHBoxLayout()
        top.addWidget(filter_label)
        top.addWidget(self.filter_edit, 1)
        top.addSpacing(12)
        top.addWidget(self.refresh_button)
        top.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        self.setTabOrder(self.filter_edit, self.refresh_button)
        self.setTabOrder(self.refresh_button, self.verify_button)
        self.setTabOrder(self.verify_button, self.table)
        self.reload()

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        ctx = self.ctx
        (BackgroundOp(self, lambda _task: audit.list_entries(ctx, limit=RECENT), title=self.tr("正在读取审计日志…"),
                      cancellable=False)
         .success(self._loaded)
         .failure(self.banner.show_user_error)
         .run())

    def _loaded(self, rows: list[AuditRow]) -> None:
        self.model.set_rows(rows)
        self.count_label.setText(self.tr("显示最近 {n} 条记录（最新的在最上面）。").format(n=len(rows)))

    def verify(self) -> None:
        ctx = self.ctx
        self.verify_button.setEnabled(False)
        (BackgroundOp(self, lambda _task: audit.verify(ctx), title=self.tr("正在校验审计日志…"))
         .success(self._verified)
         .failure(self.banner.show_user_error)
         .always(lambda: self.verify_button.setEnabled(True))
         .run())

    def _verified(self, result: VerifyResult) -> None:
        self.last_result = result
        if result.ok:
            self.banner.show_success(self.tr("审计日志完整：共 {n} 条记录，没有发现改动或删除。").format(n=result.count))
        else:
            self.banner.show_error(self.tr("审计日志被改动过！共 {n} 处问题，请报告学校管理员：").format(
                n=len(result.problems)), result.problems)


register_page(PageSpec("audit", "审计日志", AuditPage, order=90, permission="audit.read"))
