"""Deterministic fictional students for the demo school, tests and benchmarks — and roster files
shaped like the ones schools export, so the demo goes through the same import as real data.

Everything derives from one ``random.Random(seed)``: the same seed and reference date give the same
students. Names are drawn from common surnames and everyday given-name characters; a short list
of well-known people is excluded. ID numbers are valid GB 11643 numbers with Xi'an district codes
(6101xx) and birth dates that fit each grade; 学籍号 are G + the ID number.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

from ..roster.columns import STATUS_LABELS, TAG_LABELS
from ..roster.parse import RosterRecord
from ..sheets import csv_row, xlsx_append
from . import grades
from .idnumbers import make_id_number

# Xi'an districts and counties: 新城 碑林 莲湖 灞桥 未央 雁塔 阎良 临潼 长安 高陵 鄠邑 蓝田 周至
XIAN_REGIONS = ("610102", "610103", "610104", "610111", "610112", "610113", "610114", "610115", "610116",
                "610117", "610118", "610122", "610124")

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔向汤")
_GIVEN_M = "浩宇轩子涵博文杰睿泽明辰阳俊晨凯鹏磊航铭昊然嘉豪乐天伟志强毅诚康峻楷瑞朗皓"
_GIVEN_F = "欣怡雨萱梓涵诗琪佳悦婷雅静思彤可馨语嫣晓雪梦瑶慧敏丽洁芸蕾颖菲蓉妍婉琳"
_GIVEN_N = "一安佳心宁子若晨雨星清立新远"
# Real people a teacher would recognise; a generated student must not share their name.
_FAMOUS = frozenset({"王菲", "李娜", "刘翔", "杨洋", "张杰", "李白", "杜甫", "王力宏", "周杰伦", "刘德华", "张学友",
                     "姚明", "郭晶晶", "李宇春", "张靓颖", "王源", "王俊凯", "易烊千玺", "孙杨", "林丹", "朱婷",
                     "邓超", "黄晓明", "赵丽颖", "杨幂", "刘亦菲", "韩寒", "郭敬明", "马云", "雷军", "李彦宏"})

# Share of students in each special group (roughly in line with published county figures).
_TAG_RATES = {"left_behind": 0.06, "migrant": 0.04, "single_parent": 0.05, "blended": 0.02, "difficulty": 0.01,
              "disability": 0.005, "unsupported": 0.003, "orphan": 0.002}

# The demo school: 四–六年级 and 七–九年级, five classes each, 40 students per class ≈ 1,200.
DEMO_CLASSES: tuple[tuple[str, int], ...] = tuple((code, n) for code in ("P4", "P5", "P6", "J1", "J2", "J3")
                                                  for n in range(1, 6))

ROSTER_HEADER = ("序号", "学籍号", "姓名", "性别", "出生日期", "身份证号", "年级", "班级", "是否住校", "特殊群体",
                 "学籍状态", "学号")


def fictional_name(rng: random.Random, sex: str) -> str:
    pool = _GIVEN_M if sex == "M" else _GIVEN_F
    while True:
        given = rng.choice(pool)
        if rng.random() < 0.7:
            given += rng.choice(pool + _GIVEN_N)
        name = rng.choice(SURNAMES) + given
        if name not in _FAMOUS:
            return name


def generate_students(classes: Iterable[tuple[str, int]], *, per_class: int | tuple[int, int] = 40,
                      seed: int = 20260901, today: date | None = None) -> list[RosterRecord]:
    """Students for each (grade code, class number); ``per_class`` is a count or an inclusive range."""
    rng = random.Random(seed)
    day = today or date.today()
    first = day.year if day.month >= 9 else day.year - 1  # school year that contains ``day``
    used_ids: set[str] = set()
    records: list[RosterRecord] = []
    for grade_code, class_number in classes:
        g = grades.grade(grade_code)
        size = per_class if isinstance(per_class, int) else rng.randint(*per_class)
        entry_year = first - g.year + 1
        for seat in range(1, size + 1):
            sex = "M" if rng.random() < 0.52 else "F"
            # A child starts P1 in the September after turning 6: born Sep (first-6-level) … Aug (first-5-level).
            start = date(first - 6 - g.level, 9, 1)
            if rng.random() < 0.05:
                start = date(start.year - 1, 9, 1)  # a year older: started late or repeated a year
            birth = start + timedelta(days=rng.randrange(365))
            region = rng.choice(XIAN_REGIONS)
            while True:  # odd sequence for a boy, even for a girl; 000 is never issued
                sequence = rng.randrange(1, 500) * 2 + (1 if sex == "M" else 0)
                id_number = make_id_number(region, birth, sequence)
                if id_number not in used_ids:
                    used_ids.add(id_number)
                    break
            boarding_rate = 0.05 if g.stage == "primary" else 0.25
            tags = frozenset(t for t, rate in _TAG_RATES.items() if rng.random() < rate)
            if {"orphan", "unsupported"} <= tags:
                tags = tags - {"unsupported"}
            records.append(RosterRecord(
                row=len(records) + 2, student_no="G" + id_number, name=fictional_name(rng, sex), sex=sex,
                birth_date=birth, id_number=id_number, grade_code=grade_code, class_number=class_number,
                boarding=rng.random() < boarding_rate, tags=tags, status="enrolled",
                school_no=f"{entry_year}{class_number:02d}{seat:02d}", id_type="resident",
            ))
    return records


def demo_students(seed: int = 20260901, today: date | None = None) -> list[RosterRecord]:
    return generate_students(DEMO_CLASSES, per_class=(37, 43), seed=seed, today=today)


def bench_students(count: int = 5000, seed: int = 5000, today: date | None = None) -> list[RosterRecord]:
    """About ``count`` students over 七–九年级 and 高一–高三 in classes of 50 (a large secondary school)."""
    codes = ("J1", "J2", "J3", "S1", "S2", "S3")
    n_classes = -(-count // 50)
    classes = [(codes[i % len(codes)], i // len(codes) + 1) for i in range(n_classes)]
    return generate_students(classes, per_class=50, seed=seed, today=today)[:count]


def _row_values(index: int, r: RosterRecord, split_grade: bool) -> list[object]:
    g = grades.grade(r.grade_code)
    return [
        index, r.student_no, r.name, "男" if r.sex == "M" else "女", r.birth_date, r.id_number or "",
        g.label if split_grade else "", f"{r.class_number}班" if split_grade else r.class_label,
        "" if r.boarding is None else ("是" if r.boarding else "否"),
        "、".join(TAG_LABELS[t] for t in sorted(r.tags or ())),
        STATUS_LABELS.get(r.status or "", ""), r.school_no or "",
    ]


def _header(split_grade: bool) -> list[str]:
    return [h for h in ROSTER_HEADER if split_grade or h != "年级"]


def write_roster_xlsx(path: str | Path, records: Sequence[RosterRecord], *, title: str | None = None,
                      split_grade: bool = True) -> Path:
    """A roster as schools keep it: optional title row, Chinese headers, IDs as text, dates as date cells.

    ``split_grade``: a 年级 column plus 班级 ``3班`` (as registry exports do); otherwise one 班级 column
    holding the full label ``七年级(3)班``.
    """
    import openpyxl

    path = Path(path)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("学生名单")
    if title:
        xlsx_append(sheet, [title])
    xlsx_append(sheet, _header(split_grade))
    for i, r in enumerate(records, start=1):
        values = _row_values(i, r, split_grade)
        if not split_grade:
            del values[6]
        xlsx_append(sheet, values)
    book.save(path)
    return path


def write_roster_csv(path: str | Path, records: Sequence[RosterRecord], encoding: str = "utf-8-sig", *,
                     split_grade: bool = True, delimiter: str = ",") -> Path:
    """The same roster as CSV in ``encoding`` (utf-8, utf-8-sig, gb18030, gbk); dates as 2012-05-01."""
    path = Path(path)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(csv_row(_header(split_grade)))
        for i, r in enumerate(records, start=1):
            values = _row_values(i, r, split_grade)
            if not split_grade:
                del values[6]
            writer.writerow(csv_row("" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in values))
    return path
