"""Starting the desktop app: first run (new school or demo) → login → main window ⇄ locked.

:class:`AppController` walks these states with non-blocking dialogs (``open()``, signals), so the
same code runs under ``app.exec()`` and under pytest-qt. Locking — by Ctrl+L or after
:data:`IDLE_LOCK_MINUTES` without input — closes the main window *and the database* (the key leaves
memory with it) and shows the login dialog again; the next login opens a fresh main window for
whoever logged in.
"""

from __future__ import annotations

import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog

from xadesk import runtime
from xadesk.services.context import AppContext

from . import messages, worker
from .app import create_app
from .backup.greeting import greet as greet_safety
from .classpack.teacher import PackOpenDialog, TeacherWindow
from .firstrun import (
    FIRST_CLASSPACK,
    FIRST_DEMO,
    FIRST_NEW,
    FirstRunDialog,
    NewSchoolDialog,
    RecoveryKeyDialog,
)
from .grid.greeting import greet
from .idle import InactivityTimer
from .login import LoginDialog
from .mainwindow import MainWindow

IDLE_LOCK_MINUTES = 10
# Waiting for a running job to notice its cancel flag before the database closes under it.
LOCK_WAIT_MS = 10_000


def demo_password() -> str:
    """``XADESK_PASSWORD`` when set (as for ``xadesk demo``), else the documented demo password."""
    # lazy import: start-up speed (the demo builder loads the whole synthetic school; first run only)
    from xadesk.demo import DEMO_PASSWORD

    return os.environ.get("XADESK_PASSWORD") or DEMO_PASSWORD


class AppController(QObject):
    """Owns the unlocked :class:`AppContext` and the window showing it. ``finished(code)`` ends the app."""

    finished = Signal(int)

    def __init__(self, db_path: Path, *, demo: bool = False, idle_seconds: float = IDLE_LOCK_MINUTES * 60,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.demo = demo
        self.ctx: AppContext | None = None
        self.main_window: MainWindow | None = None
        self.teacher_window: TeacherWindow | None = None  # teacher mode: a class pack, no database
        self.login_dialog: LoginDialog | None = None
        self.dialog: QDialog | None = None  # the first-run dialog currently up, if any
        self.demo_op: worker.BackgroundOp | None = None
        self._last_login = ""
        self._locking = False
        self._done = False
        self.idle = InactivityTimer(self)
        self.idle_seconds = idle_seconds
        self.idle.idle.connect(self._idle)

    # -- start ------------------------------------------------------------------------------------

    def start(self) -> None:
        if self.db_path.exists():
            self.show_login(hint=self._demo_hint() if self.demo else None,
                            login_name="admin" if self.demo else "")
        elif self.demo:
            self.build_demo()
        else:
            self.first_run()

    def first_run(self) -> None:
        dialog = FirstRunDialog(self.db_path)
        dialog.finished.connect(self._first_run_chosen)
        self._show_dialog(dialog)

    def _first_run_chosen(self, result: int) -> None:
        if result == FIRST_NEW:
            self.new_school()
        elif result == FIRST_DEMO:
            self.build_demo()
        elif result == FIRST_CLASSPACK:
            self.open_class_pack()
        else:
            self.quit()

    def open_class_pack(self) -> None:
        """Teacher mode: no database here, one class pack (like ``xadesk lab`` opens a kit)."""
        dialog = PackOpenDialog()
        dialog.accepted.connect(lambda: self._show_teacher_window(dialog.pack))
        dialog.rejected.connect(self.first_run)
        self._show_dialog(dialog)

    def _show_teacher_window(self, pack) -> None:
        self.teacher_window = TeacherWindow(pack)
        self.teacher_window.destroyed.connect(lambda: self.quit())
        self.teacher_window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.teacher_window.show()

    def new_school(self) -> None:
        dialog = NewSchoolDialog(self.db_path)
        dialog.accepted.connect(lambda: self._school_created(dialog))
        dialog.rejected.connect(self.first_run)
        self._show_dialog(dialog)

    def _school_created(self, form: NewSchoolDialog) -> None:
        assert form.created is not None
        login, password = form.credentials()
        key_dialog = RecoveryKeyDialog(form.created.recovery_key, school=form.school_edit.text().strip())
        key_dialog.accepted.connect(lambda: self._login_after_create(login, password))
        self._show_dialog(key_dialog)

    def _login_after_create(self, login: str, password: str) -> None:
        # They just chose this password; asking for it again at once would only be in the way.
        dialog = LoginDialog(self.db_path, login_name=login)
        self._wire_login(dialog)
        dialog.open()  # stays up (with the reason in its banner) if this somehow fails
        dialog.password_edit.setText(password)
        dialog.submit()

    def build_demo(self) -> None:
        # lazy import: start-up speed (first run only, see demo_password)
        from xadesk.demo import build_demo

        path, password = self.db_path, demo_password()
        self.demo_op = (worker.BackgroundOp(
                            None, lambda task: build_demo(path, password, progress=task.progress_callback()),
                            title="正在生成示例学校（约 1200 名虚构学生）…", cancellable=False)
                        .success(lambda _result: self.show_login(login_name="admin", hint=self._demo_hint()))
                        .failure(self._demo_failed))
        self.demo_op.run()

    def _demo_failed(self, exc) -> None:
        messages.user_error(None, exc)
        self.quit(1)

    def _demo_hint(self) -> str:
        try:
            password = demo_password()
        except ImportError:
            return ""
        return f"示例学校：管理员登录名 admin，密码 {password}。其他示例账号见 README。"

    # -- login and lock ---------------------------------------------------------------------------

    def show_login(self, *, login_name: str = "", locked: bool = False, hint: str | None = None) -> LoginDialog:
        dialog = LoginDialog(self.db_path, login_name=login_name, locked=locked, hint=hint or None)
        self._wire_login(dialog)
        dialog.open()
        return dialog

    def _wire_login(self, dialog: LoginDialog) -> None:
        self.login_dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.logged_in.connect(self.open_main)
        dialog.rejected.connect(self.quit)

    def open_main(self, ctx: AppContext) -> MainWindow:
        self.ctx = ctx
        self._last_login = ctx.actor.login
        self.login_dialog = None
        window = MainWindow(ctx)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.lock_requested.connect(self.lock)
        window.quit_requested.connect(self.quit)
        self.main_window = window
        window.show()
        greet(window)  # overdue follow-ups and approvals waiting, as a banner (nothing when none)
        greet_safety(window)  # key-file damage, a rolled-back database, failed logins, stale backups
        if ctx.actor.must_change_password:
            # An administrator set this password (a reset or a new account): ask for the person's own.
            messages.information(window, self.tr("您的密码是管理员设置的。为了安全，请现在改成只有您自己知道的密码。"),
                                 self.tr("请修改密码"))
            window.change_password()
        self.idle.activate(self.idle_seconds)
        runtime.settle_session()
        return window

    def _idle(self) -> None:
        if worker.active_ops():
            self.idle.poke()  # a teacher watching a long import is not away; lock when it is over
            return
        self.lock()

    def lock(self) -> None:
        """Close the main window and the database, then ask for a password again."""
        if self._locking or self.main_window is None:
            return
        self._locking = True
        self.idle.deactivate()
        for op in worker.active_ops():
            op.cancel()
        # Modal boxes run nested event loops; close them and tear down once those loops have returned.
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible() and widget is not self.login_dialog:
                widget.done(QDialog.DialogCode.Rejected)
        QTimer.singleShot(0, self._finish_lock)

    def _finish_lock(self) -> None:
        worker.shutdown(LOCK_WAIT_MS)
        window, self.main_window = self.main_window, None
        if window is not None:
            window.close_for_lock()
        self._close_ctx()
        runtime.release_session()
        self._locking = False
        if not self._done:
            self.show_login(login_name=self._last_login, locked=True)

    # -- end --------------------------------------------------------------------------------------

    def _show_dialog(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _close_ctx(self) -> None:
        ctx, self.ctx = self.ctx, None
        if ctx is not None:
            ctx.close()

    def quit(self, code: int = 0) -> None:
        if self._done:
            return
        self._done = True
        self.idle.deactivate()
        worker.shutdown(LOCK_WAIT_MS)
        window, self.main_window = self.main_window, None
        if window is not None:
            window.close_for_lock()
        self._close_ctx()
        runtime.release_session()
        for dialog in (self.login_dialog, self.dialog):
            if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
                dialog.hide()  # hide, not reject: rejecting would call quit() again
        self.finished.emit(code)


def run_gui(db_path: Path, demo: bool = False) -> int:
    """Open the desktop app on ``db_path``; returns the process exit code."""
    app = create_app()
    # The controller decides when the app ends: between the login dialog closing and the main window
    # opening there is a moment without windows, which must not quit the app.
    app.setQuitOnLastWindowClosed(False)
    controller = AppController(Path(db_path), demo=demo)
    controller.finished.connect(app.exit)
    QTimer.singleShot(0, controller.start)
    return app.exec()
