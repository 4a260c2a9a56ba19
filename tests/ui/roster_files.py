"""Small roster files for the GUI tests, written with openpyxl the way a school's Excel looks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

from xadesk.domain.idnumbers import make_id_number

HEADERS = ("姓名", "性别", "出生日期", "全国学籍号", "身份证号", "年级", "班级")
REGION = "610113"  # 西安市雁塔区


def student(name: str, sex: str, birth: date, seq: int, grade: str, klass: str) -> tuple:
    # An odd sequence number means male in GB 11643; keep the ID consistent with the stated sex.
    seq = seq * 2 + (1 if sex == "男" else 0)
    id_number = make_id_number(REGION, birth, seq)
    return (name, sex, birth, "G" + id_number, id_number, grade, klass)


GOOD_ROWS = [
    student("李明轩", "男", date(2012, 3, 14), 10, "七年级", "七年级(1)班"),
    student("王雨桐", "女", date(2012, 7, 2), 11, "七年级", "七年级(1)班"),
    student("张子涵", "女", date(2011, 11, 20), 12, "八年级", "八年级(2)班"),
    student("陈浩然", "男", date(2011, 5, 8), 13, "八年级", "八年级(2)班"),
    student("刘思远", "男", date(2012, 1, 30), 14, "七年级", "七年级(2)班"),
]


def write_xlsx(path: Path, rows: list[tuple]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "学生名单"
    ws.append(HEADERS)
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def good_roster(folder: Path) -> Path:
    return write_xlsx(folder / "名单.xlsx", GOOD_ROWS)


def bad_roster(folder: Path) -> Path:
    """Three problems on rows 3, 4 and 6 (Excel numbering: the header is row 1)."""
    rows = [list(r) for r in GOOD_ROWS]
    bad_id = rows[1][4][:-1] + ("0" if rows[1][4][-1] != "0" else "1")
    rows[1][4] = bad_id  # row 3: checksum
    rows[1][3] = "G" + bad_id
    rows[2][2] = "2011-02-30"  # row 4: impossible date
    rows[4][6] = "火星(9)班"  # row 6: unknown class
    return write_xlsx(folder / "有错的名单.xlsx", [tuple(r) for r in rows])
