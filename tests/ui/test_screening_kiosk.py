"""The kiosk window driven like a student does: keyboard only, one item per screen, answers kept
across a crash, idle return, and a password to leave.

Screens at 100 % and 150 %::

    for f in make_start make_item make_end; do
        .venv/bin/python tests/ui/screens.py tests/ui/test_screening_kiosk.py:$f --name kiosk-$f --size 1280x800
    done
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.services.conftest import STAFF_PASSWORD, small_school  # noqa: F401
from ui.screening.kiosk import KioskWindow
from xadesk.screening.kiosk import SchoolKiosk
from xadesk.services.campaigns import coverage, create_campaign
from xadesk.services.screening_answers import alerts
from xadesk.services.screening_results import response_answers

pytestmark = pytest.mark.gui

LIN = ("G610113201301010011", "20130101")   # 林一鸣, 七年级(1)班


@pytest.fixture
def counselor(small_school):  # noqa: F811
    ctx = small_school.as_user("xinli")
    yield ctx
    ctx.close()


@pytest.fixture
def campaign(counselor):
    return create_campaign(counselor, "秋季普查", ["phq9", "gad7"], grades=["J1"], open_now=True)


def open_kiosk(qtbot, counselor, campaign, **kw) -> KioskWindow:
    w = KioskWindow(SchoolKiosk.start(counselor, campaign.id, "PC-1"), item_guard_ms=0, **kw)
    qtbot.addWidget(w)
    w.resize(1100, 760)
    w.show()
    return w


def key(w: KioskWindow, k) -> None:
    target = w.focusWidget() or w
    QTest.keyClick(target, k)


def identify(w: KioskWindow, number: str, birth: str) -> None:
    assert w.current_screen() == "start"
    w.number_edit.clear()
    QTest.keyClicks(w.number_edit, number)
    QTest.keyClick(w.number_edit, Qt.Key.Key_Tab)
    QTest.keyClicks(w.birth_edit, birth)
    QTest.keyClick(w.birth_edit, Qt.Key.Key_Return)


def answer(w: KioskWindow, digit: str) -> int:
    """Press a number key on an item screen; return the item index answered."""
    assert w.current_screen() == "item"
    index = w.item.index
    QTest.keyClick(w.focusWidget() or w, digit)
    return index


def visible_text(w: KioskWindow) -> str:
    from PySide6.QtWidgets import QLabel, QPushButton

    page = w.stack.currentWidget()
    parts = [x.text() for x in page.findChildren(QLabel) if x.isVisible()]
    parts += [x.text() for x in page.findChildren(QPushButton) if x.isVisible()]
    return "\n".join(parts)


def test_whole_session_by_keyboard(qtbot, counselor, campaign, screenshot):
    w = open_kiosk(qtbot, counselor, campaign)
    screenshot(w, "kiosk-start")
    identify(w, "G610113201301010011", "2013-01-02")                 # wrong birth date
    assert w.current_screen() == "start" and "没有找到" in w.start_error.text()
    identify(w, *LIN)
    assert w.current_screen() == "confirm" and "林一鸣" in w.confirm_text.text()
    assert "七年级(1)班" in w.confirm_text.text()
    key(w, "1")
    assert w.current_screen() == "instructions" and "1 份问卷（共 2 份）" in w.instructions_title.text()
    key(w, Qt.Key.Key_Return)
    seen = []
    while w.current_screen() == "item":
        assert f"第 {w.item.number} 题" in w.progress_label.text()
        screenshot(w, "kiosk-item") if not seen else None
        # Nothing a student sees mentions a score, a band or risk.
        assert not any(word in visible_text(w) for word in ("分数", "得分", "风险", "等级", "预警"))
        seen.append((w.instrument_id, answer(w, "2")))
        if w.current_screen() == "instructions":
            assert "2 份问卷" in w.instructions_title.text()
            key(w, Qt.Key.Key_Return)
    assert w.current_screen() == "end"
    screenshot(w, "kiosk-end")
    assert [i for i, _ in seen].count("phq9") == 10 and [i for i, _ in seen].count("gad7") == 7
    stored = response_answers(counselor, campaign.id, 1, "phq9")
    assert stored["status"] == "completed" and stored["answers"][:9] == [1.0] * 9
    assert all(s is not None for s in stored["seconds"])                 # time per item kept
    assert coverage(counselor, campaign.id).total.completed == 1
    assert [a.flag for a in alerts(counselor, campaign.id)] == ["safety:item9"]   # counselor side only
    key(w, Qt.Key.Key_Return)
    assert w.current_screen() == "start" and w.student is None


def test_crash_and_resume_at_the_same_item(qtbot, counselor, campaign):
    w = open_kiosk(qtbot, counselor, campaign)
    identify(w, *LIN)
    key(w, "1")
    key(w, Qt.Key.Key_Return)
    for digit in "23411":                          # values 1, 2, 3, 0, 0
        answer(w, digit)
    at = w.item.index
    assert at == 5
    w.deleteLater()                     # the PC dies: no close, no exit, nothing flushed by the screen
    QTest.qWait(10)

    again = open_kiosk(qtbot, counselor, campaign)
    identify(again, *LIN)
    key(again, "1")
    assert "继续" in again.instructions_title.text()
    key(again, Qt.Key.Key_Return)
    assert again.current_screen() == "item" and again.item.index == at and again.item.number == 6
    stored = response_answers(counselor, campaign.id, 1, "phq9")
    assert stored["answers"][:5] == [1.0, 2.0, 3.0, 0.0, 0.0] and stored["status"] == "in_progress"


def test_code_login_confirm_no_and_idle_return(qtbot, counselor, campaign):
    from xadesk.services.campaigns import kiosk_codes

    w = open_kiosk(qtbot, counselor, campaign)
    code = next(c.code for c in kiosk_codes(counselor, campaign.id) if c.name == "苏晓雨")
    QTest.keyClicks(w.code_edit, code)
    QTest.keyClick(w.code_edit, Qt.Key.Key_Return)
    assert w.current_screen() == "confirm" and "苏晓雨" in w.confirm_text.text()
    key(w, "2")                                                            # not me
    assert w.current_screen() == "start" and w.student is None
    identify(w, *LIN)
    key(w, "1")
    key(w, Qt.Key.Key_Return)
    answer(w, "2")
    answer(w, "2")
    w.idle_timer.idle.emit()                                               # the student walked away
    assert w.current_screen() == "start" and w.student is None and w.number_edit.text() == ""
    assert response_answers(counselor, campaign.id, 1, "phq9")["answers"][:2] == [1.0, 1.0]


def test_leaving_needs_the_counselors_password(qtbot, counselor, campaign):
    w = open_kiosk(qtbot, counselor, campaign)
    exited = []
    w.exited.connect(lambda: exited.append(True))
    w.close()                                                              # Alt+F4: asks for the password
    assert w.isVisible() and w.current_screen() == "exit"
    QTest.keyClicks(w.password_edit, "wrong-password")
    QTest.keyClick(w.password_edit, Qt.Key.Key_Return)
    assert w.isVisible() and "密码不对" in w.exit_error.text() and not exited
    QTest.keyClick(w.password_edit, Qt.Key.Key_Escape)
    assert w.isVisible()
    QTest.keyClicks(w.password_edit, STAFF_PASSWORD)
    QTest.keyClick(w.password_edit, Qt.Key.Key_Return)
    assert exited and not w.isVisible()


# --- screens -------------------------------------------------------------------------------------------

def _demo_kiosk(stage: str) -> KioskWindow:
    """The demo school, a fresh open campaign for 七年级, a student taken to ``stage``."""
    import os
    import tempfile
    from datetime import date
    from pathlib import Path

    os.environ.setdefault("XADESK_KDF_PROFILE", "test")
    from sqlalchemy import select

    from xadesk.demo import DEMO_PASSWORD, build_demo
    from xadesk.services.login import login
    from xadesk.storage.models import SchoolClass, Student

    path = Path(tempfile.mkdtemp()) / "demo.xadesk"
    build_demo(path, today=date(2026, 11, 20))
    ctx = login(path, "xinli", DEMO_PASSWORD)
    info = create_campaign(ctx, "2026年秋季心理健康普查", ["phq9", "gad7"], grades=["J1"], open_now=True)
    w = KioskWindow(SchoolKiosk.start(ctx, info.id, "PC-1"), item_guard_ms=0)
    w.resize(1280, 800)
    if stage == "start":
        return w
    with ctx.db.read() as s:
        no, born = s.execute(select(Student.student_no, Student.birth_date).join(SchoolClass)
                             .where(SchoolClass.grade_code == "J1").limit(1)).one()
    w.number_edit.setText(no)
    w.birth_edit.setText(born.strftime("%Y%m%d"))
    w.identify()
    w.confirm()
    w.begin_instrument()
    if stage == "item":
        w.choose(0)
        w.choose(1)
        return w
    while w.current_screen() in ("item", "instructions"):
        w.begin_instrument() if w.current_screen() == "instructions" else w.choose(0)
    return w


def make_start():
    return _demo_kiosk("start")


def make_item():
    return _demo_kiosk("item")


def make_end():
    return _demo_kiosk("end")


def test_only_the_assigned_questionnaires(qtbot, counselor):
    info = create_campaign(counselor, "分年级", ["phq9", ("gad7", ["J2"])], grades=["J1", "J2"], open_now=True)
    w = open_kiosk(qtbot, counselor, info)
    identify(w, *LIN)                                                  # 七年级: phq9 only
    key(w, "1")
    assert "共 1 份" in w.instructions_title.text() and "PHQ-9" in w.instructions_title.text()
    w.to_start()
    identify(w, "G610113201205050019", "20120505")                    # 任浩然, 八年级: both
    key(w, "1")
    assert "共 2 份" in w.instructions_title.text()
