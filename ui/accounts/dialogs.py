"""Dialogs that change accounts: add an account (roles with their grades/classes), reset a password,
change one's own password.

Every change goes through ``xadesk.services.accounts``, which checks permissions, writes the audit
entry and rewraps the key slot (a memory-hard KDF: ~0.3 s), so each runs as a ``BackgroundOp``. A
refused change (login taken, password too short, a homeroom teacher without a class) is shown in the
dialog's banner and the dialog stays open with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xadesk.errors import UserError
from xadesk.services import accounts, roles
from xadesk.services.accounts import RoleSpec
from xadesk.services.context import AppContext
from xadesk.services.roster import GradeNode

from ..formutil import FittingDialog, fit_height, no_auto_default, set_primary
from ..messages import MessageBanner
from ..worker import BackgroundOp


def _password_edit(parent: QWidget, name: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class ServiceDialog(FittingDialog):
    """A form with a banner and OK/Cancel whose OK runs one core call in the background."""

    def __init__(self, parent: QWidget | None, ok_text: str) -> None:
        super().__init__(parent)
        self.banner = MessageBanner(self)
        no_auto_default(self.banner)
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("okButton")
        set_primary(self.ok_button)
        self.ok_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.op: BackgroundOp | None = None
        self.result_value: object = None

    def submit(self) -> None:
        raise NotImplementedError

    def _run(self, fn: Callable[[], object], title: str) -> None:
        if self.op is not None and not self.op.done:
            return
        self.banner.dismiss()
        self.ok_button.setEnabled(False)
        self.op = (BackgroundOp(self, lambda _task: fn(), title=title, cancellable=False)
                   .success(self._done)
                   .failure(self._refused)
                   .always(lambda: self.ok_button.setEnabled(True)))
        self.op.run()

    def _done(self, value: object) -> None:
        self.result_value = value
        self.accept()

    def _refused(self, exc: UserError) -> None:
        self.banner.show_user_error(exc)
        fit_height(self)  # the banner needs room: without it the wrapped text above is squeezed

    def _passwords(self, first: QLineEdit, second: QLineEdit) -> str | None:
        if first.text() != second.text():
            self.banner.show_error(self.tr("两次输入的密码不一致。"))
            second.clear()
            second.setFocus()
            return None
        return first.text()


class RoleEditor(QGroupBox):
    """Checkboxes for the five roles; grade leaders and homeroom teachers tick their grades / classes."""

    def __init__(self, tree: list[GradeNode], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("角色(&R)"), parent)
        self.setObjectName("roleEditor")
        self.checks: dict[str, QCheckBox] = {}
        grid = QGridLayout(self)
        for row, role in enumerate(roles.ROLES):
            box = QCheckBox(roles.role_label(role), self)
            box.setObjectName(f"role_{role}")
            self.checks[role] = box
            grid.addWidget(box, row, 0, Qt.AlignmentFlag.AlignTop)
        self.grade_list = QListWidget(self)
        self.grade_list.setObjectName("gradeList")
        self.grade_list.setAccessibleName(self.tr("负责的年级"))
        for grade in tree:
            item = QListWidgetItem(grade.label, self.grade_list)
            item.setData(Qt.ItemDataRole.UserRole, grade.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.class_list = QListWidget(self)
        self.class_list.setObjectName("classList")
        self.class_list.setAccessibleName(self.tr("负责的班级"))
        for grade in tree:
            for cls in grade.classes:
                item = QListWidgetItem(cls.label, self.class_list)
                item.setData(Qt.ItemDataRole.UserRole, cls.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
        height = self.fontMetrics().height() * 7
        for lst in (self.grade_list, self.class_list):
            lst.setMaximumHeight(height)
            lst.setMinimumHeight(height)
            lst.setEnabled(False)
        grade_label = QLabel(self.tr("负责的年级（空格键勾选）："), self)
        grade_label.setBuddy(self.grade_list)
        class_label = QLabel(self.tr("负责的班级（空格键勾选）："), self)
        class_label.setBuddy(self.class_list)
        grid.addWidget(grade_label, 0, 1)
        grid.addWidget(self.grade_list, 1, 1, 4, 1)
        grid.addWidget(class_label, 0, 2)
        grid.addWidget(self.class_list, 1, 2, 4, 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        if not any(g.classes for g in tree):
            note = QLabel(self.tr("还没有班级：先导入学生名单，才能指定年级组长和班主任负责的范围。"), self)
            note.setWordWrap(True)
            grid.addWidget(note, len(roles.ROLES), 0, 1, 3)
        self.checks[roles.GRADE_LEADER].toggled.connect(self.grade_list.setEnabled)
        self.checks[roles.HOMEROOM].toggled.connect(self.class_list.setEnabled)

    @staticmethod
    def _checked(lst: QListWidget) -> list:
        return [lst.item(i).data(Qt.ItemDataRole.UserRole) for i in range(lst.count())
                if lst.item(i).checkState() == Qt.CheckState.Checked]

    def set_role(self, role: str, on: bool = True) -> None:
        self.checks[role].setChecked(on)

    def tick(self, lst: QListWidget, value: object) -> None:
        for i in range(lst.count()):
            if lst.item(i).data(Qt.ItemDataRole.UserRole) == value:
                lst.item(i).setCheckState(Qt.CheckState.Checked)

    def specs(self) -> list[RoleSpec]:
        """The roles ticked, one spec per grade / class; a scoped role with nothing ticked is passed
        through unscoped so the core refuses it with its own message."""
        out: list[RoleSpec] = []
        for role, box in self.checks.items():
            if not box.isChecked():
                continue
            if role == roles.GRADE_LEADER:
                grades = self._checked(self.grade_list)
                out += [RoleSpec(role, grade_code=g) for g in grades] or [RoleSpec(role)]
            elif role == roles.HOMEROOM:
                classes = self._checked(self.class_list)
                out += [RoleSpec(role, class_id=c) for c in classes] or [RoleSpec(role)]
            else:
                out.append(RoleSpec(role))
        return out


class AddAccountDialog(ServiceDialog):
    def __init__(self, ctx: AppContext, tree: list[GradeNode], parent: QWidget | None = None) -> None:
        super().__init__(parent, self.tr("新建账号(&O)"))
        self.ctx = ctx
        self.setObjectName("addAccountDialog")
        self.setWindowTitle(self.tr("新建账号"))
        self.login_edit = QLineEdit(self)
        self.login_edit.setObjectName("newLogin")
        self.login_edit.setPlaceholderText(self.tr("例如 wanglaoshi，不含空格"))
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("newName")
        self.name_edit.setPlaceholderText(self.tr("例如 王老师"))
        self.password_edit = _password_edit(self, "newPassword")
        self.confirm_edit = _password_edit(self, "confirmPassword")
        form = QFormLayout()
        for text, edit in ((self.tr("登录名(&L)："), self.login_edit), (self.tr("姓名(&M)："), self.name_edit),
                           (self.tr("初始密码(&P)："), self.password_edit),
                           (self.tr("再输一次(&A)："), self.confirm_edit)):
            label = QLabel(text, self)
            label.setBuddy(edit)
            form.addRow(label, edit)
        note = QLabel(self.tr("初始密码请当面告诉本人；首次登录后请他在“文件 → 修改我的密码”中改掉。"), self)
        note.setWordWrap(True)
        self.roles = RoleEditor(tree, self)
        # Administrators never hold the counselling key (xadesk.compartment): say how a new counselor gets it.
        self.counselling_note = QLabel(self.tr(
            "心理健康教师的辅导钥匙不由管理员持有：新账号会在另一位心理教师下次登录时自动获得它，"
            "也可以用打印的恢复密钥立即授予（xadesk keys grant）。在此之前他看不到辅导内容。"), self)
        self.counselling_note.setObjectName("counsellingGrantNote")
        self.counselling_note.setWordWrap(True)
        counselor_box = self.roles.checks[roles.COUNSELOR]
        self.counselling_note.setVisible(counselor_box.isChecked())
        counselor_box.toggled.connect(self.counselling_note.setVisible)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.roles)
        layout.addWidget(self.counselling_note)
        layout.addWidget(self.buttons)
        char = self.fontMetrics().horizontalAdvance("中")
        self.setMinimumWidth(char * 44)
        self.login_edit.setFocus()

    def submit(self) -> None:
        if not self.login_edit.text().strip():
            self.banner.show_error(self.tr("请填写登录名。"))
            self.login_edit.setFocus()
            return
        password = self._passwords(self.password_edit, self.confirm_edit)
        if password is None:
            return
        specs = self.roles.specs()
        if not specs:
            self.banner.show_error(self.tr("请至少勾选一个角色。"))
            self.roles.checks[roles.ADMIN].setFocus()
            return
        ctx, login, name = self.ctx, self.login_edit.text().strip(), self.name_edit.text().strip()
        self._run(lambda: accounts.add_user(ctx, login, name, specs, password), self.tr("正在新建账号…"))


class ResetPasswordDialog(ServiceDialog):
    def __init__(self, ctx: AppContext, login: str, display_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, self.tr("重置密码(&O)"))
        self.ctx, self.login = ctx, login
        self.setObjectName("resetPasswordDialog")
        self.setWindowTitle(self.tr("重置密码"))
        intro = QLabel(self.tr("为 {name}（{login}）设置一个新密码。本人下次登录后应改掉它。").format(
            name=display_name, login=login), self)
        intro.setWordWrap(True)
        self.password_edit = _password_edit(self, "resetPassword")
        self.confirm_edit = _password_edit(self, "resetConfirm")
        form = QFormLayout()
        for text, edit in ((self.tr("新密码(&N)："), self.password_edit), (self.tr("再输一次(&A)："), self.confirm_edit)):
            label = QLabel(text, self)
            label.setBuddy(edit)
            form.addRow(label, edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(intro)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 30)
        self.password_edit.setFocus()

    def submit(self) -> None:
        password = self._passwords(self.password_edit, self.confirm_edit)
        if password is not None:
            ctx, login = self.ctx, self.login
            self._run(lambda: accounts.reset_password(ctx, login, password), self.tr("正在重置密码…"))


class ChangeOwnPasswordDialog(ServiceDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, self.tr("修改密码(&O)"))
        self.ctx = ctx
        self.setObjectName("changePasswordDialog")
        self.setWindowTitle(self.tr("修改我的密码"))
        self.old_edit = _password_edit(self, "oldPassword")
        self.password_edit = _password_edit(self, "newPassword")
        self.confirm_edit = _password_edit(self, "confirmPassword")
        form = QFormLayout()
        for text, edit in ((self.tr("当前密码(&C)："), self.old_edit), (self.tr("新密码(&N)："), self.password_edit),
                           (self.tr("再输一次(&A)："), self.confirm_edit)):
            label = QLabel(text, self)
            label.setBuddy(edit)
            form.addRow(label, edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 30)
        self.old_edit.setFocus()

    def submit(self) -> None:
        password = self._passwords(self.password_edit, self.confirm_edit)
        if password is not None:
            ctx, old = self.ctx, self.old_edit.text()
            self._run(lambda: accounts.change_own_password(ctx, old, password), self.tr("正在修改密码…"))

    def _refused(self, exc: UserError) -> None:
        super()._refused(exc)
        self.old_edit.clear()
        self.old_edit.setFocus()
