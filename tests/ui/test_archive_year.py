"""学年升级 dialog: the preview lists every class move, promoting asks first and then moves the classes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.services.conftest import small_school  # noqa: F401  (fixture)
from xadesk.services.login import now_utc
from xadesk.storage.models import SchoolClass, SchoolYear, Student


def test_promote_with_preview(qtbot, sync_ops, small_school):  # noqa: F811
    from ui import messages
    from ui.archive.year import PromoteDialog

    admin = small_school.admin
    with admin.db.write() as s:
        c = SchoolClass(grade_code="J3", number=1, active=True)
        s.add(c)
        s.flush()
        s.add(Student(student_no="G610113201101010017", name="毕业生甲", sex="M", birth_date=date(2011, 1, 1),
                      class_id=c.id, status="enrolled", created_at=now_utc(), updated_at=now_utc()))
        year = s.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        summer = date(year.end_date.year, 7, 15)
    dlg = PromoteDialog(admin, today=summer)
    qtbot.addWidget(dlg)
    preview = dlg.text.toPlainText()
    assert "毕业" in preview and "→" in preview and dlg.promote_button.isEnabled()
    messages.set_next_answer(False)  # 取消: nothing changes
    dlg.promote()
    assert not dlg.plan.done
    messages.set_next_answer(True)
    dlg.promote()
    assert dlg.plan.done and "已完成升级" in dlg.banner.text()
    with admin.db.read() as s:
        assert s.scalar(select(Student.status).where(Student.name == "毕业生甲")) == "graduated"
