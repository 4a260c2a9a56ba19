"""The warning grid in the demo school (a step registered in ``xadesk.demo_steps``).

Built through the ordinary services, acting as the demo counselor (李静), the homeroom teacher of
七年级(1)班 and the vice principal, so every row has its interview, decision, audit entry and notice:

- proposals: from a screening campaign's results if the demo has one with scores by the time this
  step runs, otherwise from homeroom observations and the counselor's own referrals; a crisis
  event for one student proposes 一级;
- about a dozen confirmed students at all four levels, each after a follow-up interview (one
  override with its reason), with designated contacts (the 七年级(1)班 homeroom teacher for her
  students) and tracking plans;
- follow-ups on schedule for most, some left overdue (one of them the homeroom teacher's, so her
  login greeting shows it);
- a green-channel referral with its outcome, return-to-school plan and feedback;
- a release from 三级 approved by the counselor, and a release from 一级 waiting for the vice principal;
- two health monitors in most junior-high classes, with this semester's training sessions.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..demo_steps import register
from ..storage.keyfile import user_slot_id
from ..storage.models import SchoolClass, Student, User
from ..storage.models_screening import ScreeningScore
from . import grid as G
from . import grid_care as C
from . import grid_monitors as M
from . import grid_tracking as T
from .context import AppContext
from .grid_screening import propose_for_campaign
from .login import load_actor


def _as(ctx: AppContext, login: str, password: str) -> AppContext:
    with ctx.db.read() as s:
        user = s.scalar(select(User).where(User.login == login))
        actor = load_actor(s, user)
    # The counselling key only through the person's own slot (their password), as at a real login.
    _key, wrapping = ctx.keyfile.unwrap_with_wrapping(user_slot_id(login), password)
    return AppContext(db=ctx.db, actor=actor, keyfile=ctx.keyfile,
                      counselling_key=ctx.keyfile.open_counselling(user_slot_id(login), wrapping))


def _class_students(ctx: AppContext, grade: str, number: int) -> list[int]:
    with ctx.db.read() as s:
        return list(s.scalars(select(Student.id).join(SchoolClass, SchoolClass.id == Student.class_id)
                              .where(SchoolClass.grade_code == grade, SchoolClass.number == number,
                                     Student.status == "enrolled").order_by(Student.student_no)))


# What a follow-up of each kind notes: a phone call does not read "面谈：…".
_FOLLOW_UP_NOTES = {
    "talk": ["课间谈话，情绪较上次平稳", "面谈：睡眠改善，愿意参加班级活动", "午休时面谈，谈到与同学和好"],
    "phone": ["与家长电话沟通，作息已规律", "电话联系家长：周末在家情绪稳定", "给家长回电，约定下周再沟通"],
    "observation": ["观察：能与同桌正常交流", "课堂上能主动举手发言", "课间与同学一起活动，状态较好"],
}


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0))


def demo_step(admin: AppContext, rng: random.Random, today: date, password: str) -> None:
    # The grid acts as the demo staff through the open database (``_as``) with their published password.
    xinli, bzr = _as(admin, "xinli", password), _as(admin, "bzr701", password)
    start = today - timedelta(days=70)
    # Who: two students of 七年级(1)班 (the demo homeroom teacher's class), the rest across the school.
    j11 = _class_students(admin, "J1", 1)
    others = [sid for g, n in (("J1", 3), ("J2", 2), ("J3", 1), ("J3", 4), ("P6", 2), ("P5", 1), ("J2", 5))
              for sid in rng.sample(_class_students(admin, g, n), 2)]
    mine = rng.sample(j11, 3)

    with admin.db.read() as s:
        campaigns = sorted({c for (c,) in s.execute(select(ScreeningScore.campaign_id).distinct())})
    chosen: list[int] = []
    if campaigns:
        # Screening results exist (the screening demo step ran first): the first eight flagged students.
        propose_for_campaign(xinli, campaigns[-1])
        chosen = [r.student_id for r in G.review_queue(xinli, campaigns[-1]) if r.proposed_level is not None][:8]
    # Observations and referrals as well, so that every level and every source is in the demo.
    plan = [(mine[0], "L2", "observation"), (mine[1], "L4", "observation"), (others[0], "L1", "manual"),
            (others[1], "L2", "referral"), (others[2], "L2", "manual"), (others[3], "L3", "manual"),
            (others[4], "L3", "referral"), (others[5], "L3", "manual"), (others[6], "L4", "manual"),
            (others[7], "L4", "referral"), (others[8], "L3", "manual"), (others[9], "L4", "manual")]
    reasons = {"observation": "近两周上课常走神、独来独往，午饭吃得很少", "manual": "心理课后主动求助，自述长期失眠、情绪低落",
               "referral": "家长来电反映孩子在家情绪波动大、不愿上学"}
    for sid, level, source in plan:
        if sid not in chosen:
            G.propose_manual(bzr if source == "observation" else xinli, sid, level, reasons[source], source)
            chosen.append(sid)

    # A crisis for the 一级 student: the checklist as handled, calls with times.
    l1 = others[0]
    crisis_day = start - timedelta(days=2)
    steps = [C.CrisisStep(x.step, True, _at(crisis_day, 10) + timedelta(minutes=5 * i), "李静")
             for i, x in enumerate(C.crisis_checklist(xinli)) if i != 6]
    C.record_crisis(xinli, l1, occurred_at=_at(crisis_day, 9), summary="课间在教学楼楼梯间情绪崩溃，同学报告后由班主任陪护",
                    steps=steps, calls=[C.CrisisCall("心理健康教师 李静", _at(crisis_day, 9) + timedelta(minutes=3)),
                                        C.CrisisCall("分管副校长 赵明", _at(crisis_day, 9) + timedelta(minutes=10)),
                                        C.CrisisCall("监护人（母亲）", _at(crisis_day, 9) + timedelta(minutes=15))],
                    actions="陪护至心理辅导室，母亲到校接回，次日经绿色通道就诊")
    proposed = {r.student_id: r.proposed_level for r in G.review_queue(xinli)}
    targets = [(sid, proposed[sid]) for sid in chosen if proposed.get(sid)]

    # Interviews and decisions, two to four days after the proposals.
    contacts = {}
    with admin.db.read() as s:
        ids = dict(s.execute(select(User.login, User.id)).all())
        grade_of = dict(s.execute(select(Student.id, SchoolClass.grade_code)
                                  .join(SchoolClass, SchoolClass.id == Student.class_id)).all())
    decided = []
    for k, (sid, level) in enumerate(targets):
        day = start + timedelta(days=2 + k % 3)
        override = k == 5 and level != "L4"
        rec = "L4" if override else level
        iv = G.record_interview(xinli, sid, held_at=_at(day, 14), findings="复核访谈：了解近况、睡眠与人际，评估风险与支持资源",
                                recommendation=rec, now=_at(today, 18))
        # Contacts only among staff who may see the student: the homeroom teacher for her class, the
        # 七年级 grade leader for some of her grade, the counselor for the rest.
        contact = (ids["bzr701"] if sid in mine else
                   ids["nianji7"] if grade_of.get(sid) == "J1" and k % 2 else ids["xinli"])
        G.decide(xinli, sid, interview_id=iv.id, level=rec, today=day, contact_id=contact,
                 reason="访谈中情绪平稳，困扰主要来自近期考试，先按关注跟踪" if override else None)
        contacts[sid] = contact
        decided.append((sid, rec, day))
        T.set_plan(xinli, sid, goal="情绪与睡眠逐步恢复，按时到校；每次随访记录变化")

    # Follow-ups on schedule; every third student misses the latest one (overdue), the homeroom
    # teacher's 二级 student among them.
    for k, (sid, _level, day) in enumerate(decided):
        actor = bzr if contacts[sid] == ids["bzr701"] else xinli
        rec = T.student_record(xinli, sid, today=today)
        freq = rec.case.frequency_days
        when = day + timedelta(days=freq)
        while when <= today - timedelta(days=freq if (k % 3 == 0 or sid == mine[0]) else 0):
            method = rng.choice(["talk", "phone", "observation"])
            T.log_follow_up(actor, sid, summary=rng.choice(_FOLLOW_UP_NOTES[method]), method=method,
                            occurred_on=when, today=today)
            when += timedelta(days=freq)

    # The green channel for the 一级 student.
    r = C.add_referral(xinli, l1, institution="西安市精神卫生中心（儿童青少年门诊）", referred_on=crisis_day + timedelta(days=1),
                       accompanied_by="母亲、心理健康教师李静", guardian_informed=True,
                       guardian_informed_on=crisis_day, guardian_consent=True,
                       consent_note="母亲签署知情同意书，同意学校陪同就诊", today=today)
    C.update_referral(xinli, r.id, outcome="outpatient", diagnosis_shared="医生诊断为抑郁状态，门诊药物治疗，每月复诊",
                      return_plan="按时服药，正常上课；避免当众批评；体育课量力而行；每两周家校沟通一次",
                      feedback=(crisis_day + timedelta(days=14), "家长反馈：服药后睡眠改善，按时复诊"), today=today)
    C.update_referral(xinli, r.id, feedback=(crisis_day + timedelta(days=42), "医院复诊反馈：情绪稳定，继续门诊随访"),
                      today=today)

    # Releases: one 三级 student released on evidence (the counselor approves); the 一级 student's
    # release waits for the vice principal.
    l3 = next(sid for sid, lv, _ in decided if lv in ("L3", "L4") and sid != mine[0])
    evidence = [C.ReleaseEvidence("rescreen", today - timedelta(days=10), "复测 PHQ-9 4 分，GAD-7 3 分"),
                C.ReleaseEvidence("interview", today - timedelta(days=7), "复核访谈：情绪稳定，社会支持良好")]
    rel = C.request_release(xinli, l3, reason="连续两次随访稳定，复测正常", evidence=evidence, today=today)
    C.decide_release(xinli, rel.id, approve=True, today=today)
    C.request_release(xinli, l1, reason="规律就医两个月，情绪稳定，医生建议可转为常规关注",
                      evidence=[C.ReleaseEvidence("doctor", today - timedelta(days=14), "医院复诊反馈：病情稳定")],
                      today=today)

    # Health monitors: two in each junior-high class (one class still short of its second), trained
    # twice this semester (the second session not everyone attended).
    registered = []
    for g in ("J1", "J2", "J3"):
        for n in range(1, 6):
            pool = _class_students(admin, g, n)
            if not pool:
                continue
            for sid in rng.sample(pool, 1 if (g, n) == ("J2", 4) else 2):
                registered.append(M.register_monitor(xinli, sid, appointed_on=start - timedelta(days=20),
                                                     today=today).id)
    M.record_training(xinli, held_on=today - timedelta(days=45), topic="健康委员职责与识别同学情绪变化", trainer="李静",
                      monitor_ids=registered, today=today)
    M.record_training(xinli, held_on=today - timedelta(days=12), topic="危机信号与及时报告", trainer="李静",
                      monitor_ids=[m for i, m in enumerate(registered) if i % 5], today=today)


register("grid", demo_step)
