"""Report tables (issue 13): what the plan figures need and the database did not hold yet, and the
district's merged aggregate files.

- ``report_staff``: the mental-health staff and the teachers whose training hours are counted
  (plan items 14 and 15). ``post``: counselor_full (专职), counselor_part (兼职), teacher, other.
- ``report_training``: one training a staff member attended, with its hours (24 a year, item 15).
- ``report_activity``: mental-health lessons (every two weeks, item 6) and themed activities (≥2 a
  semester, item 8), for a class, a grade or the whole school.
- ``district_school`` / ``district_submission``: in district mode, the schools known to the district
  and the latest aggregate file each sent for a period. A newer file from the same school and period
  replaces the older one (one row per school and period); nothing per student is ever stored here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class ReportStaff(Base):
    __tablename__ = "report_staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    post: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ReportTraining(Base):
    __tablename__ = "report_training"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("report_staff.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    hours: Mapped[float] = mapped_column(Float)
    topic: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ReportActivity(Base):
    __tablename__ = "report_activity"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # lesson / activity
    held_on: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"))
    grade_code: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class DistrictSchool(Base):
    __tablename__ = "district_school"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(64))
    expected: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class DistrictSubmission(Base):
    __tablename__ = "district_submission"
    __table_args__ = (UniqueConstraint("school_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("district_school.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(20))  # school year "2026-2027"
    generated_at: Mapped[datetime] = mapped_column(DateTime)  # when the school wrote the file
    content_sha256: Mapped[str] = mapped_column(String(64))
    payload_json: Mapped[str] = mapped_column(Text)   # the whole file's content
    summary_json: Mapped[str] = mapped_column(Text)   # the few figures the summary reads (kept small)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    students: Mapped[int] = mapped_column(Integer, default=0)
