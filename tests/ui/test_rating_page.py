"""班主任评定 at the school PC (issue 14 left over), through the real widgets: the homeroom teacher
picks the open teacher-rated campaign, goes student by student with the keyboard, and each rating is
stored the moment its last item is chosen; a counselor sees progress, read-only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QRadioButton
from sqlalchemy import select

from tests.classpack.conftest import j1_1, rating_campaign, staff  # noqa: F401  (fixtures)
from tests.services.conftest import STAFF_PASSWORD, small_school  # noqa: F401  (fixture)
from ui.classpack.rating_page import RatingPage
from xadesk.storage.models import Student
from xadesk.storage.models_screening import ScreeningResponse

SHOTS = Path(os.environ.get("XADESK_SHOTS_DIR", "/work/wt/shots/f1"))
INSTRUMENT = "demo_teacher_checklist"

# Renders the page for a user of a school database at the scale QT_SCALE_FACTOR gives (its own
# process: Qt reads the factor only when the application is created).
RENDER = """
import sys
from ui.app import create_app
app = create_app(["shots"], install_excepthook=False)
from ui.classpack.rating_page import RatingPage
from xadesk.services.login import login
ctx = login(sys.argv[1], sys.argv[2], sys.argv[3])
page = RatingPage(ctx)
page.resize(1000, 640)
page.show()
app.processEvents()
page.grab().save(sys.argv[4])
ctx.close()
"""


def _shots(page, db_path: Path, login: str, name: str) -> None:
    if os.environ.get("XADESK_SCREENSHOTS") != "1":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.grab().save(str(SHOTS / f"{name}@1x.png"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR="1.5")
    subprocess.run([sys.executable, "-c", RENDER, str(db_path), login, STAFF_PASSWORD,
                    str(SHOTS / f"{name}@1.5x.png")], env=env, check=True, timeout=120)


def _stored(ctx, campaign_id) -> dict[str, tuple[str, str, list]]:
    with ctx.db.read() as s:
        rows = s.execute(select(Student.name, ScreeningResponse.mode, ScreeningResponse.source,
                                ScreeningResponse.answers_json, ScreeningResponse.status)
                         .join(Student, Student.id == ScreeningResponse.student_id)
                         .where(ScreeningResponse.campaign_id == campaign_id,
                                ScreeningResponse.instrument_id == INSTRUMENT)).all()
    return {name: (mode, source, answers, status) for name, mode, source, answers, status in rows}


def _page(qtbot, ctx) -> RatingPage:
    page = RatingPage(ctx)
    qtbot.addWidget(page)
    page.resize(1000, 640)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: page.isActiveWindow(), timeout=2000)
    return page


def _keys(qtbot, page, text: str) -> None:
    for ch in text:
        qtbot.keyClick(page.students, ch)


def test_homeroom_teacher_rates_the_class_with_the_keyboard(qtbot, staff, rating_campaign):  # noqa: F811
    page = _page(qtbot, staff.homeroom)
    assert page.task_combo.count() == 1
    assert "虚构" in page.task_combo.currentText() and "七年级(1)班" in page.task_combo.currentText()
    assert "demo_teacher_checklist" not in page.task_combo.currentText()      # display names, never ids
    names = [page.students.item(k).text() for k in range(page.students.count())]
    assert len(names) == 2 and all("未评" in n for n in names)
    first = page.students.currentItem().text().split("\u3000")[0]
    assert page.progress.text() == "已评 0 / 2 人"

    # Five items rated: nothing stored yet; a key past the options ("9" of three) does nothing.
    _keys(qtbot, page, "12321")
    assert page.current == 5
    _keys(qtbot, page, "9")
    assert _stored(staff.counselor, rating_campaign.id) == {}
    # Backspace goes back one item; a different choice replaces the earlier one.
    qtbot.keyClick(page.students, Qt.Key.Key_Backspace)
    assert page.current == 4
    _keys(qtbot, page, "3")
    assert page.current == 5
    _keys(qtbot, page, "1")                      # the last item: saved at once
    got = _stored(staff.counselor, rating_campaign.id)
    assert got[first][:2] == ("teacher", "bzr") and got[first][3] == "completed"
    assert got[first][2] == "[0,1,2,1,2,0]"
    assert "已保存" in page.banner.text() and first in page.banner.text()
    assert page.progress.text() == "已评 1 / 2 人"
    # On to the next student not yet rated, the form empty again.
    second = page.students.currentItem().text().split("\u3000")[0]
    assert second != first
    assert not any(b.isChecked() for b in page.findChildren(QRadioButton))
    _shots(page, staff.school.path, "bzr", "rating-page-homeroom")
    _keys(qtbot, page, "333333")
    assert _stored(staff.counselor, rating_campaign.id)[second][2] == "[2,2,2,2,2,2]"
    assert all("已评" in page.students.item(k).text() for k in range(2))

    # Back to the first student (PgUp): the stored rating is shown; changing one item saves again.
    qtbot.keyClick(page.students, Qt.Key.Key_PageUp)
    assert page.students.currentItem().text().startswith(first)
    assert sum(b.isChecked() for b in page.findChildren(QRadioButton)) == 6
    page.rows[2][1].button(0).click()
    assert _stored(staff.counselor, rating_campaign.id)[first][2] == "[0,1,0,1,2,0]"


def test_counselor_sees_progress_read_only(qtbot, staff, rating_campaign):  # noqa: F811
    from xadesk.classpack.ratings import rate_at_school

    rate_at_school(staff.homeroom, rating_campaign.id, staff.ids["林一鸣"], INSTRUMENT, [1] * 6)
    page = _page(qtbot, staff.counselor)
    assert page.task_combo.count() >= 1 and "只读" in page.instructions.text()
    assert page.progress.text().startswith("已评 1 /")
    assert not any(b.isEnabled() for b in page.findChildren(QRadioButton))
    before = _stored(staff.counselor, rating_campaign.id)
    _keys(qtbot, page, "111111")
    assert _stored(staff.counselor, rating_campaign.id) == before
    _shots(page, staff.school.path, "xinli", "rating-page-counselor")


def test_no_open_rating_campaign_says_what_to_expect(qtbot, staff):  # noqa: F811
    page = _page(qtbot, staff.homeroom)
    assert page.task_combo.count() == 0
    assert page.empty.isVisible() and "没有需要班主任评定" in page.empty.text()
    _shots(page, staff.school.path, "bzr", "rating-page-empty")


def test_grade_leader_sees_the_grades_progress_read_only(qtbot, staff, rating_campaign):  # noqa: F811
    """The 年级组长 of 七年级 sees each 七年级 class's progress (who is rated, not the answers) and
    cannot rate; the page was empty for this role before."""
    from xadesk.classpack.ratings import rate_at_school, school_rating_tasks
    from xadesk.errors import PermissionDenied

    rate_at_school(staff.homeroom, rating_campaign.id, staff.ids["林一鸣"], INSTRUMENT, [1] * 6)
    page = _page(qtbot, staff.grade_leader)
    labels = [page.task_combo.itemText(k) for k in range(page.task_combo.count())]
    assert len(labels) == 2 and all("七年级" in t for t in labels), labels     # 七年级 1班 and 2班, not 八年级
    assert not page.empty.isVisible() and "只读" in page.instructions.text()
    assert page.progress.text().startswith("已评 1 /")
    assert not any(b.isEnabled() for b in page.findChildren(QRadioButton))
    before = _stored(staff.counselor, rating_campaign.id)
    _keys(qtbot, page, "222222")
    assert _stored(staff.counselor, rating_campaign.id) == before
    tasks = school_rating_tasks(staff.grade_leader)
    assert all(not t.can_rate and all(st.answers in (None, ()) for st in t.students) for t in tasks)
    try:
        rate_at_school(staff.grade_leader, rating_campaign.id, staff.ids["林一鸣"], INSTRUMENT, [2] * 6)
    except PermissionDenied:
        pass
    else:
        raise AssertionError("a grade leader rated a student")
    _shots(page, staff.school.path, "nj", "rating-page-grade-leader")


def test_grade_leader_without_an_open_rating_is_told_what_will_appear(qtbot, staff):  # noqa: F811
    page = _page(qtbot, staff.grade_leader)
    assert page.empty.isVisible() and "各班的评定进度" in page.empty.text()
