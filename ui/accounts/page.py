"""账号管理 (administrators): who can log in, with which roles; add, reset a password, disable."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xadesk.services import accounts, roster
from xadesk.services.accounts import UserRow
from xadesk.services.context import AppContext

from .. import messages
from ..formutil import set_enabled_why
from ..mainwindow import PageSpec, register_page
from ..messages import MessageBanner
from ..tablemodel import (
    CENTER,
    Column,
    FilterProxy,
    RowTableModel,
    configure_table_view,
    connect_filter_edit,
    set_column_widths,
)
from ..worker import BackgroundOp
from .dialogs import AddAccountDialog, ResetPasswordDialog
from .rotate import RotateKeysDialog


def account_columns() -> list[Column]:
    return [
        Column("登录名", "login"),
        Column("姓名", "display_name"),
        Column("角色与负责范围", "roles", fmt="；".join),
        Column("状态", "active", align=CENTER, fmt=lambda a: "正常" if a else "已停用"),
        Column("最近登录", "last_login_at", align=CENTER),
    ]


class AccountsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog = None
        self.model = RowTableModel(account_columns(), self)
        self.proxy = FilterProxy(self.model, filter_columns=[0, 1, 2], parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("accountTable")
        self.table.setAccessibleName(self.tr("账号列表"))
        self.table.setModel(self.proxy)
        configure_table_view(self.table)
        set_column_widths(self.table, (9, 9, 18, 4))  # names in full; roles wrap to the rest
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self.table.activated.connect(lambda _i: self.reset_password())

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("accountFilter")
        self.filter_edit.setPlaceholderText(self.tr("输入登录名、姓名或角色筛选（Ctrl+F）"))
        filter_label = QLabel(self.tr("筛选(&T)："), self)
        filter_label.setBuddy(self.filter_edit)
        connect_filter_edit(self.filter_edit, self.proxy)

        self.add_button = QPushButton(self.tr("新建账号(&N)…"), self)
        self.add_button.setObjectName("addAccount")
        self.add_button.clicked.connect(self.add_account)
        self.reset_button = QPushButton(self.tr("重置密码(&P)…"), self)
        self.reset_button.setObjectName("resetPassword")
        self.reset_button.clicked.connect(self.reset_password)
        self.disable_button = QPushButton(self.tr("停用账号(&D)"), self)
        self.disable_button.setObjectName("disableAccount")
        self.disable_button.clicked.connect(self.disable_account)
        self.rotate_button = QPushButton(self.tr("更换数据库密钥(&K)…"), self)
        self.rotate_button.setObjectName("rotateKeys")
        self.rotate_button.setToolTip(self.tr("让停用账号以前复制的钥匙文件再也打不开数据库"))
        self.rotate_button.clicked.connect(lambda: self.offer_rotation(None))
        self.banner = MessageBanner(self)

        top = QHBoxLayout()
        top.addWidget(filter_label)
        top.addWidget(self.filter_edit, 1)
        top.addSpacing(12)
        top.addWidget(self.add_button)
        top.addWidget(self.reset_button)
        top.addWidget(self.disable_button)
        top.addWidget(self.rotate_button)
        note = QLabel(self.tr("每位老师用自己的账号登录。停用后无法再登录，但其以往的记录和审计日志都会保留。"), self)
        note.setWordWrap(True)
        note.setStyleSheet("color: #5b6470;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        self.setTabOrder(self.filter_edit, self.add_button)
        self.setTabOrder(self.add_button, self.reset_button)
        self.setTabOrder(self.reset_button, self.disable_button)
        self.setTabOrder(self.disable_button, self.rotate_button)
        self.setTabOrder(self.rotate_button, self.table)
        self.reload()

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def refresh(self) -> None:
        self.reload()

    def reload(self, select_login: str | None = None) -> None:
        ctx = self.ctx
        current = select_login or (self.selected().login if self.selected() else None)
        (BackgroundOp(self, lambda _task: accounts.list_users(ctx), title=self.tr("正在读取账号…"), cancellable=False)
         .success(lambda rows: self._loaded(rows, current))
         .failure(self.banner.show_user_error)
         .run())

    def _loaded(self, rows: list[UserRow], select_login: str | None) -> None:
        self.model.set_rows(rows)
        if select_login:
            self.select(select_login)
        self._update_buttons()

    def select(self, login: str) -> bool:
        row = self.model.row_of(lambda u: u.login == login)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.setCurrentIndex(index)
            self.table.selectRow(index.row())
        return index.isValid()

    def selected(self) -> UserRow | None:
        index: QModelIndex = self.table.currentIndex()
        return self.proxy.row_at(index) if index.isValid() else None

    def _update_buttons(self) -> None:
        user = self.selected()
        none = self.tr("请先在列表中选中一个账号。")
        set_enabled_why(self.reset_button, user is not None and user.active,
                        none if user is None else self.tr("这个账号已停用：先启用，再重置密码。"))
        set_enabled_why(self.disable_button,
                        user is not None and user.active and user.login != self.ctx.actor.login,
                        none if user is None else self.tr("这个账号已停用。") if not user.active
                        else self.tr("不能停用自己正在使用的账号。"))

    # -- actions ----------------------------------------------------------------------------------

    def add_account(self) -> None:
        tree = roster.class_tree(self.ctx)
        self.dialog = AddAccountDialog(self.ctx, tree, self)
        self.dialog.accepted.connect(self._added)
        self.dialog.open()

    def _added(self) -> None:
        user = self.dialog.result_value if self.dialog else None
        if isinstance(user, UserRow):
            self.banner.show_success(self.tr("已新建账号 {login}。").format(login=user.login))
            self.reload(select_login=user.login)

    def reset_password(self) -> None:
        user = self.selected()
        if user is None or not user.active:
            return
        self.dialog = ResetPasswordDialog(self.ctx, user.login, user.display_name, self)
        self.dialog.accepted.connect(
            lambda: self.banner.show_success(self.tr("已重置 {login} 的密码。").format(login=user.login)))
        self.dialog.open()

    def disable_account(self) -> None:
        user = self.selected()
        if user is None or not user.active:
            return
        if not messages.question(self, self.tr("停用 {name}（{login}）的账号？停用后此人无法登录；以往记录会保留。"
                                         "其钥匙槽会从钥匙文件和所有旧副本中删除。")
                                 .format(name=user.display_name, login=user.login),
                                 yes=self.tr("停用"), no=self.tr("取消")):
            return
        ctx = self.ctx
        (BackgroundOp(self, lambda _task: accounts.deactivate(ctx, user.login), title=self.tr("正在停用…"),
                      cancellable=False)
         .success(lambda _r: (self.banner.show_success(self.tr("已停用 {login}。").format(login=user.login)),
                              self.reload(select_login=user.login),
                              self.offer_rotation(user.display_name)))
         .failure(self.banner.show_user_error)
         .run())

    def offer_rotation(self, disabled_name: str | None) -> None:
        """After a disable (and from the button): offer to rotate the database key."""
        self.dialog = RotateKeysDialog(self.ctx, self, disabled_name=disabled_name)
        dialog = self.dialog
        dialog.accepted.connect(lambda: self.banner.show_success(dialog.success_text()))
        dialog.open()


register_page(PageSpec("accounts", "账号管理", AccountsPage, order=80, permission="accounts.manage"))
