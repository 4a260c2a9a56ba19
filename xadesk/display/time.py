"""Times as a person reads them: stored UTC (naive datetimes and ISO stamps) shown in the PC's local time."""

from __future__ import annotations

from datetime import UTC, datetime


def to_local(value: datetime) -> datetime:
    """A stored UTC datetime (naive = UTC, as the database keeps it) in local time, without tzinfo."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone().replace(tzinfo=None)


def local_time(value: datetime | str | None, *, seconds: bool = False) -> str:
    """"2026-11-29 16:32" (local) for a stored UTC value; "" for none; text that is no time stays as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return to_local(value).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_date(value: datetime | None) -> str:
    return to_local(value).strftime("%Y-%m-%d") if value is not None else ""
