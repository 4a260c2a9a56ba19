"""Teacher ratings (issue 14): a campaign may hold an instrument whose ``rater`` is ``teacher``; the
homeroom teacher rates every target student of their class, in the class pack or at the school PC.

A rating is stored exactly like a student's own answers — a ``ScreeningResponse`` of the campaign,
``mode`` ``teacher``, ``source`` the teacher's login — through ``screening_answers.ingest``, so it is
scored by the same engine and joins the grid rules like any self-report result (a rule may combine
both). Students never see such an instrument (``BatteryEntry.applies_to`` is for self-report only).
The same teacher rating a student again replaces their own earlier rating (same source, as
``ingest`` treats any source); a different rating from another source becomes a screening conflict
for the counselor to decide, never a silent overwrite.

API::

    rating_tasks(s, class_id) -> list[dict]          # for the pack: open campaigns, definition, students
    school_rating_tasks(ctx) -> list[SchoolRatingTask]  # for the school PC screen (班主任评定)
    rate_at_school(ctx, campaign, student_id, answers) -> IngestStats
    check_answers(defn, answers) -> list[float]      # the one check, teacher PC and school PC
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..compartment.answers import TEACHER_MODE, readable
from ..domain.grades import class_label
from ..errors import PermissionDenied, UserError
from ..instruments.definition import RATER_TEACHER, Definition
from ..screening.battery import check_value, is_shown
from ..services import audit
from ..services import grid_base as B
from ..services.campaigns import load, require_open
from ..services.context import AppContext
from ..services.instruments import definition
from ..services.screening_answers import Incoming, IngestStats, ingest
from ..storage.models import SchoolClass, Student
from ..storage.models_screening import Campaign, CampaignInstrument, CampaignTarget, ScreeningResponse

MODE = TEACHER_MODE  # answers stored in this mode are not sealed as counselling content
# A clearly labelled fictional checklist for the demo school and tests: no real teacher-rated
# instrument ships, because none with a licence we could verify was found (``instruments add``
# takes a school's licensed one).
DEMO_CHECKLIST = Path(__file__).with_name("demo_teacher_checklist.json")


def check_answers(defn: Definition, answers: Any) -> list[float | None]:
    """Every shown item answered with one of its options; items not shown stay blank."""
    if not isinstance(answers, list) or len(answers) != defn.n_items:
        raise UserError(f"评定应有 {defn.n_items} 题的答案。", f"A rating needs {defn.n_items} answers.",
                        field="answers")
    out: list[float | None] = []
    for j, v in enumerate(answers):
        out.append(check_value(defn, j, None if v in (None, "") else float(v)))
    for j in range(defn.n_items):
        if out[j] is None and is_shown(defn, out, j):
            raise UserError(f"第{j + 1}题还没有评定。", f"Item {j + 1} is not rated yet.", field=str(j + 1))
    return out


def rating_tasks(s: Session, class_id: int) -> list[dict[str, Any]]:
    """Open campaigns with a teacher-rated instrument for students of this class."""
    cls = s.get(SchoolClass, class_id)
    out = []
    rows = s.execute(select(Campaign, CampaignInstrument)
                     .join(CampaignInstrument, CampaignInstrument.campaign_id == Campaign.id)
                     .where(Campaign.status == "open").order_by(Campaign.id, CampaignInstrument.position)).all()
    for c, ci in rows:
        grades = tuple(g for g in ci.grades.split(",") if g)
        if grades and cls.grade_code not in grades:
            continue
        defn = definition(s, ci.instrument_id, ci.version)
        if defn.rater != RATER_TEACHER:
            continue
        nos = s.scalars(select(Student.student_no).join(CampaignTarget, CampaignTarget.student_id == Student.id)
                        .where(CampaignTarget.campaign_id == c.id, Student.class_id == class_id,
                               Student.status == "enrolled").order_by(Student.student_no)).all()
        if nos:
            # Who is rated already (at the school PC, or merged from an earlier return): no answers travel.
            done = s.scalars(select(Student.student_no)
                             .join(ScreeningResponse, ScreeningResponse.student_id == Student.id)
                             .where(ScreeningResponse.campaign_id == c.id,
                                    ScreeningResponse.instrument_id == ci.instrument_id,
                                    ScreeningResponse.status == "completed", Student.class_id == class_id)).all()
            out.append({"campaign_uuid": c.uuid, "campaign_name": c.name, "instrument_id": ci.instrument_id,
                        "version": ci.version, "name": defn.name_zh, "definition": defn.to_dict(),
                        "students": list(nos), "rated": sorted(done)})
    return out


def teacher_definition(s: Session, c: Campaign, instrument_id: str) -> Definition | None:
    ci = s.scalar(select(CampaignInstrument).where(CampaignInstrument.campaign_id == c.id,
                                                   CampaignInstrument.instrument_id == instrument_id))
    if ci is None:
        return None
    defn = definition(s, ci.instrument_id, ci.version)
    return defn if defn.rater == RATER_TEACHER else None


def store_rating(ctx: AppContext, s: Session, c: Campaign, instrument_id: str, student_id: int,
                 answers: list[float | None], *, rater_login: str, when: datetime | None = None) -> IngestStats:
    """Inside the caller's transaction (the class-pack merge, or :func:`rate_at_school`)."""
    when = when or datetime.now(UTC).replace(tzinfo=None)
    return ingest(ctx, s, c, instrument_id, [Incoming(student_id, answers, None, True, when)], mode=MODE,
                  source=rater_login)


@dataclass(frozen=True)
class RatingStudent:
    student_id: int
    student_no: str
    name: str
    answers: tuple[float | None, ...] | None   # the stored rating; None: not rated; (): rated, not shown


@dataclass(frozen=True)
class SchoolRatingTask:
    """One teacher-rated instrument of an open campaign, for one class."""

    campaign_id: int
    campaign_name: str
    instrument_id: str
    class_id: int
    class_label: str
    definition: Definition
    students: tuple[RatingStudent, ...]
    can_rate: bool                          # False: the counselor's view of a class's progress

    @property
    def rated(self) -> int:
        return sum(st.answers is not None for st in self.students)


def school_rating_tasks(ctx: AppContext) -> list[SchoolRatingTask]:
    """What the school PC's 班主任评定 screen offers this user: for a homeroom teacher, every open
    teacher-rated campaign instrument of their class(es), with the students and their stored
    ratings; for a counselor who teaches no class, every class's progress (who is rated), without
    the answers — only the homeroom teacher rates (:func:`rate_at_school`). A grade leader sees the
    progress of their grade's classes the same way (teacher ratings feed the grade's part of the
    grid; the grade leader is the one who reminds a class's teacher), also beside a class of their
    own, which they rate."""
    ctx.require("observation.write")
    own = set(ctx.actor.class_ids)
    everything = not own and ctx.actor.can("classpack.import")
    grades = ctx.actor.grade_codes
    out: list[SchoolRatingTask] = []
    with ctx.db.read() as s:
        classes = s.scalars(select(SchoolClass).where(SchoolClass.active.is_(True))
                            .order_by(SchoolClass.grade_code, SchoolClass.number)).all()
        for cls in classes:
            overview = cls.id not in own
            if overview and not (everything or cls.grade_code in grades):
                continue
            for task in rating_tasks(s, cls.id):
                c = s.scalar(select(Campaign).where(Campaign.uuid == task["campaign_uuid"]))
                defn = definition(s, task["instrument_id"], task["version"])
                rows = s.execute(select(Student.id, Student.student_no, Student.name)
                                 .where(Student.student_no.in_(task["students"]))
                                 .order_by(Student.student_no)).all()
                stored = {sid: a for sid, a in s.execute(
                    select(ScreeningResponse.student_id, ScreeningResponse.answers_json)
                    .where(ScreeningResponse.campaign_id == c.id,
                           ScreeningResponse.instrument_id == task["instrument_id"],
                           ScreeningResponse.status == "completed"))}
                # Teacher ratings stay under the database key (xadesk.compartment.answers): readable here.
                students = tuple(
                    RatingStudent(sid, no, name,
                                  None if sid not in stored else
                                  (tuple(readable(stored[sid]) or ()) if not overview else ()))
                    for sid, no, name in rows)
                out.append(SchoolRatingTask(c.id, c.name, task["instrument_id"], cls.id,
                                            class_label(cls.grade_code, cls.number), defn, students,
                                            can_rate=not overview))
    return out


def rate_at_school(ctx: AppContext, campaign: int | str, student_id: int, instrument_id: str,
                   answers: list[float | None]) -> IngestStats:
    """The homeroom teacher rates one student of their class at the school PC."""
    ctx.require("observation.write")
    with ctx.db.write() as s:
        c = load(s, campaign)
        require_open(c)
        st = B.scoped_student(ctx, s, student_id)
        if st.class_id not in ctx.actor.class_ids:
            raise PermissionDenied("只有该生的班主任可以做班主任评定。", "Only the student's homeroom teacher rates.")
        defn = teacher_definition(s, c, instrument_id)
        if defn is None:
            raise UserError("这次测评活动没有这个班主任评定量表。", "No such teacher-rated instrument in the campaign.")
        if s.scalar(select(CampaignTarget.id).where(CampaignTarget.campaign_id == c.id,
                                                    CampaignTarget.student_id == st.id)) is None:
            raise UserError("该学生不在这次测评的对象中。", "This student is not a target of the campaign.")
        stats = store_rating(ctx, s, c, instrument_id, st.id, check_answers(defn, answers), rater_login=ctx.actor.login)
        audit.record_for(ctx, s, "classpack.rating", student_id=st.id, target=f"campaign:{c.id}",
                         detail={"instrument": instrument_id, **stats.to_json()})
        return stats
