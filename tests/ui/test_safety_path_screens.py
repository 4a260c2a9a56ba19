"""Issue 9 in the app: a counselor closes a campaign and works the review queue it produced; an empty
queue says why and what to do; a second counselor opens the greeting's notices and reads one; the
alert list shows the time of the answer and drops an alert once its proposal is decided.

Screens (PNG under ``XADESK_SHOTS_DIR`` when ``XADESK_SCREENSHOTS=1``)::

    XADESK_SCREENSHOTS=1 XADESK_SHOTS_DIR=/work/wt/shots/i9 .venv/bin/python -m pytest tests/ui/test_safety_path_screens.py
"""

from __future__ import annotations

import os
from datetime import UTC
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from tests.services.conftest import STAFF_PASSWORD, small_school  # noqa: F401
from tests.ui.conftest import SCREENSHOT_DIR, save_screenshot
from ui import messages
from ui.grid.greeting import greet
from ui.grid.notices import NoticesDialog
from ui.grid.page import GridPage
from ui.mainwindow import MainWindow
from ui.screening.page import CampaignsPage
from xadesk.services import grid as G
from xadesk.services import roles, screening_answers
from xadesk.services.accounts import RoleSpec, add_user
from xadesk.services.campaigns import create_campaign
from xadesk.services.screening_paper import save_paper_row

pytestmark = pytest.mark.gui

SHOTS = Path(os.environ.get("XADESK_SHOTS_DIR", SCREENSHOT_DIR))


def shot(widget, name: str) -> None:
    save_screenshot(widget, name, SHOTS)


def _screening(school):
    """A second counselor (who gets the notices), an open campaign and paper answers: 林一鸣 PHQ-9
    item 9 = 2 (safety), 苏晓雨 a severe total without item 9, 贺子轩 item 9 left blank."""
    add_user(school.admin, "xinli2", "心理老师乙", [RoleSpec(roles.COUNSELOR)], STAFF_PASSWORD)
    ctx = school.as_user("xinli")
    c = create_campaign(ctx, "2026秋季普查", ["phq9", "asq"], grades=["J1", "J2"], open_now=True)
    ids = school.student_ids
    save_paper_row(ctx, c.id, ids["林一鸣"], "phq9", ["0"] * 8 + ["2", "0"])
    save_paper_row(ctx, c.id, ids["苏晓雨"], "phq9", ["3"] * 8 + ["0", "3"])
    save_paper_row(ctx, c.id, ids["贺子轩"], "phq9", ["1"] * 8 + ["", "1"])
    return ctx, c


def _window(qtbot, ctx) -> MainWindow:
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.resize(1180, 760)
    w.show()
    return w


def _button(widget, text: str) -> QPushButton:
    return next(b for b in widget.findChildren(QPushButton) if b.text().replace("&", "") == text and b.isVisible())


def test_counselor_closes_a_campaign_and_works_the_queue_it_produced(qtbot, small_school, sync_ops,  # noqa: F811
                                                                     type_text):
    ctx, c = _screening(small_school)
    lin = small_school.student_ids["林一鸣"]
    w = _window(qtbot, ctx)
    page = w.show_page("screening")
    assert isinstance(page, CampaignsPage)
    page.reload(c.id)
    assert page.selected().id == c.id

    # The alert list: the time of the answer, display names, 待处理.
    page.poll_alerts()
    alerts = page.show_alerts()
    assert alerts.model.rowCount() == 1
    assert alerts.model.cell_text(0, 3) == "PHQ-9" and alerts.model.cell_text(0, 5) == "待处理"
    answered = screening_answers.alerts(ctx)[0].answered_at
    assert alerts.model.cell_text(0, 0) == answered.replace(tzinfo=UTC).astimezone().strftime("%m-%d %H:%M")
    shot(alerts, "alert-list")
    alerts.close()

    # 结束活动: a question, then the proposals are made off the UI thread.
    messages.set_next_answer(True)
    op = page.close_selected()
    assert op is not None and op.outcome == "success"
    assert "已结束" in page.banner.text() and "已生成预警建议 3 名（其中安全底线 1 名）" in page.banner.text()
    assert page.selected().status == "closed"
    _button(page.banner, "打开复核队列").click()
    grid = w.current_page()
    assert isinstance(grid, GridPage) and grid.tabs.currentWidget() is grid.review
    review = grid.review
    assert review.campaign_combo.currentData() == c.id
    rows = review.model.rows()
    assert [r.name for r in rows][:1] == ["林一鸣"] and {r.name for r in rows} == {"林一鸣", "苏晓雨", "贺子轩"}
    he = next(r for r in rows if r.name == "贺子轩")
    assert he.safety and he.critical_blank and "未作答关键题，需核实：PHQ-9 第9题" in he.reasons
    assert not review.empty_hint.isVisible()
    review.select_student(lin)
    assert "PHQ-9 第9题" in review.detail.text() and "不可关闭" in review.detail.text()
    shot(w, "review-queue-after-close")

    # Work it: interview, then decide at the proposed level.
    dlg = review.interview()
    dlg.findings.setFocus()
    type_text(dlg.findings, "当面询问，近两周有轻生念头，无计划")
    dlg.submit()
    assert review.select_student(lin)
    dec = review.decide()
    dec.level.setCurrentIndex(dec.level.findData("L2"))
    dec.submit()
    assert dec.result() == dec.DialogCode.Accepted
    assert lin not in {r.student_id for r in review.model.rows()}
    # The alert behind the decided proposal has left 待处理.
    assert screening_answers.alerts(ctx) == []
    [done] = screening_answers.alerts(ctx, open_only=False)
    assert done.status == "已处理" and done.note == G.ALERT_DECIDED_NOTE
    w.show_page("screening")
    page.poll_alerts()
    assert not page.alert_button.isVisible()


def test_empty_queue_says_why_and_what_to_do(qtbot, small_school, sync_ops):  # noqa: F811
    ctx = small_school.as_user("xinli")
    c = create_campaign(ctx, "2026春季普查", ["phq9"], grades=["J1"], open_now=True)
    w = _window(qtbot, ctx)
    grid = w.show_page("grid")
    grid.show_review(c.id)
    review = grid.review
    assert review.model.rowCount() == 0 and review.empty_hint.isVisible()
    text = review.empty_hint.text()
    assert "“2026春季普查”没有待复核的预警建议" in text and "结束活动" in text and "生成预警建议" in text
    shot(w, "review-queue-empty")
    # On demand: answers arrive, 生成预警建议 makes the proposals without closing the campaign.
    save_paper_row(ctx, c.id, small_school.student_ids["苏晓雨"], "phq9", ["3"] * 8 + ["0", "3"])
    op = review.propose_now()
    assert op.outcome == "success" and "已生成预警建议：1 名" in review.banner.text()
    assert [r.name for r in review.model.rows()] == ["苏晓雨"] and not review.empty_hint.isVisible()


def test_second_counselor_reads_a_notice_and_sees_it_marked_read(qtbot, small_school, sync_ops):  # noqa: F811
    _screening(small_school)
    ctx2 = small_school.as_user("xinli2")
    w = _window(qtbot, ctx2)
    banner = greet(w)
    assert banner is not None and banner.isVisible() and "1 条预警通知未读" in banner.text()
    _button(banner, "查看通知").click()
    dialog = w.notices_dialog
    assert isinstance(dialog, NoticesDialog)
    assert dialog.model.rowCount() == 1
    assert dialog.model.cell_text(0, 0) == "未读" and dialog.model.cell_text(0, 3) == "林一鸣"
    assert "安全底线" in dialog.model.cell_text(0, 2)
    shot(dialog, "notice-list")
    dialog.table.setFocus()
    dialog.table.setCurrentIndex(dialog.model.index(0, 0))
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert dialog.model.cell_text(0, 0) == "已读"
    assert not banner.isVisible()          # nothing left to do: the greeting goes away
    dialog.close()
    # Read stays read: the list opens again with nothing unread.
    again = NoticesDialog(ctx2, w)
    qtbot.addWidget(again)
    assert again.model.cell_text(0, 0) == "已读" and not again.all_button.isEnabled()
