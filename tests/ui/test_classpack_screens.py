"""Teacher mode and the counselor's import, driven through the real widgets: a teacher opens a
class pack, logs an observation in two clicks, records a home visit, makes the return; the
counselor previews it and imports it (four records by the teacher, once)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from tests.classpack.conftest import PASS, j1_1, pack, rating_campaign, staff  # noqa: F401  (fixtures)
from tests.services.conftest import small_school  # noqa: F401  (fixture)
from xadesk.services.records import list_records

SHOTS = Path(os.environ.get("XADESK_SHOTS_DIR", "/work/wt/shots/i14"))


def _shot(widget, name: str) -> None:
    if os.environ.get("XADESK_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / f"{name}.png"))


def test_teacher_mode_round_trip_and_counselor_import(qtbot, sync_ops, staff, pack, tmp_path, monkeypatch):  # noqa: F811
    from ui.classpack import page as P
    from ui.classpack.forms import HomeVisitDialog
    from ui.classpack.teacher import PackOpenDialog, ReturnDialog, TeacherWindow

    dialog = PackOpenDialog()
    qtbot.addWidget(dialog)
    dialog.file_edit.setText(str(pack))
    dialog.passphrase_edit.setText("WRONG-PASS-123")
    dialog.open_pack()
    assert "口令不正确" in dialog.banner.text() and dialog.pack is None
    dialog.passphrase_edit.setText(PASS)
    dialog.open_pack()
    assert dialog.pack is not None

    win = TeacherWindow(dialog.pack)
    qtbot.addWidget(win)
    win.show()
    assert win.table.rowCount() == 2                     # only their class
    assert not win.category_buttons["mood"].isEnabled()  # no student chosen yet
    # Click 1: the student. Type what was seen. Click 2: the category — saved.
    rect = win.table.visualItemRect(win.table.item(0, 0))
    qtbot.mouseClick(win.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    win.obs_text.setText("课间一个人坐着，不愿说话")
    qtbot.mouseClick(win.category_buttons["mood"], Qt.MouseButton.LeftButton)
    assert len(win.pack.unreturned()) == 1 and "已保存" in win.banner.text()
    assert win.entries.rowCount() == 1 and win.obs_text.text() == ""
    for text, cat in (("作业没交", "study"), ("和同桌吵架", "peer")):
        win.obs_text.setText(text)
        qtbot.mouseClick(win.category_buttons[cat], Qt.MouseButton.LeftButton)
    # An empty observation is refused in the banner, nothing saved.
    qtbot.mouseClick(win.category_buttons["mood"], Qt.MouseButton.LeftButton)
    assert "请填写观察内容" in win.banner.text() and len(win.pack.unreturned()) == 3
    _shot(win, "teacher_main_window")

    visit = HomeVisitDialog(win.pack, win.selected_student(), win)
    qtbot.addWidget(visit)
    assert visit.findChild(QLabel, "urgentLine") is not None
    visit.present.setText("母亲")
    visit.findings.setPlainText("父亲外出务工，母亲照看两个孩子")
    visit.family["left_behind"].setChecked(True)
    _shot(visit, "teacher_home_visit_form")
    visit._save()
    assert visit.entry is not None
    win._saved(visit.entry)
    assert len(win.pack.unreturned()) == 4

    ret_path = tmp_path / "交回.xadx"
    rd = ReturnDialog(win.pack, win)
    qtbot.addWidget(rd)
    rd.path_edit.setText(str(ret_path))
    _shot(rd, "teacher_return_dialog")
    rd.write()
    assert rd.written == ret_path and ret_path.exists() and "4 条记录" in rd.banner.text()

    # The counselor's side: preview, then import; the second import changes nothing.
    pg = P.ClassPackPage(staff.counselor)
    qtbot.addWidget(pg)
    pg.resize(1100, 760)
    pg.return_passphrase.setText(PASS)
    monkeypatch.setattr(P, "ask_open_path", lambda *a: str(ret_path))
    pg.choose_return()
    assert pg.preview is not None and pg.preview.dry_run and pg.lines.count() == 4
    assert pg.import_button.isEnabled() and "预览" in pg.summary.text()
    _shot(pg, "counselor_import_preview")
    pg.do_import()
    assert "新增 4 条" in pg.banner.text()
    pg.choose_return()
    assert "已经导入过" in pg.summary.text() and not pg.import_button.isEnabled()
    sid = staff.ids["林一鸣"]
    rows = [r for r in list_records(staff.counselor, sid) if r.author_name == "班主任甲"]
    assert len(rows) == 4


def test_urgent_button_and_fixed_line(qtbot, staff, pack):  # noqa: F811
    from ui.classpack.forms import FollowUpDialog, UrgentDialog
    from ui.classpack.teacher import TeacherWindow
    from xadesk.classpack.teacher import TeacherPack

    tp = TeacherPack.open(pack, PASS)
    win = TeacherWindow(tp)
    qtbot.addWidget(win)
    assert win.urgent_button.text().startswith("紧急情况")
    urgent = UrgentDialog(tp, win)
    qtbot.addWidget(urgent)
    urgent.show()
    assert urgent.height() >= urgent.sizeHint().height()         # no wrapped line cut off
    _shot(urgent, "teacher_urgent_dialog")
    assert "心理老师" in " ".join(lbl.text() for lbl in urgent.findChildren(QLabel))
    fu = FollowUpDialog(tp, tp.student_key("林一鸣"), win)
    qtbot.addWidget(fu)
    lines = [lbl for lbl in fu.findChildren(QLabel) if lbl.objectName() == "urgentLine"]
    assert lines and "立即电话联系心理老师" in lines[0].text()
    _shot(fu, "teacher_follow_up_form")


def test_teacher_rates_a_student_in_teacher_mode(qtbot, staff, j1_1, rating_campaign, tmp_path):  # noqa: F811
    from ui.classpack.forms import RatingDialog
    from ui.classpack.teacher import TeacherWindow
    from xadesk.classpack.export import export_pack
    from xadesk.classpack.teacher import TeacherPack

    p = tmp_path / "p.xadx"
    export_pack(staff.counselor, j1_1, p, PASS)
    win = TeacherWindow(TeacherPack.open(p, PASS))
    qtbot.addWidget(win)
    win.show()
    assert not win.rate_button.isHidden()
    win.select_student(win.pack.student_key("林一鸣"))
    assert win.rate_button.isEnabled() and "林一鸣" in win.obs_box.title()
    assert win.table.item(0, 6).text() == "未评"
    task = win.pack.rating_tasks()[0]
    dlg = RatingDialog(win.pack, win.pack.student_key("林一鸣"), task, win)
    qtbot.addWidget(dlg)
    for box in dlg.choices[:-1]:
        box.setCurrentIndex(2)
    dlg._save()
    assert dlg.entry is None and "第6题还没有评定" in dlg.banner.text()
    dlg.choices[-1].setCurrentIndex(1)
    _shot(dlg, "teacher_rating_form")
    dlg._save()
    assert dlg.entry is not None
    win._saved(dlg.entry)
    row = next(r for r in range(2) if win.table.item(r, 0).text() == "林一鸣")
    assert win.table.item(row, 6).text() == "已评"
    win.select_student(win.pack.student_key("林一鸣"))
    _shot(win, "teacher_main_window_with_rating")


def test_xadesk_gui_without_a_database_opens_a_class_pack(qtbot, sync_ops, staff, pack, tmp_path):  # noqa: F811
    """Teacher mode from ``xadesk gui`` on a PC with no school database: the first-run dialog's
    打开班级包 button, the open dialog, then the teacher window; no database is created."""
    from ui.classpack.teacher import PackOpenDialog, TeacherWindow
    from ui.main import AppController

    db = tmp_path / "teacher-pc" / "school.xadesk"
    controller = AppController(db)
    controller.start()
    qtbot.mouseClick(controller.dialog.classpack_button, Qt.MouseButton.LeftButton)
    dialog = controller.dialog
    assert isinstance(dialog, PackOpenDialog)
    dialog.file_edit.setText(str(pack))
    dialog.passphrase_edit.setText(PASS)
    dialog.open_pack()
    qtbot.waitUntil(lambda: isinstance(controller.teacher_window, TeacherWindow))
    assert controller.teacher_window.table.rowCount() == 2 and not db.exists()
    _shot(controller.teacher_window, "teacher_mode_from_xadesk_gui")
    with qtbot.waitSignal(controller.finished):
        controller.teacher_window.close()


def test_teacher_takes_back_an_observation_saved_on_the_wrong_student(qtbot, sync_ops, staff, pack):  # noqa: F811
    """One click saves; a wrong click is taken back from the list before the return is made."""
    from ui import messages
    from ui.classpack.teacher import PackOpenDialog, TeacherWindow

    dialog = PackOpenDialog()
    qtbot.addWidget(dialog)
    dialog.file_edit.setText(str(pack))
    dialog.passphrase_edit.setText(PASS)
    dialog.open_pack()
    win = TeacherWindow(dialog.pack)
    qtbot.addWidget(win)
    win.show()
    assert not win.withdraw_button.isEnabled() and win.withdraw_button.toolTip()
    win.select_student(win.pack.students()[0].student_no)
    win.obs_text.setText("点错了学生")
    qtbot.mouseClick(win.category_buttons["mood"], Qt.MouseButton.LeftButton)
    assert win.entries.rowCount() == 1
    win.entries.selectRow(0)
    assert win.withdraw_button.isEnabled()
    messages.set_next_answer(False)                       # 取消: nothing changes
    assert win.withdraw_selected() is None and len(win.pack.unreturned()) == 1
    win.entries.selectRow(0)
    messages.set_next_answer(True)
    qtbot.mouseClick(win.withdraw_button, Qt.MouseButton.LeftButton)
    assert win.pack.unreturned() == [] and win.entries.rowCount() == 0
    assert "已撤回" in win.banner.text() and not win.withdraw_button.isEnabled()
    _shot(win, "teacher_after_withdraw")
