"""Reading spreadsheet files: formats, encodings, header search, row numbers, damaged files."""

import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from xadesk.errors import Cancelled, NotFound, UserError
from xadesk.tables import (
    HeaderNotFound,
    TableFileError,
    cell_text,
    is_lossy_number,
    normalize_header,
    read_table,
)

DATA = Path(__file__).parent / "data"
ROWS = [["姓名", "性别", "班级"], ["张小明", "男", "初二(3)班"], ["李小红", "女", "七年级（３）班"]]


def write_csv(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_csv_encodings_on_short_files(tmp_path, encoding):
    path = write_csv(tmp_path / "名单.csv", "姓名,性别\r\n张三,男\r\n", encoding)
    table = read_table(path)
    assert table.header == ["姓名", "性别"]
    assert [r.cells for r in table.rows] == [["张三", "男"]]


def test_gbk_text_that_could_fool_a_guesser(tmp_path):
    # Very short GBK content: a detector would guess; strict UTF-8 then GB18030 does not.
    path = write_csv(tmp_path / "a.csv", "姓名\n联通\n", "gbk")
    assert read_table(path).rows[0].cells == ["联通"]


def test_tab_delimited_and_quoted_cells(tmp_path):
    path = write_csv(tmp_path / "a.txt", '姓名\t备注\n张三\t"有, 逗号"\n', "utf-8")
    table = read_table(path)
    assert table.rows[0].cells == ["张三", "有, 逗号"]


def test_title_row_above_header_and_excel_row_numbers(tmp_path):
    text = "西安市某中学2026级学生名单,,\n,,\n" + "\n".join(",".join(r) for r in ROWS) + "\n,,\n王五,男,高一1班\n"
    path = write_csv(tmp_path / "a.csv", text, "utf-8-sig")
    table = read_table(path, header={"姓名", "性别", "班级"})
    assert table.header_row == 3
    assert table.header == ["姓名", "性别", "班级"]
    assert [r.number for r in table.rows] == [4, 5, 7]  # the empty row 6 is skipped, not renumbered


def test_header_predicate_and_not_found(tmp_path):
    path = write_csv(tmp_path / "a.csv", "标题\n甲,乙\n1,2\n", "utf-8")
    with pytest.raises(HeaderNotFound) as exc:
        read_table(path, header={"姓名", "性别"})
    assert exc.value.seen == ["标题"]
    assert read_table(path, header=lambda texts: "乙" in texts).header_row == 2


def test_xlsx_title_row_gaps_dates_and_second_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["填表说明：请勿修改表头"])
    sheet = book.create_sheet("名单")
    sheet["A1"] = "某学校学生名单"
    for col, value in zip("ABC", ["姓名", "出生日期", "身份证号"], strict=True):
        sheet[f"{col}3"] = value
    sheet["A4"], sheet["B4"], sheet["C4"] = "张三", datetime(2012, 5, 1), "61011620120501123X"
    sheet["A8"], sheet["C8"] = "李四", 610116201205011000  # an ID typed as a number
    book.save(tmp_path / "a.xlsx")
    table = read_table(tmp_path / "a.xlsx", header={"姓名", "出生日期", "身份证号"})
    assert table.sheet == "名单"
    assert table.header_row == 3
    assert [r.number for r in table.rows] == [4, 8]
    assert table.rows[0].cells[1] == datetime(2012, 5, 1)
    typed_number = table.rows[1].cells[2]
    assert is_lossy_number(typed_number)
    assert cell_text(typed_number) == "6.10116201205011E+17"


def test_named_sheet_must_exist(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["姓名"])
    book.save(tmp_path / "a.xlsx")
    with pytest.raises(TableFileError) as exc:
        read_table(tmp_path / "a.xlsx", sheet="名单")
    assert "没有名为“名单”的工作表" in exc.value.zh


def test_xls_file(tmp_path):
    table = read_table(DATA / "roster.xls", header={"姓名", "性别"})
    assert table.header_row == 3
    first = table.rows[0]
    assert first.number == 4
    assert isinstance(first.cells[3], datetime)
    assert first.cells[5] == "八年级（3）班"
    assert isinstance(first.cells[6], int)  # whole numbers come back as int, not 20250301.0


def test_xlsx_renamed_to_csv_is_still_read(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["姓名"])
    book.active.append(["张三"])
    book.save(tmp_path / "real.xlsx")
    shutil.copy(tmp_path / "real.xlsx", tmp_path / "renamed.csv")
    assert read_table(tmp_path / "renamed.csv").rows[0].cells == ["张三"]


def test_cell_text():
    assert cell_text(None) == ""
    assert cell_text(3) == "3"
    assert cell_text(3.0) == "3"
    assert cell_text(2.5) == "2.5"
    assert cell_text(6.10116199001011e17) == "6.10116199001011E+17"
    assert cell_text(datetime(2012, 5, 1)) == "2012-05-01"
    assert not is_lossy_number(123456789012345.0)


def test_normalize_header():
    assert normalize_header(" *身份证号（18位） ") == "身份证号"
    assert normalize_header("出生\n日期") == "出生日期"
    assert normalize_header("ＩＤ") == "ID"


def test_cancel(tmp_path):
    path = write_csv(tmp_path / "a.csv", "姓名\n" + "张三\n" * 2000, "utf-8")
    with pytest.raises(Cancelled):
        read_table(path, cancelled=lambda: True)


# --- files that cannot be read: a Chinese message naming the file, never a traceback ---------------

def _refused(path: Path) -> UserError:
    with pytest.raises(UserError) as exc:
        read_table(path)
    assert path.name in exc.value.zh
    return exc.value


def test_xlsx_that_is_not_a_zip(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_text("this is not a spreadsheet", encoding="utf-8")
    assert "已损坏或不是有效的表格文件" in _refused(path).zh


def test_truncated_xlsx(tmp_path):
    book = openpyxl.Workbook()
    for i in range(200):
        book.active.append([f"张{i}", "男", i])
    book.save(tmp_path / "full.xlsx")
    data = (tmp_path / "full.xlsx").read_bytes()
    path = tmp_path / "截断.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert "已损坏" in _refused(path).zh


def test_empty_file(tmp_path):
    path = tmp_path / "空.csv"
    path.write_bytes(b"")
    assert "是空的" in _refused(path).zh
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    assert "是空的" in _refused(path).zh


def test_password_protected_xlsx(tmp_path):
    assert "设置了打开密码" in _refused(DATA / "roster_password.xlsx").zh


def test_html_disguised_as_xls(tmp_path):
    path = tmp_path / "导出.xls"
    path.write_text("<html><table><tr><td>姓名</td></tr></table></html>", encoding="utf-8")
    assert "网页格式" in _refused(path).zh


def test_tab_separated_text_disguised_as_xls(tmp_path):
    path = write_csv(tmp_path / "导出.xls", "姓名\t性别\n张三\t男\n", "gbk")
    assert read_table(path).rows[0].cells == ["张三", "男"]


def test_unsupported_type(tmp_path):
    path = tmp_path / "名单.pdf"
    path.write_bytes(b"%PDF-1.4 something")
    assert "请使用 .xlsx、.xls 或 .csv" in _refused(path).zh


def test_undecodable_bytes(tmp_path):
    path = tmp_path / "乱码.csv"
    path.write_bytes(b"\xff\x80\x81\xfe\xff" * 10)
    assert "文字编码" in _refused(path).zh


def test_missing_file(tmp_path):
    with pytest.raises(NotFound) as exc:
        read_table(tmp_path / "没有.xlsx")
    assert "没有.xlsx" in exc.value.zh
