"""Grades with stable codes, and class names as schools write them.

Codes never change (the database stores them): P1–P6 小学, J1–J3 初中, S1–S3 高中, V1–V3 中职.
Canonical labels are what the app shows and what ``parse_class_label`` / ``parse_grade`` always
accept back: ``一年级``…``六年级``, ``七年级``…``九年级``, ``高一``…``高三``, ``中职一年级``…; a class is
the grade label + ``(n)班``, e.g. ``七年级(3)班``.

Accepted class spellings (after full-width digits/brackets are folded to ASCII and spaces dropped):
``初二(3)班``, ``八年级3班``, ``8年级03班``, ``高一1班``, ``七年级（3）班``, ``七年级三班``, the short
form ``三(2)班`` / ``七(1)班`` / ``八(4)班`` (grade as one numeral, 一–九), the three-digit class code
students type into surveys — ``701班``, ``903``, ``805`` (grade level 1–9, then class 01–99) — and,
when a separate 年级 column supplies the grade, a bare ``3班``, ``(3)`` or ``3``. Cohort names are accepted too, relative to the school year that contains ``today``:
``初2023级3班`` (级 = the year the cohort entered that stage: entered 2023 → 初三 in 2025-26) and
``高2026届3班`` (届 = the year it graduates: 高三 in 2025-26). A cohort name without a stage
(``2026级1班``) needs the 年级 column, or ``stages`` = the stages the school has: with exactly one
stage in which that cohort is at school, it is that stage; otherwise (a 九年一贯制 school: 2026级 could
be 一年级 or 七年级) it is refused as ambiguous.

This is the one class-name parser for rosters and survey files alike.

Not supported, on purpose: ``7-3`` / ``7.3`` shorthands (too easily a date or a decimal) and the
五四制 numbering where 六年级 belongs to 初中 (a school using it must rename its grades).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from ..errors import UserError

STAGE_LABELS = {"primary": "小学", "junior": "初中", "senior": "高中", "vocational": "中职"}
_CN = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


class GradeError(UserError):
    """A grade or class name that could not be understood."""


@dataclass(frozen=True)
class Grade:
    code: str  # stable: P1..P6, J1..J3, S1..S3, V1..V3
    label: str  # what the app shows: 七年级, 高一, 中职一年级
    full_label: str  # stage spelled out: 初中一年级
    stage: str  # primary / junior / senior / vocational
    year: int  # 1-based year within the stage
    level: int  # years of schooling: P1 = 1 … J1 = 7 … S1 = V1 = 10 (drives typical age)

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]


def _build() -> tuple[Grade, ...]:
    grades: list[Grade] = []
    for n in range(1, 7):
        grades.append(Grade(f"P{n}", f"{_CN[n]}年级", f"小学{_CN[n]}年级", "primary", n, n))
    for n in range(1, 4):
        grades.append(Grade(f"J{n}", f"{_CN[6 + n]}年级", f"初中{_CN[n]}年级", "junior", n, 6 + n))
    for n in range(1, 4):
        grades.append(Grade(f"S{n}", f"高{_CN[n]}", f"高中{_CN[n]}年级", "senior", n, 9 + n))
    for n in range(1, 4):
        grades.append(Grade(f"V{n}", f"中职{_CN[n]}年级", f"中职{_CN[n]}年级", "vocational", n, 9 + n))
    return tuple(grades)


GRADES: tuple[Grade, ...] = _build()
GRADE_BY_CODE: dict[str, Grade] = {g.code: g for g in GRADES}
STAGE_YEARS = {"primary": 6, "junior": 3, "senior": 3, "vocational": 3}
_STAGE_LETTER = {"primary": "P", "junior": "J", "senior": "S", "vocational": "V"}
_STAGE_PREFIX = {"小学": "primary", "小": "primary", "初中": "junior", "初": "junior",
                 "高中": "senior", "高": "senior", "中职": "vocational", "职高": "vocational"}


def _aliases(g: Grade) -> list[str]:
    n, cn = g.year, _CN[g.year]
    if g.stage == "primary":
        return [g.label, f"{n}年级", g.full_label, f"小学{n}年级", f"小{cn}", f"小{n}"]
    if g.stage == "junior":
        return [g.label, f"{g.level}年级", g.full_label, f"初中{n}年级", f"初{cn}年级", f"初{n}年级",
                f"初中{cn}", f"初{cn}", f"初{n}"]
    if g.stage == "senior":
        return [g.label, f"高{n}", g.full_label, f"高中{n}年级", f"高{cn}年级", f"高{n}年级", f"高中{cn}",
                f"{_CN[g.level]}年级", f"{g.level}年级"]
    return [g.label, f"中职{n}年级", f"中职{cn}", f"中职{n}", f"职高{cn}", f"职高{n}", f"职高{cn}年级",
            f"职{cn}"]


_ALIAS_TO_CODE: dict[str, str] = {}
for _g in GRADES:
    for _a in _aliases(_g):
        _ALIAS_TO_CODE.setdefault(_a, _g.code)
# Longest first, so that 十一年级 wins over 十年级's neighbours and 初二年级 over 初二.
_PREFIXES = sorted(_ALIAS_TO_CODE, key=len, reverse=True)

_CLASS_PART = re.compile(r"^\(?(\d{1,3}|[一二三四五六七八九十两]{1,3})\)?班?$")
_COHORT = re.compile(r"^(小学|小|初中|初|高中|高|中职|职高)?((?:19|20)\d\d)(级|届)(.*)$")
# 三(2)班, 七(1)班, 八(4)班: the grade as one numeral, the class in brackets.
_SHORT = re.compile(r"^([一二三四五六七八九]|[1-9])\((\d{1,3}|[一二三四五六七八九十]{1,3})\)班?$")
# 701班, 903, 805: grade level (1–9) then a two-digit class number, as students type it.
_CODE3 = re.compile(r"^([1-9])(\d\d)班?$")


def grade(code: str) -> Grade:
    try:
        return GRADE_BY_CODE[code]
    except KeyError:
        raise GradeError(f"未知的年级代码“{code}”。", f"unknown grade code {code!r}.") from None


def next_grade(code: str) -> str | None:
    """The grade a class moves to at promotion; None when it graduates (P6, J3, S3, V3)."""
    g = grade(code)
    if g.year >= STAGE_YEARS[g.stage]:
        return None
    return f"{code[0]}{g.year + 1}"


def class_label(grade_code: str, number: int) -> str:
    return f"{grade(grade_code).label}({number})班"


def normalize_name(text: object) -> str:
    """Fold full-width digits and brackets to ASCII, unify bracket shapes, drop all spaces."""
    value = unicodedata.normalize("NFKC", "" if text is None else str(text))
    value = value.translate(_BRACKETS)
    return "".join(value.split())


_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "﹙": "(", "﹚": ")"})


def parse_grade(text: object, *, today: date | None = None) -> str:
    """A grade name (any accepted spelling, a cohort like 初2023级, or a code like J2) → grade code."""
    value = normalize_name(text)
    if value.endswith(".0") and value[:-2].isdigit():  # a 年级 column typed as numbers: 8.0
        value = value[:-2]
    if not value:
        raise GradeError("年级为空。", "the grade is empty.")
    if value.upper() in GRADE_BY_CODE:
        return value.upper()
    if value in _ALIAS_TO_CODE:
        return _ALIAS_TO_CODE[value]
    if value.isdigit() and 1 <= int(value) <= 12:  # a 年级 column holding just 8
        return _code_for_level(int(value))
    cohort = _COHORT.match(value)
    if cohort and not cohort.group(4):
        return _cohort_code(cohort, None, today)
    raise GradeError(
        f"无法识别的年级“{value}”。可用的写法如：一年级…六年级，七年级…九年级（或初一…初三），高一…高三，"
        "中职一年级…中职三年级。",
        f"unknown grade {value!r}. Use e.g. 一年级…六年级, 七年级…九年级 (初一…初三), 高一…高三, 中职一年级…中职三年级.",
    )


def parse_class_number(text: object) -> int:
    """A bare class number: ``3``, ``03``, ``3班``, ``(3)``, ``三班``; 1–99."""
    value = normalize_name(text)
    if value.endswith(".0") and value[:-2].isdigit():
        value = value[:-2]
    number = _class_part(value)
    if number is None:
        raise GradeError(f"无法识别的班号“{value}”：应为如“3班”或“3”。",
                         f"unknown class number {value!r}: expected e.g. 3班 or 3.")
    return number


def parse_class_label(text: object, *, grade_code: str | None = None, today: date | None = None,
                      stages: Collection[str] | None = None) -> tuple[str, int]:
    """A class name → (grade_code, class number).

    ``grade_code`` is the grade from a separate 年级 column, if the file has one: then a bare
    class number is enough, and a class name that names another grade is an error. ``stages``
    (primary / junior / senior / vocational) are the stages the school has: they settle a cohort
    name without a stage (``2026级1班``) when only one of them fits.
    """
    value = normalize_name(text)
    if value.endswith(".0") and value[:-2].isdigit():
        value = value[:-2]
    if not value:
        raise GradeError("班级为空。", "the class is empty.")
    parsed: tuple[str, int] | None = None
    if grade_code is not None:
        number = _class_part(value)
        if number is not None:
            return grade_code, number
    cohort = _COHORT.match(value)
    if cohort:
        number = _class_part(cohort.group(4))
        if number is None:
            raise _unknown_class(value)
        parsed = (_cohort_code(cohort, grade_code, today, stages), number)
    if parsed is None:
        code3 = _CODE3.match(value)
        if code3 and int(code3.group(2)) >= 1:
            parsed = (_code_for_level(int(code3.group(1))), int(code3.group(2)))
    if parsed is None:
        short = _SHORT.match(value)
        if short:
            level = _small_int(short.group(1))
            number = _small_int(short.group(2))
            if level and number:
                parsed = (_code_for_level(level), number)
    if parsed is None:
        for prefix in _PREFIXES:
            if value.startswith(prefix):
                rest = value[len(prefix):]
                if not rest:
                    raise GradeError(f"班级“{value}”缺少班号：应写成如“{prefix}(3)班”。",
                                     f"class {value!r} has no class number: write e.g. {prefix}(3)班.")
                if prefix[-1].isdigit() and rest[0].isdigit():
                    continue  # 高12班: 高1 + 2班 or class 12? Refuse to guess.
                number = _class_part(rest.lstrip("-_.·"))
                if number is not None:
                    parsed = (_ALIAS_TO_CODE[prefix], number)
                    break
    if parsed is None:
        raise _unknown_class(value)
    if grade_code is not None and parsed[0] != grade_code:
        raise GradeError(
            f"班级“{value}”与年级“{grade(grade_code).label}”不一致。",
            f"class {value!r} does not belong to grade {grade(grade_code).label}.",
        )
    return parsed


def _unknown_class(value: str) -> GradeError:
    return GradeError(
        f"无法识别的班级“{value}”。请写成如“七年级(3)班”“初二(3)班”“高一1班”；如果另有“年级”列，班级可只写“3班”。",
        f"unknown class {value!r}. Write e.g. 七年级(3)班, 初二(3)班, 高一1班; with a separate grade column, 3班 is enough.",
    )


def _class_part(text: str) -> int | None:
    match = _CLASS_PART.match(text)
    if not match:
        return None
    number = _small_int(match.group(1))
    if number is None or not 1 <= number <= 99:
        return None
    return number


def _small_int(text: str) -> int | None:
    """1–99 from digits or Chinese numerals (三, 十二, 二十三, 两)."""
    if text.isdigit():
        return int(text)
    text = text.replace("两", "二")
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    if text == "十":
        return 10
    if len(text) == 1 and text in digits:
        return digits[text] or None
    if len(text) == 2 and text[0] == "十" and text[1] in digits:
        return 10 + digits[text[1]]
    if len(text) == 2 and text[1] == "十" and text[0] in digits:
        return digits[text[0]] * 10 or None
    if len(text) == 3 and text[1] == "十" and text[0] in digits and text[2] in digits:
        return digits[text[0]] * 10 + digits[text[2]]
    return None


def _code_for_level(level: int) -> str:
    if level <= 6:
        return f"P{level}"
    if level <= 9:
        return f"J{level - 6}"
    return f"S{level - 9}"


def _year_in_stage(stage: str, year: int, kind: str, today: date | None) -> tuple[int, int]:
    """(year within the stage, first calendar year of the current school year) for a cohort."""
    day = today or date.today()
    first = day.year if day.month >= 9 else day.year - 1  # the school year starts in September
    # 级 = entry year, 届 = graduation year (graduating in the summer that ends school year first..first+1)
    years = STAGE_YEARS[stage]
    return (first - year + 1 if kind == "级" else years - (year - (first + 1))), first


def _cohort_fits(stage: str, year: int, kind: str, today: date | None) -> bool:
    return 1 <= _year_in_stage(stage, year, kind, today)[0] <= STAGE_YEARS[stage]


def _cohort_code(match: re.Match[str], grade_code: str | None, today: date | None,
                 stages: Collection[str] | None = None) -> str:
    prefix, year, kind = match.group(1), int(match.group(2)), match.group(3)
    if prefix:
        stage = _STAGE_PREFIX[prefix]
    elif grade_code is not None:
        stage = grade(grade_code).stage
    elif stages and len(fits := [st for st in dict.fromkeys(stages) if _cohort_fits(st, year, kind, today)]) == 1:
        stage = fits[0]
    elif stages and fits:
        names = "、".join(STAGE_LABELS[st] for st in fits)
        raise GradeError(
            f"“{match.group(0)}”没有写明学段，本校的{names}都有这一级：请写成如“初{year}{kind}”“高{year}{kind}”，"
            "或在表中加“年级”列。",
            f"{match.group(0)!r} does not say which stage, and several of the school's stages have that cohort: "
            f"write e.g. 初{year}{kind}, or add a grade column.",
        )
    else:
        raise GradeError(
            f"“{match.group(0)}”没有写明学段：请写成如“初{year}{kind}”“高{year}{kind}”，或在表中加“年级”列。",
            f"{match.group(0)!r} does not say which stage: write e.g. 初{year}{kind} or 高{year}{kind}, or add a grade column.",
        )
    year_in_stage, first = _year_in_stage(stage, year, kind, today)
    years = STAGE_YEARS[stage]
    label = f"{STAGE_LABELS[stage]}{year}{kind}"
    if year_in_stage > years:
        raise GradeError(f"按{first}-{first + 1}学年，{label}已经毕业。",
                         f"in school year {first}-{first + 1}, {label} has already graduated.")
    if year_in_stage < 1:
        raise GradeError(f"按{first}-{first + 1}学年，{label}尚未入学。",
                         f"in school year {first}-{first + 1}, {label} has not started yet.")
    return f"{_STAGE_LETTER[stage]}{year_in_stage}"
