"""Migration 0010 on a database that was at 0005 with students in it: the rows stay, and the new
registers and the report work at once."""

from __future__ import annotations

from datetime import date

from tests.conftest import ADMIN_PASSWORD
from tests.storage.old_school import fill_at
from xadesk.reports.indicators import build_report
from xadesk.reports.plan_records import add_staff, add_training, list_staff
from xadesk.services import roles
from xadesk.services.accounts import RoleSpec, add_user
from xadesk.services.login import login
from xadesk.services.roster import list_students


def test_upgrade_from_0005_keeps_students_and_adds_the_registers(tmp_path):
    path = tmp_path / "old.xadesk"
    fill_at(path, "0005", extra=[
        "INSERT INTO grid_case(student_id, level_code, status, opened_on, goal, frequency_days, created_at, "
        "updated_at) VALUES (1, 'L3', 'active', '2025-10-01', '', 30, '2025-10-01 08:00:00', '2025-10-01 08:00:00')"])
    admin = login(path, "admin", ADMIN_PASSWORD)
    try:
        assert [s.name for s in list_students(admin)] == ["旧数据学生"]
        staff = add_staff(admin, "王老师", "专职")
        add_training(admin, staff.id, held_on=date(2025, 10, 1), hours=6, topic="培训")
        assert list_staff(admin, year="2025-2026")[0].hours == 6
        add_user(admin, "xz", "校长", [RoleSpec(roles.LEADER)], ADMIN_PASSWORD)
    finally:
        admin.close()
    leader = login(path, "xz", ADMIN_PASSWORD)
    try:
        report = build_report(leader, year="2025-2026", today=date(2026, 1, 10))
        assert report.headline["students"] == 1
        assert {p.id: p.value for p in report.plan}["counselors_per_1000"] == 1000.0
    finally:
        leader.close()
