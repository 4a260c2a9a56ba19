"""Due and overdue dates across semester boundaries and holidays."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete

from tests.grid.conftest import place
from xadesk.grid import due as D
from xadesk.services import grid_tracking as T
from xadesk.storage.models import SchoolYear, Semester

# A real calendar: autumn term to 16 January, spring term from 22 February to 10 July.
TERMS = [(date(2026, 9, 1), date(2027, 1, 16)), (date(2027, 2, 22), date(2027, 7, 10)),
         (date(2027, 9, 1), date(2028, 1, 20))]


def test_dates_in_term_stay_and_dates_in_a_break_move_to_the_next_term():
    assert D.adjust(date(2026, 12, 1), TERMS) == date(2026, 12, 1)
    assert D.adjust(date(2027, 1, 16), TERMS) == date(2027, 1, 16)
    assert D.adjust(date(2027, 1, 17), TERMS) == date(2027, 2, 22)   # winter break
    assert D.adjust(date(2027, 7, 20), TERMS) == date(2027, 9, 1)    # summer break
    assert D.adjust(date(2028, 3, 1), TERMS) == date(2028, 3, 1)     # beyond the known calendar
    assert D.adjust(date(2026, 8, 1), TERMS) == date(2026, 8, 1)     # before it
    assert D.next_due(date(2027, 1, 10), 14, TERMS) == date(2027, 2, 22)
    assert D.next_due(date(2027, 1, 10), 14, []) == date(2027, 1, 24)


@given(day=st.dates(date(2026, 6, 1), date(2028, 6, 1)))
def test_an_adjusted_date_is_never_earlier_and_never_in_a_break(day):
    out = D.adjust(day, TERMS)
    assert out >= day
    in_term = any(s <= out <= e for s, e in TERMS)
    assert in_term or out < TERMS[0][0] or out > TERMS[-1][1]


def test_overdue_is_strictly_after_the_due_date():
    assert not D.is_overdue(date(2026, 10, 1), date(2026, 10, 1))
    assert D.is_overdue(date(2026, 10, 1), date(2026, 10, 2))
    assert D.days_overdue(date(2026, 10, 1), date(2026, 10, 11)) == 10
    assert D.days_overdue(None, date(2026, 10, 11)) == 0


def _set_terms(ctx, terms):
    with ctx.db.write() as s:
        s.execute(delete(Semester))
        s.execute(delete(SchoolYear))
        for i, (start, end) in enumerate(terms):
            label = f"{start.year if start.month >= 8 else start.year - 1}"
            sy = s.query(SchoolYear).filter_by(label=label).one_or_none()
            if sy is None:
                sy = SchoolYear(label=label, start_date=start, end_date=end, is_current=i == 0)
                s.add(sy)
                s.flush()
            s.add(Semester(school_year_id=sy.id, number=1 if start.month >= 8 else 2, start_date=start, end_date=end))


def test_a_follow_up_due_in_the_winter_break_falls_due_on_the_first_day_of_spring(staff):
    _set_terms(staff.counselor, TERMS)
    sid = place(staff, "林一鸣", "L2", today=date(2027, 1, 6), contact=staff.homeroom)  # 14 days → 20 Jan (break)
    rec = T.student_record(staff.counselor, sid)
    assert rec.case.next_due == date(2027, 2, 22)
    # Nobody is overdue during the break or on the first day back …
    assert T.overdue(staff.homeroom, mine=True, today=date(2027, 2, 10)) == []
    assert T.overdue(staff.homeroom, mine=True, today=date(2027, 2, 22)) == []
    # … and the day after, the contact's task is overdue by one day.
    [row] = T.overdue(staff.homeroom, mine=True, today=date(2027, 2, 23))
    assert (row.name, row.days_overdue) == ("林一鸣", 1)
    # A follow-up just before the summer break: the next one falls in September.
    f = T.log_follow_up(staff.homeroom, sid, summary="期末前谈话", occurred_on=date(2027, 7, 1), method="面谈",
                        today=date(2027, 7, 1))
    assert f.next_due == date(2027, 9, 1)
    assert T.overdue(staff.counselor, today=date(2027, 8, 31)) == []


def test_a_late_entry_for_an_earlier_date_does_not_pull_the_plan_back(staff):
    sid = place(staff, "林一鸣", "L3", today=date(2026, 10, 1))
    T.log_follow_up(staff.counselor, sid, summary="第二次", occurred_on=date(2026, 11, 1), today=date(2026, 11, 5))
    T.log_follow_up(staff.counselor, sid, summary="补记第一次", occurred_on=date(2026, 10, 20), today=date(2026, 11, 5))
    assert T.student_record(staff.counselor, sid).case.next_due == date(2026, 11, 1) + timedelta(days=30)
