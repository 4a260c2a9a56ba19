"""Building the decade school (``xadesk bench decade``): a large secondary school year by year,
through the ordinary services.

Each year: the summer promotion (九年级 and 高三 graduate) and new 七年级 and 高一 intakes; two campaigns of SCL-90 and
PHQ-9 imported from answer files and closed with their proposals; the counselor works the whole
review queue (an interview, then a decision: confirmed at the proposed level when the student is
really struggling, otherwise not placed on the list); follow-ups for everyone on the list (four a
year), releases (解除预警, with a re-screen as evidence) for those who recovered, crisis events for
a few of the most severe, referrals to a hospital for the higher levels with their outcomes;
homeroom observations and parent contacts (more often for students who struggle), home visits;
transfers out (transfer files exported, status 转出), transfer files *received* from another
school and imported through the real transfer import, and a few arrivals as roster rows.

Answers follow each student's latent severity (``severity.py``): roughly 10–20% of a campaign
is flagged and mostly the same students from one year to the next. One student (the first
intake's most troubled 七年级 pupil) gets the busy file a counselor knows: years on the list, a crisis,
a referral, monthly follow-ups and notes, and a release when things improve.

Per-row services (follow-ups, observations, decisions, …) run inside ``batch.batched``: one
transaction for many calls, every row and audit entry still written by the service itself.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select

from ..archive.transfer import export_batch, import_transfer
from ..domain.synthetic import bench_students, generate_students
from ..errors import UserError
from ..exchange.container import ExchangeKey
from ..grid import levels as LV
from ..i18n import msg
from ..services import roles
from ..services.accounts import RoleSpec, add_user
from ..services.campaigns import close_campaign, create_campaign
from ..services.context import AppContext
from ..services.grid import decide, record_interview, review_queue
from ..services.grid_care import (
    CrisisCall,
    CrisisStep,
    ReleaseEvidence,
    add_referral,
    crisis_checklist,
    decide_release,
    record_crisis,
    request_release,
    update_referral,
)
from ..services.grid_screening import propose_for_campaign
from ..services.grid_tracking import grid_list, log_follow_up
from ..services.login import create_school, login
from ..services.records import add_home_visit, add_observation, add_parent_contact
from ..services.roster import update_student
from ..services.roster_import import import_records
from ..services.screening_import import import_survey
from ..services.year_end import promote
from ..storage.models import SchoolClass, Student
from .batch import batched
from .severity import Severity, write_answers

PASSWORD = "bench-decade-1"
TRANSFER_PASSPHRASE = "十年基准-转学交接-2016"
FIRST_YEAR = 2016
BATTERY = ("scl90", "phq9")
GRADES = ("J1", "J2", "J3", "S1", "S2", "S3")
# The interview sorts the queue: a flagged student at or above CONFIRM_Z is placed at the proposed
# level; one who endorsed a safety item with less is placed at 四级 (关注); the rest are not listed.
# So about 3–6% of the school is on the list, as in a real school, not every flagged student.
CONFIRM_Z = 1.9
SAFETY_WATCH_Z = 1.3
RELEASE_Z = 1.2          # a student on the list below this severity is released with a re-screen
CRISIS_Z = 2.2           # crises happen among the most severe …
CRISIS_RATE = 0.2        # … to about one in five of them a year
REFERRAL_RATE = 0.35     # share of 一级/二级 students referred in a year
FOLLOW_UPS = ((12, 1), (1, 5), (5, 20), (6, 10))   # (month, day) of the four follow-ups a year
# The busy student's severity by school year: years on the list, then recovery and release.
BUSY_Z = (2.6, 2.4, 2.0, 1.8, 0.8, 0.2)

OBSERVATIONS = ("课堂上注意力不集中，课后谈话。", "与同学发生争执，已调解。", "近期情绪低落，午休独处。",
                "作业多次未交，家长反映睡眠不好。", "主动参加班级活动，状态较前好转。")
CONTACTS = ("电话告知家长近期情绪变化，家长表示会多陪伴。", "家长来校面谈，沟通学习压力。",
            "微信联系家长，反馈近期进步。")


@dataclass
class Counts:
    """What the build wrote, for the report."""
    values: dict[str, int] = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)   # the first refusal of each kind, as said

    def add(self, key: str, n: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + n


@dataclass
class School:
    admin: AppContext
    counselor: AppContext
    source: AppContext               # the other school the arrivals come from
    severity: Severity
    rng: random.Random
    folder: Path
    students: int
    observations: int
    counts: Counts
    busy_no: str | None = None
    source_ids: list[int] = field(default_factory=list)


def _day(year: int, month: int, day: int) -> date:
    """A date in the school year starting in September of ``year``."""
    return date(year if month >= 8 else year + 1, month, day)


def _enrolled(ctx: AppContext) -> list[tuple[int, str]]:
    with ctx.db.read() as s:
        return [(sid, no) for sid, no in s.execute(select(Student.id, Student.student_no)
                                                   .where(Student.status == "enrolled").order_by(Student.id))]


def _try(school: School, what: str, fn: Callable[[], object]) -> object | None:
    """A service call that the school's state may refuse (e.g. a release already waiting): the refusal
    is what a counselor would meet; count it and go on."""
    try:
        return fn()
    except UserError as e:
        school.counts.add(f"refused:{what}")
        school.counts.refusals.setdefault(what, str(e))
        return None


def _campaign(school: School, y: int, semester: int, start: date, enrolled: list[tuple[int, str]],
              progress: Callable[[str], None]) -> int:
    c = school.counselor
    nos = [no for _, no in enrolled]
    day = _day(start.year, 10 if semester == 1 else 4, 10)
    info = create_campaign(c, f"{start.year}学年第{semester}学期普查", list(BATTERY), grades=list(GRADES),
                           semester=semester, opens_on=day, open_now=True, today=day)
    answers = school.folder / "answers.csv"
    write_answers(answers, BATTERY, nos, school.severity.of(nos), np.random.default_rng(1000 * y + semester))
    import_survey(c, info.id, answers)
    answers.unlink()
    close_campaign(c, info.id)
    propose_for_campaign(c, info.id)
    progress(msg(f"第 {y + 1} 年第 {semester} 学期测评", f"year {y + 1}, semester {semester} campaign"))
    return info.id


def _review(school: School, campaign_id: int, day: date) -> None:
    """The whole queue: an interview, then a decision by how the student really is."""
    c = school.counselor
    with batched(c):
        rows = review_queue(c, campaign_id)
        school.counts.add("queued", len(rows))
        nos = [r.student_no for r in rows]
        z = dict(zip(nos, school.severity.of(nos), strict=True))
        for k, row in enumerate(rows):
            held = datetime.combine(day + timedelta(days=k % 20), datetime.min.time()).replace(hour=9 + k % 7)
            if z[row.student_no] >= CONFIRM_Z:
                level = row.proposed_level
            elif row.safety and z[row.student_no] >= SAFETY_WATCH_Z:
                level = LV.L4
            else:   # not listed; one already on the list keeps the level (leaving it is a release)
                level = row.current_level
            iv = record_interview(c, row.student_id, held_at=held, recommendation=level, now=held,
                                  findings="复核访谈：近期学业压力较大，睡眠欠佳。" if level else "复核访谈：情绪基本平稳，暂不列入。")
            if _try(school, "decide", lambda iv=iv, row=row, level=level, held=held: decide(
                    c, row.student_id, interview_id=iv.id, level=level, reason="复核访谈后确定",
                    today=held.date())) is not None:
                school.counts.add("decided" if level else "not_listed")


def _care(school: School, y: int, start: date, semester: int) -> None:
    """Half of the list's year: two follow-ups each; in the autumn crises, referrals and their
    outcomes; in the spring releases for those who recovered."""
    c = school.counselor
    rng = school.rng
    with batched(c, school.admin):
        listed = grid_list(c)
        nos = [r.student_no for r in listed]
        z = dict(zip(nos, school.severity.of(nos), strict=True))
        for month, dd in FOLLOW_UPS[2 * (semester - 1):2 * semester]:
            for r in listed:
                day = _day(start.year, month, dd + r.student_id % 10)
                _try(school, "follow_up", lambda r=r, day=day: log_follow_up(
                    c, r.student_id, summary="个别谈话，情绪较前平稳。", occurred_on=day, today=day))
                school.counts.add("follow_ups")
        steps = crisis_checklist(c)
        for r in listed if semester == 1 else ():
            if z[r.student_no] >= CRISIS_Z and (rng.random() < CRISIS_RATE or (r.student_no == school.busy_no
                                                and y == 1)):
                at = datetime.combine(_day(start.year, 11, 5 + r.student_id % 20), datetime.min.time()).replace(hour=14)
                record_crisis(c, r.student_id, occurred_at=at, summary="课间在走廊哭泣，自述有伤害自己的想法。",
                              steps=[CrisisStep(s_.step, True, at, "心理老师") for s_ in steps],
                              calls=[CrisisCall("监护人（母亲）", at + timedelta(minutes=10)),
                                     CrisisCall("分管副校长", at + timedelta(minutes=15))],
                              actions="专人陪护至家长到校，当日转介。")
                school.counts.add("crises")
            if r.level in (LV.L1, LV.L2) and (rng.random() < REFERRAL_RATE or (r.student_no == school.busy_no
                                                   and y == 1)):
                day = _day(start.year, 12, 1 + r.student_id % 20)
                ref = add_referral(c, r.student_id, institution="市精神卫生中心", referred_on=day,
                                   accompanied_by="班主任", guardian_informed=True, guardian_consent=True,
                                   guardian_informed_on=day, today=day)
                outcome = rng.choice(("outpatient", "outpatient", "assessed_no_treatment", "hospitalised", "declined"))
                later = day + timedelta(days=21)
                update_referral(c, ref.id, outcome=outcome, outcome_note="家长反馈就诊情况。",
                                return_plan="每周一次个别谈话，班主任每日关注。", feedback=(later, "医院反馈：按时复诊。"),
                                today=later)
                school.counts.add("referrals")
        for r in listed if semester == 2 else ():
            if z[r.student_no] < RELEASE_Z:
                day = _day(start.year, 6, 25)
                rel = _try(school, "release", lambda r=r, day=day: request_release(
                    c, r.student_id, reason="再次筛查与访谈均显示明显好转。",
                    evidence=[ReleaseEvidence("rescreen", day, "本学年第二次普查未达预警线"),
                              ReleaseEvidence("interview", day, "复核访谈：情绪稳定，社会功能良好")], today=day))
                if rel is None:
                    continue
                who = c if c.actor.can("grid.manage") and rel.approver_role == "counselor" else school.admin
                if _try(school, "release_decision", lambda rel=rel, who=who, day=day: decide_release(
                        who, rel.id, approve=True, note="同意解除，继续常规关注。", today=day)) is not None:
                    school.counts.add("releases")


def _records(school: School, start: date, enrolled: list[tuple[int, str]]) -> None:
    """Observations and parent contacts (students who struggle are noticed more), home visits; the
    busy student's year of notes."""
    c, rng = school.counselor, school.rng
    nos = [no for _, no in enrolled]
    z = school.severity.of(nos)
    weight = np.exp(1.2 * z)
    weight /= weight.sum()
    pick = np.random.default_rng(start.year)
    with batched(c):
        for k, i in enumerate(pick.choice(len(enrolled), size=school.observations, p=weight)):
            day = _day(start.year, (9, 10, 11, 12, 3, 4, 5, 6)[k % 8], 1 + k % 27)
            add_observation(c, enrolled[i][0], category=rng.choice(["mood", "peer", "study", "family"]),
                            text=rng.choice(OBSERVATIONS), severity="attention" if z[i] > 1 else "info", day=day,
                            today=day)
        for k, i in enumerate(pick.choice(len(enrolled), size=max(1, school.students // 50), p=weight)):
            day = _day(start.year, (10, 12, 3, 5)[k % 4], 1 + k % 27)
            add_parent_contact(c, enrolled[i][0], method="phone", text=rng.choice(CONTACTS), day=day, today=day)
        for k in range(max(1, school.students // 25)):
            day = _day(start.year, 4 if k % 2 else 11, 1 + k % 27)
            add_home_visit(c, rng.choice(enrolled)[0], day=day, visitors="班主任、心理老师", present="母亲",
                           findings="家庭关系和睦，家长关注学生睡眠。", today=day)
        busy = dict((no, sid) for sid, no in enrolled).get(school.busy_no or "")
        if busy is not None:
            for month in (9, 10, 11, 12, 1, 3, 4, 5, 6):
                day = _day(start.year, month, 12)
                add_observation(c, busy, category="mood", text=rng.choice(OBSERVATIONS), severity="attention",
                                day=day, today=day)
                if month in (10, 12, 3, 5):
                    add_parent_contact(c, busy, method="meeting", text=rng.choice(CONTACTS), day=day, today=day)
            add_home_visit(c, busy, day=_day(start.year, 11, 20), visitors="班主任、心理老师", present="父母",
                           findings="家庭沟通较少，约定每周家校联系。", today=_day(start.year, 11, 20))
        school.counts.add("observations", school.observations)


def _transfers(school: School, y: int, start: date, enrolled: list[tuple[int, str]]) -> None:
    """Transfers out (files exported, status 转出); files received from the other school, imported
    through the transfer import; a few arrivals as roster rows (a school that sent no file)."""
    n = max(1, school.students // 100)
    ids = [sid for sid, no in enrolled if no != school.busy_no]
    leaving = school.rng.sample(ids, min(n, len(ids)))
    out = school.folder / "transfer-out"
    result = export_batch(school.counselor, leaving, out, passphrase=PASSWORD + "-transfer-out",
                          handover_path=school.folder / "handover.pdf", now=datetime(start.year + 1, 1, 10, 9, 0))
    assert len(result.files) == len(leaving)
    shutil.rmtree(out)   # synthetic students, but the bench leaves no transfer files behind
    result.handover_pdf.unlink(missing_ok=True)
    with batched(school.admin):
        for sid in leaving:
            update_student(school.admin, sid, status="transferred_out")
    school.counts.add("transferred_out", len(leaving))

    arriving = school.source_ids[y * n:(y + 1) * n]
    if arriving:
        inbox = school.folder / "transfer-in"
        got = export_batch(school.source, arriving, inbox, passphrase=TRANSFER_PASSPHRASE,
                           handover_path=school.folder / "handover-in.pdf", now=datetime(start.year + 1, 2, 15, 9, 0))
        with school.admin.db.read() as s:
            classes = list(s.scalars(select(SchoolClass.id).where(SchoolClass.active.is_(True),
                                                                  SchoolClass.grade_code.in_(GRADES[:5]))))
        key = ExchangeKey(TRANSFER_PASSPHRASE)
        try:
            with batched(school.counselor):
                for f in got.files:
                    import_transfer(school.counselor, f.path, key, class_=school.rng.choice(classes))
        finally:
            shutil.rmtree(inbox)
            got.handover_pdf.unlink(missing_ok=True)
        school.counts.add("transfer_files_received", len(got.files))
    day = _day(start.year, 2, 20)
    import_records(school.admin, generate_students([("J2", 1)], per_class=max(1, n // 5), seed=9000 + y, today=day),
                   f"{start.year}学年转入", today=day)
    school.counts.add("arrivals_by_roster", max(1, n // 5))


def _source_school(folder: Path, students: int, years: int, start: date) -> tuple[AppContext, list[int]]:
    """The school the arrivals come from: its students with a few years of records each."""
    db = folder / "source.xadesk"
    create_school(db, "城东实验中学", "admin", PASSWORD, today=start)
    admin = login(db, "admin", PASSWORD)
    add_user(admin, "xinli", "外校心理老师", [RoleSpec(roles.COUNSELOR)], PASSWORD)
    n = max(1, students // 100) * years
    import_records(admin, bench_students(n, seed=4242, today=start), "外校名单", today=start)
    admin.close()
    ctx = login(db, "xinli", PASSWORD)
    ids = [sid for sid, _ in _enrolled(ctx)]
    rng = random.Random(4242)
    with batched(ctx):
        for sid in ids:
            for k in range(rng.randint(2, 6)):
                day = date(start.year - 1 - k % 2, (3, 5, 10, 12)[k % 4], 8 + k)
                add_observation(ctx, sid, category=rng.choice(["mood", "peer", "study", "family"]),
                                text=rng.choice(OBSERVATIONS), severity="info", day=day, today=start)
            if rng.random() < 0.3:
                add_home_visit(ctx, sid, day=date(start.year - 1, 11, 15), visitors="班主任", present="母亲",
                               findings="家长配合，学生适应良好。", today=start)
    return ctx, ids


def build_school(db: Path, folder: Path, *, years: int, students: int, observations: int,
                 progress: Callable[[str], None], on_year: Callable[[int, Path], None]) -> dict[str, int]:
    start = date(FIRST_YEAR, 9, 1)
    create_school(db, "十年基准学校", "admin", PASSWORD, today=start)
    admin = login(db, "admin", PASSWORD)
    counts = Counts()
    try:
        import_records(admin, bench_students(students, today=start), "开学名单", today=start)
        add_user(admin, "xinli", "心理老师", [RoleSpec(roles.COUNSELOR)], PASSWORD)
        counselor = login(db, "xinli", PASSWORD)
        source, source_ids = _source_school(folder, students, years, start)
        school = School(admin, counselor, source, Severity(20160901), random.Random(10), folder, students,
                        observations, counts, source_ids=source_ids)
        try:
            for y in range(years):
                _year(school, y, progress)
                on_year(y + 1, db)
        finally:
            counselor.close()
            source.close()
    finally:
        admin.close()
    return {**counts.values, "refusals": counts.refusals}


def _year(school: School, y: int, progress: Callable[[str], None]) -> None:
    start = date(FIRST_YEAR + y, 9, 1)
    if y > 0:
        promote(school.admin, today=date(FIRST_YEAR + y, 7, 20))
        # Two intakes: 七年级 from the primary schools, 高一 after the 中考 (九年级 graduates like 高三).
        per_grade = max(1, school.students // len(GRADES))
        classes = [(g, n) for g in ("J1", "S1") for n in range(1, -(-per_grade // 50) + 1)]
        import_records(school.admin, generate_students(classes, per_class=min(50, per_grade), seed=7000 + y,
                                                       today=start),
                       f"{FIRST_YEAR + y}级新生", today=start)
        school.severity.new_year()
    enrolled = _enrolled(school.admin)
    if school.busy_no is None:
        with school.admin.db.read() as s:
            j1 = set(s.scalars(select(Student.student_no).join(SchoolClass, SchoolClass.id == Student.class_id)
                               .where(SchoolClass.grade_code == "J1", Student.status == "enrolled")))
        school.busy_no = next(no for no in school.severity.ranked([no for _, no in enrolled]) if no in j1)
    if y < len(BUSY_Z):
        school.severity.z[school.busy_no] = BUSY_Z[y]
    for semester, month in ((1, 11), (2, 5)):
        cid = _campaign(school, y, semester, start, enrolled, progress)
        _review(school, cid, _day(start.year, month, 1))
        _care(school, y, start, semester)
    _records(school, start, enrolled)
    _transfers(school, y, start, enrolled)
