"""Demo school step: the clearly labelled *fictional* teacher checklist in the school's library.

``demo_teacher_checklist.json`` (示例：班主任观察评定清单（虚构，仅供演示）) is added to the school's
instruments, so a counselor trying the demo can put it in a campaign and the demo homeroom teacher
(bzr701) finds a rating task in a class pack. No real teacher-rated instrument ships (see
``ratings``). No campaign is created here: the demo's screening is its one campaign, which other
areas' demo steps and tests rely on.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from ..demo_steps import register
from ..services.context import AppContext
from ..services.instruments import add_definition
from ..services.login import load_actor
from ..storage.models import User
from .ratings import DEMO_CHECKLIST


def classpack_step(admin: AppContext, rng: random.Random, today: date, _password: str) -> None:
    with admin.db.read() as s:
        actor = load_actor(s, s.scalar(select(User).where(User.login == "xinli")))
    add_definition(AppContext(db=admin.db, actor=actor, keyfile=admin.keyfile), DEMO_CHECKLIST)


register("classpack", classpack_step)
