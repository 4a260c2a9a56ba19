"""纸质答卷 on the campaigns page: answer sheets saved as a PDF, the keyboard grid (one key per cell,
range check, a row saved when its last item is typed), double entry with mismatches resolved.

Screen at 100 % and 150 %::

    .venv/bin/python tests/ui/screens.py tests/ui/test_screening_paper.py:make_grid --name screening-paper
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.services.conftest import small_school  # noqa: F401
from ui.mainwindow import MainWindow
from ui.screening import paper as paper_mod
from ui.screening.page import CampaignsPage
from xadesk.services.campaigns import coverage, create_campaign
from xadesk.services.screening_paper import paper_mismatches
from xadesk.services.screening_results import response_answers

pytestmark = pytest.mark.gui


@pytest.fixture
def counselor(small_school):  # noqa: F811
    ctx = small_school.as_user("xinli")
    yield ctx
    ctx.close()


@pytest.fixture
def panel(qtbot, counselor, sync_ops) -> paper_mod.PaperPanel:
    create_campaign(counselor, "纸笔普查", ["phq9", "gad7"], grades=["J1"], open_now=True)
    w = MainWindow(counselor)
    qtbot.addWidget(w)
    w.resize(1180, 760)
    w.show()
    page = w.show_page("screening")
    assert isinstance(page, CampaignsPage)
    p = page.extra_tabs["paper"]
    page.tabs.setCurrentWidget(p)
    return p


def type_row(panel, keys: str) -> None:
    for k in keys:
        QTest.keyClick(panel.grid, k)


def test_grid_by_keyboard_with_range_check(panel, counselor):
    assert panel.class_combo.currentText() == "七年级(1)班"
    assert [panel.instrument_combo.itemData(i)[0] for i in range(panel.instrument_combo.count())] == ["phq9", "gad7"]
    assert panel.model.rowCount() == 2 and panel.model.rows[0].name == "林一鸣"
    assert panel.grid.currentIndex().column() == paper_mod.FIXED
    type_row(panel, "12")
    type_row(panel, "7")                                           # not an option of item 3
    assert panel.banner.kind() == "error" and "第3题只能填" in panel.banner.text()
    assert panel.model.rows[0].cells[:3] == ["1", "2", ""] and panel.grid.currentIndex().column() == 4
    QTest.keyClick(panel.grid, Qt.Key.Key_Backspace)                 # clearing a blank cell is harmless
    type_row(panel, "0120000")                                     # items 3–9
    type_row(panel, "1")                                           # item 10, the last: the row is saved
    assert panel.model.rows[0].status == "已保存"
    assert panel.grid.currentIndex().row() == 1                   # on to the next student
    stored = response_answers(counselor, 1, panel.model.rows[0].student_id, "phq9")
    assert stored["status"] == "completed" and stored["answers"] == [1, 2, 0, 1, 2, 0, 0, 0, 0, 1]
    assert coverage(counselor, 1).total.in_progress == 1


def test_double_entry_mismatch_listed_and_resolved(panel, counselor):
    panel.pass_combo.setCurrentIndex(1)                            # 双人录入 · 第一遍
    type_row(panel, "1111111110")
    assert "第1遍" in panel.model.rows[0].status
    panel.pass_combo.setCurrentIndex(2)                            # the second operator
    assert panel.model.rows[0].cells == [""] * 10
    type_row(panel, "1111111210")
    assert "两遍不一致：第8题" in panel.model.rows[0].status
    [m] = paper_mismatches(counselor, 1)
    assert m.name == "林一鸣" and m.items == ((8, 1, 2),)          # PHQ-9 codes are the values
    assert panel.mismatch_model.rowCount() == 1
    panel.mismatch_table.selectRow(0)
    panel.mismatch_table.setCurrentIndex(panel.mismatch_model.index(0, 0))
    assert panel.resolve_edit.text() == "1 1 1 1 1 1 1 2 1 0"
    panel.resolve_edit.setText("1 1 1 1 1 1 1 1 1 0")             # the sheet says 1
    assert panel.resolve_selected()
    assert paper_mismatches(counselor, 1) == []
    assert response_answers(counselor, 1, m.student_id, "phq9")["answers"][7] == 1


def test_answer_sheets_saved_as_pdf(panel, tmp_path, monkeypatch):
    out = tmp_path / "答卷"
    monkeypatch.setattr(paper_mod, "ask_save_path", lambda *a: str(out))
    panel.print_button.click()
    pdf = Path(str(out) + ".pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and "答卷已保存" in panel.banner.text()
    codes = tmp_path / "登录码.pdf"
    monkeypatch.setattr(paper_mod, "ask_save_path", lambda *a: str(codes))
    panel.codes_button.click()
    assert codes.read_bytes().startswith(b"%PDF") and "2 个登录码已保存" in panel.banner.text()


# --- screen ----------------------------------------------------------------------------------------------

def make_grid():
    import os
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
    create_campaign(ctx, "纸笔补测", ["phq9", "gad7"], grades=["J1"], open_now=True)
    w = MainWindow(ctx)
    w.resize(1180, 760)
    page = w.show_page("screening")
    panel = page.extra_tabs["paper"]
    page.tabs.setCurrentWidget(panel)
    for keys in ("1210010001", "0000000001", "2"):
        for k in keys:
            QTest.keyClick(panel.grid, k)
    QTest.keyClick(panel.grid, "9")
    return w
