"""Rows hidden in Excel (选中行 → 隐藏, ``<row hidden="1">``) in a roster, a 问卷星 file or an answer file.

openpyxl's read-only mode does not see the flag, so the rows would be imported although the teacher
who hid them (students who left, test rows) no longer sees them. The file is refused naming the file,
sheet and rows, and nothing is stored; hidden rows without any cell (below the table) are let be.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.roster.test_hostile_cells import HEADER, ROWS, TODAY, roster_xlsx
from tests.screening.conftest import campaign, counselor  # noqa: F401  (the survey cases' fixtures)
from tests.screening.test_campaign_survey import PEOPLE
from tests.screening.wjx_files import write_xlsx
from tests.services.conftest import small_school  # noqa: F401
from xadesk.cli.main import main
from xadesk.errors import ValidationFailed
from xadesk.roster import RosterInvalid, parse_roster
from xadesk.services import roster
from xadesk.services.campaigns import coverage
from xadesk.services.roster_import import import_roster
from xadesk.services.screening_import import import_survey
from xadesk.services.screening_results import results
from xadesk.tables import HiddenRows, read_table
from xadesk.xlsx_formulas import scan_sheet


def hide(path: Path, *rows: int, sheet: str | None = None) -> Path:
    """Hide ``rows`` the way Excel's 隐藏 does, in a normal (not write-only) openpyxl round trip."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.active
    for r in rows:
        ws.row_dimensions[r].hidden = True
    wb.save(path)
    return path


def test_the_scan_lists_hidden_rows_that_hold_cells_only(tmp_path):
    path = roster_xlsx(tmp_path / "名单.xlsx", ROWS)       # title, header, rows 3 and 4
    hide(path, 4, 9, 10)                                    # 9 and 10 are empty rows below the table
    assert scan_sheet(path).hidden_rows == [4]
    assert scan_sheet(path).formulas == []


def test_roster_with_a_hidden_student_row_is_refused_naming_sheet_and_row(tmp_path):
    path = hide(roster_xlsx(tmp_path / "名单.xlsx", ROWS), 4)
    with pytest.raises(RosterInvalid) as exc:
        parse_roster(path, today=TODAY)
    text = exc.value.full_text()
    assert "文件“名单.xlsx”的工作表“学生名单”中第4行是隐藏的行（共 1 行）" in text
    assert "取消隐藏" in text and "删除不想导入的行" in text and "未导入任何学生" in text


def test_many_hidden_rows_name_the_first_ones_and_the_count(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for k in range(30):
        ws.append([f"G{k}", f"学生{k}"])
    for r in range(5, 30):
        ws.row_dimensions[r].hidden = True
    wb.save(tmp_path / "a.xlsx")
    with pytest.raises(HiddenRows) as exc:
        read_table(tmp_path / "a.xlsx", header=HEADER)
    assert exc.value.rows == list(range(5, 30)) and exc.value.row == 5
    assert "第5、6、7、8、9、10、11、12、13、14等行是隐藏的行（共 25 行）" in exc.value.message
    assert len(exc.value.details) == HiddenRows.SHOWN


def test_roster_import_with_a_hidden_row_stores_nothing(admin_ctx, tmp_path):
    path = hide(roster_xlsx(tmp_path / "名单.xlsx", ROWS), 3)
    with pytest.raises(ValidationFailed) as exc:
        import_roster(admin_ctx, path)
    assert "工作表“学生名单”中第3行是隐藏的行" in exc.value.full_text()
    assert roster.list_students(admin_ctx, status=None) == []


def test_roster_import_cli_with_a_hidden_row_is_refused(small_school, monkeypatch, capsys, tmp_path):  # noqa: F811
    before = len(roster.list_students(small_school.admin, status=None))
    path = hide(roster_xlsx(tmp_path / "名单.xlsx", ROWS), 4)
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    assert main(["--db", str(small_school.path), "--user", "admin", "roster", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "第4行是隐藏的行" in err and "学生名单" in err and "取消隐藏" in err and "Traceback" not in err
    assert len(roster.list_students(small_school.admin, status=None)) == before


def test_hidden_empty_rows_below_the_table_import_normally(admin_ctx, tmp_path):
    path = hide(roster_xlsx(tmp_path / "名单.xlsx", ROWS), *range(5, 40))
    assert [r.name for r in parse_roster(path, today=TODAY).records] == ["张小明", "李小红"]
    import_roster(admin_ctx, path)
    assert sorted(s.name for s in roster.list_students(admin_ctx, status=None)) == ["张小明", "李小红"]


def test_a_hidden_row_above_the_header_is_not_part_of_the_table(tmp_path):
    path = hide(roster_xlsx(tmp_path / "名单.xlsx", ROWS), 1)    # the title line
    assert [r.name for r in parse_roster(path, today=TODAY).records] == ["张小明", "李小红"]


def test_survey_with_a_hidden_row_is_refused_and_nothing_stored(counselor, campaign, tmp_path):  # noqa: F811
    path = hide(write_xlsx(tmp_path / "All_Data_Readable.xlsx", PEOPLE[:3], original=False), 3)
    with pytest.raises(ValidationFailed) as exc:
        import_survey(counselor, campaign.id, path, accept="all")
    text = exc.value.full_text()
    assert "All_Data_Readable.xlsx" in text and "第3行是隐藏的行" in text and "取消隐藏" in text
    assert results(counselor, campaign.id) == [] and coverage(counselor, campaign.id).total.completed == 0
