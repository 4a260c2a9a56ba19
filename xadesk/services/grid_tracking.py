"""The warning grid, part 2: the grid itself (school → grade → class → individual), designated
contacts (专人分包联系制), tracking plans, follow-ups, overdue tasks and notices.

Screens:
- grid page: ``grid_tree`` (counts by level per node, change since the last campaign) and
  ``grid_list`` (the students on the list, filterable by level / grade / class);
- a student's tracking page: ``student_record`` (audited as a view), ``eligible_contacts`` +
  ``assign_contact``, ``set_plan``, ``log_follow_up``;
- login greeting: ``greeting`` (the actor's overdue follow-ups as contact, due this week, unread
  notices, releases waiting for their approval); ``notices`` / ``mark_notices_read``.

Who: everything here is scoped by ``Actor.student_filter`` (homeroom teachers: their class; grade
leaders: their grade; counselors and leaders: the school). Reading needs ``grid.read``; logging a
follow-up ``grid.followup``; contacts and plans ``grid.manage``. A contact must be a person who may
see the student's grid record (``grid.read`` and a scope covering the student). Interview findings,
scores, rule labels, referral diagnoses and override reasons are shown only to those who may read
counselling notes (``counselling.read``) or screening results.

Due dates follow ``xadesk.grid.due``: a due date falling in a break between the school's semesters
moves to the first day of the next semester.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..domain.grades import class_label, parse_grade
from ..errors import UserError
from ..grid import due as D
from ..grid import levels as LV
from ..storage.models import School, SchoolClass, Student, User
from ..storage.models_grid import (
    GridCase,
    GridCrisis,
    GridDecision,
    GridFollowUp,
    GridInterview,
    GridLevelChange,
    GridNotice,
    GridProposal,
    GridReferral,
    GridRelease,
    HealthMonitor,
)
from ..storage.models_screening import Campaign
from . import audit, roles, roster
from . import grid as G
from . import grid_base as B
from . import grid_care as C
from .context import AppContext
from .login import now_utc

FOLLOW_UP_METHODS = {"talk": "面谈", "phone": "电话", "home_visit": "家访", "parent": "家长沟通",
                     "observation": "日常观察", "other": "其他"}
NOTICE_KINDS = {"level": "列入或调整预警等级", "proposal": "新的预警建议", "safety": "安全底线预警：须尽快当面跟进", "contact": "被指定为联系人",
                "crisis": "危机事件", "release_request": "解除预警待审批", "release": "解除预警结果"}


# --- the grid ----------------------------------------------------------------------------------

@dataclass
class GridNode:
    kind: str                    # school / grade / class
    id: str | int | None         # grade code, class id
    name: str
    counts: dict[str, int]
    change: dict[str, int] | None = None   # counts now − counts before the last campaign
    children: list[GridNode] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict:
        out: dict = {"name": self.name, "kind": self.kind, "id": self.id, "counts": self.counts,
                     "total": self.total}
        if self.change is not None:
            out["change"] = self.change
        if self.kind != "class":
            out["children"] = [c.to_json() for c in self.children]
        return out


def _zero() -> dict[str, int]:
    return dict.fromkeys(LV.LEVEL_CODES, 0)


def _last_campaign_start(s: Session) -> date | None:
    row = s.execute(select(Campaign.opens_on, Campaign.opened_at, Campaign.created_at)
                    .where(Campaign.status != "draft")
                    .order_by(Campaign.opens_on.desc().nulls_last(), Campaign.id.desc())).first()
    if row is None:
        return None
    return row[0] or (row[1] or row[2]).date()


def _levels_now(s: Session, student_ids: set[int]) -> dict[int, str]:
    q = select(GridCase.student_id, GridCase.level_code).where(GridCase.status.in_(B.OPEN_STATUSES))
    return {sid: lv for sid, lv in s.execute(q) if sid in student_ids}


def _levels_as_of(s: Session, student_ids: set[int], day: date) -> dict[int, str]:
    """Each student's level at the start of ``day``, from the level history."""
    out: dict[int, str | None] = {}
    q = (select(GridLevelChange.student_id, GridLevelChange.to_level)
         .where(GridLevelChange.changed_on < day).order_by(GridLevelChange.changed_on, GridLevelChange.id))
    for sid, to in s.execute(q):
        if sid in student_ids:
            out[sid] = to
    return {k: v for k, v in out.items() if v is not None}


def grid_tree(ctx: AppContext, *, grade: str | None = None, class_: str | None = None,
              since: date | None = None) -> GridNode:
    """The grid as a tree: the school node, its grades, their classes; each with counts by level.

    ``change`` compares with the levels just before ``since`` (default: the day the latest screening
    campaign opened); left out when there is no campaign and no ``since``."""
    ctx.require("grid.read")
    with ctx.db.read() as s:
        school = s.scalars(select(School)).first()
        q = (select(Student.id, Student.class_id).outerjoin(SchoolClass, Student.class_id == SchoolClass.id)
             .where(ctx.actor.student_filter(), Student.status == "enrolled"))
        if grade:
            q = q.where(SchoolClass.grade_code == parse_grade(grade))
        only_class = roster.resolve_class(s, class_).id if class_ else None
        if only_class is not None:
            q = q.where(Student.class_id == only_class)
        class_of = {sid: cid for sid, cid in s.execute(q)}
        ids = set(class_of)
        now = _levels_now(s, ids)
        since = since or _last_campaign_start(s)
        before = _levels_as_of(s, ids, since) if since else None
        classes = s.execute(select(SchoolClass.id, SchoolClass.grade_code, SchoolClass.number)
                            .where(SchoolClass.active.is_(True))).all()
    want_grade = parse_grade(grade) if grade else None
    visible = [(cid, code, num) for cid, code, num in classes
               if (ctx.actor.sees_all or cid in ctx.actor.class_ids or code in ctx.actor.grade_codes)
               and (want_grade is None or code == want_grade) and (only_class is None or cid == only_class)]

    # Each level map tallied once per class (issue 15): counting a node used to walk every student on
    # the list, and a grade node rebuilt its set of classes for each of them.
    grade_classes: dict[str, list[int]] = {}
    for cid, code, _num in visible:
        grade_classes.setdefault(code, []).append(cid)
    tallies: dict[int, tuple[dict[str, int], dict[int | None, dict[str, int]]]] = {}

    def tally(levels: dict[int, str]) -> tuple[dict[str, int], dict[int | None, dict[str, int]]]:
        if id(levels) not in tallies:
            total, by_class = _zero(), {}
            for sid, lv in levels.items():
                total[lv] += 1
                k = class_of.get(sid)
                if k not in by_class:
                    by_class[k] = _zero()
                by_class[k][lv] += 1
            tallies[id(levels)] = (total, by_class)
        return tallies[id(levels)]

    def counts(levels: dict[int, str], cid: int | None = None, code: str | None = None) -> dict[str, int]:
        total, by_class = tally(levels)
        if cid is not None:
            return dict(by_class.get(cid) or _zero())
        if code is not None:
            c = _zero()
            for k in grade_classes.get(code, ()):
                for lv, n in (by_class.get(k) or {}).items():
                    c[lv] += n
            return c
        return dict(total)

    def delta(cid: int | None = None, code: str | None = None) -> dict[str, int] | None:
        if before is None:
            return None
        a, b = counts(now, cid, code), counts(before, cid, code)
        return {k: a[k] - b[k] for k in LV.LEVEL_CODES}

    root = GridNode("school", None, school.name if school else "学校", counts(now), delta())
    by_grade: dict[str, list[tuple[int, int]]] = {}
    for cid, code, num in visible:
        by_grade.setdefault(code, []).append((cid, num))
    for code in sorted(by_grade, key=roster.grade_sort_key):
        gnode = GridNode("grade", code, roster.grade_label(code), counts(now, code=code), delta(code=code))
        for cid, num in sorted(by_grade[code], key=lambda x: x[1]):
            gnode.children.append(GridNode("class", cid, class_label(code, num), counts(now, cid=cid), delta(cid=cid)))
        root.children.append(gnode)
    return root


@dataclass(frozen=True)
class GridListRow:
    student_id: int
    student_no: str
    name: str
    grade: str | None
    class_label: str | None
    level: str
    level_name: str
    status: str                  # active / release_pending
    contact_id: int | None
    contact: str | None
    next_due: date | None
    overdue: bool
    opened_on: date
    grade_code: str | None = None

    def to_json(self) -> dict:
        return {"student_no": self.student_no, "name": self.name, "grade": self.grade, "class": self.class_label,
                "level": self.level, "level_name": self.level_name, "status": self.status, "contact": self.contact,
                "next_due": B.iso(self.next_due), "overdue": self.overdue, "opened_on": B.iso(self.opened_on)}


def _cases(ctx: AppContext, s: Session):
    return (select(GridCase, Student).join(Student, Student.id == GridCase.student_id)
            .outerjoin(SchoolClass, Student.class_id == SchoolClass.id)
            .where(GridCase.status.in_(B.OPEN_STATUSES), ctx.actor.student_filter())
            .options(selectinload(Student.school_class)))


def _list_row(s: Session, case: GridCase, st: Student, levels: dict[str, LV.Level], today: date,
              names: dict[int, str]) -> GridListRow:
    grade, label = B.student_class_label(st)
    return GridListRow(st.id, st.student_no, st.name, grade, label, case.level_code, levels[case.level_code].label,
                       case.status, case.contact_id, names.get(case.contact_id) if case.contact_id else None,
                       case.next_due, D.is_overdue(case.next_due, today), case.opened_on,
                       st.school_class.grade_code if st.school_class else None)


def _names(s: Session) -> dict[int, str]:
    return dict(s.execute(select(User.id, User.display_name)).all())


def grid_list(ctx: AppContext, *, level: str | None = None, grade: str | None = None, class_: str | None = None,
              contact_id: int | None = None, today: date | None = None) -> list[GridListRow]:
    """Students on the list within scope, most severe first, then by class."""
    ctx.require("grid.read")
    day = today or date.today()
    with ctx.db.read() as s:
        levels = B.load_levels(s)
        q = _cases(ctx, s)
        if level:
            q = q.where(GridCase.level_code == LV.resolve(level, levels))
        if grade:
            q = q.where(SchoolClass.grade_code == parse_grade(grade))
        if class_:
            q = q.where(Student.class_id == roster.resolve_class(s, class_).id)
        if contact_id is not None:
            q = q.where(GridCase.contact_id == contact_id)
        names = _names(s)
        rows = [_list_row(s, c, st, levels, day, names) for c, st in s.execute(q)]
    rows.sort(key=lambda r: (LV.RANK[r.level], roster.grade_sort_key(r.grade_code or ""), r.class_label or "",
                             r.student_no))
    return rows


# --- one student -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseView:
    id: int
    level: str
    level_name: str
    status: str
    opened_on: date
    contact_id: int | None
    contact: str | None
    goal: str
    frequency_days: int
    next_due: date | None
    overdue: bool


@dataclass(frozen=True)
class HistoryRow:
    changed_on: date
    from_level: str | None
    to_level: str | None       # None = released
    reason: str | None         # None when hidden from this viewer
    by_name: str


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    occurred_on: date
    method: str
    method_label: str
    summary: str
    by_name: str
    next_due: date | None


@dataclass(frozen=True)
class StudentGridRecord:
    student_id: int
    student_no: str
    name: str
    grade: str | None
    class_label: str | None
    case: CaseView | None
    history: tuple[HistoryRow, ...]
    proposals: tuple  # grid.ProposalRow
    interviews: tuple  # grid.InterviewRow (findings only for counselling.read)
    follow_ups: tuple[FollowUpRow, ...]
    referrals: tuple   # grid_care.ReferralRow
    crises: tuple      # grid_care.CrisisRow
    releases: tuple    # grid_care.ReleaseRow
    monitor_of: str | None = None  # the class this student serves as health monitor


def _case_view(case: GridCase, levels: dict[str, LV.Level], names: dict[int, str], today: date) -> CaseView:
    return CaseView(case.id, case.level_code, levels[case.level_code].label, case.status, case.opened_on,
                    case.contact_id, names.get(case.contact_id) if case.contact_id else None, case.goal,
                    case.frequency_days, case.next_due, D.is_overdue(case.next_due, today))


def student_record(ctx: AppContext, student_id: int, *, today: date | None = None) -> StudentGridRecord:
    """Everything the grid holds about one student, as this viewer may see it (the view is audited)."""
    ctx.require("grid.read")
    day = today or date.today()
    may_notes = ctx.actor.can("counselling.read")
    with ctx.db.write() as s:
        st = B.scoped_student(ctx, s, student_id)
        audit.record_for(ctx, s, "grid.view", student_id=st.id)
        levels = B.load_levels(s)
        names = _names(s)
        case = B.open_case(s, st.id)
        history = tuple(HistoryRow(h.changed_on, h.from_level, h.to_level, h.reason if may_notes else None, h.by_name)
                        for h in s.scalars(select(GridLevelChange).where(GridLevelChange.student_id == st.id)
                                           .order_by(GridLevelChange.changed_on, GridLevelChange.id)))
        proposals = tuple(G.proposal_row(p, ctx) for p in s.scalars(
            select(GridProposal).where(GridProposal.student_id == st.id, GridProposal.status != "withdrawn")
            .order_by(GridProposal.id)))
        used = set(s.scalars(select(GridDecision.interview_id).where(GridDecision.student_id == st.id)))
        interviews = tuple(G.interview_row(i, ctx, i.id in used) for i in s.scalars(
            select(GridInterview).where(GridInterview.student_id == st.id).order_by(GridInterview.held_at)))
        follow_ups = tuple(_follow_up_row(f) for f in s.scalars(
            select(GridFollowUp).where(GridFollowUp.student_id == st.id).order_by(GridFollowUp.occurred_on,
                                                                                  GridFollowUp.id)))
        referrals = tuple(C.referral_row(r, ctx) for r in s.scalars(
            select(GridReferral).where(GridReferral.student_id == st.id).order_by(GridReferral.referred_on)))
        crises = tuple(C.crisis_row(c) for c in s.scalars(
            select(GridCrisis).where(GridCrisis.student_id == st.id).order_by(GridCrisis.occurred_at)))
        releases = tuple(C.release_row(r, ctx) for r in s.scalars(
            select(GridRelease).where(GridRelease.student_id == st.id).order_by(GridRelease.requested_at)))
        mon = s.scalars(select(HealthMonitor).where(HealthMonitor.student_id == st.id,
                                                    HealthMonitor.ended_on.is_(None))).first()
        grade, label = B.student_class_label(st)
        return StudentGridRecord(
            st.id, st.student_no, st.name, grade, label, _case_view(case, levels, names, day) if case else None,
            history, proposals, interviews, follow_ups, referrals, crises, releases,
            label if mon is not None else None)


# --- contacts and plans ------------------------------------------------------------------------

@dataclass(frozen=True)
class ContactOption:
    user_id: int
    display_name: str
    roles: tuple[str, ...]  # labels


def eligible_contacts(ctx: AppContext, student_id: int) -> list[ContactOption]:
    """Staff who may be this student's designated contact: active, with ``grid.read``, whose scope
    covers the student (the homeroom teacher of the class, the grade leader, counselors, leaders)."""
    ctx.require("grid.manage")
    with ctx.db.read() as s:
        st = B.scoped_student(ctx, s, student_id)
        return [ContactOption(u.id, u.display_name, tuple(roles.role_label(r) for r in sorted(a.roles)))
                for u, a in B.staff_who_see(s, st)]


def _case_for(ctx: AppContext, s: Session, student_id: int) -> tuple[Student, GridCase]:
    st = B.scoped_student(ctx, s, student_id)
    case = B.open_case(s, st.id)
    if case is None:
        raise UserError("该学生不在预警名单上。", "This student is not on the list.")
    return st, case


def assign_contact(ctx: AppContext, student_id: int, user_id: int) -> None:
    ctx.require("grid.manage")
    with ctx.db.write() as s:
        st, case = _case_for(ctx, s, student_id)
        B.set_contact_in(ctx, s, st, case, user_id)


def set_plan(ctx: AppContext, student_id: int, *, goal: str | None = None, frequency_days: int | None = None,
             next_due: date | None = None) -> CaseView:
    """The tracking plan: goal, follow-up frequency (days) and the next due date (moved out of a
    holiday to the next semester's first day)."""
    ctx.require("grid.manage")
    with ctx.db.write() as s:
        st, case = _case_for(ctx, s, student_id)
        changed = []
        if goal is not None:
            case.goal = B.text_field(goal, "跟踪目标", "goal", "goal", required=False)
            changed.append("goal")
        if frequency_days is not None:
            if isinstance(frequency_days, bool) or not isinstance(frequency_days, int) or not 1 <= frequency_days <= 365:
                raise UserError("随访频率须为 1–365 天。", "Frequency must be 1–365 days.", field="frequency_days")
            case.frequency_days = frequency_days
            changed.append("frequency_days")
        if next_due is not None:
            case.next_due = D.adjust(next_due, B.terms(s))
            changed.append("next_due")
        case.updated_at = now_utc()
        audit.record_for(ctx, s, "grid.plan", student_id=st.id, detail={"fields": changed})
        return _case_view(case, B.load_levels(s), _names(s), date.today())


def _follow_up_row(f: GridFollowUp) -> FollowUpRow:
    return FollowUpRow(f.id, f.occurred_on, f.method, FOLLOW_UP_METHODS.get(f.method, f.method), f.summary, f.by_name,
                       f.next_due)


def log_follow_up(ctx: AppContext, student_id: int, *, summary: str, method: str = "talk",
                  occurred_on: date | None = None, next_due: date | None = None,
                  today: date | None = None) -> FollowUpRow:
    """A follow-up with a student on the list. The next due date is ``occurred_on`` + the plan's
    frequency (or ``next_due``), moved out of a holiday to the next semester's first day."""
    ctx.require("grid.followup")
    day = B.past_day(occurred_on, today, "occurred_on")
    if method not in FOLLOW_UP_METHODS:
        inv = {v: k for k, v in FOLLOW_UP_METHODS.items()}
        if method in inv:
            method = inv[method]
        else:
            raise UserError(f"随访方式须为：{'、'.join(FOLLOW_UP_METHODS.values())}", "Unknown follow-up method.",
                            field="method")
    text = B.text_field(summary, "随访情况", "summary", "summary")
    with ctx.db.write() as s:
        st, case = _case_for(ctx, s, student_id)
        terms = B.terms(s)
        if next_due is not None and next_due <= day:
            raise UserError("下次随访日期须在本次之后。", "The next due date must be after this follow-up.",
                            field="next_due")
        due = D.adjust(next_due, terms) if next_due else D.next_due(day, case.frequency_days, terms)
        row = GridFollowUp(case_id=case.id, student_id=st.id, occurred_on=day, method=method, summary=text,
                           next_due=due, by_id=ctx.actor.user_id, by_name=ctx.actor.display_name,
                           created_at=now_utc())
        latest = s.scalars(select(GridFollowUp.occurred_on).where(GridFollowUp.case_id == case.id)
                           .order_by(GridFollowUp.occurred_on.desc())).first()
        s.add(row)
        # A follow-up entered late, dated before the latest one, does not move the plan backwards.
        if latest is None or day >= latest:
            case.next_due = due
        case.updated_at = now_utc()
        s.flush()
        audit.record_for(ctx, s, "grid.followup", student_id=st.id, target=str(row.id), detail={"method": method})
        return _follow_up_row(row)


# --- overdue, greeting, notices ----------------------------------------------------------------

@dataclass(frozen=True)
class OverdueRow:
    student_id: int
    student_no: str
    name: str
    class_label: str | None
    level: str
    contact_id: int | None
    contact: str | None
    next_due: date
    days_overdue: int

    def to_json(self) -> dict:
        return {"student_no": self.student_no, "name": self.name, "class": self.class_label, "level": self.level,
                "contact": self.contact, "next_due": B.iso(self.next_due), "days_overdue": self.days_overdue}


def overdue(ctx: AppContext, *, contact_id: int | None = None, mine: bool = False,
            today: date | None = None) -> list[OverdueRow]:
    """Follow-ups past their due date within scope; ``mine``: where the actor is the designated contact."""
    ctx.require("grid.read")
    day = today or date.today()
    who = ctx.actor.user_id if mine else contact_id
    with ctx.db.read() as s:
        q = _cases(ctx, s).where(GridCase.next_due < day)
        if who is not None:
            q = q.where(GridCase.contact_id == who)
        names = _names(s)
        rows = []
        for case, st in s.execute(q):
            _, label = B.student_class_label(st)
            rows.append(OverdueRow(st.id, st.student_no, st.name, label, case.level_code, case.contact_id,
                                   names.get(case.contact_id) if case.contact_id else None, case.next_due,
                                   D.days_overdue(case.next_due, day)))
    rows.sort(key=lambda r: (-r.days_overdue, LV.RANK[r.level], r.student_no))
    return rows


@dataclass(frozen=True)
class Greeting:
    overdue: tuple[OverdueRow, ...]      # the actor's own overdue follow-ups (as designated contact)
    due_soon: tuple[GridListRow, ...]    # due within the next 7 days
    unread_notices: int
    releases_to_approve: int
    without_contact: int                 # counselors: students on the list with no contact yet

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.due_soon or self.unread_notices or self.releases_to_approve
                    or self.without_contact)


def greeting(ctx: AppContext, *, today: date | None = None) -> Greeting:
    """What to show a person at login: their overdue and upcoming follow-ups, notices, approvals."""
    if not ctx.actor.can("grid.read"):
        return Greeting((), (), 0, 0, 0)
    day = today or date.today()
    mine = overdue(ctx, mine=True, today=day)
    soon = tuple(r for r in grid_list(ctx, contact_id=ctx.actor.user_id, today=day)
                 if r.next_due is not None and day <= r.next_due <= day + timedelta(days=7))
    with ctx.db.read() as s:
        unread = len(s.scalars(select(GridNotice.id).where(GridNotice.user_id == ctx.actor.user_id,
                                                           GridNotice.read_at.is_(None))).all())
        approvals = 0
        for rel in s.scalars(select(GridRelease).where(GridRelease.status == "pending")):
            perm = B.APPROVER_ROLES[rel.approver_role][1]
            if ctx.actor.can(perm):
                approvals += 1
        no_contact = 0
        if ctx.actor.can("grid.manage"):
            no_contact = sum(1 for c, _ in s.execute(_cases(ctx, s)) if c.contact_id is None)
    return Greeting(tuple(mine), soon, unread, approvals, no_contact)


@dataclass(frozen=True)
class NoticeRow:
    id: int
    student_id: int
    student_no: str
    name: str
    kind: str
    kind_label: str
    level: str | None
    created_at: datetime
    read: bool
    class_label: str | None = None


def notices(ctx: AppContext, *, unread_only: bool = True) -> list[NoticeRow]:
    ctx.require("grid.read")
    with ctx.db.read() as s:
        q = (select(GridNotice, Student).join(Student, Student.id == GridNotice.student_id)
             .outerjoin(SchoolClass, Student.class_id == SchoolClass.id)
             .where(GridNotice.user_id == ctx.actor.user_id, ctx.actor.student_filter())
             .order_by(GridNotice.id.desc()))
        if unread_only:
            q = q.where(GridNotice.read_at.is_(None))
        return [NoticeRow(n.id, st.id, st.student_no, st.name, n.kind, NOTICE_KINDS.get(n.kind, n.kind), n.level_code,
                          n.created_at, n.read_at is not None, B.student_class_label(st)[1])
                for n, st in s.execute(q)]


def mark_notices_read(ctx: AppContext, ids: list[int] | None = None) -> int:
    """Mark the actor's own notices read (all, or those ``ids``); returns how many changed."""
    ctx.require("grid.read")
    with ctx.db.write() as s:
        q = select(GridNotice).where(GridNotice.user_id == ctx.actor.user_id, GridNotice.read_at.is_(None))
        if ids is not None:
            q = q.where(GridNotice.id.in_(ids))
        rows = s.scalars(q).all()
        for n in rows:
            n.read_at = now_utc()
        return len(rows)


def level_counts(rows: list[GridListRow]) -> dict[str, int]:
    c = Counter(r.level for r in rows)
    return {k: c.get(k, 0) for k in LV.LEVEL_CODES}


def feedback_json(items) -> str:  # shared by grid_care
    return json.dumps(items, ensure_ascii=False, default=str)
