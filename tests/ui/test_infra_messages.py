"""Dialogs answer from the test hook; the real boxes have Chinese buttons; banners show and hide."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QPushButton, QWidget

from ui import messages
from ui.messages import MessageBanner
from xadesk.errors import ValidationFailed

pytestmark = pytest.mark.gui


def test_questions_take_the_queued_answer_then_the_default():
    messages.set_next_answer(True)
    messages.set_next_answer(False)
    assert messages.question(None, "删除这条记录？") is True
    assert messages.question(None, "删除这条记录？") is False
    assert messages.question(None, "删除这条记录？") is False  # default: no
    assert messages.question(None, "保存？", default_yes=True) is True
    assert messages.kinds() == ["question"] * 4
    assert messages.shown[0] == ("question", "请确认", "删除这条记录？")


def test_choose_returns_an_index():
    messages.set_next_answer(1)
    assert messages.choose(None, "有未保存的修改。", ["保存", "不保存", "取消"]) == 1
    assert messages.choose(None, "有未保存的修改。", ["保存", "不保存", "取消"], default=2) == 2


def test_plain_boxes_are_recorded_with_default_titles():
    messages.information(None, "导入完成。")
    messages.warning(None, "有 3 名学生没有班级。", details=["第2行", "第7行", "第9行"])
    messages.user_error(None, ValidationFailed("文件有错误。", details=["第5行：日期不存在"]))
    assert messages.shown == [
        ("information", "提示", "导入完成。"),
        ("warning", "注意", "有 3 名学生没有班级。\n第2行\n第7行\n第9行"),
        ("error", "出错了", "文件有错误。\n第5行：日期不存在"),
    ]


def _click_when_shown(label: str, seen: list[list[str]]) -> None:
    """Click the button labelled ``label`` on the modal box once it is up (the box blocks in exec())."""

    def attempt() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, attempt)
            return
        buttons = box.findChildren(QPushButton)
        seen.append(sorted(b.text() for b in buttons if b.isVisible()))
        next(b for b in buttons if b.text() == label).click()

    QTimer.singleShot(20, attempt)


def test_real_boxes_have_chinese_buttons(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    messages.set_test_mode(False)
    try:
        seen: list[list[str]] = []
        _click_when_shown("是，删除", seen)
        assert messages.question(parent, "删除？", yes="是，删除", no="不删除") is True
        _click_when_shown("不删除", seen)
        assert messages.question(parent, "删除？", yes="是，删除", no="不删除") is False
        _click_when_shown("确定", seen)
        details = [f"第{i}行：缺少姓名" for i in range(2, 40)]
        messages.error(parent, "文件有 38 处错误。", details=details)
        _click_when_shown("不保存", seen)
        assert messages.choose(parent, "有未保存的修改。", ["保存", "不保存", "取消"]) == 1
    finally:
        messages.set_test_mode(True)
    assert seen[0] == ["不删除", "是，删除"]
    assert "确定" in seen[2]
    assert messages.shown == []  # nothing is recorded outside test mode


def test_internal_error_never_contains_exception_text():
    messages.internal_error(None, "/tmp/crash.log")
    [(kind, title, text)] = messages.shown
    assert (kind, title) == ("error", "程序内部错误")
    assert "不含学生信息" in text and "/tmp/crash.log" in text


def test_notify_goes_to_the_status_bar(qtbot):
    win = QMainWindow()
    qtbot.addWidget(win)
    messages.notify(win, "已保存。")
    assert win.statusBar().currentMessage() == "已保存。"
    assert messages.shown == [("status", "", "已保存。")]


def test_banner_shows_details_on_demand_and_closes(qtbot):
    banner = MessageBanner()
    qtbot.addWidget(banner)
    assert banner.isHidden()
    retried = []
    banner.show_message("error", "第5行有错误，未导入。", ["第5行：身份证号校验位错误"],
                        action=("重新选择文件", lambda: retried.append(True)))
    banner.show()
    assert banner.isVisible() and banner.kind() == "error"
    assert banner.text() == "第5行有错误，未导入。"
    assert banner.details() == ["第5行：身份证号校验位错误"]
    details_button = next(b for b in banner.findChildren(QPushButton) if b.text() == "显示详情")
    qtbot.mouseClick(details_button, Qt.MouseButton.LeftButton)
    assert details_button.text() == "隐藏详情"
    action = next(b for b in banner.findChildren(QPushButton) if b.text() == "重新选择文件")
    qtbot.mouseClick(action, Qt.MouseButton.LeftButton)
    assert retried == [True]
    close = next(b for b in banner.findChildren(QPushButton) if b.accessibleName() == "关闭提示")
    with qtbot.waitSignal(banner.closed, timeout=1000):
        qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert banner.isHidden() and banner.text() == ""
    assert messages.kinds() == ["banner:error"]


def test_banner_rejects_unknown_kinds(qtbot):
    banner = MessageBanner()
    qtbot.addWidget(banner)
    with pytest.raises(ValueError):
        banner.show_message("fatal", "x")
