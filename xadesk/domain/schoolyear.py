"""The Chinese school calendar: a school year runs 1 September – 31 August; semester 1 (autumn)
to the end of January, semester 2 (spring) from February. Schools adjust the exact dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SchoolYearDates:
    label: str
    start: date
    end: date
    semesters: tuple[tuple[int, date, date], ...]


def school_year_of(day: date) -> SchoolYearDates:
    first = day.year if day.month >= 9 else day.year - 1
    return SchoolYearDates(
        label=f"{first}-{first + 1}",
        start=date(first, 9, 1),
        end=date(first + 1, 8, 31),
        semesters=((1, date(first, 9, 1), date(first + 1, 1, 31)),
                   (2, date(first + 1, 2, 1), date(first + 1, 8, 31))),
    )


def semester_of(day: date) -> tuple[str, int]:
    """(school-year label, semester number) containing ``day``."""
    year = school_year_of(day)
    number = 1 if day <= year.semesters[0][2] else 2
    return year.label, number
