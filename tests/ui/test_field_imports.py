"""Files from the field through the screens (issue 16): the mapping table of a shortened-label matrix
survey, edited in place; the list of matches a counselor confirms; the roster preview naming the
columns it reads and the ones it does not use.

Screens (saved when XADESK_SCREENSHOTS=1, into XADESK_SCREENSHOT_DIR or screenshots/)::

    XADESK_SCREENSHOTS=1 XADESK_SCREENSHOT_DIR=/work/wt/shots/i16 .venv/bin/python -m pytest tests/ui/test_field_imports.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemDelegate, QComboBox

from tests.fieldfiles.build import Answerer, registry_roster, survey_file
from tests.fieldfiles.test_field_rosters import REGISTRY
from tests.fieldfiles.test_field_surveys import NO_OF, PEOPLE, expected
from tests.services.conftest import small_school  # noqa: F401
from tests.ui.conftest import save_screenshot
from tests.ui.test_roster_screens import choose_file as choose_roster
from tests.ui.test_roster_screens import open_wizard
from ui.mainwindow import MainWindow
from ui.screening import survey_import
from xadesk.services.campaigns import create_campaign
from xadesk.services.screening_import import saved_mapping
from xadesk.services.screening_results import results

pytestmark = pytest.mark.gui


def shot(widget, name: str) -> None:
    folder = os.environ.get("XADESK_SCREENSHOT_DIR")
    save_screenshot(widget, name, Path(folder) if folder else None)


@pytest.fixture
def counselor(small_school):  # noqa: F811
    ctx = small_school.as_user("xinli")
    yield ctx
    ctx.close()


@pytest.fixture
def panel(qtbot, counselor, sync_ops) -> survey_import.SurveyImportPanel:
    create_campaign(counselor, "2026秋季筛查", ["phq9", "gad7"], grades=["J1", "J2"], open_now=True)
    w = MainWindow(counselor)
    qtbot.addWidget(w)
    w.resize(1366, 800)
    w.show()
    page = w.show_page("screening")
    p = page.extra_tabs["survey"]
    page.tabs.setCurrentWidget(p)
    return p


def choose(panel, monkeypatch, path: Path) -> None:
    monkeypatch.setattr(survey_import, "ask_open_path", lambda *a: str(path))
    panel.browse_button.click()


def totals(ctx) -> dict:
    return {(r.student_no, r.instrument_id): r.scales["total"].raw for r in results(ctx, 1)}


def test_matrix_survey_mapping_table_confirm_list_and_import(panel, counselor, tmp_path, monkeypatch):
    again = Answerer(PEOPLE[0].no, PEOPLE[0].name, PEOPLE[0].cls, [3] * 9, [3] * 7, 3, "2026/10/09 08:00:00")
    path = survey_file(tmp_path, [*PEOPLE, again], kind="ordinal", labels="short")
    choose(panel, monkeypatch, path)
    assert panel.kind_combo.currentData() == "ordinal" and "按序号" in panel.kind_reason.text()
    rows = {r.header: r for r in panel.model.rows()}
    assert rows["第6题(紧张)"].target == "gad7:q1" and rows["第6题(紧张)"].evidence == "number"
    # the table shows the item text next to the column, not an id
    row = [r.header for r in panel.model.rows()].index("第6题(怕有坏事)")
    shown = panel.model.index(row, 1).data()
    assert shown.startswith("GAD-7 第7题") and "第7题" in shown and "可怕的事情" in shown and "gad7" not in shown
    assert panel.decoded_model.rowCount() == 5
    assert panel.decoded_model.cell_text(0, 3) == " ".join(str(v) for v in PEOPLE[0].gad)
    assert "证实" in panel.status_label.text()
    shot(panel.window(), "survey-mapping-matrix")

    panel.dry_button.click()
    assert panel.side.currentIndex() == 1                       # the confirmation list comes forward
    lines = panel.matches.lines()
    assert [(x.row, x.name, x.checked) for x in lines] == [(5, "姚佳琪", False), (6, "任浩然", False),
                                                           (2, "林一鸣", False), (8, "林一鸣", True)]
    assert "较晚提交" in lines[3].note
    assert results(counselor, 1) == []
    shot(panel.window(), "survey-confirm-matches")

    # tick one row by the check box, as a counselor does
    panel.matches.setData(panel.matches.index(0, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    panel.import_button.click()
    assert panel.report.matched == 5 and [m.name for m in panel.report.to_confirm] == ["任浩然"]
    got = totals(counselor)
    want = {k: v for k, v in expected(PEOPLE).items() if k[0] != NO_OF["任浩然"]}
    want.update({(NO_OF["林一鸣"], "phq9"): 27, (NO_OF["林一鸣"], "gad7"): 21})     # the later submission
    assert got == want
    assert saved_mapping(counselor, 1)["items"]["第6题(紧张)"] == "gad7:q1"


def test_mapping_edited_in_the_table_through_its_combo(panel, counselor, tmp_path, monkeypatch, qtbot):
    path = survey_file(tmp_path, PEOPLE, kind="text", labels="short")
    choose(panel, monkeypatch, path)
    row = [r.header for r in panel.model.rows()].index("第4题(没兴趣)")
    index = panel.model.index(row, 1)
    panel.columns_view.setCurrentIndex(index)
    panel.columns_view.edit(index)
    editor = panel.columns_view.findChild(QComboBox)
    assert editor is not None and editor.count() > 20
    editor.setCurrentIndex(0)                                     # （不导入）
    panel.columns_view.commitData(editor)
    panel.columns_view.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
    assert "phq9:q1" not in panel.mapping()["items"].values()
    assert panel.banner.kind() == "warning" and any("第1题没有对应的列" in d for d in panel.banner.details())
    panel.import_button.click()
    assert panel.banner.kind() == "error" and "没有导入任何数据" in panel.banner.text()
    assert results(counselor, 1) == []
    panel.set_use("第4题(没兴趣)", "phq9:q1")                     # put it back
    panel.matches.load(None)
    panel.import_button.click()
    assert panel.report.total.added == 8


def test_ambiguous_kind_must_be_chosen(panel, counselor, tmp_path, monkeypatch):
    people = [Answerer(a.no, a.name, a.cls, [1] * 9, [2] * 7, 1, a.submitted) for a in PEOPLE]
    path = survey_file(tmp_path, people, kind="ordinal", named=False)
    choose(panel, monkeypatch, path)
    assert panel.kind_combo.currentData() == "" and "按错了每题都会差一分" in panel.kind_reason.text()
    panel.import_button.click()
    assert panel.banner.kind() == "error" and "导出方式" in panel.banner.text()
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("ordinal"))
    panel.refresh()
    assert panel.decoded_model.rowCount() == 5
    panel.import_button.click()
    assert panel.report.total.added == 8 and totals(counselor)[(NO_OF["林一鸣"], "phq9")] == 9


def test_roster_preview_lists_the_columns_read_and_ignored(qtbot, admin_ctx, sync_ops, tmp_path):
    w = MainWindow(admin_ctx)
    qtbot.addWidget(w)
    w.resize(1180, 760)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    wizard = open_wizard(qtbot, w)
    # (not 2026级1班: this new school has no classes yet to say which stage 2026级 is)
    choose_roster(wizard, registry_roster(tmp_path / "学籍系统导出.xlsx", REGISTRY[:-1]))
    page = wizard.preview_page
    text = page.columns_label.text()
    assert page.columns_label.isVisible()
    assert "未使用的列：序号、健康状况、民族、监护人姓名、监护人身份证件号、家庭住址" in text
    assert "就读方式（是否住校）" in text and "是否留守儿童" in text and "身份证件类型（证件类型）" in text
    assert "新增 6" in page.summary.text()
    shot(wizard, "roster-preview-columns")
    wizard.reject()


# --- screen at 100 % and 150 % -------------------------------------------------------------------------------

def make_field_mapping():
    """``.venv/bin/python tests/ui/screens.py tests/ui/test_field_imports.py:make_field_mapping --name field-mapping``"""
    import tempfile
    from datetime import date

    os.environ.setdefault("XADESK_KDF_PROFILE", "test")
    from ui import worker
    from xadesk.demo import DEMO_PASSWORD, build_demo
    from xadesk.services.login import login

    worker.set_synchronous(True)
    folder = Path(tempfile.mkdtemp())
    build_demo(folder / "demo.xadesk", today=date(2026, 11, 20))
    ctx = login(folder / "demo.xadesk", "xinli", DEMO_PASSWORD)
    create_campaign(ctx, "PHQ-9 与 GAD-7 筛查", ["phq9", "gad7"], grades=["J1"], open_now=True)
    w = MainWindow(ctx)
    w.resize(1366, 800)
    page = w.show_page("screening")
    panel = page.extra_tabs["survey"]
    page.tabs.setCurrentWidget(panel)
    panel.load_file(survey_file(folder, PEOPLE, kind="ordinal", labels="short"))
    return w


def test_a_cell_with_markup_is_shown_as_text(panel, counselor, tmp_path, monkeypatch):
    from tests.fieldfiles.build import headers, rows, write

    body = rows(PEOPLE, "text")
    body[0][12] = "<b>好几天</b><img src='x'>"
    choose(panel, monkeypatch, write(tmp_path / "245871932_按文本_筛查_6_6.xlsx", headers(), body))
    panel.import_button.click()
    assert panel.banner.kind() == "error" and "<b>好几天</b>" in panel.banner.text()
    from PySide6.QtWidgets import QLabel

    (label,) = [x for x in panel.banner.findChildren(QLabel) if "好几天" in x.text()]
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert results(counselor, 1) == []
