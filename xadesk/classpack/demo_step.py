"""Demo school step: teacher ratings with a clearly labelled *fictional* checklist.

The checklist (``demo_teacher_checklist.json``: 示例：班主任观察评定清单（虚构，仅供演示）) is added to
the school's instruments, and an open campaign for 七年级(1)班 holds it, so the demo homeroom teacher
(bzr701) finds a rating task in a class pack. About half the class is rated already at the school
PC; the rest is left for teacher mode. No real teacher-rated instrument ships (see ``ratings``).
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from .. import demo
from ..services.campaigns import create_campaign
from ..services.context import AppContext
from ..services.instruments import add_definition
from ..services.login import load_actor
from ..storage.models import SchoolClass, Student, User
from .ratings import DEMO_CHECKLIST, rate_at_school

CAMPAIGN_NAME = "示例：班主任评定（虚构清单，仅供演示）"


def _as(ctx: AppContext, login: str) -> AppContext:
    with ctx.db.read() as s:
        actor = load_actor(s, s.scalar(select(User).where(User.login == login)))
    return AppContext(db=ctx.db, actor=actor, keyfile=ctx.keyfile)


def classpack_step(admin: AppContext, rng: random.Random, today: date) -> None:
    xinli, bzr = _as(admin, "xinli"), _as(admin, "bzr701")
    add_definition(xinli, DEMO_CHECKLIST)
    info = create_campaign(xinli, CAMPAIGN_NAME, ["demo_teacher_checklist"], classes=["七年级(1)班"],
                           purpose="targeted", open_now=True, today=today,
                           consent_notes="演示用虚构清单，不是筛查工具。")
    with admin.db.read() as s:
        ids = list(s.scalars(select(Student.id).join(SchoolClass, SchoolClass.id == Student.class_id)
                             .where(SchoolClass.grade_code == "J1", SchoolClass.number == 1,
                                    Student.status == "enrolled").order_by(Student.student_no)))
    for sid in ids[: len(ids) // 2]:
        answers = [float(min(2, int(rng.random() * 2.4))) for _ in range(6)]
        rate_at_school(bzr, info.id, sid, "demo_teacher_checklist", answers)


demo.STEPS.append(("classpack", classpack_step))
