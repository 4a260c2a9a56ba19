"""Shared pieces of the warning-grid services: the school's levels, rules and settings as stored
(or their defaults), the terms for due dates, scope checks, and who must be told.

Not for screens: use ``grid.py`` (settings, proposals, review), ``grid_tracking.py`` (the grid,
contacts, plans, follow-ups, overdue), ``grid_care.py`` (referrals, crises, releases) and
``grid_monitors.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.grades import class_label
from ..errors import NotFound, PermissionDenied, UserError
from ..grid import levels as LV
from ..grid.due import Term
from ..grid.rules import DEFAULT_RULES, Rule
from ..storage.models import RoleAssignment, Semester, Student, User
from ..storage.models_grid import GridCase, GridLevel, GridNotice, GridRule, GridSetting
from . import audit, roles, roster
from .context import Actor, AppContext
from .login import load_actor, now_utc

OPEN_STATUSES = ("active", "release_pending")
MAX_TEXT = 10_000

# Defaults of the settings kept in ``grid_setting``.
DEFAULT_RELEASE_APPROVAL = {LV.L1: "leader", LV.L2: "counselor", LV.L3: "counselor", LV.L4: "counselor"}
DEFAULT_INTERVIEWS_PER_WEEK = 10  # per counselor account, when the school has not said
DEFAULT_CRISIS_CHECKLIST = (
    "确保学生安全，专人陪护，不让学生独处",
    "通知心理健康教师到场评估",
    "报告分管校领导",
    "通知监护人并说明情况",
    "必要时拨打 120 / 110",
    "经绿色通道转介或送医",
    "按规定向教育主管部门报告",
    "事后对学生、同学和教师开展心理援助",
)
APPROVER_ROLES = {"leader": ("校领导", "grid.approve"), "counselor": ("心理健康教师", "grid.manage")}


def text_field(value: str | None, what_zh: str, what_en: str, field: str, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise UserError(f"请填写{what_zh}。", f"Please fill in the {what_en}.", field=field)
    if len(text) > MAX_TEXT:
        raise UserError(f"{what_zh}太长（最多 {MAX_TEXT} 字）。", f"The {what_en} is too long.", field=field)
    return text


def past_day(value: date | None, today: date | None, field: str = "date") -> date:
    today = today or date.today()
    day = value or today
    if day > today:
        raise UserError(f"日期 {day.isoformat()} 在今天之后，请检查。", f"The date {day.isoformat()} is in the future.",
                        field=field)
    return day


# --- levels, rules, settings -------------------------------------------------------------------

def load_levels(s: Session) -> dict[str, LV.Level]:
    out = LV.default_levels()
    for row in s.scalars(select(GridLevel)):
        if row.code in out:
            out[row.code] = LV.Level(row.code, row.name, row.colour, row.colour_hex, row.meaning,
                                     row.follow_up_days, tuple(json.loads(row.notify_roles)))
    return out


def rule_from_row(row: GridRule) -> Rule:
    return Rule(row.key, row.name, row.level_code, json.loads(row.when_json), row.near_margin, row.enabled,
                row.version, row.note)


def load_rules(s: Session, *, include_retired: bool = False) -> list[Rule]:
    """The school's rules: stored versions once the school has edited any, else the defaults."""
    rows = s.scalars(select(GridRule).order_by(GridRule.id)).all()
    if not rows:
        return list(DEFAULT_RULES)
    return [rule_from_row(r) for r in rows if include_retired or r.status == "active"]


def get_setting(s: Session, key: str, default: Any) -> Any:
    row = s.get(GridSetting, key)
    return default if row is None else json.loads(row.value_json)


def put_setting(ctx: AppContext, s: Session, key: str, value: Any) -> None:
    row = s.get(GridSetting, key)
    data = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if row is None:
        s.add(GridSetting(key=key, value_json=data, updated_at=now_utc(), updated_by=ctx.actor.user_id))
    else:
        row.value_json, row.updated_at, row.updated_by = data, now_utc(), ctx.actor.user_id


def release_approval(s: Session) -> dict[str, str]:
    return {**DEFAULT_RELEASE_APPROVAL, **get_setting(s, "release_approval", {})}


def terms(s: Session) -> list[Term]:
    return [(r.start_date, r.end_date) for r in s.scalars(select(Semester).order_by(Semester.start_date))]


# --- people and scope --------------------------------------------------------------------------

def scoped_student(ctx: AppContext, s: Session, student_id: int) -> Student:
    return roster._get_scoped(ctx, s, student_id)


def student_class_label(st: Student) -> tuple[str | None, str | None]:
    cls = st.school_class
    if cls is None:
        return None, None
    return roster.grade_label(cls.grade_code), class_label(cls.grade_code, cls.number)


def actor_of(s: Session, user: User) -> Actor:
    return load_actor(s, user)


def may_see(actor: Actor, st: Student) -> bool:
    """Whether ``actor``'s scope covers ``st`` (the same rule as ``Actor.student_filter``)."""
    if actor.sees_all:
        return True
    cls = st.school_class
    if cls is None:
        return False
    return cls.id in actor.class_ids or (cls.active and cls.grade_code in actor.grade_codes)


def staff_who_see(s: Session, st: Student, *, permission: str = "grid.read") -> list[tuple[User, Actor]]:
    out = []
    for user in s.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name)):
        a = actor_of(s, user)
        if a.can(permission) and may_see(a, st):
            out.append((user, a))
    return out


def notify(ctx: AppContext, s: Session, st: Student, kind: str, *, level: str | None = None,
           roles: tuple[str, ...] | None = None, permission: str | None = None) -> int:
    """Leave a notice for everyone (but the actor) who must be told: by role among the staff who see
    the student, or by permission."""
    n = 0
    for user, a in staff_who_see(s, st):
        if user.id == ctx.actor.user_id:
            continue
        if roles is not None and not (a.roles & set(roles)):
            continue
        if permission is not None and not a.can(permission):
            continue
        s.add(GridNotice(user_id=user.id, student_id=st.id, kind=kind, level_code=level, created_at=now_utc()))
        n += 1
    return n


def open_case(s: Session, student_id: int) -> GridCase | None:
    return s.scalar(select(GridCase).where(GridCase.student_id == student_id, GridCase.status.in_(OPEN_STATUSES)))


@dataclass(frozen=True)
class Who:
    id: int | None
    name: str


def iso(d: date | datetime | None) -> str | None:
    if d is None:
        return None
    return d.isoformat(sep=" ", timespec="minutes") if isinstance(d, datetime) else d.isoformat()
def set_contact_in(ctx: AppContext, s: Session, st: Student, case: GridCase, user_id: int) -> None:
    """Make ``user_id`` the case's designated contact (inside the caller's transaction; tells them)."""
    user = s.get(User, user_id)
    if user is None or not user.active:
        raise NotFound("找不到该老师的账号（或已停用）。", "No such active account.", field="contact")
    if not any(u.id == user_id for u, _ in staff_who_see(s, st)):
        raise PermissionDenied(f"{user.display_name} 无权查看这名学生的预警记录，不能作为联系人。请选择该班班主任、"
                               "年级组长、心理健康教师或校领导。",
                               "This person may not see the student and cannot be the designated contact.")
    if case.contact_id == user_id:
        return
    case.contact_id = user_id
    case.updated_at = now_utc()
    if user_id != ctx.actor.user_id:
        s.add(GridNotice(user_id=user_id, student_id=st.id, kind="contact", level_code=case.level_code,
                         created_at=now_utc()))
    audit.record_for(ctx, s, "grid.contact", student_id=st.id, target=user.login)


def capacity_map(s: Session) -> dict[int, int]:
    """Weekly interview capacity per active counselor (the school's setting, else the default)."""
    stored = {int(k): int(v) for k, v in get_setting(s, "interviews_per_week", {}).items()}
    counselors = s.scalars(select(User.id).join(RoleAssignment, RoleAssignment.user_id == User.id)
                           .where(RoleAssignment.role == roles.COUNSELOR, User.active.is_(True))).all()
    return {uid: stored.get(uid, DEFAULT_INTERVIEWS_PER_WEEK) for uid in sorted(set(counselors))}
