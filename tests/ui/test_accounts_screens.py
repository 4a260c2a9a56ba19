"""Account management and the audit page, driven through the real widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.conftest import ADMIN_PASSWORD
from tests.ui.roster_files import good_roster
from ui import messages
from ui.accounts.dialogs import AddAccountDialog, ChangeOwnPasswordDialog, ResetPasswordDialog
from ui.accounts.page import AccountsPage
from ui.audit_page import AuditPage
from ui.mainwindow import MainWindow
from xadesk.errors import WrongPassword
from xadesk.services import accounts, audit
from xadesk.services.login import login
from xadesk.services.roster_import import import_roster

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, admin_ctx, tmp_path, sync_ops) -> MainWindow:
    import_roster(admin_ctx, good_roster(tmp_path))  # classes to choose from
    w = MainWindow(admin_ctx)
    qtbot.addWidget(w)
    w.resize(1180, 760)  # the offscreen "screen" is 800 × 600; school PCs are at least 1366 × 768
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w


def accounts_page(w: MainWindow) -> AccountsPage:
    page = w.show_page("accounts")
    assert isinstance(page, AccountsPage)
    return page


def tick(lst, text: str) -> None:
    item = next(lst.item(i) for i in range(lst.count()) if lst.item(i).text() == text)
    item.setCheckState(Qt.CheckState.Checked)


def logins(page: AccountsPage) -> list[str]:
    return [u.login for u in page.model.rows()]


def test_add_homeroom_teacher(qtbot, window, admin_ctx, db_path, screenshot, type_text):
    page = accounts_page(window)
    assert logins(page) == ["admin"]
    screenshot(window, "main-accounts")
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, AddAccountDialog) and dialog.isVisible()

    qtbot.keyClicks(dialog.login_edit, "zhang")
    type_text(dialog.name_edit, "张老师")
    dialog.password_edit.setText("teacher-pass-1")
    dialog.confirm_edit.setText("teacher-pass-1")
    dialog.roles.set_role("homeroom")
    assert dialog.roles.class_list.isEnabled() and not dialog.roles.grade_list.isEnabled()
    # A homeroom teacher without a class is refused by the core, shown in the dialog, nothing saved.
    dialog.submit()
    assert dialog.isVisible() and "班主任需要指定" in dialog.banner.text()
    tick(dialog.roles.class_list, "七年级(1)班")
    screenshot(dialog, "add-account")
    dialog.submit()
    assert not dialog.isVisible()

    assert logins(page) == ["admin", "zhang"]
    row = next(u for u in page.model.rows() if u.login == "zhang")
    assert row.roles == ("班主任 七年级(1)班",)
    assert page.selected().login == "zhang"
    assert "已新建账号 zhang" in page.banner.text()
    ctx = login(db_path, "zhang", "teacher-pass-1")
    ctx.close()


def test_duplicate_login_and_mismatched_passwords_are_refused(qtbot, window):
    page = accounts_page(window)
    page.add_account()
    dialog = page.dialog
    qtbot.keyClicks(dialog.login_edit, "admin")
    dialog.password_edit.setText("another-pass-1")
    dialog.confirm_edit.setText("another-pass-2")
    dialog.roles.set_role("counselor")
    dialog.submit()
    assert "不一致" in dialog.banner.text()
    dialog.confirm_edit.setText("another-pass-1")
    dialog.submit()
    assert "已被使用" in dialog.banner.text() and dialog.isVisible()
    assert logins(page) == ["admin"]


def test_reset_password_and_disable(qtbot, window, admin_ctx, db_path):
    accounts.add_user(admin_ctx, "li", "李老师", [accounts.RoleSpec("counselor")], "first-pass-1")
    page = accounts_page(window)
    assert page.select("li")
    qtbot.mouseClick(page.reset_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, ResetPasswordDialog)
    dialog.password_edit.setText("second-pass-2")
    dialog.confirm_edit.setText("second-pass-2")
    QTest.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    login(db_path, "li", "second-pass-2").close()

    # Admins cannot disable themselves; the button says so by being disabled.
    assert page.select("admin") and not page.disable_button.isEnabled()
    assert page.select("li") and page.disable_button.isEnabled()
    messages.set_next_answer(False)
    page.disable_account()
    assert next(u for u in page.model.rows() if u.login == "li").active
    messages.set_next_answer(True)
    qtbot.mouseClick(page.disable_button, Qt.MouseButton.LeftButton)
    assert not next(u for u in page.model.rows() if u.login == "li").active
    assert not page.reset_button.isEnabled()
    with pytest.raises(WrongPassword):
        login(db_path, "li", "second-pass-2")


def test_change_own_password(qtbot, window, db_path):
    window.password_action.trigger()
    dialog = window.findChild(ChangeOwnPasswordDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.old_edit.setText("wrong-old-pass")
    dialog.password_edit.setText("brand-new-pass")
    dialog.confirm_edit.setText("brand-new-pass")
    dialog.submit()
    assert dialog.isVisible() and dialog.banner.kind() == "error"
    dialog.old_edit.setText(ADMIN_PASSWORD)
    dialog.submit()
    assert not dialog.isVisible()
    login(db_path, "admin", "brand-new-pass").close()


def test_audit_page_lists_entries_and_verifies(qtbot, window, admin_ctx, screenshot):
    page = window.show_page("audit")
    assert isinstance(page, AuditPage)
    page.reload()
    actions = [row.action for row in page.model.rows()]
    assert "roster.import" in actions and "login" in actions
    assert page.model.rows()[0].seq > page.model.rows()[-1].seq  # newest first
    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    assert page.last_result is not None and page.last_result.ok
    assert page.banner.kind() == "success" and "没有发现改动" in page.banner.text()
    assert page.last_result.count == len(audit.list_entries(admin_ctx, limit=None))
    screenshot(window, "main-audit")


def test_add_account_says_how_a_new_counselor_gets_the_counselling_key(window, qtbot, screenshot, tmp_path):
    page = accounts_page(window)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert not dialog.counselling_note.isVisible()
    dialog.roles.set_role("counselor")
    assert dialog.counselling_note.isVisible() and "恢复密钥" in dialog.counselling_note.text()
    dialog.grab().save(str(tmp_path / "add-counselor.png"))
    screenshot(dialog, "add-account-counselor")
    dialog.reject()
