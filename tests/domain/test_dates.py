from datetime import date, datetime

import pytest

from xadesk.domain.dates import BirthDate, DateError, parse_birth_date, parse_date


@pytest.mark.parametrize("value", [
    "2012-05-01", "2012/5/1", "20120501", "2012.5.1", "2012年5月1日", "2012-05-01 00:00:00", "2012/5/1 0:00",
    "２０１２－０５－０１", "2012 年 5 月 1 日", datetime(2012, 5, 1), date(2012, 5, 1),
    41030, 41030.0, "41030", 20120501,
])
def test_school_spreadsheet_dates(value):
    assert parse_date(value) == date(2012, 5, 1)


@pytest.mark.parametrize("value", ["2012-05", "2012/5", "201205", "2012年5月", "2012.05"])
def test_birth_month_only(value):
    assert parse_birth_date(value) == BirthDate(date(2012, 5, 1), month_only=True)
    with pytest.raises(DateError) as exc:
        parse_date(value)
    assert "缺少日" in exc.value.zh


def test_full_birth_date_is_not_month_only():
    assert parse_birth_date("2012-05-07") == BirthDate(date(2012, 5, 7), month_only=False)


@pytest.mark.parametrize("value, fragment", [
    ("2012-02-30", "2012年2月没有30日"),
    ("2011-02-29", "2011年2月没有29日"),
    ("2012-13-01", "月份应为1–12"),
    ("20121301", "月份应为1–12"),
    ("2012-00", "月份应为1–12"),
    ("5/1/2012", "无法识别的日期"),
    ("12-5-1", "无法识别的日期"),
    ("明天", "无法识别的日期"),
    (41030.5, "无法识别的日期"),
    ("", "日期为空"),
    (None, "日期为空"),
])
def test_impossible_or_ambiguous_dates_are_refused(value, fragment):
    with pytest.raises(DateError) as exc:
        parse_birth_date(value)
    assert fragment in exc.value.zh
