"""Observation and home visit from anywhere a student appears, in two clicks, naming the student (issue 11);
disabled buttons that say why; the administrator's double-click in 成长档案."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from sqlalchemy import select

from xadesk.archive.document import view_archive
from xadesk.demo import DEMO_PASSWORD, build_demo
from xadesk.services import grid as G
from xadesk.services import records, roster
from xadesk.services.login import login
from xadesk.storage.models_grid import GridInterview


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.xadesk"
    build_demo(path)
    return path


@pytest.fixture
def teacher(demo_path):
    ctx = login(demo_path, "bzr701", DEMO_PASSWORD)
    yield ctx
    ctx.close()


def _right_click_first_row(qtbot, view) -> None:
    """Click 1: the right mouse button on the first row opens the record menu."""
    view.show()
    qtbot.waitExposed(view.window())
    rect = view.visualRect(view.model().index(0, 0))
    view.customContextMenuRequested.emit(rect.center())
    assert view.record_menu is not None


def _choose(view, label_start: str):
    """Click 2: the menu entry."""
    action = next(a for a in view.record_menu.actions() if a.text().startswith(label_start))
    action.trigger()
    return view.window().record_dialog


def _home_visits(ctx, sid: int) -> int:
    return sum(1 for r in records.list_records(ctx, sid) if r.kind == "home_visit")


def test_roster_right_click_home_visit_names_the_student(qtbot, sync_ops, teacher, type_text):
    from ui.roster.page import RosterPage

    page = RosterPage(teacher)
    qtbot.addWidget(page)
    _right_click_first_row(qtbot, page.table)
    row = page.proxy.row_at(page.table.model().index(0, 0))
    dlg = _choose(page.table, "记录家访")
    assert row.name in dlg.who_label.text() and row.name in dlg.windowTitle()
    before = _home_visits(teacher, row.id)
    dlg.present.setText("")
    type_text(dlg.present, "母亲")
    type_text(dlg.text, "家中整洁，母亲说孩子近来睡得晚")
    dlg.save_button.click()
    assert _home_visits(teacher, row.id) == before + 1


def test_grid_right_click_observation(qtbot, sync_ops, teacher, type_text):
    from ui.grid.page import GridView

    view = GridView(teacher)
    qtbot.addWidget(view)
    _right_click_first_row(qtbot, view.table)
    row = view.proxy.row_at(view.table.model().index(0, 0))
    dlg = _choose(view.table, "记录观察")
    assert dlg.objectName() == "observationDialog" and row.name in dlg.who_label.text()
    dlg.categories.buttons()[0].click()
    type_text(dlg.text, "课间独自坐在座位上")
    dlg.save_button.click()
    assert any(r.kind == "observation" and "独自" in (r.text or "") for r in records.list_records(teacher, row.student_id))


def test_record_buttons_in_the_student_tracking_and_archive_dialogs(qtbot, sync_ops, teacher):
    from ui.archive.view import ArchiveDialog
    from ui.grid.student import TrackingDialog
    from ui.roster.detail import StudentDetailDialog

    sid = roster.list_students(teacher, class_="七年级(1)班")[0].id
    name = roster.get_student(teacher, sid).row.name
    host = QWidget()
    host.ctx = teacher
    qtbot.addWidget(host)
    detail = StudentDetailDialog(roster.get_student(teacher, sid), host)
    tracking = TrackingDialog(teacher, sid, host)
    archive = ArchiveDialog(teacher, view_archive(teacher, sid), host)
    archive.student_id = sid
    for dlg in (detail, tracking, archive):  # owned by host: closed with it
        buttons = {b.text().split("(")[0]: b for b in dlg.findChildren(QDialogButtonBox)[0].buttons()}
        assert {"记录观察", "记录家访"} <= set(buttons), dlg.objectName()
        buttons["记录家访"].click()                                  # one click from an open student
        opened = dlg.record_dialog
        assert name in opened.who_label.text()
        opened.close()


def test_leader_sees_no_record_buttons_and_the_pdf_buttons_say_why(qtbot, sync_ops, demo_path):
    from ui.archive.view import ArchiveDialog

    ctx = login(demo_path, "xiaozhang", DEMO_PASSWORD)
    try:
        sid = roster.list_students(ctx, class_="七年级(1)班")[0].id
        dlg = ArchiveDialog(ctx, view_archive(ctx, sid), None)
        qtbot.addWidget(dlg)
        assert dlg.record_buttons == []
        assert not dlg.pdf_full.isEnabled() and "心理健康教师" in dlg.pdf_full.toolTip()
    finally:
        ctx.close()


def test_admin_double_click_in_archive_says_why(qtbot, sync_ops, demo_path):
    from ui.archive.page import ArchivePage

    ctx = login(demo_path, "admin", DEMO_PASSWORD)
    try:
        page = ArchivePage(ctx)
        qtbot.addWidget(page)
        page.show()
        index = page.table.model().index(0, 0)
        page.table.activated.emit(index)
        assert page.banner.isVisible() and "管理员" in page.banner.text()
        assert page.archive_dialog is None
    finally:
        ctx.close()


def test_disabled_campaign_buttons_say_why(qtbot, sync_ops, demo_path):
    from ui.screening.page import CampaignsPage

    ctx = login(demo_path, "xinli", DEMO_PASSWORD)
    try:
        page = CampaignsPage(ctx)
        qtbot.addWidget(page)
        page.table.selectRow(0)
        assert not page.open_button.isEnabled() and "已结束" in page.open_button.toolTip()
        assert not page.close_button.isEnabled() and "已结束" in page.close_button.toolTip()
    finally:
        ctx.close()


def test_interview_time_stored_in_utc_shown_local(demo_path, monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        ctx = login(demo_path, "xinli", DEMO_PASSWORD)
        try:
            sid = roster.list_students(ctx, class_="八年级(1)班")[0].id
            held = datetime(2026, 11, 2, 10, 0)                      # 10:00 in Xi'an
            row = G.record_interview(ctx, sid, held_at=held, findings="f", recommendation=None,
                                     now=datetime(2026, 11, 2, 12, 0))
            assert row.held_at == held                               # shown as typed
            with ctx.db.read() as s:
                stored = s.scalar(select(GridInterview.held_at).where(GridInterview.id == row.id))
            assert stored == datetime(2026, 11, 2, 2, 0)             # kept in UTC
            with pytest.raises(Exception, match="之后"):
                G.record_interview(ctx, sid, held_at=datetime(2026, 11, 2, 13, 0), findings="f",
                                   recommendation=None, now=datetime(2026, 11, 2, 12, 0))
        finally:
            ctx.close()
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
