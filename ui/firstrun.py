"""First start on a PC without a school database: create a school, or open the demo school.

Creating a school shows the recovery key once. It is shown large, in groups, and deliberately not
selectable: it belongs on paper (written by hand or printed), not in a clipboard, a chat or a file
next to the database. The dialog cannot be left with 继续 until the person confirms they wrote it
down or printed it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPageLayout, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xadesk.errors import UserError
from xadesk.services.login import CreatedSchool, create_school

from .formutil import FittingDialog, no_auto_default, set_primary
from .messages import MessageBanner
from .worker import BackgroundOp

FIRST_NEW, FIRST_DEMO = 1, 2
FIRST_CLASSPACK = 3  # teacher mode: open a class pack on a PC without the school database


class FirstRunDialog(FittingDialog):
    """Choose 新建学校 (result FIRST_NEW) or 使用示例学校 (FIRST_DEMO); Esc/退出 rejects."""

    def __init__(self, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunDialog")
        self.setWindowTitle(self.tr("欢迎使用 XA Desk"))
        title = QLabel(self.tr("学生心理健康工作台"), self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        text = QLabel(self.tr(
            "这台电脑上还没有学校数据库。\n\n"
            "· 新建学校：为本校建立一个加密的数据库，并设置管理员账号。\n"
            "· 使用示例学校：打开一所虚构的示例学校（约 1200 名虚构学生），先熟悉软件。\n"
            "· 打开班级包：班主任在自己的电脑上打开心理老师发来的班级包，记录后交回。"), self)
        text.setWordWrap(True)
        where = QLabel(self.tr("数据库位置：{path}").format(path=db_path), self)
        where.setWordWrap(True)
        where.setStyleSheet("color: #5b6470;")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.new_button = QPushButton(self.tr("新建学校(&N)…"), self)
        self.new_button.setObjectName("newSchoolButton")
        set_primary(self.new_button)
        self.new_button.setDefault(True)
        self.demo_button = QPushButton(self.tr("使用示例学校(&D)"), self)
        self.demo_button.setObjectName("demoButton")
        self.classpack_button = QPushButton(self.tr("打开班级包（班主任）(&K)…"), self)
        self.classpack_button.setObjectName("classPackButton")
        quit_button = QPushButton(self.tr("退出(&Q)"), self)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.new_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.demo_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.classpack_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.classpack_button.clicked.connect(lambda: self.done(FIRST_CLASSPACK))
        self.new_button.clicked.connect(lambda: self.done(FIRST_NEW))
        self.demo_button.clicked.connect(lambda: self.done(FIRST_DEMO))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addWidget(where)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 36)
        self.new_button.setFocus()


class NewSchoolDialog(FittingDialog):
    """School name and the first administrator; ``created`` holds the result after acceptance."""

    def __init__(self, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.created: CreatedSchool | None = None
        self.op: BackgroundOp | None = None
        self.setObjectName("newSchoolDialog")
        self.setWindowTitle(self.tr("新建学校"))
        self.banner = MessageBanner(self)
        no_auto_default(self.banner)
        self.school_edit = QLineEdit(self)
        self.school_edit.setObjectName("schoolName")
        self.school_edit.setPlaceholderText(self.tr("例如 西安市某某中学"))
        self.admin_name_edit = QLineEdit(self)
        self.admin_name_edit.setObjectName("adminName")
        self.admin_login_edit = QLineEdit("admin", self)
        self.admin_login_edit.setObjectName("adminLogin")
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("adminPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit = QLineEdit(self)
        self.confirm_edit.setObjectName("adminConfirm")
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        for text, edit in ((self.tr("学校名称(&S)："), self.school_edit),
                           (self.tr("管理员姓名(&M)："), self.admin_name_edit),
                           (self.tr("管理员登录名(&L)："), self.admin_login_edit),
                           (self.tr("密码（至少 8 位）(&P)："), self.password_edit),
                           (self.tr("再输一次(&A)："), self.confirm_edit)):
            label = QLabel(text, self)
            label.setBuddy(edit)
            form.addRow(label, edit)
        note = QLabel(self.tr("数据库用随机密钥加密；每个账号的密码都能打开它。下一步会给出一把“恢复密钥”，"
                              "在所有人都忘记密码时用来找回数据。"), self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton(self.tr("新建(&O)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("createButton")
        set_primary(self.ok_button)
        self.ok_button.setDefault(True)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 34)
        self.school_edit.setFocus()

    def credentials(self) -> tuple[str, str]:
        return self.admin_login_edit.text().strip(), self.password_edit.text()

    def submit(self) -> None:
        if self.op is not None and not self.op.done:
            return
        if self.password_edit.text() != self.confirm_edit.text():
            self.banner.show_error(self.tr("两次输入的密码不一致。"))
            self.confirm_edit.clear()
            self.confirm_edit.setFocus()
            return

        path, school = self.db_path, self.school_edit.text()
        login, password = self.credentials()
        name = self.admin_name_edit.text().strip() or None
        self.ok_button.setEnabled(False)
        self.op = (BackgroundOp(self, lambda _t: create_school(path, school, login, password, name),
                                title=self.tr("正在建立加密数据库…"), cancellable=False)
                   .success(self._created)
                   .failure(self._refused)
                   .always(lambda: self.ok_button.setEnabled(True)))
        self.op.run()

    def _created(self, created: CreatedSchool) -> None:
        self.created = created
        self.accept()

    def _refused(self, exc: UserError) -> None:
        self.banner.show_user_error(exc)


def recovery_key_html(key: str, school: str = "") -> str:
    groups = "&nbsp;&nbsp;".join(key.split("-"))
    school_line = f"<p>学校：{school}</p>" if school else ""
    return (
        "<h2>XA Desk 恢复密钥</h2>"
        f"{school_line}"
        f"<p style='font-size:20pt; font-family:monospace; letter-spacing:2px'><b>{groups}</b></p>"
        "<p>所有账号都忘记密码时，用这把恢复密钥重新设置管理员密码。</p>"
        "<p><b>如果所有密码和这把恢复密钥都丢失，数据库里的数据将永远无法打开。</b></p>"
        "<p>请把这张纸锁在柜子里，不要拍照，不要存到电脑或手机上。</p>"
    )


def key_lines(key: str, per_line: int = 3) -> str:
    """The key in two short lines of groups: easier to copy by hand, and it fits at 150 %."""
    groups = key.split("-")
    return "\n".join("   ".join(groups[i:i + per_line]) for i in range(0, len(groups), per_line))


class RecoveryKeyDialog(FittingDialog):
    """Shows the recovery key once; 继续 is enabled only after the confirmation box is ticked."""

    def __init__(self, key: str, parent: QWidget | None = None, *, school: str = "") -> None:
        super().__init__(parent)
        self.key = key
        self.school = school
        self.setObjectName("recoveryKeyDialog")
        self.setWindowTitle(self.tr("请抄写或打印恢复密钥"))
        intro = QLabel(self.tr(
            "这是本校数据库的恢复密钥，只显示这一次。请现在把它抄写在纸上，或打印出来，锁在安全的地方。\n"
            "所有账号都忘记密码时，要靠它找回数据。"), self)
        intro.setWordWrap(True)
        frame = QFrame(self)
        frame.setObjectName("recoveryKeyFrame")
        frame.setFrameShape(QFrame.Shape.Box)
        frame.setStyleSheet("#recoveryKeyFrame { background: #ffffff; border: 2px dashed #9aa1ab; }")
        self.key_label = QLabel(key_lines(key), frame)
        self.key_label.setObjectName("recoveryKey")
        # Not selectable, on purpose: a key in the clipboard ends up in chats and documents.
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.key_label.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        # Through the style sheet, not setFont(): the frame is styled, and a styled widget's font comes
        # from the style sheet cascade (a plain setFont() was measured at one size and painted at another).
        size = round(self.font().pointSizeF() * 1.8)
        self.key_label.setStyleSheet(
            f"font-family: 'WenQuanYi Micro Hei Mono', monospace; font-size: {size}pt; font-weight: bold;")
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setAccessibleName(self.tr("恢复密钥"))
        self.key_label.setAccessibleDescription(" ".join(key.replace("-", "")))
        hint = QLabel(self.tr("（字母不区分大小写；不含容易混淆的 0、O、1、I、L。）"), frame)
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setStyleSheet("color: #5b6470;")
        frame_layout = QVBoxLayout(frame)
        frame_layout.setContentsMargins(16, 18, 16, 12)
        frame_layout.addWidget(self.key_label)
        frame_layout.addWidget(hint)
        warning = QLabel(self.tr("如果所有密码和这把恢复密钥都丢失，数据将永远无法打开，任何人（包括软件作者）都无法找回。"), self)
        warning.setWordWrap(True)
        warning.setStyleSheet("color: #a1260d; font-weight: bold;")
        self.confirm = QCheckBox(self.tr("我已抄写或打印恢复密钥，并会妥善保管(&Y)"), self)
        self.confirm.setObjectName("confirmRecovery")
        self.print_button = QPushButton(self.tr("打印(&P)…"), self)
        self.print_button.clicked.connect(self.print_key)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.continue_button = buttons.addButton(self.tr("继续(&C)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.continue_button.setObjectName("continueButton")
        set_primary(self.continue_button)
        self.continue_button.setEnabled(False)
        self.confirm.toggled.connect(self.continue_button.setEnabled)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(intro)
        layout.addWidget(frame)
        layout.addWidget(warning)
        layout.addWidget(self.confirm)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 40)
        self.confirm.setFocus()

    def accept(self) -> None:
        if self.confirm.isChecked():
            super().accept()

    def reject(self) -> None:
        # Esc must not skip the key: the database exists now, and this is the only time it is shown.
        pass

    def document(self) -> QTextDocument:
        doc = QTextDocument(self)
        doc.setDefaultFont(self.font())
        doc.setHtml(recovery_key_html(self.key, self.school))
        return doc

    def print_key(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("打印恢复密钥"))
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.document().print_(printer)
