"""The review queue (复核队列): who waits for a follow-up interview, and why.

One row per student with pending proposals (of one campaign, or all), most severe first; safety
first within a level (a safety-floor proposal or a critical item left blank, see ``floor``); answers
to check after the graded ones; near-threshold students only when asked for. ``capacity`` sets the
queue against the counselors' weekly interview capacity. What a viewer sees of a proposal follows
their permissions (``proposal_row``): rule labels, matches and scores only with ``screening.results``.

Moved here from ``services/grid.py`` (which re-exports these names); decisions stay there and use
``pending_proposals``, ``proposed_level`` and ``unused_interview``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..compartment import content
from ..display import to_local
from ..domain.grades import class_label
from ..services import grid_base as B
from ..services import roster
from ..services.context import AppContext
from ..storage.models import SchoolClass, Student
from ..storage.models_grid import GridCase, GridDecision, GridInterview, GridProposal
from . import levels as LV
from .floor import BLANK_LABEL as CRITICAL_BLANK_LABEL

SOURCES = {"screening": "筛查", "observation": "班主任观察", "referral": "转介/报告", "manual": "心理教师判断",
           "crisis": "危机事件"}


@dataclass(frozen=True)
class ProposalRow:
    id: int
    student_id: int
    campaign_id: int | None
    source: str
    source_label: str
    level: str | None
    near_level: str | None
    rule_key: str | None        # None when redacted for this viewer
    rule_version: int | None    # 0 = the shipped default rule
    rule_label: str | None
    reason: str | None
    safety: bool
    near: bool
    validity_review: bool
    status: str
    created_at: datetime
    created_by_name: str
    matches: tuple[dict, ...] = ()
    evidence: dict | None = None


def proposal_row(p: GridProposal, ctx: AppContext) -> ProposalRow:
    full = ctx.actor.can("screening.results") or p.source != "screening"
    own = p.created_by_id == ctx.actor.user_id
    return ProposalRow(
        p.id, p.student_id, p.campaign_id, p.source, SOURCES.get(p.source, p.source), p.level_code, p.near_level,
        p.rule_key if full else None, p.rule_version if full else None, p.rule_label if full else None,
        p.reason if (own or ctx.actor.can("grid.manage")) else None, p.safety, p.near, p.validity_review,
        p.status, p.created_at, p.created_by_name,
        tuple(json.loads(p.matches_json or "[]")) if full else (),
        json.loads(p.evidence_json) if (p.evidence_json and ctx.actor.can("screening.results")) else None)


@dataclass(frozen=True)
class InterviewRow:
    id: int
    student_id: int
    interviewer_name: str
    held_at: datetime            # local time (stored in UTC)
    recommendation: str | None   # level code, None = not on the list
    findings: str | None         # None unless the viewer may read counselling notes
    used: bool                   # a decision already rests on it


@dataclass(frozen=True)
class QueueRow:
    student_id: int
    student_no: str
    name: str
    grade: str | None
    class_label: str | None
    proposed_level: str | None
    rule_label: str | None
    sources: tuple[str, ...]
    safety: bool
    validity_review: bool
    near: bool
    observation_agrees: bool     # a pending homeroom observation proposes the same level
    current_level: str | None    # the open case's level, if any
    interview: InterviewRow | None  # the latest interview not yet used by a decision
    proposals: tuple[ProposalRow, ...] = field(default=())

    @property
    def ready(self) -> bool:
        """An interview is recorded: a decision can be made."""
        return self.interview is not None

    @property
    def critical_blank(self) -> bool:
        """A critical item was left blank: the counselor asks the student (no level is proposed for it)."""
        return any(p.rule_label and p.rule_label.startswith(CRITICAL_BLANK_LABEL) for p in self.proposals)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the student is in the queue, as people read it (each pending proposal's matches, or its
        label, or — for a viewer who may not see screening detail — its source)."""
        out: dict[str, None] = {}
        for p in self.proposals:
            labels = [m.get("label") for m in p.matches if m.get("label")] or [p.rule_label or p.source_label]
            for label in labels:
                out[label] = None
        return tuple(out)

    def to_json(self) -> dict:
        return {"student_no": self.student_no, "name": self.name, "class": self.class_label,
                "proposed_level": self.proposed_level, "safety": self.safety, "validity_review": self.validity_review,
                "interviewed": self.interview is not None, "reasons": list(self.reasons)}


def interview_row(i: GridInterview, ctx: AppContext, used: bool) -> InterviewRow:
    return InterviewRow(i.id, i.student_id, i.interviewer_name, to_local(i.held_at),
                        None if i.recommendation == LV.NONE else i.recommendation,
                        content.interview_findings(ctx.counselling_key, i) if ctx.actor.can("counselling.read")
                        else None, used)


def pending_proposals(s: Session, student_ids: Iterable[int] | None = None) -> dict[int, list[GridProposal]]:
    q = select(GridProposal).where(GridProposal.status == "pending")
    if student_ids is not None:
        q = q.where(GridProposal.student_id.in_(list(student_ids)))
    out: dict[int, list[GridProposal]] = defaultdict(list)
    for p in s.scalars(q.order_by(GridProposal.id)):
        out[p.student_id].append(p)
    return out


def proposed_level(ps: Sequence[GridProposal]) -> str | None:
    return LV.most_severe(p.level_code for p in ps if not p.near)


def unused_interview(s: Session, student_id: int) -> GridInterview | None:
    used = select(GridDecision.interview_id)
    return s.scalars(select(GridInterview).where(GridInterview.student_id == student_id,
                                                 GridInterview.id.not_in(used))
                     .order_by(GridInterview.held_at.desc(), GridInterview.id.desc())).first()


def _queue_row(ctx: AppContext, st: _QueuedStudent, ps: list[GridProposal], case: GridCase | None,
               interview: GridInterview | None) -> QueueRow:
    grade, label = st.grade, st.class_label
    graded = [p for p in ps if not p.near]
    level = proposed_level(ps)
    head = sorted(graded or ps, key=lambda p: (LV.RANK.get(p.level_code or "", 9), not p.safety))[0]
    screening_level = proposed_level([p for p in graded if p.source == "screening"])
    obs_level = proposed_level([p for p in graded if p.source == "observation"])
    full = ctx.actor.can("screening.results") or head.source != "screening"
    return QueueRow(
        st.id, st.student_no, st.name, grade, label, level, head.rule_label if full else SOURCES[head.source],
        tuple(sorted({p.source for p in ps})), any(p.safety for p in ps), any(p.validity_review for p in ps),
        not graded, screening_level is not None and screening_level == obs_level,
        case.level_code if case else None,
        interview_row(interview, ctx, False) if interview else None, tuple(proposal_row(p, ctx) for p in ps))


@dataclass(frozen=True)
class _QueuedStudent:
    id: int
    student_no: str
    name: str
    grade: str | None
    class_label: str | None


def _queued_ids(campaign_id: int | None):
    """The students with pending proposals (of the campaign), as a subquery: the later set-based reads
    filter by it instead of binding thousands of ids."""
    q = select(GridProposal.student_id).where(GridProposal.status == "pending")
    if campaign_id is not None:
        q = q.where(GridProposal.campaign_id == campaign_id)
    return q


def review_queue(ctx: AppContext, campaign_id: int | None = None, *, include_near: bool = False) -> list[QueueRow]:
    """Students with pending proposals (of one campaign, or all), most severe first; safety first
    within a level; validity reviews after the graded ones; near-threshold only with ``include_near``.

    A handful of set-based reads whatever the queue's length (students with their classes, pending
    proposals, open cases, unused interviews): a campaign of 5,000 students once cost ~4 per student."""
    ctx.require("grid.manage")
    with ctx.db.read() as s:
        queued = _queued_ids(campaign_id)
        # Five columns, not Student objects with their classes: the queue shows no more of them.
        q = (select(Student.id, Student.student_no, Student.name, SchoolClass.grade_code, SchoolClass.number)
             .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
             .where(Student.id.in_(queued), ctx.actor.student_filter()))
        labels: dict[tuple, tuple[str | None, str | None]] = {}
        students: dict[int, _QueuedStudent] = {}
        for sid, no, name, g, n in s.execute(q):
            if (g, n) not in labels:
                labels[g, n] = (roster.grade_label(g), class_label(g, n)) if g is not None else (None, None)
            students[sid] = _QueuedStudent(sid, no, name, *labels[g, n])
        pq = select(GridProposal).where(GridProposal.status == "pending", GridProposal.student_id.in_(queued))
        if campaign_id is not None:
            # Manual proposals stay in view next to the campaign's: they are what agrees or not.
            pq = pq.where(or_(GridProposal.campaign_id == campaign_id, GridProposal.campaign_id.is_(None)))
        pending: dict[int, list[GridProposal]] = defaultdict(list)
        for p in s.scalars(pq.order_by(GridProposal.id)):
            if p.student_id in students:
                pending[p.student_id].append(p)
        cases = {c.student_id: c for c in s.scalars(
            select(GridCase).where(GridCase.status.in_(B.OPEN_STATUSES), GridCase.student_id.in_(queued))
            .order_by(GridCase.id.desc()))}
        interviews: dict[int, GridInterview] = {}
        for i in s.scalars(select(GridInterview).where(GridInterview.student_id.in_(queued),
                                                       GridInterview.id.not_in(select(GridDecision.interview_id)))
                           .order_by(GridInterview.held_at.desc(), GridInterview.id.desc())):
            interviews.setdefault(i.student_id, i)   # the latest one per student
        rows = []
        for sid, st in students.items():
            ps = pending.get(sid)
            if not ps:
                continue
            row = _queue_row(ctx, st, ps, cases.get(sid), interviews.get(sid))
            if row.near and not include_near:
                continue
            rows.append(row)
    rows.sort(key=lambda r: (r.near, LV.RANK.get(r.proposed_level or "", 8), not r.safety, r.class_label or "",
                             r.student_no))
    return rows


@dataclass(frozen=True)
class CapacityView:
    by_level: dict[str, int]          # students waiting for an interview, by proposed level
    validity_review: int
    near: tuple[QueueRow, ...]        # near-threshold students, shown apart
    waiting: int                      # students waiting for an interview (all graded + validity)
    interviewed: int                  # students with an interview recorded, not yet decided
    counselors: int
    per_week: int                     # interviews a week, all counselors together
    weeks_needed: float | None        # None when there is no capacity at all

    def to_json(self) -> dict:
        return {"by_level": self.by_level, "validity_review": self.validity_review, "near": len(self.near),
                "waiting": self.waiting, "interviewed": self.interviewed, "counselors": self.counselors,
                "per_week": self.per_week, "weeks_needed": self.weeks_needed}


def capacity(ctx: AppContext, campaign_id: int | None = None) -> CapacityView:
    """Flagged students by level against the counselors' weekly interview capacity."""
    rows = review_queue(ctx, campaign_id, include_near=True)
    with ctx.db.read() as s:
        cap = B.capacity_map(s)
    graded = [r for r in rows if not r.near]
    by_level = {code: sum(1 for r in graded if r.proposed_level == code) for code in LV.LEVEL_CODES}
    waiting = sum(1 for r in graded if r.interview is None)
    per_week = sum(cap.values())
    return CapacityView(by_level, sum(1 for r in graded if r.validity_review and r.proposed_level is None),
                        tuple(r for r in rows if r.near), waiting, sum(1 for r in graded if r.interview is not None),
                        len(cap), per_week, round(waiting / per_week, 1) if per_week else None)
