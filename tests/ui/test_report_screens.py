"""报告 page: a school leader opens it, changes the scope, flips to a table and exports the PDF;
a grade leader is offered only their grade; a homeroom teacher has no such page."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from xadesk.demo import DEMO_PASSWORD, build_demo
from xadesk.services.login import login


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.xadesk"
    build_demo(path)
    return path


@pytest.fixture
def as_user(demo_path):
    opened = []

    def make(name):
        ctx = login(demo_path, name, DEMO_PASSWORD)
        opened.append(ctx)
        return ctx

    yield make
    for ctx in opened:
        ctx.close()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_leader_changes_scope_and_exports_the_pdf(qtbot, sync_ops, as_user, tmp_path, monkeypatch, screenshot):
    from ui.reports import page as P

    leader = as_user("xiaozhang")
    page = P.ReportPage(leader)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    assert page.report is not None and page.report.scope_label == "全校"
    assert "学生人数：1192" in page.summary.text()
    screenshot(page, "report-school")
    idx = next(i for i in range(page.scope.count()) if page.scope.itemText(i) == "七年级")
    page.scope.setCurrentIndex(idx)
    assert page.report.scope_label == "七年级"
    classes = [r for r in page.report.table("coverage").rows if r != "合计"]
    assert classes and all(r.startswith("七年级") for r in classes)
    # a band chart of the grade, with its table one click away
    row = next(i for i, t in enumerate(page.report.tables) if t.id == "bands.phq9.total")
    page.sections.setCurrentRow(row)
    assert page.chart.data is not None and page.chart.data.kind == "stacked"
    assert page.chart.data.categories == [r for r in page.report.table("coverage").rows if r != "合计"]
    screenshot(page, "report-grade-chart")
    # the levels of a grade: every count is small in the demo, so nothing is drawn and the table says it
    row = next(i for i, t in enumerate(page.report.tables) if t.id == "levels")
    page.sections.setCurrentRow(row)
    assert page.tabs.isTabEnabled(0) and page.chart.data is None
    page.tabs.setCurrentIndex(1)
    cells = [page.table.item(r, c).text() for r in range(page.table.rowCount())
             for c in range(1, page.table.columnCount())]
    assert all(not c.isdigit() or int(c) == 0 or int(c) >= 5 for c in cells)  # 1–4 never shown to a leader
    screenshot(page, "report-grade-table")
    out = tmp_path / "七年级报告.pdf"
    monkeypatch.setattr(P, "ask_save_path", lambda *a: str(out))
    page.pdf_button.click()
    assert out.exists()
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "七年级" in "".join(text.split())


def test_grade_leader_sees_only_their_grade_and_homeroom_has_no_page(qtbot, sync_ops, as_user):
    from ui.mainwindow import registered_pages
    from ui.reports import page as P

    nj = as_user("nianji7")
    page = P.ReportPage(nj)
    qtbot.addWidget(page)
    scopes = [page.scope.itemText(i).strip() for i in range(page.scope.count())]
    assert "全校" not in scopes and scopes[0] == "七年级"
    assert all(s.startswith("七年级") for s in scopes)
    assert page.report.scope_label == "七年级"
    spec = next(s for s in registered_pages() if s.key == "reports")
    assert spec.allowed(nj.actor)
    assert not spec.allowed(as_user("bzr701").actor)


def test_counselor_records_staff_training_and_a_lesson(qtbot, sync_ops, as_user, screenshot):
    from ui.reports import page as P

    counselor = as_user("xinli")
    page = P.ReportPage(counselor)
    qtbot.addWidget(page)
    assert not page.registers_button.isHidden()
    dlg = page.open_registers()
    qtbot.addWidget(dlg)
    dlg.staff_name.setText("王老师")
    dlg.staff_post.setCurrentIndex(dlg.staff_post.findData("counselor_full"))
    dlg.staff_save.click()
    assert dlg.training_staff.count() == 1
    dlg.training_hours.setValue(12)
    dlg.training_save.click()  # no topic: refused, nothing saved
    assert "主题" in dlg.banner.text()
    dlg.training_topic.setText("危机干预")
    dlg.training_save.click()
    dlg.activity_title.setText("认识情绪")
    dlg.activity_save.click()
    screenshot(dlg, "report-registers")
    dlg.accept()
    plan = {p.id: p for p in page.report.plan}
    assert plan["training_hours"].value == 12.0
    assert plan["counselors_per_1000"].value == round(1000 / 1192, 2)
    assert plan["lessons"].value == 1
    leader_page = P.ReportPage(as_user("xiaozhang"))
    qtbot.addWidget(leader_page)
    assert leader_page.registers_button.isHidden()  # leaders read; counselors and admins record
