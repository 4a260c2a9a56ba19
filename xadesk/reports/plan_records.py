"""What the plan figures need and the rest of the app does not record: mental-health staff and their
posts (plan item 14), training hours (item 15), lessons and themed activities (items 6 and 8).

API (``reports.manage`` to write, ``reports.read`` or ``reports.manage`` to read)::

    add_staff(ctx, name, post, note="") -> StaffRow;  set_staff_active(ctx, staff_id, active)
    list_staff(ctx, *, year=None) -> list[StaffRow]          # with hours in that school year
    add_training(ctx, staff_id, *, held_on, hours, topic) -> int
    add_activity(ctx, kind, *, held_on, title, class_=None, grade_code=None) -> int
    list_activities(ctx, *, year=None) -> list[ActivityRow]

Every write is one transaction and audited; bad input is refused naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..domain.grades import class_label, grade, parse_grade
from ..domain.schoolyear import school_year_of
from ..errors import NotFound, PermissionDenied, UserError
from ..services import audit
from ..services.context import AppContext
from ..services.grid_base import text_field
from ..services.login import now_utc
from ..services.roster import resolve_class
from ..storage.models import SchoolClass
from ..storage.models_reports import ReportActivity, ReportStaff, ReportTraining

POSTS = {"counselor_full": "专职心理健康教师", "counselor_part": "兼职心理健康教师", "teacher": "教师",
         "other": "其他教职工"}
POST_ALIASES = {"专职": "counselor_full", "专职心理健康教师": "counselor_full", "兼职": "counselor_part",
                "兼职心理健康教师": "counselor_part", "教师": "teacher", "其他": "other"}
KINDS = {"lesson": "心理健康课", "activity": "主题教育活动"}
KIND_ALIASES = {"心理健康课": "lesson", "课": "lesson", "主题活动": "activity", "主题教育活动": "activity", "活动": "activity"}
MAX_HOURS_ONE_TRAINING = 200.0


@dataclass(frozen=True)
class StaffRow:
    id: int
    name: str
    post: str
    post_label: str
    active: bool
    hours: float


@dataclass(frozen=True)
class ActivityRow:
    id: int
    kind: str
    kind_label: str
    held_on: date
    title: str
    where: str


def _can_read(ctx: AppContext) -> None:
    if not (ctx.actor.can("reports.read") or ctx.actor.can("reports.manage")):
        raise PermissionDenied()


def parse_post(text: str) -> str:
    key = POST_ALIASES.get(text.strip(), text.strip())
    if key not in POSTS:
        raise UserError(f"岗位“{text}”无法识别，可选：{'、'.join(POSTS.values())}。", f"Unknown post {text!r}.",
                        field="post")
    return key


def parse_kind(text: str) -> str:
    key = KIND_ALIASES.get(text.strip(), text.strip())
    if key not in KINDS:
        raise UserError(f"类型“{text}”无法识别，可选：心理健康课、主题教育活动。", f"Unknown kind {text!r}.", field="kind")
    return key


def _past_day(value: date, field: str) -> date:
    if not isinstance(value, date):
        raise UserError(f"{field}：日期无效。", f"{field}: not a date.", field=field)
    if value > date.today():
        raise UserError(f"{field}：日期不能晚于今天。", f"{field}: date in the future.", field=field)
    return value


def add_staff(ctx: AppContext, name: str, post: str, note: str = "") -> StaffRow:
    ctx.require("reports.manage")
    clean = text_field(name, "姓名", "name", "name")
    if len(clean) > 100:
        raise UserError("姓名过长（最多 100 字）。", "Name too long.", field="name")
    key = parse_post(post)
    with ctx.db.write() as s:
        row = ReportStaff(name=clean, post=key, active=True, note=text_field(note, "备注", "note", "note",
                                                                            required=False),
                          created_at=now_utc(), created_by=ctx.actor.user_id)
        s.add(row)
        s.flush()
        audit.record_for(ctx, s, "report.staff", target=f"staff:{row.id}", detail={"post": key})
        return StaffRow(row.id, row.name, key, POSTS[key], True, 0.0)


def set_staff_active(ctx: AppContext, staff_id: int, active: bool) -> None:
    ctx.require("reports.manage")
    with ctx.db.write() as s:
        row = s.get(ReportStaff, staff_id)
        if row is None:
            raise NotFound("找不到这位教职工。", "No such staff member.")
        row.active = bool(active)
        audit.record_for(ctx, s, "report.staff", target=f"staff:{row.id}", detail={"active": bool(active)})


def _year(label: str | None) -> tuple[date, date]:
    if label is None:
        y = school_year_of(date.today())
    else:
        try:
            y = school_year_of(date(int(label.split("-")[0]), 9, 1))
        except ValueError:
            raise UserError(f"无法识别的学年“{label}”，应写成如 2026-2027。", f"Unknown school year {label!r}.",
                            field="year") from None
    return y.start, y.end


def list_staff(ctx: AppContext, *, year: str | None = None) -> list[StaffRow]:
    _can_read(ctx)
    start, end = _year(year)
    with ctx.db.read() as s:
        hours: dict[int, float] = {}
        for sid, h in s.execute(select(ReportTraining.staff_id, ReportTraining.hours)
                                .where(ReportTraining.held_on >= start, ReportTraining.held_on <= end)):
            hours[sid] = hours.get(sid, 0.0) + h
        return [StaffRow(r.id, r.name, r.post, POSTS.get(r.post, r.post), r.active, round(hours.get(r.id, 0.0), 2))
                for r in s.scalars(select(ReportStaff).order_by(ReportStaff.post, ReportStaff.id))]


def staff_id_by_name(ctx: AppContext, name: str) -> int:
    _can_read(ctx)
    with ctx.db.read() as s:
        ids = list(s.scalars(select(ReportStaff.id).where(ReportStaff.name == name.strip())))
    if not ids:
        raise NotFound(f"找不到教职工“{name}”，请先登记（xadesk report staff add）。", f"No staff member {name!r}.",
                       field="staff")
    if len(ids) > 1:
        raise UserError(f"有 {len(ids)} 位同名教职工“{name}”，请用编号。", f"{len(ids)} staff named {name!r}.",
                        field="staff")
    return ids[0]


def add_training(ctx: AppContext, staff_id: int, *, held_on: date, hours: float, topic: str) -> int:
    ctx.require("reports.manage")
    try:
        h = float(hours)
    except (TypeError, ValueError):
        raise UserError("学时：应为数字，如 3 或 1.5。", "hours: not a number.", field="hours") from None
    if not 0 < h <= MAX_HOURS_ONE_TRAINING or h != h:
        raise UserError(f"学时：应在 0 到 {MAX_HOURS_ONE_TRAINING:g} 之间。", "hours out of range.", field="hours")
    day = _past_day(held_on, "日期")
    clean = text_field(topic, "培训主题", "topic", "topic")
    with ctx.db.write() as s:
        if s.get(ReportStaff, staff_id) is None:
            raise NotFound("找不到这位教职工。", "No such staff member.", field="staff")
        row = ReportTraining(staff_id=staff_id, held_on=day, hours=h, topic=clean[:200], created_at=now_utc(),
                             created_by=ctx.actor.user_id)
        s.add(row)
        s.flush()
        audit.record_for(ctx, s, "report.training", target=f"staff:{staff_id}", detail={"hours": h})
        return row.id


def add_activity(ctx: AppContext, kind: str, *, held_on: date, title: str, class_: str | None = None,
                 grade_code: str | None = None) -> int:
    ctx.require("reports.manage")
    key = parse_kind(kind)
    day = _past_day(held_on, "日期")
    clean = text_field(title, "主题", "title", "title")
    with ctx.db.write() as s:
        cid = resolve_class(s, class_).id if class_ else None
        code = parse_grade(grade_code) if grade_code and not class_ else None
        row = ReportActivity(kind=key, held_on=day, title=clean[:200], class_id=cid, grade_code=code,
                             created_at=now_utc(), created_by=ctx.actor.user_id)
        s.add(row)
        s.flush()
        audit.record_for(ctx, s, "report.activity", target=f"activity:{row.id}", detail={"kind": key})
        return row.id


def list_activities(ctx: AppContext, *, year: str | None = None) -> list[ActivityRow]:
    _can_read(ctx)
    start, end = _year(year)
    with ctx.db.read() as s:
        classes = {c.id: class_label(c.grade_code, c.number) for c in s.scalars(select(SchoolClass))}
        rows = s.scalars(select(ReportActivity).where(ReportActivity.held_on >= start, ReportActivity.held_on <= end)
                         .order_by(ReportActivity.held_on, ReportActivity.id))
        return [ActivityRow(r.id, r.kind, KINDS.get(r.kind, r.kind), r.held_on, r.title,
                            classes.get(r.class_id, "") if r.class_id else (grade(r.grade_code).label
                                                                             if r.grade_code else "全校"))
                for r in rows]
