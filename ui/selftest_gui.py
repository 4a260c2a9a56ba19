"""The self-test's GUI step (``xadesk selftest`` and 帮助 → 自检): the login window and the main
window with every page the administrator may open, rendered offscreen and closed again.

Added to the core's steps through the ``xadesk.selftest`` entry point, so the core never names Qt.
From the command line there is no QApplication yet: one is made on the offscreen platform, so the
step needs no display and shows nothing. Inside the running app the windows are built and rendered
without being shown, on the GUI thread (``gui_thread=True``).
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QCoreApplication, QEventLoop, QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from xadesk.i18n import msg
from xadesk.selftest import SelfTestState, Step

from .app import create_app
from .login import LoginDialog
from .mainwindow import MainWindow

LOGIN_TIMEOUT_S = 60.0


# What the offscreen platform says about itself: true, and meaningless to the IT teacher reading the
# self-test's report (it printed "This plugin does not support propagateSizeHints()" four times).
OFFSCREEN_NOTES = ("does not support propagateSizeHints",)


def _quiet_offscreen_notes(_mode: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    if not any(note in message for note in OFFSCREEN_NOTES):
        sys.stderr.write(message + "\n")


def _application() -> QApplication:
    if QApplication.instance() is None:
        # The command line: no window on anyone's screen. Read when the QApplication is made.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        qInstallMessageHandler(_quiet_offscreen_notes)
    return create_app(["xadesk-selftest"], install_excepthook=False)


def _wait(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)
    return True


def open_and_close(state: SelfTestState) -> str:
    app = _application()
    offscreen = app.platformName() == "offscreen"
    dialog = LoginDialog(state.db_path, login_name=state.admin_login)
    if offscreen:
        dialog.show()
    dialog.grab()
    dialog.password_edit.setText(state.password)
    dialog.submit()
    finished = _wait(lambda: dialog.context() is not None or not dialog.busy(), LOGIN_TIMEOUT_S)
    ctx = dialog.context()
    dialog.hide()
    dialog.deleteLater()
    assert finished and ctx is not None, msg("登录窗口没有完成登录", "the login window did not log in")
    try:
        window = MainWindow(ctx)
        if offscreen:
            window.show()
        pages = window.page_keys()
        for key in pages:
            window.show_page(key)
            QCoreApplication.processEvents()
        image = window.grab()
        assert not image.isNull(), msg("主窗口无法绘制", "the main window could not be drawn")
        window.close_for_lock()
        window.deleteLater()
        QCoreApplication.processEvents()
    finally:
        ctx.close()
    return msg(f"登录窗口和主窗口（{len(pages)} 个页面）已打开并关闭（{app.platformName()}）",
               f"login window and main window ({len(pages)} pages) opened and closed ({app.platformName()})")


def steps() -> list[Step]:
    return [Step("gui", msg("打开并关闭界面", "open and close the GUI"), open_and_close, gui_thread=True)]
