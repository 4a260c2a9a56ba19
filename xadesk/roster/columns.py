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
    "boarding": ("是否住校", "住校", "寄宿", "是否寄宿", "是否住宿", "住宿", "住校生", "是否寄宿生", "就读方式"),
    "tags": ("特殊群体", "关爱类型", "特殊群体类型", "关爱群体", "特殊类型"),
    "status": ("状态", "学籍状态", "在校状态", "学生状态"),
    "school_no": ("学号", "校内学号", "学生编号"),
}
# Registry yes/no columns, each speaking for one special-group tag only (a file without the column
# leaves that tag alone; "否" clears it, with history). Field name "group:<tag>".
GROUP_COLUMNS: dict[str, tuple[str, ...]] = {
    "left_behind": ("是否留守儿童", "留守儿童", "是否留守学生", "留守情况"),
    "migrant": ("是否进城务工人员随迁子女", "是否随迁子女", "是否流动儿童", "随迁子女", "是否流动人口子女"),
    "orphan": ("是否孤儿",),
    "unsupported": ("是否事实无人抚养儿童", "是否事实无人抚养"),
    "difficulty": ("是否困境儿童",),
    "disability": ("是否残疾", "是否残疾儿童", "是否残疾人", "残疾人类型", "残疾类型"),
    "single_parent": ("是否单亲家庭", "是否单亲"),
}
for _tag, _names in GROUP_COLUMNS.items():
    COLUMN_ALIASES[f"group:{_tag}"] = _names
REQUIRED_COLUMNS = ("name", "sex", "student_no", "class")
FIELD_LABELS = {field: names[0] for field, names in COLUMN_ALIASES.items()}
FIELD_LABELS["class"] = "班级"
FIELD_LABELS["boarding"] = "是否住校"

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
# What registry group columns say besides 是/否: 双亲留守儿童, 单亲留守儿童, 视力残疾 …; and the "no"s.
_GROUP_NO = _NO | {"无", "非留守儿童", "不是", "非残疾", "非残疾人", "健全", "—", "-", "/"}


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


def parse_group_flag(tag: str, text: str) -> bool:
    """A registry group cell (是否留守儿童 = 双亲留守儿童 / 否 …) → whether the tag applies."""
    value = _fold(text)
    if value.endswith(".0"):
        value = value[:-2]
    if value in _GROUP_NO:
        return False
    if value in _YES or value in {_fold(n) for n in _TAG_ALIASES[tag]}:
        return True
    yes_words = {"left_behind": ("留守",), "migrant": ("随迁", "流动"), "orphan": ("孤儿",),
                 "unsupported": ("无人抚养",), "difficulty": ("困境",), "disability": ("残疾", "残障"),
                 "single_parent": ("单亲",)}[tag]
    if any(w in value for w in yes_words) and not value.startswith(("非", "不")):
        return True
    raise CellError(f"无法识别的“{text}”：应为“是”“否”或如“{TAG_LABELS[tag]}”的写法。",
                    f"unknown value {text!r}: expected 是, 否 or a {TAG_LABELS[tag]} kind.")


# 身份证件类型 (registry vocabulary) → a stable code. ``checked``: the number has the GB 11643 structure and
# check character (region, birth date, sex inside), so it is validated and gives birth date and sex.
ID_TYPES: dict[str, tuple[str, bool]] = {
    "resident": ("居民身份证", True),
    "household": ("户口簿", True),                       # the 户口簿 carries the holder's 公民身份号码
    "hmt_residence": ("港澳台居民居住证", True),          # 81xxxx (HK), 82xxxx (Macau), 83xxxx (Taiwan)
    "foreign_permanent": ("外国人永久居留身份证", True),   # 2023 form: 18 characters starting 9; older: 15
    "hk_mo_permit": ("港澳居民来往内地通行证", False),
    "tw_permit": ("台湾居民来往大陆通行证", False),
    "hk_id": ("香港特区护照/身份证明", False),
    "mo_id": ("澳门特区护照/身份证明", False),
    "passport": ("护照", False),
    "overseas_residence": ("境外永久居住证", False),
    "other": ("其他", False),
}
_ID_TYPE_NAMES = {
    "居民身份证": "resident", "身份证": "resident", "中华人民共和国居民身份证": "resident", "居民身份证号": "resident",
    "户口簿": "household", "户口本": "household", "港澳台居民居住证": "hmt_residence", "港澳居民居住证": "hmt_residence",
    "台湾居民居住证": "hmt_residence", "外国人永久居留身份证": "foreign_permanent", "外国人永久居留证": "foreign_permanent",
    "港澳居民来往内地通行证": "hk_mo_permit", "回乡证": "hk_mo_permit", "台湾居民来往大陆通行证": "tw_permit",
    "台胞证": "tw_permit", "香港特区护照/身份证明": "hk_id", "香港特区护照": "hk_id", "香港身份证": "hk_id",
    "澳门特区护照/身份证明": "mo_id", "澳门特区护照": "mo_id", "澳门身份证": "mo_id", "护照": "passport",
    "外国护照": "passport", "境外永久居住证": "overseas_residence", "其他": "other",
}


def parse_id_type(text: str) -> str:
    """A 身份证件类型 cell → code (blank = resident ID, what a plain roster means)."""
    value = _fold(text)
    if not value:
        return "resident"
    for name, code in _ID_TYPE_NAMES.items():
        if _fold(name) == value:
            return code
    known = "、".join(label for label, _ in ID_TYPES.values())
    raise CellError(f"无法识别的证件类型“{text}”：可用的有{known}。", f"unknown document type {text!r}.")


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


def is_checked_id_type(code: str) -> bool:
    """True when numbers of this document type have the GB 11643 structure and check character."""
    return ID_TYPES[code][1]
