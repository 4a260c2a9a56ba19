"""Logging in through the real dialog, first run, and locking — driven with pytest-qt, offscreen."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLabel

from ui.login import LoginDialog
from ui.main import AppController
from xadesk.services.login import create_school

pytestmark = pytest.mark.gui

PASSWORD = "admin-pass-123"


@pytest.fixture
def school(tmp_path: Path) -> Path:
    path = tmp_path / "school.xadesk"
    create_school(path, "西安市示例中学", "admin", PASSWORD, "王管理")
    return path


def _dialog(qtbot, school: Path, **kwargs) -> LoginDialog:
    dialog = LoginDialog(school, **kwargs)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    return dialog


def test_right_password_logs_in(qtbot, school, sync_ops, screenshot):
    dialog = _dialog(qtbot, school)
    screenshot(dialog, "login")
    qtbot.keyClicks(dialog.login_edit, "admin")
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.logged_in) as blocker:
        qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    ctx = blocker.args[0]
    try:
        assert ctx.actor.login == "admin"
        assert dialog.context() is ctx
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert dialog.password_edit.text() == ""  # the password does not linger in the widget
    finally:
        ctx.close()


def test_wrong_password_shows_chinese_message_and_stays(qtbot, school, sync_ops, screenshot):
    dialog = _dialog(qtbot, school, login_name="admin")
    qtbot.waitUntil(dialog.password_edit.hasFocus, timeout=1000)  # login filled in: cursor in the password
    qtbot.keyClicks(dialog.password_edit, "not-the-password")
    QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)  # Enter submits
    assert dialog.banner.isVisible()
    assert dialog.banner.kind() == "error"
    assert "用户名或密码错误" in dialog.banner.text()
    assert dialog.isVisible() and dialog.context() is None
    assert dialog.password_edit.text() == "" and dialog.password_edit.hasFocus()
    screenshot(dialog, "login-wrong-password")

    # The next try with the right password works from the same dialog.
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.logged_in) as blocker:
        QTest.keyClick(dialog.password_edit, Qt.Key.Key_Enter)
    blocker.args[0].close()


def test_empty_fields_are_explained_not_sent(qtbot, school, sync_ops):
    dialog = _dialog(qtbot, school)
    dialog.submit()
    assert "请填写登录名" in dialog.banner.text()
    qtbot.keyClicks(dialog.login_edit, "admin")
    dialog.submit()
    assert "请填写密码" in dialog.banner.text()


def test_missing_or_foreign_file_is_explained(qtbot, tmp_path, sync_ops):
    foreign = tmp_path / "notes.xadesk"
    foreign.write_bytes(b"this is not a database at all" * 100)
    dialog = _dialog(qtbot, foreign, login_name="admin")
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    dialog.submit()
    assert dialog.banner.kind() == "error"
    assert dialog.banner.text()  # a Chinese message from the core, not a traceback
    assert any("\u4e00" <= c <= "\u9fff" for c in dialog.banner.text())
    assert dialog.isVisible()


def test_escape_cancels(qtbot, school):
    dialog = _dialog(qtbot, school)
    with qtbot.waitSignal(dialog.rejected):
        QTest.keyClick(dialog, Qt.Key.Key_Escape)


def test_tab_order_and_mnemonics(qtbot, school):
    dialog = _dialog(qtbot, school)
    qtbot.waitUntil(dialog.login_edit.hasFocus, timeout=1000)
    assert dialog.login_edit.nextInFocusChain() is dialog.password_edit
    labels = [w.text() for w in dialog.findChildren(QLabel) if "&" in w.text()]
    assert "登录名(&U)：" in labels and "密码(&P)：" in labels


# --- the controller: first run, login, lock -------------------------------------------------------

def _login_through(qtbot, controller: AppController, password: str = PASSWORD) -> None:
    dialog = controller.login_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.password_edit.setText(password)
    if not dialog.login_edit.text():
        dialog.login_edit.setText("admin")
    dialog.submit()
    qtbot.waitUntil(lambda: controller.main_window is not None and controller.main_window.isVisible())
    with qtbot.waitActive(controller.main_window):  # shortcuts reach the active window only
        controller.main_window.activateWindow()


def test_controller_logs_in_and_locks(qtbot, school, sync_ops):
    controller = AppController(school)
    controller.start()
    _login_through(qtbot, controller)
    window = controller.main_window
    assert "王管理" in window.user_label.text() and "管理员" in window.user_label.text()
    # The session's long-lived objects are kept out of the collector's full passes (no GC pauses in
    # the middle of a screen), and handed back at lock so the closed session's objects can be freed.
    assert gc.get_freeze_count() > 10_000

    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: controller.login_dialog is not None and controller.login_dialog.isVisible())
    assert controller.main_window is None and controller.ctx is None  # the database is closed
    assert gc.get_freeze_count() == 0
    assert controller.login_dialog.login_edit.text() == "admin"
    assert "锁定" in controller.login_dialog.windowTitle()

    _login_through(qtbot, controller)
    assert controller.ctx is not None
    controller.quit()


def test_idle_locks_after_the_timeout(qtbot, school, sync_ops):
    controller = AppController(school, idle_seconds=0.2)
    controller.start()
    _login_through(qtbot, controller)
    qtbot.waitUntil(lambda: controller.main_window is None and controller.login_dialog is not None, timeout=5000)
    assert controller.ctx is None
    controller.quit()


def test_first_run_creates_a_school_and_shows_the_recovery_key_once(qtbot, tmp_path, sync_ops, screenshot,
                                                                   type_text):
    from ui.firstrun import FirstRunDialog, NewSchoolDialog, RecoveryKeyDialog

    path = tmp_path / "new" / "school.xadesk"
    controller = AppController(path)
    controller.start()
    first = controller.dialog
    assert isinstance(first, FirstRunDialog)
    screenshot(first, "first-run")
    qtbot.mouseClick(first.new_button, Qt.MouseButton.LeftButton)

    form = controller.dialog
    assert isinstance(form, NewSchoolDialog)
    type_text(form.school_edit, "西安市第九十九中学")
    type_text(form.admin_name_edit, "赵老师")
    form.password_edit.setText("short")
    form.confirm_edit.setText("short")
    form.submit()
    assert "至少需要 8 个字符" in form.banner.text() and not path.exists()
    form.password_edit.setText(PASSWORD)
    form.confirm_edit.setText(PASSWORD + "x")
    form.submit()
    assert "不一致" in form.banner.text() and not path.exists()
    form.confirm_edit.setText(PASSWORD)
    form.submit()
    assert path.exists()

    keys = controller.dialog
    assert isinstance(keys, RecoveryKeyDialog)
    screenshot(keys, "recovery-key")
    assert keys.key_label.textInteractionFlags() == Qt.TextInteractionFlag.NoTextInteraction
    assert not keys.continue_button.isEnabled()
    QTest.keyClick(keys, Qt.Key.Key_Escape)
    assert keys.isVisible()  # Esc cannot skip the only showing of the key
    keys.confirm.setChecked(True)
    qtbot.mouseClick(keys.continue_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: controller.main_window is not None)
    assert controller.ctx.actor.display_name == "赵老师"
    controller.quit()


def test_first_run_quit(qtbot, tmp_path):
    controller = AppController(tmp_path / "school.xadesk")
    with qtbot.waitSignal(controller.finished):
        controller.start()
        controller.dialog.reject()
    assert not (tmp_path / "school.xadesk").exists()


def test_demo_school_is_built_then_login_offers_the_demo_account(qtbot, tmp_path, sync_ops, screenshot):
    from xadesk.demo import DEMO_PASSWORD

    path = tmp_path / "demo.xadesk"
    controller = AppController(path, demo=True)
    controller.start()
    assert path.exists()
    dialog = controller.login_dialog
    from ui import messages
    assert dialog is not None, messages.shown
    assert dialog.login_edit.text() == "admin"
    hint = dialog.findChild(QLabel, "loginHint")
    assert hint is not None and DEMO_PASSWORD in hint.text()
    screenshot(dialog, "login-demo")
    _login_through(qtbot, controller, DEMO_PASSWORD)
    page = controller.main_window.pages["roster"]
    assert page.model.rowCount() > 1000
    assert page.count_label.text() == f"共 {page.model.rowCount()} 名学生"
    controller.quit()


def test_run_gui_returns_when_the_login_is_cancelled(qtbot, school, qapp):
    from PySide6.QtCore import QTimer

    from ui.main import run_gui

    before = set(qapp.topLevelWidgets())

    def cancel_login() -> None:
        dialog = next((w for w in qapp.topLevelWidgets()
                       if isinstance(w, LoginDialog) and w.isVisible() and w not in before), None)
        if dialog is None:
            QTimer.singleShot(20, cancel_login)
            return
        dialog.reject()

    QTimer.singleShot(20, cancel_login)
    try:
        assert run_gui(school) == 0
    finally:
        qapp.setQuitOnLastWindowClosed(True)


def test_reset_password_is_changed_at_next_login(qtbot, school, sync_ops):
    from ui import messages
    from ui.accounts.dialogs import ChangeOwnPasswordDialog
    from xadesk.services import accounts, roles
    from xadesk.services.login import login

    ctx = login(school, "admin", PASSWORD)
    accounts.add_user(ctx, "li", "李老师", [accounts.RoleSpec(roles.COUNSELOR)], "set-by-admin-1")
    ctx.close()
    controller = AppController(school)
    controller.start()
    controller.login_dialog.login_edit.setText("li")
    _login_through(qtbot, controller, "set-by-admin-1")
    assert any("管理员设置" in text for _kind, _title, text in messages.shown)
    qtbot.waitUntil(lambda: bool(controller.main_window.findChildren(ChangeOwnPasswordDialog)))
    dialog = controller.main_window.findChildren(ChangeOwnPasswordDialog)[0]
    dialog.old_edit.setText("set-by-admin-1")
    dialog.password_edit.setText("only-mine-123")
    dialog.confirm_edit.setText("only-mine-123")
    dialog.submit()
    controller.quit()
    again = login(school, "li", "only-mine-123")
    try:
        assert not again.actor.must_change_password
    finally:
        again.close()
