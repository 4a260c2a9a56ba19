"""Issue 16 tried again: names of minority students carry a separator (阿依古丽·买买提) that students
type every way their phone offers, or leave out. Before, a row with the right 学籍号 and
"阿依古丽.买买提" waited for a person to confirm ("学籍号与姓名不符"), and without a 学籍号 the
name + class match found nobody."""

from __future__ import annotations

import pytest

from tests.screening.conftest import STUDENTS
from tests.screening.test_rows_left_out import NEG, wjx
from xadesk.services.campaigns import create_campaign
from xadesk.services.screening_import import import_survey
from xadesk.storage.models import Student

NAME, NO = "阿依古丽·买买提", STUDENTS[0][4]


@pytest.fixture
def setup(counselor, small_school, tmp_path):
    with small_school.admin.db.write() as s:
        s.get(Student, small_school.student_ids[STUDENTS[0][0]]).name = NAME
    c = create_campaign(counselor, "2026秋季普查", ["phq9"], grades=["J1", "J2"], open_now=True)
    return counselor, c, tmp_path


@pytest.mark.parametrize("typed", ["阿依古丽·买买提", "阿依古丽.买买提", "阿依古丽•买买提", "阿依古丽．买买提",
                                   "阿依古丽・买买提", "阿依古丽买买提", "阿依古丽 · 买买提"])
def test_the_number_and_any_spelling_of_the_separator_match_at_once(setup, typed):
    ctx, c, tmp = setup
    path, m = wjx(tmp / "wjx.csv", [(NO, typed, "七年级1班", NEG, "2026/09/03 10:00:00")], encoding="utf-8-sig")
    report = import_survey(ctx, c.id, path, mapping=m)
    assert report.matched == 1 and not report.to_confirm and report.total.added == 1


def test_name_and_class_without_the_separator_is_a_match_to_confirm(setup):
    ctx, c, tmp = setup
    path, m = wjx(tmp / "wjx.csv", [("", "阿依古丽买买提", "七(1)班", NEG, "2026/09/03 10:00:00")], encoding="utf-8-sig")
    [match] = import_survey(ctx, c.id, path, mapping=m).to_confirm
    assert match.name == NAME


def test_another_name_is_still_not_a_match(setup):
    ctx, c, tmp = setup
    path, m = wjx(tmp / "wjx.csv", [(NO, "阿依古丽·艾力", "七年级1班", NEG, "2026/09/03 10:00:00")], encoding="utf-8-sig")
    report = import_survey(ctx, c.id, path, mapping=m)
    assert report.total.added == 0 and "学籍号是阿依古丽·买买提的" in report.to_confirm[0].reason


def test_an_invisible_character_in_the_class_does_not_hide_the_student(setup):
    """The module promises that invisible characters pasted along are dropped before comparing; the
    class text kept them, so "七年级\\u200b1班" was "看不懂" and the row matched nobody."""
    ctx, c, tmp = setup
    path, m = wjx(tmp / "wjx.csv", [("", "阿依古丽·买买提", "七年级\u200b1班", NEG, "2026/09/03 10:00:00")],
                  encoding="utf-8-sig")
    [match] = import_survey(ctx, c.id, path, mapping=m).to_confirm
    assert match.name == NAME
