"""The instrument library screens (量表库) driven through the real widgets: list, detail, import, try-it.

Screens at 100 % and 150 %::

    for f in make_list make_scl90 make_import_error make_tryit; do
        .venv/bin/python tests/ui/screens.py tests/ui/test_instrument_screens.py:$f --name instruments-$f
    done
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from ui import messages
from ui.instruments.page import LibraryPage
from ui.instruments.tryit import AnswerEdit
from ui.mainwindow import MainWindow
from xadesk.instruments import load_builtin
from xadesk.services import accounts, instruments
from xadesk.services.login import login

pytestmark = pytest.mark.gui

PHQ9_ANSWERS = ["1", "2", "1", "2", "0", "1", "1", "0", "1"]  # total 9 (mild), item 9 = 1


@pytest.fixture
def window(qtbot, admin_ctx, sync_ops) -> MainWindow:
    w = MainWindow(admin_ctx)
    qtbot.addWidget(w)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w


def library(w: MainWindow) -> LibraryPage:
    page = w.show_page("instruments")
    assert isinstance(page, LibraryPage)
    return page


def ids(page: LibraryPage) -> list[str]:
    return [e.info.id for e in page.proxy.visible_rows()]


def school_definition(**changes) -> dict:
    """A school's own instrument: GAD-7's key under another id (a definition a school may write)."""
    data = load_builtin("gad7").to_dict()
    data.update(id="school_anx", name={"zh": "本校焦虑自评（试用）", "en": "School anxiety check"})
    data.update(changes)
    return data


def write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# --- list and detail ----------------------------------------------------------------------------------

def test_library_lists_builtins_and_filters_as_you_type(qtbot, window, screenshot):
    page = library(window)
    listed = ids(page)
    assert "phq9" in listed and "scl90" in listed and len(listed) == 13
    phq9_row = page.model.row_of(lambda e: e.info.id == "phq9")
    texts = [page.model.cell_text(phq9_row, c) for c in range(page.model.columnCount())]
    assert texts == ["患者健康问卷抑郁量表（PHQ-9）", "phq9", "1", "10", "内置", "使用中", "抑郁总分"]
    screenshot(window, "instruments-list")

    qtbot.keyClicks(page.filter_edit, "scl")
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Return)
    assert ids(page) == ["scl90"]
    page.filter_edit.clear()
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Return)
    assert len(ids(page)) == 13


def test_phq9_detail_items_bands_sources_and_safety(window, screenshot):
    page = library(window)
    assert page.select("phq9")
    body = page.detail.body_text()
    assert "做事时提不起劲或没有兴趣" in body               # item text is allowed for PHQ-9
    assert "0 完全不会" in body and "3 几乎每天" in body      # options with their values
    assert "20–27 重度" in body and "Kroenke" in body        # bands with their source
    assert "最多空 2 题，按比例折算" in body                   # the explicit missing rule
    assert "安全规则（不可关闭）" in body and "第9题 ≥ 1" in body
    licence = page.detail.licence_text()
    assert "无需获得许可即可复制" in licence and "Kroenke K, Spitzer RL" in licence
    assert body.index("版权与使用") < body.index("题目与选项")      # the licence comes first
    screenshot(window, "instruments-phq9")


def test_scl90_detail_shows_item_numbers_only_and_its_licence(window, screenshot):
    page = library(window)
    assert page.select("scl90")
    body = page.detail.body_text()
    assert "第1题" in body and "第90题" in body
    assert "不在屏幕上显示题目原文" in body
    assert "第19、44、59、60、64、66、89题" in body           # the "other" factor, not the phobic items
    assert "第15题 ≥ 2" in body or "第15题" in body
    licence = page.detail.licence_text()
    assert "Pearson" in licence and "只附带计分键" in licence and "Derogatis" in licence
    screenshot(window, "instruments-scl90")


def test_reverse_keyed_items_are_marked(window):
    page = library(window)
    assert page.select("rses")
    body = page.detail.body_text()
    assert body.count("反向计分") >= 5


# --- import and retire ---------------------------------------------------------------------------------

def test_malformed_definition_lists_every_problem_and_stores_nothing(window, admin_ctx, tmp_path, screenshot):
    page = library(window)
    data = school_definition()
    data["scales"][0]["items"] = [*data["scales"][0]["items"], "q99"]   # an item that does not exist
    data["source"] = {"url": "https://example.org"}                      # no citation
    bad = write(tmp_path, "school_anx.json", data)

    page.import_file(bad)
    dialog = page.problems_dialog
    assert dialog is not None and dialog.isVisible()
    rows = dialog.rows()
    assert len(rows) == 2 and all(r[0] == "school_anx.json" for r in rows)
    fields = {r[1]: r[2] for r in rows}
    assert fields["scales[0].items[7]"] == "未知题目 'q99'"
    assert fields["source.citation"] == "缺少出处"
    assert page.banner.kind() == "error" and "2 处错误" in page.banner.text()
    screenshot(dialog, "instruments-import-error")
    assert [i for i in instruments.available(admin_ctx, include_retired=True) if i.source == "school"] == []
    assert "school_anx" not in ids(page)
    dialog.reject()

    good = write(tmp_path, "school_anx.json", school_definition())
    page.import_file(good)
    assert "school_anx" in ids(page)
    assert page.selected().info.id == "school_anx" and page.selected().info.source == "school"
    assert "已导入" in page.banner.text()
    row = page.model.row_of(lambda e: e.info.id == "school_anx")
    assert page.model.cell_text(row, 4) == "本校"

    # The same id with other content and the same version number: stored as the next version.
    changed = school_definition(time_frame={"zh": "最近一周", "en": "The past week"})
    page.import_file(write(tmp_path, "school_anx_v2.json", changed))
    assert page.selected().key == ("school_anx", 2)
    assert [(i.version, i.status) for i in instruments.available(admin_ctx, include_retired=True)
            if i.id == "school_anx"] == [(1, "retired"), (2, "active")]
    assert ids(page).count("school_anx") == 1
    page.retired_check.setChecked(True)
    assert ids(page).count("school_anx") == 2


def test_builtin_id_is_refused_with_the_field(window, tmp_path):
    page = library(window)
    page.import_file(write(tmp_path, "phq9.json", load_builtin("phq9").to_dict()))
    rows = page.problems_dialog.rows()
    assert rows[0][:2] == ("phq9.json", "id") and "内置量表" in rows[0][2]


def test_retire_a_school_instrument_after_confirming(window, admin_ctx, tmp_path):
    page = library(window)
    page.import_file(write(tmp_path, "school_anx.json", school_definition()))
    assert page.select("school_anx") and page.retire_button.isEnabled()
    messages.set_next_answer(False)
    page.retire_selected()
    kind, _title, text = messages.shown[-1]
    assert kind == "question" and "停用本校量表“本校焦虑自评（试用）”" in text
    assert "school_anx" in ids(page)                       # 取消: nothing changed
    messages.set_next_answer(True)
    page.retire_selected()
    assert "school_anx" not in ids(page)
    assert [i.status for i in instruments.available(admin_ctx, include_retired=True) if i.id == "school_anx"] == \
        ["retired"]
    assert page.select("phq9") and not page.retire_button.isEnabled()   # built-ins cannot be retired


# --- try it ---------------------------------------------------------------------------------------------

def focused_edit() -> AnswerEdit:
    widget = QApplication.focusWidget()
    assert isinstance(widget, AnswerEdit), widget
    return widget


def open_tryit(qtbot, window, instrument_id: str):
    page = library(window)
    assert page.select(instrument_id)
    panel = page.show_tryit()
    assert panel.definition.id == instrument_id
    panel.edits[0].setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.edits[0])
    return page, panel


def test_tryit_phq9_by_keyboard_shows_total_band_and_safety_flag(qtbot, window, screenshot):
    _page, panel = open_tryit(qtbot, window, "phq9")
    for k, code in enumerate(PHQ9_ANSWERS):
        assert focused_edit() is panel.edits[k]
        QTest.keyClicks(focused_edit(), "9" + code)   # "9" is not an option of PHQ-9: refused as typed
        assert panel.edits[k].text() == code
        QTest.keyClick(focused_edit(), Qt.Key.Key_Tab if k % 2 else Qt.Key.Key_Return)
    assert focused_edit() is panel.edits[9]              # item 10 (difficulty, not scored)
    QTest.keyClicks(focused_edit(), "1")
    QTest.keyClick(focused_edit(), Qt.Key.Key_Return)    # Enter on the last item scores

    result = panel.result
    assert result is not None
    total = result["scales"]["total"]
    assert (total["raw"], total["band"]) == (9, "mild")
    assert "safety:item9" in result["flags"]
    text = panel.result_text()
    assert "抑郁总分" in text and "9" in text and "轻度" in text and "全部作答" in text
    assert "安全提示·不可关闭" in text and "第9题" in text
    assert "#c0262d" in panel.results.toHtml()        # the safety line is red
    screenshot(window, "instruments-tryit")


def test_tryit_blank_is_missing_not_zero(qtbot, window):
    _page, panel = open_tryit(qtbot, window, "phq9")
    answers = list(PHQ9_ANSWERS)
    answers[2] = ""                                       # item 3 left blank
    for code in answers:
        if code:
            QTest.keyClicks(focused_edit(), code)
        QTest.keyClick(focused_edit(), Qt.Key.Key_Tab)
    panel.score()
    total = panel.result["scales"]["total"]
    assert total["n_blank"] == 1
    assert total["raw"] == 9                              # 8 answered sum to 8, prorated × 9/8 → 9, not 8
    text = panel.result_text()
    assert "按比例折算：空 1 题" in text
    assert "未作答（缺失，不计 0 分）：第3、10题" in text

    _page.refresh()                                       # coming back to the page keeps what was typed
    assert panel.edits[0].text() == "1" and panel.edits[2].text() == ""

    panel.set_answers([""] * 10)
    panel.score()
    assert panel.result["scales"]["total"]["raw"] is None and "no_answers" in panel.result["flags"]


def test_tryit_scl90_numbers_only_and_too_many_blanks(qtbot, window):
    _page, panel = open_tryit(qtbot, window, "scl90")
    assert len(panel.edits) == 90 and panel.edits[0].accessibleName() == "第1题"
    panel.set_answers(["1"] * 90)
    panel.edits[14].setText("2")                          # item 15, a critical item
    panel.edits[0].clear()
    panel.edits[3].clear()                                # two blanks in somatization: more than 1 allowed
    panel.score()
    res = panel.result
    assert res["scales"]["somatization"]["raw"] is None
    assert "safety:item15" in res["flags"]
    assert "无效：空 2 题，超过允许的 1 题" in panel.result_text()


def test_tryit_quiz_takes_letters(qtbot, window):
    _page, panel = open_tryit(qtbot, window, "mhk")
    QTest.keyClicks(focused_edit(), "a")
    assert panel.edits[0].text() == "A"
    assert panel.edits[0].value() == panel.edits[0].item.options[0].value


def test_school_norms_in_detail_and_t_score_in_tryit(qtbot, window, tmp_path):
    norms = [{"scale": "total", "kind": "t", "source": "本校 2024 年初二常模（n=412）",
              "groups": [{"grades": [7, 8, 9], "mean": 5.0, "sd": 4.0}]}]
    page = library(window)
    page.import_file(write(tmp_path, "school_anx.json", school_definition(norms=norms)))
    body = page.detail.body_text()
    assert "本校 2024 年初二常模" in body and "七年级至九年级（均数 5，标准差 4）" in body
    panel = page.show_tryit()
    assert panel.definition.id == "school_anx" and panel.grade_combo.isVisibleTo(panel)
    panel.set_answers(["1", "1", "1", "1", "1", "2", "2"])     # total 9
    panel.grade_combo.setCurrentIndex(panel.grade_combo.findData(8))
    panel.score()
    assert panel.result["scales"]["total"]["t"] == 60.0          # 50 + 10 × (9 − 5) / 4
    assert "T 分" in panel.result_text() and "60" in panel.result_text()
    assert page.select("phq9")
    page.show_tryit()
    assert not panel.grade_combo.isVisibleTo(panel)              # no norms: no grade or sex to choose


# --- who sees the page ------------------------------------------------------------------------------------

def test_counselor_sees_the_library_homeroom_teacher_does_not(qtbot, admin_ctx, db_path, sync_ops):
    accounts.add_user(admin_ctx, "li", "李老师", [accounts.RoleSpec("counselor")], "first-pass-1")
    accounts.add_user(admin_ctx, "lead", "赵校长", [accounts.RoleSpec("leader")], "first-pass-1")
    for user, sees, manages in (("li", True, True), ("lead", False, False)):
        ctx = login(db_path, user, "first-pass-1")
        try:
            w = MainWindow(ctx)
            qtbot.addWidget(w)
            assert ("instruments" in w.page_keys()) is sees
            if sees:
                page = library(w)
                assert page.import_button.isVisibleTo(page) is manages
        finally:
            ctx.close()


# --- screens at 100 % / 150 % (tests/ui/screens.py) -----------------------------------------------------

def _demo_window() -> MainWindow:
    """A fresh school in a temporary folder, the library page open (for screens.py; not a test)."""
    os.environ.setdefault("XADESK_KDF_PROFILE", "test")
    folder = Path(tempfile.mkdtemp(prefix="xadesk-screens-"))
    os.environ["XDG_DATA_HOME"] = str(folder / "data")
    from ui import worker
    from xadesk.services.login import create_school

    worker.set_synchronous(True)
    create_school(folder / "school.xadesk", "西安市示例中学", "admin", "admin-pass-123", "王管理")
    ctx = login(folder / "school.xadesk", "admin", "admin-pass-123")
    w = MainWindow(ctx)
    w._screens_ctx = ctx  # type: ignore[attr-defined]
    library(w)
    return w


def make_list() -> QWidget:
    w = _demo_window()
    library(w).select("phq9")
    return w


def make_scl90() -> QWidget:
    w = _demo_window()
    library(w).select("scl90")
    return w


def make_scl90_items() -> QWidget:
    w = _demo_window()
    page = library(w)
    page.select("scl90")
    page.detail.body.scrollToAnchor("items")
    return w


def make_phq9_safety() -> QWidget:
    w = _demo_window()
    page = library(w)
    page.select("phq9")
    page.detail.body.scrollToAnchor("scales")
    return w


def make_import_error() -> dict[str, QWidget]:
    messages.set_test_mode(True)
    w = _demo_window()
    page = library(w)
    data = school_definition()
    data["scales"][0]["items"] = [*data["scales"][0]["items"], "q99"]
    data["source"] = {"url": "https://example.org"}
    page.import_file(write(Path(tempfile.mkdtemp()), "school_anx.json", data))
    return {"": w, "problems": page.problems_dialog}


def make_tryit() -> QWidget:
    w = _demo_window()
    page = library(w)
    page.select("phq9")
    panel = page.show_tryit()
    panel.set_answers([*PHQ9_ANSWERS[:2], "", *PHQ9_ANSWERS[3:]])
    panel.score()
    return w


def make_tryit_scl90() -> QWidget:
    w = _demo_window()
    page = library(w)
    page.select("scl90")
    panel = page.show_tryit()
    panel.set_answers(["1", "2", "", "3"] * 22 + ["1", "1"])
    panel.score()
    return w
