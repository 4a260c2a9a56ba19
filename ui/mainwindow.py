"""The main window: a navigation list on the left, one page per area on the right, a status bar.

Pages come from a small registry instead of a chain of ifs: a page module calls
:func:`register_page` at import time, and the window shows every registered page the logged-in
person may use (``PageSpec.allowed``). Areas that do not exist yet are simply not registered, so
they are absent rather than greyed-out placeholders. A later issue adds an area by writing its page
module and naming it in :data:`PAGE_MODULES`.

A page is any QWidget; it may also offer

* ``focus_filter()`` — Ctrl+F puts the cursor in its filter box;
* ``refresh()`` — called when the page is shown again (data may have changed elsewhere);
* ``start_import()`` — the roster page's import wizard (Ctrl+I).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from xadesk.backup.service import auto_backup, auto_backup_due
from xadesk.integrity.pages import PageCheck, check_pages, damaged_message
from xadesk.services import roles
from xadesk.services.context import Actor, AppContext

from . import messages, worker
from .about import AboutDialog
from .accounts.dialogs import ChangeOwnPasswordDialog
from .backup.dialog import BackupDialog
from .i18n import tr
from .selftest_dialog import SelfTestDialog

PageFactory = Callable[[AppContext, QWidget], QWidget]


@dataclass(frozen=True)
class PageSpec:
    """One area of the app. ``permission`` None means everyone logged in may open it."""

    key: str
    title: str
    factory: PageFactory
    order: int = 100
    permission: str | None = None

    def allowed(self, actor: Actor) -> bool:
        return self.permission is None or actor.can(self.permission)


_REGISTRY: dict[str, PageSpec] = {}

# Modules whose import registers a page. Later areas (screening, grid, archive, reports) add theirs here.
PAGE_MODULES: list[str] = ["ui.roster.page", "ui.instruments.page", "ui.accounts.page", "ui.audit_page",
                         "ui.grid.page", "ui.screening.page", "ui.archive.page", "ui.classpack.page",
                         "ui.reports.page", "ui.classpack.rating_page"]


def register_page(spec: PageSpec) -> PageSpec:
    """Add (or replace, by key) an area of the main window."""
    _REGISTRY[spec.key] = spec
    return spec


def registered_pages() -> list[PageSpec]:
    for name in PAGE_MODULES:
        importlib.import_module(name)
    return sorted(_REGISTRY.values(), key=lambda spec: (spec.order, spec.key))


def describe_actor(actor: Actor) -> str:
    """"王老师（wang）· 班主任、年级组长" for the status bar."""
    labels = [roles.role_label(r) for r in roles.ROLES if r in actor.roles]
    return f"{actor.display_name}（{actor.login}）· {'、'.join(labels) or '—'}"


class MainWindow(QMainWindow):
    """The window a logged-in person works in. It owns no database state: ``ctx`` is the controller's."""

    lock_requested = Signal()
    quit_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("XA Desk · 学生心理健康工作台"))
        self._closing_for_lock = False
        self._auto_backup_done = False
        # Before any page loads: the first screen's job may be the first to read a damaged page.
        self.damage_label: QLabel | None = None
        worker.set_damage_handler(self._database_damaged)

        self.nav = QListWidget(self)
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName(self.tr("功能导航"))
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setSpacing(2)
        self.nav.setMinimumWidth(140)
        self.nav.setStyleSheet("QListWidget#navigation::item { padding-left: 10px; }")
        self.stack = QStackedWidget(self)
        self.pages: dict[str, QWidget] = {}  # built on first visit: a login does not load every area
        self._specs: list[PageSpec] = [spec for spec in registered_pages() if spec.allowed(ctx.actor)]
        self._keys: list[str] = [spec.key for spec in self._specs]
        for spec in self._specs:
            item = QListWidgetItem(tr("Pages", spec.title), self.nav)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setSizeHint(QSize(0, int(self.fontMetrics().height() * 2.4)))
        self.nav.currentRowChanged.connect(self._show_row)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.nav)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        nav_width = max(self.nav.sizeHintForColumn(0) + 40, self.fontMetrics().horizontalAdvance("审计日志审计") + 40)
        splitter.setSizes([nav_width, 1000])
        self.setCentralWidget(splitter)

        self.user_label = QLabel(describe_actor(ctx.actor), self)
        self.user_label.setObjectName("userLabel")
        self.statusBar().addPermanentWidget(self.user_label)
        self._build_menus()
        if self._keys:
            self.nav.setCurrentRow(0)
        self._initial_size()
        self.page_check_op: worker.BackgroundOp[PageCheck] | None = None
        if not ctx.db.pages_checked:
            # A large database was opened with the cheap check only: every page is checked now, on
            # the worker, while the person starts working (README: data safety).
            QTimer.singleShot(0, self._start_page_check)

    # -- the full page check after login ----------------------------------------------------------

    def _start_page_check(self) -> None:
        ctx = self.ctx
        self.statusBar().showMessage(self.tr("正在后台校验数据库文件…"))
        self.page_check_op = (worker.BackgroundOp(
            self, lambda task: check_pages(ctx, progress=task.progress_callback(), cancelled=task.cancel_callback()),
            title=self.tr("正在校验数据库文件…"), show_dialog=False)
            .success(self._page_check_done).on_cancel(lambda: None))
        self.page_check_op.run()

    def _page_check_done(self, result: PageCheck) -> None:
        self.statusBar().clearMessage()
        if result.ok:
            return
        self._show_damage(result.message())

    def _database_damaged(self, _parent: QWidget | None) -> None:
        """A screen's job read a damaged page (before or without the page check): the same box and mark."""
        self._show_damage(damaged_message(audited=False))

    def _show_damage(self, text: str) -> None:
        # Once per window: a damaged file read by the first screen and then by the page check is one
        # piece of news, not two boxes.
        if self.damage_label is not None:
            return
        self.damage_label = QLabel(self.tr("⚠ 数据库文件校验失败"), self)
        self.damage_label.setObjectName("damageLabel")
        self.damage_label.setStyleSheet("QLabel#damageLabel { color: white; background: #b00020; padding: 2px 8px;"
                                        " font-weight: bold; }")
        self.statusBar().insertPermanentWidget(0, self.damage_label)
        messages.error(self, text, title=self.tr("数据库文件校验失败"))

    def _initial_size(self) -> None:
        # 1180 × 760 on a 1366 × 768 screen at 100 %; never larger than the screen (1280 × 720 at 150 %).
        screen = self.screen().availableGeometry() if self.screen() else None
        width, height = 1180, 760
        if screen is not None:
            width, height = min(width, int(screen.width() * 0.95)), min(height, int(screen.height() * 0.92))
        self.resize(width, height)

    # -- menus and shortcuts ----------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("文件(&F)"))
        self.lock_action = QAction(self.tr("锁定(&L)"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setStatusTip(self.tr("离开座位时锁定，重新输入密码才能继续"))
        self.lock_action.triggered.connect(self.lock_requested.emit)
        file_menu.addAction(self.lock_action)
        self.password_action = QAction(self.tr("修改我的密码(&P)…"), self)
        self.password_action.triggered.connect(self.change_password)
        file_menu.addAction(self.password_action)
        self.backup_action: QAction | None = None
        if self.ctx.actor.can("backup.manage"):
            self.backup_action = QAction(self.tr("备份与还原(&B)…"), self)
            self.backup_action.triggered.connect(self.open_backup)
            file_menu.addAction(self.backup_action)
        file_menu.addSeparator()
        quit_action = QAction(self.tr("退出(&X)"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        edit_menu = self.menuBar().addMenu(self.tr("查找(&S)"))
        self.find_action = QAction(self.tr("筛选当前列表(&F)"), self)
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.triggered.connect(self.focus_filter)
        edit_menu.addAction(self.find_action)

        self.import_action: QAction | None = None
        if self.ctx.actor.can("roster.import") and "roster" in self._keys:
            roster_menu = self.menuBar().addMenu(self.tr("学生(&R)"))
            self.import_action = QAction(self.tr("导入学生名单(&I)…"), self)
            self.import_action.setShortcut(QKeySequence("Ctrl+I"))
            self.import_action.triggered.connect(self.start_import)
            roster_menu.addAction(self.import_action)

        go_menu = self.menuBar().addMenu(self.tr("转到(&G)"))
        for number, key in enumerate(self._keys, start=1):
            title = self.nav.item(number - 1).text()
            action = QAction(title, self)
            if number <= 9:
                action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _checked=False, k=key: self.show_page(k))
            go_menu.addAction(action)

        help_menu = self.menuBar().addMenu(self.tr("帮助(&H)"))
        self.selftest_action = QAction(self.tr("自检(&T)…"), self)
        self.selftest_action.setStatusTip(self.tr("用虚构学生检查本机安装是否完好，不碰本校数据"))
        self.selftest_action.triggered.connect(self.open_selftest)
        help_menu.addAction(self.selftest_action)
        self.about_action = QAction(self.tr("关于 XA Desk(&A)"), self)
        self.about_action.triggered.connect(self.open_about)
        help_menu.addAction(self.about_action)

    # -- navigation -------------------------------------------------------------------------------

    def page_keys(self) -> list[str]:
        return list(self._keys)

    def current_key(self) -> str | None:
        row = self.nav.currentRow()
        return self._keys[row] if 0 <= row < len(self._keys) else None

    def current_page(self) -> QWidget | None:
        key = self.current_key()
        return self.pages.get(key) if key else None

    def show_page(self, key: str) -> QWidget:
        self.nav.setCurrentRow(self._keys.index(key))
        return self.pages[key]

    def _show_row(self, row: int) -> None:
        if not 0 <= row < len(self._keys):
            return
        spec = self._specs[row]
        page = self.pages.get(spec.key)
        if page is None:
            page = spec.factory(self.ctx, self.stack)  # loads its data as it is built
            page.setObjectName(f"page_{spec.key}")
            self.pages[spec.key] = page
            self.stack.addWidget(page)
        else:
            # Coming back to a page: what it shows may have changed meanwhile (an import, a new account).
            refresh = getattr(page, "refresh", None)
            if callable(refresh):
                refresh()
        self.stack.setCurrentWidget(page)

    def focus_filter(self) -> None:
        page = self.current_page()
        focus = getattr(page, "focus_filter", None)
        if callable(focus):
            focus()

    def start_import(self) -> None:
        if "roster" not in self._keys or not self.ctx.actor.can("roster.import"):
            return
        page = self.show_page("roster")
        start = getattr(page, "start_import", None)
        if callable(start):
            start()

    def change_password(self) -> None:

        dialog = ChangeOwnPasswordDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: messages.notify(self, self.tr("密码已修改。下次登录请用新密码。")))
        dialog.open()

    def open_about(self) -> QDialog:
        dialog = AboutDialog(self.ctx.db.path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_selftest(self) -> QDialog:
        dialog = SelfTestDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_backup(self) -> QWidget:

        dialog = BackupDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.backup_dialog = dialog
        return dialog

    # -- closing ----------------------------------------------------------------------------------

    def _auto_backup_then_close(self) -> bool:
        """When a counselor or administrator closes the app: the day's backup first (at most one a
        day, only with a usable folder). Returns True when a backup was started (the close waits)."""


        if self._auto_backup_done:
            return False
        self._auto_backup_done = True
        try:
            due = auto_backup_due(self.ctx)
        except Exception:  # a backup check must never keep anyone from closing
            return False
        if not due:
            return False
        ctx = self.ctx
        self.auto_backup_op = (worker.BackgroundOp(self, lambda _t: auto_backup(ctx),
                                                   title=self.tr("正在自动备份（每天一次）…"), cancellable=False)
                               .failure(lambda exc: messages.warning(
                                   self, self.tr("今天的自动备份没有完成：{e}").format(e=exc.message)))
                               .always(lambda: QTimer.singleShot(0, self.close)))
        self.auto_backup_op.run()
        return True

    def close_for_lock(self) -> None:
        """Close without asking (the controller is locking or switching user)."""
        self._closing_for_lock = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.page_check_op is not None and not self.page_check_op.done:
            self.page_check_op.cancel()   # it changes nothing: closing need not wait or ask for it
        if not self._closing_for_lock:
            if [op for op in worker.active_ops() if op is not self.page_check_op] and not messages.question(
                    self, self.tr("还有操作正在进行。现在退出会取消它，已做的部分不会保存。确定退出吗？"),
                    yes=self.tr("退出"), no=self.tr("继续等待")):
                event.ignore()
                return
            if self._auto_backup_then_close():
                event.ignore()
                return
            self.quit_requested.emit()
        event.accept()
