"""Issue 16 tried again: a consent-style form asks for the parent's (or the homeroom teacher's) name
before the student's. The first column whose text held "姓名" was taken for the student's name, so
every row's name "did not match" its 学籍号 and waited for confirmation, and rows without a 学籍号
matched nobody."""

from __future__ import annotations

import csv

import pytest

from tests.screening.conftest import STUDENTS
from xadesk.instruments import load_builtin
from xadesk.services.campaigns import create_campaign
from xadesk.services.screening_import import import_survey, survey_columns

META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
PHQ = load_builtin("phq9")


@pytest.mark.parametrize("identity", [["1、家长姓名", "2、学生姓名", "3、学籍号", "4、班级"],
                                      ["1、监护人姓名", "2、你的姓名", "3、你的学籍号", "4、你所在班级"],
                                      ["1、班主任姓名", "2、姓名", "3、学籍号", "4、班主任所在班级", "5、班级"]])
def test_the_students_own_name_is_the_identity(counselor, small_school, tmp_path, identity):
    c = create_campaign(counselor, "2026秋季普查", ["phq9"], grades=["J1", "J2"], open_now=True)
    header = META + identity + [f"{len(identity) + 1 + j}、{it.text_zh}" for j, it in enumerate(PHQ.items)]
    rows = []
    for k, (name, _, _, _, no, _) in enumerate(STUDENTS[:2], start=1):
        by_header = {"姓名": name, "学籍号": no, "班级": "七年级1班"}
        ident = []
        for h in identity:
            stem = h.split("、", 1)[1]
            other = any(w in stem for w in ("家长", "监护人", "班主任"))
            ident.append("某家长" if other and "姓名" in stem else ("八年级2班" if other else
                         next(v for key, v in by_header.items() if key in stem)))
        rows.append([k, "2026/09/03 10:00:00", "100秒", "手机提交", "直接访问", "1.2.3.4", *ident] + [1] * 9 + [1])
    path = tmp_path / "wjx.csv"
    with path.open("w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    preview = survey_columns(counselor, c.id, path)
    assert preview.mapping["identity"]["name"] in ("2、学生姓名", "2、你的姓名", "2、姓名")
    report = import_survey(counselor, c.id, path, coding="ordinal")
    assert report.matched == 2 and not report.to_confirm and report.total.added == 2
