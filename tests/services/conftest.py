"""A small school with three classes, one student list and one account per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from tests.conftest import ADMIN_PASSWORD
from xadesk.services import roles
from xadesk.services.accounts import RoleSpec, add_user
from xadesk.services.login import login, now_utc
from xadesk.storage.models import SchoolClass, Student

STAFF_PASSWORD = "staff-pass-123"

# Fictional students: (name, sex, grade, class number, student_no, id_number)
STUDENTS = [
    ("林一鸣", "M", "J1", 1, "G610113201301010011", "610113201301010011"),
    ("苏晓雨", "F", "J1", 1, "G61011320130202002X", "61011320130202002X"),
    ("贺子轩", "M", "J1", 2, "G610113201303030038", "610113201303030038"),
    ("姚佳琪", "F", "J1", 2, "G610113201304040024", "610113201304040024"),
    ("任浩然", "M", "J2", 1, "G610113201205050019", "610113201205050019"),
    ("邵可欣", "F", "J2", 1, "G610113201206060026", "610113201206060026"),
]


@dataclass
class SmallSchool:
    path: object
    admin: object
    class_ids: dict
    student_ids: dict  # name -> id

    def as_user(self, login_name: str):
        return login(self.path, login_name, STAFF_PASSWORD)


@pytest.fixture
def small_school(new_school, db_path):
    _, admin = new_school
    class_ids: dict[tuple[str, int], int] = {}
    student_ids: dict[str, int] = {}
    with admin.db.write() as s:
        for grade, number in sorted({(g, n) for _, _, g, n, _, _ in STUDENTS}):
            c = SchoolClass(grade_code=grade, number=number, active=True)
            s.add(c)
            s.flush()
            class_ids[(grade, number)] = c.id
        for name, sex, grade, number, no, idn in STUDENTS:
            st = Student(student_no=no, name=name, sex=sex, birth_date=date(int(idn[6:10]), int(idn[10:12]),
                         int(idn[12:14])), id_number=idn, class_id=class_ids[(grade, number)], boarding=False,
                         status="enrolled", created_at=now_utc(), updated_at=now_utc())
            s.add(st)
            s.flush()
            student_ids[name] = st.id
    add_user(admin, "bzr", "班主任甲", [RoleSpec(roles.HOMEROOM, class_id=class_ids[("J1", 1)])], STAFF_PASSWORD)
    add_user(admin, "nj", "七年级组长", [RoleSpec(roles.GRADE_LEADER, grade_code="J1")], STAFF_PASSWORD)
    add_user(admin, "xinli", "心理老师", [RoleSpec(roles.COUNSELOR)], STAFF_PASSWORD)
    add_user(admin, "xz", "副校长", [RoleSpec(roles.LEADER)], STAFF_PASSWORD)
    return SmallSchool(db_path, admin, class_ids, student_ids)


__all__ = ["ADMIN_PASSWORD", "STAFF_PASSWORD", "STUDENTS"]
