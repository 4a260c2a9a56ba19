"""Disabling an account offers to rotate the database key; the dialog explains why, asks for the
recovery key, runs in the background and says what it did."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.test_accounts_screens import accounts_page, window  # noqa: F401  (the same main window)
from ui import messages
from ui.accounts.rotate import RotateKeysDialog
from xadesk.services import accounts
from xadesk.storage.database import opens_with

pytestmark = pytest.mark.gui


def _disable_li(qtbot, window, admin_ctx):  # noqa: F811
    accounts.add_user(admin_ctx, "li", "李老师", [accounts.RoleSpec("counselor")], "first-pass-1")
    page = accounts_page(window)
    assert page.select("li")
    messages.set_next_answer(True)
    qtbot.mouseClick(page.disable_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, RotateKeysDialog) and dialog.isVisible()
    return page, dialog


def test_disabling_offers_rotation_and_it_runs(qtbot, window, new_school, admin_ctx, db_path, screenshot):  # noqa: F811
    created, _ = new_school
    old_key = admin_ctx.db.key
    page, dialog = _disable_li(qtbot, window, admin_ctx)
    intro = dialog.findChild(type(dialog.reset_note), "rotateIntro").text()
    assert "李老师的账号已停用" in intro and "复制过钥匙文件" in intro and "打不开" in intro
    assert "其他老师照常用自己的密码登录" in dialog.findChild(type(dialog.reset_note), "rotateOthers").text()
    screenshot(dialog, "rotate-keys-offer")
    dialog.recovery_edit.setText(created.recovery_key)
    QTest.keyClick(dialog.recovery_edit, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert not opens_with(db_path, old_key) and opens_with(db_path, admin_ctx.db.key)
    assert "数据库密钥已更换" in page.banner.text()
    screenshot(window, "rotate-keys-done")
    page.reload()  # the page works on under the new key
    assert "li" in [u.login for u in page.model.rows()]


def test_a_wrong_recovery_key_keeps_the_dialog_open_and_changes_nothing(qtbot, window, admin_ctx, db_path,  # noqa: F811
                                                                         screenshot):
    old_key = admin_ctx.db.key
    _page, dialog = _disable_li(qtbot, window, admin_ctx)
    dialog.recovery_edit.setText("ABCD-EFGH-JKLM-NPQR-STUV-WXYZ")
    QTest.keyClick(dialog.recovery_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and "恢复密钥不正确" in dialog.banner.text()
    screenshot(dialog, "rotate-keys-wrong")
    assert admin_ctx.db.key == old_key and opens_with(db_path, old_key)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)  # 以后再说
    assert not dialog.isVisible()
    assert dialog.cancel_button.text() == "以后再说"
