"""Issue 16 tried again: a matrix whose shortened row labels collide ("第3题(心情)" for both item 2
and item 6). Columns are named by their headers, so the second could not be mapped at all; the
refusal blamed the instrument ("第2题没有对应的列") and the mapping table could not fix it."""

from __future__ import annotations

import csv

import pytest

from tests.screening.conftest import STUDENTS
from xadesk.services.campaigns import create_campaign
from xadesk.services.screening_import import import_survey, survey_columns
from xadesk.storage.models_screening import ScreeningResponse
from xadesk.survey.mapping import MappingRefused

META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、你的学籍号", "2、你的姓名"]
LABELS = ["兴趣", "心情", "睡眠", "疲倦", "食欲", "心情", "专注", "动作", "念头"]


def test_two_columns_with_one_header_are_named_and_nothing_is_stored(counselor, small_school, tmp_path):
    c = create_campaign(counselor, "2026秋季普查", ["phq9"], grades=["J1", "J2"], open_now=True)
    path = tmp_path / "wjx.csv"
    name, no = STUDENTS[0][0], STUDENTS[0][4]
    with path.open("w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows([META + [f"第3题({lab})" for lab in LABELS],
                                 [1, "2026/09/03 10:00:00", "100秒", "手机提交", "直接访问", "1.2.3.4", no, name]
                                 + [1] * 8 + [4]])
    preview = survey_columns(counselor, c.id, path)
    assert preview.problems[0] == ("第10、14列的表头都是“第3题(心情)”，无法分别对应到题目："
                                   "请在文件中把表头改得各不相同后再导入")
    with pytest.raises(MappingRefused) as exc:
        import_survey(counselor, c.id, path, coding="ordinal", confirm=True)
    assert any("第10、14列的表头都是" in d for d in exc.value.details)
    with counselor.db.read() as s:
        assert s.query(ScreeningResponse).count() == 0
