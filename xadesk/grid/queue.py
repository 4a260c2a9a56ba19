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
from typing import NamedTuple

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
    evidence_json: str | None = field(default=None, repr=False)   # None unless the viewer may see it

    @property
    def evidence(self) -> dict | None:
        """The scale values and flags behind a screening proposal (``screening.results`` only).
        Decoded when asked for: no list shows it, and decoding 5,000 was a third of the queue's time."""
        return json.loads(self.evidence_json) if self.evidence_json else None


class _Proposal(NamedTuple):
    """The columns of a pending ``GridProposal`` the queue reads (a plain row, not an ORM instance)."""

    id: int
    student_id: int
    campaign_id: int | None
    source: str
    level_code: str | None
    near_level: str | None
    rule_key: str
    rule_version: int | None
    rule_label: str
    matches_json: str
    evidence_json: str | None
    reason: str | None
    safety: bool
    near: bool
    validity_review: bool
    status: str
    created_at: datetime
    created_by_id: int | None
    created_by_name: str


def proposal_row(p: GridProposal | _Proposal, ctx: AppContext, decoded: dict[str, tuple] | None = None) -> ProposalRow:
    """What ``ctx``'s viewer sees of a proposal. ``decoded`` caches match lists by their JSON text
    across one read (a campaign's proposals share a few dozen distinct ones)."""
    full = ctx.actor.can("screening.results") or p.source != "screening"
    own = p.created_by_id == ctx.actor.user_id
    matches: tuple = ()
    if full:
        text = p.matches_json or "[]"
        cached = decoded.get(text) if decoded is not None else None
        matches = cached if cached is not None else tuple(json.loads(text))
        if decoded is not None:
            decoded[text] = matches
    return ProposalRow(
        p.id, p.student_id, p.campaign_id, p.source, SOURCES.get(p.source, p.source), p.level_code, p.near_level,
        p.rule_key if full else None, p.rule_version if full else None, p.rule_label if full else None,
        p.reason if (own or ctx.actor.can("grid.manage")) else None, p.safety, p.near, p.validity_review,
        p.status, p.created_at, p.created_by_name, matches,
        p.evidence_json if (p.evidence_json and ctx.actor.can("screening.results")) else None)


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


def _queue_row(ctx: AppContext, st: _QueuedStudent, ps: list[_Proposal], case_level: str | None,
               interview: GridInterview | None, decoded: dict[str, tuple]) -> QueueRow:
    graded = [p for p in ps if not p.near]
    level = proposed_level(ps)
    # min, not sorted()[0]: the same first proposal of the lowest key, without sorting each row's list.
    head = min(graded or ps, key=lambda p: (LV.RANK.get(p.level_code or "", 9), not p.safety))
    sources = tuple(sorted({p.source for p in ps}))
    agrees = False
    if "observation" in sources and "screening" in sources:   # else one of the two levels is None
        screening_level = proposed_level([p for p in graded if p.source == "screening"])
        agrees = screening_level is not None and screening_level == proposed_level(
            [p for p in graded if p.source == "observation"])
    full = ctx.actor.can("screening.results") or head.source != "screening"
    return QueueRow(
        st.id, st.student_no, st.name, st.grade, st.class_label, level,
        head.rule_label if full else SOURCES[head.source], sources, any(p.safety for p in ps),
        any(p.validity_review for p in ps), not graded, agrees, case_level,
        interview_row(interview, ctx, False) if interview else None,
        tuple(proposal_row(p, ctx, decoded) for p in ps))


@dataclass(frozen=True)
class _QueuedStudent:
    id: int
    student_no: str
    name: str
    grade: str | None
    class_label: str | None


def review_queue(ctx: AppContext, campaign_id: int | None = None, *, include_near: bool = False) -> list[QueueRow]:
    """Students with pending proposals (of one campaign, or all), most severe first; safety first
    within a level; validity reviews after the graded ones; near-threshold only with ``include_near``.

    Three reads whatever the queue's length: the pending proposals with their students and classes
    (plain columns, within scope), the open cases' levels and the unused interviews. Open cases and
    unused interviews are few in a whole school, so they are read whole rather than filtered by a
    list of thousands of queued students (which cost each read ~100 ms at 5,000 students)."""
    ctx.require("grid.manage")
    P = GridProposal
    with ctx.db.read() as s:
        q = (select(*(getattr(P, f) for f in _Proposal._fields), Student.student_no, Student.name,
                    SchoolClass.grade_code, SchoolClass.number)
             .join(Student, Student.id == P.student_id)
             .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
             .where(P.status == "pending", ctx.actor.student_filter()))
        if campaign_id is not None:
            # Manual proposals stay in view next to the campaign's: they are what agrees or not.
            q = q.where(or_(P.campaign_id == campaign_id, P.campaign_id.is_(None)))
        labels: dict[tuple, tuple[str | None, str | None]] = {}
        students: dict[int, _QueuedStudent] = {}
        pending: dict[int, list[_Proposal]] = defaultdict(list)
        queued: set[int] = set()   # students with a proposal of the campaign (any, without one)
        n = len(_Proposal._fields)
        for row in s.connection().execute(q.order_by(P.id)):
            p = _Proposal(*row[:n])
            sid = p.student_id
            if sid not in students:
                no, name, g, c = row[n:]
                if (g, c) not in labels:
                    labels[g, c] = (roster.grade_label(g), class_label(g, c)) if g is not None else (None, None)
                students[sid] = _QueuedStudent(sid, no, name, *labels[g, c])
            pending[sid].append(p)
            if campaign_id is None or p.campaign_id == campaign_id:
                queued.add(sid)
        cases = dict(s.execute(select(GridCase.student_id, GridCase.level_code)
                               .where(GridCase.status.in_(B.OPEN_STATUSES)).order_by(GridCase.id)).all())
        interviews: dict[int, GridInterview] = {}
        for i in s.scalars(select(GridInterview).where(GridInterview.id.not_in(select(GridDecision.interview_id)))
                           .order_by(GridInterview.held_at.desc(), GridInterview.id.desc())):
            if i.student_id in queued:
                interviews.setdefault(i.student_id, i)   # the latest one per student
        decoded: dict[str, tuple] = {}
        rows = []
        for sid in queued:
            row = _queue_row(ctx, students[sid], pending[sid], cases.get(sid), interviews.get(sid), decoded)
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


def capacity(ctx: AppContext, campaign_id: int | None = None, *,
             queue: Sequence[QueueRow] | None = None) -> CapacityView:
    """Flagged students by level against the counselors' weekly interview capacity. ``queue``: the
    campaign's ``review_queue(..., include_near=True)`` when the caller has just read it (the review
    screen does), so it is not read twice."""
    ctx.require("grid.manage")
    rows = list(queue) if queue is not None else review_queue(ctx, campaign_id, include_near=True)
    with ctx.db.read() as s:
        cap = B.capacity_map(s)
    graded = [r for r in rows if not r.near]
    by_level = {code: sum(1 for r in graded if r.proposed_level == code) for code in LV.LEVEL_CODES}
    waiting = sum(1 for r in graded if r.interview is None)
    per_week = sum(cap.values())
    return CapacityView(by_level, sum(1 for r in graded if r.validity_review and r.proposed_level is None),
                        tuple(r for r in rows if r.near), waiting, sum(1 for r in graded if r.interview is not None),
                        len(cap), per_week, round(waiting / per_week, 1) if per_week else None)
