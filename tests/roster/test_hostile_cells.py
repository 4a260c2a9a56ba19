"""Excel formulas and invisible characters in the cells of a roster and of a 问卷星 file.

A formula whose result was never saved (a script's or WPS's workbook) would read as a blank cell: the
file is refused naming the sheet, row and column, and nothing is stored. A formula with its saved
result reads as that result. A zero-width space, BOM or word joiner in any text field of a roster is
refused with the field and the character named (it would be stored, or refused for a reason no one
can see); a no-break space is an ordinary space.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.formula_cells import save_results
from tests.screening.conftest import campaign, counselor  # noqa: F401  (the survey cases' fixtures)
from tests.screening.test_campaign_survey import PEOPLE
from tests.screening.wjx_files import write_xlsx
from tests.services.conftest import small_school  # noqa: F401
from xadesk.domain.idnumbers import make_id_number
from xadesk.errors import ValidationFailed
from xadesk.roster import RosterInvalid, parse_roster
from xadesk.services import roster
from xadesk.services.campaigns import coverage
from xadesk.services.roster_import import import_roster
from xadesk.services.screening_results import results
from xadesk.tables import FormulaWithoutValue, read_table

TODAY = date(2026, 10, 1)
BOY = make_id_number("610116", date(2013, 5, 1), 123)
GIRL = make_id_number("610113", date(2013, 7, 9), 246)
HEADER = ["学籍号", "姓名", "性别", "身份证号", "班级", "学号"]
ROWS = [["G" + BOY, "张小明", "男", BOY, "初二(3)班", "20250301"],
        ["G" + GIRL, "李小红", "女", GIRL, "初二(3)班", "20250302"]]


def roster_xlsx(path: Path, rows: list[list[object]], sheet: str = "学生名单") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(["2026级学生名单"])
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def roster_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


# --- formulas ------------------------------------------------------------------------------------

def test_roster_formula_without_result_is_refused_naming_sheet_row_and_column(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[1][1] = '="李"&"小红"'          # on row 4 of the sheet (title, header, first student)
    path = roster_xlsx(tmp_path / "名单.xlsx", rows)
    with pytest.raises(RosterInvalid) as exc:
        parse_roster(path, today=TODAY)
    text = exc.value.full_text()
    assert "Excel 或 WPS" in text and "保存一次" in text and "未导入任何学生" in text
    assert "工作表“学生名单”第4行第2列（“姓名”列，单元格 B4）" in text


def test_roster_formula_with_its_saved_result_reads_as_the_result(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[1][1] = '="李"&"小红"'
    rows[0][0] = '="G' + BOY + '"'       # the usual way to force a long number to stay text
    path = save_results(roster_xlsx(tmp_path / "名单.xlsx", rows), {"B4": "李小红", "A3": "G" + BOY})
    records = parse_roster(path, today=TODAY).records
    assert [(r.name, r.student_no) for r in records] == [("张小明", "G" + BOY), ("李小红", "G" + GIRL)]


def test_roster_import_with_a_formula_without_result_stores_nothing(admin_ctx, tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][4] = "=CONCAT(\"初二(\",3,\")班\")"
    with pytest.raises(ValidationFailed) as exc:
        import_roster(admin_ctx, roster_xlsx(tmp_path / "名单.xlsx", rows))
    assert "第3行第5列（“班级”列，单元格 E3）" in exc.value.full_text()
    assert roster.list_students(admin_ctx, status=None) == []


def test_read_table_checks_the_sheet_it_reads_only(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["填表说明", "=TODAY()"])      # a notes sheet nobody imports
    ws = wb.create_sheet("名单")
    ws.append(HEADER)
    ws.append(ROWS[0])
    wb.save(tmp_path / "a.xlsx")
    table = read_table(tmp_path / "a.xlsx", header=HEADER, sheet="名单")
    assert table.rows[0].cells[1] == "张小明"
    with pytest.raises(FormulaWithoutValue) as exc:
        read_table(tmp_path / "a.xlsx", sheet="说明")
    assert exc.value.cells == [(1, 1, "B")] and "工作表“说明”第1行第2列（单元格 B1）" in exc.value.full_text()


def test_a_sheet_of_unsaved_formulas_is_refused_for_its_formulas_not_as_empty(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(['="姓名"', '="学籍号"'])
    wb.save(tmp_path / "a.xlsx")
    with pytest.raises(FormulaWithoutValue) as exc:
        read_table(tmp_path / "a.xlsx")
    assert [ref for *_, ref in exc.value.cells] == ["A", "B"]


def test_many_formula_cells_are_listed_up_to_a_limit(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["a", "b"])
    for k in range(80):
        ws.append([k, f"=A{k + 2}*2"])
    wb.save(tmp_path / "a.xlsx")
    with pytest.raises(FormulaWithoutValue) as exc:
        read_table(tmp_path / "a.xlsx")
    assert len(exc.value.details) == 50 and exc.value.row == 2


# --- invisible characters ----------------------------------------------------------------------

INVISIBLE = {"\u200b": "U+200B", "\ufeff": "U+FEFF", "\u2060": "U+2060", "\u202e": "U+202E"}


@pytest.mark.parametrize("char", INVISIBLE, ids=["zwsp", "bom", "word-joiner", "rtl-override"])
@pytest.mark.parametrize("column", [0, 1, 3, 4, 5], ids=["学籍号", "姓名", "身份证号", "班级", "学号"])
def test_invisible_character_in_any_roster_field_is_refused_naming_field_and_character(tmp_path, char, column):
    rows = [list(r) for r in ROWS]
    rows[1][column] = rows[1][column][:3] + char + rows[1][column][3:]
    with pytest.raises(RosterInvalid) as exc:
        parse_roster(roster_csv(tmp_path / "名单.csv", rows), today=TODAY)
    (problem,) = exc.value.problems          # one clear problem, not a confusing second one
    assert problem.row == 3 and problem.field == HEADER[column]
    assert INVISIBLE[char] in problem.message and "看不见" in problem.message


def test_invisible_character_at_the_start_of_a_row_is_refused(tmp_path):
    """Two CSV files pasted together: the second one's BOM sits in the first cell of a row."""
    rows = [list(r) for r in ROWS]
    rows[1][0] = "\ufeff" + rows[1][0]
    with pytest.raises(RosterInvalid) as exc:
        parse_roster(roster_csv(tmp_path / "名单.csv", rows), today=TODAY)
    assert "U+FEFF" in exc.value.full_text() and "第3行 学籍号" in exc.value.full_text()


def test_no_break_spaces_are_ordinary_spaces(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][0] = "\u00a0" + rows[0][0]
    rows[0][3] = BOY[:6] + "\u00a0" + BOY[6:]
    rows[0][4] = "初二\u00a0(3)班"
    rows[0][5] = "20250301\u00a0"
    first = parse_roster(roster_csv(tmp_path / "名单.csv", rows), today=TODAY).records[0]
    assert (first.student_no, first.id_number, first.class_label, first.school_no) == \
        ("G" + BOY, BOY, "八年级(3)班", "20250301")


# --- 问卷星 files ----------------------------------------------------------------------------------

def test_survey_formula_without_result_is_refused_and_nothing_stored(counselor, campaign, tmp_path):  # noqa: F811
    from xadesk.services.screening_import import import_survey

    people = [dict(p) for p in PEOPLE[:2]]
    people[1]["no"] = '="' + people[1]["no"] + '"'
    path = write_xlsx(tmp_path / "All_Data_Readable.xlsx", people, original=False)
    with pytest.raises(ValidationFailed) as exc:
        import_survey(counselor, campaign.id, path, accept="all")
    assert "第3行第7列（“1、你的学籍号”列，单元格 G3）" in exc.value.full_text()
    assert results(counselor, campaign.id) == [] and coverage(counselor, campaign.id).total.completed == 0
    save_results(path, {"G3": PEOPLE[1]["no"]})
    assert import_survey(counselor, campaign.id, path).matched == 2


def test_survey_class_with_a_zero_width_space_still_matches_by_name_and_class(counselor, campaign, tmp_path):  # noqa: F811
    from xadesk.services.screening_import import import_survey

    person = dict(PEOPLE[2], **{"class": "初一\u200b(2)班", "name": "贺子\u200b轩"})
    report = import_survey(counselor, campaign.id, write_xlsx(tmp_path / "All_Data_Readable.xlsx", [person], original=False),
                           dry_run=True)
    assert [m.name for m in report.to_confirm] == ["贺子轩"] and not report.unmatched
