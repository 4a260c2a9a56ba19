"""Dates as they come out of school spreadsheets.

Accepted: Excel date cells (``datetime``/``date``), Excel serial numbers (a date cell formatted as
General shows ``41030``; the 1900 date system is assumed, as in every Excel on Windows), and text
``2012-05-01``, ``2012/5/1``, ``2012.5.1``, ``20120501``, ``2012年5月1日``, with or without a trailing
``00:00:00`` time. Two-digit years and day-first/month-first forms (``5/1/2012``) are refused: they
are ambiguous and a wrong birth date is worse than a question.

Month-only values (``2012-05``, ``2012.5``, ``201205``, ``2012年5月``) are what a 出生年月 column
holds. ``parse_date`` refuses them; ``parse_birth_date`` accepts them as a :class:`BirthDate` with
``month_only=True`` and the 1st of that month, so a caller can prefer a full date from elsewhere
(the ID number) and only fall back to the month when there is nothing better.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..errors import UserError

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01, allowing for Excel's phantom 1900-02-29
_MAX_SERIAL = 2958465  # 9999-12-31

_FULL = re.compile(r"^(\d{4}) ?[-/.年] ?(\d{1,2}) ?[-/.月] ?(\d{1,2}) ?日?(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH = re.compile(r"^(\d{4}) ?[-/.年] ?(\d{1,2}) ?月?$")
_COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")
_SERIAL = re.compile(r"^\d{4,5}(?:\.0+)?$")


class DateError(UserError):
    """A value that is not a usable date."""


@dataclass(frozen=True)
class BirthDate:
    value: date
    month_only: bool = False  # only year and month were given; ``value`` is the 1st of that month


def parse_date(value: object) -> date:
    """A full calendar date; raises :class:`DateError` with the reason in Chinese."""
    result = _parse(value, allow_month=False)
    return result.value


def parse_birth_date(value: object) -> BirthDate:
    """Like :func:`parse_date`, but a 出生年月 value (year and month only) is accepted too."""
    return _parse(value, allow_month=True)


def excel_serial_to_date(serial: float) -> date:
    if not 1 <= serial <= _MAX_SERIAL:
        raise DateError(f"“{serial:g}”不是有效的Excel日期序号。", f"{serial:g} is not a valid Excel date serial.")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def _parse(value: object, *, allow_month: bool) -> BirthDate:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DateError("日期为空。", "the date is empty.")
    if isinstance(value, datetime):
        return BirthDate(value.date())
    if isinstance(value, date):
        return BirthDate(value)
    if isinstance(value, bool):
        raise _unrecognised(str(value))
    if isinstance(value, int | float):
        if float(value) != int(value):
            raise _unrecognised(f"{value:g}")
        if 19000101 <= value <= 29991231:  # 20120501 typed into a number cell
            return _from_parts(str(int(value)), int(value) // 10000, int(value) // 100 % 100, int(value) % 100)
        return BirthDate(excel_serial_to_date(float(value)))
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip()
    for pattern in (_FULL, _COMPACT):
        match = pattern.match(text)
        if match:
            return _from_parts(text, *(int(g) for g in match.groups()))
    for pattern in (_MONTH, _COMPACT_MONTH):
        match = pattern.match(text)
        if match:
            year, month = (int(g) for g in match.groups())
            if not allow_month:
                raise DateError(f"日期“{text}”缺少日：请写成如2012-05-01。",
                                f"the date {text!r} has no day: write e.g. 2012-05-01.")
            if not 1 <= month <= 12 or year < 1900:
                raise DateError(f"日期“{text}”不存在（月份应为1–12）。",
                                f"the date {text!r} does not exist (month must be 1–12).")
            return BirthDate(date(year, month, 1), month_only=True)
    if _SERIAL.match(text):
        return BirthDate(excel_serial_to_date(float(text)))
    raise _unrecognised(text)


def _from_parts(text: str, year: int, month: int, day: int) -> BirthDate:
    if year < 1900:
        raise DateError(f"日期“{text}”的年份不合理。", f"the year in {text!r} is implausible.")
    try:
        return BirthDate(date(year, month, day))
    except ValueError:
        if not 1 <= month <= 12:
            reason_zh, reason_en = "月份应为1–12", "month must be 1–12"
        else:
            reason_zh, reason_en = f"{year}年{month}月没有{day}日", f"{year}-{month:02d} has no day {day}"
        raise DateError(f"日期“{text}”不存在（{reason_zh}）。", f"the date {text!r} does not exist ({reason_en}).") from None


def _unrecognised(text: str) -> DateError:
    return DateError(f"无法识别的日期“{text}”：请写成如2012-05-01、2012/5/1或20120501。",
                     f"unrecognised date {text!r}: write e.g. 2012-05-01, 2012/5/1 or 20120501.")
