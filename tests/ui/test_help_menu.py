"""帮助 → 关于 and 帮助 → 自检, driven from the main window's menu."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ui.about import AboutDialog
from ui.mainwindow import MainWindow
from ui.selftest_dialog import SelfTestDialog
from xadesk import __version__
from xadesk.selftest import all_steps
from xadesk.storage import migrate

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, admin_ctx) -> MainWindow:
    w = MainWindow(admin_ctx)
    qtbot.addWidget(w)
    w.resize(1180, 760)
    w.show()
    return w


def _open(qtbot, action, kind):
    action.trigger()
    # A child of the main window that deletes itself when closed: the window's cleanup covers it.
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())


def test_about_names_app_schema_and_sqlcipher_versions(qtbot, window, screenshot):
    menu = [a.text() for a in window.menuBar().actions()]
    assert "帮助(&H)" in menu
    dialog = _open(qtbot, window.about_action, AboutDialog)
    text = dialog.text()
    assert f"XA Desk 版本：{__version__}" in text
    assert f"数据库结构版本：{migrate.head_revision()}" in text
    assert re.search(r"SQLCipher 版本：4\.\d+", text)
    assert "Qt 版本：6." in text
    assert str(window.ctx.db.path) in text
    screenshot(dialog, "about")
    dialog.reject()


@pytest.mark.slow
def test_selftest_from_the_menu_runs_every_step_off_the_gui_thread(qtbot, window, screenshot):
    dialog = _open(qtbot, window.selftest_action, SelfTestDialog)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert not dialog.start_button.isEnabled()  # running on the worker thread, the window stays live
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=180_000)
    lines = [dialog.results.item(i).text() for i in range(dialog.results.count())]
    assert [line.split("]", 1)[1].split("（")[0].strip() for line in lines] == [s.label for s in all_steps()]
    assert all(line.startswith("[通过]") and "秒）" in line for line in lines)
    assert dialog.banner.kind() == "success" and "自检通过" in dialog.banner.text()
    assert dialog.op is not None and dialog.op.outcome == "success"
    # The app's own database is untouched and still open.
    assert window.ctx.db.integrity_check() == []
    screenshot(dialog, "selftest")
    dialog.reject()


def test_a_failing_step_shows_in_the_list_and_the_banner(qtbot, window, tmp_path, monkeypatch, sync_ops):
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", tmp_path / "missing")  # a broken installation
    dialog = SelfTestDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    lines = [dialog.results.item(i).text() for i in range(dialog.results.count())]
    assert lines[0].startswith("[失败] 新建学校数据库")
    assert all("未运行" in line for line in lines[1:])
    assert len(lines) == len(all_steps())
    assert dialog.banner.kind() == "error" and "新建学校数据库" in dialog.banner.text()
    assert dialog.start_button.isEnabled()
