"""更换数据库密钥: offered right after an account is disabled, and available any time on the accounts page.

Says in plain words what it protects against (a key file copied earlier by the person just disabled),
that everyone else keeps logging in as before, that it needs the printed recovery key and takes longer
on a large school. The rotation itself runs in the background (``xadesk.keys.rotation``) with its
stages as progress; cancel is honoured until the new database takes the old one's place.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from xadesk.errors import UserError
from xadesk.keys import rotation
from xadesk.services.context import AppContext

from ..worker import BackgroundOp, TaskState
from .dialogs import ServiceDialog


class RotateKeysDialog(ServiceDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, disabled_name: str | None = None) -> None:
        super().__init__(parent, self.tr("现在更换(&R)"))
        self.ctx = ctx
        self.setObjectName("rotateKeysDialog")
        self.setWindowTitle(self.tr("更换数据库密钥"))
        self.cancel_button.setText(self.tr("以后再说"))
        plan = rotation.plan(ctx)
        who = (self.tr("{name}的账号已停用。").format(name=disabled_name) if disabled_name else "")
        intro = QLabel(who + self.tr(
            "停用只是让此人不能再登录。如果此人以前复制过钥匙文件（与数据库放在一起、名字以 .keys 结尾的文件），"
            "凭自己的旧密码仍能从那份副本里取出数据库密钥，打开今后任何一份数据库副本。"
            "更换数据库密钥后，那份旧钥匙文件就什么也打不开了。"), self)
        intro.setWordWrap(True)
        intro.setObjectName("rotateIntro")
        others = QLabel(self.tr(
            "其他老师照常用自己的密码登录，不需要做任何事。需要打印的恢复密钥。"
            "学校数据越多，用时越长（几千名学生的学校通常不到半分钟），期间请不要关闭程序；"
            "即使中途断电，数据库也仍能用原来的或新的密钥打开，不会丢失数据。"), self)
        others.setWordWrap(True)
        others.setObjectName("rotateOthers")
        self.reset_note = QLabel(self)
        self.reset_note.setObjectName("rotateNeedReset")
        self.reset_note.setWordWrap(True)
        self.reset_note.setStyleSheet("color: #8a5300;")
        if plan.need_reset:
            self.reset_note.setText(self.tr("这些账号升级后还没有登录过，换密钥后需要您为他们重设密码：{logins}")
                                    .format(logins="、".join(plan.need_reset)))
        self.reset_note.setVisible(bool(plan.need_reset))
        self.recovery_edit = QLineEdit(self)
        self.recovery_edit.setObjectName("rotateRecoveryKey")
        self.recovery_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.recovery_edit.setPlaceholderText(self.tr("按打印的恢复密钥输入，可以不输分隔符"))
        label = QLabel(self.tr("恢复密钥(&K)："), self)
        label.setBuddy(self.recovery_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(intro)
        layout.addWidget(others)
        layout.addWidget(self.reset_note)
        layout.addWidget(self.banner)
        layout.addWidget(label)
        layout.addWidget(self.recovery_edit)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 36)
        self.recovery_edit.setFocus()

    def submit(self) -> None:
        if self.op is not None and not self.op.done:
            return
        key = self.recovery_edit.text()
        if not key.strip():
            self.banner.show_error(self.tr("请输入打印的恢复密钥。"))
            self.recovery_edit.setFocus()
            return
        ctx = self.ctx
        stages = rotation.STAGES

        def work(task: TaskState) -> rotation.RotationResult:
            return rotation.rotate(
                ctx, key, cancelled=task.is_cancelled,
                step=lambda s: task.set_progress(stages.index(s) + 1, len(stages), rotation.stage_label(s)))

        self.banner.dismiss()
        self.ok_button.setEnabled(False)
        self.op = (BackgroundOp(self, work, title=self.tr("正在更换数据库密钥…"))
                   .success(self._done)
                   .failure(self._refused)
                   .on_cancel(lambda: self.banner.show_error(self.tr("已取消：数据库仍用原来的密钥，什么都没有改变。")))
                   .always(lambda: self.ok_button.setEnabled(True)))
        self.op.run()

    def _refused(self, exc: UserError) -> None:
        super()._refused(exc)
        self.recovery_edit.selectAll()
        self.recovery_edit.setFocus()

    def success_text(self) -> str:
        result = self.result_value
        if not isinstance(result, rotation.RotationResult):
            return ""
        text = self.tr("数据库密钥已更换（用时 {s:.1f} 秒）。已停用账号以前复制的钥匙文件再也打不开这个数据库。").format(
            s=result.seconds)
        if result.need_reset:
            text += self.tr("请为这些账号重设密码：{logins}。").format(logins="、".join(result.need_reset))
        return text
