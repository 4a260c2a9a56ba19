"""The review queue reads in a few set-based queries (issue 15): it must give exactly what the former
per-student version gave (one open-case and one unused-interview query per row) on a varied fixture."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.grid.conftest import gad7, phq9, place
from xadesk.grid import levels as LV
from xadesk.grid.queue import (
    SOURCES,
    QueueRow,
    interview_row,
    pending_proposals,
    proposal_row,
    proposed_level,
    review_queue,
    unused_interview,
)
from xadesk.services import grid as G
from xadesk.services import grid_base as B
from xadesk.storage.models import Student
from xadesk.storage.models_grid import GridProposal


def _per_student_queue(ctx, campaign_id=None, *, include_near=False) -> list[QueueRow]:
    """The review queue as it was computed before issue 15, kept here as the reference."""
    with ctx.db.read() as s:
        q = (select(Student).join(GridProposal, GridProposal.student_id == Student.id)
             .outerjoin(Student.school_class).where(GridProposal.status == "pending", ctx.actor.student_filter())
             .distinct())
        if campaign_id is not None:
            q = q.where(GridProposal.campaign_id == campaign_id)
        students = {st.id: st for st in s.scalars(q)}
        pending = pending_proposals(s, students)
        rows = []
        for sid, st in students.items():
            ps = pending.get(sid, [])
            if campaign_id is not None:
                ps = [p for p in ps if p.campaign_id in (campaign_id, None)]
            if not ps:
                continue
            grade, label = B.student_class_label(st)
            graded = [p for p in ps if not p.near]
            head = sorted(graded or ps, key=lambda p: (LV.RANK.get(p.level_code or "", 9), not p.safety))[0]
            scr = proposed_level([p for p in graded if p.source == "screening"])
            obs = proposed_level([p for p in graded if p.source == "observation"])
            case = B.open_case(s, sid)
            iv = unused_interview(s, sid)
            full = ctx.actor.can("screening.results") or head.source != "screening"
            row = QueueRow(sid, st.student_no, st.name, grade, label, proposed_level(ps),
                           head.rule_label if full else SOURCES[head.source], tuple(sorted({p.source for p in ps})),
                           any(p.safety for p in ps), any(p.validity_review for p in ps), not graded,
                           scr is not None and scr == obs, case.level_code if case else None,
                           interview_row(iv, ctx, False) if iv else None, tuple(proposal_row(p, ctx) for p in ps))
            if row.near and not include_near:
                continue
            rows.append(row)
    rows.sort(key=lambda r: (r.near, LV.RANK.get(r.proposed_level or "", 8), not r.safety, r.class_label or "",
                             r.student_no))
    return rows


def _iv(c, sid, rec, hour):
    return G.record_interview(c, sid, held_at=datetime(2026, 10, 12, hour), findings="访谈发现", recommendation=rec)


def test_batched_queue_equals_the_per_student_queue(staff):
    c, ids = staff.counselor, staff.ids
    # On the list already (open case, its interview used), then flagged again by a campaign.
    placed = place(staff, "任浩然", "L3")
    # Two unused interviews: the later one is the one shown.
    G.propose_from_evidence(c, [phq9(ids["林一鸣"], 21), phq9(ids["苏晓雨"], 3, item9=True),
                                phq9(ids["贺子轩"], 9), phq9(ids["姚佳琪"], None, valid=False),
                                phq9(placed, 21), gad7(ids["邵可欣"], 16)])
    _iv(c, ids["林一鸣"], "L2", 9)
    _iv(c, ids["林一鸣"], "L3", 11)
    _iv(c, ids["苏晓雨"], None, 10)
    # A second campaign and proposals by people (no campaign): they show beside either campaign.
    G.propose_from_evidence(c, [phq9(ids["林一鸣"], 16, campaign_id=2), phq9(ids["邵可欣"], 12, campaign_id=2)])
    G.propose_manual(c, ids["林一鸣"], "L2", "班主任：连续一周情绪低落", "observation")
    G.propose_manual(c, ids["姚佳琪"], "L3", "家长来电", "referral")

    seen = []
    for campaign in (None, 1, 2, 3):
        for near in (False, True):
            got = review_queue(c, campaign, include_near=near)
            assert got == _per_student_queue(c, campaign, include_near=near), (campaign, near)
            seen += got
    # The fixture covers what the batched reads replace (so the comparison cannot pass on empty rows).
    assert any(r.current_level == "L3" for r in seen)
    assert any(r.interview is not None and r.interview.recommendation == "L3" for r in seen)
    assert any(r.near for r in seen) and any(r.validity_review for r in seen) and any(r.safety for r in seen)
    assert any(r.observation_agrees for r in seen)
    assert sorted(r.name for r in review_queue(c, 2)) == sorted(["林一鸣", "邵可欣"])
