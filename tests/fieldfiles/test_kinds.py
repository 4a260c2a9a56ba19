"""问卷星 export kinds from file names and cells (xadesk.survey.kinds)."""

from __future__ import annotations

import pytest

from xadesk.instruments import load_builtin
from xadesk.survey.kinds import coding_from_name, judge


@pytest.mark.parametrize("name, coding", [
    ("245871932_按文本_心理健康筛查_12_12.xlsx", "label"),
    ("245871932_按序号_心理健康筛查_12_12.csv", "ordinal"),
    ("245871932_按分数_心理健康筛查_12_12.xls", "value"),
    ("245871932_心理健康筛查_0.xls", "label"),          # older names: _0 = text, _2 = ordinal
    ("245871932_心理健康筛查_2.xls", "ordinal"),
    ("245871932_心理健康筛查_1.xls", None),             # not documented: not assumed
    ("All_Data_Readable.csv", "label"),
    ("All_Data_Original.xlsx", "ordinal"),
    ("问卷导出.xlsx", None),
])
def test_kind_from_the_file_name(name, coding):
    assert coding_from_name(name) == coding


def test_kind_from_cells():
    it = load_builtin("asq").items[0]                   # 否 = 0 listed first, 是 = 1
    assert judge("x.xlsx", [(it, "否"), (it, "是")]).coding == "label"
    assert judge("x.xlsx", [(it, "1"), (it, "2")]).coding == "ordinal"       # 2 is no score
    assert judge("x.xlsx", [(it, "0"), (it, "1")]).coding == "value"         # 0 is no ordinal
    ambiguous = judge("x.xlsx", [(it, "1"), (it, "-2"), (it, "")])
    assert ambiguous.coding is None and ambiguous.source == "ambiguous"     # 1 = 否 or 是: ask
    both = judge("x.xlsx", [(it, "0"), (it, "2")])
    assert both.coding is None and "对应关系可能有误" in both.reason
    clash = judge("1_按序号_t_1_1.xlsx", [(it, "0"), (it, "1")])
    assert clash.coding is None and clash.source == "conflict"
