"""Regenerate the binary fixtures in this folder (run by hand; not part of the test run).

Needs xlwt and msoffcrypto-tool, which are not project dependencies:
    pip install --target /tmp/fixturetools xlwt msoffcrypto-tool
    PYTHONPATH=/tmp/fixturetools:. .venv/bin/python tests/roster/data/make_fixtures.py
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import xlwt
from msoffcrypto.format.ooxml import OOXMLFile

from xadesk.domain.synthetic import generate_students

HERE = Path(__file__).parent
TODAY = date(2026, 10, 1)


def make_xls() -> None:
    records = generate_students([("J2", 3), ("P5", 1)], per_class=3, seed=7, today=TODAY)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名单")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    sheet.write(0, 0, "示例学校学生名单")
    header = ["学籍号", "姓名", "性别", "出生日期", "身份证号", "班级", "学号"]
    for c, h in enumerate(header):
        sheet.write(2, c, h)  # row 2 left blank on purpose: header is on Excel row 3
    for r, rec in enumerate(records, start=3):
        label = rec.class_label.replace("(", "（").replace(")", "）")  # full-width brackets, as typed in Chinese IMEs
        values = [rec.student_no, rec.name, "男" if rec.sex == "M" else "女", rec.birth_date, rec.id_number, label,
                  int(rec.school_no)]  # a number cell: .xls stores it as a double
        for c, v in enumerate(values):
            if isinstance(v, date):
                sheet.write(r, c, v, date_style)
            else:
                sheet.write(r, c, v)
    book.save(str(HERE / "roster.xls"))


def make_encrypted_xlsx() -> None:
    book = openpyxl.Workbook()
    book.active.append(["学籍号", "姓名"])
    plain = io.BytesIO()
    book.save(plain)
    plain.seek(0)
    office = OOXMLFile(plain)
    with (HERE / "roster_password.xlsx").open("wb") as out:
        office.encrypt("secret", out)


if __name__ == "__main__":
    make_xls()
    make_encrypted_xlsx()
