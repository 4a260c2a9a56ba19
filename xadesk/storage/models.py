"""The school database schema (SQLAlchemy 2.0 declarative).

Every change here needs an Alembic revision in ``migrations/versions`` (tested from an empty database
and from the previous revision with data in it).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Meta(Base):
    """Key/value facts about this database (app marker, school uuid, audit chain head)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class School(Base):
    __tablename__ = "school"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(64))
    boarding_students: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SchoolYear(Base):
    __tablename__ = "school_year"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20), unique=True)  # "2026-2027"
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    semesters: Mapped[list[Semester]] = relationship(back_populates="school_year", order_by="Semester.number")


class Semester(Base):
    __tablename__ = "semester"
    __table_args__ = (UniqueConstraint("school_year_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1 = 第一学期 (autumn), 2 = 第二学期 (spring)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    school_year: Mapped[SchoolYear] = relationship(back_populates="semesters")


class SchoolClass(Base):
    """A class as a cohort: it keeps its id when promoted, only ``grade_code`` moves on."""

    __tablename__ = "school_class"
    __table_args__ = (
        Index("uq_active_class", "grade_code", "number", unique=True, sqlite_where=text("active = 1")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    grade_code: Mapped[str] = mapped_column(String(4))  # P1..P6, J1..J3, S1..S3, V1..V3
    number: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False once graduated
    students: Mapped[list[Student]] = relationship(back_populates="school_class")


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    roles: Mapped[list[RoleAssignment]] = relationship(back_populates="user", cascade="all, delete-orphan")


class RoleAssignment(Base):
    """One role of one person; grade leaders carry a grade, homeroom teachers a class."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "role", "grade_code", "class_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))  # admin, counselor, leader, grade_leader, homeroom
    grade_code: Mapped[str | None] = mapped_column(String(4))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"))
    user: Mapped[User] = relationship(back_populates="roles")


class Student(Base):
    __tablename__ = "student"
    id: Mapped[int] = mapped_column(primary_key=True)
    student_no: Mapped[str] = mapped_column(String(32), unique=True)  # 全国学籍号
    school_no: Mapped[str | None] = mapped_column(String(32))  # 校内学号
    name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(1))  # M / F
    birth_date: Mapped[date | None] = mapped_column(Date)
    id_number: Mapped[str | None] = mapped_column(String(40), unique=True)  # of the document id_type names
    id_type: Mapped[str | None] = mapped_column(String(32))  # xadesk.roster.columns.ID_TYPES code
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"), index=True)
    boarding: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="enrolled")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    school_class: Mapped[SchoolClass | None] = relationship(back_populates="students")
    tags: Mapped[list[StudentTag]] = relationship(back_populates="student", cascade="all, delete-orphan",
                                                  order_by="StudentTag.set_on")


class StudentTag(Base):
    """A special-group tag with its history: set on a date, cleared on a later one (never deleted)."""

    __tablename__ = "student_tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(String(32))
    set_on: Mapped[date] = mapped_column(Date)
    cleared_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    student: Mapped[Student] = relationship(back_populates="tags")


class AuditEntry(Base):
    """Append-only, hash-chained (triggers refuse UPDATE and DELETE; ``xadesk audit verify`` walks the chain)."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC, part of the hashed record
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_login: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    student_id: Mapped[int | None] = mapped_column(Integer, index=True)
    target: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class InstrumentDefinitionRow(Base):
    """A school's own instrument definition, one row per version (built-ins ship as files).

    An edit adds a version; a version that scores refer to is retired, never deleted.
    """

    __tablename__ = "instrument_definition"
    __table_args__ = (UniqueConstraint("instrument_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    definition_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active / retired
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
