"""提出预警建议: a person proposes a level — a homeroom teacher's observation, a referral (a parent,
a teacher, the student themself) or the counselor's own judgement. It joins the review queue like
a screening proposal; a counselor interviews and decides (``grid.propose_manual``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from xadesk.services import grid as G
from xadesk.services import roster
from xadesk.services.context import AppContext

from ..formutil import set_primary
from ..messages import MessageBanner
from ..worker import BackgroundOp
from .common import level_map


class ProposeDialog(QDialog):
    def __init__(self, ctx: AppContext, levels=None, parent: QWidget | None = None, *,
                 student_id: int | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("提出预警建议"))
        self.banner = MessageBanner(self)
        self.student = QComboBox(self)
        self.student.setObjectName("proposeStudent")
        self.student.setEditable(True)
        self.student.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for st in roster.list_students(ctx):
            self.student.addItem(f"{st.name}　{st.class_label or ''}　{st.student_no[-6:]}", st.id)
        completer = self.student.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)  # type a name or class, pick from the matches
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.student.setCurrentIndex(self.student.findData(student_id) if student_id is not None else -1)
        self.level = QComboBox(self)
        self.level.setObjectName("proposeLevel")
        for lv in level_map(levels).values():
            self.level.addItem(lv.label, lv.code)
        self.level.setCurrentIndex(self.level.count() - 1)  # the mildest: a person raises it on purpose
        self.source = QComboBox(self)
        self.source.setObjectName("proposeSource")
        sources = G.MANUAL_SOURCES if ctx.actor.can("grid.manage") else ("observation", "referral")
        for code in sources:
            self.source.addItem(G.SOURCES[code], code)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("proposeReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText(self.tr("看到或听到了什么：何时、何地、学生说了什么或做了什么"))
        form = QFormLayout()
        for text, w in ((self.tr("学生(&S)："), self.student), (self.tr("建议等级(&V)："), self.level),
                        (self.tr("来源(&O)："), self.source), (self.tr("理由(&Y)："), self.reason)):
            lab = QLabel(text, self)
            lab.setBuddy(w)
            form.addRow(lab, w)
        note = QLabel(self.tr("建议会进入心理健康教师的复核队列，复核访谈后才决定是否列入名单。"
                              "如有紧迫危险，请立即按应急处置流程处理，并在学生的跟踪记录里记录危机事件。"), self)
        note.setWordWrap(True)
        box = QDialogButtonBox(self)
        set_primary(box.addButton(self.tr("提交建议"), QDialogButtonBox.ButtonRole.AcceptRole))
        box.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        box.accepted.connect(self.submit)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(box)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 34, self.sizeHint().height())

    def chosen_student(self) -> int | None:
        i = self.student.findText(self.student.currentText())
        return self.student.itemData(i) if i >= 0 else None

    def submit(self) -> None:
        sid = self.chosen_student()
        if sid is None:
            self.banner.show_error(self.tr("请从列表里选择一名学生（可输入姓名或班级查找）。"))
            return
        ctx, level, source, reason = self.ctx, self.level.currentData(), self.source.currentData(), \
            self.reason.toPlainText()
        (BackgroundOp(self, lambda _t: G.propose_manual(ctx, sid, level, reason, source), title=self.tr("正在提交…"),
                      cancellable=False)
         .success(lambda _r: self.accept()).failure(self.banner.show_user_error).run())
