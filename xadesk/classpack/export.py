"""The counselor's side, outward: one class pack per homeroom teacher, alone or as a batch with slips.

API::

    export_pack(ctx, class_id, out, passphrase=None, *, expires_on=None) -> PackInfo
    export_batch(ctx, out_dir, *, grade=None, expires_on=None, progress=None, cancelled=None) -> BatchInfo

``classpack.export`` is needed. A counselor's pack carries what the teacher may see of the grid; an
administrator (no ``grid.read``) exports roster-only packs. A pack holds one class: never another
class, never an ID number or birth date, never counselling, interview or screening content
(``content`` lists every field). The passphrase is the teacher's choice typed at this PC, or a
generated one printed on the slip; the pack expires at the end of the current semester unless the
counselor sets another date.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..archive import kinds as K
from ..domain.grades import class_label, parse_grade
from ..domain.schoolyear import school_year_of
from ..errors import Cancelled, NotFound, UserError
from ..exchange import ExchangeKey, write_container
from ..exchange.manifest import iso_utc
from ..exchange.passphrase import generate
from ..grid.due import normalise_terms
from ..services import audit, roster
from ..services import grid_base as B
from ..services.context import AppContext
from ..services.login import now_utc
from ..storage.atomic import atomic_write_bytes
from ..storage.models import RoleAssignment, School, SchoolClass, Student, User
from ..storage.models_archive import ArchiveRecord
from ..storage.models_classpack import ClassPackEntry, ClassPackSeries
from ..storage.models_grid import GridCase, HealthMonitor
from ..strength import check_passphrase
from .content import PACK_ENTRY, PACK_FORMAT, PACK_KIND
from .ratings import rating_tasks
from .slips import Slip, slips_pdf


@dataclass(frozen=True)
class PackInfo:
    path: Path
    teacher_name: str
    teacher_login: str
    class_label: str
    students: int
    expires_on: date
    passphrase: str | None  # only when generated here (to print); never stored
    roster_only: bool


@dataclass(frozen=True)
class BatchInfo:
    packs: list[PackInfo]
    slips: Path
    skipped: list[str]  # classes without a homeroom teacher


def default_expiry(s: Session, today: date) -> date:
    """The last day of the semester containing ``today`` (the school's dates, else the calendar's)."""
    for start, end in normalise_terms(B.terms(s)):
        if start <= today <= end:
            return end
    year = school_year_of(today)
    return next(end for _, start, end in year.semesters if start <= today <= end)


def _teacher(s: Session, class_id: int) -> User:
    users = s.scalars(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
                      .where(RoleAssignment.role == "homeroom", RoleAssignment.class_id == class_id,
                             User.active.is_(True)).order_by(User.id)).all()
    if not users:
        raise UserError("该班没有登记班主任账号，无法导出班级包。请先在“账号”中为该班设置班主任。",
                        "This class has no homeroom teacher account.")
    return users[0]


def _series(s: Session, class_id: int, teacher: User, roster_only: bool) -> ClassPackSeries:
    row = s.scalar(select(ClassPackSeries).where(ClassPackSeries.class_id == class_id,
                                                 ClassPackSeries.teacher_id == teacher.id))
    if row is None:
        row = ClassPackSeries(uuid=str(uuid.uuid4()), class_id=class_id, teacher_id=teacher.id,
                              journal_key=os.urandom(32), roster_only=roster_only, created_at=now_utc(),
                              last_exported_at=now_utc(), expires_on=date.today(), packs_exported=0)
        s.add(row)
        s.flush()
    return row


def pack_key(series_key: bytes, student_id: int) -> str:
    """The name a student goes by in a class pack and its return. Not the 学籍号: the national
    student number is "G" + the resident ID number, so it would put every ID number and birth date
    on the teacher's USB stick. A keyed hash of the database id (the key is the series' own), which
    only the school's database maps back (``student_by_pack_key``)."""
    digest = hmac.new(series_key, f"student:{student_id}".encode("ascii"), hashlib.sha256).digest()
    return "K" + base64.b32encode(digest[:10]).decode("ascii")


def pack_keys(s: Session, series_key: bytes) -> dict[str, int]:
    """Every student's pack key for a series (any class: a student may have moved since the pack)."""
    return {pack_key(series_key, sid): sid for sid in s.scalars(select(Student.id))}


def student_by_pack_key(s: Session, keys: dict[str, int], key: str) -> Student | None:
    """The student a pack key names, else the student whose 学籍号 it is (returns of packs made
    before keys replaced student numbers)."""
    if key in keys:
        return s.get(Student, keys[key])
    return s.scalar(select(Student).where(Student.student_no == key))


def _pack_json(ctx: AppContext, s: Session, cls: SchoolClass, teacher: User, series: ClassPackSeries,
               expires_on: date, roster_only: bool, pack_id: str) -> tuple[dict, int]:
    school = s.scalar(select(School))
    students = s.scalars(select(Student).where(Student.class_id == cls.id, Student.status == "enrolled")
                         .order_by(Student.student_no)).all()
    nos = {st.id: pack_key(series.journal_key, st.id) for st in students}
    data: dict = {
        "format": PACK_FORMAT, "school": {"uuid": school.uuid, "name": school.name}, "series_uuid": series.uuid,
        "pack_id": pack_id, "exported_at": iso_utc(datetime.now(UTC)),
        "expires_on": expires_on.isoformat(), "roster_only": roster_only,
        "teacher": {"login": teacher.login, "name": teacher.display_name},
        "counselor": {"name": ctx.actor.display_name},
        "class": {"label": class_label(cls.grade_code, cls.number), "grade_code": cls.grade_code},
        "students": [{"student_no": nos[st.id], "name": st.name, "sex": st.sex} for st in students],
        "levels": [], "grid": [], "monitors": [], "coverage": {"school_year": "", "visited": []},
        "own_records": [], "returned": [], "ratings": [],
        "journal_key": base64.b64encode(series.journal_key).decode("ascii"),
    }
    data["returned"] = list(s.scalars(select(ClassPackEntry.entry_uuid)
                                      .where(ClassPackEntry.series_id == series.id)))
    if roster_only or not nos:
        return data, len(students)
    real = {st.student_no: nos[st.id] for st in students}
    data["ratings"] = [{**task, "students": [real[n] for n in task["students"] if n in real],
                        "rated": [real[n] for n in task["rated"] if n in real]} for task in rating_tasks(s, cls.id)]
    levels = B.load_levels(s)
    data["levels"] = [{"code": lv.code, "name": lv.label, "colour_hex": lv.colour_hex} for lv in levels.values()]
    names = dict(s.execute(select(User.id, User.display_name)).all())
    for case in s.scalars(select(GridCase).where(GridCase.student_id.in_(nos), GridCase.status.in_(B.OPEN_STATUSES))):
        data["grid"].append({"student_no": nos[case.student_id], "level": case.level_code,
                             "contact": names.get(case.contact_id, ""), "mine": case.contact_id == teacher.id,
                             "next_due": case.next_due.isoformat() if case.next_due else None})
    for m in s.scalars(select(HealthMonitor).where(HealthMonitor.class_id == cls.id, HealthMonitor.ended_on.is_(None))):
        if m.student_id in nos:
            data["monitors"].append({"student_no": nos[m.student_id], "appointed_on": m.appointed_on.isoformat()})
    year = school_year_of(date.today())
    visited = s.scalars(select(ArchiveRecord.student_id).where(
        ArchiveRecord.kind == K.HOME_VISIT, ArchiveRecord.student_id.in_(nos),
        ArchiveRecord.source_school_uuid.is_(None), ArchiveRecord.occurred_on >= year.start,
        ArchiveRecord.occurred_on <= year.end)).all()
    data["coverage"] = {"school_year": year.label, "visited": sorted({nos[i] for i in visited})}
    # Only the teacher's own observations and home visits: never counselling or others' notes.
    for r in s.scalars(select(ArchiveRecord).where(
            ArchiveRecord.student_id.in_(nos), ArchiveRecord.author_id == teacher.id,
            ArchiveRecord.kind.in_((K.OBSERVATION, K.HOME_VISIT)), ArchiveRecord.source_school_uuid.is_(None))
            .order_by(ArchiveRecord.occurred_on)):
        data["own_records"].append({"id": r.uuid, "kind": r.kind, "student_no": nos[r.student_id],
                                    "date": r.occurred_on.isoformat(), "category": r.category,
                                    "severity": r.severity, "text": r.text, "visitors": r.visitors,
                                    "present": r.present})
    return data, len(students)


def _write(ctx: AppContext, s: Session, cls: SchoolClass, out: Path, passphrase: str | ExchangeKey,
           expires_on: date, generated: str | None) -> PackInfo:
    roster_only = not ctx.actor.can("grid.read")
    teacher = _teacher(s, cls.id)
    series = _series(s, cls.id, teacher, roster_only)
    pack_id = str(uuid.uuid4())
    data, n = _pack_json(ctx, s, cls, teacher, series, expires_on, roster_only, pack_id)
    school = s.scalar(select(School))
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    write_container(out, kind=PACK_KIND, passphrase=passphrase, entries={PACK_ENTRY: blob},
                    manifest_fields={"school_name": school.name, "school_id": school.uuid,
                                     "exporter_name": ctx.actor.display_name, "exporter_login": ctx.actor.login,
                                     "extra": {"pack_id": pack_id, "series_uuid": series.uuid}})
    series.last_exported_at = now_utc()
    series.expires_on = expires_on
    series.packs_exported += 1
    series.roster_only = roster_only
    label = class_label(cls.grade_code, cls.number)
    audit.record_for(ctx, s, "classpack.export", target=f"class:{cls.id}",
                     detail={"teacher": teacher.login, "students": n, "file": Path(out).name,
                             "roster_only": roster_only, "expires_on": expires_on.isoformat()})
    return PackInfo(Path(out), teacher.display_name, teacher.login, label, n, expires_on, generated, roster_only)


def _check_expiry(expires_on: date | None, s: Session, today: date) -> date:
    day = expires_on or default_expiry(s, today)
    if day < today:
        raise UserError(f"过期日期 {day.isoformat()} 已经过去，请选择今天或以后的日期。",
                        "The expiry date is in the past.", field="expires")
    return day


def export_pack(ctx: AppContext, class_id: int, out: Path, passphrase: str | ExchangeKey | None = None, *,
                expires_on: date | None = None, today: date | None = None) -> PackInfo:
    """One pack for the class's homeroom teacher. ``passphrase`` None: a generated one (returned, to print)."""
    ctx.require("classpack.export")
    generated = generate() if passphrase is None else None
    with ctx.db.write() as s:
        # A chosen passphrase is all that guards the class's names and levels on a USB stick.
        check_passphrase(passphrase, school_name=s.scalar(select(School.name)))
        cls = s.get(SchoolClass, class_id)
        if cls is None or not cls.active:
            raise NotFound("找不到这个班级。", "No such class.")
        day = _check_expiry(expires_on, s, today or date.today())
        return _write(ctx, s, cls, Path(out), passphrase if passphrase is not None else generated, day, generated)


def _safe(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("._") or "班级"


def export_batch(ctx: AppContext, out_dir: Path, *, grade: str | None = None, expires_on: date | None = None,
                 today: date | None = None, progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> BatchInfo:
    """A pack per class (of one grade, or the school) with its own generated passphrase, and one PDF of
    slips (a slip per teacher: file, class, passphrase, expiry). Each pack is its own transaction, so a
    cancel keeps the packs already written (and their slips)."""
    ctx.require("classpack.export")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with ctx.db.read() as s:
        q = select(SchoolClass).where(SchoolClass.active.is_(True))
        if grade:
            q = q.where(SchoolClass.grade_code == parse_grade(grade))
        classes = sorted(s.scalars(q), key=lambda c: (roster.grade_sort_key(c.grade_code), c.number))
        school_name = s.scalar(select(School.name))
    packs: list[PackInfo] = []
    skipped: list[str] = []
    day = today or date.today()
    for i, cls in enumerate(classes):
        if cancelled is not None and cancelled():
            break
        label = class_label(cls.grade_code, cls.number)
        with ctx.db.write() as s:
            c = s.get(SchoolClass, cls.id)
            try:
                _teacher(s, c.id)
            except UserError:
                skipped.append(label)
                continue
            exp = _check_expiry(expires_on, s, day)
            phrase = generate()
            packs.append(_write(ctx, s, c, out_dir / f"班级包-{_safe(label)}.xadx", phrase, exp, phrase))
        if progress:
            progress(i + 1, len(classes))
    if cancelled is not None and cancelled() and not packs:
        raise Cancelled()
    slip_path = out_dir / "班级包口令条.pdf"
    pdf = slips_pdf([Slip(p.teacher_name, p.class_label, p.path.name, p.passphrase or "", p.expires_on)
                     for p in packs], school_name=school_name, exporter=ctx.actor.display_name)
    atomic_write_bytes(slip_path, pdf)
    return BatchInfo(packs, slip_path, skipped)


def class_id_of(ctx: AppContext, label: str) -> int:
    """The id of an active class named like the app shows it (七年级(1)班)."""
    ctx.require("classpack.export")
    with ctx.db.read() as s:
        return roster.resolve_class(s, label).id


@dataclass(frozen=True)
class ClassChoice:
    class_id: int
    label: str
    teacher_name: str | None


def exportable_classes(ctx: AppContext, *, today: date | None = None) -> tuple[list[ClassChoice], date]:
    """Active classes with their homeroom teacher (None: no pack possible), and the default expiry."""
    ctx.require("classpack.export")
    with ctx.db.read() as s:
        out = []
        for c in sorted(s.scalars(select(SchoolClass).where(SchoolClass.active.is_(True))),
                        key=lambda c: (roster.grade_sort_key(c.grade_code), c.number)):
            try:
                name: str | None = _teacher(s, c.id).display_name
            except UserError:
                name = None
            out.append(ClassChoice(c.id, class_label(c.grade_code, c.number), name))
        return out, default_expiry(s, today or date.today())
