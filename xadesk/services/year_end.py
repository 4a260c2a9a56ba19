"""Year end (升级): every class moves up a grade, graduating classes close, a new school year begins.

All in one transaction, audited, with a preview that writes nothing:
- each active class keeps its id (a class is a cohort) and moves to ``next_grade``; homeroom
  assignments point at class ids, so every homeroom teacher follows their class without a change;
- graduating classes (六年级, 九年级, 高三, 中职三年级) become inactive and their enrolled students
  ``graduated``; those students are queued for archive export (``export_queue``), and leave the
  queue when their transfer file is exported;
- every enrolled student's class for the closing year is written to ``class_history`` (the grade
  a student was in is otherwise lost once the class moves on);
- the next school year and its two semesters are created and made current.

Grade-leader assignments name a grade, not a cohort, and are left as they are: schools differ
(some grade teams follow their cohort, some stay), so the preview reminds the administrator.
Promotion is refused until the last two months of the current school year, so a second run by
mistake cannot promote every class twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..archive.document import stable_id
from ..domain.grades import class_label, grade, next_grade
from ..domain.schoolyear import school_year_of
from ..errors import UserError
from ..i18n import msg
from ..storage.models import Meta, RoleAssignment, School, SchoolClass, SchoolYear, Semester, Student
from ..storage.models_archive import ClassHistory
from . import audit, roles
from .context import AppContext
from .roster import grade_sort_key

EXPORT_QUEUE_KEY = "archive.export_queue"
EARLIEST_BEFORE_END = timedelta(days=62)  # from about 1 July for a year ending 31 August


@dataclass(frozen=True)
class ClassMove:
    class_id: int
    from_label: str
    to_label: str | None  # None: the class graduates
    students: int


@dataclass(frozen=True)
class Graduate:
    student_id: int
    student_no: str
    name: str
    class_label: str


@dataclass
class PromotionPlan:
    from_year: str
    to_year: str
    moves: list[ClassMove] = field(default_factory=list)
    graduates: list[Graduate] = field(default_factory=list)
    grade_leaders: list[str] = field(default_factory=list)
    done: bool = False

    def summary(self) -> str:
        moving = [m for m in self.moves if m.to_label]
        closing = [m for m in self.moves if not m.to_label]
        lines = [msg(f"{self.from_year} 学年 → {self.to_year} 学年：{len(moving)} 个班升级，{len(closing)} 个班毕业，"
                     f"{len(self.graduates)} 名学生毕业（其档案将列入待导出清单）。",
                     f"{self.from_year} → {self.to_year}: {len(moving)} classes move up, {len(closing)} graduate, "
                     f"{len(self.graduates)} students graduate (queued for archive export).")]
        for m in self.moves:
            lines.append(f"  {m.from_label} → {m.to_label or msg('毕业', 'graduates')}（{m.students} 人）")
        if self.grade_leaders:
            lines.append(msg("年级组长的分工不会自动改变，请在账号管理中按需调整：", "Grade leaders are not moved; review:")
                         + "、".join(self.grade_leaders))
        return "\n".join(lines)


def _current_year(s: Session) -> SchoolYear:
    year = s.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
    if year is None:
        raise UserError("数据库中没有当前学年，无法升级。", "There is no current school year.")
    return year


def _plan(s: Session, today: date) -> tuple[PromotionPlan, SchoolYear, list[SchoolClass]]:
    current = _current_year(s)
    if today < current.end_date - EARLIEST_BEFORE_END:
        raise UserError(f"当前学年（{current.label}）要到 {current.end_date.isoformat()} 才结束，现在还不能升级。"
                        "升级一般在暑假进行；如已升级过，请勿重复操作。",
                        f"The current school year ({current.label}) ends on {current.end_date.isoformat()}; "
                        "promotion is not possible yet (and may already have been done).")
    nxt = school_year_of(current.end_date + timedelta(days=1))
    classes = list(s.scalars(select(SchoolClass).where(SchoolClass.active.is_(True))))
    classes.sort(key=lambda c: (grade_sort_key(c.grade_code), c.number))
    # Counted in SQL and the leavers read as three columns in one query (issue 15): at 5,000 students
    # the preview read every enrolled student's class id and one query of Student objects per class.
    counts: dict[int, int] = dict(s.execute(
        select(Student.class_id, func.count()).where(Student.status == "enrolled", Student.class_id.is_not(None))
        .group_by(Student.class_id)).all())
    leaving: dict[int, list[tuple[int, str, str]]] = {c.id: [] for c in classes if next_grade(c.grade_code) is None}
    if leaving:
        for sid, no, name, cid in s.execute(
                select(Student.id, Student.student_no, Student.name, Student.class_id)
                .where(Student.class_id.in_(list(leaving)), Student.status == "enrolled").order_by(Student.student_no)):
            leaving[cid].append((sid, no, name))
    plan = PromotionPlan(from_year=current.label, to_year=nxt.label)
    for c in classes:
        to = next_grade(c.grade_code)
        label = class_label(c.grade_code, c.number)
        plan.moves.append(ClassMove(c.id, label, class_label(to, c.number) if to else None, counts.get(c.id, 0)))
        plan.graduates.extend(Graduate(sid, no, name, label) for sid, no, name in leaving.get(c.id, ()))
    leaders = s.execute(select(RoleAssignment.grade_code).where(RoleAssignment.role == roles.GRADE_LEADER)).all()
    plan.grade_leaders = [grade(g).label for g in sorted({g for (g,) in leaders if g}, key=grade_sort_key)]
    return plan, current, classes


def preview_promotion(ctx: AppContext, *, today: date | None = None) -> PromotionPlan:
    ctx.require("school.manage")
    with ctx.db.read() as s:
        return _plan(s, today or date.today())[0]


def promote(ctx: AppContext, *, dry_run: bool = False, today: date | None = None) -> PromotionPlan:
    """Promote the whole school in one transaction (or only preview, with ``dry_run``)."""
    if dry_run:
        return preview_promotion(ctx, today=today)
    ctx.require("school.manage")

    day = today or date.today()
    with ctx.db.write() as s:
        plan, current, classes = _plan(s, day)
        school = s.scalar(select(School).order_by(School.id))
        # The closing year's classes, kept before the classes move on.
        for c in classes:
            for st in s.scalars(select(Student).where(Student.class_id == c.id, Student.status == "enrolled")):
                uid = stable_id(school.uuid, "class", st.student_no, current.label)
                if s.scalar(select(ClassHistory.id).where(ClassHistory.uuid == uid)) is None:
                    s.add(ClassHistory(uuid=uid, student_id=st.id, school_year=current.label, grade_code=c.grade_code,
                                       class_number=c.number, school_name=school.name))
        # Highest grade first, one flush each: the unique index on active (grade, number) must hold
        # after every single UPDATE, and 八年级(1)班 can only move once 九年级(1)班 has left.
        graduated_ids = {g.student_id for g in plan.graduates}
        for c in sorted(classes, key=lambda c: -grade_sort_key(c.grade_code)):
            to = next_grade(c.grade_code)
            if to is None:
                c.active = False
            else:
                c.grade_code = to
            s.flush()
        if graduated_ids:
            for st in s.scalars(select(Student).where(Student.id.in_(graduated_ids))):
                st.status = "graduated"
        _queue_for_export(s, graduated_ids, day)
        nxt = school_year_of(current.end_date + timedelta(days=1))
        current.is_current = False
        year = s.scalar(select(SchoolYear).where(SchoolYear.label == nxt.label))
        if year is None:
            year = SchoolYear(label=nxt.label, start_date=nxt.start, end_date=nxt.end, is_current=True)
            s.add(year)
            s.flush()
            for number, start, end in nxt.semesters:
                s.add(Semester(school_year_id=year.id, number=number, start_date=start, end_date=end))
        year.is_current = True
        audit.record_for(ctx, s, "year.promote", target=f"{plan.from_year}->{plan.to_year}",
                         detail={"classes": len([m for m in plan.moves if m.to_label]),
                                 "graduated_classes": len([m for m in plan.moves if not m.to_label]),
                                 "graduates": len(plan.graduates)})
    plan.done = True
    return plan


# --- the graduates' archive export queue -------------------------------------------------------

def _load_queue(s: Session) -> dict[str, str]:
    row = s.get(Meta, EXPORT_QUEUE_KEY)
    if row is None:
        return {}
    try:
        return dict(json.loads(row.value))
    except (ValueError, TypeError):
        return {}


def _save_queue(s: Session, queue: dict[str, str]) -> None:
    value = json.dumps(queue, sort_keys=True)
    row = s.get(Meta, EXPORT_QUEUE_KEY)
    if row is None:
        s.add(Meta(key=EXPORT_QUEUE_KEY, value=value))
    else:
        row.value = value


def _queue_for_export(s: Session, student_ids: set[int], day: date) -> None:
    queue = _load_queue(s)
    for sid in student_ids:
        queue.setdefault(str(sid), day.isoformat())
    _save_queue(s, queue)


def mark_exported(s: Session, student_ids: list[int]) -> None:
    """Called by the archive exporters inside their audit transaction."""
    queue = _load_queue(s)
    if any(str(i) in queue for i in student_ids):
        for i in student_ids:
            queue.pop(str(i), None)
        _save_queue(s, queue)


def export_queue(ctx: AppContext) -> list[Graduate]:
    """Graduates whose archives have not been exported since they graduated."""
    ctx.require("archive.export")
    with ctx.db.read() as s:
        queue = _load_queue(s)
        if not queue:
            return []
        out = []
        for st in s.scalars(select(Student).where(Student.id.in_([int(k) for k in queue]))
                            .order_by(Student.student_no)):
            c = st.school_class
            out.append(Graduate(st.id, st.student_no, st.name, class_label(c.grade_code, c.number) if c else ""))
        return out
