"""问卷星's 提交答卷时间 (Beijing wall-clock time, no zone) as the UTC time the database stores."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from xadesk.survey.matching import submitted_utc

NOW = datetime(2030, 1, 1)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2029, 12, 31)).map(
    lambda d: d.replace(microsecond=0)), st.sampled_from(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S"]))
def test_any_written_time_is_eight_hours_ahead_of_utc(local, fmt):
    assert submitted_utc(local.strftime(fmt), NOW) == local - timedelta(hours=8)
    assert submitted_utc(local, NOW) == local - timedelta(hours=8)          # an xlsx date cell


def test_blank_unreadable_or_future_cells_give_no_time():
    assert submitted_utc("", NOW) is None
    assert submitted_utc(None, NOW) is None
    assert submitted_utc("=NOW()", NOW) is None
    assert submitted_utc("2030-01-01 09:00:00", NOW) is None                # 01:00 UTC, after NOW
    assert submitted_utc("2030-01-01 08:04:00", NOW) == datetime(2030, 1, 1, 0, 4)   # within 5 minutes
