"""学年升级 (administrators): the preview of every class move and the graduates, then promote.

The preview is ``year_end.preview_promotion`` (writes nothing); 执行升级 asks once more and runs
``year_end.promote``; graduates are queued for archive export.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from xadesk.services import year_end
from xadesk.services.context import AppContext

from .. import messages
from ..formutil import FittingDialog
from ..messages import MessageBanner
from ..worker import BackgroundOp


class PromoteDialog(FittingDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = today  # None: the real date (tests pass a summer day)
        self.plan: year_end.PromotionPlan | None = None
        self.setObjectName("promoteDialog")
        self.setWindowTitle(self.tr("学年升级"))
        self.banner = MessageBanner(self)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("promotePreview")
        self.text.setReadOnly(True)
        self.text.setPlaceholderText(self.tr("（暂无可执行的升级预览）"))
        em = self.fontMetrics().height()
        self.text.setMinimumSize(em * 30, em * 16)
        buttons = QDialogButtonBox(self)
        self.promote_button = buttons.addButton(self.tr("执行升级(&P)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.promote_button.setObjectName("promoteButton")
        self.promote_button.setEnabled(False)
        buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.promote)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(self.banner)
        note = QLabel(self.tr("预览：每个班升入下一年级，毕业年级的学生标记为毕业，其档案列入待导出清单。"), self)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.load()

    def load(self) -> None:
        (BackgroundOp(self, lambda _t: year_end.preview_promotion(self.ctx, today=self.today), title=self.tr("正在生成预览…"),
                      cancellable=False)
         .success(self._show).failure(self.banner.show_user_error).run())

    def _show(self, plan: year_end.PromotionPlan) -> None:
        self.plan = plan
        self.text.setPlainText(plan.summary())
        self.promote_button.setEnabled(not plan.done and bool(plan.moves))

    def promote(self) -> None:
        if self.plan is None:
            return
        if not messages.question(self, self.tr("确定执行 {a} → {b} 学年升级吗？此操作会修改所有班级的年级。").format(
                a=self.plan.from_year, b=self.plan.to_year), yes=self.tr("执行升级")):
            return
        self.promote_button.setEnabled(False)
        (BackgroundOp(self, lambda _t: year_end.promote(self.ctx, today=self.today), title=self.tr("正在升级…"), cancellable=False)
         .success(self._promoted).failure(self.banner.show_user_error).run())

    def _promoted(self, plan: year_end.PromotionPlan) -> None:
        self.plan = plan
        self.text.setPlainText(plan.summary())
        self.banner.show_success(self.tr("已完成升级：{n} 名毕业生的档案已列入待导出清单。").format(n=len(plan.graduates)))
        self.text.moveCursor(self.text.textCursor().MoveOperation.Start)
        self.setFocus(Qt.FocusReason.OtherFocusReason)
