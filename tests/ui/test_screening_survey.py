"""问卷导入 on the campaigns page: a 问卷星 export (GBK CSV), the suggested mapping checked and edited,
a dry run listing unmatched rows, the import, a refused cell naming row and column.

Screen at 100 % and 150 %::

    .venv/bin/python tests/ui/screens.py tests/ui/test_screening_survey.py:make_mapping --name screening-mapping
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.screening.test_campaign_survey import PEOPLE
from tests.screening.wjx_files import write_csv
from tests.services.conftest import small_school  # noqa: F401
from ui.mainwindow import MainWindow
from ui.screening import survey_import
from ui.screening.page import CampaignsPage
from xadesk.services.campaigns import coverage, create_campaign
from xadesk.services.screening_import import saved_mapping
from xadesk.services.screening_results import results

pytestmark = pytest.mark.gui


@pytest.fixture
def counselor(small_school):  # noqa: F811
    ctx = small_school.as_user("xinli")
    yield ctx
    ctx.close()


@pytest.fixture
def panel(qtbot, counselor, sync_ops, monkeypatch) -> survey_import.SurveyImportPanel:
    create_campaign(counselor, "2026秋季普查", ["phq9", "asq"], grades=["J1", "J2"], open_now=True)
    w = MainWindow(counselor)
    qtbot.addWidget(w)
    w.resize(1180, 760)
    w.show()
    page = w.show_page("screening")
    assert isinstance(page, CampaignsPage)
    p = page.extra_tabs["survey"]
    page.tabs.setCurrentWidget(p)
    return p


def choose_file(panel, monkeypatch, path: Path) -> None:
    monkeypatch.setattr(survey_import, "ask_open_path", lambda *a: str(path))
    panel.browse_button.click()


def test_wjx_export_mapping_dry_run_and_import(panel, counselor, tmp_path, monkeypatch, screenshot):
    path = write_csv(tmp_path / "All_Data_Readable.csv", PEOPLE, original=False)
    choose_file(panel, monkeypatch, path)
    assert "问卷星导出" in panel.file_label.text() and "题号和题干" in panel.file_label.text()
    assert panel.kind_combo.currentData() == "label" and "文件名" in panel.kind_reason.text()
    m = panel.mapping()
    assert m["identity"] == {"student_no": "1、你的学籍号", "name": "2、你的姓名", "class": "3、你所在的班级"}
    assert len(m["items"]) == 14 and m["coding"] == "label"
    headers = [r.header for r in panel.model.rows()]
    assert "来自IP" not in headers
    screenshot(panel.window(), "screening-mapping")

    panel.dry_button.click()
    assert panel.report.dry_run and panel.report.matched == 2 and len(panel.report.unmatched) == 2
    assert panel.banner.kind() == "warning" and "没有写入" in panel.banner.text()
    assert any("查无此人" in line for line in panel.banner.details())
    assert results(counselor, 1) == []
    # 贺子轩 (no 学籍号) waits in the confirmation list until the counselor ticks the row
    (line,) = panel.matches.lines()
    assert (line.row, line.name, line.checked) == (4, "贺子轩", False)
    panel.matches.accept_all()

    panel.import_button.click()
    assert not panel.report.dry_run and panel.report.total.added == 6
    assert saved_mapping(counselor, 1)["identity"]["student_no"] == "1、你的学籍号"
    assert coverage(counselor, 1).total.completed == 3
    page = panel.window().current_page()
    assert "已完成 3" in page.summary_label.text()


def test_bad_cell_refused_with_row_and_column(panel, counselor, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "All_Data_Readable.csv", PEOPLE, original=False)
    text = path.read_bytes().decode("gbk").replace("一半以上的天数", "经常", 1)
    path.write_bytes(text.encode("gbk"))
    choose_file(panel, monkeypatch, path)
    panel.import_button.click()
    assert panel.banner.kind() == "error"
    assert "第2行第12列" in panel.banner.text() and "经常" in panel.banner.text()
    assert results(counselor, 1) == [] and coverage(counselor, 1).total.completed == 0

    # The counselor says what 经常 means, and the same file goes in.
    panel.add_value_row("经常", "2")
    panel.import_button.click()
    assert panel.report.total.added == 4 and [m.name for m in panel.report.to_confirm] == ["贺子轩"]
    assert saved_mapping(counselor, 1)["values"]["*"] == {"经常": 2.0}


def test_column_use_edited_and_bad_value_refused(panel, counselor, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "All_Data_Readable.csv", PEOPLE[:2], original=False)
    choose_file(panel, monkeypatch, path)
    panel.set_use("1、你的学籍号", "")                                # matched by name + class instead
    assert "student_no" not in panel.mapping()["identity"]
    panel.add_value_row("从不", "零")
    panel.dry_button.click()
    assert panel.banner.kind() == "error" and "不是数字" in panel.banner.text()
    panel.values_table.item(0, 1).setText("0")
    panel.dry_button.click()
    assert panel.report.matched == 0 and len(panel.report.to_confirm) == 2   # by name + class only now


# --- screen ----------------------------------------------------------------------------------------------

def make_mapping():
    import os
    import tempfile

    os.environ.setdefault("XADESK_KDF_PROFILE", "test")
    from datetime import date

    from ui import worker
    from xadesk.demo import DEMO_PASSWORD, build_demo
    from xadesk.services.login import login

    worker.set_synchronous(True)
    folder = Path(tempfile.mkdtemp())
    build_demo(folder / "demo.xadesk", today=date(2026, 11, 20))
    ctx = login(folder / "demo.xadesk", "xinli", DEMO_PASSWORD)
    create_campaign(ctx, "期中关键节点", ["phq9", "asq"], grades=["J1"], purpose="watch", open_now=True)
    w = MainWindow(ctx)
    w.resize(1180, 760)
    page = w.show_page("screening")
    panel = page.extra_tabs["survey"]
    page.tabs.setCurrentWidget(panel)
    panel.load_file(write_csv(folder / "All_Data_Readable.csv", PEOPLE, original=False))
    return w


def test_different_answers_from_another_file_are_a_conflict_to_decide(panel, counselor, tmp_path, monkeypatch):
    choose_file(panel, monkeypatch, write_csv(tmp_path / "第一批.csv", PEOPLE[:2], original=False))
    panel.import_button.click()
    page = panel.window().current_page()
    assert not page.conflict_button.isVisible()
    changed = [dict(PEOPLE[0], phq=[3] * 9)]
    choose_file(panel, monkeypatch, write_csv(tmp_path / "补交.csv", changed, original=False))
    panel.import_button.click()
    assert panel.report.total.conflicts == 1
    assert page.conflict_button.isVisible() and "1 条" in page.conflict_button.text()
    before = [r.scales["total"].raw for r in results(counselor, 1, instrument="phq9") if r.name == "林一鸣"]
    dialog = page.show_conflicts()
    assert dialog.model.rowCount() == 1 and dialog.model.rows()[0].name == "林一鸣"
    assert "B：3 3 3 3 3 3 3 3 3" in dialog.detail.toPlainText()        # both versions side by side
    dialog.keep_b.click()                                           # the later file is right
    assert dialog.model.rowCount() == 0 and not page.conflict_button.isVisible()
    after = [r.scales["total"].raw for r in results(counselor, 1, instrument="phq9") if r.name == "林一鸣"]
    assert before == [7] and after == [27]


def test_safety_answers_in_rows_left_out_are_shown_first(panel, counselor, tmp_path, monkeypatch, screenshot):
    """Issue 9 tried again: a duplicate submission's other copy and a row matching nobody both say
    "几乎每天" on PHQ-9 item 9. The banner puts them first; the student named is in the queue."""
    people = [dict(PEOPLE[0], phq=[0] * 8 + [3]), dict(PEOPLE[0], phq=[0] * 9),
              dict(PEOPLE[3], phq=[0] * 8 + [3])]
    path = write_csv(tmp_path / "All_Data_Readable.csv", people, original=False)
    choose_file(panel, monkeypatch, path)
    panel.import_button.click()
    assert panel.report.matched == 1 and panel.report.stats["phq9"].added == 1
    assert panel.banner.kind() == "warning"
    assert panel.banner.text().startswith("有 2 处安全题阳性作答在没有导入的行中")
    details = panel.banner.details()
    assert details[0].startswith("！第4行（“不存在”）有安全题阳性作答") and "请立即核实" in details[0]
    assert details[1].startswith("！第2行有安全题阳性作答") and "已列入复核队列" in details[1]
    screenshot(panel.window(), "screening-import-safety-rows")
    from xadesk.services.grid import review_queue

    [row] = review_queue(counselor, 1)
    assert row.name == "林一鸣" and any(p.safety for p in row.proposals)
