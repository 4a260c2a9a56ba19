"""Demo school step: two school years of growth-archive history, and graduating grades ready to export.

Runs after the screening and warning-grid steps, under the staff who would write the records
(homeroom teachers for their own classes, the grade leader for 七年级, the counselor for the rest),
through the record services (the many home visits and strengths in one transaction per author,
with the same rows and audit entries), so authors, scopes and audit entries are real:

- home visits: last school year for the graduating grades (九年级, 六年级), most students visited;
  this school year a varying share per class, so the coverage view has something to show;
- observations in every class, more for students on the warning grid, some parent contacts;
- strengths, awards and good moments for about one student in twelve;
- life events (family change, bereavement, illness) and a few special-group changes with dates;
- counselling sessions for students on the grid; for some in the graduating grades a guardian's
  written consent (or a safety exception) so their counselling content travels.

Deterministic for a given seed. The screening demo has two school years of campaigns, so the trend
charts of students screened in both show two points per scale.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from sqlalchemy import select

from ..demo_steps import register
from ..domain.grades import class_label
from ..domain.schoolyear import school_year_of
from ..services import audit, records, roster
from ..services.login import login, now_utc
from ..services.records import WRITE_PERMISSION
from ..storage.models import SchoolClass, Student
from ..storage.models_archive import ArchiveRecord
from ..storage.models_grid import GridCase
from . import kinds as K

GRADUATING = ("J3", "P6")

OBSERVATIONS = {
    "mood": ["课间常一个人坐着，情绪低落。", "最近笑容多了，愿意和同学说话。", "上课时容易烦躁，偶有哭泣。",
             "自述晚上睡不好，白天精神差。"],
    "peer": ["与同桌发生争执，已调解。", "被同学起外号，心里委屈。", "主动邀请新同学一起活动。"],
    "study": ["作业连续几天未完成。", "月考成绩明显下滑，自己很着急。", "课堂发言积极，进步明显。"],
    "behaviour": ["上课走神，常看窗外。", "近期迟到次数增多。", "值日认真负责。"],
    "family": ["家长反映孩子在家玩手机到很晚。", "父母外出务工，由祖父母照看。"],
    "health": ["经常说头疼、肚子疼，校医检查无异常。"],
    "attendance": ["本月请病假三次。"],
}
STRENGTHS = {
    "strength": ["书法工整，板报设计出色。", "擅长长跑，坚持晨练。", "乐于助人，同学信任。", "绘画有天赋。"],
    "award": ["校运会800米第二名。", "区作文比赛三等奖。", "获评“三好学生”。", "数学竞赛校级一等奖。"],
    "good_moment": ["主动帮助生病的同学补课。", "在班会上分享自己的成长故事。", "为班级拾金不昧。"],
}
LIFE_EVENTS = [
    ("family_change", "父母离异，随母亲生活。"),
    ("bereavement", "爷爷去世，与爷爷感情很深。"),
    ("illness", "母亲住院手术，家中无人照看。"),
    ("family_change", "家里添了弟弟，父母精力分散。"),
]
VISIT_FINDINGS = ["家庭关系和睦，家长重视孩子学习。", "父亲长期在外务工，母亲一人照看两个孩子。",
                  "家长与孩子沟通较少，约定每周谈心一次。", "住房较紧张，孩子没有独立学习空间。",
                  "祖父母照看，对孩子情绪变化关注不够。"]
PRESENT = ["母亲", "父亲、母亲", "祖父母", "母亲、外婆", "父亲"]
CONTACTS = [("phone", "电话沟通孩子近期的睡眠和情绪。"), ("meeting", "约家长到校面谈，共同制定陪伴计划。"),
            ("message", "微信告知家长孩子本周在校表现良好。")]
COUNSELLING = ["自述考试焦虑，练习呼吸放松。", "谈及与父母的冲突，约定复谈。", "情绪较前平稳，继续跟进。",
               "讨论人际困扰，练习表达需求。"]


def _day_between(rng: random.Random, a: date, b: date) -> date:
    return a + timedelta(days=rng.randrange(0, max(1, (b - a).days + 1)))


def _add_many(items: list[tuple]) -> None:
    """The many home visits and strengths in one transaction per author: the same rows and audit
    entries ``services.records`` writes, without a transaction each (the demo is built in tests)."""
    by_author: dict[int, list[tuple]] = {}
    for it in items:
        by_author.setdefault(id(it[0]), []).append(it)
    for group in by_author.values():
        ctx = group[0][0]
        for kind in {it[2] for it in group}:
            ctx.require(WRITE_PERMISSION[kind])
        with ctx.db.write() as s:
            for _ctx, sid, kind, day, category, text, visitors, present in group:
                rec = ArchiveRecord(uuid=str(uuid.uuid4()), student_id=sid, kind=kind, occurred_on=day,
                                    category=category, text=text, visitors=visitors, present=present,
                                    author_id=ctx.actor.user_id, author_name=ctx.actor.display_name,
                                    created_at=now_utc())
                s.add(rec)
                audit.record_for(ctx, s, "record.add", student_id=sid, target=rec.uuid, detail={"kind": kind})


def archive_step(admin_ctx, rng: random.Random, day: date, password: str) -> None:
    path = admin_ctx.db.path
    this_year = school_year_of(day)
    prev_start = date(this_year.start.year - 1, 9, 1)
    prev_end = date(this_year.start.year, 7, 10)
    now_start = this_year.start

    with admin_ctx.db.read() as s:
        rows = s.execute(select(Student.id, SchoolClass.id, SchoolClass.grade_code, SchoolClass.number)
                         .join(SchoolClass, Student.class_id == SchoolClass.id)
                         .where(Student.status == "enrolled", SchoolClass.active.is_(True))
                         .order_by(SchoolClass.grade_code, SchoolClass.number, Student.id)).all()
        on_grid = set(s.scalars(select(GridCase.student_id).where(GridCase.status.in_(("active", "release_pending")))))
    classes: dict[tuple[str, int], list[int]] = {}
    for sid, _cid, g, n in rows:
        classes.setdefault((g, n), []).append(sid)

    counselor = login(path, "xinli", password)
    writers = {class_label("J1", 1): login(path, "bzr701", password),
               class_label("P4", 1): login(path, "bzr401", password)}
    leader_j1 = login(path, "nianji7", password)
    try:
        def writer(g: str, n: int):
            return writers.get(class_label(g, n)) or (leader_j1 if g == "J1" else counselor)

        bulk: list[tuple] = []
        for (g, n), members in sorted(classes.items()):
            w = writer(g, n)
            visitors = "班主任" if w is not counselor else "班主任、心理健康教师"
            # Home visits: last year for the graduating grades, this year a share that differs per class.
            if g in GRADUATING:
                for sid in members:
                    if rng.random() < (0.85 if g == "J3" else 0.5):
                        bulk.append((w, sid, K.HOME_VISIT, _day_between(rng, prev_start + timedelta(days=20), prev_end),
                                     None, rng.choice(VISIT_FINDINGS), visitors, rng.choice(PRESENT)))
            share = rng.choice((0.0, 0.05, 0.1, 0.2, 0.4))
            for sid in members:
                if rng.random() < share:
                    bulk.append((w, sid, K.HOME_VISIT, _day_between(rng, now_start + timedelta(days=7), day),
                                 None, rng.choice(VISIT_FINDINGS), visitors, rng.choice(PRESENT)))
            # A few observations per class, more for students on the grid.
            for sid in rng.sample(members, k=min(len(members), 3)):
                cat = rng.choice(list(OBSERVATIONS))
                records.add_observation(w, sid, category=cat, text=rng.choice(OBSERVATIONS[cat]),
                                        severity=rng.choice(("info", "info", "attention")),
                                        day=_day_between(rng, prev_start + timedelta(days=10), day), today=day)
            for sid in members:
                if rng.random() < 1 / 12:
                    cat = rng.choice(list(STRENGTHS))
                    bulk.append((w, sid, K.STRENGTH, _day_between(rng, prev_start, day), cat,
                                 rng.choice(STRENGTHS[cat]), None, None))
                if sid in on_grid:
                    for when in (_day_between(rng, prev_start + timedelta(days=30), prev_end),
                                 _day_between(rng, now_start, day)):
                        records.add_observation(w, sid, category="mood", text=rng.choice(OBSERVATIONS["mood"]),
                                                severity="attention", day=when, today=day)
                    method, text = rng.choice(CONTACTS)
                    records.add_parent_contact(w, sid, method=method, text=text,
                                               day=_day_between(rng, now_start, day), today=day)

        _add_many(bulk)
        grid_students = sorted(on_grid)
        for i, sid in enumerate(grid_students):
            for when in (_day_between(rng, prev_start + timedelta(days=40), prev_end),
                         _day_between(rng, now_start + timedelta(days=14), day)):
                records.add_counselling(counselor, sid, text=rng.choice(COUNSELLING), day=when, today=day)
            if i % 5 == 0:
                kind, text = LIFE_EVENTS[(i // 5) % len(LIFE_EVENTS)]
                records.add_life_event(counselor, sid, category=kind, text=text,
                                       day=_day_between(rng, prev_start, prev_end), today=day)
        graduating_on_grid = [sid for sid, _c, g, _n in rows if g in GRADUATING and sid in on_grid]
        for i, sid in enumerate(graduating_on_grid[:3]):
            if i == 2:
                records.record_consent(counselor, sid, basis_kind="safety_exception", given_by="心理健康教师 李静",
                                       basis="存在持续安全风险，接收学校须了解辅导经过（经分管校长同意）",
                                       day=day - timedelta(days=3), today=day)
            else:
                records.record_consent(counselor, sid, basis_kind="guardian_consent", given_by="母亲",
                                       basis="书面同意将心理辅导记录随档案转至升学学校", day=day - timedelta(days=5),
                                       today=day)
        # Special-group changes with dates (the roster step set today's tags; these have a history).
        others = [sid for sid, *_ in rows if sid not in on_grid]
        for sid in rng.sample(others, k=min(6, len(others))):
            roster.set_tag(admin_ctx, sid, "single_parent", True, day=_day_between(rng, prev_start, prev_end))
        for sid in rng.sample(others, k=min(4, len(others))):
            roster.set_tag(admin_ctx, sid, "left_behind", True, day=prev_start + timedelta(days=3))
            roster.set_tag(admin_ctx, sid, "left_behind", False, day=_day_between(rng, now_start, day))
    finally:
        for c in (*writers.values(), leader_j1, counselor):
            c.close()


register("archive", archive_step)
