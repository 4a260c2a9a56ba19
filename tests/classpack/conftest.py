"""The small school (J1 1班 with homeroom teacher 班主任甲, J1 2班 with none at first, J2 1班) and a
class pack for 班主任甲, exported by the counselor."""

from __future__ import annotations

from datetime import date

import pytest

from tests.grid.conftest import Staff, place, staff  # noqa: F401  (fixture)
from tests.services.conftest import STAFF_PASSWORD, small_school  # noqa: F401  (fixture)
from xadesk.classpack.export import export_pack
from xadesk.classpack.ratings import DEMO_CHECKLIST as CHECKLIST
from xadesk.services.campaigns import create_campaign
from xadesk.services.instruments import add_definition

PASS = "CLASS-PACK-PASS-2026"
TODAY = date.today()


@pytest.fixture
def j1_1(staff):  # noqa: F811
    return staff.school.class_ids[("J1", 1)]


@pytest.fixture
def pack(staff, j1_1, tmp_path):  # noqa: F811
    folder = tmp_path / "teacher_pc"
    folder.mkdir()
    path = folder / "班级包.xadx"
    export_pack(staff.counselor, j1_1, path, PASS)
    return path


@pytest.fixture
def rating_campaign(staff):  # noqa: F811
    """An open campaign for 七年级 with PHQ-9 and the fictional demo checklist rated by teachers."""
    add_definition(staff.counselor, CHECKLIST)
    return create_campaign(staff.counselor, "2026秋季普查（含班主任评定）", ["phq9", "demo_teacher_checklist"],
                           grades=["J1"], open_now=True)


__all__ = ["PASS", "STAFF_PASSWORD", "TODAY", "Staff", "place"]
