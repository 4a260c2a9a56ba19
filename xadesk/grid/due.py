"""Follow-up due dates across semesters and holidays.

Terms are the school's semester rows (``semester`` table: start and end of 第一学期 / 第二学期).
Rules, chosen so that nobody is "overdue" for a task that could not be done:

- a due date inside a term stays where it is;
- a due date in a gap between terms (winter or summer break, as the school's semester dates leave
  them) moves to the first day of the next term;
- a due date after the last term the school has entered: the terms of that school year are assumed
  from ``xadesk.domain.schoolyear`` (1 Sep – 31 Jan, 1 Feb – 31 Aug, no gap), i.e. it stays;
- a due date before the first known term stays (history is not rewritten).

The default semester rows written at school creation cover the whole year with no gap, so holiday
handling starts once the school enters its real term dates (e.g. 2026-09-01 … 2027-01-16 and
2027-02-22 … 2027-07-10). Overdue means: the due date is before today. During a break nothing new
becomes overdue, because every due date that fell in the break was moved to the next term's first day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

Term = tuple[date, date]


def normalise_terms(terms: Sequence[Term]) -> list[Term]:
    return sorted((s, e) for s, e in terms if s <= e)


def adjust(day: date, terms: Sequence[Term]) -> date:
    """``day`` moved out of a holiday gap to the first day of the next term."""
    ordered = normalise_terms(terms)
    if not ordered or day < ordered[0][0]:
        return day
    for i, (start, end) in enumerate(ordered):
        if start <= day <= end:
            return day
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        if nxt is not None and end < day < nxt[0]:
            return nxt[0]
    return day


def next_due(from_day: date, every_days: int, terms: Sequence[Term]) -> date:
    """The next follow-up after one on ``from_day`` at a frequency of ``every_days``."""
    return adjust(from_day + timedelta(days=max(1, int(every_days))), terms)


def is_overdue(due: date | None, today: date) -> bool:
    return due is not None and due < today


def days_overdue(due: date | None, today: date) -> int:
    return (today - due).days if is_overdue(due, today) else 0
