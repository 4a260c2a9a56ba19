"""Issue 16 tried again: a workbook's table is imported only when it is the one a person sees and
means. Before, the first sheet with a roster header was read whatever else the file held: a hidden
sheet (last year's list) was imported instead of the visible one, and of a workbook with 七年级 on
one sheet and 八年级 on the next only 七年级 came in, without a word."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from tests.fieldfiles.test_field_rosters import ident
from xadesk.errors import UserError
from xadesk.roster.parse import parse_roster
from xadesk.screening.survey import read_survey

HEADER = ["姓名", "性别", "学籍号", "年级", "班级"]
A, B, C = ident("610113", "20130101", "001"), ident("610113", "20130202", "002"), ident("610113", "20120303", "003")
SEVEN = [HEADER, ["林一鸣", "男", "G" + A, "七年级", "1班"], ["苏晓雨", "女", "G" + B, "七年级", "1班"]]
EIGHT = [HEADER, ["贺子轩", "男", "G" + C, "八年级", "1班"]]


def workbook(path, sheets, hidden=()):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
        if title in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


def test_a_roster_on_two_sheets_is_refused_naming_them(tmp_path):
    path = workbook(tmp_path / "名单.xlsx", [("七年级", SEVEN), ("八年级", EIGHT)])
    with pytest.raises(UserError) as exc:
        parse_roster(path, today=date(2026, 9, 1))
    assert "2 个工作表" in exc.value.message and "“七年级”“八年级”" in exc.value.message


def test_a_roster_on_a_hidden_sheet_is_refused(tmp_path):
    path = workbook(tmp_path / "名单.xlsx", [("旧名单", EIGHT), ("名单", SEVEN)], hidden=("旧名单",))
    with pytest.raises(UserError) as exc:
        parse_roster(path, today=date(2026, 9, 1))
    assert "隐藏的工作表“旧名单”" in exc.value.message


def test_a_hidden_sheet_after_the_roster_and_a_notes_sheet_do_not_matter(tmp_path):
    path = workbook(tmp_path / "名单.xlsx", [("名单", SEVEN), ("说明", [["填表说明", "学籍号以G开头"], ["联系人", "教务处"]]),
                                           ("旧名单", EIGHT)], hidden=("旧名单",))
    parsed = parse_roster(path, today=date(2026, 9, 1))
    assert [r.name for r in parsed.records] == ["林一鸣", "苏晓雨"]


def test_a_survey_export_split_over_two_sheets_is_refused(tmp_path):
    head = ["序号", "提交答卷时间", "所用时间", "1、你的学籍号", "2、你的姓名", "3、第1题"]
    rows = [head, [1, "2026/09/03 10:00:00", "100秒", "G" + A, "林一鸣", 1]]
    path = workbook(tmp_path / "问卷.xlsx", [("Sheet1", rows), ("Sheet2", [head, [2, "2026/09/03 10:01:00", "100秒",
                                                                                   "G" + B, "苏晓雨", 2]])])
    with pytest.raises(UserError, match="2 个工作表"):
        read_survey(path)
    assert read_survey(workbook(tmp_path / "one.xlsx", [("Sheet1", rows)])).rows


@pytest.mark.parametrize("hide,refusal", [(True, "隐藏的工作表“旧名单”"), (False, "2 个工作表")])
def test_old_excel_files_are_read_the_same_way(tmp_path, hide, refusal):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    for title, rows in (("旧名单", EIGHT), ("名单", SEVEN)):
        ws = wb.add_sheet(title)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                ws.write(i, j, v)
        if hide and title == "旧名单":
            ws.visibility = 1
    wb.active_sheet = 1
    wb.save(str(tmp_path / "名单.xls"))
    with pytest.raises(UserError, match=refusal):
        parse_roster(tmp_path / "名单.xls", today=date(2026, 9, 1))
