"""parse_roster: good files in every shape schools send, and every bad-input case with its row and field."""

import csv
import dataclasses
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from xadesk.domain.idnumbers import make_id_number
from xadesk.domain.synthetic import generate_students, write_roster_csv, write_roster_xlsx
from xadesk.errors import Cancelled, ValidationFailed
from xadesk.roster import RosterInvalid, parse_roster

TODAY = date(2026, 10, 1)  # school year 2026-2027
DATA = Path(__file__).parent / "data"

BOY = make_id_number("610116", date(2013, 5, 1), 123)  # J2-aged boy
GIRL = make_id_number("610113", date(2013, 7, 9), 246)
BOY2 = make_id_number("610104", date(2014, 1, 2), 357)
GIRL2 = make_id_number("610112", date(2013, 3, 4), 468)
HEADER = ["学籍号", "姓名", "性别", "出生日期", "身份证号", "年级", "班级"]


def roster_csv(tmp_path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8-sig",
               name: str = "名单.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def refused(path: Path) -> RosterInvalid:
    with pytest.raises(RosterInvalid) as exc:
        parse_roster(path, today=TODAY)
    assert isinstance(exc.value, ValidationFailed)
    assert "未导入任何学生" in exc.value.zh or "看起来不是学生名单" in exc.value.zh
    return exc.value


def same_students(a, b) -> bool:
    return [dataclasses.replace(r, row=0) for r in a] == [dataclasses.replace(r, row=0) for r in b]


# --- good files ------------------------------------------------------------------------------------

def test_generated_xlsx_with_title_row_round_trips(tmp_path):
    students = generate_students([("J1", 1), ("J2", 2), ("P5", 3)], per_class=8, seed=3, today=TODAY)
    path = write_roster_xlsx(tmp_path / "名单.xlsx", students, title="西安市某中学2026级学生名单")
    result = parse_roster(path, today=TODAY)
    assert same_students(result.records, students)
    assert result.header_row == 2
    assert [r.row for r in result.records[:2]] == [3, 4]
    assert result.ignored_columns == ["序号"]
    assert result.classes() == [("P5", 3), ("J1", 1), ("J2", 2)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_generated_csv_in_each_encoding(tmp_path, encoding):
    students = generate_students([("S1", 4), ("V2", 1)], per_class=5, seed=4, today=TODAY)
    path = write_roster_csv(tmp_path / "名单.csv", students, encoding, split_grade=False)
    assert same_students(parse_roster(path, today=TODAY).records, students)


def test_xls_file_with_full_width_class_names():
    result = parse_roster(DATA / "roster.xls", today=TODAY)
    assert [(r.grade_code, r.class_number) for r in result.records] == [("J2", 3)] * 3 + [("P5", 1)] * 3
    assert result.records[0].row == 4
    assert result.records[0].school_no == "20250301"


def test_class_spellings_and_values_as_schools_write_them(tmp_path):
    rows = [
        ["G" + BOY, "张 小明", "男", "2013/5/1", BOY.lower(), "", "初二(3)班"],
        ["J" + GIRL, "李小红", "女", "2013年7月9日", "", "", "8年级03班"],
        ["L610104201401024321", "王小刚", "男", "20140102", "", "八年级", "（3）班"],
    ]
    records = parse_roster(roster_csv(tmp_path, rows), today=TODAY).records
    assert [(r.grade_code, r.class_number, r.class_label) for r in records] == [("J2", 3, "八年级(3)班")] * 3
    assert records[0].name == "张 小明" and records[0].id_number == BOY
    assert records[1].id_number is None and records[1].birth_date == date(2013, 7, 9)
    assert records[2].birth_date == date(2014, 1, 2) and records[2].student_no == "L610104201401024321"


def test_sex_and_birth_date_come_from_the_id_number_when_blank(tmp_path):
    rows = [["G" + BOY, "张小明", "", "", "", "", "初二(3)班"]]
    record = parse_roster(roster_csv(tmp_path, rows), today=TODAY).records[0]
    assert record.sex == "M"
    assert record.birth_date == date(2013, 5, 1)
    assert record.id_number == BOY  # taken from the G-form 学籍号


def test_month_only_birth_date(tmp_path):
    header = ["学籍号", "姓名", "性别", "出生年月", "身份证号", "班级"]
    rows = [["J" + BOY, "张小明", "男", "2013-05", BOY, "初二(3)班"],  # the ID gives the day
            ["J" + GIRL, "李小红", "女", "2013.07", "", "初二(3)班"]]  # nothing better: month only
    first, second = parse_roster(roster_csv(tmp_path, rows, header), today=TODAY).records
    assert first.birth_date == date(2013, 5, 1) and not first.birth_month_only
    assert second.birth_date == date(2013, 7, 1) and second.birth_month_only


def test_optional_columns(tmp_path):
    header = ["全国学籍号", "学生姓名", "性别", "身份证件号", "班级名称", "寄宿", "关爱类型", "学籍状态", "学号"]
    rows = [["G" + BOY, "张小明", "男", BOY, "初二(3)班", "是", "留守、单亲", "在读", "2024030101"],
            ["G" + GIRL, "李小红", "女", GIRL, "初二(3)班", "", "", "休学", ""],
            ["G" + BOY2, "王小刚", "男", BOY2, "初二(3)班", "走读", "流动儿童，重组家庭;残疾", "", ""]]
    a, b, c = parse_roster(roster_csv(tmp_path, rows, header), today=TODAY).records
    assert (a.boarding, a.tags, a.status, a.school_no) == (True, frozenset({"left_behind", "single_parent"}),
                                                           "enrolled", "2024030101")
    assert (b.boarding, b.tags, b.status, b.school_no) == (None, frozenset(), "suspended", None)
    assert (c.boarding, c.tags, c.status) == (False, frozenset({"migrant", "blended", "disability"}), None)


def test_absent_optional_columns_are_none(tmp_path):
    rows = [["G" + BOY, "张小明", "男", "", "", "", "初二(3)班"]]
    record = parse_roster(roster_csv(tmp_path, rows), today=TODAY).records[0]
    assert (record.boarding, record.tags, record.status, record.school_no) == (None, None, None, None)


def test_non_resident_documents_are_kept_not_validated_as_id_numbers(tmp_path):
    # Issue 16: every 身份证件类型 is kept with its number (it used to be dropped).
    header = ["学籍号", "姓名", "性别", "出生日期", "身份证件类型", "身份证件号", "班级"]
    rows = [["J" + GIRL, "李小红", "女", "2013-07-09", "护照", "E12345678", "初二(3)班"]]
    record = parse_roster(roster_csv(tmp_path, rows, header), today=TODAY).records[0]
    assert (record.id_number, record.id_type) == ("E12345678", "passport")
    assert record.birth_date == date(2013, 7, 9)


def test_progress_and_cancel(tmp_path):
    students = generate_students([("J1", 1)], per_class=600, seed=5, today=TODAY)
    path = write_roster_csv(tmp_path / "a.csv", students)
    seen = []
    parse_roster(path, progress=lambda done, total: seen.append((done, total)), today=TODAY)
    assert seen[-1] == (600, 600)
    with pytest.raises(Cancelled):
        parse_roster(path, cancelled=lambda: True, today=TODAY)


# --- bad input: every problem, with its row and field --------------------------------------------------

def test_each_bad_row_is_reported_with_row_and_field(tmp_path):
    bad_check = BOY[:17] + ("0" if BOY[17] != "0" else "1")
    rows = [
        ["G" + BOY, "张小明", "男", "2013-05-01", BOY, "八年级", "3班"],  # row 2: fine
        ["J" + GIRL, "李小红", "女", "", bad_check, "八年级", "3班"],  # row 3: ID checksum
        ["J" + BOY2, "王小刚", "男", "", "6.10116E+17", "八年级", "3班"],  # row 4: Excel float
        ["J61011620130210001X", "赵小燕", "女", "2013-02-30", "", "八年级", "3班"],  # row 5: impossible date
        ["J61011620130210002X", "钱小军", "男", "", "", "大一", "3班"],  # row 6: unknown grade
        ["J61011620130210003X", "孙小丽", "女", "", "", "", "火箭班"],  # row 7: unknown class
        ["G" + BOY, "周小伟", "男", "", "", "八年级", "3班"],  # row 8: duplicate 学籍号 (of row 2)
        ["J61011620130210004X", "吴小梅", "女", "", "", "", ""],  # row 9: missing class
        ["J61011620130210005X", "", "", "", "", "八年级", "3班"],  # row 10: missing name and sex
        ["", "郑小东", "男", "", "", "八年级", "3班"],  # row 11: missing 学籍号
        ["J61011620130210006X", "冯小雨", "女", "", BOY, "八年级", "3班"],  # row 12: sex vs ID; duplicate ID
        ["J61011620130210007X", "陈小雪", "女", "2013-07-10", GIRL, "八年级", "3班"],  # row 13: birth vs ID
        ["G" + BOY2, "褚小龙", "男", "", GIRL2, "八年级", "3班"],  # row 14: G-form ID ≠ ID column; sex vs ID
    ]
    error = refused(roster_csv(tmp_path, rows))
    details = error.details
    expected = [
        "第3行 身份证号：身份证号校验位错误（可能有数字输错）。",
        "第4行 身份证号：号码被Excel当成数字保存，后几位已变成0或被截断（显示为6.10116E+17之类），无法还原。"
        "请在Excel中先把这一列设为“文本”格式，再重新填入原始号码。",
        "第5行 出生日期：日期“2013-02-30”不存在（2013年2月没有30日）。",
        "第8行 学籍号：学籍号与第2行重复。",
        "第9行 班级：班级为空。",
        "第10行 姓名：姓名为空。",
        "第10行 性别：性别为空（也没有可推断性别的身份证号）。",
        "第11行 学籍号：学籍号为空。",
        "第12行 性别：填写为“女”，但身份证号显示为男。",
        "第12行 身份证号：身份证号与第2行重复。",
        "第13行 出生日期：与身份证号中的出生日期（2013-07-09）不一致。",
        "第14行 学籍号：G开头学籍号中包含的身份证号与身份证号列不一致。",
        "第14行 性别：填写为“男”，但身份证号显示为女。",
    ]
    for line in expected:
        assert line in details
    assert any(d.startswith("第6行 年级：无法识别的年级“大一”") for d in details)
    assert any(d.startswith("第7行 班级：无法识别的班级“火箭班”") for d in details)
    assert len(details) == len(expected) + 2
    assert [p.row for p in error.problems] == sorted(p.row for p in error.problems)
    assert not any(p.row == 2 for p in error.problems)
    assert "涉及12行" in error.zh
    assert "1个号码被Excel转成了数字" in error.zh
    assert not any(n in error.full_text() for n in (BOY, GIRL, BOY2, GIRL2))


def test_id_typed_as_a_number_in_xlsx(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["J" + BOY, "张小明", "男", "", int(BOY) if BOY[-1] != "X" else 610116201305011000, "八年级", "3班"])
    sheet.append(["J" + GIRL, "李小红", "女", "", GIRL, "八年级", "3班"])
    book.save(tmp_path / "名单.xlsx")
    error = refused(tmp_path / "名单.xlsx")
    assert len(error.details) == 1
    assert error.details[0].startswith("第2行 身份证号：号码被Excel当成数字保存")


def test_duplicate_id_number_between_id_column_and_g_form(tmp_path):
    rows = [["G" + BOY, "张小明", "男", "", "", "八年级", "3班"],
            ["J61011620130210001X", "张小明", "男", "", BOY, "八年级", "3班"]]
    assert refused(roster_csv(tmp_path, rows)).details == ["第3行 身份证号：身份证号与第2行重复。"]


@pytest.mark.parametrize("column, value, fragment", [
    ("性别", "未知", "第2行 性别：无法识别的性别“未知”"),
    ("是否住校", "偶尔", "第2行 是否住校：无法识别的住校情况“偶尔”"),
    ("特殊群体", "留守、学霸", "第2行 特殊群体：无法识别的特殊群体“学霸”"),
    ("状态", "退学了", "第2行 状态：无法识别的学籍状态“退学了”"),
    ("学籍号", "12345", "第2行 学籍号：学籍号应以G、J或L开头"),
    ("学籍号", BOY, "第2行 学籍号：学籍号应以G、J或L开头（这一格看起来是身份证号）"),
    ("出生日期", "2030-01-01", "第2行 出生日期：出生日期晚于今天"),
    ("班级", "初2019级1班", "第2行 班级：按2026-2027学年，初中2019级已经毕业"),
])
def test_single_cell_problems(tmp_path, column, value, fragment):
    header = ["学籍号", "姓名", "性别", "出生日期", "班级", "是否住校", "特殊群体", "状态"]
    row = dict(zip(header, ["J" + GIRL, "李小红", "女", "", "初二(3)班", "", "", ""], strict=True))
    row[column] = value
    details = refused(roster_csv(tmp_path, [list(row.values())], header)).details
    assert len(details) == 1 and details[0].startswith(fragment), details


def test_not_a_roster_lists_the_columns_we_need(tmp_path):
    path = roster_csv(tmp_path, [["1", "2"]], ["序号", "成绩"], name="成绩单.csv")
    error = refused(path)
    assert "“成绩单.csv”看起来不是学生名单" in error.zh
    assert error.details[0].startswith("名单需要这些列：姓名、性别、学籍号、班级")
    assert "序号、成绩" in error.details[1]


def test_missing_required_column(tmp_path):
    path = roster_csv(tmp_path, [["张小明", "男", "初二(3)班"]], ["姓名", "性别", "班级"])
    assert refused(path).details == ["缺少必需的列：学籍号（表头在第1行）。"]


def test_two_columns_for_the_same_field(tmp_path):
    header = ["学籍号", "全国学籍号", "姓名", "性别", "班级"]
    path = roster_csv(tmp_path, [["J" + GIRL, "J" + GIRL, "李小红", "女", "初二(3)班"]], header)
    assert refused(path).details == ["第1行：“学籍号”和“全国学籍号”两列表示同一项（学籍号），请删去其中一列。"]


def test_header_only(tmp_path):
    assert "没有学生数据" in refused(roster_csv(tmp_path, [])).zh


def test_unreadable_file_is_a_user_error_naming_it(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(Exception) as exc:
        parse_roster(path)
    assert "名单.xlsx" in str(exc.value) and "已损坏" in str(exc.value)


def test_english_messages(tmp_path, monkeypatch):
    monkeypatch.setenv("XADESK_LANG", "en")
    rows = [["J" + GIRL, "", "女", "", "", "", "初二(3)班"]]
    error = refused(roster_csv(tmp_path, rows))
    assert error.details == ["Row 2 姓名: the name is empty."]
    assert "nothing was imported" in str(error)


def test_an_id_ending_in_000_that_passes_the_checksum_is_a_warning(tmp_path):
    # 1 in 11 Excel-truncated numbers still pass MOD 11-2; a real number can also end in 000.
    suspicious = next(n for d in range(1, 29) for seq in (100, 300, 500, 700, 900)
                      if (n := make_id_number("610116", date(2013, 5, d), seq)).endswith("000"))
    rows = [["J" + GIRL, "李小红", "女", "", suspicious, "八年级", "3班"]]
    result = parse_roster(roster_csv(tmp_path, rows), today=TODAY)
    assert result.records[0].id_number == suspicious
    assert [w.text() for w in result.warnings] == [
        "第2行 身份证号：身份证号末三位是000：号码若曾被Excel当成数字保存就会这样，请与原件核对。"]


def test_l_form_birth_date_disagreeing_with_the_column_is_a_warning(tmp_path):
    rows = [["L610104201401024321", "王小刚", "男", "2014-01-03", "", "八年级", "3班"]]
    result = parse_roster(roster_csv(tmp_path, rows), today=TODAY)
    assert result.records[0].birth_date == date(2014, 1, 3)
    assert len(result.warnings) == 1 and result.warnings[0].text().startswith("第2行 学籍号：L开头学籍号中的出生日期")


def test_xlsx_with_numeric_grade_and_class_cells(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["学籍号", "姓名", "性别", "出生日期", "年级", "班级"])
    sheet.append(["J" + GIRL, "李小红", "女", date(2013, 7, 9), 8, 3])
    sheet.append(["J" + BOY, "张小明", "男", 41395, "九年级", "（１２）班"])  # 41395 = 2013-05-01 as a serial
    book.save(tmp_path / "名单.xlsx")
    a, b = parse_roster(tmp_path / "名单.xlsx", today=TODAY).records
    assert (a.grade_code, a.class_number, a.birth_date) == ("J2", 3, date(2013, 7, 9))
    assert (b.grade_code, b.class_number, b.birth_date) == ("J3", 12, date(2013, 5, 1))
