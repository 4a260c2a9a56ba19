"""Quick observation (记录观察) from the class list: click a category, type what was seen, save.

Two clicks and the text: the category buttons (情绪, 人际关系, …) and the severity buttons
(一般 is preselected; 需关注 / 紧急 when it matters), then 保存 (or Ctrl+Enter). The date is
today. Goes through ``records.add_observation`` (scope, permission, audit).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xadesk.archive import kinds as K
from xadesk.errors import UserError
from xadesk.services import records
from xadesk.services.context import AppContext

from ..formutil import FittingDialog
from ..messages import MessageBanner
from ..worker import BackgroundOp


class ObservationDialog(FittingDialog):
    saved = Signal(int)  # student id

    def __init__(self, ctx: AppContext, student_id: int, student_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.student_id = student_id
        self.setObjectName("observationDialog")
        self.setWindowTitle(self.tr("记录观察 · {who}").format(who=student_label))
        self.banner = MessageBanner(self)
        # the house style draws checked push buttons like plain ones: make the choice visible
        self.setStyleSheet("QPushButton:checked { background: #1565C0; color: white; border-color: #0D47A1; }")

        self.categories = QButtonGroup(self)
        cat_grid = QGridLayout()
        for i, (code, label) in enumerate(K.OBSERVATION_CATEGORIES.items()):
            b = QPushButton(label, self)
            b.setCheckable(True)
            b.setObjectName(f"cat_{code}")
            b.setProperty("code", code)
            self.categories.addButton(b)
            cat_grid.addWidget(b, i // 4, i % 4)
        self.categories.setExclusive(True)
        self.severities = QButtonGroup(self)
        sev_row = QHBoxLayout()
        for code, label in K.SEVERITIES.items():
            b = QPushButton(label, self)
            b.setCheckable(True)
            b.setObjectName(f"sev_{code}")
            b.setProperty("code", code)
            b.setChecked(code == "info")
            self.severities.addButton(b)
            sev_row.addWidget(b)
        sev_row.addStretch(1)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("observationText")
        self.text.setPlaceholderText(self.tr("看到了什么（事实，不下结论）：时间、场合、学生的言行……"))
        self.text.setTabChangesFocus(True)
        em = self.fontMetrics().height()
        self.text.setMinimumHeight(em * 5)
        text_label = QLabel(self.tr("观察内容(&N)："), self)
        text_label.setBuddy(self.text)
        # a category click moves the cursor to the text: the next thing a teacher does is type
        self.categories.buttonClicked.connect(lambda _b: self.text.setFocus())

        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(self.tr("保存(&S)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveObservation")
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.save)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(self.banner)
        layout.addWidget(QLabel(self.tr("类别："), self))
        layout.addLayout(cat_grid)
        layout.addWidget(QLabel(self.tr("程度："), self))
        layout.addLayout(sev_row)
        layout.addWidget(text_label)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.setMinimumWidth(em * 26)
        first = self.categories.buttons()[0]
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def category(self) -> str | None:
        b = self.categories.checkedButton()
        return b.property("code") if b else None

    def severity(self) -> str:
        b = self.severities.checkedButton()
        return b.property("code") if b else "info"

    def save(self) -> None:
        cat = self.category()
        if cat is None:
            self.banner.show_error(self.tr("请先点选观察类别（情绪、人际关系、学业……）。"))
            return
        text, sev = self.text.toPlainText(), self.severity()
        self.save_button.setEnabled(False)

        def done(_row) -> None:
            self.saved.emit(self.student_id)
            self.accept()

        def failed(exc: UserError) -> None:
            self.banner.show_user_error(exc)

        (BackgroundOp(self, lambda _t: records.add_observation(self.ctx, self.student_id, category=cat, text=text,
                                                               severity=sev),
                      title=self.tr("正在保存…"), cancellable=False)
         .success(done).failure(failed).always(lambda: self.save_button.setEnabled(True)).run())
