"""Class packs (issue 14): what the school remembers about the packs it handed to homeroom teachers
and the returns it took back.

A *series* is one teacher's packs for one class: every refreshed pack of a series carries the same
``uuid`` and ``journal_key``, so the encrypted journal on the teacher's PC (keyed by the series, not by
one pack) keeps the entries not yet returned when the teacher opens a fresh pack. Every entry that
came back is listed once in ``classpack_entry`` by the id the teacher's PC gave it: that ledger is what
makes a second import of the same return, or an overlapping return, change nothing. An entry that
could not be merged as it stands (a follow-up already logged at the school PC, a student who has
left) waits there as ``conflict`` with its content until a counselor decides; it is never dropped.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class ClassPackSeries(Base):
    __tablename__ = "classpack_series"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    journal_key: Mapped[bytes] = mapped_column(LargeBinary)
    roster_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_exported_at: Mapped[datetime] = mapped_column(DateTime)
    expires_on: Mapped[date] = mapped_column(Date)
    packs_exported: Mapped[int] = mapped_column(Integer, default=0)


class ClassPackReturn(Base):
    """One return file taken in (``content_sha256``: the manifest's content hash)."""

    __tablename__ = "classpack_return"
    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("classpack_series.id"), index=True)
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pack_id: Mapped[str] = mapped_column(String(36))
    made_at: Mapped[datetime] = mapped_column(DateTime)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    imported_by_name: Mapped[str] = mapped_column(String(100))


class ClassPackEntry(Base):
    """One teacher entry that came back. ``status``: merged / conflict / kept (conflict merged by a
    decision) / discarded (conflict set aside by a decision, content kept). ``review_pending``: the entry
    must still reach the review queue (cleared once it has; see ``classpack.merge``)."""

    __tablename__ = "classpack_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("classpack_series.id"), index=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("classpack_return.id"))
    kind: Mapped[str] = mapped_column(String(20))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="SET NULL"), index=True)
    student_no: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text, default="")
    payload_json: Mapped[str] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(String(64))  # e.g. "archive_record:<uuid>", "grid_follow_up:<id>"
    review_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_name: Mapped[str | None] = mapped_column(String(100))
