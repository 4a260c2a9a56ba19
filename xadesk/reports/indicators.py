"""The school's indicators for a period and a scope: screening, the warning grid, plan compliance.

API::

    build_report(ctx, *, year=None, campaign=None, grade=None, class_=None, today=None) -> Report

``reports.read``; school leaders and counselors see the whole school and may narrow it to a grade or
a class; grade leaders see their own grade (and its classes) only. Nothing per student leaves this
module: every table holds counts, rates or hours. Suppression ("<5") is applied when a table is
displayed (``figures.Table.display``) for everyone but counselors. Each call is audited.

Definitions (each tested by hand on a small fixture in ``tests/reports``):

- Period: a school year (1 Sep – 31 Aug, cut at today) or a campaign (its school year; the screening
  tables use that campaign). The main campaign of a year is its latest opened general screening;
  the previous campaign is the latest opened one before it.
- Students: enrolled students of active classes in scope, by their current class.
- Coverage: the campaign's targets by state (completed, in progress, absent, declined, not yet).
- Bands: each scored scale's band counts among current scores of the campaign, by unit and by sex.
- Grid: levels at the end of the period (from the level history); new / raised / lowered / released
  from level changes in the period; follow-ups on time when logged by the due date the previous
  follow-up (or the case's start) set; overdue: open cases whose next due date has passed;
  referrals by outcome and crisis events in the period; days from a level proposal to the first
  follow-up interview after it (median).
- Plan: 建档率 = students with a local archive record, a completed screening or a level change this
  year; 测评覆盖率 = students of grades 4 and up who completed a screening this year; 家访覆盖率 =
  students visited at home this year; health monitors per middle-school class; monitor trainings
  this year; full-time counselors per 1,000 students (whole school); training hours per staff member;
  knowledge awareness = mean share right on the ``mhk`` quiz; special groups and how many of them had
  a follow-up, observation or home visit this year; lessons and themed activities this year.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.grades import class_label, grade, parse_grade
from ..domain.schoolyear import school_year_of
from ..errors import NotFound, PermissionDenied, UserError
from ..grid import levels as LV
from ..services import audit
from ..services.context import AppContext
from ..services.grid_base import OPEN_STATUSES, load_levels
from ..services.grid_care import OUTCOMES
from ..services.instruments import definition
from ..services.login import now_utc
from ..services.roster import grade_sort_key, resolve_class
from ..storage.models import School, SchoolClass, SchoolYear, Student, StudentTag
from ..storage.models_archive import ArchiveRecord
from ..storage.models_grid import (
    GridCase,
    GridCrisis,
    GridFollowUp,
    GridInterview,
    GridLevelChange,
    GridProposal,
    GridReferral,
    HealthMonitor,
    MonitorTraining,
)
from ..storage.models_reports import ReportActivity, ReportStaff, ReportTraining
from ..storage.models_screening import (
    Campaign,
    CampaignInstrument,
    CampaignTarget,
    ScreeningResponse,
    ScreeningScaleScore,
    ScreeningScore,
)
from .figures import PlanIndicator, Report, Table, consistent_split, count_table, pct, stacked_hidden
from .suppression import Line

SEX_LABELS = {"M": "男", "F": "女"}
ACTIVITY_KEYS = ("new", "raised", "lowered", "released", "on_time", "late", "overdue", "crises")
COVERAGE_STATES = [("completed", "已完成"), ("in_progress", "未完成"), ("missing", "未参加"),
                   ("absent", "缺测"), ("declined", "拒测")]
SCREENED_GRADES = ("P4", "P5", "P6")  # plus every junior, senior and vocational grade (plan item 9)
SECONDARY_PREFIXES = ("J", "S", "V")
TAG_LABELS = {"left_behind": "留守儿童", "migrant": "流动儿童", "orphan": "孤儿", "unsupported": "事实无人抚养儿童",
              "difficulty": "困境儿童", "disability": "残疾儿童", "single_parent": "单亲家庭",
              "blended": "重组家庭"}
TARGETS = {"archive_rate": 1.0, "screening_rate": 1.0, "home_visit_rate": 1.0, "monitors_per_class": 2.0,
           "monitor_trainings": 4.0, "counselors_per_1000": 1.0, "training_hours": 24.0, "awareness": 0.9,
           "activities": 4.0, "lessons": 18.0}


@dataclass(frozen=True)
class Period:
    school_year: str
    start: date
    end: date                 # inclusive; cut at today
    label: str
    campaign_id: int | None   # the campaign the screening tables use
    campaign_name: str | None
    previous_id: int | None
    previous_name: str | None


@dataclass(frozen=True)
class Scope:
    kind: str                 # school / grade / class
    grade_code: str | None
    class_id: int | None
    label: str


def screened_grade(code: str) -> bool:
    return code in SCREENED_GRADES or code[:1] in SECONDARY_PREFIXES


# --- period and scope -----------------------------------------------------------------------------

def _year_dates(s: Session, label: str) -> tuple[date, date]:
    row = s.scalar(select(SchoolYear).where(SchoolYear.label == label))
    if row is not None:
        return row.start_date, row.end_date
    try:
        first = int(label.strip().split("-")[0])
    except ValueError:
        raise UserError(f"无法识别的学年“{label}”，应写成如 2026-2027。", f"Unknown school year {label!r}.") from None
    y = school_year_of(date(first, 9, 1))
    return y.start, y.end


def _campaign_day(c: Campaign) -> date:
    return c.opens_on or (c.opened_at or c.created_at).date()


def _load_campaign(s: Session, ref: int | str) -> Campaign:
    c = None
    if isinstance(ref, int) or str(ref).isdigit():
        c = s.get(Campaign, int(ref))
    if c is None:
        c = s.scalar(select(Campaign).where((Campaign.name == str(ref)) | (Campaign.uuid == str(ref))))
    if c is None:
        raise NotFound(f"找不到测评批次“{ref}”。", f"No campaign {ref!r}.")
    return c


def resolve_period(s: Session, *, year: str | None, campaign: int | str | None, today: date) -> Period:
    opened = [c for c in s.scalars(select(Campaign).where(Campaign.status != "draft"))]
    opened.sort(key=lambda c: (_campaign_day(c), c.id))
    if campaign is not None:
        main = _load_campaign(s, campaign)
        label = main.school_year
    else:
        label = year or school_year_of(today).label
        in_year = [c for c in opened if c.school_year == label]
        general = [c for c in in_year if c.purpose == "general"]
        main = (general or in_year or [None])[-1]
    start, end = _year_dates(s, label)
    end = min(end, today) if start <= today else end
    prev = None
    if main is not None:
        before = [c for c in opened if (_campaign_day(c), c.id) < (_campaign_day(main), main.id)]
        prev = before[-1] if before else None
    shown = main.name if campaign is not None and main is not None else f"{label}学年"
    return Period(label, start, end, shown, main.id if main else None, main.name if main else None,
                  prev.id if prev else None, prev.name if prev else None)


def resolve_scope(ctx: AppContext, s: Session, *, grade_code: str | None, class_: str | int | None) -> Scope:
    """The scope asked for, checked against who is asking; grade leaders default to their grade."""
    actor = ctx.actor
    cls = None
    if class_ is not None:
        if isinstance(class_, int) or str(class_).isdigit():
            cls = s.get(SchoolClass, int(class_))
        if cls is None:
            cls = resolve_class(s, str(class_))
        if cls is None or not cls.active:
            raise NotFound(f"找不到班级“{class_}”。", f"No class {class_!r}.")
    code = None
    if grade_code:
        code = parse_grade(grade_code)
    if not actor.sees_all:
        allowed = actor.grade_codes
        if (cls is not None and cls.grade_code not in allowed) or (code is not None and code not in allowed):
            mine = "、".join(grade(g).label for g in sorted(allowed, key=grade_sort_key)) or "无"
            raise PermissionDenied(f"年级组长只能查看本年级（{mine}）及其班级的报告。",
                                   f"A grade leader sees reports of their own grade only ({mine}).")
        if cls is None and code is None:
            if len(allowed) != 1:
                raise UserError("请指定年级。", "Give a grade.")
            code = next(iter(allowed))
    if cls is not None:
        return Scope("class", cls.grade_code, cls.id, class_label(cls.grade_code, cls.number))
    if code is not None:
        return Scope("grade", code, None, grade(code).label)
    return Scope("school", None, None, "全校")


# --- the report ------------------------------------------------------------------------------------

@dataclass
class _Student:
    id: int
    sex: str
    class_id: int
    grade_code: str
    class_number: int


class _Builder:
    def __init__(self, ctx: AppContext, s: Session, period: Period, scope: Scope, today: date) -> None:
        self.ctx, self.s, self.period, self.scope, self.today = ctx, s, period, scope, today
        self.counselor = ctx.actor.can("screening.manage")
        q = (select(Student.id, Student.sex, SchoolClass.id, SchoolClass.grade_code, SchoolClass.number)
             .join(SchoolClass, SchoolClass.id == Student.class_id)
             .where(Student.status == "enrolled", SchoolClass.active.is_(True)))
        everyone = [_Student(*row) for row in s.execute(q)]
        self.school_students = len(everyone)
        self.students = [st for st in everyone if self._in_scope(st)]
        self.ids = {st.id for st in self.students}
        self.by_id = {st.id: st for st in self.students}
        self.whole_school = scope.kind == "school"
        classes = sorted({(st.grade_code, st.class_number, st.class_id) for st in self.students},
                         key=lambda x: (grade_sort_key(x[0]), x[1]))
        self.classes = [(cid, class_label(g, n)) for g, n, cid in classes]
        if scope.kind == "school":
            grades = sorted({st.grade_code for st in self.students}, key=grade_sort_key)
            self.units = [(g, grade(g).label) for g in grades]
            self.unit_of = lambda st: st.grade_code
        else:
            self.units = [(cid, label) for cid, label in self.classes]
            self.unit_of = lambda st: st.class_id
        self.levels = load_levels(s)

    def _in_scope(self, st: _Student) -> bool:
        sc = self.scope
        if sc.kind == "class":
            return st.class_id == sc.class_id
        if sc.kind == "grade":
            return st.grade_code == sc.grade_code
        return True

    def _students_in(self, ids) -> set[int]:
        return {i for i in ids if i in self.ids}

    # --- screening -----------------------------------------------------------------------------
    def coverage(self) -> Table | None:
        cid = self.period.campaign_id
        if cid is None:
            return None
        battery = [(e.instrument_id, tuple(g for g in e.grades.split(",") if g)) for e in
                   self.s.scalars(select(CampaignInstrument).where(CampaignInstrument.campaign_id == cid))]
        statuses: dict[int, dict[str, str]] = defaultdict(dict)
        for sid, iid, status in self.s.execute(select(ScreeningResponse.student_id, ScreeningResponse.instrument_id,
                                                      ScreeningResponse.status)
                                               .where(ScreeningResponse.campaign_id == cid)):
            statuses[sid][iid] = status
        counts: dict[int, Counter] = defaultdict(Counter)
        for t in self.s.scalars(select(CampaignTarget).where(CampaignTarget.campaign_id == cid)):
            st = self.by_id.get(t.student_id)
            if st is None:
                continue
            assigned = [i for i, gs in battery if not gs or st.grade_code in gs]
            mine = statuses.get(st.id, {})
            if assigned and all(mine.get(i) == "completed" for i in assigned):
                state = "completed"
            elif t.excused:
                state = t.excused
            else:
                state = "in_progress" if any(i in mine for i in assigned) else "missing"
            counts[st.class_id][state] += 1
        rows = [(cid_, label) for cid_, label in self.classes if counts.get(cid_)]
        values = [[counts[c][k] for k, _ in COVERAGE_STATES] for c, _ in rows]
        t = count_table("coverage", f"测评覆盖（{self.period.campaign_name}）", "班级", [label for _, label in rows],
                        [label for _, label in COVERAGE_STATES], values, whole_school_total=self.whole_school,
                        chart="stacked", colours=["#2e7d32", "#9e9e9e", "#bdbdbd", "#f9a825", "#c62828"])
        t.cols[-1] = "应测"
        self._add_rate(t, 0, len(t.cols) - 1, "完成率")
        return t

    def _add_rate(self, t: Table, num_col: int, den_col: int, label: str) -> None:
        col = len(t.cols)
        t.cols.append(label)
        for r, row in enumerate(t.values):
            row.append(pct(row[num_col], row[den_col]))
            t.rates[(r, col)] = ((r, num_col), (r, den_col))

    def _scores(self, campaign_id: int) -> list[tuple[int, str, int, str, str | None, float | None]]:
        q = (select(ScreeningResponse.student_id, ScreeningScore.instrument_id, ScreeningScore.definition_version,
                    ScreeningScaleScore.scale_id, ScreeningScaleScore.band, ScreeningScaleScore.raw)
             .join(ScreeningScore, ScreeningScore.response_id == ScreeningResponse.id)
             .join(ScreeningScaleScore, ScreeningScaleScore.score_id == ScreeningScore.id)
             .where(ScreeningScore.campaign_id == campaign_id, ScreeningScore.superseded_at.is_(None),
                    ScreeningScore.valid.is_(True)))
        return [r for r in self.s.execute(q) if r[0] in self.ids]

    def _scales(self, scores) -> list[tuple[str, int, str, list[tuple[str, str]], str]]:
        """(instrument, version, scale, [(band id, label)], title) for every scale with bands."""
        seen = {}
        for _sid, iid, version, scale, band, _raw in scores:
            if band is not None:
                seen.setdefault((iid, scale), version)
        out = []
        for (iid, scale), version in seen.items():
            d = definition(self.s, iid, version)
            sc = d.scale(scale)
            if not sc.bands:
                continue
            name = d.name_zh if sc.name_zh in d.name_zh else f"{d.name_zh} · {sc.name_zh}"
            out.append((iid, version, scale, [(b.id, b.label_zh) for b in sc.bands], name))
        order = {iid: i for i, iid in enumerate(dict.fromkeys(x[0] for x in out))}
        out.sort(key=lambda x: (order[x[0]], x[2] != "total", x[2]))
        return out

    def bands(self) -> list[Table]:
        cid = self.period.campaign_id
        if cid is None:
            return []
        scores = self._scores(cid)
        tables = []
        for iid, _v, scale, bands, title in self._scales(scores):
            band_ids = [b for b, _ in bands]
            per_unit: dict[object, Counter] = defaultdict(Counter)
            per_sex: dict[str, Counter] = defaultdict(Counter)
            for sid, i, _ver, sc, band, _raw in scores:
                if i != iid or sc != scale or band not in band_ids:
                    continue
                st = self.by_id[sid]
                per_unit[self.unit_of(st)][band] += 1
                per_sex[st.sex][band] += 1
            units = [(k, label) for k, label in self.units if per_unit.get(k)]
            sexes = [x for x in ("M", "F") if per_sex.get(x)]
            rows = [label for _, label in units] + ["合计"] + [SEX_LABELS[x] for x in sexes]
            values = [[per_unit[k][b] for b in band_ids] for k, _ in units]
            values = [[*v, sum(v)] for v in values]
            total = [sum(v[c] for v in values) for c in range(len(band_ids) + 1)]
            sex_values = [[per_sex[x][b] for b in band_ids] for x in sexes]
            sex_values = [[*v, sum(v)] for v in sex_values]
            all_values = [*values, total, *sex_values]
            n_cols = len(band_ids) + 1
            total_r = len(units)
            lines = [Line(tuple((r, c) for c in range(n_cols - 1)), (r, n_cols - 1)) for r in range(len(rows))]
            for c in range(n_cols):
                lines.append(Line(tuple((r, c) for r in range(len(units))), (total_r, c)))
                if sexes:
                    lines.append(Line(tuple((total_r + 1 + i, c) for i in range(len(sexes))), (total_r, c)))
            t = Table(f"bands.{iid}.{scale}", f"{title}：结果分布", "年级" if self.whole_school else "班级", rows,
                      [label for _, label in bands] + ["合计"], all_values, lines=lines, chart="stacked",
                      chart_rows=list(range(len(units))), chart_cols=list(range(len(band_ids))),
                      colours=_band_colours(len(band_ids)), note="按性别的行与按年级/班级的行各自相加为合计。")
            if self.whole_school:
                t.exempt = {(total_r, c) for c in range(n_cols)}
            tables.append(t)
        return tables

    def change(self) -> Table | None:
        """Band counts now against the previous campaign, for scales both campaigns scored."""
        if self.period.campaign_id is None or self.period.previous_id is None:
            return None
        now, before = self._scores(self.period.campaign_id), self._scores(self.period.previous_id)
        scales_now = {(x[0], x[2]): x for x in self._scales(now)}
        rows, values, rates = [], [], {}
        for key, (_iid, _v, _scale, bands, title) in scales_now.items():
            prev_counts = Counter(b for _s, i, _ver, sc, b, _r in before if (i, sc) == key)
            if not prev_counts:
                continue
            cur_counts = Counter(b for _s, i, _ver, sc, b, _r in now if (i, sc) == key)
            for band_id, band_label in bands:
                r = len(rows)
                rows.append(f"{title} · {band_label}")
                a, b = prev_counts[band_id], cur_counts[band_id]
                values.append([a, b, b - a])
                rates[(r, 2)] = ((r, 0), (r, 1))
        if not rows:
            return None
        t = Table("change", f"与上次测评比较（{self.period.previous_name} → {self.period.campaign_name}）", "量表 · 等级",
                  rows, ["上次", "本次", "变化"], values, rates=rates, chart="bar", chart_cols=[0, 1],
                  colours=["#90a4ae", "#2a6f97"])
        if self.whole_school:
            t.exempt = {(r, c) for r in range(len(rows)) for c in (0, 1)}
        return t

    # --- the grid ------------------------------------------------------------------------------
    def _levels_at(self, day: date) -> dict[int, str]:
        """Each student's level at the end of ``day`` (from the level history)."""
        out: dict[int, str | None] = {}
        q = (select(GridLevelChange.student_id, GridLevelChange.to_level)
             .where(GridLevelChange.changed_on <= day).order_by(GridLevelChange.changed_on, GridLevelChange.id))
        for sid, to in self.s.execute(q):
            if sid in self.ids:
                out[sid] = to
        return {k: v for k, v in out.items() if v is not None}

    def level_table(self) -> Table:
        now = self._levels_at(self.period.end)
        per_unit: dict[object, Counter] = defaultdict(Counter)
        for sid, lv in now.items():
            per_unit[self.unit_of(self.by_id[sid])][lv] += 1
        codes = list(LV.LEVEL_CODES)
        t = count_table("levels", f"预警等级分布（截至 {self.period.end.isoformat()}）",
                        "年级" if self.whole_school else "班级", [label for _, label in self.units],
                        [self.levels[c].label for c in codes], [[per_unit[k][c] for c in codes] for k, _ in self.units],
                        whole_school_total=self.whole_school, chart="stacked",
                        colours=[self.levels[c].colour_hex for c in codes])
        return t

    def level_trend(self) -> Table:
        codes = list(LV.LEVEL_CODES)
        rows, values = [], []
        day = self.period.start
        while day <= self.period.end:
            nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
            month_end = min(nxt - timedelta(days=1), self.period.end)
            c = Counter(self._levels_at(month_end).values())
            rows.append(f"{month_end.year}年{month_end.month}月")
            values.append([c[x] for x in codes])
            day = nxt
        t = count_table("level_trend", "各等级人数变化（每月末）", "月份", rows, [self.levels[c].label for c in codes],
                        values, total_label=None, chart="line", colours=[self.levels[c].colour_hex for c in codes])
        if self.whole_school:
            t.exempt = {(r, c) for r in range(len(rows)) for c in range(len(t.cols))}
        return t

    def grid_activity(self) -> tuple[Table, dict]:
        p = self.period
        moves = Counter()
        for frm, to, sid in self.s.execute(select(GridLevelChange.from_level, GridLevelChange.to_level,
                                                  GridLevelChange.student_id)
                                           .where(GridLevelChange.changed_on >= p.start,
                                                  GridLevelChange.changed_on <= p.end)):
            if sid not in self.ids:
                continue
            if frm is None and to is not None:
                moves["new"] += 1
            elif to is None:
                moves["released"] += 1
            elif LV.RANK[to] < LV.RANK[frm]:
                moves["raised"] += 1
            elif LV.RANK[to] > LV.RANK[frm]:
                moves["lowered"] += 1
        on_time = late = 0
        cases = {c.id: c for c in self.s.scalars(select(GridCase)) if c.student_id in self.ids}
        fus = defaultdict(list)
        for f in self.s.scalars(select(GridFollowUp).order_by(GridFollowUp.occurred_on, GridFollowUp.id)):
            if f.case_id in cases:
                fus[f.case_id].append(f)
        for case_id, items in fus.items():
            case = cases[case_id]
            due = case.opened_on + timedelta(days=case.frequency_days)
            for f in items:
                if p.start <= f.occurred_on <= p.end:
                    if f.occurred_on <= due:
                        on_time += 1
                    else:
                        late += 1
                due = f.next_due or (f.occurred_on + timedelta(days=case.frequency_days))
        cut = min(self.today, p.end)
        overdue = sum(1 for c in cases.values()
                      if c.status in OPEN_STATUSES and c.next_due is not None and c.next_due < cut)
        crises = sum(1 for sid, at in self.s.execute(select(GridCrisis.student_id, GridCrisis.occurred_at))
                     if sid in self.ids and p.start <= at.date() <= p.end)
        rows = [("new", "新增预警"), ("raised", "等级升高"), ("lowered", "等级降低"), ("released", "解除预警")]
        values = [[moves[k]] for k, _ in rows]
        labels = [label for _, label in rows]
        labels += ["按时随访（人次）", "逾期随访（人次）", "当前逾期未随访的学生", "危机事件"]
        values += [[on_time], [late], [overdue], [crises]]
        t = Table("grid_activity", "预警网格工作情况（本期）", "项目", labels, ["数量"], values, chart="bar",
                  colours=["#2a6f97"])
        if self.whole_school:
            t.exempt = {(r, 0) for r in range(len(labels))}
        median = self._median_days()
        return t, {**self.activity_shown(t), "median_days_to_interview": median}

    def activity_shown(self, t: Table) -> dict:
        """The headline repeats the activity counts: it shows them as the table does (hidden where hidden)."""
        shown = [v[0] for v in t.display(self.counselor)]
        return dict(zip(ACTIVITY_KEYS, shown, strict=True))

    def _median_days(self) -> float | None:
        p = self.period
        interviews: dict[int, list] = defaultdict(list)
        for sid, held in self.s.execute(select(GridInterview.student_id, GridInterview.held_at)):
            if sid in self.ids:
                interviews[sid].append(held)
        days = []
        for sid, created in self.s.execute(select(GridProposal.student_id, GridProposal.created_at)
                                           .where(GridProposal.level_code.is_not(None))):
            if sid not in self.ids or not p.start <= created.date() <= p.end:
                continue
            after = [h for h in interviews.get(sid, []) if h >= created]
            if after:
                days.append((min(after).date() - created.date()).days)
        return float(statistics.median(days)) if days else None

    def referrals(self) -> Table:
        p = self.period
        c = Counter(outcome for sid, outcome, day in self.s.execute(
            select(GridReferral.student_id, GridReferral.outcome, GridReferral.referred_on))
            if sid in self.ids and p.start <= day <= p.end)
        keys = list(OUTCOMES)
        return count_table("referrals", "绿色通道转介及结果（本期）", "结果", [OUTCOMES[k] for k in keys], ["人次"],
                           [[c[k]] for k in keys], row_totals=False, whole_school_total=self.whole_school,
                           chart="bar", colours=["#2a6f97"])

    # --- plan compliance ---------------------------------------------------------------------------
    def _year_sets(self) -> dict[str, set[int]]:
        p = self.period
        year_campaigns = [c.id for c in self.s.scalars(select(Campaign).where(Campaign.school_year == p.school_year))]
        screened = set()
        if year_campaigns:
            screened = self._students_in(self.s.scalars(
                select(ScreeningResponse.student_id).where(ScreeningResponse.campaign_id.in_(year_campaigns),
                                                           ScreeningResponse.status == "completed")))
        local = ArchiveRecord.source_school_uuid.is_(None)
        in_year = (ArchiveRecord.occurred_on >= p.start) & (ArchiveRecord.occurred_on <= p.end)
        records = self._students_in(self.s.scalars(select(ArchiveRecord.student_id).where(local, in_year)))
        visited = self._students_in(self.s.scalars(select(ArchiveRecord.student_id)
                                                   .where(local, in_year, ArchiveRecord.kind == "home_visit")))
        moved = self._students_in(self.s.scalars(select(GridLevelChange.student_id).where(
            GridLevelChange.changed_on >= p.start, GridLevelChange.changed_on <= p.end)))
        followed = self._students_in(self.s.scalars(select(GridFollowUp.student_id).where(
            GridFollowUp.occurred_on >= p.start, GridFollowUp.occurred_on <= p.end)))
        return {"archived": records | screened | moved, "screened": screened, "visited": visited,
                "attended": records | followed}

    def plan_classes(self, sets: dict[str, set[int]]) -> Table:
        members: dict[int, list[_Student]] = defaultdict(list)
        for st in self.students:
            members[st.class_id].append(st)
        monitors = Counter(cid for cid, ended in self.s.execute(select(HealthMonitor.class_id, HealthMonitor.ended_on))
                           if ended is None or ended > self.period.end)
        rows, values, rates, plain = [], [], {}, set()
        for cid, label in self.classes:
            ms = members[cid]
            n = len(ms)
            gcode = ms[0].grade_code
            archived = sum(1 for st in ms if st.id in sets["archived"])
            eligible = screened_grade(gcode)
            screened = sum(1 for st in ms if st.id in sets["screened"]) if eligible else None
            visited = sum(1 for st in ms if st.id in sets["visited"])
            mon = monitors[cid] if gcode[:1] in SECONDARY_PREFIXES else None
            rows.append(label)
            values.append([n, archived, pct(archived, n), screened, pct(screened, n) if eligible else None,
                           visited, pct(visited, n), mon])
        r_total = len(rows)
        tot = [sum(v[c] for v in values if v[c] is not None) for c in (0, 1, 3, 5)]
        eligible_n = sum(v[0] for v in values if v[3] is not None)
        values.append([tot[0], tot[1], pct(tot[1], tot[0]), tot[2], pct(tot[2], eligible_n), tot[3],
                       pct(tot[3], tot[0]), None])
        rows.append("合计")
        for r in range(len(rows)):
            rates[(r, 2)] = ((r, 1), (r, 0))
            rates[(r, 4)] = ((r, 3), (r, 0))
            rates[(r, 6)] = ((r, 5), (r, 0))
            plain.add((r, 7))
            plain.add((r, 0))  # class sizes are public
        lines = [Line(tuple((r, c) for r in range(r_total) if values[r][c] is not None), (r_total, c)) for c in (1, 3, 5)]
        t = Table("plan_classes", "各班建档、测评、家访与健康委员", "班级", rows,
                  ["学生数", "已建档", "建档率", "已测评", "测评覆盖率", "已家访", "家访覆盖率", "健康委员"], values,
                  lines=lines, rates=rates, chart="bar", chart_cols=[2, 4, 6], chart_rows=list(range(r_total)),
                  colours=["#2a6f97", "#2e7d32", "#f9a825"],
                  note="测评覆盖率只计四年级及以上；健康委员只计初中及以上班级。")
        t.plain = plain
        if self.whole_school:
            t.exempt = {(r_total, c) for c in range(8)}
        return t

    def special_groups(self, sets: dict[str, set[int]]) -> Table:
        p = self.period
        tagged: dict[str, set[int]] = defaultdict(set)
        for sid, tag, set_on, cleared in self.s.execute(select(StudentTag.student_id, StudentTag.tag, StudentTag.set_on,
                                                               StudentTag.cleared_on)):
            if sid in self.ids and set_on <= p.end and (cleared is None or cleared > p.end):
                tagged[tag].add(sid)
        keys = [k for k in TAG_LABELS if k in tagged] + sorted(k for k in tagged if k not in TAG_LABELS)
        values = [[len(tagged[k]), len(tagged[k] & sets["attended"])] for k in keys]
        t = Table("special_groups", "特殊群体学生及本学年跟进", "群体", [TAG_LABELS.get(k, k) for k in keys],
                  ["人数", "本学年有记录或随访"], values, chart="bar", colours=["#2a6f97", "#2e7d32"],
                  note="一名学生可属于多个群体，故不设合计。")
        if self.whole_school:
            t.exempt = {(r, c) for r in range(len(keys)) for c in (0, 1)}
        return t

    def plan(self, sets: dict[str, set[int]], plan_table: Table) -> tuple[list[PlanIndicator], Table]:
        p = self.period
        total = plan_table.values[-1]
        eligible = sum(v[0] for v in plan_table.values[:-1] if v[3] is not None)
        secondary = [v[7] for v in plan_table.values[:-1] if v[7] is not None]
        trainings = sum(1 for d in self.s.scalars(select(MonitorTraining.held_on)) if p.start <= d <= p.end)
        staff = list(self.s.scalars(select(ReportStaff).where(ReportStaff.active.is_(True))))
        full_time = sum(1 for x in staff if x.post == "counselor_full")
        part_time = sum(1 for x in staff if x.post == "counselor_part")
        hours = defaultdict(float)
        for sid, day, h in self.s.execute(select(ReportTraining.staff_id, ReportTraining.held_on, ReportTraining.hours)):
            if p.start <= day <= p.end:
                hours[sid] += h
        per_staff = round(sum(hours[x.id] for x in staff) / len(staff), 2) if staff else None
        acts = Counter()
        for kind, day, cid, gcode in self.s.execute(select(ReportActivity.kind, ReportActivity.held_on,
                                                           ReportActivity.class_id, ReportActivity.grade_code)):
            if not p.start <= day <= p.end:
                continue
            if self.scope.kind == "class" and cid not in (None, self.scope.class_id):
                continue
            if self.scope.kind != "school" and gcode not in (None, self.scope.grade_code) and cid is None:
                continue
            if self.scope.kind == "grade" and cid is not None and cid not in {c for c, _ in self.classes}:
                continue
            acts[kind] += 1
        awareness = self._awareness()
        items = [
            PlanIndicator("archive_rate", "建档率（本学年有档案记录的学生）", pct(total[1], total[0]),
                          TARGETS["archive_rate"], "%", source="档案记录、测评、预警记录"),
            PlanIndicator("screening_rate", "测评覆盖率（四年级及以上）", pct(total[3], eligible),
                          TARGETS["screening_rate"], "%", source="本学年测评批次"),
            PlanIndicator("home_visit_rate", "家访覆盖率", pct(total[5], total[0]), TARGETS["home_visit_rate"], "%",
                          source="家访记录"),
            PlanIndicator("monitors_per_class", "初中及以上每班健康委员人数（平均）",
                          round(sum(secondary) / len(secondary), 2) if secondary else None,
                          TARGETS["monitors_per_class"], "名", source="健康委员登记"),
            PlanIndicator("monitor_trainings", "健康委员培训次数（本学年）", float(trainings),
                          TARGETS["monitor_trainings"], "次", source="健康委员培训记录"),
            PlanIndicator("counselors_per_1000", "专职心理健康教师（每千名学生，全校）",
                          round(full_time * 1000 / self.school_students, 2) if self.school_students else None,
                          TARGETS["counselors_per_1000"], "名", source=f"人员登记：专职 {full_time}、兼职 {part_time}"),
            PlanIndicator("training_hours", "教职工人均培训学时（本学年）", per_staff, TARGETS["training_hours"], "小时",
                          source=f"培训登记（{len(staff)} 名教职工）"),
            PlanIndicator("awareness", "心理健康核心知识知晓率", awareness, TARGETS["awareness"], "%",
                          source="心理健康核心知识问卷（mhk）"),
            PlanIndicator("lessons", "心理健康课（本学年，节）", float(acts["lesson"]), TARGETS["lessons"], "节",
                          source="课程与活动登记"),
            PlanIndicator("activities", "主题教育活动（本学年）", float(acts["activity"]), TARGETS["activities"], "次",
                          source="课程与活动登记"),
        ]
        rows = [x.label for x in items]
        values = [[x.shown_value(), x.shown_target(), {True: "达标", False: "未达标", None: "—"}[x.met]] for x in items]
        t = Table("plan", "行动方案指标达标情况", "指标", rows, ["本期", "目标", "结论"], values, counts=False)
        return items, t

    def _awareness(self) -> float | None:
        p = self.period
        year_campaigns = [c.id for c in self.s.scalars(select(Campaign).where(Campaign.school_year == p.school_year))]
        if not year_campaigns:
            return None
        q = (select(ScreeningResponse.student_id, ScreeningScaleScore.raw)
             .join(ScreeningScore, ScreeningScore.response_id == ScreeningResponse.id)
             .join(ScreeningScaleScore, ScreeningScaleScore.score_id == ScreeningScore.id)
             .where(ScreeningScore.campaign_id.in_(year_campaigns), ScreeningScore.superseded_at.is_(None),
                    ScreeningScore.valid.is_(True), ScreeningScore.instrument_id == "mhk",
                    ScreeningScaleScore.scale_id == "rate", ScreeningScaleScore.raw.is_not(None)))
        rates = [raw for sid, raw in self.s.execute(q) if sid in self.ids]
        return round(sum(rates) / len(rates), 4) if rates else None


def _band_colours(n: int) -> list[str]:
    # From calm to alarming, readable in grey print too (lightness falls steadily).
    ramp = ["#a5d6a7", "#fff176", "#ffb74d", "#e57373", "#b71c1c", "#4a148c"]
    return ramp[:n] if n <= len(ramp) else ramp + ["#424242"] * (n - len(ramp))


def _tables(ctx: AppContext, s: Session, period: Period, scope: Scope, today: date, *,
            consistent: bool = True) -> tuple[_Builder, list[Table], dict, list[PlanIndicator]]:
    """The report's tables; ``consistent``: hidden cells agree with the wider and sibling reports
    (not needed for a sibling's own figures, which are never shown)."""
    b = _Builder(ctx, s, period, scope, today)
    tables: list[Table] = []
    cov = b.coverage()
    if cov is not None:
        tables.append(cov)
    tables += b.bands()
    ch = b.change()
    if ch is not None:
        tables.append(ch)
    tables += [b.level_table(), b.level_trend()]
    activity, extra = b.grid_activity()
    tables += [activity, b.referrals()]
    sets = b._year_sets()
    plan_classes = b.plan_classes(sets)
    plan, plan_table = b.plan(sets, plan_classes)
    tables += [plan_table, plan_classes, b.special_groups(sets)]
    wider = _wider(scope)
    if not b.counselor and consistent and wider is not None:
        wider_tables = _tables(ctx, s, period, wider, today)[1]
        _inherit(b, tables, wider_tables)
        # Every report of the scope's siblings must solve the same stacked table, in the same order,
        # or one would show a cell another hides.
        scopes = _units_like(s, scope)
        units = [tables if x == scope else _tables(ctx, s, period, x, today, consistent=False)[1] for x in scopes]
        _stack(tables, units, wider_tables, whole_school=wider.kind == "school")
        _split_by_sex(tables, [x.label for x in scopes], units, wider_tables)
        extra = {**extra, **b.activity_shown(activity)}
    return b, tables, extra, plan


def _split_by_sex(tables: list[Table], labels: list[str], units: list[list[Table]], wider_tables: list[Table]) -> None:
    """The by-sex rows of per-unit tables: a grade's boys are the school's boys minus the other
    grades' boys, so they are hidden as all grades' and the school's sex rows together require."""
    wider = {t.id: t for t in wider_tables}
    sexes = list(SEX_LABELS.values())
    for t in tables:
        if t.id not in wider or t.row_header not in ("年级", "班级") or not any(x in t.rows for x in sexes):
            continue
        same = [(label, x) for label, unit in zip(labels, units, strict=True) for x in unit if x.id == t.id]
        hidden = consistent_split(t, same, wider[t.id], sexes)
        counts = t.count_values()
        rows = [r for r, name in enumerate(t.rows) if name in sexes]
        t.hide |= hidden
        t.keep |= {(r, c) for r in rows for c in range(len(t.cols)) if counts[r][c] is not None and (r, c) not in hidden}


def _units_like(s: Session, scope: Scope) -> list[Scope]:
    """Every grade of the school, or every class of the scope's grade, in one fixed order (the
    scope among them): their reports add up to the wider report."""
    classes = s.execute(select(SchoolClass.id, SchoolClass.grade_code, SchoolClass.number)
                        .where(SchoolClass.active.is_(True))).all()
    if scope.kind == "grade":
        codes = {g for _, g, _ in classes} | {scope.grade_code}
        return [Scope("grade", g, None, grade(g).label) for g in sorted(codes, key=grade_sort_key)]
    mine = sorted((n, cid) for cid, g, n in classes if g == scope.grade_code)
    return [scope if cid == scope.class_id else Scope("class", scope.grade_code, cid, class_label(scope.grade_code, n))
            for n, cid in mine]


def _stack(tables: list[Table], units: list[list[Table]], wider_tables: list[Table], *, whole_school: bool) -> None:
    """Tables of one figure per row for the whole scope (grid activity, referrals, special groups,
    change, trend): this scope's figure is the wider report's minus its siblings', so each is hidden
    as the stacked table of all ``units`` requires (``figures.stacked_hidden``)."""
    wider = {t.id: t for t in wider_tables}
    for t in tables:
        if not t.counts or t.row_header in ("年级", "班级") or t.id not in wider:
            continue
        same = [x for unit in units for x in unit if x.id == t.id]
        hidden = stacked_hidden(t, same, wider[t.id], whole_school=whole_school)
        counts = t.count_values()
        t.hide |= hidden
        t.keep |= {(r, c) for r in range(len(t.rows)) for c in range(len(t.cols))
                   if counts[r][c] is not None and (r, c) not in hidden}


def _wider(scope: Scope) -> Scope | None:
    """The report one level up whose figures overlap this one's (never shown: only its pattern of
    hidden cells is used, so a grade leader's grade report is built against the school's)."""
    if scope.kind == "grade":
        return Scope("school", None, None, "全校")
    if scope.kind == "class":
        return Scope("grade", scope.grade_code, None, grade(scope.grade_code).label)
    return None


def _inherit(b: _Builder, tables: list[Table], wider_tables: list[Table]) -> None:
    """Per-unit tables show the counts they share with the wider report exactly as it does: this
    scope's 合计 is the wider report's row for this grade (or class), and a class row appears in
    both when the wider report lists classes. Sex rows are different people at each scope."""
    by_id = {t.id: t for t in wider_tables}
    sexes = set(SEX_LABELS.values())
    for t in tables:
        w = by_id.get(t.id)
        if w is None or t.row_header not in ("年级", "班级"):
            continue
        rows = {"合计": b.scope.label}
        rows.update({label: label for label in t.rows if label in w.rows and label != "合计" and label not in sexes})
        if len(b.units) == 1:  # one class: its row is the 合计
            rows.setdefault(b.units[0][1], b.scope.label)
        t.inherit_from(w, rows)


def build_report(ctx: AppContext, *, year: str | None = None, campaign: int | str | None = None,
                 grade_code: str | None = None, class_: str | int | None = None, today: date | None = None,
                 audit_view: bool = True) -> Report:
    ctx.require("reports.read")
    if year and campaign is not None:
        raise UserError("学年和测评批次只能选一个。", "Give a year or a campaign, not both.")
    today = today or date.today()
    with ctx.db.read() as s:
        period = resolve_period(s, year=year, campaign=campaign, today=today)
        scope = resolve_scope(ctx, s, grade_code=grade_code, class_=class_)
        b, tables, extra, plan = _tables(ctx, s, period, scope, today)
        cov = next((t for t in tables if t.id == "coverage"), None)
        levels = next(t for t in tables if t.id == "levels")
        school = s.scalar(select(School))
        shown_levels = levels.display(b.counselor)
        cov_shown = cov.display(b.counselor)[-1] if cov is not None else None
        completed = cov_shown[0] if cov_shown is not None else None
        targets = cov_shown[len(COVERAGE_STATES)] if cov_shown is not None else None
        rate = cov_shown[-1] if cov_shown is not None else None
        headline = {"students": len(b.students), "screening_targets": targets, "screened": completed,
                    "coverage": rate if isinstance(rate, float) else None,
                    "levels": {c: shown_levels[-1][i] for i, c in enumerate(LV.LEVEL_CODES)},
                    "on_list": shown_levels[-1][len(LV.LEVEL_CODES)], **extra}
    report = Report(school.name, school.uuid, period.label, period.school_year, scope.label, scope.kind,
                    now_utc().isoformat(timespec="seconds") + "Z", b.counselor, headline, tables, plan,
                    period.campaign_name, period.previous_name)
    if audit_view:
        with ctx.db.write() as s:
            audit.record_for(ctx, s, "report.view", target=f"report:{scope.kind}",
                             detail={"period": period.label, "scope": scope.label})
    return report


def level_names(ctx: AppContext) -> dict[str, str]:
    with ctx.db.read() as s:
        return {c: lv.label for c, lv in load_levels(s).items()}


def dumps(report: Report) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False)


@dataclass(frozen=True)
class Choices:
    years: list[str]                              # newest first
    campaigns: list[tuple[int, str, str]]         # (id, name, school year), newest first
    grades: list[tuple[str, str]]                 # (code, label) the actor may pick
    classes: list[tuple[int, str, str]]           # (id, label, grade code)
    whole_school: bool                            # may pick 全校


def choices(ctx: AppContext, *, today: date | None = None) -> Choices:
    """What the report page offers this person: periods, and the scopes they may choose."""
    ctx.require("reports.read")
    today = today or date.today()
    with ctx.db.read() as s:
        opened = sorted(s.scalars(select(Campaign).where(Campaign.status != "draft")),
                        key=lambda c: (_campaign_day(c), c.id), reverse=True)
        years = sorted({c.school_year for c in opened} | {school_year_of(today).label}, reverse=True)
        allowed = None if ctx.actor.sees_all else ctx.actor.grade_codes
        classes = [(c.id, class_label(c.grade_code, c.number), c.grade_code)
                   for c in s.scalars(select(SchoolClass).where(SchoolClass.active.is_(True)))
                   if allowed is None or c.grade_code in allowed]
    classes.sort(key=lambda x: (grade_sort_key(x[2]), x[1]))
    grades = [(g, grade(g).label) for g in dict.fromkeys(c[2] for c in classes)]
    return Choices(years, [(c.id, c.name, c.school_year) for c in opened], grades, classes, ctx.actor.sees_all)
