"""Screening campaigns: create, edit while a draft, open, close; who they target; who is still missing.

API for the screens (every function takes the acting user's ``AppContext``)::

    create_campaign(ctx, name, instruments, *, grades=(), classes=(), student_ids=(), tags=(),
                    school_year=None, semester=None, purpose="general", opens_on=None, closes_on=None,
                    modes=MODES, consent_notes="", open_now=False, today=None) -> CampaignInfo
        instruments: ["phq9", "gad7"] or [("scared", ["P4", "P5", "P6"]), ...] (an instrument for some
        grades only); each resolved with services.instruments.definition, version + digest stored.
    update_campaign(ctx, campaign_id, **changes) -> CampaignInfo      # drafts only
    open_campaign(ctx, campaign_id) / close_campaign(ctx, campaign_id) -> CampaignInfo
    list_campaigns(ctx) -> list[CampaignInfo];  get_campaign(ctx, ref) -> CampaignInfo (id, uuid or name)
    set_excused(ctx, campaign_id, student_id, "absent" | "declined" | None, reason="")
    coverage(ctx, campaign_id) -> Coverage   # whole campaign, per grade, per class (+ who, for counselors)
    kiosk_codes(ctx, campaign_id, class_id=None) -> list[KioskCode]   # audited: printing codes

Permissions: ``screening.manage`` to change anything and to see names in coverage; coverage counts
are open to ``screening.results`` and ``screening.summary`` within the actor's scope.

The target is snapshotted into ``campaign_target`` (at creation, at every draft edit, and when the
campaign opens — existing rows keep their kiosk code and absent/declined mark), so coverage does not
move when the roster changes half way through.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.grades import class_label, grade, parse_class_label, parse_grade
from ..domain.schoolyear import semester_of
from ..errors import NotFound, PermissionDenied, UserError
from ..exchange.passphrase import ALPHABET
from ..storage.models import SchoolClass, Student, StudentTag
from ..storage.models_screening import Campaign, CampaignInstrument, CampaignTarget, ScreeningResponse
from . import audit, roles
from .context import AppContext
from .instruments import definition
from .login import now_utc
from .roster import grade_sort_key, resolve_class

MODES = ("kiosk", "lab", "paper", "survey")
MODE_LABELS = {"kiosk": ("学生自助（本机）", "kiosk"), "lab": ("机房（多台电脑）", "computer lab"),
               "paper": ("纸质答卷录入", "paper"), "survey": ("问卷星等问卷导入", "survey import")}
PURPOSES = {"general": ("普查", "general screening"), "targeted": ("重点人群", "targeted batch"),
            "watch": ("关键节点", "watch point")}
STATUS_LABELS = {"draft": ("草稿", "draft"), "open": ("进行中", "open"), "closed": ("已结束", "closed")}
EXCUSES = {"absent": ("缺测", "absent"), "declined": ("拒测", "declined")}
CODE_LEN = 6


@dataclass(frozen=True)
class BatteryEntry:
    instrument_id: str
    version: int
    digest: str
    name: str
    n_items: int
    grades: tuple[str, ...]    # empty: every target student
    rater: str = "student"     # teacher / parent: rated about the student, never shown to them

    def applies_to(self, grade_code: str | None) -> bool:
        """Whether a student of this grade answers it (kiosk, lab, paper, survey import, coverage)."""
        return self.rater == "student" and self.rated_for(grade_code)

    def rated_for(self, grade_code: str | None) -> bool:
        """Whether students of this grade are covered by it, whoever fills it in."""
        return not self.grades or (grade_code in self.grades)


@dataclass(frozen=True)
class CampaignInfo:
    id: int
    uuid: str
    name: str
    school_year: str
    semester: int
    purpose: str
    status: str
    opens_on: date | None
    closes_on: date | None
    modes: tuple[str, ...]
    consent_notes: str
    target: dict
    battery: tuple[BatteryEntry, ...]
    n_targets: int

    @property
    def instrument_ids(self) -> list[str]:
        return [b.instrument_id for b in self.battery]

    def to_json(self) -> dict:
        return {"id": self.id, "uuid": self.uuid, "name": self.name, "school_year": self.school_year,
                "semester": self.semester, "purpose": self.purpose, "status": self.status,
                "opens_on": self.opens_on.isoformat() if self.opens_on else None,
                "closes_on": self.closes_on.isoformat() if self.closes_on else None,
                "modes": list(self.modes), "consent_notes": self.consent_notes, "target": self.target,
                "instruments": [{"id": b.instrument_id, "version": b.version, "name": b.name,
                                 "items": b.n_items, "grades": list(b.grades)} for b in self.battery],
                "students": self.n_targets}


# --- reading -------------------------------------------------------------------------------------

def _info(s: Session, c: Campaign, targets: int | None = None) -> CampaignInfo:
    entries = s.scalars(select(CampaignInstrument).where(CampaignInstrument.campaign_id == c.id)
                        .order_by(CampaignInstrument.position)).all()
    battery = []
    for e in entries:
        d = definition(s, e.instrument_id, e.version)
        battery.append(BatteryEntry(e.instrument_id, e.version, e.digest, d.name_zh, d.n_items,
                                    tuple(g for g in e.grades.split(",") if g), d.rater))
    n = targets if targets is not None else _target_counts(s, c.id).get(c.id, 0)
    return CampaignInfo(c.id, c.uuid, c.name, c.school_year, c.semester, c.purpose, c.status, c.opens_on,
                        c.closes_on, tuple(m for m in c.modes.split(",") if m), c.consent_notes,
                        json.loads(c.target_json), tuple(battery), n)


def _can_see(ctx: AppContext) -> None:
    if not any(ctx.actor.can(p) for p in ("screening.manage", "screening.results", "screening.summary")):
        raise PermissionDenied(*roles.denied_text("screening.summary", ctx.actor.roles))


def load(s: Session, ref: int | str) -> Campaign:
    """A campaign by id, uuid or exact name (what the CLI and the screens pass)."""
    c = None
    text = str(ref).strip()
    if isinstance(ref, int) or text.isdigit():
        c = s.get(Campaign, int(text))
    if c is None:
        c = s.scalar(select(Campaign).where(Campaign.uuid == text))
    if c is None:
        found = s.scalars(select(Campaign).where(Campaign.name == text)).all()
        if len(found) > 1:
            raise UserError(f"有 {len(found)} 个名为“{text}”的测评活动，请用编号指定。",
                            f"{len(found)} campaigns are named {text!r}; give the id.")
        c = found[0] if found else None
    if c is None:
        raise NotFound(f"找不到测评活动“{text}”。", f"No screening campaign {text!r}.")
    return c


def _target_counts(s: Session, campaign_id: int | None = None) -> dict[int, int]:
    """Students targeted per campaign, counted in SQL (a school ten years on has ~100,000 targets:
    loading their ids to count them made the first screen after login slow)."""
    q = select(CampaignTarget.campaign_id, func.count()).group_by(CampaignTarget.campaign_id)
    if campaign_id is not None:
        q = q.where(CampaignTarget.campaign_id == campaign_id)
    return dict(s.execute(q).tuples().all())


def list_campaigns(ctx: AppContext) -> list[CampaignInfo]:
    _can_see(ctx)
    with ctx.db.read() as s:
        counts = _target_counts(s)
        return [_info(s, c, counts.get(c.id, 0)) for c in s.scalars(select(Campaign).order_by(Campaign.id.desc()))]


def get_campaign(ctx: AppContext, ref: int | str) -> CampaignInfo:
    _can_see(ctx)
    with ctx.db.read() as s:
        return _info(s, load(s, ref))


# --- creating and editing ------------------------------------------------------------------------

def _battery(s: Session, instruments: Sequence[str | tuple[str, Sequence[str]]]) -> list[tuple[str, int, str, str]]:
    out: list[tuple[str, int, str, str]] = []
    seen: set[str] = set()
    for entry in instruments:
        iid, grades = (entry, ()) if isinstance(entry, str) else (entry[0], tuple(entry[1]))
        iid = iid.strip()
        if not iid:
            continue
        if iid in seen:
            raise UserError(f"量表 {iid} 重复。", f"Instrument {iid} appears twice.", field="instruments")
        seen.add(iid)
        d = definition(s, iid)
        codes = ",".join(parse_grade(g) for g in grades)
        out.append((iid, d.version, d.digest, codes))
    if not out:
        raise UserError("请至少选择一个量表。", "Choose at least one instrument.", field="instruments")
    return out


def _target(s: Session, grades: Sequence[str], classes: Sequence[str | int], student_ids: Sequence[int],
            tags: Sequence[str]) -> dict:
    class_ids = []
    for c in classes:
        class_ids.append(int(c) if isinstance(c, int) or str(c).isdigit() else resolve_class(s, str(c)).id)
    t = {"grades": sorted({parse_grade(g) for g in grades}, key=grade_sort_key), "class_ids": sorted(set(class_ids)),
         "student_ids": sorted({int(i) for i in student_ids}), "tags": sorted(set(tags))}
    if not (t["grades"] or t["class_ids"] or t["student_ids"] or t["tags"]):
        raise UserError("请选择测评对象（年级、班级、学生或特殊群体）。",
                        "Choose who the campaign is for (grades, classes, students or groups).", field="target")
    return t


def target_students(s: Session, target: dict) -> list[tuple[int, int | None]]:
    """(student id, class id) of the enrolled students a target describes: grades ∪ classes (the whole
    school when neither is given but tags are), narrowed to the tagged when tags are given, plus the
    named students."""
    q = (select(Student.id, Student.class_id).outerjoin(SchoolClass, Student.class_id == SchoolClass.id)
         .where(Student.status == "enrolled"))
    rows: dict[int, int | None] = {}
    if target.get("grades") or target.get("class_ids") or target.get("tags"):
        conds = []
        if target.get("grades"):
            conds.append(SchoolClass.grade_code.in_(target["grades"]) & SchoolClass.active.is_(True))
        if target.get("class_ids"):
            conds.append(Student.class_id.in_(target["class_ids"]))
        base = q
        if conds:
            from sqlalchemy import or_

            base = base.where(or_(*conds))
        if target.get("tags"):
            tagged = select(StudentTag.student_id).where(StudentTag.tag.in_(target["tags"]),
                                                         StudentTag.cleared_on.is_(None))
            base = base.where(Student.id.in_(tagged))
        rows.update(dict(s.execute(base).all()))
    if target.get("student_ids"):
        rows.update(dict(s.execute(q.where(Student.id.in_(target["student_ids"]))).all()))
    return sorted(rows.items())


def _new_code(used: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LEN))
        if code not in used:
            used.add(code)
            return code


def _snapshot(s: Session, c: Campaign) -> None:
    existing = {t.student_id: t for t in s.scalars(select(CampaignTarget).where(CampaignTarget.campaign_id == c.id))}
    wanted = target_students(s, json.loads(c.target_json))
    used = {t.code for t in existing.values()}
    keep = set()
    for sid, cid in wanted:
        keep.add(sid)
        row = existing.get(sid)
        if row is None:
            s.add(CampaignTarget(campaign_id=c.id, student_id=sid, class_id=cid, code=_new_code(used)))
        elif c.status == "draft":
            row.class_id = cid
    answered = set(s.scalars(select(ScreeningResponse.student_id).where(ScreeningResponse.campaign_id == c.id)))
    for sid, row in existing.items():
        if sid not in keep and sid not in answered:  # never drop a student who has answered
            s.delete(row)
    s.flush()


def create_campaign(ctx: AppContext, name: str, instruments: Sequence[str | tuple[str, Sequence[str]]], *,
                    grades: Sequence[str] = (), classes: Sequence[str | int] = (), student_ids: Sequence[int] = (),
                    tags: Sequence[str] = (), school_year: str | None = None, semester: int | None = None,
                    purpose: str = "general", opens_on: date | None = None, closes_on: date | None = None,
                    modes: Sequence[str] = MODES, consent_notes: str = "", open_now: bool = False,
                    today: date | None = None) -> CampaignInfo:
    ctx.require("screening.manage")
    name = name.strip()
    if not name:
        raise UserError("请填写测评活动名称。", "A campaign name is required.", field="name")
    if purpose not in PURPOSES:
        raise UserError(f"未知的测评目的：{purpose}", f"Unknown purpose: {purpose}", field="purpose")
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise UserError(f"未知的测评方式：{'、'.join(bad) or '（空）'}", f"Unknown modes: {bad}", field="modes")
    if opens_on and closes_on and closes_on < opens_on:
        raise UserError("结束日期早于开始日期。", "The window closes before it opens.", field="closes_on")
    year, sem = semester_of(today or date.today())
    with ctx.db.write() as s:
        battery = _battery(s, instruments)
        target = _target(s, grades, classes, student_ids, tags)
        c = Campaign(uuid=str(uuid.uuid4()), name=name, school_year=school_year or year, semester=semester or sem,
                     purpose=purpose, status="draft", opens_on=opens_on, closes_on=closes_on,
                     modes=",".join(m for m in MODES if m in modes), consent_notes=consent_notes.strip(),
                     target_json=json.dumps(target), created_at=now_utc(), created_by=ctx.actor.user_id)
        s.add(c)
        s.flush()
        for pos, (iid, version, digest, codes) in enumerate(battery):
            s.add(CampaignInstrument(campaign_id=c.id, position=pos, instrument_id=iid, version=version,
                                     digest=digest, grades=codes))
        _snapshot(s, c)
        audit.record_for(ctx, s, "campaign.create", target=f"campaign:{c.id}",
                         detail={"name": name, "instruments": [b[0] for b in battery]})
        if open_now:
            _open(ctx, s, c)
        return _info(s, c)


_EDITABLE = {"name", "opens_on", "closes_on", "modes", "consent_notes", "purpose", "instruments", "grades",
             "classes", "student_ids", "tags", "school_year", "semester"}


def update_campaign(ctx: AppContext, campaign_id: int, **changes) -> CampaignInfo:
    """Change a draft. Dates and consent notes can still be changed once open; nothing once closed."""
    ctx.require("screening.manage")
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise UserError(f"不能修改：{', '.join(sorted(unknown))}", f"Cannot edit: {', '.join(sorted(unknown))}")
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        late = set(changes) - {"opens_on", "closes_on", "consent_notes", "name"}
        if c.status == "closed" or (c.status == "open" and late):
            raise UserError("测评活动已开始或已结束，只能修改名称、日期和知情同意说明。",
                            "Once open, only the name, dates and consent notes can change.")
        for key in ("name", "opens_on", "closes_on", "consent_notes", "purpose", "school_year", "semester"):
            if key in changes:
                setattr(c, key, changes[key])
        if "modes" in changes:
            c.modes = ",".join(m for m in MODES if m in changes["modes"])
        if {"grades", "classes", "student_ids", "tags"} & set(changes):
            old = json.loads(c.target_json)
            c.target_json = json.dumps(_target(
                s, changes.get("grades", old["grades"]), changes.get("classes", old["class_ids"]),
                changes.get("student_ids", old["student_ids"]), changes.get("tags", old["tags"])))
        if "instruments" in changes:
            for e in s.scalars(select(CampaignInstrument).where(CampaignInstrument.campaign_id == c.id)):
                s.delete(e)
            s.flush()
            for pos, (iid, version, digest, codes) in enumerate(_battery(s, changes["instruments"])):
                s.add(CampaignInstrument(campaign_id=c.id, position=pos, instrument_id=iid, version=version,
                                         digest=digest, grades=codes))
        if c.status == "draft":
            _snapshot(s, c)
        audit.record_for(ctx, s, "campaign.edit", target=f"campaign:{c.id}", detail={"fields": sorted(changes)})
        return _info(s, c)


def _open(ctx: AppContext, s: Session, c: Campaign) -> None:
    c.status = "open"
    c.opened_at = now_utc()
    _snapshot(s, c)
    audit.record_for(ctx, s, "campaign.open", target=f"campaign:{c.id}")


def open_campaign(ctx: AppContext, campaign_id: int) -> CampaignInfo:
    ctx.require("screening.manage")
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        if c.status != "draft":
            raise UserError("只有草稿状态的测评活动可以开始。", "Only a draft campaign can be opened.")
        _open(ctx, s, c)
        return _info(s, c)


def close_campaign(ctx: AppContext, campaign_id: int) -> CampaignInfo:
    ctx.require("screening.manage")
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        if c.status != "open":
            raise UserError("只有进行中的测评活动可以结束。", "Only an open campaign can be closed.")
        c.status = "closed"
        c.closed_at = now_utc()
        audit.record_for(ctx, s, "campaign.close", target=f"campaign:{c.id}")
        return _info(s, c)


def require_open(c: Campaign) -> None:
    if c.status == "draft":
        raise UserError(f"测评活动“{c.name}”还没有开始（草稿），不能录入作答。请先开始活动。",
                        f"Campaign {c.name!r} is still a draft; open it before recording answers.")
    if c.status == "closed":
        raise UserError(f"测评活动“{c.name}”已结束，不能再录入作答。",
                        f"Campaign {c.name!r} is closed; no more answers can be recorded.")


def set_excused(ctx: AppContext, campaign_id: int, student_id: int, excused: str | None, reason: str = "") -> None:
    """Mark a target student absent or declined (with the reason), or clear the mark."""
    ctx.require("screening.manage")
    if excused is not None and excused not in EXCUSES:
        raise UserError(f"未知的状态：{excused}", f"Unknown status: {excused}")
    if excused and not reason.strip():
        raise UserError("请填写缺测或拒测的原因。", "Give the reason.", field="reason")
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        t = s.scalar(select(CampaignTarget).where(CampaignTarget.campaign_id == c.id,
                                                  CampaignTarget.student_id == student_id))
        if t is None:
            raise NotFound("该学生不在这次测评的对象中。", "This student is not a target of the campaign.")
        t.excused, t.reason = excused, (reason.strip() or None) if excused else None
        audit.record_for(ctx, s, "campaign.excuse", student_id=student_id, target=f"campaign:{c.id}",
                         detail={"excused": excused})


# --- coverage ------------------------------------------------------------------------------------

@dataclass
class CoverageCount:
    key: str              # grade code or class id as text ("" for the whole campaign)
    label: str
    targets: int = 0
    completed: int = 0
    in_progress: int = 0
    missing: int = 0
    absent: int = 0
    declined: int = 0

    def to_json(self) -> dict:
        return {"label": self.label, "targets": self.targets, "completed": self.completed,
                "in_progress": self.in_progress, "missing": self.missing, "absent": self.absent,
                "declined": self.declined}


@dataclass(frozen=True)
class CoverageStudent:
    student_id: int
    student_no: str
    name: str
    class_label: str
    state: str            # completed / in_progress / missing / absent / declined
    reason: str | None
    done: tuple[str, ...]         # instruments completed
    pending: tuple[str, ...]      # instruments assigned and not completed


@dataclass
class Coverage:
    campaign_id: int
    total: CoverageCount
    grades: list[CoverageCount] = field(default_factory=list)
    classes: list[CoverageCount] = field(default_factory=list)
    students: list[CoverageStudent] = field(default_factory=list)   # only for screening.manage

    def to_json(self) -> dict:
        out = {"campaign_id": self.campaign_id, **self.total.to_json(),
               "grades": [{"grade": g.key, **g.to_json()} for g in self.grades],
               "classes": [{"class": c.label, **c.to_json()} for c in self.classes]}
        return out


def student_state(assigned: Sequence[str], statuses: dict[str, str], excused: str | None) -> str:
    if assigned and all(statuses.get(i) == "completed" for i in assigned):
        return "completed"
    if excused:
        return excused
    return "in_progress" if statuses else "missing"


def coverage(ctx: AppContext, campaign_id: int | str) -> Coverage:
    _can_see(ctx)
    with_names = ctx.actor.can("screening.manage")
    with ctx.db.read() as s:
        c = load(s, campaign_id)
        info = _info(s, c)
        q = (select(CampaignTarget, Student.student_no, Student.name, SchoolClass.grade_code, SchoolClass.number)
             .join(Student, Student.id == CampaignTarget.student_id)
             .outerjoin(SchoolClass, SchoolClass.id == CampaignTarget.class_id)
             .where(CampaignTarget.campaign_id == c.id, ctx.actor.student_filter()))
        targets = s.execute(q).all()
        statuses: dict[int, dict[str, str]] = {}
        for sid, iid, status in s.execute(select(ScreeningResponse.student_id, ScreeningResponse.instrument_id,
                                                 ScreeningResponse.status)
                                          .where(ScreeningResponse.campaign_id == c.id)):
            statuses.setdefault(sid, {})[iid] = status
    total = CoverageCount("", c.name)
    by_grade: dict[str, CoverageCount] = {}
    by_class: dict[int, CoverageCount] = {}
    students = []
    for t, no, name, gcode, number in targets:
        # Coverage counts a teacher's rating too: it is part of what the campaign expects per student.
        assigned = [b.instrument_id for b in info.battery if b.rated_for(gcode)]
        st = statuses.get(t.student_id, {})
        state = student_state(assigned, {k: v for k, v in st.items() if k in assigned}, t.excused)
        clabel = class_label(gcode, number) if gcode else "（无班级）"
        g = by_grade.setdefault(gcode or "", CoverageCount(gcode or "", grade(gcode).label if gcode else "（无班级）"))
        k = by_class.setdefault(t.class_id or 0, CoverageCount(str(t.class_id or ""), clabel))
        for bucket in (total, g, k):
            bucket.targets += 1
            setattr(bucket, state, getattr(bucket, state) + 1)
        if with_names:
            students.append(CoverageStudent(t.student_id, no, name, clabel, state, t.reason,
                                            tuple(i for i in assigned if st.get(i) == "completed"),
                                            tuple(i for i in assigned if st.get(i) != "completed")))
    grades_sorted = sorted(by_grade.values(), key=lambda x: grade_sort_key(x.key))
    classes_sorted = sorted(by_class.values(), key=lambda x: (x.label,))
    classes_sorted.sort(key=lambda x: class_sort(x.label))
    students.sort(key=lambda x: (class_sort(x.class_label), x.student_no))
    return Coverage(c.id, total, grades_sorted, classes_sorted, students)


def class_sort(label: str) -> tuple:
    """Classes in school order (grade, then number); labels that do not parse go last."""

    try:
        code, number = parse_class_label(label)
        return grade_sort_key(code), number
    except UserError:
        return 99, 0


# --- kiosk codes ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class KioskCode:
    student_id: int
    student_no: str
    name: str
    class_label: str
    code: str


def kiosk_codes(ctx: AppContext, campaign_id: int | str, class_id: int | None = None) -> list[KioskCode]:
    """The per-student login codes to print for a class (or the whole campaign); audited."""
    ctx.require("screening.manage")
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        q = (select(CampaignTarget.student_id, Student.student_no, Student.name, SchoolClass.grade_code,
                    SchoolClass.number, CampaignTarget.code)
             .join(Student, Student.id == CampaignTarget.student_id)
             .outerjoin(SchoolClass, SchoolClass.id == CampaignTarget.class_id)
             .where(CampaignTarget.campaign_id == c.id))
        if class_id is not None:
            q = q.where(CampaignTarget.class_id == class_id)
        rows = [KioskCode(sid, no, name, class_label(g, n) if g else "", code) for sid, no, name, g, n, code in s.execute(q)]
        audit.record_for(ctx, s, "campaign.codes", target=f"campaign:{c.id}",
                         detail={"class_id": class_id, "count": len(rows)})
    rows.sort(key=lambda r: (class_sort(r.class_label), r.student_no))
    return rows
