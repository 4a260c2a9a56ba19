"""The small school (J1 1班 with homeroom teacher 班主任甲, J1 2班 with none at first, J2 1班) and a
class pack for 班主任甲, exported by the counselor."""

from __future__ import annotations

from datetime import date

import pytest

from tests.grid.conftest import Staff, place, staff  # noqa: F401  (fixture)
from tests.services.conftest import STAFF_PASSWORD, small_school  # noqa: F401  (fixture)
from xadesk.classpack.export import export_pack

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


__all__ = ["PASS", "STAFF_PASSWORD", "TODAY", "Staff", "place"]
