"""The warning-grid screens (预警网格) driven through the real widgets on the demo school.

A counselor works the review queue (records an interview, confirms a level), assigns a contact and
logs a follow-up; a homeroom teacher sees only their class and their own overdue tasks.

Screens at 100 % and 150 %::

    for f in make_grid_school make_grid_grade make_grid_class make_grid_student make_review make_tracking \
             make_homeroom_window; do
        .venv/bin/python tests/ui/screens.py tests/ui/test_grid_screens.py:$f --name grid-$f
    done
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ui import messages
from ui.grid.page import GridPage
from ui.grid.review import DecisionDialog, InterviewDialog
from ui.grid.student import TrackingDialog
from ui.mainwindow import MainWindow
from xadesk.demo import DEMO_PASSWORD, build_demo
from xadesk.services import grid as G
from xadesk.services import grid_tracking as T
from xadesk.services.login import login

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("griddemo")
    build_demo(d / "demo.db")
    return d


@pytest.fixture
def demo_db(demo_dir, tmp_path) -> Path:
    """A fresh copy of the demo school per test (tests write to it)."""
    for f in demo_dir.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return tmp_path / "demo.db"


def ctx_for(db: Path, who: str):
    return login(db, who, DEMO_PASSWORD)


def window_for(qtbot, ctx) -> MainWindow:
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    return w


def grid_page(w: MainWindow) -> GridPage:
    page = w.show_page("grid")
    assert isinstance(page, GridPage)
    return page


def tree_names(page: GridPage) -> list[str]:
    out = []

    def walk(item, depth):
        out.append("  " * depth + item.text(0))
        for i in range(item.childCount()):
            walk(item.child(i), depth + 1)

    for i in range(page.grid.tree.topLevelItemCount()):
        walk(page.grid.tree.topLevelItem(i), 0)
    return out


def test_counselor_grid_four_levels(qtbot, demo_db, sync_ops):
    ctx = ctx_for(demo_db, "xinli")
    w = window_for(qtbot, ctx)
    page = grid_page(w)
    view = page.grid
    total = len(T.grid_list(ctx))
    assert view.proxy.rowCount() == total > 0
    school = view.tree.topLevelItem(0)
    assert school.text(5) == str(total)  # 合计 of the school node
    # grade → only that grade's students
    grade_item = view.select_node("七年级")
    assert grade_item is not None
    assert {r.grade for r in view.proxy.visible_rows()} == {"七年级"}
    assert int(grade_item.text(5)) == view.proxy.rowCount()
    # class → its students, and the class node opens onto the individuals
    cls = view.select_node("七年级", "七年级(1)班")
    assert {r.class_label for r in view.proxy.visible_rows()} == {"七年级(1)班"}
    assert cls.childCount() == view.proxy.rowCount()
    # individual → one row
    leaf = cls.child(0)
    view.tree.setCurrentItem(leaf)
    assert [r.name for r in view.proxy.visible_rows()] == [leaf.text(0)]
    # overdue only
    view.select_node()
    view.overdue_check.setChecked(True)
    assert view.proxy.rowCount() == sum(1 for r in T.grid_list(ctx) if r.overdue) > 0
    assert "逾期" in view.count_label.text()
    # the overdue rows stand out: bold red name
    idx = view.proxy.index(0, 0)
    assert view.proxy.data(idx, Qt.ItemDataRole.ForegroundRole).color().name().upper() == "#B71C1C"


def test_counselor_works_review_queue(qtbot, demo_db, sync_ops, type_text):
    ctx = ctx_for(demo_db, "xinli")
    w = window_for(qtbot, ctx)
    page = grid_page(w)
    review = page.review
    assert review is not None
    page.tabs.setCurrentWidget(review)
    rows = review.model.rows()
    assert rows and all(not r.near for r in rows)
    assert review.near_model.rowCount() > 0  # near-threshold apart
    assert "周" in review.capacity_label.text()
    target = next(r for r in rows if r.proposed_level and r.interview is None)
    assert review.select_student(target.student_id)
    assert target.rule_label in review.detail.text()

    # deciding before an interview is refused with a clear message
    assert review.decide() is None
    assert messages.shown[-1][0] == "information" and "复核访谈" in messages.shown[-1][2]

    dlg = review.interview()
    assert isinstance(dlg, InterviewDialog)
    dlg.submit()  # empty findings: refused in the dialog's banner, nothing written
    assert dlg.banner.isVisible() and "访谈发现" in dlg.banner.text()
    assert G.review_queue(ctx)[0].interview is None or all(
        r.interview is None for r in G.review_queue(ctx) if r.student_id == target.student_id)
    dlg.findings.setFocus()
    type_text(dlg.findings, "情绪低落两周，睡眠差，有同学支持")
    assert dlg.recommend.currentData() == target.proposed_level
    dlg.submit()
    assert dlg.result() == dlg.DialogCode.Accepted

    assert review.select_student(target.student_id)
    dec = review.decide()
    assert isinstance(dec, DecisionDialog)
    # overriding needs a reason
    other = next(i for i in range(dec.level.count()) if dec.level.itemData(i) not in (target.proposed_level,))
    dec.level.setCurrentIndex(other)
    assert dec.override_hint.isVisible()
    dec.submit()
    assert dec.banner.isVisible() and "理由" in dec.banner.text()
    dec.level.setCurrentIndex(dec.level.findData(target.proposed_level))
    assert not dec.override_hint.isVisible()
    contact = next(i for i in range(dec.contact.count()) if "班主任" in dec.contact.itemText(i)
                   or "心理" in dec.contact.itemText(i))
    dec.contact.setCurrentIndex(contact)
    dec.submit()
    assert dec.result() == dec.DialogCode.Accepted
    assert target.student_id not in {r.student_id for r in review.model.rows()}
    on_list = {r.student_id: r for r in T.grid_list(ctx)}
    assert on_list[target.student_id].level == target.proposed_level
    assert target.student_id in {r.student_id for r in page.grid.model.rows()}  # the grid reloaded


def test_counselor_assigns_contact_and_logs_follow_up(qtbot, demo_db, sync_ops, type_text):
    ctx = ctx_for(demo_db, "xinli")
    w = window_for(qtbot, ctx)
    page = grid_page(w)
    row = next(r for r in page.grid.model.rows() if r.class_label == "七年级(1)班" and r.overdue)
    dlg = page.grid.open_student(row.student_id)
    assert isinstance(dlg, TrackingDialog)
    assert row.name in dlg.header.text() and "已逾期" in dlg.header.text()
    # only eligible contacts are offered: the class's homeroom teacher yes, another class's no
    offered = [dlg.contact_combo.itemText(i) for i in range(dlg.contact_combo.count())]
    assert any("周晓丽" in t for t in offered)
    assert not any("吴建国" in t for t in offered)
    dlg.contact_combo.setCurrentIndex(next(i for i, t in enumerate(offered) if "周晓丽" in t))
    dlg.assign_button.click()
    assert "周晓丽" in (T.student_record(ctx, row.student_id).case.contact or "")

    before = len(dlg.record.follow_ups)
    fu = dlg.add_follow_up()
    fu.submit()  # empty summary refused
    assert fu.banner.isVisible()
    fu.summary.setFocus()
    type_text(fu.summary, "面谈：本周情绪平稳，按时作息")
    fu.submit()
    assert fu.result() == fu.DialogCode.Accepted
    assert len(dlg.record.follow_ups) == before + 1
    assert not dlg.record.case.overdue
    assert "已逾期" not in dlg.header.text()
    assert row.student_id not in {r.student_id for r in page.grid.model.rows() if r.overdue}


def test_homeroom_sees_only_their_class_and_tasks(qtbot, demo_db, sync_ops):
    from ui.main import AppController

    # Through the real login dialog: the controller greets whoever logs in.
    controller = AppController(demo_db)
    dialog = controller.show_login(login_name="bzr701")
    dialog.password_edit.setText(DEMO_PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: controller.main_window is not None and controller.main_window.isVisible())
    w = controller.main_window
    ctx = controller.ctx
    banner = w.grid_greeting
    assert banner.isVisible()
    assert banner.kind() == "warning" and "逾期" in banner.text()
    mine = T.overdue(ctx, mine=True)
    assert mine and all(r.name in banner.text() for r in mine)
    others = [r for r in T.overdue(ctx) if r.contact_id != ctx.actor.user_id]
    assert others and not any(r.name in banner.text() for r in others)  # only their own tasks
    page = grid_page(w)
    assert page.review is None  # no review queue for a homeroom teacher
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == ["网格与名单", "健康委员"]
    names = [n.strip() for n in tree_names(page)]
    assert names[1:3] == ["七年级", "七年级(1)班"]
    assert {r.class_label for r in page.grid.model.rows()} == {"七年级(1)班"}
    # the tracking page: no contact picker, no plan editing, no release; can log a follow-up
    dlg = page.grid.open_student(page.grid.model.rows()[0].student_id)
    # (isHidden: the buttons sit on tabs that are not the current one)
    assert dlg.assign_button.isHidden() and dlg.save_plan_button.isHidden()
    assert not dlg.follow_button.isHidden() and dlg.release_button.isHidden()
    assert all(i.findings is None for i in dlg.record.interviews)
    # the banner's button goes to the grid with the overdue filter on
    banner._run_action()
    assert w.current_key() == "grid" and page.grid.overdue_check.isChecked()
    assert {r.student_id for r in page.grid.proxy.visible_rows()} == {r.student_id for r in mine}
    controller.quit()


def test_greeting_stays_hidden_when_nothing_is_due(qtbot, demo_db, sync_ops):
    from ui.grid.greeting import greet

    ctx = ctx_for(demo_db, "bzr401")
    w = window_for(qtbot, ctx)
    banner = greet(w)
    if T.greeting(ctx).empty:
        assert not banner.isVisible()
    else:
        assert banner.isVisible()


def test_homeroom_records_a_crisis_with_the_checklist(qtbot, demo_db, sync_ops, type_text):
    ctx = ctx_for(demo_db, "bzr701")
    w = window_for(qtbot, ctx)
    page = grid_page(w)
    row = next(r for r in page.grid.model.rows() if r.level != "L1")
    dlg = page.grid.open_student(row.student_id)
    assert not dlg.crisis_button.isHidden() and dlg.referral_button.isHidden()
    crisis = dlg.add_crisis()
    crisis.submit()  # nothing said about what happened: refused, nothing written
    assert crisis.banner.isVisible() and dlg.crisis_model.rowCount() == 0
    crisis.summary.setFocus()
    type_text(crisis.summary, "课间在走廊哭泣，说不想活了")
    crisis.steps[0][0].setChecked(True)
    crisis.calls[0][0].setFocus()
    type_text(crisis.calls[0][0], "监护人（母亲）")
    crisis.submit()
    assert crisis.result() == crisis.DialogCode.Accepted
    assert dlg.crisis_model.rowCount() == 1
    assert dlg.crisis_model.cell_text(0, 2).startswith("1/")
    counselor = ctx_for(demo_db, "xinli")
    queued = {r.student_id: r for r in G.review_queue(counselor)}
    assert queued[row.student_id].proposed_level == "L1" and "危机事件" in queued[row.student_id].rule_label


def test_counselor_referral_and_release_with_approval(qtbot, demo_db, sync_ops, type_text):
    ctx = ctx_for(demo_db, "xinli")
    w = window_for(qtbot, ctx)
    page = grid_page(w)
    row = next(r for r in page.grid.model.rows() if r.level == "L3" and r.status == "active")
    dlg = page.grid.open_student(row.student_id)
    ref = dlg.add_referral()
    ref.consent.setChecked(True)  # consent without informing the guardian: refused
    ref.institution.setFocus()
    type_text(ref.institution, "西安市精神卫生中心")
    ref.submit()
    assert ref.banner.isVisible() and "监护人" in ref.banner.text()
    ref.informed.setChecked(True)
    ref.submit()
    assert ref.result() == ref.DialogCode.Accepted and dlg.referral_model.rowCount() == 1
    out = dlg.referral_outcome()
    out.outcome.setCurrentIndex(out.outcome.findData("outpatient"))
    out.add_feedback.setChecked(True)
    out.feedback_note.setFocus()
    type_text(out.feedback_note, "家长反馈：按时复诊")
    out.submit()
    assert out.result() == out.DialogCode.Accepted
    assert dlg.referral_model.cell_text(0, 4) == "门诊治疗"

    rel = dlg.request_release()
    rel.reason.setFocus()
    type_text(rel.reason, "两次随访稳定")
    rel.submit()  # no evidence ticked: refused
    assert rel.banner.isVisible() and "依据" in rel.banner.text()
    check, _day, note, _code = rel.evidence[1]
    check.setChecked(True)
    note.setFocus()
    type_text(note, "复核访谈：情绪稳定")
    rel.submit()
    assert rel.result() == rel.DialogCode.Accepted
    assert dlg.record.case.status == "release_pending"
    assert not dlg.approve_button.isHidden()  # 三级: a counselor approves (the school's default)
    messages.set_next_answer(True)
    dlg.decide_release(True)
    assert dlg.record.case is None
    assert dlg.history_model.cell_text(dlg.history_model.rowCount() - 1, 2) == "解除预警"
    assert row.student_id not in {r.student_id for r in page.grid.model.rows()}


def test_homeroom_keeps_two_health_monitors_and_counselor_records_training(qtbot, demo_db, sync_ops, type_text):
    from xadesk.services import grid_monitors as M

    ctx = ctx_for(demo_db, "bzr701")
    w = window_for(qtbot, ctx)
    panel = grid_page(w).monitors
    assert [c.class_label for c in panel.class_model.rows()] == ["七年级(1)班"]
    assert panel.training_button.isHidden() and not panel.register_button.isHidden()
    before = panel.monitor_model.rowCount()
    for _ in range(M.PER_CLASS - before):  # fill the class up first
        reg = panel.register()
        taken = {m.student_id for m in panel.monitor_model.rows()}
        reg.student.setCurrentIndex(next(i for i in range(reg.student.count())
                                         if reg.student.itemData(i) not in taken))
        reg.submit()
        assert reg.result() == reg.DialogCode.Accepted
    assert panel.monitor_model.rowCount() == M.PER_CLASS
    reg = panel.register()  # a third: refused with the reason, nothing written
    reg.submit()
    assert reg.banner.isVisible() and "已满" in reg.banner.text()
    reg.reject()
    panel.monitor_view.setCurrentIndex(panel.monitor_model.index(0, 0))
    messages.set_next_answer(True)
    panel.end()
    assert panel.monitor_model.rowCount() == M.PER_CLASS - 1

    counselor = ctx_for(demo_db, "xinli")
    w2 = window_for(qtbot, counselor)
    cpanel = grid_page(w2).monitors
    assert cpanel.select_class("七年级(1)班")
    dlg = cpanel.record_training()
    dlg.topic.setFocus()
    type_text(dlg.topic, "识别同学情绪变化")
    dlg.submit()
    assert dlg.result() == dlg.DialogCode.Accepted
    assert all(m.trainings_this_semester >= 1 for m in cpanel.monitor_model.rows())


def test_homeroom_proposes_and_counselor_bulk_confirms_where_they_agree(qtbot, demo_db, sync_ops, type_text):
    teacher = ctx_for(demo_db, "bzr701")
    counselor = ctx_for(demo_db, "xinli")
    # a 七年级(1)班 student the screening proposed, not yet on the list
    queued = [r for r in G.review_queue(counselor) if r.class_label == "七年级(1)班" and r.proposed_level
              and "screening" in r.sources and r.current_level is None]
    target = queued[0]
    w = window_for(qtbot, teacher)
    view = grid_page(w).grid
    assert not view.propose_button.isHidden()
    dlg = view.propose()
    assert [dlg.source.itemData(i) for i in range(dlg.source.count())] == ["observation", "referral"]
    dlg.submit()  # no student chosen
    assert dlg.banner.isVisible() and "学生" in dlg.banner.text()
    dlg.student.setCurrentIndex(dlg.student.findData(target.student_id))
    dlg.level.setCurrentIndex(dlg.level.findData(target.proposed_level))
    dlg.reason.setFocus()
    type_text(dlg.reason, "近两周上课常趴桌，午饭吃得很少")
    dlg.submit()
    assert dlg.result() == dlg.DialogCode.Accepted and view.banner.kind() == "success"

    cw = window_for(qtbot, counselor)
    review = grid_page(cw).review
    row = next(r for r in review.model.rows() if r.student_id == target.student_id)
    assert row.observation_agrees and "observation" in row.sources
    other = next(r for r in review.model.rows() if r.student_id != target.student_id and r.proposed_level)
    for r in (row, other):  # interviews agreeing with the proposals
        G.record_interview(counselor, r.student_id, held_at=datetime.now() - timedelta(hours=1),
                           findings="复核访谈记录", recommendation=r.proposed_level)
    review.reload()
    review.agree_check.setChecked(True)
    review.table.clearSelection()
    for sid in (row.student_id, other.student_id):
        i = next(k for k in range(review.proxy.rowCount()) if review.proxy.row_at(k).student_id == sid)
        review.table.selectionModel().select(review.proxy.index(i, 0), review.table.selectionModel().SelectionFlag.Select
                                             | review.table.selectionModel().SelectionFlag.Rows)
    messages.set_next_answer(True)
    review.bulk_confirm()
    assert review.banner.kind() == "warning"  # one confirmed, one skipped with the reason
    assert "已确认 1 名" in review.banner.text() and any("不一致" in d for d in review.banner.details())
    on_list = {r.student_id for r in T.grid_list(counselor)}
    assert row.student_id in on_list and other.student_id not in on_list


# --- screens -------------------------------------------------------------------------------------------

_KEEP: list = []


def _screen_window(who: str = "xinli") -> MainWindow:
    from ui import worker

    worker.set_synchronous(True)
    d = Path(tempfile.mkdtemp(prefix="xadesk-grid-"))
    build_demo(d / "demo.db")
    ctx = login(d / "demo.db", who, DEMO_PASSWORD)
    w = MainWindow(ctx)
    w.resize(1180, 760)
    _KEEP.append(w)
    return w


def make_grid_school() -> MainWindow:
    w = _screen_window()
    w.show_page("grid")
    return w


def make_grid_grade() -> MainWindow:
    w = _screen_window()
    w.show_page("grid").grid.select_node("七年级")
    return w


def make_grid_class() -> MainWindow:
    w = _screen_window()
    w.show_page("grid").grid.select_node("七年级", "七年级(1)班")
    return w


def make_grid_student() -> MainWindow:
    w = _screen_window()
    view = w.show_page("grid").grid
    cls = view.select_node("七年级", "七年级(1)班")
    view.tree.setCurrentItem(cls.child(0))
    return w


def make_review() -> MainWindow:
    w = _screen_window()
    page = w.show_page("grid")
    page.tabs.setCurrentWidget(page.review)
    page.review.table.selectRow(0)
    return w


def make_tracking():
    w = _screen_window()
    view = w.show_page("grid").grid
    row = next(r for r in view.model.rows() if r.class_label == "七年级(1)班" and r.overdue)
    dlg = view.open_student(row.student_id)
    return {"": dlg}


def make_homeroom_window() -> MainWindow:
    from ui.grid.greeting import greet

    w = _screen_window("bzr701")
    w.show_page("grid")
    greet(w)
    QApplication.processEvents()
    return w


def _tracking_of(name_filter, tab: int):
    w = _screen_window()
    view = w.show_page("grid").grid
    row = next(r for r in view.model.rows() if name_filter(r))
    dlg = view.open_student(row.student_id)
    dlg.tabs.setCurrentIndex(tab)
    return {"": dlg}


def make_tracking_follow_ups():
    return _tracking_of(lambda r: r.class_label == "七年级(1)班" and r.overdue, 1)


def make_tracking_history():
    return _tracking_of(lambda r: r.status == "release_pending", 2)


def make_tracking_care():
    return _tracking_of(lambda r: r.status == "release_pending", 3)


def make_tracking_release():
    return _tracking_of(lambda r: r.status == "release_pending", 4)


def make_crisis_dialog():
    d = _tracking_of(lambda r: r.class_label == "七年级(1)班", 3)[""]
    return {"": d.add_crisis()}


def make_monitors():
    w = _screen_window()
    page = w.show_page("grid")
    page.tabs.setCurrentWidget(page.monitors)
    return w


def make_interview_and_decision():
    w = _screen_window()
    page = w.show_page("grid")
    page.tabs.setCurrentWidget(page.review)
    page.review.table.selectRow(0)
    return {"interview": page.review.interview()}


def make_propose_dialog():
    w = _screen_window("bzr701")
    return {"": w.show_page("grid").grid.propose()}
