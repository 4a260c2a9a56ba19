"""Adding and reading the records of a student's growth archive, within the acting user's scope.

Who may write what:
- observations, strengths/awards/good moments, life events — ``observation.write`` (homeroom
  teachers for their classes, grade leaders for their grades, counselors for the school);
- home visits and parent contacts — ``homevisit.write`` (same scopes);
- counselling sessions — ``counselling.write`` (counselors only);
- consents for counselling content to travel — ``archive.consent`` (counselors).

Reading needs ``archive.read`` and scope. Counselling content is shown only with
``counselling.read``: everyone else sees that a session happened (date, type, counselor), never what
was said. Every read of a student's records and every addition is audited (without the text).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..archive import kinds as K
from ..compartment import content
from ..domain.grades import class_label
from ..domain.schoolyear import school_year_of
from ..errors import NotFound, UserError
from ..storage.models import SchoolClass, SchoolYear, Student
from ..storage.models_archive import ArchiveConsent, ArchiveRecord
from . import audit, roster
from .context import AppContext
from .login import now_utc

MAX_TEXT = 10_000
WRITE_PERMISSION = {
    K.OBSERVATION: "observation.write", K.STRENGTH: "observation.write", K.LIFE_EVENT: "observation.write",
    K.HOME_VISIT: "homevisit.write", K.PARENT_CONTACT: "homevisit.write", K.COUNSELLING: "counselling.write",
}


@dataclass(frozen=True)
class RecordRow:
    id: int
    uuid: str
    student_id: int
    kind: str
    kind_label: str
    occurred_on: date
    category: str | None
    category_label: str | None
    severity: str | None
    severity_label: str | None
    text: str | None  # None when redacted (counselling content for a non-counselor)
    visitors: str | None
    present: str | None
    ended_on: date | None
    author_name: str
    created_at: datetime
    source_school_name: str | None
    source_school_uuid: str | None
    imported_at: datetime | None
    redacted: bool = False

    def to_json(self) -> dict:
        return {"uuid": self.uuid, "kind": self.kind, "kind_label": self.kind_label,
                "date": self.occurred_on.isoformat(), "category": self.category,
                "category_label": self.category_label, "severity": self.severity,
                "severity_label": self.severity_label, "text": self.text, "visitors": self.visitors,
                "present": self.present, "ended_on": self.ended_on.isoformat() if self.ended_on else None,
                "author": self.author_name, "source_school": self.source_school_name, "redacted": self.redacted}


@dataclass(frozen=True)
class ConsentRow:
    id: int
    uuid: str
    student_id: int
    basis_kind: str
    basis_label: str
    recorded_on: date
    given_by: str
    basis: str
    revoked_on: date | None
    recorded_by_name: str
    source_school_name: str | None

    @property
    def active(self) -> bool:
        return self.revoked_on is None


def record_row(r: ArchiveRecord, *, may_read_counselling: bool, counselling_key: bytes | None = None) -> RecordRow:
    """Counselling content is opened only for a reader who may read it *and* holds the key; anyone
    else never decrypts (the row is redacted)."""
    text = None
    if r.kind != K.COUNSELLING:
        text = r.text
    elif may_read_counselling:
        text = content.record_text(counselling_key, r)
    redact = r.kind == K.COUNSELLING and text is None
    return RecordRow(
        id=r.id, uuid=r.uuid, student_id=r.student_id, kind=r.kind, kind_label=K.kind_label(r.kind),
        occurred_on=r.occurred_on, category=r.category, category_label=K.category_label(r.kind, r.category),
        severity=r.severity, severity_label=K.SEVERITIES.get(r.severity) if r.severity else None,
        text=text, visitors=r.visitors, present=r.present, ended_on=r.ended_on,
        author_name=r.author_name, created_at=r.created_at, source_school_name=r.source_school_name,
        source_school_uuid=r.source_school_uuid, imported_at=r.imported_at, redacted=redact)


def consent_row(c: ArchiveConsent) -> ConsentRow:
    return ConsentRow(c.id, c.uuid, c.student_id, c.basis_kind, K.CONSENT_BASES.get(c.basis_kind, c.basis_kind),
                      c.recorded_on, c.given_by, c.basis, c.revoked_on, c.recorded_by_name, c.source_school_name)


# --- validation --------------------------------------------------------------------------------

def _text(value: str | None, what_zh: str, what_en: str, field: str, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise UserError(f"请填写{what_zh}。", f"Please fill in the {what_en}.", field=field)
    if len(text) > MAX_TEXT:
        raise UserError(f"{what_zh}太长（最多 {MAX_TEXT} 字）。", f"The {what_en} is too long (max {MAX_TEXT}).",
                        field=field)
    return text


def _day(value: date | None, today: date | None) -> date:
    today = today or date.today()
    day = value or today
    if day > today:
        raise UserError(f"日期 {day.isoformat()} 在今天之后，请检查。", f"The date {day.isoformat()} is in the future.",
                        field="date")
    return day


def _add(ctx: AppContext, student_id: int, kind: str, *, day: date, category: str | None = None,
         severity: str | None = None, text: str = "", visitors: str | None = None,
         present: str | None = None) -> RecordRow:
    ctx.require(WRITE_PERMISSION[kind])
    if kind == K.COUNSELLING and ctx.counselling_key is None:
        raise content.locked()
    with ctx.db.write() as s:
        st = roster._get_scoped(ctx, s, student_id)
        if st.status != "enrolled":
            raise UserError("该学生已不在读（毕业或转出），不能再添加记录。",
                            "This student is no longer enrolled; records cannot be added.")
        rec_uuid = str(uuid.uuid4())
        stored = content.seal_record_text(ctx.counselling_key, rec_uuid, text) if kind == K.COUNSELLING else text
        rec = ArchiveRecord(uuid=rec_uuid, student_id=st.id, kind=kind, occurred_on=day,
                            category=category, severity=severity, text=stored, visitors=visitors, present=present,
                            author_id=ctx.actor.user_id, author_name=ctx.actor.display_name, created_at=now_utc())
        s.add(rec)
        s.flush()
        audit.record_for(ctx, s, "record.add", student_id=st.id, target=rec.uuid, detail={"kind": kind})
        return record_row(rec, may_read_counselling=True, counselling_key=ctx.counselling_key)


# --- adding ------------------------------------------------------------------------------------

def add_observation(ctx: AppContext, student_id: int, *, category: str, text: str, severity: str = "info",
                    day: date | None = None, today: date | None = None) -> RecordRow:
    """Two clicks from the class list: category, severity, free text (date defaults to today)."""
    cat = K.parse_code(K.OBSERVATION_CATEGORIES, category, "观察类别", "observation category", "category")
    sev = K.parse_code(K.SEVERITIES, severity, "程度", "severity", "severity")
    return _add(ctx, student_id, K.OBSERVATION, day=_day(day, today), category=cat, severity=sev,
                text=_text(text, "观察内容", "observation", "text"))


def add_home_visit(ctx: AppContext, student_id: int, *, day: date, visitors: str, present: str, findings: str,
                   today: date | None = None) -> RecordRow:
    return _add(ctx, student_id, K.HOME_VISIT, day=_day(day, today),
                visitors=_text(visitors, "家访人员", "visitors", "visitors"),
                present=_text(present, "在场家庭成员", "who was present", "present"),
                text=_text(findings, "家访情况", "findings", "text"))


def add_parent_contact(ctx: AppContext, student_id: int, *, method: str, text: str, day: date | None = None,
                       today: date | None = None) -> RecordRow:
    code = K.parse_code(K.CONTACT_METHODS, method, "联系方式", "contact method", "method")
    return _add(ctx, student_id, K.PARENT_CONTACT, day=_day(day, today), category=code,
                text=_text(text, "沟通内容", "what was discussed", "text"))


def add_counselling(ctx: AppContext, student_id: int, *, text: str, session_type: str = "individual",
                    day: date | None = None, today: date | None = None) -> RecordRow:
    code = K.parse_code(K.COUNSELLING_TYPES, session_type, "辅导类型", "session type", "category")
    return _add(ctx, student_id, K.COUNSELLING, day=_day(day, today), category=code,
                text=_text(text, "辅导记录", "session notes", "text"))


def add_strength(ctx: AppContext, student_id: int, *, text: str, category: str = "strength",
                 day: date | None = None, today: date | None = None) -> RecordRow:
    code = K.parse_code(K.STRENGTH_TYPES, category, "类别", "type", "category")
    return _add(ctx, student_id, K.STRENGTH, day=_day(day, today), category=code,
                text=_text(text, "内容", "description", "text"))


def add_life_event(ctx: AppContext, student_id: int, *, category: str, text: str, day: date | None = None,
                   today: date | None = None) -> RecordRow:
    code = K.parse_code(K.LIFE_EVENT_TYPES, category, "事件类别", "event type", "category")
    return _add(ctx, student_id, K.LIFE_EVENT, day=_day(day, today), category=code,
                text=_text(text, "事件说明", "description", "text"))


# --- reading -----------------------------------------------------------------------------------

def records_of(session: Session, student_id: int, kinds: tuple[str, ...] | None = None) -> list[ArchiveRecord]:
    """All records of a student, oldest first (no permission check: callers in the core check)."""
    q = select(ArchiveRecord).where(ArchiveRecord.student_id == student_id)
    if kinds:
        q = q.where(ArchiveRecord.kind.in_(kinds))
    return list(session.scalars(q.order_by(ArchiveRecord.occurred_on, ArchiveRecord.created_at, ArchiveRecord.id)))


def list_records(ctx: AppContext, student_id: int, *, kinds: list[str] | None = None) -> list[RecordRow]:
    """A student's records, newest first; counselling content redacted without ``counselling.read``."""
    ctx.require("archive.read")
    wanted = tuple(K.parse_kind(k) for k in kinds) if kinds else None
    may = ctx.actor.can("counselling.read")
    with ctx.db.write() as s:
        st = roster._get_scoped(ctx, s, student_id)
        key = ctx.counselling_key if may else None
        rows = [record_row(r, may_read_counselling=may, counselling_key=key) for r in records_of(s, st.id, wanted)]
        audit.record_for(ctx, s, "archive.view", student_id=st.id, detail={"what": "records"})
    rows.reverse()
    return rows


# --- consent for counselling content to travel -------------------------------------------------

def record_consent(ctx: AppContext, student_id: int, *, basis_kind: str, given_by: str, basis: str,
                   day: date | None = None, today: date | None = None) -> ConsentRow:
    """Record a guardian's consent (or a safety exception) for counselling content to travel."""
    ctx.require("archive.consent")
    code = K.parse_code(K.CONSENT_BASES, basis_kind, "依据类别", "basis", "basis_kind")
    who = _text(given_by, "同意人或决定人", "who gave or decided it", "given_by")
    why = _text(basis, "依据说明", "the basis", "basis")
    when = _day(day, today)
    with ctx.db.write() as s:
        st = roster._get_scoped(ctx, s, student_id)
        c = ArchiveConsent(uuid=str(uuid.uuid4()), student_id=st.id, basis_kind=code, recorded_on=when,
                           given_by=who, basis=why, recorded_by_id=ctx.actor.user_id,
                           recorded_by_name=ctx.actor.display_name, created_at=now_utc())
        s.add(c)
        s.flush()
        audit.record_for(ctx, s, "consent.add", student_id=st.id, target=c.uuid, detail={"basis": code})
        return consent_row(c)


def revoke_consent(ctx: AppContext, consent_id: int, *, day: date | None = None) -> None:
    ctx.require("archive.consent")
    with ctx.db.write() as s:
        c = s.get(ArchiveConsent, consent_id)
        if c is None:
            raise NotFound("找不到这条同意记录。", "Consent not found.")
        roster._get_scoped(ctx, s, c.student_id)
        if c.revoked_on is None:
            c.revoked_on = day or date.today()
            audit.record_for(ctx, s, "consent.revoke", student_id=c.student_id, target=c.uuid)


def consents_of(session: Session, student_id: int) -> list[ArchiveConsent]:
    return list(session.scalars(select(ArchiveConsent).where(ArchiveConsent.student_id == student_id)
                                .order_by(ArchiveConsent.recorded_on, ArchiveConsent.id)))


def travel_basis(session: Session, student_id: int) -> ArchiveConsent | None:
    """The newest active local consent or safety exception, if any (imported ones do not count:
    a basis recorded at another school covered that school's transfer, not ours)."""
    active = [c for c in consents_of(session, student_id) if c.revoked_on is None and c.source_school_uuid is None]
    return active[-1] if active else None


def list_consents(ctx: AppContext, student_id: int) -> list[ConsentRow]:
    ctx.require("archive.read")
    with ctx.db.read() as s:
        st = roster._get_scoped(ctx, s, student_id)
        return [consent_row(c) for c in consents_of(s, st.id)]


# --- home-visit coverage (plan item 21: every student visited at least once a school year) ----

@dataclass(frozen=True)
class ClassCoverage:
    class_id: int
    grade_code: str
    class_label: str
    students: int
    visited: int
    not_visited: tuple[tuple[int, str], ...]  # (student id, name), by student number

    @property
    def ratio(self) -> float:
        return self.visited / self.students if self.students else 1.0


def _year_bounds(session: Session, label: str | None) -> tuple[str, date, date]:
    if label is None:
        row = session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        if row is not None:
            return row.label, row.start_date, row.end_date
        y = school_year_of(date.today())
        return y.label, y.start, y.end
    row = session.scalar(select(SchoolYear).where(SchoolYear.label == label))
    if row is not None:
        return row.label, row.start_date, row.end_date
    try:
        first = int(label.split("-")[0])
    except ValueError:
        raise UserError(f"无法识别的学年“{label}”，应写成如 2026-2027。", f"Unknown school year {label!r}.") from None
    y = school_year_of(date(first, 9, 1))
    return y.label, y.start, y.end


def home_visit_coverage(ctx: AppContext, *, school_year: str | None = None) -> tuple[str, list[ClassCoverage]]:
    """(school-year label, coverage of each active class in scope) — local home visits only."""
    ctx.require("roster.read")
    with ctx.db.read() as s:
        label, start, end = _year_bounds(s, school_year)
        students = s.execute(
            select(Student.id, Student.name, Student.student_no, Student.class_id)
            .join(SchoolClass, Student.class_id == SchoolClass.id)
            .where(ctx.actor.student_filter(), Student.status == "enrolled", SchoolClass.active.is_(True))
        ).all()
        visited = set(s.scalars(
            select(ArchiveRecord.student_id).where(
                ArchiveRecord.kind == K.HOME_VISIT, ArchiveRecord.source_school_uuid.is_(None),
                ArchiveRecord.occurred_on >= start, ArchiveRecord.occurred_on <= end)
            .group_by(ArchiveRecord.student_id).having(func.count() > 0)))
        classes = {c.id: c for c in s.scalars(select(SchoolClass).where(SchoolClass.active.is_(True)))}
    by_class: dict[int, list] = {}
    for sid, name, no, cid in students:
        by_class.setdefault(cid, []).append((no, sid, name))
    out = []
    for cid in sorted(by_class, key=lambda i: (roster.grade_sort_key(classes[i].grade_code), classes[i].number)):
        c, members = classes[cid], sorted(by_class[cid])
        missing = tuple((sid, name) for _, sid, name in members if sid not in visited)
        out.append(ClassCoverage(cid, c.grade_code, class_label(c.grade_code, c.number), len(members),
                                 len(members) - len(missing), missing))
    return label, out
