"""Screening-campaign tables: campaigns and their battery, the students they target, the answers that
come in (kiosk, lab packs, paper, survey files), the scores computed from them, and safety alerts.

Design notes
------------
- A campaign's target is *snapshotted* into ``campaign_target`` when it opens (and refreshed while it
  is a draft), so coverage does not drift when the roster changes mid-campaign. Absent / declined
  students are marked on their target row with a reason; each target row also carries the short
  per-student kiosk code a counselor prints.
- One ``screening_response`` per (campaign, student, instrument). Answers and seconds per item are
  JSON arrays (``null`` = blank / not shown) updated one item per transaction by the kiosk, so a
  crash loses at most the item on screen. A whole-file import writes them in one go.
- Scores are append-only: ``screening_score`` rows are never deleted; a rescore sets
  ``superseded_at`` on the old row and adds a new one. ``screening_scale_score`` holds one row per
  scale so results can be filtered by band in SQL.
- A lab pack answer that disagrees with what is stored becomes a ``screening_conflict`` for a
  person to decide (keep A / keep B), never a silent merge. ``screening_pack_import`` remembers
  each pack's content hash so importing it twice changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class Campaign(Base):
    """``purpose``: general / targeted / watch. ``status``: draft → open → closed. ``modes``: comma list
    of kiosk, lab, paper, survey. ``target_json``: {"grades": [...], "class_ids": [...],
    "student_ids": [...], "tags": [...]} (empty lists = not restricted by that; all empty = nobody)."""

    __tablename__ = "campaign"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    school_year: Mapped[str] = mapped_column(String(20))
    semester: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(16), default="general")
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    modes: Mapped[str] = mapped_column(String(64), default="kiosk,lab,paper,survey")
    consent_notes: Mapped[str] = mapped_column(Text, default="")
    target_json: Mapped[str] = mapped_column(Text, default="{}")
    survey_mapping_json: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class CampaignInstrument(Base):
    """The ordered battery; ``version``/``digest`` name the definition the campaign scores with."""

    __tablename__ = "campaign_instrument"
    __table_args__ = (UniqueConstraint("campaign_id", "instrument_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    instrument_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    # Instruments for part of the target only (e.g. scared for upper primary): grade codes, "" = all.
    grades: Mapped[str] = mapped_column(String(200), default="")


class CampaignTarget(Base):
    """A student the campaign is for. ``excused``: None, "absent" or "declined" (with ``reason``)."""

    __tablename__ = "campaign_target"
    __table_args__ = (UniqueConstraint("campaign_id", "student_id"), UniqueConstraint("campaign_id", "code"))
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"))
    code: Mapped[str] = mapped_column(String(16))
    excused: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)


class ScreeningResponse(Base):
    """One student's answers to one instrument of one campaign. ``status``: in_progress / completed.
    ``mode``: kiosk / lab / paper / survey; ``source``: kiosk PC id, pack id, operator login, file name."""

    __tablename__ = "screening_response"
    __table_args__ = (UniqueConstraint("campaign_id", "student_id", "instrument_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    instrument_id: Mapped[str] = mapped_column(String(64))
    definition_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    mode: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(200), default="")
    answers_json: Mapped[str] = mapped_column(Text)
    seconds_json: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)


class ScreeningScore(Base):
    """One scoring of a response; never deleted (a rescore supersedes it)."""

    __tablename__ = "screening_score"
    __table_args__ = (Index("ix_screening_score_current", "response_id", "superseded_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("screening_response.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    instrument_id: Mapped[str] = mapped_column(String(64))
    definition_version: Mapped[int] = mapped_column(Integer)
    definition_digest: Mapped[str] = mapped_column(String(64))
    valid: Mapped[bool] = mapped_column(Boolean)
    safety: Mapped[bool] = mapped_column(Boolean, default=False)
    flags_json: Mapped[str] = mapped_column(Text, default="[]")
    scored_at: Mapped[datetime] = mapped_column(DateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime)


class ScreeningScaleScore(Base):
    __tablename__ = "screening_scale_score"
    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("screening_score.id", ondelete="CASCADE"), index=True)
    scale_id: Mapped[str] = mapped_column(String(64))
    raw: Mapped[float | None] = mapped_column(Float)
    t: Mapped[float | None] = mapped_column(Float)
    percentile: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(64))
    band_label: Mapped[str | None] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(200), default="")


class ScreeningAlert(Base):
    """A safety flag for the counselor: raised once per (response, flag), acknowledged by a person."""

    __tablename__ = "screening_alert"
    __table_args__ = (UniqueConstraint("response_id", "flag"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("screening_response.id", ondelete="CASCADE"))
    instrument_id: Mapped[str] = mapped_column(String(64))
    flag: Mapped[str] = mapped_column(String(128))
    label: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)  # when the student gave the answer (UTC)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)


class ScreeningConflict(Base):
    """Answers that disagree with the stored response (``a``): ``b_*`` holds the other version.
    ``resolution``: None (open), "a" (kept what was stored) or "b" (replaced with the other)."""

    __tablename__ = "screening_conflict"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("screening_response.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    instrument_id: Mapped[str] = mapped_column(String(64))
    b_mode: Mapped[str] = mapped_column(String(16))
    b_source: Mapped[str] = mapped_column(String(200))
    b_status: Mapped[str] = mapped_column(String(16))
    b_answers_json: Mapped[str] = mapped_column(Text)
    b_seconds_json: Mapped[str] = mapped_column(Text)
    b_completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolution: Mapped[str | None] = mapped_column(String(1))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ScreeningPackImport(Base):
    """A lab result pack taken in (``content_sha256`` from its manifest: the same pack twice is a no-op)."""

    __tablename__ = "screening_pack_import"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pack_id: Mapped[str] = mapped_column(String(36))
    pc_id: Mapped[str] = mapped_column(String(100))
    responses: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class PaperEntry(Base):
    """One operator's keyboard entry of one paper sheet (``pass_no`` 1 or 2 for double entry)."""

    __tablename__ = "screening_paper_entry"
    __table_args__ = (UniqueConstraint("campaign_id", "student_id", "instrument_id", "pass_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    instrument_id: Mapped[str] = mapped_column(String(64))
    pass_no: Mapped[int] = mapped_column(Integer)
    answers_json: Mapped[str] = mapped_column(Text)
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime)
