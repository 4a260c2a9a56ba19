"""The login dialog, also used to unlock after the app locked itself.

The password is checked by the core (``xadesk.services.login.login``): unwrapping the person's key
slot takes about 0.3 s on a school PC, so it runs as a ``BackgroundOp`` and the dialog stays
responsive. A wrong password, a damaged file, a file that is not ours, a database from a newer
version: each arrives as a ``UserError`` and is shown in the inline banner; the dialog stays open
and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from xadesk.errors import UserError
from xadesk.services.context import AppContext
from xadesk.services.login import login as core_login
from xadesk.services.login import login_delay

from .formutil import FittingDialog, fit_height, no_auto_default, set_primary
from .messages import MessageBanner
from .worker import BackgroundOp

LoginFn = Callable[[Path, str, str], AppContext]


def _core_login(path: Path, login: str, password: str) -> AppContext:

    return core_login(path, login, password)


class LoginDialog(FittingDialog):
    """Ask for login and password; on success ``context()`` holds the unlocked :class:`AppContext`.

    ``locked=True`` words it as unlocking a locked session (the login is filled in, but another
    person may log in instead). ``hint`` is a line shown under the title (e.g. the demo accounts).
    """

    logged_in = Signal(object)  # AppContext

    def __init__(self, db_path: Path, parent: QWidget | None = None, *, login_name: str = "",
                 locked: bool = False, hint: str | None = None, login_fn: LoginFn | None = None) -> None:
        super().__init__(parent)
        self._db_path = Path(db_path)
        self._login_fn = login_fn or _core_login
        self._ctx: AppContext | None = None
        self._op: BackgroundOp[AppContext] | None = None
        self.setObjectName("loginDialog")
        self.setWindowTitle(self.tr("XA Desk 已锁定") if locked else self.tr("登录 XA Desk"))
        self.setMinimumWidth(440)

        title = QLabel(self.tr("学生心理健康工作台"), self)
        title.setObjectName("loginTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        subtitle = QLabel(
            self.tr("程序已锁定，请重新输入密码。") if locked else self.tr("请输入您的登录名和密码。"), self)
        subtitle.setWordWrap(True)

        self.banner = MessageBanner(self)
        no_auto_default(self.banner)

        self.login_edit = QLineEdit(self)
        self.login_edit.setObjectName("loginEdit")
        self.login_edit.setText(login_name)
        self.login_edit.setAccessibleName(self.tr("登录名"))
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("passwordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName(self.tr("密码"))
        self.password_edit.textEdited.connect(lambda _t: self._caps_hint())

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        login_label = QLabel(self.tr("登录名(&U)："), self)
        login_label.setBuddy(self.login_edit)
        password_label = QLabel(self.tr("密码(&P)："), self)
        password_label.setBuddy(self.password_edit)
        form.addRow(login_label, self.login_edit)
        form.addRow(password_label, self.password_edit)

        self.buttons = QDialogButtonBox(self)
        self.login_button = self.buttons.addButton(self.tr("登录(&L)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.login_button.setObjectName("loginButton")
        set_primary(self.login_button)
        self.login_button.setDefault(True)
        cancel_text = self.tr("退出程序(&Q)") if locked else self.tr("取消")
        self.cancel_button = self.buttons.addButton(cancel_text, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        if hint:
            hint_label = QLabel(hint, self)
            hint_label.setObjectName("loginHint")
            hint_label.setWordWrap(True)
            hint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(hint_label)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        self.setTabOrder(self.login_edit, self.password_edit)
        self.setTabOrder(self.password_edit, self.login_button)
        self.setTabOrder(self.login_button, self.cancel_button)
        (self.password_edit if login_name else self.login_edit).setFocus()

    # -- results ----------------------------------------------------------------------------------

    def context(self) -> AppContext | None:
        return self._ctx

    def busy(self) -> bool:
        return self._op is not None and not self._op.done

    # -- actions ----------------------------------------------------------------------------------

    def submit(self) -> None:
        if self.busy():
            return
        login = self.login_edit.text().strip()
        password = self.password_edit.text()
        if not login:
            self.banner.show_error(self.tr("请填写登录名。"))
            self.login_edit.setFocus()
            return
        if not password:
            self.banner.show_error(self.tr("请填写密码。"))
            self.password_edit.setFocus()
            return
        self.banner.dismiss()
        wait = login_delay(self._db_path, login)
        if wait >= 1:
            # The core waits before trying (a growing delay after failed logins); say so, not a frozen dialog.
            self.banner.show_info(self.tr("这个账号最近多次密码错误，这次登录要先等待约 {n} 秒。").format(n=round(wait)))
        self._set_busy(True)
        path, fn = self._db_path, self._login_fn
        self._op = (BackgroundOp(self, lambda _task: fn(path, login, password), title=self.tr("正在登录…"),
                                 cancellable=False)
                    .success(self._succeeded)
                    .failure(self._failed)
                    .always(lambda: self._set_busy(False)))
        self._op.run()

    def _succeeded(self, ctx: AppContext) -> None:
        self._ctx = ctx
        self.password_edit.clear()
        # Close first, then announce: the main window opened on ``logged_in`` must end up the active one.
        self.accept()
        self.logged_in.emit(ctx)

    def _failed(self, exc: UserError) -> None:
        self.banner.show_user_error(exc)
        fit_height(self)  # a damaged key file's message is several lines: make room for it
        self.password_edit.clear()
        self.password_edit.setFocus()

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.login_edit, self.password_edit, self.login_button):
            widget.setEnabled(not busy)
        self.login_button.setText(self.tr("正在登录…") if busy else self.tr("登录(&L)"))
        if not busy and self._ctx is None:
            self.password_edit.setFocus()

    def _caps_hint(self) -> None:
        # A gentle reminder: most wrong passwords on school PCs are Caps Lock or a Chinese IME.
        text = self.password_edit.text()
        if text and text.isupper() and any(c.isalpha() for c in text) and not self.banner.isVisible():
            self.banner.show_warning(self.tr("密码全是大写字母：是不是开着大写锁定（Caps Lock）？"))

    def reject(self) -> None:
        if self.busy():
            return  # the check is still running; closing now would leave a database half open
        super().reject()
