"""Proposals, the review queue, interviews and decisions, bulk confirm and capacity — through the services."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.grid.conftest import TODAY, gad7, phq9, place
from xadesk.errors import PermissionDenied, UserError
from xadesk.services import grid as G
from xadesk.services import grid_tracking as T
from xadesk.storage.models import AuditEntry


def _interview(c, sid, rec):
    return G.record_interview(c, sid, held_at=datetime(2026, 10, 12, 10), findings="访谈发现", recommendation=rec)


def test_screening_proposals_record_their_rule_and_queue_most_severe_first(staff):
    c, ids = staff.counselor, staff.ids
    summary = G.propose_from_evidence(c, [phq9(ids["林一鸣"], 21), phq9(ids["苏晓雨"], 3, item9=True),
                                          phq9(ids["贺子轩"], 12), phq9(ids["姚佳琪"], 4)])
    assert (summary.proposed, summary.safety) == (3, 1)
    queue = G.review_queue(c, 1)
    assert [r.name for r in queue] == ["苏晓雨", "林一鸣", "贺子轩"]  # safety first within 二级
    assert [r.proposed_level for r in queue] == ["L2", "L2", "L4"]
    su = queue[0]
    assert su.safety and su.proposals[0].rule_key == "safety:phq9:item9"
    assert queue[1].proposals[0].rule_key == "phq9_severe" and queue[1].proposals[0].rule_version == 0
    assert all(not r.ready for r in queue)


def test_proposing_again_for_a_campaign_replaces_pending_proposals(staff):
    c, ids = staff.counselor, staff.ids
    G.propose_from_evidence(c, [phq9(ids["林一鸣"], 21)])
    again = G.propose_from_evidence(c, [phq9(ids["林一鸣"], 16)])
    assert again.replaced == 1
    assert [(r.name, r.proposed_level) for r in G.review_queue(c, 1)] == [("林一鸣", "L3")]


def test_a_decision_needs_a_recorded_interview(staff):
    c, sid = staff.counselor, staff.ids["林一鸣"]
    G.propose_from_evidence(c, [phq9(sid, 21)])
    with pytest.raises(UserError, match="复核访谈"):
        G.decide(c, sid, interview_id=999, level="L2")
    other = _interview(c, staff.ids["苏晓雨"], "L2")
    with pytest.raises(UserError, match="不是该学生"):
        G.decide(c, sid, interview_id=other.id, level="L2")
    iv = _interview(c, sid, "L2")
    d = G.decide(c, sid, interview_id=iv.id, level="L2", today=TODAY)
    assert (d.proposed_level, d.decided_level, d.override) == ("L2", "L2", False)
    assert G.review_queue(c, 1) == []
    with pytest.raises(UserError, match="已用于"):
        G.decide(c, sid, interview_id=iv.id, level="L2")


def test_overriding_the_proposed_level_needs_a_reason(staff):
    c, sid = staff.counselor, staff.ids["林一鸣"]
    G.propose_from_evidence(c, [phq9(sid, 21)])
    iv = _interview(c, sid, "L3")
    with pytest.raises(UserError, match="理由"):
        G.decide(c, sid, interview_id=iv.id, level="L3")
    with pytest.raises(UserError, match="理由"):
        G.decide(c, sid, interview_id=iv.id, level=None)
    d = G.decide(c, sid, interview_id=iv.id, level="三级", reason="访谈中情绪稳定，近期考试压力所致", today=TODAY)
    assert d.override and d.decided_level == "L3"
    rec = T.student_record(c, sid, today=TODAY)
    assert rec.case.level == "L3" and rec.history[-1].reason.startswith("访谈中")


def test_decision_not_to_list_closes_the_proposals_without_a_case(staff):
    c, sid = staff.counselor, staff.ids["贺子轩"]
    G.propose_from_evidence(c, [phq9(sid, None, valid=False)])  # careless answering: review, no grade
    row = G.review_queue(c, 1)[0]
    assert row.validity_review and row.proposed_level is None
    iv = _interview(c, sid, None)
    d = G.decide(c, sid, interview_id=iv.id, level=None)
    assert d.case_id is None and not d.override
    assert T.grid_list(c) == []


def test_deciding_opens_a_case_with_plan_history_and_notices(staff):
    sid = place(staff, "林一鸣", "L1", contact=staff.homeroom)
    rec = T.student_record(staff.counselor, sid, today=TODAY)
    assert rec.case.level == "L1" and rec.case.frequency_days == 7
    assert rec.case.next_due.isoformat() == "2026-10-19"
    assert rec.case.contact_id == staff.homeroom.actor.user_id
    assert [(h.from_level, h.to_level) for h in rec.history] == [(None, "L1")]
    kinds = {(n.kind, n.level) for n in T.notices(staff.homeroom)}
    assert ("level", "L1") in kinds and ("contact", "L1") in kinds
    assert any(n.kind == "level" for n in T.notices(staff.leader))


def test_bulk_confirm_only_where_interview_and_observation_agree(staff):
    c, h, ids = staff.counselor, staff.homeroom, staff.ids
    G.propose_from_evidence(c, [phq9(ids["林一鸣"], 16), phq9(ids["苏晓雨"], 16), phq9(ids["贺子轩"], 16)])
    G.propose_manual(h, ids["林一鸣"], "L3", "上课常走神、独来独往", "observation")
    G.propose_manual(h, ids["苏晓雨"], "L4", "情绪低落", "observation")
    for name in ("林一鸣", "苏晓雨"):
        _interview(c, ids[name], "L3")
    queue = {r.name: r for r in G.review_queue(c, 1)}
    assert queue["林一鸣"].observation_agrees and not queue["苏晓雨"].observation_agrees
    res = G.bulk_confirm(c, [ids["林一鸣"], ids["苏晓雨"], ids["贺子轩"]], require_observation=True, today=TODAY)
    assert [d.student_id for d in res.decided] == [ids["林一鸣"]]
    assert dict(res.skipped) == {ids["苏晓雨"]: "筛查与班主任观察不一致", ids["贺子轩"]: "尚未记录复核访谈"}
    res2 = G.bulk_confirm(c, [ids["苏晓雨"]], today=TODAY)
    assert [d.decided_level for d in res2.decided] == ["L3"]


def test_capacity_view_counts_by_level_and_keeps_near_threshold_apart(staff):
    c, ids = staff.counselor, staff.ids
    G.set_interview_capacity(c, 2)
    G.propose_from_evidence(c, [phq9(ids["林一鸣"], 21), phq9(ids["苏晓雨"], 16), phq9(ids["贺子轩"], 9),
                                phq9(ids["姚佳琪"], 11)])
    view = G.capacity(c, 1)
    assert view.by_level == {"L1": 0, "L2": 1, "L3": 1, "L4": 1}
    assert [r.name for r in view.near] == ["贺子轩"]  # 9 is within 2 of the PHQ-9 ≥ 10 rule
    assert (view.waiting, view.counselors, view.per_week, view.weeks_needed) == (3, 1, 2, 1.5)
    assert "贺子轩" not in [r.name for r in G.review_queue(c, 1)]


def test_cross_instrument_combination_rule(staff):
    c, sid = staff.counselor, staff.ids["林一鸣"]
    G.propose_from_evidence(c, [phq9(sid, 16), gad7(sid, 15)])
    row = G.review_queue(c, 1)[0]
    assert row.proposed_level == "L2" and row.proposals[0].rule_key == "phq9_gad7_severe"


def test_only_counselors_review_and_decide(staff):
    sid = staff.ids["林一鸣"]
    G.propose_from_evidence(staff.counselor, [phq9(sid, 21)])
    for ctx in (staff.homeroom, staff.grade_leader, staff.leader):
        with pytest.raises(PermissionDenied):
            G.review_queue(ctx)
        with pytest.raises(PermissionDenied):
            G.record_interview(ctx, sid, held_at=datetime(2026, 10, 1), findings="x", recommendation="L2")
    with pytest.raises(PermissionDenied):
        G.propose_from_evidence(staff.homeroom, [phq9(sid, 21)])


def test_every_change_and_every_record_view_is_audited(staff):
    sid = place(staff, "林一鸣", "L2")
    T.student_record(staff.homeroom, sid)
    with staff.counselor.db.read() as s:
        rows = s.query(AuditEntry).filter(AuditEntry.student_id == sid).all()
        actions = [r.action for r in rows]
        details = " ".join(r.detail or "" for r in rows)
    assert {"grid.propose", "grid.interview", "grid.decide", "grid.view"} <= set(actions)
    assert "测试" not in details and "访谈记录" not in details  # no free text in the audit log
    assert json.loads(rows[-1].detail or "null") is None
