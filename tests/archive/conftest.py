"""Two schools for archive tests: school A (the small school of tests/services, with records) and an
empty school B (the next stage) that receives the transfer files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.services.conftest import STAFF_PASSWORD, small_school  # noqa: F401  (fixture)
from xadesk.services import records, roles, roster
from xadesk.services.accounts import RoleSpec, add_user
from xadesk.services.login import create_school, login
from xadesk.storage.models import SchoolClass

PASSPHRASE = "7KQM-X3RB-PV2D-9HTE-CWNA-4FYS"
TODAY = date(2026, 6, 20)


@dataclass
class SchoolA:
    school: object  # SmallSchool
    counselor: object  # AppContext of the counselor
    ids: dict  # name -> student id


@pytest.fixture
def school_a(small_school):  # noqa: F811 - the imported fixture
    """School A with a varied archive for 林一鸣 and 苏晓雨 (J1 class 1) and 贺子轩 (J1 class 2)."""
    ids = small_school.student_ids
    c = small_school.as_user("xinli")
    lin, su, he = ids["林一鸣"], ids["苏晓雨"], ids["贺子轩"]
    records.add_observation(c, lin, category="情绪", text="课间常独处，情绪低落。<注意>&", severity="attention",
                            day=date(2025, 10, 12), today=TODAY)
    records.add_home_visit(c, lin, day=date(2025, 11, 2), visitors="班主任、心理老师", present="母亲、外婆",
                           findings="父亲长期在外务工。", today=TODAY)
    records.add_parent_contact(c, lin, method="电话", text="与母亲沟通睡眠情况。", day=date(2025, 12, 1), today=TODAY)
    records.add_counselling(c, lin, text="自述考试焦虑，睡眠不好。", day=date(2025, 11, 20), today=TODAY)
    records.add_strength(c, lin, category="award", text="校运会800米第二名", day=date(2025, 10, 20), today=TODAY)
    records.add_life_event(c, lin, category="family_change", text="父母离异。", day=date(2025, 9, 15), today=TODAY)
    records.record_consent(c, lin, basis_kind="guardian_consent", given_by="母亲 李某", basis="书面同意随档转移辅导记录",
                           day=date(2026, 6, 1), today=TODAY)
    roster.set_tag(c, lin, "left_behind", True, day=date(2025, 9, 1))
    roster.set_tag(c, lin, "single_parent", True, day=date(2025, 9, 20))
    roster.set_tag(c, lin, "single_parent", False, day=date(2026, 3, 1))
    records.add_counselling(c, su, text="人际困扰，约定复谈。", day=date(2026, 3, 3), today=TODAY)
    records.add_strength(c, su, category="good_moment", text="主动帮助同学。", day=date(2026, 4, 1), today=TODAY)
    records.add_observation(c, he, category="学业", text="成绩下滑。", day=date(2026, 5, 5), today=TODAY)
    yield SchoolA(small_school, c, ids)
    c.close()


@dataclass
class SchoolB:
    path: Path
    admin: object
    counselor: object
    class_id: int


@pytest.fixture
def school_b(tmp_path):
    path = tmp_path / "b" / "school-b.xadesk"
    create_school(path, "西安市第二高级中学", "admin", ADMIN_PASSWORD, "李管理")
    admin = login(path, "admin", ADMIN_PASSWORD)
    with admin.db.write() as s:
        cls = SchoolClass(grade_code="J1", number=5, active=True)
        s.add(cls)
        s.flush()
        class_id = cls.id
    add_user(admin, "xl", "赵心理", [RoleSpec(roles.COUNSELOR)], STAFF_PASSWORD)
    counselor = login(path, "xl", STAFF_PASSWORD)
    yield SchoolB(path, admin, counselor, class_id)
    counselor.close()
    admin.close()
