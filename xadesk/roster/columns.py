"""Roster columns: the Chinese headers schools use, and the vocabularies of their cells.

Headers are matched exactly (after :func:`xadesk.tables.normalize_header`), never by substring:
registry exports also carry 监护人姓名 and 监护人身份证号, which must not be taken for the student's.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import UserError

# field → accepted header names. The first name is the one shown in messages.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "学生姓名", "名字"),
    "sex": ("性别", "学生性别"),
    "birth_date": ("出生日期", "出生年月", "生日", "出生年月日", "出生时间"),
    "student_no": ("学籍号", "全国学籍号", "学生学籍号", "全国学籍号码", "学籍号码", "学籍编号"),
    "id_number": ("身份证号", "身份证件号", "身份证号码", "证件号码", "身份证件号码", "公民身份号码", "证件号", "身份证"),
    "id_type": ("证件类型", "身份证件类型"),
    "grade": ("年级", "年级名称", "所在年级", "当前年级"),
    "class": ("班级", "班级名称", "所在班级", "班名", "班"),
    "boarding": ("是否住校", "住校", "寄宿", "是否寄宿", "是否住宿", "住宿", "住校生", "是否寄宿生"),
    "tags": ("特殊群体", "关爱类型", "特殊群体类型", "关爱群体", "特殊类型"),
    "status": ("状态", "学籍状态", "在校状态", "学生状态"),
    "school_no": ("学号", "校内学号", "学生编号"),
}
REQUIRED_COLUMNS = ("name", "sex", "student_no", "class")
FIELD_LABELS = {field: names[0] for field, names in COLUMN_ALIASES.items()}
FIELD_LABELS["class"] = "班级"

HEADER_TO_FIELD: dict[str, str] = {alias: field for field, names in COLUMN_ALIASES.items() for alias in names}

# Special-group tags: stable code → display label, and the spellings schools use.
TAG_LABELS = {
    "left_behind": "留守儿童",
    "migrant": "流动儿童",
    "orphan": "孤儿",
    "unsupported": "事实无人抚养儿童",
    "difficulty": "困境儿童",
    "disability": "残疾儿童",
    "single_parent": "单亲家庭",
    "blended": "重组家庭",
}
_TAG_ALIASES = {
    "left_behind": ("留守", "留守儿童", "留守学生", "农村留守儿童"),
    "migrant": ("流动", "流动儿童", "流动人口子女", "随迁", "随迁子女", "进城务工人员随迁子女"),
    "orphan": ("孤儿",),
    "unsupported": ("事实无人抚养", "事实无人抚养儿童"),
    "difficulty": ("困境", "困境儿童", "家庭困难", "家庭经济困难", "经济困难"),
    "disability": ("残疾", "残疾儿童", "残障", "残疾学生"),
    "single_parent": ("单亲", "单亲家庭"),
    "blended": ("重组", "重组家庭"),
}
_TAG_BY_NAME = {alias: code for code, names in _TAG_ALIASES.items() for alias in names}
_NO_TAG = {"无", "否", "没有", "-", "—", "/", "0", "n", "no", "none"}
_TAG_SEPARATORS = re.compile(r"[、,，;；/／|\s]+")

STATUS_LABELS = {"enrolled": "在读", "transferred_out": "转出", "graduated": "毕业", "suspended": "休学"}
_STATUS_BY_NAME = {
    "在读": "enrolled", "在校": "enrolled", "在籍": "enrolled", "正常": "enrolled",
    "转出": "transferred_out", "已转出": "transferred_out", "转学": "transferred_out",
    "毕业": "graduated", "已毕业": "graduated",
    "休学": "suspended",
}

_SEX_BY_NAME = {"男": "M", "男性": "M", "m": "M", "male": "M", "1": "M",
                "女": "F", "女性": "F", "f": "F", "female": "F", "2": "F"}
_YES = {"是", "住校", "住宿", "寄宿", "住校生", "寄宿生", "y", "yes", "true", "1", "√", "✓", "✔"}
_NO = {"否", "走读", "走读生", "不住校", "非寄宿", "非住校", "n", "no", "false", "0", "×", "✗"}


class CellError(UserError):
    """A cell value outside its column's vocabulary."""


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def parse_sex(text: str) -> str:
    value = _fold(text)
    if value.endswith(".0"):
        value = value[:-2]
    try:
        return _SEX_BY_NAME[value]
    except KeyError:
        raise CellError(f"无法识别的性别“{text}”：应为“男”或“女”。", f"unknown sex {text!r}: expected 男 or 女.") from None


def parse_boarding(text: str) -> bool:
    value = _fold(text)
    if value.endswith(".0"):
        value = value[:-2]
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise CellError(f"无法识别的住校情况“{text}”：应为“是”或“否”。", f"unknown boarding value {text!r}: expected 是 or 否.")


def parse_tags(text: str) -> frozenset[str]:
    """``留守、单亲`` → {"left_behind", "single_parent"}; ``无`` or blank → empty."""
    tags: set[str] = set()
    unknown: list[str] = []
    for part in _TAG_SEPARATORS.split(unicodedata.normalize("NFKC", text)):
        if not part or part.lower() in _NO_TAG:
            continue
        code = _TAG_BY_NAME.get(part)
        if code is None:
            unknown.append(part)
        else:
            tags.add(code)
    if unknown:
        known = "、".join(names[0] for names in _TAG_ALIASES.values())
        raise CellError(f"无法识别的特殊群体“{'、'.join(unknown)}”：可用的有{known}（多个用顿号分隔）。",
                        f"unknown special group(s) {'、'.join(unknown)}: known are {known} (separate several with 、).")
    return frozenset(tags)


def parse_status(text: str) -> str:
    value = _fold(text)
    try:
        return _STATUS_BY_NAME[value]
    except KeyError:
        raise CellError(f"无法识别的学籍状态“{text}”：应为在读、转出、毕业或休学。",
                        f"unknown status {text!r}: expected 在读, 转出, 毕业 or 休学.") from None


def is_resident_id_type(text: str) -> bool:
    """True when a 证件类型 cell denotes a mainland resident ID card (or is blank)."""
    value = _fold(text)
    return not value or value in {"居民身份证", "身份证", "中华人民共和国居民身份证", "居民身份证号"}
