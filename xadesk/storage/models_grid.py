"""Warning-grid tables (四级预警防控网格): the school's levels and rules, proposals, follow-up
interviews and decisions, each student's case (level, designated contact, tracking plan, follow-ups,
level history), green-channel referrals, crisis events, releases, notices, and the class health
monitors with their training.

Nothing here is ever deleted by the app: a level change, a release, a withdrawn proposal are new
rows or a status, so the history stays readable. ``campaign_id`` is a plain integer (the screening
campaign's id) without a foreign key, so the grid does not depend on the campaigns' tables;
proposals from homeroom observations or manual referrals have none. JSON columns hold small lists
(matched rules, checklist steps, calls, evidence, feedback dates).
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class GridLevel(Base):
    """The school's wording of one of the four fixed levels (L1 … L4); absent rows = defaults."""

    __tablename__ = "grid_level"
    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    colour: Mapped[str] = mapped_column(String(10))
    colour_hex: Mapped[str] = mapped_column(String(7))
    meaning: Mapped[str] = mapped_column(Text)
    follow_up_days: Mapped[int] = mapped_column(Integer)
    notify_roles: Mapped[str] = mapped_column(Text)  # JSON list of role codes
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class GridRule(Base):
    """One version of one school rule; an edit adds a version and retires the previous one."""

    __tablename__ = "grid_rule"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(48), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active / retired
    name: Mapped[str] = mapped_column(String(200))
    level_code: Mapped[str] = mapped_column(String(4))
    when_json: Mapped[str] = mapped_column(Text)
    near_margin: Mapped[float | None] = mapped_column(Float)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class GridSetting(Base):
    """Key/value settings of the grid (release approvals, interview capacity, crisis checklist)."""

    __tablename__ = "grid_setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class GridProposal(Base):
    """A proposed level for one student: from a screening (per campaign), an observation or a referral.

    ``status``: pending → decided (with ``decision_id``) or withdrawn; ``near`` rows (near threshold)
    and ``validity_review`` rows carry no ``level_code`` unless the safety floor gave one.
    """

    __tablename__ = "grid_proposal"
    __table_args__ = (Index("ix_grid_proposal_campaign", "campaign_id", "status"),
                      Index("ix_grid_proposal_student", "student_id", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # screening / observation / referral / manual / crisis
    level_code: Mapped[str | None] = mapped_column(String(4))
    near_level: Mapped[str | None] = mapped_column(String(4))
    rule_key: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int | None] = mapped_column(Integer)
    rule_label: Mapped[str] = mapped_column(Text)
    matches_json: Mapped[str] = mapped_column(Text, default="[]")
    evidence_json: Mapped[str | None] = mapped_column(Text)  # scale values and flags: counselors only
    reason: Mapped[str | None] = mapped_column(Text)  # manual proposals: what was seen
    safety: Mapped[bool] = mapped_column(Boolean, default=False)
    near: Mapped[bool] = mapped_column(Boolean, default=False)
    validity_review: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("grid_decision.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_name: Mapped[str] = mapped_column(String(100))


class GridInterview(Base):
    """A follow-up interview (复核访谈): who, when, findings (confidential), recommended level."""

    __tablename__ = "grid_interview"
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    interviewer_name: Mapped[str] = mapped_column(String(100))
    held_at: Mapped[datetime] = mapped_column(DateTime)
    findings: Mapped[str] = mapped_column(Text)
    recommendation: Mapped[str] = mapped_column(String(8))  # level code or "none"
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class GridDecision(Base):
    """A person's decision on a student's level, always after a recorded interview."""

    __tablename__ = "grid_decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("grid_interview.id"))
    proposed_level: Mapped[str | None] = mapped_column(String(4))
    decided_level: Mapped[str | None] = mapped_column(String(4))
    override_reason: Mapped[str | None] = mapped_column(Text)
    bulk: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by_name: Mapped[str] = mapped_column(String(100))


class GridCase(Base):
    """A student on the list: level, designated contact, tracking plan. One open case per student."""

    __tablename__ = "grid_case"
    __table_args__ = (Index("uq_grid_case_open", "student_id", unique=True,
                            sqlite_where=text("status != 'released'")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    level_code: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active / release_pending / released
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    goal: Mapped[str] = mapped_column(Text, default="")
    frequency_days: Mapped[int] = mapped_column(Integer)
    next_due: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class GridLevelChange(Base):
    """The level history: every entry, change and release, with why and who."""

    __tablename__ = "grid_level_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grid_case.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    from_level: Mapped[str | None] = mapped_column(String(4))
    to_level: Mapped[str | None] = mapped_column(String(4))  # None = released
    changed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("grid_decision.id"))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("grid_release.id"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class GridFollowUp(Base):
    """One follow-up (随访) logged against a case."""

    __tablename__ = "grid_follow_up"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grid_case.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    next_due: Mapped[date | None] = mapped_column(Date)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class GridReferral(Base):
    """A green-channel referral (绿色通道) to a hospital or assessment service, and what came of it."""

    __tablename__ = "grid_referral"
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("grid_case.id"))
    institution: Mapped[str] = mapped_column(String(200))
    referred_on: Mapped[date] = mapped_column(Date)
    accompanied_by: Mapped[str] = mapped_column(String(200), default="")
    guardian_informed: Mapped[bool] = mapped_column(Boolean, default=False)
    guardian_informed_on: Mapped[date | None] = mapped_column(Date)
    guardian_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_note: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(20), default="pending")
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    diagnosis_shared: Mapped[str] = mapped_column(Text, default="")  # only what the family chose to share
    return_plan: Mapped[str] = mapped_column(Text, default="")
    feedback_json: Mapped[str] = mapped_column(Text, default="[]")  # [{"date", "note"}]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class GridCrisis(Base):
    """A crisis event handled by the school's emergency checklist (应急处置)."""

    __tablename__ = "grid_crisis"
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("grid_case.id"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    summary: Mapped[str] = mapped_column(Text)
    checklist_json: Mapped[str] = mapped_column(Text, default="[]")  # [{"step", "done", "at", "by"}]
    calls_json: Mapped[str] = mapped_column(Text, default="[]")  # [{"who", "at", "note"}]
    actions: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class GridRelease(Base):
    """A request to take a student off the list, with evidence, waiting for the approval the school set."""

    __tablename__ = "grid_release"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grid_case.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    level_code: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str] = mapped_column(Text)
    evidence_json: Mapped[str] = mapped_column(Text)  # [{"kind", "date", "note"}]
    approver_role: Mapped[str] = mapped_column(String(20))  # leader / counselor
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending / approved / rejected
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_by_name: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by_name: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class GridNotice(Base):
    """Something a person must be told (a student placed on a level in their scope, a release to approve)."""

    __tablename__ = "grid_notice"
    __table_args__ = (Index("ix_grid_notice_user", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # level / release_request / contact / crisis
    level_code: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


class HealthMonitor(Base):
    """A class health monitor (健康委员): a student appointed for a class, until ``ended_on``."""

    __tablename__ = "health_monitor"
    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    appointed_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class MonitorTraining(Base):
    """A training session for health monitors (the plan asks for two a semester)."""

    __tablename__ = "monitor_training"
    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    topic: Mapped[str] = mapped_column(String(200))
    trainer: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class MonitorAttendance(Base):
    __tablename__ = "monitor_attendance"
    training_id: Mapped[int] = mapped_column(ForeignKey("monitor_training.id", ondelete="CASCADE"),
                                             primary_key=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("health_monitor.id", ondelete="CASCADE"), primary_key=True)
