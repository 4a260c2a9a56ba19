"""The roster screens driven as a teacher would: import through the wizard (a bad file, then a good
one), filter by typing, open a student; and a homeroom teacher's window showing only their class."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWizard

from tests.ui.roster_files import GOOD_ROWS, bad_roster, good_roster
from ui.mainwindow import MainWindow
from ui.roster.import_wizard import ImportWizard
from ui.roster.page import RosterPage
from xadesk.services import audit, roster
from xadesk.services.accounts import RoleSpec, add_user
from xadesk.services.login import login

pytestmark = pytest.mark.gui

TEACHER_PASSWORD = "teacher-pass-1"


@pytest.fixture
def window(qtbot, admin_ctx, sync_ops) -> MainWindow:
    w = MainWindow(admin_ctx)
    qtbot.addWidget(w)
    w.resize(1180, 760)  # the offscreen "screen" is 800 × 600; school PCs are at least 1366 × 768
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w


def roster_page(w: MainWindow) -> RosterPage:
    page = w.pages["roster"]
    assert isinstance(page, RosterPage)
    return page


def open_wizard(qtbot, w: MainWindow) -> ImportWizard:
    QTest.keyClick(w, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)  # Ctrl+I
    wizard = roster_page(w).wizard
    assert isinstance(wizard, ImportWizard) and wizard.isVisible()
    return wizard


def choose_file(wizard: ImportWizard, path: Path) -> None:
    wizard.file_page.path_edit.setText(str(path))
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.next()


def table_names(page: RosterPage) -> list[str]:
    return sorted(row.name for row in page.proxy.visible_rows())


def test_admin_sees_roster_accounts_and_audit(window):
    # 班级包: an administrator exports roster-only class packs (issue 14).
    assert window.page_keys() == ["roster", "archive", "instruments", "classpack", "accounts", "audit"]
    assert [window.nav.item(i).text() for i in range(window.nav.count())] == ["学生名单", "成长档案", "量表库", "班级包",
                                                                         "账号管理", "审计日志"]
    assert window.import_action is not None


def test_bad_file_lists_every_problem_and_imports_nothing(qtbot, window, admin_ctx, tmp_path, screenshot):
    wizard = open_wizard(qtbot, window)
    choose_file(wizard, bad_roster(tmp_path))
    preview = wizard.preview_page
    assert wizard.currentPage() is preview
    lines = preview.problem_lines()
    assert any(line.startswith("第3行") and "校验位" in line for line in lines)
    assert any(line.startswith("第4行") and "不存在" in line for line in lines)
    assert any(line.startswith("第6行") and "班级" in line for line in lines)
    assert preview.problems.isVisible()
    assert preview.banner.kind() == "error" and "未导入" in preview.banner.text()
    # The import cannot be started from here.
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    screenshot(wizard, "import-preview-errors")
    assert roster.list_students(admin_ctx) == []
    assert roster.class_tree(admin_ctx) == []
    wizard.reject()


def test_good_file_after_a_bad_one(qtbot, window, admin_ctx, tmp_path, screenshot):
    page = roster_page(window)
    wizard = open_wizard(qtbot, window)
    choose_file(wizard, bad_roster(tmp_path))
    assert wizard.preview_page.problem_lines()

    wizard.back()  # the teacher fixes the file and checks again
    choose_file(wizard, good_roster(tmp_path))
    preview = wizard.preview_page
    assert preview.problem_lines() == [] and not preview.problems.isVisible()
    assert "新增 5" in preview.summary.text()
    assert "七年级(1)班" in preview.summary.text() and "八年级(2)班" in preview.summary.text()
    assert preview.changes_model.rowCount() == 5
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    assert commit.isEnabled() and commit.text() == "开始导入(&I)"
    screenshot(wizard, "import-preview-ok")
    assert roster.list_students(admin_ctx) == []  # the preview wrote nothing

    with qtbot.waitSignal(wizard.imported):
        wizard.next()
    assert wizard.currentPage() is wizard.import_page
    assert "新增 5" in wizard.import_page.result.text()
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    screenshot(wizard, "import-done")
    wizard.accept()

    # The page reloaded: students in the table, classes in the tree with their counts.
    assert table_names(page) == sorted(r[0] for r in GOOD_ROWS)
    labels = page.tree.labels()
    assert labels[0] == ("全校学生", 5)
    assert ("七年级", 3) in labels and ("七年级(1)班", 2) in labels and ("八年级(2)班", 2) in labels
    assert page.count_label.text() == "共 5 名学生"
    screenshot(window, "main-roster")


@pytest.fixture
def imported(admin_ctx, tmp_path):
    from xadesk.services.roster_import import import_roster

    import_roster(admin_ctx, good_roster(tmp_path))
    return admin_ctx


def test_filter_by_typing_and_by_tree(qtbot, imported, window, type_text):
    page = roster_page(window)
    assert len(table_names(page)) == 5
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # Ctrl+F
    assert page.filter_edit.hasFocus()
    type_text(page.filter_edit, "王")
    qtbot.waitUntil(lambda: table_names(page) == ["王雨桐"])
    assert page.count_label.text() == "显示 1 名 / 共 5 名学生"

    page.filter_edit.clear()
    qtbot.waitUntil(lambda: len(table_names(page)) == 5)
    type_text(page.filter_edit, "八年级")
    qtbot.waitUntil(lambda: table_names(page) == ["张子涵", "陈浩然"])

    page.filter_edit.clear()
    qtbot.waitUntil(lambda: len(table_names(page)) == 5)
    seven_two = next(c for g in roster.class_tree(imported) for c in g.classes if c.label == "七年级(2)班")
    from ui.roster.tree import Scope

    assert page.tree.select_scope(Scope("class", "J1", seven_two.id))
    assert table_names(page) == ["刘思远"]
    assert page.tree.select_scope(Scope("grade", "J1"))
    assert table_names(page) == sorted(["李明轩", "王雨桐", "刘思远"])


def test_open_student_shows_detail_and_is_audited(qtbot, imported, window, screenshot):
    from datetime import date

    student_id = next(r.id for r in roster.list_students(imported) if r.name == "张子涵")
    roster.set_tag(imported, student_id, "left_behind", True, day=date(2024, 9, 1))
    roster.set_tag(imported, student_id, "left_behind", False, day=date(2025, 3, 1))
    roster.set_tag(imported, student_id, "single_parent", True, day=date(2025, 3, 1))
    page = roster_page(window)
    page.reload()
    row = next(i for i in range(page.proxy.rowCount()) if page.proxy.row_at(i).name == "张子涵")
    page.table.setFocus()
    page.table.setCurrentIndex(page.proxy.index(row, 1))
    QTest.keyClick(page.table, Qt.Key.Key_Return)  # Enter opens, like a double-click
    dialog = page.detail_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.findChild(type(page.count_label), "studentName").text() == "张子涵"
    assert dialog.id_label.text() == GOOD_ROWS[2][4]
    assert dialog.tag_model.rowCount() == 2  # the history: one tag cleared, one still set
    screenshot(dialog, "student-detail")

    views = [e for e in audit.list_entries(imported) if e.action == "student.view"]
    assert len(views) == 1 and views[0].actor_login == "admin"
    assert views[0].student_no == GOOD_ROWS[2][3]
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.detail_dialog is None)


def test_double_click_opens_student(qtbot, imported, window):
    page = roster_page(window)
    index = page.proxy.index(0, 1)
    rect = page.table.visualRect(index)
    # Qt 6 item views take a double-click only on the item pressed just before, as a real mouse does.
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.detail_dialog is not None
    assert page.detail_dialog.detail.row.name == page.proxy.row_at(0).name


def test_homeroom_teacher_sees_only_their_class(qtbot, imported, db_path, sync_ops, screenshot):
    tree = roster.class_tree(imported)
    seven_one = next(c for g in tree for c in g.classes if c.label == "七年级(1)班")
    add_user(imported, "zhang", "张老师", [RoleSpec("homeroom", class_id=seven_one.id)], TEACHER_PASSWORD)
    ctx = login(db_path, "zhang", TEACHER_PASSWORD)
    try:
        w = MainWindow(ctx)
        qtbot.addWidget(w)
        w.resize(1180, 760)
        w.show()
        assert w.page_keys() == ["roster", "screening", "grid", "archive", "ratings"]  # no 账号管理/审计日志; 测评, 网格, 档案: their class; 班主任评定
        assert w.import_action is None
        page = roster_page(w)
        assert page.import_button is None
        assert page.tree.labels() == [("我负责的学生", 2), ("七年级", 2), ("七年级(1)班", 2)]
        assert table_names(page) == ["李明轩", "王雨桐"]
        assert "张老师" in w.user_label.text() and "班主任" in w.user_label.text()
        screenshot(w, "main-homeroom")
    finally:
        ctx.close()


def test_ten_thousand_students_filter(qtbot, window, type_text):
    """The page's model and filter with 10,000 rows: typing narrows, clearing restores."""
    from datetime import date

    from xadesk.services.roster import StudentRow

    page = roster_page(window)
    rows = [StudentRow(i, f"G61011320120101{i:04d}", f"学生{i:05d}", "M" if i % 2 else "F", date(2012, 1, 1),
                       "J1", "七年级", i % 30, f"七年级({i % 30 + 1})班", "enrolled", False, ())
            for i in range(10_000)]
    page.model.set_rows(rows)
    type_text(page.filter_edit, "学生0999")
    qtbot.waitUntil(lambda: page.proxy.rowCount() == 10)
    page.filter_edit.clear()
    qtbot.waitUntil(lambda: page.proxy.rowCount() == 10_000)


# --- the same wizard on the real worker thread: progress, cancel ---------------------------------

@pytest.fixture
def threaded_window(qtbot, admin_ctx) -> MainWindow:
    from ui import worker

    worker.set_synchronous(False)
    w = MainWindow(admin_ctx)
    qtbot.addWidget(w)
    w.show()
    page = roster_page(w)
    qtbot.waitUntil(lambda: page._load_op is not None and page._load_op.done)
    yield w
    worker.shutdown()


def test_import_on_the_worker_thread(qtbot, threaded_window, admin_ctx, tmp_path):
    page = roster_page(threaded_window)
    page.start_import()
    wizard = page.wizard
    choose_file(wizard, good_roster(tmp_path))
    preview = wizard.preview_page
    assert not preview.isComplete()  # the check runs in the background; 开始导入 waits for it
    qtbot.waitUntil(lambda: preview.plan is not None, timeout=10_000)
    qtbot.waitUntil(lambda: wizard.button(QWizard.WizardButton.CommitButton).isEnabled())
    with qtbot.waitSignal(wizard.imported, timeout=10_000):
        wizard.next()
    qtbot.waitUntil(lambda: len(table_names(page)) == 5, timeout=10_000)


def test_cancel_the_preview_of_a_large_file(qtbot, threaded_window, admin_ctx, tmp_path):
    from xadesk.domain.synthetic import bench_students, write_roster_xlsx

    big = write_roster_xlsx(tmp_path / "全校名单.xlsx", bench_students(3000))
    page = roster_page(threaded_window)
    page.start_import()
    wizard = page.wizard
    choose_file(wizard, big)
    preview = wizard.preview_page
    assert preview.panel.cancel_button.isVisible()
    qtbot.mouseClick(preview.panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: preview.op.done, timeout=20_000)
    assert preview.op.outcome == "cancelled"
    assert preview.banner.kind() == "info" and "已取消" in preview.banner.text()
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    assert roster.list_students(admin_ctx) == []
