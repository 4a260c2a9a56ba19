"""Class health monitors (健康委员, plan item 11): two students per middle-school class, registered,
trained twice a semester.

Screens: a class page lists ``monitors(ctx, class_id)`` with ``register_monitor`` / ``end_monitor``;
the counselor records ``record_training`` (with who attended); ``compliance`` gives one row per
middle-school class in scope: monitors registered (target 2) and, per monitor, trainings attended
this semester (target 2).

Who: registering needs ``grid.monitors`` and the student in scope (homeroom teachers: their class);
trainings need ``grid.manage``; the views ``grid.read``. What monitors report is logged by the
homeroom teacher as an ordinary observation (they are students, not users).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..domain.grades import class_label, grade
from ..domain.schoolyear import school_year_of, semester_of
from ..errors import NotFound, UserError
from ..storage.models import SchoolClass, Semester, Student
from ..storage.models_grid import HealthMonitor, MonitorAttendance, MonitorTraining
from . import audit, roster
from . import grid_base as B
from .context import AppContext
from .login import now_utc

PER_CLASS = 2
TRAININGS_PER_SEMESTER = 2
MIDDLE_STAGES = ("junior", "senior", "vocational")


@dataclass(frozen=True)
class MonitorRow:
    id: int
    class_id: int
    class_label: str
    student_id: int
    student_no: str
    name: str
    appointed_on: date
    ended_on: date | None
    trainings_this_semester: int


@dataclass(frozen=True)
class ClassCompliance:
    class_id: int
    class_label: str
    monitors: int
    monitors_needed: int
    trainings: tuple[int, ...]   # per active monitor, trainings attended this semester
    compliant: bool


def _semester_bounds(s, day: date) -> tuple[date, date]:
    row = s.scalars(select(Semester).where(Semester.start_date <= day, Semester.end_date >= day)).first()
    if row is not None:
        return row.start_date, row.end_date

    _, number = semester_of(day)
    _, start, end = school_year_of(day).semesters[number - 1]
    return start, end


def _attended(s, monitor_ids: Sequence[int], start: date, end: date) -> dict[int, int]:
    out = dict.fromkeys(monitor_ids, 0)
    q = (select(MonitorAttendance.monitor_id).join(MonitorTraining, MonitorTraining.id == MonitorAttendance.training_id)
         .where(MonitorTraining.held_on >= start, MonitorTraining.held_on <= end,
                MonitorAttendance.monitor_id.in_(list(monitor_ids))))
    for (mid,) in s.execute(q):
        out[mid] += 1
    return out


def register_monitor(ctx: AppContext, student_id: int, *, appointed_on: date | None = None, note: str = "",
                     today: date | None = None) -> MonitorRow:
    ctx.require("grid.monitors")
    day = B.past_day(appointed_on, today, "appointed_on")
    with ctx.db.write() as s:
        st = B.scoped_student(ctx, s, student_id)
        cls = st.school_class
        if cls is None or st.status != "enrolled":
            raise UserError("只能登记在读且已分班的学生。", "Only enrolled students in a class can be monitors.")
        if grade(cls.grade_code).stage not in MIDDLE_STAGES:
            raise UserError("健康委员按计划在中学（初中、高中、中职）班级设立。", "Monitors are for middle-school classes.")
        active = s.scalars(select(HealthMonitor).where(HealthMonitor.class_id == cls.id,
                                                       HealthMonitor.ended_on.is_(None))).all()
        if any(m.student_id == st.id for m in active):
            raise UserError("该学生已是本班健康委员。", "Already a monitor of this class.")
        if len(active) >= PER_CLASS:
            raise UserError(f"每班设健康委员 {PER_CLASS} 名，本班已满。请先卸任一名再登记。",
                            f"A class has {PER_CLASS} monitors; end one first.")
        row = HealthMonitor(class_id=cls.id, student_id=st.id, appointed_on=day, note=(note or "").strip(),
                            created_at=now_utc())
        s.add(row)
        s.flush()
        audit.record_for(ctx, s, "grid.monitor", student_id=st.id, target=str(row.id), detail={"on": True})
        return MonitorRow(row.id, cls.id, class_label(cls.grade_code, cls.number), st.id, st.student_no, st.name,
                          day, None, 0)


def end_monitor(ctx: AppContext, monitor_id: int, *, ended_on: date | None = None, today: date | None = None) -> None:
    ctx.require("grid.monitors")
    day = B.past_day(ended_on, today, "ended_on")
    with ctx.db.write() as s:
        m = s.get(HealthMonitor, monitor_id)
        if m is None or m.ended_on is not None:
            raise NotFound("找不到在任的这名健康委员。", "No such serving monitor.")
        B.scoped_student(ctx, s, m.student_id)
        if day < m.appointed_on:
            raise UserError("卸任日期早于登记日期。", "The end date is before the appointment.", field="ended_on")
        m.ended_on = day
        audit.record_for(ctx, s, "grid.monitor", student_id=m.student_id, target=str(m.id), detail={"on": False})


def monitors(ctx: AppContext, *, class_id: int | None = None, include_ended: bool = False,
             today: date | None = None) -> list[MonitorRow]:
    ctx.require("grid.read")
    day = today or date.today()
    with ctx.db.read() as s:
        q = (select(HealthMonitor, Student, SchoolClass).join(Student, Student.id == HealthMonitor.student_id)
             .join(SchoolClass, SchoolClass.id == HealthMonitor.class_id).where(ctx.actor.student_filter()))
        if class_id is not None:
            q = q.where(HealthMonitor.class_id == class_id)
        if not include_ended:
            q = q.where(HealthMonitor.ended_on.is_(None))
        rows = s.execute(q).all()
        start, end = _semester_bounds(s, day)
        att = _attended(s, [m.id for m, _, _ in rows], start, end)
    out = [MonitorRow(m.id, c.id, class_label(c.grade_code, c.number), st.id, st.student_no, st.name, m.appointed_on,
                      m.ended_on, att[m.id]) for m, st, c in rows]
    out.sort(key=lambda r: (r.class_label, r.appointed_on, r.student_no))
    return out


def record_training(ctx: AppContext, *, held_on: date, topic: str, monitor_ids: Sequence[int], trainer: str = "",
                    today: date | None = None) -> int:
    """A training session and who attended it; returns the training id."""
    ctx.require("grid.manage")
    day = B.past_day(held_on, today, "held_on")
    text = B.text_field(topic, "培训主题", "topic", "topic")
    with ctx.db.write() as s:
        found = {m.id for m in s.scalars(select(HealthMonitor).where(HealthMonitor.id.in_(list(monitor_ids))))}
        missing = set(monitor_ids) - found
        if missing:
            raise NotFound(f"有 {len(missing)} 名健康委员找不到。", f"{len(missing)} monitors not found.")
        t = MonitorTraining(held_on=day, topic=text, trainer=(trainer or "").strip(), created_by_id=ctx.actor.user_id,
                            created_at=now_utc())
        s.add(t)
        s.flush()
        for mid in sorted(found):
            s.add(MonitorAttendance(training_id=t.id, monitor_id=mid))
        audit.record_for(ctx, s, "grid.training", target=str(t.id), detail={"attendees": len(found)})
        return t.id


def compliance(ctx: AppContext, *, today: date | None = None) -> list[ClassCompliance]:
    """Middle-school classes in scope: monitors registered and trainings attended this semester."""
    ctx.require("grid.read")
    day = today or date.today()
    rows = monitors(ctx, today=day)
    by_class: dict[int, list[MonitorRow]] = {}
    for r in rows:
        by_class.setdefault(r.class_id, []).append(r)
    out = []
    for gnode in roster.class_tree(ctx):
        if grade(gnode.code).stage not in MIDDLE_STAGES:
            continue
        for c in gnode.classes:
            ms = by_class.get(c.id, [])
            trainings = tuple(m.trainings_this_semester for m in ms)
            out.append(ClassCompliance(c.id, c.label, len(ms), PER_CLASS, trainings,
                                       len(ms) >= PER_CLASS and all(t >= TRAININGS_PER_SEMESTER for t in trainings)))
    return out
