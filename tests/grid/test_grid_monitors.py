"""Class health monitors: two per middle-school class, training twice a semester."""

from __future__ import annotations

from datetime import date

import pytest

from tests.grid.conftest import TODAY
from xadesk.errors import PermissionDenied, UserError
from xadesk.services import grid_monitors as M
from xadesk.services.login import now_utc
from xadesk.storage.models import Student


def test_two_monitors_per_class_and_compliance(staff):
    h, c, ids = staff.homeroom, staff.counselor, staff.ids
    a = M.register_monitor(h, ids["林一鸣"], today=TODAY)
    b = M.register_monitor(h, ids["苏晓雨"], today=TODAY)
    with pytest.raises(PermissionDenied):
        M.register_monitor(h, ids["贺子轩"], today=TODAY)
    with pytest.raises(UserError, match="已是"):
        M.register_monitor(c, ids["苏晓雨"], today=TODAY)
    with c.db.write() as s:  # a third student in the class
        third = Student(student_no="G610113201307070011", name="钱多多", sex="M", class_id=staff.school.class_ids[("J1", 1)],
                        status="enrolled", boarding=False, created_at=now_utc(), updated_at=now_utc())
        s.add(third)
        s.flush()
        third_id = third.id
    with pytest.raises(UserError, match="已满"):
        M.register_monitor(h, third_id, today=TODAY)
    with pytest.raises(PermissionDenied):
        M.record_training(h, held_on=TODAY, topic="识别同学情绪变化", monitor_ids=[a.id])
    M.record_training(c, held_on=date(2026, 9, 20), topic="识别同学情绪变化", monitor_ids=[a.id, b.id], today=TODAY)
    rows = {r.class_label: r for r in M.compliance(c, today=TODAY)}
    assert set(rows) == {"七年级(1)班", "七年级(2)班", "八年级(1)班"}
    assert (rows["七年级(1)班"].monitors, rows["七年级(1)班"].trainings, rows["七年级(1)班"].compliant) == (2, (1, 1), False)
    M.record_training(c, held_on=date(2026, 10, 10), topic="危机信号与报告", monitor_ids=[a.id, b.id], today=TODAY)
    assert {r.class_label: r.compliant for r in M.compliance(c, today=TODAY)}["七年级(1)班"]
    assert [r.class_label for r in M.compliance(h, today=TODAY)] == ["七年级(1)班"]
    # A new semester starts the count again.
    assert M.compliance(c, today=date(2027, 3, 1))[0].trainings == (0, 0)
    M.end_monitor(h, a.id, today=TODAY)
    assert [m.name for m in M.monitors(h, today=TODAY)] == ["苏晓雨"]
