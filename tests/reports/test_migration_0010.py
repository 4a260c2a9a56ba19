"""Migration 0010 on a database that was at 0005 with students in it: the rows stay, and the new
registers and the report work at once."""

from __future__ import annotations

from datetime import date

from tests.conftest import ADMIN_PASSWORD
from xadesk.reports.indicators import build_report
from xadesk.reports.plan_records import add_staff, add_training, list_staff
from xadesk.services import roles
from xadesk.services.accounts import RoleSpec, add_user
from xadesk.services.login import login
from xadesk.services.roster import list_students
from xadesk.storage import migrate
from xadesk.storage.database import SchoolDatabase
from xadesk.storage.keyfile import KeyFile, keyfile_path, new_database_key, user_slot_id


def test_upgrade_from_0005_keeps_students_and_adds_the_registers(tmp_path):
    path = tmp_path / "old.xadesk"
    key = new_database_key()
    kf = KeyFile.create(keyfile_path(path))
    kf.set_slot(user_slot_id("admin"), ADMIN_PASSWORD, key)
    kf.save()
    db = SchoolDatabase(path, key)
    migrate.upgrade(db, "0005", backup=False)
    with db.engine.begin() as conn:
        x = conn.exec_driver_sql
        x("INSERT INTO meta(key, value) VALUES ('app', 'xadesk')")
        x("INSERT INTO school(uuid, name, created_at) VALUES ('8a6e0804-2bd0-4672-b79a-d97d6a0c5e3b', '旧版学校', "
          "'2025-09-01 08:00:00')")
        x("INSERT INTO user_account(login, display_name, active, must_change_password, created_at) "
          "VALUES ('admin', '管理员', 1, 0, '2025-09-01 08:00:00')")
        x("INSERT INTO role_assignment(user_id, role) VALUES (1, 'admin')")
        x("INSERT INTO school_class(grade_code, number, active) VALUES ('J1', 1, 1)")
        x("INSERT INTO student(student_no, name, sex, birth_date, class_id, boarding, status, created_at, updated_at) "
          "VALUES ('G610113201301010011', '旧数据学生', 'M', '2013-01-01', 1, 0, 'enrolled', "
          "'2025-09-01 08:00:00', '2025-09-01 08:00:00')")
        x("INSERT INTO grid_case(student_id, level_code, status, opened_on, goal, frequency_days, created_at, "
          "updated_at) VALUES (1, 'L3', 'active', '2025-10-01', '', 30, '2025-10-01 08:00:00', '2025-10-01 08:00:00')")
    db.close()
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
