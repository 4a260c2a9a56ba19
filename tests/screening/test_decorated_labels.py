"""Issue 16 tried again: schools build forms whose option text shows the option's letter or score
("A.完全不会", "几乎每天（3分）"), and 问卷星's 按文本 export carries that text. Every such file was
refused, blaming the mapping. A decoration that agrees with its option (the letter is the option's
place, the score its value) now proves the answer; one that disagrees is refused, saying so."""

from __future__ import annotations

import pytest

from tests.screening.test_rows_left_out import LIN, _safety_rows, wjx
from xadesk.errors import UserError
from xadesk.instruments import load_builtin
from xadesk.services.campaigns import create_campaign
from xadesk.services.screening_import import import_survey
from xadesk.services.screening_results import results

PHQ = load_builtin("phq9")


def cells(fmt) -> list[str]:
    """PHQ-9: item 1 "好几天", item 9 "几乎每天", the rest "完全不会", each written by ``fmt(k, option)``."""
    out = []
    for j, it in enumerate(PHQ.items):
        v = 3 if j == 8 else (1 if j == 0 else 0)
        k = [o.value for o in it.options].index(v)
        out.append(fmt(k, it.options[k]))
    return out


AGREE = {"score": lambda k, o: f"{o.label_zh}（{int(o.value)}分）",
         "letter": lambda k, o: f"{'ABCD'[k]}.{o.label_zh}",
         "both": lambda k, o: f"{'ABCD'[k]}、{o.label_zh}(　{int(o.value)}分 )"}
DISAGREE = {"score off by one": lambda k, o: f"{o.label_zh}（{int(o.value) + 1}分）",
            "letters shifted": lambda k, o: f"{'BCDA'[k]}.{o.label_zh}"}


@pytest.fixture
def campaign_j1(counselor, small_school):
    return create_campaign(counselor, "2026秋季普查", ["phq9"], grades=["J1"], open_now=True)


@pytest.mark.parametrize("style", AGREE)
def test_a_decoration_that_agrees_proves_the_answer(counselor, small_school, campaign_j1, tmp_path, style):
    path, m = wjx(tmp_path / "wjx.csv", [(LIN[4], LIN[0], "七年级1班", cells(AGREE[style]), "2026/09/03 10:00:00")],
                  coding="label", encoding="utf-8-sig")
    assert import_survey(counselor, campaign_j1.id, path, mapping=m).total.added == 1
    [row] = results(counselor, campaign_j1.id)
    assert row.scales["total"].raw == 4
    assert _safety_rows(small_school, campaign_j1)[LIN[0]]


@pytest.mark.parametrize("style", DISAGREE)
def test_a_decoration_that_disagrees_is_refused_saying_so(counselor, small_school, campaign_j1, tmp_path, style):
    path, m = wjx(tmp_path / "wjx.csv", [(LIN[4], LIN[0], "七年级1班", cells(DISAGREE[style]), "2026/09/03 10:00:00")],
                  coding="label", encoding="utf-8-sig")
    with pytest.raises(UserError) as exc:
        import_survey(counselor, campaign_j1.id, path, mapping=m)
    assert "第2行第10列" in exc.value.message and "选项文字带有字母或分数" in exc.value.message
    assert results(counselor, campaign_j1.id) == []
