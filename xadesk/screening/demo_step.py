"""Demo school step: completed first-semester screenings, last school year's and this one's.

PHQ-9, GAD-7 and ASQ for junior high, SCARED for upper primary (四–六年级), answered in the computer
lab (junior high) or on paper (primary), with score distributions close to published school
samples (most students minimal or mild, a tail of moderate and above), a few safety flags (PHQ-9
item 9, ASQ positives, one acute), a few too-fast responders, and some students missing, absent or
declined. Entered through the same batch path as imports (``screening_answers.ingest``) under the
demo counselor's account, so audit entries and alerts are real. Deterministic for a given seed.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..demo_steps import register
from ..services.campaigns import close_campaign, create_campaign, load, set_excused
from ..services.login import login
from ..services.screening_answers import Incoming, ingest
from ..storage.models import SchoolClass, Student
from ..storage.models_screening import CampaignTarget

CAMPAIGN_NAME = "第一学期心理健康普查"
PREVIOUS_NAME = "上学年第一学期心理健康普查"
JUNIOR = ["J1", "J2", "J3"]
UPPER_PRIMARY = ["P4", "P5", "P6"]


def _poisson(rng: random.Random, lam: float, top: int) -> int:
    # Knuth's method, capped: item answers are small counts of "how often".
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return min(k, top)
        k += 1


def _phq9(rng: random.Random, z: float) -> list[float | None]:
    lam = math.exp(-1.25 + 0.8 * z)
    items = [float(_poisson(rng, lam * (0.06 if j == 8 else 1.0), 3)) for j in range(9)]
    if any(items):
        items.append(float(min(3, round(sum(items) / 9 + rng.random() * 0.6))))
    else:
        items.append(None)
    return items


def _gad7(rng: random.Random, z: float) -> list[float | None]:
    lam = math.exp(-1.1 + 0.8 * z)
    return [float(_poisson(rng, lam, 3)) for _ in range(7)]


def _asq(rng: random.Random, z: float) -> list[float | None]:
    p = 1 / (1 + math.exp(6.2 - 1.4 * z))
    items: list[float | None] = [float(rng.random() < p * (0.4 if j == 3 else 1.0)) for j in range(4)]
    items.append(float(rng.random() < 0.12) if any(items) else None)
    return items


def _scared(rng: random.Random, z: float) -> list[float | None]:
    lam = math.exp(-0.75 + 0.55 * z)
    return [float(_poisson(rng, lam, 2)) for _ in range(41)]


GENERATORS = {"phq9": _phq9, "gad7": _gad7, "asq": _asq, "scared": _scared}


def screening_step(admin_ctx, rng: random.Random, day: date, password: str) -> None:
    ctx = login(admin_ctx.db.path, "xinli", password)
    try:
        start = date(day.year if day.month >= 9 else day.year - 1, 9, 15)
        # Last school year's screening first (a lower id: "the latest campaign" stays this year's), from
        # its own generator so this year's answers — and everything built on them — do not change.
        # The students were a grade lower then: today's 五、六年级 and 七年级 answered SCARED, today's
        # 八、九年级 PHQ-9 and GAD-7; today's 四年级 were in 三年级 and not screened.
        last = start.replace(year=start.year - 1)
        _campaign(ctx, random.Random(20250901), PREVIOUS_NAME,
                  [(i, ["J2", "J3"]) for i in ("phq9", "gad7")] + [("scared", ["P5", "P6", "J1"])],
                  ["P5", "P6", "J1", "J2", "J3"], last, safe=True)
        _campaign(ctx, rng, CAMPAIGN_NAME,
                  [(i, JUNIOR) for i in ("phq9", "gad7", "asq")] + [("scared", UPPER_PRIMARY)],
                  ["P4", "P5", "P6", "J1", "J2", "J3"], start)
    finally:
        ctx.close()


def _campaign(ctx, rng: random.Random, name: str, battery_spec: list, grades: list[str], start: date, *,
              safe: bool = False) -> None:
    """One completed campaign. ``safe``: no answer raises a safety flag (a year-old campaign whose
    alerts would all have been followed up long ago; the demo shows this year's open alerts only)."""
    info = create_campaign(
        ctx, name, battery_spec, grades=grades, semester=1, opens_on=start, closes_on=start + timedelta(days=14),
        consent_notes="开学家长会上告知测评目的与保密方式，家长签署知情同意书；不同意者不参加。", open_now=True,
        today=start)
    battery_of = {g: [iid for iid, gs in battery_spec if g in gs] for g in grades}
    with ctx.db.read() as s:
        targets = s.execute(select(CampaignTarget.student_id, SchoolClass.grade_code, SchoolClass.number)
                            .join(Student, Student.id == CampaignTarget.student_id)
                            .join(SchoolClass, SchoolClass.id == CampaignTarget.class_id)
                            .where(CampaignTarget.campaign_id == info.id)
                            .order_by(CampaignTarget.student_id)).all()
    rows: dict[str, list] = {k: [] for k in GENERATORS}
    sources: dict[str, list[tuple[str, str]]] = {k: [] for k in GENERATORS}
    excused = []
    for sid, gcode, number in targets:
        roll = rng.random()
        if roll < 0.035:
            continue                                # missing: not yet screened
        if roll < 0.045:
            excused.append((sid, "absent", "病假，未到校"))
            continue
        if roll < 0.052:
            excused.append((sid, "declined", "家长未签署知情同意书"))
            continue
        z = rng.gauss(0, 1)
        fast = rng.random() < 0.012
        when = datetime.combine(start + timedelta(days=rng.randrange(0, 10)), datetime.min.time()) \
            + timedelta(hours=8 + rng.randrange(0, 8), minutes=rng.randrange(0, 60))
        battery = battery_of[gcode]
        partial = "phq9" in battery and rng.random() < 0.01
        for k, iid in enumerate(battery):
            z_i = z if iid != "gad7" else 0.7 * z + 0.7 * rng.gauss(0, 1)
            answers = GENERATORS[iid](rng, z_i)
            if safe and iid == "phq9":
                answers[8] = 0.0
            seconds = [None if a is None else round((1.0 if fast else rng.uniform(3, 12)), 1) for a in answers]
            done = not (partial and k == len(battery) - 1)
            if not done:
                cut = 2
                answers = answers[:cut] + [None] * (len(answers) - cut)
                seconds = seconds[:cut] + [None] * (len(seconds) - cut)
            rows[iid].append(Incoming(sid, answers, seconds, done, when + timedelta(minutes=3 * k)))
            mode = ("paper", "xinli") if iid == "scared" else ("lab", f"LAB-{number:02d}")
            sources[iid].append(mode)
    with ctx.db.write() as s:
        c = load(s, info.id)
        for iid, incoming in rows.items():
            by_mode: dict[tuple[str, str], list] = {}
            for inc, src in zip(incoming, sources[iid], strict=True):
                by_mode.setdefault(src, []).append(inc)
            for (mode, source), part in sorted(by_mode.items()):
                ingest(ctx, s, c, iid, part, mode=mode, source=source)
    for sid, kind, reason in excused:
        set_excused(ctx, info.id, sid, kind, reason)
    close_campaign(ctx, info.id)


register("screening", screening_step)
