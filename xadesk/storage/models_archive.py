"""Growth-archive tables (一生一档): the records kept around a student, and what came with them
from previous schools (档随人走).

Every record has a stable ``uuid`` that travels with it in transfer files, so importing the same
archive twice (or an updated export of it) never duplicates a record. Imported rows keep their
provenance — the sending school's name and uuid and when they arrived — while local rows leave
those columns empty. Authors are kept as a user id (local rows) *and* a display name, because an
imported record's author is a person at another school with no account here.

Records are never deleted by the app: the archive is a history. Kinds and their vocabularies are in
``xadesk/archive/kinds.py``; the exchanged form is specified in ``xadesk/archive/ARCHIVE_FORMAT.md``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class _Provenance:
    """Columns shared by every record that can arrive in a transfer file (NULL for local records)."""

    source_school_name: Mapped[str | None] = mapped_column(String(200))
    source_school_uuid: Mapped[str | None] = mapped_column(String(36))
    imported_at: Mapped[datetime | None] = mapped_column(DateTime)


class ArchiveRecord(_Provenance, Base):
    """One dated, authored entry in a student's archive.

    ``kind``: observation, home_visit, parent_contact, counselling, strength, life_event, group_change
    (the last only for special-group history that arrived from another school; local history is
    ``StudentTag``). Which columns a kind uses: ``category`` (observation category, contact method,
    strength type, life-event type, group tag), ``severity`` (observations), ``text`` (the free text,
    findings, or counselling content — confidential for ``counselling``), ``visitors`` / ``present``
    (home visits), ``ended_on`` (group_change: the day the tag was cleared).
    """

    __tablename__ = "archive_record"
    __table_args__ = (Index("ix_archive_record_student_kind", "student_id", "kind", "occurred_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date] = mapped_column(Date)
    category: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    visitors: Mapped[str | None] = mapped_column(Text)
    present: Mapped[str | None] = mapped_column(Text)
    ended_on: Mapped[date | None] = mapped_column(Date)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    author_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ArchiveConsent(_Provenance, Base):
    """The recorded basis on which counselling content may travel in a transfer file.

    ``basis_kind``: ``guardian_consent`` (监护人书面同意) or ``safety_exception`` (安全例外: the
    receiving school must know to keep the student safe). ``given_by`` is the guardian (name and
    relationship) or the person who decided the exception; ``basis`` the wording or reason.
    A consent can be withdrawn (``revoked_on``); it is never deleted.
    """

    __tablename__ = "archive_consent"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    basis_kind: Mapped[str] = mapped_column(String(20))
    recorded_on: Mapped[date] = mapped_column(Date)
    given_by: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(Text, default="")
    revoked_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ClassHistory(_Provenance, Base):
    """Which class a student was in, one row per school year (written at year end, or imported).

    ``SchoolClass`` is a cohort whose grade moves on at promotion, so the grade a student was in
    during a past year is only known from these rows. The current year is read live, not stored.
    """

    __tablename__ = "class_history"
    __table_args__ = (Index("ix_class_history_student_year", "student_id", "school_year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    school_year: Mapped[str] = mapped_column(String(20))  # "2025-2026"
    grade_code: Mapped[str] = mapped_column(String(4))
    class_number: Mapped[int | None] = mapped_column(Integer)
    school_name: Mapped[str] = mapped_column(String(200))


class ArchiveImport(Base):
    """One transfer file taken in for one student: where from, when, by whom, and its PDF.

    ``content_sha256`` is the manifest's content hash (depends on the content only), so the same
    file imported again is recognised and changes nothing.
    """

    __tablename__ = "archive_import"
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_school_name: Mapped[str] = mapped_column(String(200))
    source_school_uuid: Mapped[str] = mapped_column(String(36))
    exported_at: Mapped[datetime] = mapped_column(DateTime)
    exporter_name: Mapped[str] = mapped_column(String(100))
    archive_schema_version: Mapped[int] = mapped_column(Integer)
    edition: Mapped[str] = mapped_column(String(16))
    records_added: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    imported_by_name: Mapped[str] = mapped_column(String(100))
    transfer_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)


class ArchiveImportedSection(Base):
    """A section contributed by another area (screenings, warning levels …) at the sending school,
    kept as the JSON it arrived in until that area's own importer takes it over.

    The newest import from a school replaces that school's earlier copy of the same section.
    """

    __tablename__ = "archive_imported_section"
    __table_args__ = (Index("ix_archive_imported_section_student", "student_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    import_id: Mapped[int] = mapped_column(ForeignKey("archive_import.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    # The school that wrote the section: the sending school, or one before it (sections travel on).
    source_school_name: Mapped[str] = mapped_column(String(200))
    source_school_uuid: Mapped[str] = mapped_column(String(36))
    data_json: Mapped[str] = mapped_column(Text)
