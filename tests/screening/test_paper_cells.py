"""Issue 9 tried again on paper entry: the grid takes the option codes (full-width too) and "2.0",
nothing else. ``float()`` read other scripts' digits and spellings like "3e0" as answers."""

from __future__ import annotations

import pytest

from tests.screening.conftest import STUDENTS
from xadesk.errors import UserError
from xadesk.instruments import load_builtin
from xadesk.screening.paper import check_cell
from xadesk.services.screening_paper import save_paper_row
from xadesk.storage.models_screening import ScreeningResponse

PHQ = load_builtin("phq9")


@pytest.mark.parametrize("text,value", [("3", 3), ("３", 3), ("3.0", 3), (" 3 ", 3), ("", None)])
def test_codes_are_read(text, value):
    assert check_cell(PHQ, 8, text) == value


@pytest.mark.parametrize("text,why", [("٣", "其他文字的数字"), ("३", "其他文字的数字"), ("3\u200b", "不可见字符"),
                                      ("=3", "公式"), ("3e0", ""), ("+3", ""), ("3.00001", "")])
def test_anything_else_is_refused_saying_why(text, why):
    with pytest.raises(UserError) as exc:
        check_cell(PHQ, 8, text)
    assert exc.value.message.startswith("第9题只能填 0、1、2、3") and why in exc.value.message


def test_a_refused_safety_cell_stores_nothing(counselor, small_school, campaign):
    sid = small_school.student_ids[STUDENTS[0][0]]
    with pytest.raises(UserError, match="未保存") as exc:
        save_paper_row(counselor, campaign.id, sid, "phq9", ["0"] * 8 + ["٣", "0"])
    assert any(d.startswith("第9题") and "其他文字的数字" in d for d in exc.value.details)
    with counselor.db.read() as s:
        assert s.query(ScreeningResponse).count() == 0
