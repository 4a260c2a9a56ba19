"""预警设置 tab: a counselor edits levels, rules, release approval and capacity; the safety floor is read-only.

Screens at 100 % and 150 %::

    .venv/bin/python tests/ui/screens.py tests/ui/test_grid_settings.py:make_settings --name grid-settings
    .venv/bin/python tests/ui/screens.py tests/ui/test_grid_settings.py:make_level_dialog --name grid-level
    .venv/bin/python tests/ui/screens.py tests/ui/test_grid_settings.py:make_rule_dialog --name grid-rule
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QWidget

from ui import messages
from ui.grid.page import GridPage
from ui.grid.settings import GridSettingsPanel
from ui.mainwindow import MainWindow
from xadesk.demo import DEMO_PASSWORD, build_demo
from xadesk.services import grid as G
from xadesk.services.login import login

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("gridsettings")
    build_demo(d / "demo.db")
    return d


@pytest.fixture
def demo_db(demo_dir, tmp_path) -> Path:
    for f in demo_dir.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return tmp_path / "demo.db"


def grid_page(qtbot, ctx) -> GridPage:
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    page = w.show_page("grid")
    assert isinstance(page, GridPage)
    return page


def settings_tab(page: GridPage) -> GridSettingsPanel | None:
    tabs = page.tabs
    for i in range(tabs.count()):
        if tabs.tabText(i) == "预警设置":
            return tabs.widget(i)
    return None


@pytest.fixture
def panel(qtbot, demo_db, sync_ops) -> GridSettingsPanel:
    page = grid_page(qtbot, login(demo_db, "xinli", DEMO_PASSWORD))
    tab = settings_tab(page)
    assert tab is not None
    page.tabs.setCurrentWidget(tab)
    return tab


def test_change_follow_up_frequency_is_stored(panel):
    row = panel.level_model.row_of(lambda lv: lv.code == "L3")
    panel.level_view.setCurrentIndex(panel.level_model.index(row, 0))
    dialog = panel.edit_level()
    assert dialog is not None and dialog.days_spin.value() == 30
    dialog.days_spin.setValue(21)
    dialog.buttons.accepted.emit()
    stored = {lv.code: lv for lv in G.levels(panel.ctx)}
    assert stored["L3"].follow_up_days == 21
    assert stored["L3"].name == "三级"  # other fields untouched
    assert panel.level_model.cell_text(row, 2) == "每 21 天"
    assert panel.banner.kind() == "success"


def test_bad_colour_is_refused_in_the_dialog_and_nothing_changes(panel, type_text):
    dialog = panel.edit_level("L4")
    dialog.name_edit.clear()
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and dialog.banner.kind() == "error"
    assert "名称" in dialog.banner.text()
    assert {lv.code: lv for lv in G.levels(panel.ctx)}["L4"].name == "关注"


def test_disable_rule_is_stored_as_a_new_version(panel):
    row = panel.rule_model.row_of(lambda r: r.key == "gad7_moderate")
    index = panel.rule_model.index(row, 0)
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert panel.rule_model.setData(index, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    stored = {r.key: r for r in G.rules(panel.ctx)}
    assert stored["gad7_moderate"].enabled is False
    assert stored["gad7_moderate"].version >= 2
    row = panel.rule_model.row_of(lambda r: r.key == "gad7_moderate")
    assert panel.rule_model.index(row, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked


def test_space_on_the_enabled_cell_toggles_a_rule_from_the_keyboard(panel, qtbot):
    from PySide6.QtTest import QTest

    row = panel.rule_model.row_of(lambda r: r.key == "k6_serious")
    panel.rule_view.setFocus()
    panel.rule_view.setCurrentIndex(panel.rule_model.index(row, 0))
    QTest.keyClick(panel.rule_view, Qt.Key.Key_Space)
    assert {r.key: r for r in G.rules(panel.ctx)}["k6_serious"].enabled is False


def test_renamed_level_reaches_the_grid_tab(panel):
    dialog = panel.edit_level("L4")
    dialog.name_edit.setText("留意")
    dialog.buttons.accepted.emit()
    page = panel.parent()
    while not isinstance(page, GridPage):
        page = page.parent()
    assert "留意" in page.grid.legend.text()
    assert panel.approval_labels["L4"].text().startswith("留意")


def test_edit_rule_threshold_and_level(panel):
    dialog = panel.edit_rule("k10_moderate")
    assert dialog.threshold_spin is not None and dialog.threshold_spin.value() == 25
    dialog.threshold_spin.setValue(26)
    dialog.level_combo.setCurrentIndex(dialog.level_combo.findData("L3"))
    dialog.buttons.accepted.emit()
    rule = {r.key: r for r in G.rules(panel.ctx)}["k10_moderate"]
    assert rule.when["ge"] == 26 and rule.level == "L3"
    history = [r for r in G.rules(panel.ctx, include_retired=True) if r.key == "k10_moderate"]
    assert len(history) >= 2  # the old version is kept


def test_combination_rule_edits_as_condition_text_and_rejects_bad_json(panel):
    dialog = panel.edit_rule("phq9_gad7_severe")
    assert dialog.threshold_spin is None and dialog.when_edit is not None
    dialog.when_edit.setPlainText("{not json")
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and dialog.banner.kind() == "error"
    assert {r.key: r for r in G.rules(panel.ctx)}["phq9_gad7_severe"].version == 0


def test_invalid_condition_gets_the_core_message_and_stores_nothing(panel):
    dialog = panel.edit_rule("phq9_gad7_severe")
    dialog.when_edit.setPlainText('{"all": []}')
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and "规则条件有误" in dialog.banner.text()
    assert {r.key: r for r in G.rules(panel.ctx)}["phq9_gad7_severe"].version == 0


def test_safety_floor_is_listed_without_an_enable_control(panel):
    box = panel.findChild(QWidget, "safetyBox")
    assert "不可关闭" in box.title()
    assert panel.safety_list.count() >= 5
    assert all("不可关闭" in panel.safety_list.item(i).text() for i in range(panel.safety_list.count()))
    assert box.findChildren(QCheckBox) == []
    for i in range(panel.safety_list.count()):
        assert not panel.safety_list.item(i).flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert not any(r.key.startswith("safety") for r in panel.rule_model.rows())


def test_release_approval_and_capacity_are_stored(panel):
    combo = panel.approval_combos["L2"]
    combo.setCurrentIndex(combo.findData("leader"))
    assert G.settings(panel.ctx).release_approval["L2"] == "leader"
    panel.capacity_spin.setValue(6)
    panel.capacity_button.click()
    caps = G.settings(panel.ctx).interviews_per_week
    assert caps and set(caps.values()) == {6}


def test_homeroom_teacher_does_not_get_the_tab(qtbot, demo_db, sync_ops):
    page = grid_page(qtbot, login(demo_db, "bzr701", DEMO_PASSWORD))
    assert settings_tab(page) is None
    assert page.findChild(GridSettingsPanel) is None


# --- screens (tests/ui/screens.py) ---------------------------------------------------------------

_KEEP: list = []


def _ctx():
    from ui import worker

    worker.set_synchronous(True)
    messages.set_test_mode(True)
    d = Path(tempfile.mkdtemp())
    build_demo(d / "demo.db")
    return login(d / "demo.db", "xinli", DEMO_PASSWORD)


def make_settings():
    w = MainWindow(_ctx())
    page = w.show_page("grid")
    page.tabs.setCurrentWidget(settings_tab(page))
    w.resize(1100, 760)
    return w


def make_level_dialog():
    w = make_settings()
    _KEEP.append(w)
    return settings_tab(w.show_page("grid")).edit_level("L1")


def make_rule_dialog():
    w = make_settings()
    _KEEP.append(w)
    return {"simple": settings_tab(w.show_page("grid")).edit_rule("phq9_moderate"),
            "combo": settings_tab(w.show_page("grid")).edit_rule("phq9_gad7_severe")}
