from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xadesk.domain.grades import (
    GRADE_BY_CODE,
    GRADES,
    GradeError,
    class_label,
    next_grade,
    parse_class_label,
    parse_class_number,
    parse_grade,
)

TODAY = date(2025, 10, 1)  # school year 2025-2026


def test_catalogue_codes_labels_and_stages():
    assert [g.code for g in GRADES] == ["P1", "P2", "P3", "P4", "P5", "P6", "J1", "J2", "J3",
                                        "S1", "S2", "S3", "V1", "V2", "V3"]
    assert [GRADE_BY_CODE[c].label for c in ("P1", "P6", "J1", "J3", "S1", "S3", "V1")] == [
        "一年级", "六年级", "七年级", "九年级", "高一", "高三", "中职一年级"]
    assert {g.stage for g in GRADES} == {"primary", "junior", "senior", "vocational"}
    assert GRADE_BY_CODE["J2"].full_label == "初中二年级"


def test_promotion():
    assert next_grade("P1") == "P2"
    assert next_grade("P6") is None
    assert next_grade("J1") == "J2"
    assert next_grade("J3") is None
    assert next_grade("S3") is None
    assert next_grade("V2") == "V3"


@pytest.mark.parametrize("text, expected", [
    ("初二(3)班", ("J2", 3)),
    ("八年级3班", ("J2", 3)),
    ("8年级03班", ("J2", 3)),
    ("高一1班", ("S1", 1)),
    ("七年级（3）班", ("J1", 3)),
    ("七年级（３）班", ("J1", 3)),
    ("８年级０３班", ("J2", 3)),
    ("七年级三班", ("J1", 3)),
    ("七年级(12)班", ("J1", 12)),
    ("初中二年级(3)班", ("J2", 3)),
    ("初二年级3班", ("J2", 3)),
    ("三(2)班", ("P3", 2)),
    ("小学一年级十二班", ("P1", 12)),
    ("二年级 3 班", ("P2", 3)),
    ("十一年级2班", ("S2", 2)),
    ("高中三年级(1)班", ("S3", 1)),
    ("中职二年级(1)班", ("V2", 1)),
    ("初2023级3班", ("J3", 3)),  # entered 初中 in 2023 → 初三 in 2025-26
    ("初2025级1班", ("J1", 1)),
    ("高2026届3班", ("S3", 3)),  # graduates in 2026 → 高三 in 2025-26
])
def test_class_names_as_schools_write_them(text, expected):
    assert parse_class_label(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["3班", "3", "03", "(3)", "（3）班", "三班", "3.0"])
def test_bare_class_number_with_a_grade_column(text):
    assert parse_class_label(text, grade_code="J2") == ("J2", 3)


def test_full_class_name_must_agree_with_the_grade_column():
    assert parse_class_label("初二(3)班", grade_code="J2") == ("J2", 3)
    with pytest.raises(GradeError) as exc:
        parse_class_label("初一(3)班", grade_code="J2")
    assert "与年级“八年级”不一致" in exc.value.zh


@pytest.mark.parametrize("text, fragment", [
    ("3班", "无法识别的班级"),  # no grade column: a bare number is not enough
    ("x班", "无法识别的班级"),
    ("初二", "缺少班号"),
    ("高12班", "无法识别的班级"),  # 高1+2班 or class 12? refused rather than guessed
    ("七年级(0)班", "无法识别的班级"),
    ("2023级3班", "没有写明学段"),
    ("初2019级1班", "已经毕业"),
    ("初2027级1班", "尚未入学"),
    ("", "班级为空"),
])
def test_unusable_class_names_get_a_clear_chinese_error(text, fragment):
    with pytest.raises(GradeError) as exc:
        parse_class_label(text, today=TODAY)
    assert fragment in exc.value.zh


def test_cohort_without_stage_uses_the_grade_column():
    assert parse_class_label("2024级3班", grade_code="J2", today=TODAY) == ("J2", 3)


@pytest.mark.parametrize("text, code", [
    ("七年级", "J1"), ("初一", "J1"), ("初中一年级", "J1"), ("7年级", "J1"), ("7", "J1"), ("8.0", "J2"),
    ("高一", "S1"), ("高中一年级", "S1"), ("十年级", "S1"), ("10年级", "S1"), ("高1", "S1"),
    ("一年级", "P1"), ("小学六年级", "P6"), ("６年级", "P6"),
    ("中职一年级", "V1"), ("职高二", "V2"), ("j2", "J2"), ("初2024级", "J2"),
])
def test_grade_spellings(text, code):
    assert parse_grade(text, today=TODAY) == code


def test_unknown_grade_lists_what_is_accepted():
    with pytest.raises(GradeError) as exc:
        parse_grade("大一")
    assert "无法识别的年级“大一”" in exc.value.zh
    assert "七年级" in exc.value.zh and "高一" in exc.value.zh


def test_class_number_alone():
    assert parse_class_number("（05）班") == 5
    with pytest.raises(GradeError):
        parse_class_number("甲班")


_FULL_WIDTH = str.maketrans("0123456789()", "０１２３４５６７８９（）")


@given(st.sampled_from([g.code for g in GRADES]), st.integers(min_value=1, max_value=99), st.booleans())
def test_canonical_label_round_trips(code, number, full_width):
    label = class_label(code, number)
    if full_width:
        label = label.translate(_FULL_WIDTH)
    assert parse_class_label(label) == (code, number)
    assert parse_grade(GRADE_BY_CODE[code].label) == code


# --- notations students and registries write (issue 16) -------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("七(1)班", ("J1", 1)), ("八(4)班", ("J2", 4)), ("八（４）班", ("J2", 4)), ("九(12)", ("J3", 12)),
    ("七年级1班", ("J1", 1)), ("初一(1)班", ("J1", 1)), ("初一（１）班", ("J1", 1)),
    ("701班", ("J1", 1)), ("903", ("J3", 3)), ("805", ("J2", 5)), ("９０３班", ("J3", 3)), ("412", ("P4", 12)),
    (" 8 0 5 ", ("J2", 5)), ("七【1】班", ("J1", 1)),
])
def test_short_and_three_digit_class_notations(text, expected):
    assert parse_class_label(text, today=TODAY) == expected


def test_three_digit_code_must_agree_with_the_grade_column():
    assert parse_class_label("701班", grade_code="J1") == ("J1", 1)
    with pytest.raises(GradeError) as exc:
        parse_class_label("801班", grade_code="J1")
    assert "不一致" in exc.value.zh


def test_cohort_without_stage_is_settled_by_the_schools_only_stage():
    today = date(2026, 11, 29)                                           # school year 2026-2027
    assert parse_class_label("2026级1班", today=today, stages={"junior"}) == ("J1", 1)
    assert parse_class_label("2024级3班", today=today, stages={"junior"}) == ("J3", 3)
    # 2021级 has left 初中 by 2026-27 but is 六年级 in the primary part: only one stage fits
    assert parse_class_label("2021级2班", today=today, stages={"primary", "junior"}) == ("P6", 2)


@pytest.mark.parametrize("text, stages, fragment", [
    ("2026级1班", {"primary", "junior"}, "都有这一级"),            # 一年级 or 七年级: refused
    ("2026级1班", None, "没有写明学段"),
    ("2019级1班", {"junior"}, "没有写明学段"),                     # graduated in every stage the school has
    ("001", None, "无法识别的班级"),                                # grade 0: not a grade
    ("700", None, "无法识别的班级"),                                # class 00
    ("1203", None, "无法识别的班级"),                               # four digits: 高三3班 or 12 班 03? refused
])
def test_truly_ambiguous_class_names_are_refused(text, stages, fragment):
    with pytest.raises(GradeError) as exc:
        parse_class_label(text, today=date(2026, 11, 29), stages=stages)
    assert fragment in exc.value.zh


@given(st.integers(min_value=1, max_value=9), st.integers(min_value=1, max_value=99), st.booleans(), st.booleans())
def test_short_and_code_notations_agree_with_the_canonical_label(level, number, full_width, with_ban):
    code = next(g.code for g in GRADES if g.level == level and g.stage in ("primary", "junior"))
    suffix = "班" if with_ban else ""
    short = f"{'一二三四五六七八九'[level - 1]}({number}){suffix}"
    code3 = f"{level}{number:02d}{suffix}"
    for text in (short, code3):
        if full_width:
            text = text.translate(_FULL_WIDTH)
        assert parse_class_label(text) == (code, number)
        assert class_label(*parse_class_label(text)) == class_label(code, number)
